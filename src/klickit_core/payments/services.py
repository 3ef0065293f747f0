"""Payment use cases: start, charge (or authorize, capture, void), refund, notifications.

Why they are shaped this way (PAY-3, PAY-4):

* **Write before you call.** A payment and its idempotency key are committed before the
  first gateway call, and so is every refund with its own key. If the process dies or the
  call times out, what was sent is known and the retry reuses the same key, so the gateway
  answers from its records instead of charging (or refunding) twice.
* **No transaction is held open across a gateway call.** Each use case commits, calls the
  gateway, then re-reads the payment in a new transaction before recording the outcome, so
  a notification applied in the meantime is never overwritten.
* **A timeout keeps the payment pending** and re-raises :class:`GatewayTimeoutError`; the
  caller retries the same use case. A payment already captured is returned as it is,
  without calling the gateway.
* **Notifications move payments forward only** (:meth:`Payment.applying`); each event id is
  recorded in the same transaction as its effect, so a duplicate changes nothing.

Order status changes are the checkout layer's business, not these functions'. Every
step takes the actor and needs ``payments.process``: the checkout runs them as its payment
job once it has authorized the shopper or the staff member (X-6, decision 0011).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from klickit_core.payments.domain import (
    REACHABLE,
    TRANSITIONS,
    GatewayOutcome,
    GatewayResult,
    IllegalPaymentTransitionError,
    Payment,
    PaymentAmountError,
    PaymentRequest,
    PaymentRequestMismatchError,
    PaymentStatus,
    RefundInProgressError,
    RefundStatus,
    WebhookEvent,
    new_idempotency_key,
)
from klickit_core.payments.ports import (
    GatewayRejectedError,
    PaymentGateway,
    PaymentNotFoundError,
    PaymentsUnitOfWork,
    UnexpectedGatewayResultError,
)
from klickit_core.shared.actors import Actor
from klickit_core.shared.authorization import authorize
from klickit_core.shared.clock import Clock, ensure_utc
from klickit_core.shared.ids import IdGenerator

__all__: list[str] = []

_OUTCOME_STATUS: dict[GatewayOutcome, PaymentStatus] = {
    GatewayOutcome.AUTHORIZED: PaymentStatus.AUTHORIZED,
    GatewayOutcome.CAPTURED: PaymentStatus.CAPTURED,
    GatewayOutcome.DECLINED: PaymentStatus.FAILED,
    GatewayOutcome.VOIDED: PaymentStatus.VOIDED,
}


def _load(uow: PaymentsUnitOfWork, payment_id: str) -> Payment:
    payment = uow.payments.get(payment_id)
    if payment is None:
        raise PaymentNotFoundError
    return payment


def _derived_key(payment: Payment, operation: str) -> str:
    """The key of a follow-up call (capture, void): derived from the stored key, so it is
    the same on every retry without another write, and distinct per operation."""
    return f"{payment.idempotency_key}:{operation}"


def _check_request(payment: Payment, request: PaymentRequest, gateway: PaymentGateway) -> None:
    if request.payment_id != payment.id:
        raise PaymentRequestMismatchError("payment_id")
    if request.provider_id != payment.provider_id:
        raise PaymentRequestMismatchError("provider_id")
    if gateway.provider_id != payment.provider_id:
        raise PaymentRequestMismatchError("gateway")
    if request.currency != payment.currency or request.amount_minor != payment.amount_minor:
        raise PaymentRequestMismatchError("amount")


def _apply_result(
    payment: Payment, result: GatewayResult, at: datetime, capture_minor: int
) -> Payment:
    """``payment`` after the gateway's ``result``; a result the payment is already at or
    past (a notification got there first) leaves it unchanged."""
    target = _OUTCOME_STATUS.get(result.outcome)
    if target is None:
        raise UnexpectedGatewayResultError(outcome=str(result.outcome))
    if payment.status is target or payment.status in REACHABLE[target]:
        return payment
    if target not in TRANSITIONS[payment.status]:
        raise UnexpectedGatewayResultError(outcome=str(result.outcome))
    if target is PaymentStatus.AUTHORIZED:
        return payment.authorized(reference=result.reference, at=at, card=result.card)
    if target is PaymentStatus.CAPTURED:
        amount = result.amount_minor if result.amount_minor is not None else capture_minor
        return payment.captured(amount, at=at, reference=result.reference, card=result.card)
    if target is PaymentStatus.FAILED:
        code = result.failure_code or "declined"
        return payment.failed(code, at=at, reference=result.reference)
    return payment.voided(at=at)


def _record_result(
    uow: PaymentsUnitOfWork,
    clock: Clock,
    payment_id: str,
    result: GatewayResult,
    accepted: frozenset[GatewayOutcome],
    capture_minor: int | None = None,
) -> Payment:
    if result.outcome not in accepted:
        raise UnexpectedGatewayResultError(outcome=str(result.outcome))
    with uow:
        payment = _load(uow, payment_id)
        updated = _apply_result(
            payment,
            result,
            clock.now(),
            payment.amount_minor if capture_minor is None else capture_minor,
        )
        if updated is not payment:
            uow.payments.save(updated)
            uow.commit()
    return updated


# ---------------------------------------------------------------------- use cases


def start_payment(
    uow: PaymentsUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
    *,
    order_id: str,
    provider_id: str,
    amount_minor: int,
    currency: str,
) -> Payment:
    """Create a pending payment with a fresh idempotency key, committed before any call."""
    authorize(actor, "payments.services.start_payment")
    now = clock.now()
    payment = Payment(
        id=ids.new_id(),
        order_id=order_id,
        provider_id=provider_id,
        amount_minor=amount_minor,
        currency=currency,
        created_at=now,
        updated_at=now,
        idempotency_key=new_idempotency_key(),
    )
    with uow:
        uow.payments.add(payment)
        uow.commit()
    return payment


_Pay = Callable[[PaymentRequest, str], GatewayResult]


def _pay(
    uow: PaymentsUnitOfWork,
    clock: Clock,
    gateway: PaymentGateway,
    payment_id: str,
    request: PaymentRequest,
    call: _Pay,
    target: PaymentStatus,
    accepted: frozenset[GatewayOutcome],
) -> Payment:
    with uow:
        payment = _load(uow, payment_id)
        if payment.status is target or payment.status in REACHABLE[target]:
            return payment
        if payment.status is not PaymentStatus.PENDING:
            raise IllegalPaymentTransitionError(current=str(payment.status), target=str(target))
        _check_request(payment, request, gateway)
        payment = payment.attempted(at=clock.now())
        uow.payments.save(payment)
        uow.commit()
    # A GatewayError (timeout included) propagates: the payment stays pending, and a retry
    # sends the same stored key.
    result = call(request, payment.idempotency_key)
    return _record_result(uow, clock, payment_id, result, accepted)


def charge_payment(
    uow: PaymentsUnitOfWork,
    clock: Clock,
    gateway: PaymentGateway,
    actor: Actor,
    payment_id: str,
    request: PaymentRequest,
    token: str,
) -> Payment:
    """Charge the card behind ``token`` for the payment (authorize and capture at once).

    Safe to call again after :class:`~klickit_core.payments.ports.GatewayTimeoutError`:
    the retry carries the payment's stored idempotency key. A payment already captured is
    returned without calling the gateway; a declined one ends ``FAILED`` with the
    gateway's code (``card_declined``, ``insufficient_funds``).
    """
    authorize(actor, "payments.services.charge_payment")

    def call(req: PaymentRequest, key: str) -> GatewayResult:
        return gateway.charge(req, token, key)

    return _pay(
        uow,
        clock,
        gateway,
        payment_id,
        request,
        call,
        PaymentStatus.CAPTURED,
        frozenset({GatewayOutcome.CAPTURED, GatewayOutcome.AUTHORIZED, GatewayOutcome.DECLINED}),
    )


def authorize_payment(
    uow: PaymentsUnitOfWork,
    clock: Clock,
    gateway: PaymentGateway,
    actor: Actor,
    payment_id: str,
    request: PaymentRequest,
    token: str,
) -> Payment:
    """Hold the amount on the card (capture later with :func:`capture_payment`)."""
    authorize(actor, "payments.services.authorize_payment")

    def call(req: PaymentRequest, key: str) -> GatewayResult:
        return gateway.authorize(req, token, key)

    return _pay(
        uow,
        clock,
        gateway,
        payment_id,
        request,
        call,
        PaymentStatus.AUTHORIZED,
        frozenset({GatewayOutcome.AUTHORIZED, GatewayOutcome.DECLINED}),
    )


def capture_payment(
    uow: PaymentsUnitOfWork,
    clock: Clock,
    gateway: PaymentGateway,
    actor: Actor,
    payment_id: str,
    amount_minor: int | None = None,
) -> Payment:
    """Capture an authorized payment: all of it, or ``amount_minor`` (never more)."""
    authorize(actor, "payments.services.capture_payment")
    with uow:
        payment = _load(uow, payment_id)
    if payment.is_paid:
        return payment
    if payment.status is not PaymentStatus.AUTHORIZED or payment.gateway_reference is None:
        raise IllegalPaymentTransitionError(
            current=str(payment.status), target=str(PaymentStatus.CAPTURED)
        )
    amount = payment.amount_minor if amount_minor is None else amount_minor
    if type(amount) is not int or amount <= 0:
        raise PaymentAmountError("not_positive")
    if amount > payment.amount_minor:
        raise PaymentAmountError("over_capture")
    result = gateway.capture(
        payment.gateway_reference, amount, payment.currency, _derived_key(payment, "capture")
    )
    return _record_result(
        uow,
        clock,
        payment_id,
        result,
        frozenset({GatewayOutcome.CAPTURED, GatewayOutcome.DECLINED}),
        capture_minor=amount,
    )


def void_payment(
    uow: PaymentsUnitOfWork, clock: Clock, gateway: PaymentGateway, actor: Actor, payment_id: str
) -> Payment:
    """Release an authorization without capturing it."""
    authorize(actor, "payments.services.void_payment")
    with uow:
        payment = _load(uow, payment_id)
    if payment.status is PaymentStatus.VOIDED:
        return payment
    if payment.status is not PaymentStatus.AUTHORIZED or payment.gateway_reference is None:
        raise IllegalPaymentTransitionError(
            current=str(payment.status), target=str(PaymentStatus.VOIDED)
        )
    result = gateway.void(payment.gateway_reference, _derived_key(payment, "void"))
    return _record_result(uow, clock, payment_id, result, frozenset({GatewayOutcome.VOIDED}))


def refund_payment(
    uow: PaymentsUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    gateway: PaymentGateway,
    actor: Actor,
    payment_id: str,
    amount_minor: int,
    *,
    refund_id: str | None = None,
) -> Payment:
    """Give back ``amount_minor`` of a captured payment; never more than is left.

    The refund is recorded with its own idempotency key before the gateway call. After a
    timeout it stays pending and the same call (same amount) retries it with that key; a
    different amount is refused with :class:`RefundInProgressError` until it is settled.

    ``refund_id`` (optional, e.g. the support request's id) makes the call itself
    idempotent: a refund already recorded under that id is retried if still pending and
    returned as it is once settled, succeeded or failed (say, by a notification that arrived
    after a timeout), so repeating the call can never refund twice.
    """
    authorize(actor, "payments.services.refund_payment")
    with uow:
        payment = _load(uow, payment_id)
        reference = payment.gateway_reference
        if reference is None:
            raise IllegalPaymentTransitionError(
                current=str(payment.status), target=str(PaymentStatus.REFUNDED)
            )
        known = next((r for r in payment.refunds if r.id == refund_id), None)
        if known is not None and known.amount_minor != amount_minor:
            raise PaymentRequestMismatchError("amount")
        if known is not None and known.status is not RefundStatus.PENDING:
            return payment
        pending = payment.pending_refund
        if pending is not None:
            if pending.amount_minor != amount_minor or (refund_id is not None and known is None):
                raise RefundInProgressError
            record = pending
        else:
            payment = payment.refund_requested(
                refund_id or ids.new_id(), amount_minor, new_idempotency_key(), at=clock.now()
            )
            record = payment.refunds[-1]
            uow.payments.save(payment)
            uow.commit()
    try:
        result = gateway.refund(
            reference, record.amount_minor, payment.currency, record.idempotency_key
        )
    except GatewayRejectedError:
        # The gateway refused the call itself: no money moved, so the record is settled as
        # failed (a timeout, by contrast, keeps it pending for the retry).
        with uow:
            current = _load(uow, payment_id)
            if current.refund_record(record.id).status is RefundStatus.PENDING:
                uow.payments.save(current.refund_failed(record.id, "rejected", at=clock.now()))
                uow.commit()
        raise
    if result.outcome not in (GatewayOutcome.REFUNDED, GatewayOutcome.DECLINED):
        raise UnexpectedGatewayResultError(outcome=str(result.outcome))
    with uow:
        payment = _load(uow, payment_id)
        if payment.refund_record(record.id).status is not RefundStatus.PENDING:
            return payment  # a notification settled it first
        now = clock.now()
        if result.outcome is GatewayOutcome.REFUNDED:
            payment = payment.refunded(record.amount_minor, at=now, refund_id=record.id)
        else:
            payment = payment.refund_failed(record.id, result.failure_code or "declined", at=now)
        uow.payments.save(payment)
        uow.commit()
    return payment


def apply_webhook(
    uow: PaymentsUnitOfWork, actor: Actor, event: WebhookEvent, now: datetime
) -> Payment | None:
    """Apply a verified gateway notification, at most once and only forwards (PAY-4).

    Returns the updated payment, or ``None`` when the event changes nothing (a duplicate, or
    a stale event, which is still recorded as processed). Raises
    :class:`PaymentNotFoundError` for an unknown payment and
    :class:`~klickit_core.payments.domain.WebhookOutOfOrderError` for an event that
    arrived before the one it follows (nothing recorded: the gateway delivers it again).
    The caller verified the event's signature first
    (:func:`~klickit_core.checkout.services.handle_webhook`).
    """
    authorize(actor, "payments.services.apply_webhook")
    at = ensure_utc(now)
    with uow:
        if uow.processed_events.seen(event.id):
            return None
        payment = _load(uow, event.payment_id)
        updated = payment.applying(event, at=at)
        uow.processed_events.record(event.id, at)
        if updated is not None:
            uow.payments.save(updated)
        uow.commit()
    return updated
