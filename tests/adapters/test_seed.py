"""``klickit seed``: a synthetic shop whose rows hold together (X-5, issue #4).

The seeder writes rows directly, so these tests check what the use cases would have
guaranteed: every order's figures add up, its life cycle is a legal path with times in
order, every status and every year of the twelve appears, payments never refund more than
they took, and the repositories read every row back as a valid domain value.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from klickit_core.adapters.sql import SqlStore, migrations
from klickit_core.adapters.sql import tables as t
from klickit_core.adapters.sql.engine import make_engine
from klickit_core.adapters.sql.seed import SeedError, SeedPlan, seed_shop
from klickit_core.orders.domain import TRANSITIONS, OrderStatus, RetentionStage

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
PLAN = SeedPlan(orders=3_000, now=NOW, chunk=700, products=40)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("seed") / "shop.db"
    engine = make_engine(f"sqlite:///{path}")
    migrations.upgrade(engine)
    calls: list[tuple[int, int]] = []
    report = seed_shop(engine, PLAN, progress=lambda done, total: calls.append((done, total)))
    assert report.orders == PLAN.orders
    assert calls[-1] == (PLAN.orders, PLAN.orders)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    yield engine
    engine.dispose()


def _all(engine: Engine, statement: object) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(statement)]  # type: ignore[call-overload]


def test_counts_follow_the_plan(seeded: Engine) -> None:
    counts = {
        table.name: _all(seeded, select(func.count()).select_from(table))[0][0]
        for table in (t.orders, t.customers, t.products, t.sessions, t.reviews, t.consents)
    }
    assert counts == {
        "orders": PLAN.orders,
        "customers": PLAN.customer_count,
        "products": PLAN.products,
        "sessions": PLAN.session_count,
        "reviews": PLAN.review_count,
        "consents": PLAN.orders,
    }


def test_every_status_and_every_year_appears(seeded: Engine) -> None:
    statuses = Counter(row[0] for row in _all(seeded, select(t.orders.c.status)))
    assert set(statuses) == {str(status) for status in OrderStatus}
    years = {row[0].year for row in _all(seeded, select(t.orders.c.placed_at))}
    assert years >= set(range(NOW.year - 11, NOW.year + 1))
    assert statuses["completed"] > PLAN.orders // 2  # most orders of a real shop


def test_order_figures_add_up(seeded: Engine) -> None:
    lines = dict(
        _all(
            seeded,
            select(t.order_lines.c.order_id, func.sum(t.order_lines.c.total_minor)).group_by(
                t.order_lines.c.order_id
            ),
        )
    )
    vat = dict(
        _all(
            seeded,
            select(t.order_vat.c.order_id, func.sum(t.order_vat.c.gross_minor)).group_by(
                t.order_vat.c.order_id
            ),
        )
    )
    rows = _all(
        seeded,
        select(
            t.orders.c.id, t.orders.c.total_minor, t.orders.c.shipping_minor,
            t.orders.c.paid_minor, t.orders.c.refunded_minor,
        ),
    )  # fmt: skip
    for order_id, total, shipping, paid, refunded in rows:
        assert lines[order_id] + shipping == total
        assert vat[order_id] == total
        assert 0 <= refunded <= paid <= total
    for gross, vat_minor in _all(
        seeded, select(t.order_vat.c.gross_minor, t.order_vat.c.vat_minor)
    ):
        assert 0 <= vat_minor < gross or gross == vat_minor == 0  # type: ignore[operator]


def test_life_cycles_are_legal_paths_in_time_order(seeded: Engine) -> None:
    history: dict[str, list[tuple[object, ...]]] = {}
    for row in _all(seeded, select(t.order_history).order_by("order_id", "position")):
        history.setdefault(str(row[0]), []).append(row)
    orders = {
        row[0]: row
        for row in _all(
            seeded,
            select(
                t.orders.c.id, t.orders.c.status, t.orders.c.placed_at,
                t.orders.c.clock_started_at, t.orders.c.completed_at,
            ),
        )
    }  # fmt: skip
    for order_id, (_, status, placed_at, clock, completed) in orders.items():
        moves = history[str(order_id)]
        assert moves[0][2] is None
        assert moves[0][3] == "pending_payment"
        assert moves[0][4] == placed_at
        for before, after in pairwise(moves):
            assert OrderStatus(after[3]) in TRANSITIONS[OrderStatus(before[3])]
            assert before[4] <= after[4] <= NOW  # type: ignore[operator]
        assert moves[-1][3] == status
        # PRV-1: every order but an open (processing) one has a retention clock: the
        # placement while unpaid, else its end (the last refund, when later).
        assert (clock is None) == (status == "processing")
        if status in {"pending_payment", "on_hold"}:
            assert clock == placed_at
        elif completed is not None:
            assert clock >= completed  # type: ignore[operator]


def test_times_are_aware_utc_within_twelve_years(seeded: Engine) -> None:
    for (placed,) in _all(seeded, select(t.orders.c.placed_at)):
        assert placed.tzinfo is UTC  # type: ignore[attr-defined]
        assert NOW - timedelta(days=365 * 12) <= placed <= NOW  # type: ignore[operator]


def test_order_numbers_are_unique_and_counters_continue_them(seeded: Engine) -> None:
    numbers = [row[0] for row in _all(seeded, select(t.orders.c.number))]
    assert len(set(numbers)) == len(numbers)
    counters = dict(_all(seeded, select(t.counters.c.name, t.counters.c.value)))
    per_year = Counter(str(number).split("-")[1] for number in numbers)
    assert counters == {f"order_number:{year}": count for year, count in per_year.items()}


def test_the_repositories_read_every_seeded_row_as_a_valid_domain_value(seeded: Engine) -> None:
    """Every row the seeder wrote is one the adapter maps back (domain validators run)."""
    from klickit_core.adapters.sql import SqlStore
    from klickit_core.catalogue.domain import ReviewState

    store = SqlStore(seeded)
    with store.unit_of_work() as uow:
        orders = []
        while batch := uow.orders.list(limit=1000, offset=len(orders)):
            orders.extend(batch)
        assert len(orders) == PLAN.orders
        stages = {
            row[0]: (row[1], row[2])
            for row in _all(
                seeded,
                select(t.orders.c.id, t.orders.c.retention_stage, t.orders.c.clock_started_at),
            )
        }
        for order in orders[:: max(1, PLAN.orders // 300)]:
            # PRV-2: the sweeps' columns say what the domain value says
            stage = order.retention_stage
            assert stages[order.id] == (stage.value if stage else None, order.retention_clock)
            payments = uow.payments.for_order(order.id)
            assert len(payments) == 1
            assert payments[0].refunded_minor == order.refunded_minor
            assert uow.stock_movements.for_order(order.id)
            assert uow.consents.for_subject(order.contact.email)
        customer_ids = [row[0] for row in _all(seeded, select(t.customers.c.id))]
        for customer_id in customer_ids[:: max(1, len(customer_ids) // 200)]:
            customer = uow.customers.get(customer_id)
            assert customer is not None
            assert uow.customers.by_email(customer.email) == customer
        session_ids = [row[0] for row in _all(seeded, select(t.sessions.c.id))]
        assert all(uow.sessions.get(session_id) for session_id in session_ids)
        reviews = sum(len(uow.reviews.in_state(state)) for state in ReviewState)
        assert reviews == PLAN.review_count
        assert len(uow.products.list(published_only=False)) == PLAN.products


def test_orders_ended_after_a_deposit_are_in_their_own_stage_and_unstripped(
    seeded: Engine,
) -> None:
    """PRV-1 (issue #19): some cancelled and failed orders took a deposit first; each is
    stored in stage ``cancelled_after_payment`` with its end as the clock, its payment
    captured for that amount, and read back as the domain says; no seeded order is
    stripped of its after-sales data (the sweep does that)."""
    o = t.orders.c
    ended = _all(
        seeded,
        select(o.id, o.retention_stage, o.paid_minor, o.total_minor).where(
            o.status.in_(["cancelled", "failed"])
        ),
    )
    deposits = [row for row in ended if row[2]]
    assert deposits  # the seed holds some
    assert all(row[1] == "cancelled_after_payment" for row in deposits)
    assert all(0 < row[2] < row[3] for row in deposits)  # type: ignore[operator]
    assert all(row[1] in ("cancelled", "failed") for row in ended if not row[2])
    assert _all(seeded, select(func.count()).where(o.stripped_at.is_not(None))) == [(0,)]
    with SqlStore(seeded).unit_of_work() as uow:
        for order_id, *_rest in deposits:
            order = uow.orders.get(str(order_id))
            assert order is not None
            assert order.retention_stage is RetentionStage.CANCELLED_AFTER_PAYMENT
            assert order.retention_clock == (order.cancelled_at or order.failed_at)
            (payment,) = uow.payments.for_order(order.id)
            assert payment.captured_minor == order.paid_minor
            assert (order.stripped_at, order.contact.phone != "") == (None, True)


def test_seeding_a_shop_twice_is_refused(seeded: Engine) -> None:
    with pytest.raises(SeedError):
        seed_shop(seeded, PLAN)


def test_the_indexes_are_back_after_seeding(seeded: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with seeded.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), t.metadata) == []


def test_a_plan_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="positive"):
        SeedPlan(orders=-1)
    with pytest.raises(ValueError, match="aware"):
        SeedPlan(orders=1, now=datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test


@pytest.mark.postgres
def test_the_same_shop_seeds_into_postgresql() -> None:
    """PostgreSQL takes the COPY path; the rows must read the same."""
    from klickit_core.testing.contracts.sql import postgres_schema_url, postgres_url_or_skip

    with postgres_schema_url(postgres_url_or_skip(), "klickit_seed") as url:
        engine = make_engine(url)
        try:
            migrations.upgrade(engine)
            small = SeedPlan(orders=400, now=NOW, chunk=150, products=20)
            report = seed_shop(engine, small)
            assert report.orders == 400
            with engine.connect() as connection:
                placed = connection.execute(select(t.orders.c.placed_at).limit(1)).scalar_one()
                assert placed.tzinfo is not None
                from alembic.autogenerate import compare_metadata
                from alembic.runtime.migration import MigrationContext

                assert compare_metadata(MigrationContext.configure(connection), t.metadata) == []
        finally:
            engine.dispose()
