"""SEC-2, X-5: the named locks of ``serialise`` on PostgreSQL are scoped by schema.

Two shops in two schemas of one database (as the test suites and a multi-shop host run)
must not wait for each other's login locks, while two units of one shop must.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from klickit_core.bootstrap import Shop, build_shop
from klickit_core.testing.contracts.sql import postgres_schema_url, postgres_url_or_skip

pytestmark = pytest.mark.postgres


@pytest.fixture
def two_shops() -> Iterator[tuple[Shop, Shop]]:
    server = postgres_url_or_skip()
    with (
        postgres_schema_url(server, "klickit_scope_a") as first_url,
        postgres_schema_url(server, "klickit_scope_b") as second_url,
    ):
        first, second = build_shop(first_url), build_shop(second_url)
        yield first, second
        first.close()
        second.close()


def _hold(shop: Shop, taken: threading.Event, release: threading.Event) -> None:
    with shop.unit_of_work() as uow:
        uow.serialise("login:account:c1")
        taken.set()
        release.wait(10)
        uow.commit()


def _time_to_take(shop: Shop) -> float:
    started = time.perf_counter()
    with shop.unit_of_work() as uow:
        uow.serialise("login:account:c1")
        uow.commit()
    return time.perf_counter() - started


def test_a_lock_held_in_one_schema_does_not_stop_another(two_shops: tuple[Shop, Shop]) -> None:
    first, second = two_shops
    taken, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold, args=(first, taken, release))
    holder.start()
    try:
        assert taken.wait(10)
        assert _time_to_take(second) < 2.0
    finally:
        release.set()
        holder.join()


def test_a_lock_held_in_one_schema_stops_that_schema(two_shops: tuple[Shop, Shop]) -> None:
    first, _ = two_shops
    taken, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold, args=(first, taken, release))
    holder.start()
    try:
        assert taken.wait(10)
        threading.Timer(0.5, release.set).start()
        assert _time_to_take(first) >= 0.4
    finally:
        release.set()
        holder.join()
