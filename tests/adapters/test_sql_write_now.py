"""The set-based phase of a SQL unit of work (``write_now``), used by sweeps and erasure.

A batch of set-based statements and the staged writes of the same unit of work (a sweep's
checkpoint) commit together or not at all; leaving without commit undoes the statements;
another unit of work never sees them before the commit.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import delete, func, select

from klickit_core.adapters.sql import SqlStore
from klickit_core.adapters.sql import tables as t
from klickit_core.testing.contracts import sql
from klickit_core.testing.contracts.builders import product

Store = Callable[[], SqlStore]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Iterator[SqlStore]:
    chosen: SqlStore = request.getfixturevalue(f"{request.param}_store")
    sql.empty(chosen)
    with chosen.unit_of_work() as uow:
        for sku in ("A", "B", "C"):
            uow.products.add(product(sku))
        uow.commit()
    yield chosen
    sql.empty(chosen)


def _skus(store: SqlStore) -> list[str]:
    with store.engine.connect() as connection:
        return sorted(connection.execute(select(t.products.c.sku)).scalars())


def test_statements_and_staged_writes_commit_together(store: SqlStore) -> None:
    with store.unit_of_work() as uow:
        removed = uow.write_now().execute(delete(t.products).where(t.products.c.sku == "A"))
        assert removed.rowcount == 1
        uow.products.add(product("D"))  # staged, written at commit in the same transaction
        uow.commit()
    assert _skus(store) == ["B", "C", "D"]


def test_leaving_without_commit_undoes_the_statements(store: SqlStore) -> None:
    with store.unit_of_work() as uow:
        uow.write_now().execute(delete(t.products))
        uow.products.add(product("D"))
    assert _skus(store) == ["A", "B", "C"]


def test_an_exception_rolls_everything_back(store: SqlStore) -> None:
    def fail_half_way() -> None:
        with store.unit_of_work() as uow:
            uow.write_now().execute(delete(t.products))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_half_way()
    assert _skus(store) == ["A", "B", "C"]


def test_a_commit_without_staged_writes_still_commits_the_statements(store: SqlStore) -> None:
    with store.unit_of_work() as uow:
        connection = uow.write_now()
        assert uow.write_now() is connection  # one phase per transaction
        connection.execute(delete(t.products).where(t.products.c.sku != "C"))
        uow.commit()
        # after a commit the unit of work reads again, and may open a new phase
        assert uow.products.get("C") is not None
        uow.write_now().execute(delete(t.products))
    assert _skus(store) == ["C"]


def test_other_units_of_work_do_not_see_uncommitted_statements(store: SqlStore) -> None:
    """Another reader sees the last commit while the phase is open. On SQLite the reader is
    a plain autocommit connection (WAL readers never wait for the writer; an engine
    connection would start with ``BEGIN IMMEDIATE`` and wait for the write lock)."""

    def count_elsewhere() -> int:
        if store.engine.dialect.name == "sqlite":
            reader = sqlite3.connect(store.engine.url.database or "", isolation_level=None)
            try:
                return int(reader.execute("SELECT count(*) FROM products").fetchone()[0])
            finally:
                reader.close()
        with store.engine.connect() as other:
            return int(other.execute(select(func.count()).select_from(t.products)).scalar_one())

    with store.unit_of_work() as uow:
        uow.write_now().execute(delete(t.products))
        assert count_elsewhere() == 3
        uow.commit()
    assert count_elsewhere() == 0
    assert _skus(store) == []


def test_a_unit_of_work_sees_one_state_of_each_row(store: SqlStore) -> None:
    """X-5: what a unit of work read once it reads again (an identity map), even after
    another commit changed the row; its own write of that row then fails its version
    check at commit instead of overwriting the other commit."""
    import attrs

    from klickit_core.shared.errors import ConflictError

    with store.unit_of_work() as first:
        before = first.products.get("A")
        assert before is not None
        with store.unit_of_work() as second:
            second.products.save(attrs.evolve(before, name="Renamed"))
            second.commit()
        assert first.products.get("A") == before
        first.products.save(attrs.evolve(before, name="Mine"))
        with pytest.raises(ConflictError):
            first.commit()
    with store.unit_of_work() as fresh:
        assert fresh.products.get("A").name == "Renamed"  # type: ignore[union-attr]


def test_a_lookup_by_email_runs_once_per_unit_of_work(store: SqlStore) -> None:
    """X-5: a lookup by a unique column (``by_email``) is remembered like a read by key:
    after another commit deleted the account, the unit of work still sees the account it
    found, and its own staged changes still come first."""
    import attrs

    from klickit_core.testing.contracts.builders import customer

    with store.unit_of_work() as uow:
        uow.customers.add(customer("c-1", "ann@example.com"))
        uow.commit()
    with store.unit_of_work() as first:
        found = first.customers.by_email("ann@example.com")
        assert found is not None
        with store.unit_of_work() as second:
            assert second.customers.delete("c-1")
            second.commit()
        assert first.customers.by_email("ann@example.com") == found
        first.customers.save(attrs.evolve(found, email="bea@example.com"))
        assert first.customers.by_email("ann@example.com") is None
        assert first.customers.by_email("bea@example.com") is not None
    with store.unit_of_work() as fresh:
        assert fresh.customers.by_email("ann@example.com") is None
