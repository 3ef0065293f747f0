"""A process killed while placing orders leaves no partial order (CHK-4, X-5).

A child process places orders in a loop on a real database and is killed with SIGKILL
(no clean-up code runs, as in a power cut or an OOM kill): once in the middle of a
transaction on purpose (right after the order row was written, before the commit), and
once at a random moment of a busy loop. Afterwards every order in the store is whole: it
has all its lines, its VAT rows, its history, its stock movements, its payment and its
consent, and the product's stock equals its starting stock minus what the stored orders
took. An order that was not committed left nothing at all.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from klickit_core.bootstrap import build_shop
from klickit_core.testing.contracts.sql import postgres_schema_url, postgres_url_or_skip

from .sql_shops import stock_the_shop

HERE = Path(__file__).resolve().parent
START_STOCK = 1_000_000

_CHILD = """
import os, signal, sys
sys.path.insert(0, sys.argv[1])
from sqlalchemy import Engine, event
from klickit_core.bootstrap import build_shop
from klickit_core.testing.contracts.sql import postgres_schema_url, postgres_url_or_skip
from klickit_core.cart.domain import Cart, CartLine
from sql_shops import place_one

shop = build_shop(sys.argv[2])
mode, kill_after = sys.argv[3], int(sys.argv[4])
cart = Cart((CartLine("LAST", 2), CartLine("TEA", 1)))
placed = 0
order_row_written = False

if mode == "mid-transaction":
    @event.listens_for(Engine, "before_cursor_execute")
    def watch(conn, cursor, statement, parameters, context, executemany):
        global order_row_written
        if placed == kill_after and statement.startswith("INSERT INTO orders "):
            order_row_written = True

    @event.listens_for(Engine, "commit")
    def die_before_commit(conn):
        if order_row_written:  # the order row is in the open transaction: die now
            os.kill(os.getpid(), signal.SIGKILL)

while True:
    place_one(shop, cart)
    placed += 1
    print(placed, flush=True)
"""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crash.db'}"
    else:
        with postgres_schema_url(postgres_url_or_skip(), "klickit_crash") as scratch:
            yield scratch


def _run_child(url: str, mode: str, kill_after: int) -> None:
    """Run the child; in ``random`` mode kill it ourselves after ``kill_after`` orders."""
    with subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, "-c", _CHILD, str(HERE), url, mode, str(kill_after)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None
        if mode == "random":
            for line in child.stdout:
                if int(line) >= kill_after:
                    time.sleep(0.003 * (os.getpid() % 7))  # land inside the next order
                    child.send_signal(signal.SIGKILL)
                    break
        _, stderr = child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL, stderr


def _check_every_order_is_whole(url: str) -> int:
    shop = build_shop(url)
    try:
        with shop.unit_of_work() as uow:
            orders = uow.orders.list(limit=10_000)
            taken = 0
            for order in orders:
                assert [line.sku for line in order.lines] == ["LAST", "TEA"]
                assert order.vat
                assert sum(v.gross_minor for v in order.vat) == order.total_minor
                assert order.history
                movements = uow.stock_movements.for_order(order.id)
                assert sorted(m.sku for m in movements) == ["LAST", "TEA"]
                assert len(uow.payments.for_order(order.id)) == 1
                taken += next(line.quantity for line in order.lines if line.sku == "LAST")
            product = uow.products.get("LAST")
            assert product is not None
            assert product.stock == START_STOCK - taken
            return len(orders)
    finally:
        shop.close()


@pytest.mark.parametrize("mode", ["mid-transaction", "random"])
def test_a_killed_checkout_leaves_no_partial_order(url: str, mode: str) -> None:
    shop = build_shop(url)
    stock_the_shop(shop, last_units=START_STOCK)
    shop.close()
    _run_child(url, mode, kill_after=5)
    stored = _check_every_order_is_whole(url)
    if mode == "mid-transaction":
        assert stored == 5  # the sixth order died before its commit and left nothing
    else:
        assert stored >= 5
