"""PAY-1, PAY-2, PAY-3, PAY-4: the payment values and the payment life cycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from klickit_core.payments.domain import (
    REACHABLE,
    TERMINAL,
    TRANSITIONS,
    CardSummary,
    GatewayOutcome,
    GatewayResult,
    IllegalPaymentTransitionError,
    InvalidPaymentDataError,
    Payment,
    PaymentAmountError,
    PaymentRequest,
    PaymentStatus,
    RefundInProgressError,
    RefundStatus,
    WebhookEvent,
    WebhookMismatchError,
    WebhookOutOfOrderError,
    new_idempotency_key,
)
from klickit_core.shared.errors import KlickitError

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=1)
S = PaymentStatus
PERSONAL = {"name", "email", "address", "phone", "city", "state", "postcode"}
REQUEST_FIELDS: dict[str, Any] = {
    "name": "Camille Martin",
    "email": "camille@example.fr",
    "address": "12 rue des Lilas",
    "phone": "+33612345678",
    "city": "Lyon",
    "state": "",
    "postcode": "69003",
    "payment_id": "pay-1",
    "provider_id": "sandbox",
    "amount": Decimal("49.90"),
    "currency": "EUR",
}


def make_payment(**overrides: Any) -> Payment:
    fields: dict[str, Any] = {
        "id": "pay-1",
        "order_id": "order-1",
        "provider_id": "sandbox",
        "amount_minor": 4990,
        "currency": "EUR",
        "created_at": NOW,
        "updated_at": NOW,
        "idempotency_key": new_idempotency_key(),
    }
    fields.update(overrides)
    return Payment(**fields)


def in_status(status: PaymentStatus, amount_minor: int = 4990) -> Payment:
    """A payment in ``status``, reached through legal moves only."""
    base = make_payment(amount_minor=amount_minor)
    authorized = base.authorized(reference="ch_1", at=NOW)
    captured = base.captured(amount_minor, at=NOW, reference="ch_1")
    return {
        S.PENDING: base,
        S.AUTHORIZED: authorized,
        S.CAPTURED: captured,
        S.PARTIALLY_REFUNDED: captured.refunded(1, at=NOW) if amount_minor > 1 else None,
        S.REFUNDED: captured.refunded(amount_minor, at=NOW),
        S.FAILED: base.failed("card_declined", at=NOW, reference="ch_1"),
        S.VOIDED: authorized.voided(at=NOW),
    }[status] or pytest.fail("no partial refund of 1 minor unit")


def event(status: PaymentStatus, amount_minor: int = 4990, **overrides: Any) -> WebhookEvent:
    fields: dict[str, Any] = {
        "id": "evt_1",
        "type": f"payment.{status}",
        "payment_id": "pay-1",
        "gateway_reference": "ch_1",
        "status": status,
        "amount_minor": amount_minor,
        "currency": "EUR",
        "created_at": NOW,
    }
    fields.update(overrides)
    return WebhookEvent(**fields)


# ---------------------------------------------------------------- PaymentRequest (PAY-1)


def test_payment_request_holds_exactly_the_policys_list() -> None:
    """PAY-1: the gateway receives name, email, address, phone, city, state, postcode, the
    payment id and the provider id, plus amount and currency — and nothing else."""
    assert {f.name for f in attrs.fields(PaymentRequest)} == {
        "name",
        "email",
        "address",
        "phone",
        "city",
        "state",
        "postcode",
        "payment_id",
        "provider_id",
        "amount",
        "currency",
    }


def test_payment_request_is_frozen_and_slotted() -> None:
    """PAY-1: nothing can be attached to a request after the fact."""
    request = PaymentRequest(**REQUEST_FIELDS)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        request.name = "x"  # type: ignore[misc]
    with pytest.raises((AttributeError, TypeError)):
        request.card_number = "4242424242424242"  # type: ignore[attr-defined]


def test_payment_request_repr_hides_personal_fields() -> None:
    """PAY-1, X-9: a request in a traceback shows ids and amount, never personal data."""
    text = repr(PaymentRequest(**REQUEST_FIELDS))
    for name in PERSONAL:
        value = REQUEST_FIELDS[name]
        if value:
            assert value not in text
    assert "pay-1" in text
    assert "49.90" in text


def test_payment_request_amount_views() -> None:
    request = PaymentRequest(**REQUEST_FIELDS)
    assert request.amount_minor == 4990
    assert str(request.money) == "49.90 EUR"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", 49.9),
        ("amount", Decimal("49.901")),
        ("amount", Decimal(0)),
        ("amount", Decimal(-1)),
        ("amount", Decimal("NaN")),
        ("amount", 4990),
        ("currency", "EURO"),
        ("currency", "eur"),
        ("payment_id", ""),
        ("payment_id", "pay 1"),
        ("provider_id", "x" * 200),
        ("name", "Camille\x00"),
        ("email", "a" * 201),
        ("postcode", 69003),
    ],
)
def test_payment_request_refuses_bad_values_with_a_typed_error(field: str, value: object) -> None:
    """X-9: a malformed request is one typed error naming the field, not its content."""
    with pytest.raises(InvalidPaymentDataError) as caught:
        PaymentRequest(**{**REQUEST_FIELDS, field: value})
    assert caught.value.reason == field
    assert caught.value.code == "payments.invalid_data"
    assert str(value) not in str(caught.value) or str(value) in field


@pytest.mark.parametrize("field", sorted(PERSONAL))
def test_payment_request_never_carries_a_card_number(field: str) -> None:
    """PAY-1, PAY-2: no personal field of what the gateway receives may hold a card number
    (an address typed before card numbers were refused cannot reach it either); the
    error names the field, not its content."""
    with pytest.raises(InvalidPaymentDataError) as caught:
        PaymentRequest(**{**REQUEST_FIELDS, field: "Appt 2, 4242 4242 4242 4242"})
    assert caught.value.reason == field
    assert "4242" not in str(caught.value)


def test_payment_request_for_payment_copies_ids_and_amount() -> None:
    payment = make_payment(amount_minor=1050, currency="JPY")
    personal = {k: v for k, v in REQUEST_FIELDS.items() if k in PERSONAL}
    request = PaymentRequest.for_payment(payment, **personal)
    assert (request.payment_id, request.provider_id) == (payment.id, payment.provider_id)
    assert (request.amount, request.currency, request.amount_minor) == (Decimal(1050), "JPY", 1050)


# ---------------------------------------------------------------- CardSummary (PAY-2)


@pytest.mark.parametrize(
    ("brand", "last4"), [("visa", "4242"), ("mastercard", "0000"), ("American Express", "1005")]
)
def test_card_summary_accepts_a_brand_and_four_digits(brand: str, last4: str) -> None:
    card = CardSummary(brand, last4)
    assert card.masked.endswith(last4)


@pytest.mark.parametrize(
    ("brand", "last4", "reason"),
    [
        ("visa", "424", "last4"),
        ("visa", "42424", "last4"),
        ("visa", "4242424242424242", "last4"),
        ("visa", "４２４２", "last4"),  # fullwidth digits are digits to \d, not to us
        ("visa", "42a2", "last4"),
        ("visa", "4242\n", "last4"),
        ("visa", 4242, "last4"),
        ("", "4242", "brand"),
        ("visa4242424242424242", "4242", "brand"),
        ("4242424242424242", "4242", "brand"),
        ("v" * 25, "4242", "brand"),
        ("visa\x00", "4242", "brand"),
    ],
)
def test_card_summary_cannot_hold_a_card_number(brand: object, last4: object, reason: str) -> None:
    """PAY-2: only a brand (no digits) and exactly four ASCII digits are ever accepted."""
    with pytest.raises(InvalidPaymentDataError) as caught:
        CardSummary(brand, last4)  # type: ignore[arg-type]
    assert caught.value.reason == reason


@given(st.text(max_size=30), st.text(max_size=30))
def test_card_summary_accepts_nothing_else(brand: str, last4: str) -> None:
    """PAY-2: any accepted summary has a digit-free brand and four ASCII digits."""
    try:
        card = CardSummary(brand, last4)
    except InvalidPaymentDataError:
        return
    assert not any(c.isdigit() for c in card.brand)
    assert len(card.last4) == 4
    assert card.last4.isascii()
    assert card.last4.isdigit()


# ---------------------------------------------------------------- the state machine (PAY-4)


def test_transition_table_is_the_documented_one() -> None:
    expected = {
        S.PENDING: {S.AUTHORIZED, S.CAPTURED, S.FAILED},
        S.AUTHORIZED: {S.CAPTURED, S.VOIDED, S.FAILED},
        S.CAPTURED: {S.PARTIALLY_REFUNDED, S.REFUNDED},
        S.PARTIALLY_REFUNDED: {S.PARTIALLY_REFUNDED, S.REFUNDED},
        S.REFUNDED: set(),
        S.FAILED: set(),
        S.VOIDED: set(),
    }
    assert expected == TRANSITIONS
    terminal = {S.REFUNDED, S.FAILED, S.VOIDED}
    assert terminal == TERMINAL


@pytest.mark.parametrize("status", list(S))
def test_the_life_cycle_only_moves_forward(status: PaymentStatus) -> None:
    """PAY-4: no status can be reached again once left (a partial refund may repeat)."""
    if status is S.PARTIALLY_REFUNDED:
        assert REACHABLE[status] == {S.PARTIALLY_REFUNDED, S.REFUNDED}
    else:
        assert status not in REACHABLE[status]
    assert S.PENDING not in REACHABLE[status]


@pytest.mark.parametrize("status", list(S))
def test_illegal_moves_are_refused(status: PaymentStatus) -> None:
    """Every move outside the table raises IllegalPaymentTransitionError."""
    payment = in_status(status)
    moves = {
        S.AUTHORIZED: lambda: payment.authorized(reference="ch_1", at=LATER),
        S.CAPTURED: lambda: payment.captured(100, at=LATER, reference="ch_1"),
        S.FAILED: lambda: payment.failed("card_declined", at=LATER),
        S.VOIDED: lambda: payment.voided(at=LATER),
        S.REFUNDED: lambda: payment.refunded(1, at=LATER),
    }
    for target, move in moves.items():
        allowed = target in TRANSITIONS[status] or (
            target is S.REFUNDED and status in {S.CAPTURED, S.PARTIALLY_REFUNDED}
        )
        if allowed:
            moved = move()
            assert moved.status in TRANSITIONS[status]
            assert moved.updated_at == LATER
        else:
            with pytest.raises(IllegalPaymentTransitionError) as caught:
                move()
            assert caught.value.details == {"current": str(status), "target": str(target)}


def test_attempts_count_only_while_pending() -> None:
    """PAY-3: attempts are counted (and stored) before each gateway call."""
    payment = make_payment().attempted(at=NOW).attempted(at=LATER)
    assert payment.attempts == 2
    with pytest.raises(IllegalPaymentTransitionError):
        in_status(S.CAPTURED).attempted(at=LATER)


def test_a_captured_payment_keeps_its_first_reference_and_card() -> None:
    card = CardSummary("visa", "4242")
    payment = make_payment().authorized(reference="ch_1", at=NOW, card=card)
    captured = payment.captured(4990, at=LATER, reference="ch_other")
    assert captured.gateway_reference == "ch_1"
    assert captured.card == card
    assert captured.is_paid


def test_failed_payment_keeps_its_code() -> None:
    failed = make_payment().failed("insufficient_funds", at=NOW)
    assert (failed.status, failed.failure_code) == (S.FAILED, "insufficient_funds")
    with pytest.raises(InvalidPaymentDataError):
        make_payment().failed("Card declined for Camille", at=NOW)


def test_idempotency_keys_are_random_and_long() -> None:
    """PAY-3: keys come from ``secrets`` (256 bits), never repeat, and stay out of repr."""
    keys = {new_idempotency_key() for _ in range(200)}
    assert len(keys) == 200
    assert all(len(k) >= 43 for k in keys)
    payment = make_payment()
    assert payment.idempotency_key not in repr(payment)


# ---------------------------------------------------------------- money invariants


def test_capture_and_refund_boundaries() -> None:
    payment = make_payment(amount_minor=1000)
    with pytest.raises(PaymentAmountError, match="over_capture"):
        payment.captured(1001, at=NOW)
    with pytest.raises(PaymentAmountError, match="not_positive"):
        payment.captured(0, at=NOW)
    captured = payment.captured(1000, at=NOW, reference="ch_1")
    with pytest.raises(PaymentAmountError, match="over_refund"):
        captured.refunded(1001, at=NOW)
    partial = captured.refunded(400, at=NOW)
    assert (partial.status, partial.refunded_minor) == (S.PARTIALLY_REFUNDED, 400)
    with pytest.raises(PaymentAmountError, match="over_refund"):
        partial.refunded(601, at=NOW)
    again = partial.refunded(100, at=NOW)
    assert (again.status, again.refunded_minor) == (S.PARTIALLY_REFUNDED, 500)
    full = again.refunded(500, at=NOW)
    assert (full.status, full.refunded_minor) == (S.REFUNDED, 1000)


@pytest.mark.parametrize(
    "fields",
    [
        {"captured_minor": 5000},
        {"captured_minor": 100, "refunded_minor": 101},
        {"amount_minor": 0},
        {"amount_minor": -5},
        {"amount_minor": True},
        {"captured_minor": -1},
        {"captured_minor": 100},  # pending, yet money moved
        {"status": S.CAPTURED},  # captured, yet nothing moved
        {"status": S.REFUNDED, "captured_minor": 100, "refunded_minor": 50},
        {"status": S.PARTIALLY_REFUNDED, "captured_minor": 100, "refunded_minor": 100},
        {"status": S.FAILED, "captured_minor": 100},
    ],
)
def test_invariants_hold_by_construction(fields: dict[str, Any]) -> None:
    """No Payment can exist with refunded > captured > amount, even built directly."""
    with pytest.raises((PaymentAmountError, InvalidPaymentDataError)):
        make_payment(**fields)


_OPS = st.lists(
    st.tuples(st.sampled_from(["capture", "refund", "request_refund"]), st.integers(-5, 12_000)),
    max_size=12,
)


@given(st.integers(1, 10_000), _OPS)
def test_amount_invariants_hold_under_any_sequence(amount: int, ops: list[tuple[str, int]]) -> None:
    """captured <= amount and refunded <= captured after any sequence of moves, and a move
    is refused exactly when it would break them."""
    payment = make_payment(amount_minor=amount)
    counter = 0
    for op, value in ops:
        before = payment
        counter += 1
        try:
            if op == "capture":
                payment = payment.captured(value, at=NOW, reference="ch_1")
            elif op == "refund":
                payment = payment.refunded(value, at=NOW)
            else:
                payment = payment.refund_requested(
                    f"ref-{counter}", value, new_idempotency_key(), at=NOW
                )
        except (PaymentAmountError, IllegalPaymentTransitionError, RefundInProgressError):
            if op == "capture":
                assert before.status is not S.PENDING or not 0 < value <= amount
            elif op == "refund":
                assert (
                    before.status not in {S.CAPTURED, S.PARTIALLY_REFUNDED}
                    or not 0 < value <= before.captured_minor - before.refunded_minor
                )
            else:
                assert (
                    before.status not in {S.CAPTURED, S.PARTIALLY_REFUNDED}
                    or before.pending_refund is not None
                    or not 0 < value <= before.refundable_minor
                )
            continue
        assert 0 <= payment.refunded_minor <= payment.captured_minor <= payment.amount_minor
        assert payment.refundable_minor >= 0
        if payment.captured_minor and payment.refunded_minor == payment.captured_minor:
            assert payment.status is S.REFUNDED


def test_refund_records_settle_once() -> None:
    """PAY-3: a refund is recorded (pending, with its own key) before the call, then settled."""
    captured = in_status(S.CAPTURED)
    key = new_idempotency_key()
    requested = captured.refund_requested("ref-1", 1000, key, at=NOW)
    assert requested.pending_refund is not None
    assert requested.pending_refund.idempotency_key == key
    assert requested.refundable_minor == 3990
    with pytest.raises(RefundInProgressError):
        requested.refund_requested("ref-2", 10, new_idempotency_key(), at=NOW)
    settled = requested.refunded(1000, at=LATER, refund_id="ref-1")
    assert settled.refund_record("ref-1").status is RefundStatus.SUCCEEDED
    assert settled.pending_refund is None
    with pytest.raises(PaymentAmountError):
        settled.refunded(1000, at=LATER, refund_id="ref-1")
    failed = requested.refund_failed("ref-1", "declined", at=LATER)
    assert failed.refund_record("ref-1").status is RefundStatus.FAILED
    assert failed.refunded_minor == 0
    with pytest.raises(InvalidPaymentDataError):
        requested.refund_record("nope")


def test_a_refund_above_what_is_left_cannot_be_requested() -> None:
    captured = in_status(S.CAPTURED).refunded(4000, at=NOW)
    with pytest.raises(PaymentAmountError):
        captured.refund_requested("ref-1", 991, new_idempotency_key(), at=NOW)
    assert captured.refund_requested("ref-1", 990, new_idempotency_key(), at=NOW).refunds


# ---------------------------------------------------------------- notifications (PAY-4)


def test_events_one_step_ahead_are_applied() -> None:
    payment = in_status(S.PENDING)
    captured = payment.applying(event(S.CAPTURED), at=LATER)
    assert captured is not None
    assert (captured.status, captured.captured_minor, captured.gateway_reference) == (
        S.CAPTURED,
        4990,
        "ch_1",
    )
    partial = captured.applying(event(S.PARTIALLY_REFUNDED, 1000, id="evt_2"), at=LATER)
    assert partial is not None
    assert (partial.status, partial.refunded_minor) == (S.PARTIALLY_REFUNDED, 1000)
    more = partial.applying(event(S.PARTIALLY_REFUNDED, 1500, id="evt_3"), at=LATER)
    assert more is not None
    assert more.refunded_minor == 1500
    assert partial.applying(event(S.PARTIALLY_REFUNDED, 800, id="evt_4"), at=LATER) is None
    full = more.applying(event(S.REFUNDED, 4990, id="evt_5"), at=LATER)
    assert full is not None
    assert (full.status, full.refunded_minor) == (S.REFUNDED, 4990)


def test_failed_event_keeps_its_code() -> None:
    failed = in_status(S.PENDING).applying(
        event(S.FAILED, failure_code="insufficient_funds"), at=LATER
    )
    assert failed is not None
    assert failed.failure_code == "insufficient_funds"


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("target", list(S))
def test_events_never_move_a_payment_backwards(
    current: PaymentStatus, target: PaymentStatus
) -> None:
    """PAY-4: an event behind or beside the payment is ignored; one too far ahead waits."""
    payment = in_status(current)
    amount = 4990 if target is not S.PARTIALLY_REFUNDED else 2000
    try:
        result = payment.applying(event(target, amount), at=LATER)
    except WebhookOutOfOrderError:
        assert target in REACHABLE[current]
        assert target not in TRANSITIONS[current]
        return
    if result is None:
        assert target not in TRANSITIONS[current] or current is target
        return
    assert result.status in REACHABLE[current]


def test_a_capture_after_a_refund_is_ignored() -> None:
    """PAY-4: 'captured' arriving after 'refunded' changes nothing."""
    refunded = in_status(S.REFUNDED)
    assert refunded.applying(event(S.CAPTURED), at=LATER) is None


def test_a_refund_before_its_capture_waits() -> None:
    with pytest.raises(WebhookOutOfOrderError) as caught:
        in_status(S.PENDING).applying(event(S.REFUNDED), at=LATER)
    assert caught.value.retryable


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"payment_id": "pay-2"}, "payment"),
        ({"currency": "USD"}, "currency"),
        ({"gateway_reference": "ch_2"}, "reference"),
    ],
)
def test_events_that_disagree_with_the_payment_are_refused(
    overrides: dict[str, Any], reason: str
) -> None:
    with pytest.raises(WebhookMismatchError) as caught:
        in_status(S.AUTHORIZED).applying(event(S.CAPTURED, **overrides), at=LATER)
    assert caught.value.reason == reason


def test_a_captured_event_above_the_amount_is_refused() -> None:
    with pytest.raises(PaymentAmountError):
        in_status(S.PENDING).applying(event(S.CAPTURED, 5000), at=LATER)


def test_webhook_event_type_must_match_its_status() -> None:
    with pytest.raises(InvalidPaymentDataError):
        event(S.CAPTURED, type="payment.refunded")


def test_webhook_event_times_are_utc() -> None:
    from zoneinfo import ZoneInfo

    local = NOW.astimezone(ZoneInfo("Europe/Paris"))
    assert event(S.CAPTURED, created_at=local).created_at.tzinfo is UTC
    with pytest.raises(InvalidPaymentDataError):
        event(S.CAPTURED, created_at=NOW.replace(tzinfo=None))


# ---------------------------------------------------------------- gateway results


def test_a_declined_result_needs_a_code() -> None:
    with pytest.raises(InvalidPaymentDataError):
        GatewayResult(GatewayOutcome.DECLINED, "ch_1")
    result = GatewayResult(GatewayOutcome.DECLINED, "ch_1", failure_code="card_declined")
    assert result.failure_code == "card_declined"


def test_domain_errors_are_klickit_errors_with_codes() -> None:
    """X-9: every refusal is typed, coded and carries no personal data."""
    for error in (
        InvalidPaymentDataError("brand"),
        PaymentAmountError("over_refund"),
        IllegalPaymentTransitionError(current="refunded", target="captured"),
        RefundInProgressError(),
        WebhookMismatchError("currency"),
        WebhookOutOfOrderError(current="pending", target="refunded"),
    ):
        assert isinstance(error, KlickitError)
        assert error.code.startswith("payments.")
        assert str(error)
        assert error.message("fr")


@pytest.mark.parametrize(
    ("pending", "notified", "outcome"),
    [
        (1000, 1500, RefundStatus.SUCCEEDED),  # the notification covers the pending refund
        (4000, 2000, RefundStatus.FAILED),  # no room left for it: it cannot succeed any more
        (1000, 500, RefundStatus.PENDING),  # still possible: it stays pending
    ],
)
def test_a_refund_notification_of_another_amount_settles_the_pending_refund(
    pending: int, notified: int, outcome: RefundStatus
) -> None:
    """PAY-4 (found by the strategies' property test): a pending refund is never left
    pending for more than the payment has left."""
    captured = in_status(S.CAPTURED)
    requested = captured.refund_requested("ref-1", pending, new_idempotency_key(), at=NOW)
    after = requested.refunded(notified, at=NOW)
    record = after.refund_record("ref-1")
    assert record.status is outcome
    if outcome is RefundStatus.PENDING:
        assert record.amount_minor <= after.captured_minor - after.refunded_minor
