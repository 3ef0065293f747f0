"""Revision 0005 (issue #19): saved carts get a row with their last change, published reviews
an index by publication; on SQLite and PostgreSQL (PRV-1, PRV-2, X-5)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, delete, func, insert, inspect, select

from klickit_core.adapters.sql import SqlStore, make_engine, migrations
from klickit_core.adapters.sql import tables as t
from klickit_core.cart.domain import Cart, SavedCart
from klickit_core.testing.contracts.sql import postgres_schema_url, postgres_url_or_skip


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        made = make_engine(f"sqlite:///{tmp_path / 'carts.db'}")
        yield made
        made.dispose()
        return
    with postgres_schema_url(postgres_url_or_skip(), "klickit_0005") as url:
        made = make_engine(url)
        yield made
        made.dispose()


def test_revision_0005_gives_every_saved_cart_its_last_change(engine: Engine) -> None:
    """PRV-2 (``carts.saved``, issue #19): the carts saved before the revision keep their
    lines, in order, and get the upgrade's time as their last change (so none is swept
    before a full period); their lines now go with the cart; downgrading keeps the lines
    and drops the rest."""
    migrations.upgrade(engine, "0004")
    lines = [
        {"customer_id": "c-1", "position": 0, "sku": "TEA", "quantity": 2},
        {"customer_id": "c-1", "position": 1, "sku": "MUG", "quantity": 1},
        {"customer_id": "c-2", "position": 0, "sku": "CUP", "quantity": 3},
    ]
    with engine.begin() as connection:
        connection.execute(insert(t.cart_lines), lines)
    before = datetime.now(UTC)
    migrations.upgrade(engine, "0005")
    after = datetime.now(UTC)

    store = SqlStore(engine)
    with store.unit_of_work() as uow:
        first, second = uow.carts.get_saved("c-1"), uow.carts.get_saved("c-2")
    assert first is not None
    assert second is not None
    assert first.cart == Cart.of({"TEA": 2, "MUG": 1})
    assert second.cart == Cart.of({"CUP": 3})
    assert before <= first.updated_at <= after
    assert second.updated_at == first.updated_at
    assert first == SavedCart("c-1", Cart.of({"TEA": 2, "MUG": 1}), first.updated_at)

    with engine.begin() as connection:  # the lines go with their cart
        connection.execute(delete(t.saved_carts).where(t.saved_carts.c.customer_id == "c-1"))
        left = connection.execute(select(t.cart_lines.c.customer_id)).scalars().all()
    assert left == ["c-2"]

    indexes = {index["name"] for index in inspect(engine).get_indexes("reviews")}
    assert "ix_reviews_moderated_at_id" in indexes

    command.downgrade(migrations.config(engine), "0004")
    assert "saved_carts" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(t.cart_lines)).scalar_one()
    assert count == 1
    indexes = {index["name"] for index in inspect(engine).get_indexes("reviews")}
    assert "ix_reviews_moderated_at_id" not in indexes
