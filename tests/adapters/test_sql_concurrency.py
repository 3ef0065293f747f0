"""CHK-4 under real concurrency: 50 threads want the last 10 units of one product.

Each thread runs the whole checkout use case on its own unit of work against a real
database. Whatever the interleaving, exactly ten orders exist at the end, the stock is
exactly zero, the journal of stock movements agrees, and every losing thread got one of
the library's typed answers (the cart changed, or out of stock): no deadlock, no driver
exception, no oversold unit. SQLite serialises writers (``BEGIN IMMEDIATE``); PostgreSQL
lets them race on a guarded ``UPDATE``.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from klickit_core.bootstrap import Shop, build_shop
from klickit_core.catalogue.ports import OutOfStockError
from klickit_core.checkout.services import CartChangedError
from klickit_core.testing.contracts.sql import postgres_schema_url, postgres_url_or_skip

from .sql_shops import place_one, stock_the_shop

THREADS = 50
LAST_UNITS = 10


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shop(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Shop]:
    if request.param == "sqlite":
        made = build_shop(f"sqlite:///{tmp_path / 'race.db'}")
        yield made
        made.close()
        return
    with postgres_schema_url(postgres_url_or_skip(), "klickit_race") as url:
        made = build_shop(url)
        yield made
        made.close()


def test_fifty_checkouts_for_the_last_ten_units(shop: Shop) -> None:
    stock_the_shop(shop, last_units=LAST_UNITS)
    start = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def buyer() -> None:
        start.wait()
        try:
            place_one(shop)
            outcome = "ordered"
        except (OutOfStockError, CartChangedError) as refused:
            outcome = type(refused).__name__
        except BaseException as unexpected:
            outcome = f"unexpected {type(unexpected).__name__}: {unexpected}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=buyer) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a checkout hung (deadlock?)"

    counted = Counter(outcomes)
    assert len(outcomes) == THREADS
    assert not [o for o in outcomes if o.startswith("unexpected")], counted
    assert counted["ordered"] == LAST_UNITS
    with shop.unit_of_work() as uow:
        product = uow.products.get("LAST")
        orders = uow.orders.list(limit=1000)
        movements = [m for order in orders for m in uow.stock_movements.for_order(order.id)]
    assert product is not None
    assert product.stock == 0
    assert len(orders) == LAST_UNITS
    assert sum(m.delta for m in movements) == -LAST_UNITS
    assert len({order.number for order in orders}) == LAST_UNITS
