"""The shipped Alembic revisions build exactly the tables of ``tables.py`` (X-5).

Run on SQLite and on PostgreSQL: a column, index, constraint or type added to the tables
without a revision (or the other way round) fails here, on both backends.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text

from klickit_core.adapters.sql import migrations
from klickit_core.adapters.sql.tables import metadata
from klickit_core.testing.contracts.sql import postgres_schema_url, postgres_url_or_skip


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'migrations.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine() -> Iterator[Engine]:
    with postgres_schema_url(postgres_url_or_skip(), "klickit_migrations") as url:
        engine = create_engine(url)
        yield engine
        engine.dispose()


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata))


def _check_round_trip(engine: Engine) -> None:
    assert migrations.current_revision(engine) is None
    migrations.upgrade(engine)
    assert migrations.current_revision(engine) == migrations.head_revision()
    assert _differences(engine) == []
    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables
    migrations.upgrade(engine)  # a second upgrade is a no-op
    assert _differences(engine) == []
    # Down to nothing and up again: every revision can be undone.
    from alembic import command

    command.downgrade(migrations.config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrations.upgrade(engine)
    assert _differences(engine) == []


def test_migrations_build_the_tables_on_sqlite(sqlite_engine: Engine) -> None:
    _check_round_trip(sqlite_engine)


@pytest.mark.postgres
def test_migrations_build_the_tables_on_postgresql(postgres_engine: Engine) -> None:
    _check_round_trip(postgres_engine)


def test_a_table_change_without_a_revision_is_seen(sqlite_engine: Engine) -> None:
    """The comparison is not vacuous: drop an index behind Alembic's back and it shows."""
    migrations.upgrade(sqlite_engine)
    with sqlite_engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_orders_contact_email_placed_at"))
    assert _differences(sqlite_engine) != []


def test_head_revision_is_the_newest_shipped_file() -> None:
    shipped = sorted(p.stem.split("_")[0] for p in (migrations.HERE / "versions").glob("*.py"))
    assert migrations.head_revision() == shipped[-1]
