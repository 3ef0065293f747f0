"""X-5: the SQL store and its engines: schema set-up, ownership of the engine, URLs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from klickit_core.adapters.database import UnsupportedDatabaseError
from klickit_core.adapters.sql import SqlStore, make_engine
from klickit_core.adapters.sql import store as store_module
from klickit_core.adapters.sql.engine import statement_lock
from klickit_core.adapters.sql.tables import metadata
from klickit_core.testing.contracts.builders import product


def test_ensure_schema_runs_the_migrations_and_can_run_again(tmp_path: Path) -> None:
    """X-5: a new database is built by the shipped migrations; a second call is a no-op."""
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'shop.db'}")
    try:
        store.ensure_schema()
        store.ensure_schema()
        tables = set(inspect(store.engine).get_table_names())
        assert set(metadata.tables) <= tables
        assert "alembic_version" in tables
        with store.unit_of_work() as uow:
            uow.products.add(product("MUG"))
            uow.commit()
    finally:
        store.close()


def test_ensure_schema_without_migrations_creates_the_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """X-5: a build shipping no migrations still gets its tables, from the metadata."""
    monkeypatch.setattr(store_module, "MIGRATIONS_MODULE", "klickit_core.adapters.sql.no_such")
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'shop.db'}")
    try:
        store.ensure_schema()
        tables = set(inspect(store.engine).get_table_names())
        assert set(metadata.tables) <= tables
        assert "alembic_version" not in tables
    finally:
        store.close()


def test_a_store_disposes_only_the_engine_it_made(tmp_path: Path) -> None:
    """X-5: ``from_url`` stores own their engine; a store given an engine leaves it be."""
    engine = make_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    try:
        shared = SqlStore(engine)
        shared.create_schema()
        with shared.unit_of_work() as uow:
            uow.products.get("MUG")
        shared.close()
        assert engine.pool.checkedin() == 1  # type: ignore[attr-defined]
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "url", ["mysql://shop@localhost/shop", "postgresql+psycopg2://shop@localhost/shop", "memory://"]
)
def test_make_engine_refuses_other_urls(url: str) -> None:
    """X-9: the SQL adapter opens SQLite and PostgreSQL through psycopg 3, nothing else."""
    with pytest.raises(UnsupportedDatabaseError):
        make_engine(url)


def test_in_memory_engines_are_private_and_serialised() -> None:
    """X-5: every ``sqlite://`` engine has its own database and a statement lock; file
    databases need no lock (WAL and the busy timeout coordinate them)."""
    first, second = SqlStore.from_url("sqlite://"), SqlStore.from_url("sqlite://")
    try:
        first.create_schema()
        second.create_schema()
        with first.unit_of_work() as uow:
            uow.products.add(product("MUG"))
            uow.commit()
        with second.unit_of_work() as uow:
            assert uow.products.get("MUG") is None
        assert statement_lock(first.engine) is not statement_lock(second.engine)
        assert hasattr(statement_lock(first.engine), "acquire")
    finally:
        first.close()
        second.close()
