"""The shipped Alembic revisions build exactly the tables of ``tables.py`` (X-5).

Run on SQLite and on PostgreSQL: a column, index, constraint or type added to the tables
without a revision (or the other way round) fails here, on both backends.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text

from klickit_core.adapters.sql import SqlStore, make_engine, migrations
from klickit_core.adapters.sql.tables import metadata
from klickit_core.testing.contracts.builders import T0, consent, order
from klickit_core.testing.contracts.order_sweeps import checkout_consent
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


# ---------------------------------------------------------------------------- 0003
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shop_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'legacy.db'}")
        yield engine
        engine.dispose()
        return
    with postgres_schema_url(postgres_url_or_skip(), "klickit_legacy") as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def test_revision_0003_removes_the_consents_older_versions_left_behind(
    shop_engine: Engine,
) -> None:
    """PRV-1, PRV-5 (issue #12): a store written by an older version still holds the
    terms of sale of orders deleted or anonymised since; upgrading deletes those, unlinks
    the other consents of such orders, and leaves the rest as it was."""
    script = ScriptDirectory.from_config(migrations.config())
    before = script.get_revision("0003").down_revision
    assert isinstance(before, str)
    migrations.upgrade(shop_engine, before)
    store = SqlStore(shop_engine)
    live, faded = order("o-live"), order("o-faded").anonymised(T0)
    terms = [
        checkout_consent("k-live", live),
        checkout_consent("k-faded", order("o-faded")),
        checkout_consent("k-gone", order("o-gone")),
    ]
    others = [
        checkout_consent("n-gone", order("o-gone"), "newsletter"),
        checkout_consent("n-live", live, "newsletter"),
        consent("n-account", "alice@example.fr", 5),
    ]
    with store.unit_of_work() as uow:
        uow.orders.add(live)
        uow.orders.add(faded)
        for record in (*terms, *others):
            uow.consents.add(record)
        uow.commit()
    migrations.upgrade(shop_engine)
    with store.unit_of_work() as uow:
        left = {r.id: r for r in uow.consents.for_subject("alice@example.fr")}
    assert left == {
        "k-live": terms[0],
        "n-gone": attrs.evolve(others[0], order_id=None),
        "n-live": others[1],
        "n-account": others[2],
    }
