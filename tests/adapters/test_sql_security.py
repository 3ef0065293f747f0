"""SEC-2 … SEC-6, PRV-2, X-5, X-9: the SQL tables of account security and of the privacy
engine, at the adapter boundary, on SQLite and PostgreSQL.

* A token is spent once, also when several units of work in several threads try at the
  same moment: exactly one commit goes through, every other one is refused with a typed
  error, and the record keeps the winner's time.
* A value that does not fit a column is refused when it is staged, with the column named
  and the value nowhere; nothing of the unit of work is written.
* An id taken by a concurrent transaction is a ``ConflictError`` naming the table at
  commit, and none of the loser's other writes land.
* The retention deletes are set-based, bounded, ordered, and commit (or roll back) with
  the unit of work.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from klickit_core.accounts.ports import LoginAttemptRepository, LostCredentialsRepository
from klickit_core.accounts.security import (
    PASSWORD_RESET,
    AttemptOutcome,
    LoginAttempt,
    LostCredentialsRequest,
)
from klickit_core.adapters.memory import MemoryStore
from klickit_core.adapters.sql import SqlStore, UnstorableValueError
from klickit_core.adapters.sql import tables as t
from klickit_core.privacy.ports import (
    PrivacyAction,
    PrivacyAuditEntry,
    PrivacyAuditLog,
    SweepCheckpoint,
    SweepCheckpoints,
)
from klickit_core.shared.errors import ConflictError
from klickit_core.shared.security_events import SecurityEvent, SecurityEventKind, SecurityEventLog
from klickit_core.shared.serialisation import unstructure
from klickit_core.shared.tokens import (
    InvalidTokenError,
    OneTimeToken,
    OneTimeTokenRepository,
    consume_token,
    issue_token,
)
from klickit_core.testing import FixedClock
from klickit_core.testing.contracts import sql
from klickit_core.testing.contracts.builders import product

Uow = Any
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
#: Threads spending one token at once, and rounds (tokens) per backend.
THREADS = 8
ROUNDS = 4


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> SqlStore:
    """The module's SQLite database or the session's PostgreSQL schema, emptied."""
    name = "sqlite_store" if request.param == "sqlite" else "postgres_store"
    found: SqlStore = request.getfixturevalue(name)
    sql.empty(found)
    return found


def _rows(store: SqlStore) -> dict[str, int]:
    """How many rows each table holds (the non-empty ones)."""
    counts = {}
    with store.engine.connect() as connection:
        for table in t.metadata.sorted_tables:
            count = connection.execute(select(func.count()).select_from(table)).scalar_one()
            if count:
                counts[table.name] = count
    return counts


# ---------------------------------------------------------------------- single use


def _spend_at_once(store: SqlStore, clock: FixedClock, token: object, tag: str) -> list[str]:
    """``THREADS`` threads verify and spend ``token``, each in its own unit of work, all
    reading before any commits; each also adds a product ``<tag>-<n>``. Their outcomes."""
    start, ready = threading.Barrier(THREADS), threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def spender(n: int) -> None:
        start.wait()
        try:
            with store.unit_of_work() as uow:
                try:
                    consume_token(uow.tokens, clock, PASSWORD_RESET, token, subject="c1")
                finally:
                    ready.wait()  # everyone has read before anyone commits
                uow.products.add(product(f"{tag}-{n}"))  # lands only if it wins
                uow.commit()
            outcome = "won"
        except ConflictError as refused:
            outcome = f"conflict:{refused.details.get('table')}"
        except InvalidTokenError as refused:
            outcome = f"invalid:{refused.details.get('reason')}"
        except BaseException as unexpected:
            outcome = f"unexpected {type(unexpected).__name__}: {unexpected}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=spender, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a spender hung"
    return outcomes


def test_concurrent_spenders_of_one_token_exactly_one_wins(store: SqlStore) -> None:
    """SEC-3, SEC-6: ``THREADS`` units of work verify and spend the same token, then
    commit at the same moment. The guarded ``UPDATE … WHERE used_at IS NULL`` lets exactly
    one commit through; the others get ``ConflictError`` at commit (or, when they read
    after the winner committed, ``InvalidTokenError("used")``), and none of their other
    writes land."""
    clock = FixedClock(T0)
    for round_ in range(ROUNDS):
        with store.unit_of_work() as uow:
            issued = issue_token(uow.tokens, clock, PASSWORD_RESET, "c1", timedelta(hours=1))
            uow.commit()
        outcomes = _spend_at_once(store, clock, issued.token, f"WIN-{round_}")
        assert outcomes.count("won") == 1, outcomes
        assert set(outcomes) <= {"won", "conflict:tokens", "invalid:used"}, outcomes
        with store.unit_of_work() as uow:
            record = uow.tokens.get(issued.record.id)
            winners = [n for n in range(THREADS) if uow.products.get(f"WIN-{round_}-{n}")]
        assert record is not None
        assert record.used_at == T0
        assert len(winners) == 1


def test_a_spend_loses_to_a_revocation_committed_meanwhile(store: SqlStore) -> None:
    """SEC-3: a password reset elsewhere revoked the token after this unit of work read it
    unspent: its commit is refused, so a revoked link never works."""
    with store.unit_of_work() as uow:
        uow.tokens.add(_token("t1"))
        uow.commit()
    with store.unit_of_work() as spender, store.unit_of_work() as resetter:
        assert spender.tokens.mark_used("t1", T0 + MINUTE) is True
        assert resetter.tokens.revoke("c1", [PASSWORD_RESET], T0) == 1
        resetter.commit()
        with pytest.raises(ConflictError):
            spender.commit()
    with store.unit_of_work() as uow:
        record = uow.tokens.get("t1")
    assert record is not None
    assert record.used_at == T0


def test_a_token_issued_and_spent_in_one_transaction_is_stored_spent(store: SqlStore) -> None:
    """SEC-6: staging keeps the transaction's own view; the insert carries the spend."""
    with store.unit_of_work() as uow:
        uow.tokens.add(_token("t1"))
        assert uow.tokens.mark_used("t1", T0) is True
        assert uow.tokens.mark_used("t1", T0) is False
        assert uow.tokens.revoke("c1", [PASSWORD_RESET], T0) == 0
        assert uow.tokens.count_issued("c1", PASSWORD_RESET, T0) == 1
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.tokens.get("t1") == _token("t1").spent(T0)


# ---------------------------------------------------------------------- bad input


def _token(token_id: str, **fields: Any) -> OneTimeToken:
    values: dict[str, Any] = {
        "id": token_id,
        "purpose": PASSWORD_RESET,
        "subject": "c1",
        "verifier_hash": "ab" * 32,
        "created_at": T0,
        "expires_at": T0 + 60 * MINUTE,
    }
    return OneTimeToken(**{**values, **fields})


def _request(request_id: str, **fields: Any) -> LostCredentialsRequest:
    values: dict[str, Any] = {
        "id": request_id,
        "created_at": T0,
        "name": "Camille Martin",
        "contact_email": "camille@example.fr",
        "message": "J'ai perdu mes identifiants.",
    }
    return LostCredentialsRequest(**{**values, **fields})


def _entry(entry_id: str, **fields: Any) -> PrivacyAuditEntry:
    values: dict[str, Any] = {
        "id": entry_id,
        "action": PrivacyAction.SWEEP,
        "at": T0,
        "actor_id": "admin-1",
        "reference": "run-1",
        "dry_run": False,
    }
    return PrivacyAuditEntry(**{**values, **fields})


LONG_ID = "x" * 129  # ids hold at most 128 characters


@pytest.mark.parametrize(
    ("write", "field", "code"),
    [
        (
            lambda uow: uow.login_attempts.add(
                LoginAttempt("a1", T0, AttemptOutcome.FAILED, "c1", "2001:db8:" + "f" * 60)
            ),
            "login_attempts.ip_address",
            "too_long",
        ),
        (
            lambda uow: uow.tokens.add(_token("t1", subject=LONG_ID)),
            "tokens.subject",
            "too_long",
        ),
        (
            lambda uow: uow.security_events.add(
                SecurityEvent("e1", SecurityEventKind.ACCOUNT_RECOVERY, T0, actor_id=LONG_ID)
            ),
            "security_events.actor_id",
            "too_long",
        ),
        (
            lambda uow: uow.lost_credentials.add(_request("r1", message="é" * 10_001)),
            "lost_credentials.message",
            "too_long",
        ),
        (
            lambda uow: uow.lost_credentials.add(_request("r1", name="Camille\x00Martin")),
            "lost_credentials.name",
            "invalid_text",
        ),
        (
            lambda uow: uow.privacy_audit.add(_entry("p1", reference="r" * 201)),
            "privacy_audit.reference",
            "too_long",
        ),
        (
            lambda uow: uow.sweep_checkpoints.save(
                SweepCheckpoint("retention-sweep", "run-1", T0, LONG_ID, T0)
            ),
            "privacy_sweep_checkpoints.actor_id",
            "too_long",
        ),
    ],
    ids=["network", "token_subject", "event_actor", "message", "nul", "reference", "ckpt_actor"],
)
def test_a_value_that_does_not_fit_is_refused_and_nothing_is_written(
    store: SqlStore, write: Callable[[Uow], None], field: str, code: str
) -> None:
    """X-9: the typed error names the column and holds no value; the block ends without
    anything written, the unit of work's earlier writes included."""

    def attempt() -> None:
        with store.unit_of_work() as uow:
            uow.security_events.add(SecurityEvent("e0", SecurityEventKind.LOGIN_CONFIRMED, T0))
            write(uow)
            uow.commit()

    with pytest.raises(UnstorableValueError) as refused:
        attempt()
    assert refused.value.codes == {field: f"storage.{code}"}
    for shown in (
        str(refused.value),
        repr(unstructure(refused.value)),
        refused.value.message("fr"),
    ):
        assert "xxxxx" not in shown
        assert "éééé" not in shown
        assert "Camille" not in shown
        assert "ffff" not in shown
    assert _rows(store) == {}


@pytest.mark.parametrize(
    ("write", "table"),
    [
        (
            lambda uow, n: uow.login_attempts.add(
                LoginAttempt("a1", T0 + n * MINUTE, AttemptOutcome.FAILED, f"c{n}")
            ),
            "login_attempts",
        ),
        (lambda uow, n: uow.tokens.add(_token("t1", subject=f"c{n}")), "tokens"),
        (
            lambda uow, n: uow.security_events.add(
                SecurityEvent("e1", SecurityEventKind.PASSWORD_RESET, T0 + n * MINUTE)
            ),
            "security_events",
        ),
        (lambda uow, n: uow.lost_credentials.add(_request("r1", name=f"N{n}")), "lost_credentials"),
        (lambda uow, n: uow.privacy_audit.add(_entry("p1", reference=f"run-{n}")), "privacy_audit"),
        (
            lambda uow, n: uow.sweep_checkpoints.save(
                SweepCheckpoint("retention-sweep", f"run-{n}", T0, "system", T0)
            ),
            "privacy_sweep_checkpoints",
        ),
    ],
    ids=["attempt", "token", "event", "request", "audit", "checkpoint"],
)
def test_an_id_taken_meanwhile_is_a_conflict_and_nothing_else_is_written(
    store: SqlStore, write: Callable[[Uow, int], None], table: str
) -> None:
    """X-5, X-9: both transactions pass the early check; the primary key stops the second
    at commit with a ``ConflictError`` naming the table, and none of its writes land."""
    with store.unit_of_work() as first, store.unit_of_work() as second:
        write(first, 1)
        write(second, 2)
        second.products.add(product("OTHER"))
        first.commit()
        with pytest.raises(ConflictError) as refused:
            second.commit()
    assert type(refused.value) is ConflictError
    assert dict(refused.value.details) == {"table": table}
    assert _rows(store) == {table: 1}


def test_an_id_already_committed_is_refused_at_once(store: SqlStore) -> None:
    """X-5: the early check answers before commit when the id is already stored."""
    with store.unit_of_work() as uow:
        uow.tokens.add(_token("t1"))
        uow.lost_credentials.add(_request("r1"))
        uow.commit()
    with store.unit_of_work() as uow:
        with pytest.raises(ConflictError):
            uow.tokens.add(_token("t1", subject="c2"))
        with pytest.raises(ConflictError):
            uow.lost_credentials.add(_request("r1"))
    assert _rows(store) == {"tokens": 1, "lost_credentials": 1}


# ---------------------------------------------------------------------- retention deletes


def _attempts(store: SqlStore, count: int) -> None:
    with store.unit_of_work() as uow:
        for n in range(count):  # two attempts per minute: ties on ``at`` go by id
            uow.login_attempts.add(
                LoginAttempt(f"a{n:03d}", T0 + (n // 2) * MINUTE, AttemptOutcome.FAILED, "c1")
            )
        uow.commit()


def _attempt_ids(store: SqlStore) -> list[str]:
    with store.engine.connect() as connection:
        return list(
            connection.execute(select(t.login_attempts.c.id).order_by(t.login_attempts.c.id))
            .scalars()
            .all()
        )


def test_retention_deletes_go_oldest_first_in_bounded_batches(store: SqlStore) -> None:
    """PRV-2: each call deletes at most ``limit`` of the due rows, oldest (then lowest id)
    first, with one statement; what is not due stays."""
    _attempts(store, 10)
    cutoff = T0 + 4 * MINUTE  # a000 … a007 are due
    deleted, left = [], []
    for _ in range(4):
        with store.unit_of_work() as uow:
            deleted.append(uow.login_attempts.delete_before(cutoff, limit=3))
            uow.commit()
        left.append(_attempt_ids(store)[0])
    assert deleted == [3, 3, 2, 0]
    assert left == ["a003", "a006", "a008", "a008"]
    assert _attempt_ids(store) == ["a008", "a009"]
    with store.unit_of_work() as uow:
        assert uow.login_attempts.delete_before(cutoff, limit=0) == 0


def test_retention_deletes_roll_back_with_the_unit_of_work(store: SqlStore) -> None:
    """PRV-2: a sweep batch that does not commit deleted nothing; one that commits takes
    its staged writes (a checkpoint) with it."""
    _attempts(store, 4)
    with store.unit_of_work() as uow:
        assert uow.login_attempts.delete_before(T0 + 10 * MINUTE) == 4
        assert uow.login_attempts.count_failures(T0, customer_id="c1") == 0  # its own view
    assert len(_attempt_ids(store)) == 4
    with store.unit_of_work() as uow:
        assert uow.login_attempts.delete_before(T0 + MINUTE, limit=1) == 1
        uow.sweep_checkpoints.save(SweepCheckpoint("retention-sweep", "run-1", T0, "system", T0))
        uow.commit()
    assert _attempt_ids(store) == ["a001", "a002", "a003"]
    assert _rows(store) == {"login_attempts": 3, "privacy_sweep_checkpoints": 1}


def test_expired_tokens_and_old_events_are_deleted_set_based(store: SqlStore) -> None:
    """PRV-2: tokens by expiry, events by time, each in (time, id) order."""
    with store.unit_of_work() as uow:
        for n in range(3):
            uow.tokens.add(_token(f"t{n}", expires_at=T0 + (n + 1) * MINUTE))
            uow.security_events.add(
                SecurityEvent(f"e{n}", SecurityEventKind.LOGIN_CONFIRMED, T0 + n * MINUTE)
            )
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.tokens.delete_expired(T0 + 3 * MINUTE, limit=5) == 2
        assert uow.security_events.delete_before(T0 + 2 * MINUTE, limit=1) == 1
        uow.commit()
    with store.unit_of_work() as uow:
        assert [uow.tokens.get(f"t{n}") is not None for n in range(3)] == [False, False, True]
        assert [e.id for e in uow.security_events.events()] == ["e2", "e1"]


@pytest.mark.postgres
def test_concurrent_sweepers_skip_each_others_rows(postgres_store: SqlStore) -> None:
    """PRV-2: on PostgreSQL two sweep workers run at once without waiting for each other
    (``FOR UPDATE SKIP LOCKED``): the second takes the next rows, not the same ones."""
    sql.empty(postgres_store)
    _attempts(postgres_store, 6)
    second_deleted: list[int] = []

    def second_worker() -> None:
        with postgres_store.unit_of_work() as second:
            second_deleted.append(second.login_attempts.delete_before(T0 + 10 * MINUTE, limit=4))
            second.commit()

    with postgres_store.unit_of_work() as first:
        assert first.login_attempts.delete_before(T0 + 10 * MINUTE, limit=4) == 4
        worker = threading.Thread(target=second_worker)
        worker.start()
        worker.join(timeout=20)  # while the first one still holds its rows
        assert not worker.is_alive(), "the second sweeper waited for the first one's rows"
        first.commit()
    assert second_deleted == [2]
    assert _attempt_ids(postgres_store) == []


def test_counts_see_the_transactions_own_records(store: SqlStore) -> None:
    """SEC-2: the limits count committed attempts and the transaction's own, once each."""
    _attempts(store, 2)
    with store.unit_of_work() as uow:
        uow.login_attempts.add(LoginAttempt("b1", T0, AttemptOutcome.FAILED, "c1", "192.0.2.1"))
        uow.login_attempts.add(LoginAttempt("b2", T0, AttemptOutcome.SUCCEEDED, "c1"))
        assert uow.login_attempts.count_failures(T0, customer_id="c1") == 3
        assert uow.login_attempts.count_failures(T0, ip_address="192.0.2.1") == 1
        assert uow.login_attempts.last_unlocked_at("c1") == T0
    with store.unit_of_work() as uow:
        assert uow.login_attempts.count_failures(T0, customer_id="c1") == 2
        assert uow.login_attempts.last_unlocked_at("c1") is None


def test_both_backends_carry_the_security_and_privacy_ports(store: SqlStore) -> None:
    """X-5, SEC-2 … SEC-6, PRV-2: the memory and the SQL unit of work carry the same ports,
    which is what ``ShopUnitOfWork`` (``SecurityUnitOfWork``, ``PrivacyUnitOfWork``) asks."""
    ports = {
        "login_attempts": LoginAttemptRepository,
        "lost_credentials": LostCredentialsRepository,
        "tokens": OneTimeTokenRepository,
        "security_events": SecurityEventLog,
        "sweep_checkpoints": SweepCheckpoints,
        "privacy_audit": PrivacyAuditLog,
    }
    for uow in (MemoryStore().unit_of_work(), store.unit_of_work()):
        for name, port in ports.items():
            assert isinstance(getattr(uow, name), port), (type(uow).__name__, name)
