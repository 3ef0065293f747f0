"""X-5, X-7: every domain value comes back from SQL exactly as it went in.

Property tests over :mod:`klickit_core.testing.strategies`, on SQLite and PostgreSQL:
a value added, committed and read back by a fresh unit of work is equal to the original
(times as aware UTC instants), and so is a value saved over an earlier state of itself
(an order's history appended, a payment's refunds rewritten). Each example removes its
rows afterwards, so ids that Hypothesis repeats do not clash.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Table, delete

from klickit_core.adapters.sql import SqlStore
from klickit_core.adapters.sql import tables as t
from klickit_core.orders.domain import Order, OrderStatus
from klickit_core.payments.domain import Payment
from klickit_core.sessions.domain import Location, VisitorSession
from klickit_core.testing import strategies as kst
from klickit_core.testing.contracts import sql
from klickit_core.testing.contracts.builders import T0

V = TypeVar("V")

#: Fewer examples than the profile's: each one is a few real transactions.
round_trips = settings(max_examples=40)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest) -> SqlStore:
    name = "sqlite_store" if request.param == "sqlite" else "postgres_store"
    found: SqlStore = request.getfixturevalue(name)
    sql.empty(found)
    return found


def round_trip(
    store: SqlStore,
    value: V,
    write: Callable[[Any, V], None],
    read: Callable[[Any], V | None],
    table: Table,
    key: str,
) -> V | None:
    """Write ``value`` in one unit of work, read it in another, then delete its row."""
    try:
        with store.unit_of_work() as uow:
            write(uow, value)
            uow.commit()
        with store.unit_of_work() as uow:
            return read(uow)
    finally:
        with store.engine.begin() as connection:
            connection.execute(delete(table).where(table.c[key] == getattr(value, key)))


def _storable_location(session: VisitorSession) -> VisitorSession:
    """PostgreSQL text holds no NUL character (both backends refuse it, see
    test_sql_boundary), and an app's geolocation never yields one."""
    location = session.location
    if location is None:
        return session

    def clean(text: str | None) -> str | None:
        return None if text is None else text.replace("\x00", "?")

    cleaned = Location(clean(location.country), clean(location.region), clean(location.city))
    return attrs.evolve(session, location=cleaned)


@round_trips
@given(value=kst.products())
def test_products(store: SqlStore, value: Any) -> None:
    stored = round_trip(
        store,
        value,
        lambda uow, v: uow.products.add(v),
        lambda uow: uow.products.get(value.sku),
        t.products,
        "sku",
    )
    assert stored == value
    assert stored.categories == value.categories


@round_trips
@given(value=kst.reviews().filter(lambda r: len(r.author_email) <= t.EMAIL_LENGTH))
def test_reviews(store: SqlStore, value: Any) -> None:
    stored = round_trip(
        store,
        value,
        lambda uow, v: uow.reviews.add(v),
        lambda uow: uow.reviews.get(value.id),
        t.reviews,
        "id",
    )
    assert stored == value


@round_trips
@given(
    value=kst.visitor_sessions().map(_storable_location),
    customer_id=st.none() | st.uuids().map(str),
)
def test_sessions(store: SqlStore, value: Any, customer_id: str | None) -> None:
    value = attrs.evolve(value, customer_id=customer_id)
    stored = round_trip(
        store,
        value,
        lambda uow, v: uow.sessions.add(v),
        lambda uow: uow.sessions.get(value.id),
        t.sessions,
        "id",
    )
    assert stored == value


@round_trips
@given(value=kst.customers())
def test_customers(store: SqlStore, value: Any) -> None:
    def read(uow: Any) -> Any:
        found = uow.customers.get(value.id)
        assert uow.customers.by_email(value.email) == found
        if value.username is not None:
            assert uow.customers.by_username(value.username.upper()) == found
        return found

    stored = round_trip(store, value, lambda uow, v: uow.customers.add(v), read, t.customers, "id")
    assert stored == value


@round_trips
@given(value=kst.consent_records())
def test_consents(store: SqlStore, value: Any) -> None:
    stored = round_trip(
        store,
        value,
        lambda uow, v: uow.consents.add(v),
        lambda uow: uow.consents.for_subject(value.subject_email),
        t.consents,
        "id",
    )
    assert stored == [value]


@round_trips
@given(value=kst.access_log_entries())
def test_access_log_entries(store: SqlStore, value: Any) -> None:
    stored = round_trip(
        store,
        value,
        lambda uow, v: uow.access_log.add(v),
        lambda uow: uow.access_log.entries(),
        t.access_log,
        "id",
    )
    assert stored == [value]


@round_trips
@given(value=kst.support_requests())
def test_support_requests(store: SqlStore, value: Any) -> None:
    stored = round_trip(
        store,
        value,
        lambda uow, v: uow.support_requests.add(v),
        lambda uow: uow.support_requests.get(value.id),
        t.support_requests,
        "id",
    )
    assert stored == value


@round_trips
@given(value=kst.orders())
def test_orders_added_whole(store: SqlStore, value: Order) -> None:
    stored = round_trip(
        store,
        value,
        lambda uow, v: uow.orders.add(v),
        lambda uow: uow.orders.get(value.id),
        t.orders,
        "id",
    )
    assert stored == value


@round_trips
@given(value=kst.orders())
def test_orders_saved_over_their_first_state(store: SqlStore, value: Order) -> None:
    """The history grows by appended rows; amounts and times are rewritten in place."""
    placed = attrs.evolve(
        value,
        status=OrderStatus.PENDING_PAYMENT,
        history=value.history[:1],
        paid_minor=0,
        refunded_minor=0,
        completed_at=None,
        cancelled_at=None,
        failed_at=None,
    )

    def write(uow: Any, order: Order) -> None:
        uow.orders.add(placed)
        uow.commit()
        uow.orders.save(order)

    stored = round_trip(store, value, write, lambda uow: uow.orders.get(value.id), t.orders, "id")
    assert stored == value


@round_trips
@given(value=kst.payments())
def test_payments_added_whole(store: SqlStore, value: Payment) -> None:
    def read(uow: Any) -> Any:
        found = uow.payments.get(value.id)
        if value.gateway_reference is not None:
            assert uow.payments.by_reference(value.gateway_reference) == found
        assert uow.payments.for_order(value.order_id) == [found]
        return found

    stored = round_trip(store, value, lambda uow, v: uow.payments.add(v), read, t.payments, "id")
    assert stored == value


@round_trips
@given(value=kst.payments())
def test_payments_saved_over_their_first_state(store: SqlStore, value: Payment) -> None:
    """Refund records change state in place: they are rewritten with the payment."""
    pending = Payment(
        id=value.id,
        order_id=value.order_id,
        provider_id=value.provider_id,
        amount_minor=value.amount_minor,
        currency=value.currency,
        created_at=value.created_at,
        updated_at=value.created_at,
        idempotency_key=value.idempotency_key,
    )

    def write(uow: Any, payment: Payment) -> None:
        uow.payments.add(pending)
        uow.commit()
        uow.payments.save(payment)

    stored = round_trip(
        store, value, write, lambda uow: uow.payments.get(value.id), t.payments, "id"
    )
    assert stored == value


@round_trips
@given(customer_id=st.uuids().map(str), cart=kst.carts())
def test_carts(store: SqlStore, customer_id: str, cart: Any) -> None:
    try:
        with store.unit_of_work() as uow:
            uow.carts.save(customer_id, cart, at=T0)
            uow.commit()
        with store.unit_of_work() as uow:
            stored = uow.carts.get(customer_id)
    finally:
        with store.engine.begin() as connection:
            connection.execute(
                delete(t.saved_carts).where(t.saved_carts.c.customer_id == customer_id)
            )
    assert stored == (None if cart.is_empty else cart)
