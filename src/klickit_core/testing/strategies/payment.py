"""Strategies for payments (PAY-1..4): card summaries, payments reached through their own
moves, what a gateway receives, and verified gateway notifications."""

from __future__ import annotations

import base64
from datetime import datetime

from hypothesis import strategies as st

from klickit_core.payments.domain import TRANSITIONS as PAYMENT_TRANSITIONS
from klickit_core.payments.domain import (
    CardSummary,
    Payment,
    PaymentRequest,
    PaymentStatus,
    WebhookEvent,
)
from klickit_core.shared.money import Money
from klickit_core.testing.strategies._common import (
    EMAILS,
    IDS,
    NAMES,
    PHONES,
    STARTS,
    STEP,
    aware_datetimes,
    clean_text,
    closure,
    next_status,
)
from klickit_core.testing.strategies.amounts import currencies

__all__ = [
    "card_summaries",
    "payment_requests",
    "payments",
    "webhook_events",
]


#: 256 random bits, URL-safe, like :func:`~klickit_core.payments.domain.new_idempotency_key`.
_IDEMPOTENCY_KEYS = st.binary(min_size=32, max_size=32).map(
    lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
)
_PROVIDERS = st.sampled_from(["sandbox", "stripe", "payplug", "mollie"])
_REFERENCES = IDS.map(lambda hex_id: f"ch_{hex_id}")
_FAILURE_CODES = st.sampled_from(
    ["card_declined", "insufficient_funds", "expired_card", "gateway_failed"]
) | st.from_regex(r"[a-z][a-z0-9_]{0,30}", fullmatch=True)


_PAYMENT_REACHABLE = closure(PAYMENT_TRANSITIONS)


def card_summaries() -> st.SearchStrategy[CardSummary]:
    """Card summaries (PAY-2): a brand without digits and exactly four ASCII digits."""
    return st.builds(
        CardSummary,
        brand=st.sampled_from(["visa", "mastercard", "amex", "cb"])
        | st.from_regex(r"[A-Za-z][A-Za-z _-]{0,23}", fullmatch=True),
        last4=st.from_regex(r"[0-9]{4}", fullmatch=True),
    )


_CARDS = st.none() | card_summaries()
_ATTEMPTS = st.integers(1, 3)


def _refund_id(draw: st.DrawFn, payment: Payment) -> str:
    """A refund id unique within ``payment`` (its position makes it so, whatever is drawn)."""
    return f"re{len(payment.refunds) + 1}_{draw(IDS)}"


def _refund(draw: st.DrawFn, payment: Payment, amount: int, at: datetime) -> Payment:
    """``amount`` more refunded: through a refund record (maybe after a failed attempt),
    or learnt from a notification without one."""
    if draw(st.booleans()):
        return payment.refunded(amount, at=at)
    if draw(st.booleans()):
        failed_id = _refund_id(draw, payment)
        payment = payment.refund_requested(failed_id, amount, draw(_IDEMPOTENCY_KEYS), at=at)
        payment = payment.refund_failed(failed_id, draw(_FAILURE_CODES), at=at)
    refund_id = _refund_id(draw, payment)
    payment = payment.refund_requested(refund_id, amount, draw(_IDEMPOTENCY_KEYS), at=at)
    return payment.refunded(amount, at=at, refund_id=refund_id)


def _payment_move_possible(payment: Payment, target: PaymentStatus) -> bool:
    """Whether the money allows ``target``: a refund needs something left to refund."""
    left = payment.captured_minor - payment.refunded_minor
    if target is PaymentStatus.PARTIALLY_REFUNDED:
        return left >= 2
    if target is PaymentStatus.REFUNDED:
        return left >= 1
    return True


def _move_payment(
    draw: st.DrawFn, payment: Payment, target: PaymentStatus, reference: str, at: datetime
) -> Payment:
    """``payment`` moved to ``target`` through its own methods (so its checks apply)."""
    if payment.status is PaymentStatus.PENDING:  # the gateway was called: attempts counted
        for _ in range(draw(_ATTEMPTS)):
            payment = payment.attempted(at=at)
    if target is PaymentStatus.AUTHORIZED:
        return payment.authorized(reference=reference, at=at, card=draw(_CARDS))
    if target is PaymentStatus.CAPTURED:
        whole = payment.amount_minor
        amount = whole if draw(st.booleans()) else draw(st.integers(1, whole))
        return payment.captured(amount, at=at, reference=reference, card=draw(_CARDS))
    if target is PaymentStatus.FAILED:
        code = draw(_FAILURE_CODES)
        return payment.failed(code, at=at, reference=reference if draw(st.booleans()) else None)
    if target is PaymentStatus.VOIDED:
        return payment.voided(at=at)
    left = payment.captured_minor - payment.refunded_minor
    if target is PaymentStatus.PARTIALLY_REFUNDED:
        return _refund(draw, payment, draw(st.integers(1, left - 1)), at)
    return _refund(draw, payment, left, at)  # REFUNDED


@st.composite
def _payments(
    draw: st.DrawFn,
    status: PaymentStatus | None,
    currency: st.SearchStrategy[str],
    order_id: st.SearchStrategy[str],
    amounts: st.SearchStrategy[int],
) -> Payment:
    created = draw(STARTS)
    payment = Payment(
        id=draw(IDS),
        order_id=draw(order_id),
        provider_id=draw(_PROVIDERS),
        amount_minor=draw(amounts),
        currency=draw(currency),
        created_at=created,
        updated_at=created,
        idempotency_key=draw(_IDEMPOTENCY_KEYS),
    )
    reference = draw(_REFERENCES)
    at = created
    while True:
        options = [
            s for s in PAYMENT_TRANSITIONS[payment.status] if _payment_move_possible(payment, s)
        ]
        target = next_status(draw, payment.status, options, status, _PAYMENT_REACHABLE)
        if target is None:
            break
        at += draw(STEP)
        payment = _move_payment(draw, payment, target, reference, at)
    if payment.status is PaymentStatus.PENDING:
        for _ in range(draw(_ATTEMPTS) - 1):  # 0 to 2 calls whose outcome is not known yet
            at += draw(STEP)
            payment = payment.attempted(at=at)
    elif payment.refundable_minor > 0 and draw(st.booleans()):
        # A refund sent to the gateway whose outcome is not known yet.
        at += draw(STEP)
        amount = draw(st.integers(1, payment.refundable_minor))
        refund_id = _refund_id(draw, payment)
        payment = payment.refund_requested(refund_id, amount, draw(_IDEMPOTENCY_KEYS), at=at)
    return payment


def payments(
    status: PaymentStatus | None = None,
    currency: st.SearchStrategy[str] = currencies,
    order_id: st.SearchStrategy[str] | None = None,
    max_amount_minor: int = 10**7,
) -> st.SearchStrategy[Payment]:
    """Payments in any status (or in ``status``), reached through the payment's own moves
    at increasing times, so every invariant of :class:`~klickit_core.payments.domain.Payment`
    holds: ``0 <= refunded <= captured <= amount`` as the status says, refund records that
    agree with the totals (at most one pending), attempts counted before each gateway call.
    """
    return _payments(
        status,
        currency,
        order_id if order_id is not None else IDS,
        st.integers(1, max_amount_minor),
    )


def payment_requests(
    currency: st.SearchStrategy[str] = currencies,
) -> st.SearchStrategy[PaymentRequest]:
    """What a gateway receives (PAY-1): clean personal text, identifiers, and a positive
    amount at the currency's minor unit."""

    def build(
        first_name: str,
        last_name: str,
        email: str,
        street: str,
        phone: str,
        city: str,
        state: str,
        postcode: str,
        payment_id: str,
        provider_id: str,
        minor: int,
        code: str,
    ) -> PaymentRequest:
        return PaymentRequest(
            name=f"{first_name} {last_name}",
            email=email,
            address=street,
            phone=phone,
            city=city,
            state=state,
            postcode=postcode,
            payment_id=payment_id,
            provider_id=provider_id,
            amount=Money.from_minor_units(minor, code).amount,
            currency=code,
        )

    return st.builds(
        build,
        NAMES,
        NAMES,
        EMAILS,
        clean_text(1, 80),
        PHONES,
        clean_text(1, 60),
        clean_text(max_size=40),
        st.from_regex(r"[0-9]{5}", fullmatch=True),
        IDS,
        _PROVIDERS,
        st.integers(1, 10**7),
        currency,
    )


def webhook_events(payment: Payment | None = None) -> st.SearchStrategy[WebhookEvent]:
    """Verified gateway notifications (PAY-4), in any status, with a positive amount (for
    refunds the total refunded so far) and a failure code on failures only.

    Given ``payment``, the events are about it: its id, currency and gateway reference (when
    it has one), an authorization of its amount, captures and refunds within it. Such
    events may still be stale, early or duplicates: that is what PAY-4 handles.
    """

    def build(
        event_id: str,
        payment_id: str,
        reference: str,
        status: PaymentStatus,
        amount: int,
        code: str,
        created: datetime,
        failure_code: str,
    ) -> WebhookEvent:
        if payment is not None and status is PaymentStatus.AUTHORIZED:
            amount = payment.amount_minor
        return WebhookEvent(
            id=event_id,
            type=f"payment.{status}",
            payment_id=payment_id,
            gateway_reference=reference,
            status=status,
            amount_minor=amount,
            currency=code,
            created_at=created,
            failure_code=failure_code if status is PaymentStatus.FAILED else None,
        )

    if payment is None:
        about = (IDS, _REFERENCES, st.integers(1, 10**7), currencies)
    else:
        about = (
            st.just(payment.id),
            st.just(payment.gateway_reference) if payment.gateway_reference else _REFERENCES,
            st.integers(1, payment.amount_minor),
            st.just(payment.currency),
        )
    payment_id, reference, amount, code = about
    return st.builds(
        build,
        IDS.map(lambda hex_id: f"evt_{hex_id[:24]}"),
        payment_id,
        reference,
        st.sampled_from(list(PaymentStatus)),
        amount,
        code,
        aware_datetimes(),
        _FAILURE_CODES,
    )
