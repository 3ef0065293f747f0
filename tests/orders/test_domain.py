"""ORD-1: the order life cycle is an explicit, forward-only state machine with history."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from klickit_core.orders.domain import (
    PAID_STAGES,
    PROGRESS,
    TERMINAL,
    TRANSITIONS,
    IllegalTransitionError,
    Order,
    OrderAmountError,
    OrderStatus,
    RetentionStage,
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
    """PRV-4 (issue #12, #19): restricting an order for the accounting obligation removes
    its after-sales data (the client IP address, the phone number, the account link, who
    moved it and why) as stripping does, and nothing else; doing it again changes
    nothing, not even the dates."""
    restricted = order.restricted(at)
    assert restricted.ip_address is None
    assert restricted.contact.phone == ""
    assert restricted.customer_id is None
    assert restricted.restricted_at == at
    assert restricted.stripped_at == at
    expected = attrs.evolve(
        order,
        contact=attrs.evolve(order.contact, phone=""),
        history=tuple(attrs.evolve(c, actor="", reason="") for c in order.history),
        ip_address=None,
        customer_id=None,
        restricted_at=at,
        stripped_at=at,
    )
    assert restricted == expected
    assert restricted == attrs.evolve(order.stripped(at), restricted_at=at)
    assert restricted.restricted(at + timedelta(days=1)) == restricted


@given(kst.orders(), kst.aware_datetimes())
def test_a_stripped_order_keeps_what_the_accounts_need(order: Order, at: datetime) -> None:
    """PRV-1 (issue #19): stripping removes the after-sales data, the phone, the client
    IP address, the account link and who moved the order and why (its moves keep their
    statuses and times); the name, email, both addresses, lines, amounts, VAT, dates and
    status stay, and so does its retention stage and clock; stripping again changes
    nothing, not even the date."""
    stripped = order.stripped(at)
    expected = attrs.evolve(
        order,
        contact=attrs.evolve(order.contact, phone=""),
        history=tuple(attrs.evolve(c, actor="", reason="") for c in order.history),
        ip_address=None,
        customer_id=None,
        stripped_at=at,
    )
    assert stripped == expected
    assert [(c.to_status, c.at) for c in stripped.history] == [
        (c.to_status, c.at) for c in order.history
    ]
    assert (stripped.retention_stage, stripped.retention_clock) == (
        order.retention_stage,
        order.retention_clock,
    )
    assert stripped.anonymised_at is None
    assert stripped.stripped(at + timedelta(days=1)) == stripped


@given(kst.orders(), kst.aware_datetimes())
def test_an_anonymised_order_counts_as_stripped(order: Order, at: datetime) -> None:
    """PRV-2 (issue #19): anonymising removes all that stripping does, so it stamps
    ``stripped_at`` (keeping an earlier stamp), and the order leaves every stage."""
    assert order.anonymised(at).stripped_at == at
    earlier = at - timedelta(days=3)
    assert order.stripped(earlier).anonymised(at).stripped_at == earlier
    assert order.anonymised(at).retention_stage is None


def test_a_move_after_stripping_names_someone_again_and_clears_the_stamp() -> None:
    """PRV-2 (issue #19): a status move records who made it and why, after-sales data
    again, so the order is no longer stripped (the next sweep takes that too); a further
    partial refund, which records no move, keeps the stamp."""
    done = (
        make_order()
        .with_payment(2980)
        .moved_to(S.PROCESSING, AT, "gateway")
        .moved_to(S.COMPLETED, AT + timedelta(days=1), "staff-1")
    )
    stripped = done.stripped(AT + timedelta(days=800))
    later = AT + timedelta(days=900)
    part = stripped.with_refund(100, at=later).moved_to(S.PARTIALLY_REFUNDED, later, "staff-2")
    assert part.stripped_at is None
    assert part.history[-1].actor == "staff-2"
    again = part.stripped(later).moved_to(S.PARTIALLY_REFUNDED, later + timedelta(days=1), "x")
    assert again.stripped_at == later  # no move recorded, nothing new to strip
    assert again.refunded_at == later + timedelta(days=1)


def test_an_order_ended_after_payment_is_an_accounting_record_of_its_own() -> None:
    """PRV-1 (issue #19): an order cancelled, or whose payment failed, once money was
    captured is in stage ``cancelled_after_payment`` (kept as long as a paid order, not
    ten days); its clock is that end. Without money it is ``cancelled`` / ``failed``."""
    deposit = make_order().with_payment(1000)
    assert deposit.retention_stage is None  # open: money in, not ended
    cancelled = deposit.moved_to(S.CANCELLED, AT, "staff-1")
    failed = deposit.moved_to(S.FAILED, AT + timedelta(hours=1), "gateway")
    assert (cancelled.retention_stage, cancelled.retention_clock) == (
        RetentionStage.CANCELLED_AFTER_PAYMENT,
        AT,
    )
    assert (failed.retention_stage, failed.retention_clock) == (
        RetentionStage.CANCELLED_AFTER_PAYMENT,
        AT + timedelta(hours=1),
    )
    unpaid_end = make_order().moved_to(S.CANCELLED, AT, "alice")
    assert unpaid_end.retention_stage is RetentionStage.CANCELLED
    unpaid_failure = make_order().moved_to(S.FAILED, AT, "gateway")
    assert unpaid_failure.retention_stage is RetentionStage.FAILED
    assert set(PAID_STAGES) == {RetentionStage.COMPLETED, RetentionStage.CANCELLED_AFTER_PAYMENT}
