"""The shipped Alembic revisions build exactly the tables of ``tables.py`` (X-5).

Run on SQLite and on PostgreSQL: a column, index, constraint or type added to the tables
without a revision (or the other way round) fails here, on both backends.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from alembic import command as alembic_command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text

from klickit_core.adapters.sql import SqlStore, make_engine, migrations
from klickit_core.adapters.sql.tables import AFTER_SALES_INDEX, metadata
from klickit_core.testing.contracts.builders import T0, consent, order
from klickit_core.testing.contracts.order_sweeps import (
    DAY,
    cancelled,
    cancelled_after_payment,
    checkout_consent,
    completed,
)
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


def _before(revision: str) -> str:
    """The revision ``revision`` follows."""
    before = ScriptDirectory.from_config(migrations.config()).get_revision(revision).down_revision
    assert isinstance(before, str)
    return before


def _back_to(engine: Engine, revision: str) -> None:
    """Downgrade a store written by today's code to ``revision``: what an older version
    had written (today's repositories write columns the older schema lacks, so rows are
    written first, then the schema goes back)."""
    alembic_command.downgrade(migrations.config(engine), revision)


def test_revision_0003_removes_the_consents_older_versions_left_behind(
    shop_engine: Engine,
) -> None:
    """PRV-1, PRV-5 (issue #12): a store written by an older version still holds the
    terms of sale of orders deleted or anonymised since; upgrading deletes those, unlinks
    the other consents of such orders, and leaves the rest as it was."""
    migrations.upgrade(shop_engine)
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
    _back_to(shop_engine, _before("0003"))
    migrations.upgrade(shop_engine)
    with store.unit_of_work() as uow:
        left = {r.id: r for r in uow.consents.for_subject("alice@example.fr")}
    assert left == {
        "k-live": terms[0],
        "n-gone": attrs.evolve(others[0], order_id=None),
        "n-live": others[1],
        "n-account": others[2],
    }


# ---------------------------------------------------------------------------- 0004
def _stages(engine: Engine) -> dict[str, object]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, retention_stage FROM orders"))
        return {row[0]: row[1] for row in rows}


def test_revision_0004_files_orders_ended_after_payment_apart_and_adds_the_strip_index(
    shop_engine: Engine,
) -> None:
    """PRV-1, PRV-2 (issue #19): orders stored in stage ``completed`` though cancelled or
    failed after payment move to ``cancelled_after_payment`` (their clock unchanged), the
    rest keep their stage; orders anonymised before are stamped stripped when they were
    anonymised; the partial index of the orders still to strip exists. Downgrading puts
    the stages back and drops the column and the index."""
    migrations.upgrade(shop_engine)
    store = SqlStore(shop_engine)
    placed = {
        "o-done": completed("o-done", T0 - 900 * DAY),
        "o-cap": cancelled_after_payment("o-cap", T0 - 800 * DAY),
        "o-fap": cancelled_after_payment("o-fap", T0 - 700 * DAY, failed=True),
        "o-cancelled": cancelled("o-cancelled", T0 - DAY),
        "o-faded": completed("o-faded", T0 - 4000 * DAY).anonymised(T0 - 10 * DAY),
    }
    with store.unit_of_work() as uow:
        for made in placed.values():
            uow.orders.add(made)
        uow.commit()
    _back_to(shop_engine, _before("0004"))  # as version 0003 stored them
    assert _stages(shop_engine) == {
        "o-done": "completed",
        "o-cap": "completed",
        "o-fap": "completed",
        "o-cancelled": "cancelled",
        "o-faded": None,
    }
    columns = {c["name"] for c in inspect(shop_engine).get_columns("orders")}
    assert "stripped_at" not in columns
    migrations.upgrade(shop_engine)
    assert _stages(shop_engine) == {
        "o-done": "completed",
        "o-cap": "cancelled_after_payment",
        "o-fap": "cancelled_after_payment",
        "o-cancelled": "cancelled",
        "o-faded": None,
    }
    indexes = {ix["name"] for ix in inspect(shop_engine).get_indexes("orders")}
    assert AFTER_SALES_INDEX in indexes
    with SqlStore(shop_engine).unit_of_work() as uow:
        for order_id, made in placed.items():
            assert uow.orders.get(order_id) == made  # stage and clock as the domain says
        page = uow.orders.sweep_after_sales(T0, at=T0, after=None, limit=10, dry_run=True)
    assert page.examined == 3  # the paid orders not anonymised, both stages
    assert _differences(shop_engine) == []
