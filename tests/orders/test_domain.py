"""ORD-1: the order life cycle is an explicit, forward-only state machine with history."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from klickit_core.orders.domain import (
    PROGRESS,
    TERMINAL,
    TRANSITIONS,
    IllegalTransitionError,
    Order,
    OrderAmountError,
    OrderStatus,
)
from klickit_core.testing import strategies as kst

from .conftest import make_order

AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
S = OrderStatus

EXPECTED_MOVES = {
    (S.PENDING_PAYMENT, S.ON_HOLD),
    (S.PENDING_PAYMENT, S.PROCESSING),
    (S.PENDING_PAYMENT, S.CANCELLED),
    (S.PENDING_PAYMENT, S.FAILED),
    (S.ON_HOLD, S.PROCESSING),
    (S.ON_HOLD, S.CANCELLED),
    (S.ON_HOLD, S.FAILED),
    (S.PROCESSING, S.COMPLETED),
    (S.PROCESSING, S.PARTIALLY_REFUNDED),
    (S.PROCESSING, S.REFUNDED),
    (S.COMPLETED, S.PARTIALLY_REFUNDED),
    (S.COMPLETED, S.REFUNDED),
    (S.PARTIALLY_REFUNDED, S.REFUNDED),
}


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("target", list(S))
def test_every_pair_is_allowed_or_refused_as_the_table_says(
    source: OrderStatus, target: OrderStatus
) -> None:
    order = make_order(status=source)
    if (source, target) in EXPECTED_MOVES:
        moved = order.moved_to(target, AT, "staff-1", "because")
        assert moved.status is target
        assert moved.history[-1].from_status is source
        assert moved.history[-1].to_status is target
        assert (moved.history[-1].at, moved.history[-1].actor) == (AT, "staff-1")
        assert moved.history[-1].reason == "because"
    elif source is target is S.PARTIALLY_REFUNDED:
        again = order.moved_to(target, AT, "staff-1")  # a further partial refund
        assert (again.status, again.history) == (order.status, order.history)
        assert again.refunded_at == AT  # PRV-1: the refund restarts the accounting clock
    else:
        with pytest.raises(IllegalTransitionError) as caught:
            order.moved_to(target, AT, "staff-1")
        assert caught.value.code == "orders.illegal_transition"


def test_terminal_statuses_have_no_way_out() -> None:
    assert {S.CANCELLED, S.FAILED, S.REFUNDED} == TERMINAL


def test_every_allowed_move_goes_forward() -> None:
    """No status can be reached again once left (the stateful test relies on it)."""
    for source, targets in TRANSITIONS.items():
        for target in targets:
            assert PROGRESS[target] > PROGRESS[source]


@given(st.lists(st.sampled_from(list(S)), max_size=20))
def test_any_sequence_of_attempts_never_goes_backwards(attempts: list[OrderStatus]) -> None:
    order = make_order()
    at = AT
    for target in attempts:
        at += timedelta(minutes=1)
        before = order.status
        try:
            order = order.moved_to(target, at, "x")
        except IllegalTransitionError:
            assert order.status is before
        assert PROGRESS[order.status] >= PROGRESS[before]
    assert [c.to_status for c in order.history] == [
        c.to_status for c in order.history if c.from_status is not None
    ]
    assert len({c.to_status for c in order.history}) == len(order.history)


def test_retention_clocks_are_stamped() -> None:
    paid = make_order().moved_to(S.PROCESSING, AT, "gateway")
    done = paid.moved_to(S.COMPLETED, AT + timedelta(days=3), "staff")
    assert done.completed_at == AT + timedelta(days=3)
    cancelled = make_order().moved_to(S.CANCELLED, AT, "alice")
    assert cancelled.cancelled_at == AT
    failed = make_order().moved_to(S.FAILED, AT, "gateway")
    assert failed.failed_at == AT


def test_stock_is_held_only_while_unpaid() -> None:
    assert make_order(status=S.PENDING_PAYMENT).holds_stock
    assert make_order(status=S.ON_HOLD).holds_stock
    assert not make_order(status=S.PROCESSING).holds_stock


def test_payments_never_exceed_the_total_and_refunds_never_exceed_payments() -> None:
    order = make_order()  # total 29.80
    with pytest.raises(OrderAmountError):
        order.with_payment(2981)
    with pytest.raises(OrderAmountError):
        order.with_payment(0)
    paid = order.with_payment(1000).with_payment(1980)
    assert paid.is_fully_paid
    assert paid.paid.amount == paid.total.amount
    with pytest.raises(OrderAmountError):
        paid.with_refund(2981)
    refunded = paid.with_refund(500)
    assert refunded.refunded_minor == 500
    with pytest.raises(OrderAmountError):
        refunded.with_refund(2481)


@given(st.lists(st.tuples(st.booleans(), st.integers(-10, 4000)), max_size=30))
def test_money_invariants_hold_for_any_sequence(ops: list[tuple[bool, int]]) -> None:
    order = make_order()
    for is_payment, amount in ops:
        with contextlib.suppress(OrderAmountError):
            order = order.with_payment(amount) if is_payment else order.with_refund(amount)
        assert 0 <= order.refunded_minor <= order.paid_minor <= order.total_minor


def test_money_views_and_repr_hide_personal_data() -> None:
    order = make_order()
    assert str(order.total) == "29.80 EUR"
    assert str(order.vat_total) == "4.96 EUR"
    assert order.contact.full_name == "Alice Martin"
    assert "alice" not in repr(order).lower()
    assert "Bordeaux" not in repr(order)


@given(kst.orders(), kst.aware_datetimes())
def test_a_restricted_order_keeps_the_invoice_data_only(order: Order, at: datetime) -> None:
    """PRV-4 (issue #12): restricting an order for the accounting obligation removes the
    client IP address, the phone number and the account link, and nothing else; doing it
    again changes nothing, not even the date."""
    restricted = order.restricted(at)
    assert restricted.ip_address is None
    assert restricted.contact.phone == ""
    assert restricted.customer_id is None
    assert restricted.restricted_at == at
    expected = attrs.evolve(
        order,
        contact=attrs.evolve(order.contact, phone=""),
        ip_address=None,
        customer_id=None,
        restricted_at=at,
    )
    assert restricted == expected
    assert restricted.restricted(at + timedelta(days=1)) == restricted
