"""PRV-2 at a realistic shape: the retention sweep over a seeded SQLite shop of twenty
thousand orders spread over twelve years (``klickit seed``'s status mix).

What it must do is counted independently, from the seeded rows' raw statuses and
timestamps and the schedule's ``is_due`` (not from the ``retention_stage`` column the
sweep reads): a dry run announces exactly that, the real run does exactly that in bounded
batches, and a second run finds nothing left.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from klickit_core.adapters.sql import SqlStore
from klickit_core.adapters.sql import tables as t
from klickit_core.adapters.sql.seed import SeedPlan, seed_shop
from klickit_core.orders.personal_data import (
    ORDERS_AFTER_SALES,
    ORDERS_CANCELLED,
    ORDERS_CANCELLED_AFTER_PAYMENT,
    ORDERS_COMPLETED,
    ORDERS_FAILED,
    ORDERS_UNPAID,
    OrdersProvider,
)
from klickit_core.payments.personal_data import PAYMENTS_DETAILS, PaymentsProvider
from klickit_core.privacy.registry import PrivacyRegistry
from klickit_core.privacy.retention import RetentionSchedule, is_due
from klickit_core.privacy.sweep import run_sweep
from klickit_core.shared.actors import Actor
from klickit_core.testing import SequentialIds
from klickit_core.testing.contracts import sql

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
PLAN = SeedPlan(orders=20_000, now=NOW, products=60, chunk=5_000)
SCHEDULE = RetentionSchedule.defaults()
JOB = Actor.system("retention-sweep")
_SETTLED = {"completed", "partially_refunded", "refunded"}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStore]:
    with sql.sqlite_store(tmp_path_factory.mktemp("seeded") / "shop.db") as store:
        seed_shop(store.engine, PLAN)
        yield store


def _expected(store: SqlStore) -> tuple[dict[str, int], set[str]]:
    """Due orders per category, from raw statuses and timestamps; and the orders whose
    payments lose their details. Paid orders (settled, or cancelled or failed after a
    deposit) inside their ten years but past two are due for ``orders.after_sales``."""
    o = t.orders
    due = dict.fromkeys(
        (
            ORDERS_COMPLETED,
            ORDERS_CANCELLED_AFTER_PAYMENT,
            ORDERS_AFTER_SALES,
            ORDERS_CANCELLED,
            ORDERS_FAILED,
            ORDERS_UNPAID,
        ),
        0,
    )
    settled: set[str] = set()
    query = select(
        o.c.id, o.c.status, o.c.placed_at, o.c.completed_at, o.c.refunded_at,
        o.c.cancelled_at, o.c.failed_at, o.c.paid_minor,
    )  # fmt: skip
    with store.engine.connect() as connection:
        for oid, status, placed, done, refunded, cancelled, failed, paid in connection.execute(
            query
        ):
            if status in _SETTLED:
                category, clock = ORDERS_COMPLETED, max(d for d in (done, refunded) if d)
            elif status in {"cancelled", "failed"} and paid:  # issue #19: a deposit taken
                category, clock = ORDERS_CANCELLED_AFTER_PAYMENT, cancelled or failed
            elif status == "cancelled" and not paid:
                category, clock = ORDERS_CANCELLED, cancelled
            elif status == "failed" and not paid:
                category, clock = ORDERS_FAILED, failed
            elif status in {"pending_payment", "on_hold"} and not paid:
                category, clock = ORDERS_UNPAID, placed
            else:
                continue
            paid_stage = category in (ORDERS_COMPLETED, ORDERS_CANCELLED_AFTER_PAYMENT)
            if is_due(SCHEDULE.rule(category), clock, NOW):
                due[category] += 1
                if paid_stage:
                    settled.add(oid)
            elif paid_stage and is_due(SCHEDULE.rule(ORDERS_AFTER_SALES), clock, NOW):
                due[ORDERS_AFTER_SALES] += 1
    return due, settled


def _count(store: SqlStore, statement: object) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(statement).scalar_one())  # type: ignore[call-overload]


def test_a_sweep_of_a_seeded_shop_does_exactly_what_is_due(shop: SqlStore) -> None:
    """PRV-2: a 20,000-order shop over twelve years: the orders past ten years are
    anonymised (issue #19: those cancelled or failed after a deposit too), the after-sales
    data of the paid ones past two years stripped, cancelled and failed ones past ten days
    and unpaid ones past thirty
    deleted (with their payments), the anonymised orders' payments lose card and
    reference, and the terms of sale of every order deleted or anonymised go with it
    (PRV-5); dry run first, then the real run, then nothing left to do."""
    due, settled = _expected(shop)
    assert due[ORDERS_COMPLETED] > 1_000  # two of the twelve years are past ten
    assert due[ORDERS_CANCELLED] > 500
    assert due[ORDERS_CANCELLED_AFTER_PAYMENT] > 10  # the deposits of two years
    assert due[ORDERS_AFTER_SALES] > 5_000  # eight years of paid orders
    registry = PrivacyRegistry([OrdersProvider(), PaymentsProvider()]).bind(SCHEDULE)
    ids = SequentialIds("seeded")
    with_details = _count(
        shop,
        select(func.count())
        .select_from(t.payments)
        .where(
            t.payments.c.order_id.in_(sorted(settled)), t.payments.c.gateway_reference.is_not(None)
        ),
    )

    dry = run_sweep(registry, shop.unit_of_work, JOB, now=NOW, ids=ids, dry_run=True)
    started = time.perf_counter()
    real = run_sweep(registry, shop.unit_of_work, JOB, now=NOW, ids=ids)
    elapsed = time.perf_counter() - started
    for report in (dry, real):
        for category in (ORDERS_COMPLETED, ORDERS_CANCELLED_AFTER_PAYMENT, ORDERS_AFTER_SALES):
            assert report.category(category).tally.anonymised == due[category]
        for category in (ORDERS_CANCELLED, ORDERS_FAILED, ORDERS_UNPAID):
            assert report.category(category).tally.deleted == due[category]
        assert report.category(PAYMENTS_DETAILS).tally.anonymised == with_details
    assert elapsed < 60  # a handful of statements per 500 orders

    o = t.orders
    deleted = due[ORDERS_CANCELLED] + due[ORDERS_FAILED] + due[ORDERS_UNPAID]
    assert _count(shop, select(func.count()).select_from(o)) == PLAN.orders - deleted
    assert _count(shop, select(func.count()).where(o.c.anonymised_at.is_not(None))) == len(settled)
    named = select(func.count()).where(
        o.c.contact_email.contains("@"), o.c.anonymised_at.is_not(None)
    )
    assert _count(shop, named) == 0
    stripped = o.c.stripped_at.is_not(None) & o.c.anonymised_at.is_(None)
    assert _count(shop, select(func.count()).where(stripped)) == due[ORDERS_AFTER_SALES]
    after_sales_left = select(func.count()).where(
        stripped,
        (o.c.contact_phone != "") | o.c.ip_address.is_not(None) | o.c.customer_id.is_not(None),
    )
    assert _count(shop, after_sales_left) == 0  # issue #19: the invoice stays, the rest goes
    invoice = select(func.count()).where(stripped, o.c.contact_email.contains("@"))
    assert _count(shop, invoice) == due[ORDERS_AFTER_SALES]
    h = t.order_history.c
    actors = (
        select(func.count())
        .select_from(t.order_history.join(o, o.c.id == h.order_id))
        .where(stripped, (h.actor != "") | (h.reason != ""))
    )
    assert _count(shop, actors) == 0
    orphans = (
        select(func.count())
        .select_from(t.payments)
        .where(t.payments.c.order_id.not_in(select(o.c.id)))
    )
    assert _count(shop, orphans) == 0  # payments went with their orders
    c = t.consents.c
    live = select(o.c.id).where(o.c.anonymised_at.is_(None))
    terms = select(func.count()).select_from(t.consents).where(c.purpose == "terms_of_sale")
    assert _count(shop, terms.where(c.order_id.not_in(live))) == 0  # PRV-5: with their orders
    assert _count(shop, terms) == PLAN.orders - deleted - len(settled)
    leftover = (
        select(func.count())
        .select_from(t.payments)
        .where(t.payments.c.order_id.in_(sorted(settled)), t.payments.c.card_last4.is_not(None))
    )
    assert _count(shop, leftover) == 0

    again = run_sweep(registry, shop.unit_of_work, JOB, now=NOW, ids=ids)
    assert (again.examined, again.deleted, again.anonymised) == (0, 0, 0)
