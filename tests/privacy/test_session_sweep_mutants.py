"""Issue 19, break 3, re-applied by hand: a session sweep that skips signed-in sessions.

Such a sweep keeps a signed-in visitor's IP address, browser, location and typed address
forever (SES-1, PRV-2), and the guest-only session contract let it pass. Here the break is
put back into each backend's real sweep, by wrapping the query the repository sends
(SQL: one more ``WHERE customer_id IS NULL``; memory: the signed-in rows dropped from the
candidates), and the contract is run in-process: the old guest-only test still passes on
the broken code (the gap), the new every-kind-of-session test fails on it and passes on
the real code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from klickit_core.adapters.memory import MemoryStore
from klickit_core.adapters.memory import cart_sessions as memory_sessions
from klickit_core.adapters.sql import cart_sessions as sql_sessions
from klickit_core.adapters.sql.tables import sessions
from klickit_core.sessions.domain import VisitorSession
from klickit_core.testing.contracts import MakeUow
from klickit_core.testing.contracts.builders import T0
from klickit_core.testing.contracts.people_sweeps import SessionSweepContract
from klickit_core.testing.contracts.sql import (
    postgres_store,
    postgres_url_or_skip,
    sqlite_store,
)

IP = "203.0.113.7"
BACKENDS = ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, MakeUow]]:
    """A backend's name and a unit-of-work factory on an empty store."""
    if request.param == "memory":
        yield "memory", MemoryStore().unit_of_work
    elif request.param == "sqlite":
        with sqlite_store(tmp_path / "sweep.db") as store:
            yield "sqlite", store.unit_of_work
    else:
        with postgres_store(postgres_url_or_skip(), prefix="klickit_mutants") as store:
            yield "postgresql", store.unit_of_work


def _skip_signed_in_sql(real: Callable[..., Any]) -> Callable[..., Any]:
    """The SQL keyset step with ``customer_id IS NULL`` added to the sessions' due test."""

    def broken(tx: Any, table: Any, **kwargs: Any) -> Any:
        if table is sessions:
            kwargs["due"] = [*kwargs["due"], sessions.c.customer_id.is_(None)]
        return real(tx, table, **kwargs)

    return broken


def _skip_signed_in_memory(real: Callable[..., Any]) -> Callable[..., Any]:
    """The memory keyset step with signed-in sessions left out of the candidates."""

    def broken(rows: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
        kept = [r for r in rows if not (isinstance(r, VisitorSession) and r.customer_id)]
        return real(kept, *args, **kwargs)

    return broken


def _break_the_sweep(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    if name == "memory":
        wrapped = _skip_signed_in_memory(memory_sessions.keyset_sweep)
        monkeypatch.setattr(memory_sessions, "keyset_sweep", wrapped)
    else:
        monkeypatch.setattr(
            sql_sessions, "keyset_sweep", _skip_signed_in_sql(sql_sessions.keyset_sweep)
        )


#: Later than any row a test writes: a sweep with this cutoff takes every session.
_END_OF_TIME = T0.replace(year=2100)


def _sweep_everything(make_uow: MakeUow) -> None:
    """Run the sweep with a cutoff after every session, in one committed step."""
    with make_uow() as uow:
        page = uow.sessions.sweep_idle(_END_OF_TIME, after=None, limit=1000, dry_run=False)
        assert page.examined < 1000
        uow.commit()


def _signed_in_session_kept(make_uow: MakeUow) -> bool:
    """Whether a signed-in session holding an IP survives a sweep that should take it."""
    with make_uow() as uow:
        uow.sessions.add(VisitorSession("probe", T0, T0, ip_address=IP, customer_id="c1"))
        uow.commit()
    _sweep_everything(make_uow)
    with make_uow() as uow:
        kept = uow.sessions.get("probe") is not None
        uow.sessions.delete("probe")
        uow.commit()
    return kept


def test_the_new_contract_catches_a_sweep_that_skips_signed_in_sessions(
    backend: tuple[str, MakeUow], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SES-1, PRV-2 (issue 19, break 3): on the broken sweep the guest-only test passes
    and the every-kind test fails; with the break undone, both pass."""
    name, make_uow = backend
    contract = SessionSweepContract()
    _break_the_sweep(monkeypatch, name)
    assert _signed_in_session_kept(make_uow)  # the break is in: a signed-in IP stays
    contract.test_sweep_deletes_only_sessions_idle_before_the_cutoff(make_uow)  # the gap
    _sweep_everything(make_uow)
    with pytest.raises(AssertionError):
        contract.test_every_kind_of_session_is_swept_alike(make_uow)
    monkeypatch.undo()
    _sweep_everything(make_uow)
    assert not _signed_in_session_kept(make_uow)
    contract.test_sweep_deletes_only_sessions_idle_before_the_cutoff(make_uow)
    _sweep_everything(make_uow)
    contract.test_every_kind_of_session_is_swept_alike(make_uow)
