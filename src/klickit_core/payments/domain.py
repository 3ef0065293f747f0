"""Payments and their life cycle (SPEC PAY-1, PAY-2, PAY-3, PAY-4).

Why these shapes:

* :class:`PaymentRequest` is *the* list of what the payment gateway receives (PAY-1, and the
  privacy policy's list of data shared with the payment processor): name, email, address,
  phone, city, state, postcode, the unique payment id and the provider id, plus the amount
  and currency. A gateway adapter gets nothing else, so sending more is a type error rather
  than a code-review finding.
* Card data never exists here (PAY-2). The browser gives the card to the gateway and gets
  an opaque token back; a :class:`Payment` holds its gateway reference and, at most, a
  :class:`CardSummary` (brand and last four digits), which cannot hold a card number.
* Every gateway call carries an idempotency key made with :mod:`secrets` and **stored
  before the first call** (PAY-3). A call that timed out is retried with the same key, so
  the gateway answers it from its records instead of charging again.
* The life cycle is a forward-only state machine (:data:`TRANSITIONS`), like the order's:
  gateway notifications that arrive late, twice or out of order can never move a payment
  backwards (PAY-4). :meth:`Payment.applying` decides what one notification means.
* Money is held in integer minor units with the currency beside it (ADR 0002); the
  invariants ``0 <= refunded <= captured <= amount`` (with totals that agree with the status)
  are checked on every construction, so no evolved copy can break them.
"""

from __future__ import annotations

import enum
import re
import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

import attrs

from klickit_core.shared.clock import ensure_utc
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_
from klickit_core.shared.money import Money, MoneyError, is_known_currency
from klickit_core.shared.text import free_text_error

__all__ = [
    "REACHABLE",
    "TERMINAL",
    "TRANSITIONS",
    "CardSummary",
    "GatewayOutcome",
    "GatewayResult",
    "IllegalPaymentTransitionError",
    "InvalidPaymentDataError",
    "Payment",
    "PaymentAmountError",
    "PaymentError",
    "PaymentRequest",
    "PaymentRequestMismatchError",
    "PaymentStatus",
    "RefundInProgressError",
    "RefundRecord",
    "RefundStatus",
    "WebhookEvent",
    "WebhookMismatchError",
    "WebhookOutOfOrderError",
    "new_idempotency_key",
]

#: Gateway references, payment ids, event ids: opaque, loggable identifiers.
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
#: Failure and reason codes are machine codes (``card_declined``), never free text.
_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
#: Exactly four ASCII digits (``\d`` would also accept other scripts' digits).
_LAST4 = re.compile(r"[0-9]{4}")
#: A brand is a short word or two, and holds no digit at all: it cannot carry a number.
_BRAND = re.compile(r"[A-Za-z][A-Za-z _-]{0,23}")
#: Idempotency keys: what :func:`new_idempotency_key` makes, or a gateway-safe equivalent.
_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_:-]{16,255}")
_MAX_PERSONAL_TEXT = 200


def new_idempotency_key() -> str:
    """A fresh idempotency key: 256 random bits from :mod:`secrets`, URL-safe (43 chars)."""
    return secrets.token_urlsafe(32)


# ---------------------------------------------------------------------- errors


class PaymentError(KlickitError):
    """Base of the payment domain's errors."""

    code = "payments.error"
    message_template = N_("The payment could not be processed.")


class InvalidPaymentDataError(PaymentError):
    """A payment value is malformed. ``reason`` names the field, never its content."""

    code = "payments.invalid_data"
    message_template = N_("Invalid payment data ({reason}).")

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason=reason)


class IllegalPaymentTransitionError(PaymentError):
    """The payment's current status does not allow the requested move."""

    code = "payments.illegal_transition"
    message_template = N_("A payment cannot go from {current} to {target}.")


class PaymentAmountError(PaymentError):
    """A capture or refund would break ``0 <= refunded <= captured <= amount``."""

    code = "payments.amount"
    message_template = N_("This amount is not possible for the payment ({reason}).")

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason=reason)


class PaymentRequestMismatchError(PaymentError):
    """The request sent to the gateway is not for this payment (id, provider or amount)."""

    code = "payments.request_mismatch"
    message_template = N_("The payment request does not match the payment ({reason}).")

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason=reason)


class RefundInProgressError(PaymentError):
    """A refund whose outcome is still unknown must be settled (retried) first."""

    code = "payments.refund_in_progress"
    message_template = N_("Another refund of this payment is still in progress.")


class WebhookMismatchError(PaymentError):
    """A notification names this payment but disagrees with it (currency, reference)."""

    code = "payments.webhook_mismatch"
    message_template = N_("The payment notification does not match the payment ({reason}).")

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason=reason)


class WebhookOutOfOrderError(PaymentError):
    """A notification is *ahead* of the payment by more than one step.

    An earlier notification has not arrived yet (a refund before its capture). Nothing is
    recorded: the app answers the gateway with an error status, and the gateway delivers
    the notification again later, by which time the missing one has been applied.
    """

    code = "payments.webhook_out_of_order"
    message_template = N_("The payment notification arrived too early; it will be retried.")
    retryable: ClassVar[bool] = True


# ---------------------------------------------------------------------- validators


def _check_identifier(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or _IDENTIFIER.fullmatch(value) is None:
        raise InvalidPaymentDataError(attribute.name)


def _check_optional_identifier(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _check_identifier(instance, attribute, value)


def _check_optional_code(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, str) or _CODE.fullmatch(value) is None):
        raise InvalidPaymentDataError(attribute.name)


def _check_currency(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not is_known_currency(value):
        raise InvalidPaymentDataError(attribute.name)


def _check_minor(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not int or value < 0:
        raise InvalidPaymentDataError(attribute.name)


def _check_positive_minor(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not int or value <= 0:
        raise InvalidPaymentDataError(attribute.name)


def _check_key(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or _IDEMPOTENCY_KEY.fullmatch(value) is None:
        raise InvalidPaymentDataError(attribute.name)


def _check_aware(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidPaymentDataError(attribute.name)


def _check_personal_text(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Clean text that holds no card number: the gateway never receives one (PAY-2)."""
    if (
        not isinstance(value, str)
        or len(value) > _MAX_PERSONAL_TEXT
        or free_text_error(value, (attribute.name,)) is not None
    ):
        raise InvalidPaymentDataError(attribute.name)


# ---------------------------------------------------------------------- card summary


@attrs.frozen(slots=True)
class CardSummary:
    """What may be known of a card (PAY-2): its brand and its last four digits.

    Nothing else about a card ever exists in the domain. The brand holds no digit and
    ``last4`` exactly four, so neither field can carry a card number.
    """

    brand: str = attrs.field()
    last4: str = attrs.field()

    @brand.validator
    def _check_brand(self, _attribute: attrs.Attribute[str], value: object) -> None:
        if not isinstance(value, str) or _BRAND.fullmatch(value) is None:
            raise InvalidPaymentDataError("brand")

    @last4.validator
    def _check_last4(self, _attribute: attrs.Attribute[str], value: object) -> None:
        if not isinstance(value, str) or _LAST4.fullmatch(value) is None:
            raise InvalidPaymentDataError("last4")

    @property
    def masked(self) -> str:
        """For display: ``"visa •••• 4242"``."""
        return f"{self.brand} •••• {self.last4}"


# ---------------------------------------------------------------------- the request


def _check_request_amount(_instance: Any, _attribute: Any, value: Any) -> None:
    if type(value) is not Decimal or not value.is_finite() or value <= 0:
        raise InvalidPaymentDataError("amount")


@attrs.frozen(slots=True)
class PaymentRequest:
    """Exactly what the payment gateway receives (PAY-1), and nothing more.

    The field list *is* the policy's list; a test pins it. Personal fields are hidden from
    ``repr`` so a request in a traceback or a log line shows only ids and the amount.
    ``address`` is the street part of the billing address (lines joined), ``state`` its
    region (often empty in France).
    """

    name: str = attrs.field(repr=False, validator=_check_personal_text)
    email: str = attrs.field(repr=False, validator=_check_personal_text)
    address: str = attrs.field(repr=False, validator=_check_personal_text)
    phone: str = attrs.field(repr=False, validator=_check_personal_text)
    city: str = attrs.field(repr=False, validator=_check_personal_text)
    state: str = attrs.field(repr=False, validator=_check_personal_text)
    postcode: str = attrs.field(repr=False, validator=_check_personal_text)
    payment_id: str = attrs.field(validator=_check_identifier)
    provider_id: str = attrs.field(validator=_check_identifier)
    amount: Decimal = attrs.field(validator=_check_request_amount)
    currency: str = attrs.field(validator=_check_currency)

    def __attrs_post_init__(self) -> None:
        try:
            rounded = Money(self.amount, self.currency).is_rounded
        except MoneyError:
            raise InvalidPaymentDataError("amount") from None
        if not rounded:
            raise InvalidPaymentDataError("amount")

    @property
    def money(self) -> Money:
        """The amount as :class:`Money`."""
        return Money(self.amount, self.currency)

    @property
    def amount_minor(self) -> int:
        """The amount in minor units (cents for EUR)."""
        return self.money.minor_units()

    @classmethod
    def for_payment(
        cls,
        payment: Payment,
        *,
        name: str,
        email: str,
        address: str,
        phone: str,
        city: str,
        state: str,
        postcode: str,
    ) -> PaymentRequest:
        """The request for ``payment``: ids, amount and currency are copied from it."""
        return cls(
            name=name,
            email=email,
            address=address,
            phone=phone,
            city=city,
            state=state,
            postcode=postcode,
            payment_id=payment.id,
            provider_id=payment.provider_id,
            amount=payment.amount.amount,
            currency=payment.currency,
        )


# ---------------------------------------------------------------------- life cycle


class PaymentStatus(enum.StrEnum):
    """Where a payment stands at the gateway."""

    PENDING = "pending"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    FAILED = "failed"
    VOIDED = "voided"


_S = PaymentStatus
#: Allowed moves. A payment is captured at most once; refunds follow the capture.
#: ``PARTIALLY_REFUNDED`` may be entered again by a further partial refund.
TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    _S.PENDING: frozenset({_S.AUTHORIZED, _S.CAPTURED, _S.FAILED}),
    _S.AUTHORIZED: frozenset({_S.CAPTURED, _S.VOIDED, _S.FAILED}),
    _S.CAPTURED: frozenset({_S.PARTIALLY_REFUNDED, _S.REFUNDED}),
    _S.PARTIALLY_REFUNDED: frozenset({_S.PARTIALLY_REFUNDED, _S.REFUNDED}),
    _S.REFUNDED: frozenset(),
    _S.FAILED: frozenset(),
    _S.VOIDED: frozenset(),
}
TERMINAL = frozenset(status for status, moves in TRANSITIONS.items() if not moves)


def _closure(start: PaymentStatus) -> frozenset[PaymentStatus]:
    seen: set[PaymentStatus] = set()
    todo = list(TRANSITIONS[start])
    while todo:
        status = todo.pop()
        if status not in seen:
            seen.add(status)
            todo.extend(TRANSITIONS[status])
    return frozenset(seen)


#: Every status reachable from each status in one or more moves. A status outside it is
#: *behind* (or on another branch): a notification carrying it can only be stale.
REACHABLE: dict[PaymentStatus, frozenset[PaymentStatus]] = {s: _closure(s) for s in _S}
_REFUNDS = frozenset({_S.PARTIALLY_REFUNDED, _S.REFUNDED})
_CAPTURED_STATES = frozenset({_S.CAPTURED, _S.PARTIALLY_REFUNDED, _S.REFUNDED})


def _amounts_fit_status(status: PaymentStatus, captured: int, refunded: int) -> bool:
    """Whether the totals say what the status says (money moved iff it was captured)."""
    if status is PaymentStatus.CAPTURED:
        return captured > 0 and refunded == 0
    if status is PaymentStatus.PARTIALLY_REFUNDED:
        return 0 < refunded < captured
    if status is PaymentStatus.REFUNDED:
        return 0 < refunded == captured
    return captured == 0 and refunded == 0


class RefundStatus(enum.StrEnum):
    """A refund is pending from before the gateway call until its outcome is known."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@attrs.frozen(slots=True)
class RefundRecord:
    """One refund the shop asked for, recorded with its key *before* the gateway call."""

    id: str = attrs.field(validator=_check_identifier)
    amount_minor: int = attrs.field(validator=_check_positive_minor)
    idempotency_key: str = attrs.field(repr=False, validator=_check_key)
    at: datetime = attrs.field(validator=_check_aware)
    status: RefundStatus = RefundStatus.PENDING
    failure_code: str | None = attrs.field(default=None, validator=_check_optional_code)


@attrs.frozen(slots=True)
class Payment:
    """One attempt to be paid for an order, through one gateway.

    ``id`` is the unique payment id the gateway receives. A failed or voided payment is
    final: paying again means a new payment, with a new id and a new idempotency key.
    """

    id: str = attrs.field(validator=_check_identifier)
    order_id: str = attrs.field(validator=_check_identifier)
    provider_id: str = attrs.field(validator=_check_identifier)
    amount_minor: int = attrs.field(validator=_check_positive_minor)
    currency: str = attrs.field(validator=_check_currency)
    created_at: datetime = attrs.field(validator=_check_aware)
    updated_at: datetime = attrs.field(validator=_check_aware)
    idempotency_key: str = attrs.field(repr=False, validator=_check_key)
    status: PaymentStatus = PaymentStatus.PENDING
    gateway_reference: str | None = attrs.field(default=None, validator=_check_optional_identifier)
    card: CardSummary | None = None
    captured_minor: int = attrs.field(default=0, validator=_check_minor)
    refunded_minor: int = attrs.field(default=0, validator=_check_minor)
    failure_code: str | None = attrs.field(default=None, validator=_check_optional_code)
    attempts: int = attrs.field(default=0, validator=_check_minor)
    refunds: tuple[RefundRecord, ...] = ()

    def __attrs_post_init__(self) -> None:
        if self.captured_minor > self.amount_minor:
            raise PaymentAmountError("over_capture")
        if self.refunded_minor > self.captured_minor:
            raise PaymentAmountError("over_refund")
        if not _amounts_fit_status(self.status, self.captured_minor, self.refunded_minor):
            raise PaymentAmountError("status")
        succeeded = sum(r.amount_minor for r in self.refunds if r.status is RefundStatus.SUCCEEDED)
        if succeeded > self.refunded_minor:
            raise PaymentAmountError("refund_records")
        if sum(1 for r in self.refunds if r.status is RefundStatus.PENDING) > 1:
            raise RefundInProgressError
        if len({r.id for r in self.refunds}) != len(self.refunds):
            raise InvalidPaymentDataError("refunds")

    # ------------------------------------------------------------------ views
    @property
    def amount(self) -> Money:
        """The amount to be paid."""
        return Money.from_minor_units(self.amount_minor, self.currency)

    @property
    def pending_refund(self) -> RefundRecord | None:
        """The refund whose outcome is not known yet, if any (at most one)."""
        return next((r for r in self.refunds if r.status is RefundStatus.PENDING), None)

    @property
    def refundable_minor(self) -> int:
        """What may still be refunded: captured, minus refunded, minus a pending refund."""
        pending = self.pending_refund
        held = pending.amount_minor if pending else 0
        return max(0, self.captured_minor - self.refunded_minor - held)

    @property
    def is_paid(self) -> bool:
        """Whether money was captured (whatever was refunded since)."""
        return self.status in _CAPTURED_STATES

    @property
    def holds_details(self) -> bool:
        """Whether the payment still holds a card summary or a gateway reference: the
        personal part of a payment (the reference leads to what the gateway knows of the
        payer), which retention removes once the order's accounting period is over."""
        return self.card is not None or self.gateway_reference is not None

    def without_card(self) -> Payment:
        """The payment without its card summary (an erasure: PRV-4). The gateway reference
        stays while the order is kept: refunds, chargebacks and reconciliation need it."""
        return attrs.evolve(self, card=None)

    def anonymised(self) -> Payment:
        """The payment without card summary nor gateway reference (PRV-2, once its order's
        accounting period is over). Amounts, status and dates stay."""
        return attrs.evolve(self, card=None, gateway_reference=None)

    def can_move_to(self, target: PaymentStatus) -> bool:
        """Whether ``target`` is reachable from the current status in one move."""
        return target in TRANSITIONS[self.status]

    def _check_move(self, target: PaymentStatus) -> None:
        if not self.can_move_to(target):
            raise IllegalPaymentTransitionError(current=str(self.status), target=str(target))

    # ------------------------------------------------------------------ moves
    def attempted(self, *, at: datetime) -> Payment:
        """The payment with one more gateway attempt counted (stored before the call)."""
        if self.status is not PaymentStatus.PENDING:
            raise IllegalPaymentTransitionError(
                current=str(self.status), target=str(PaymentStatus.PENDING)
            )
        return attrs.evolve(self, attempts=self.attempts + 1, updated_at=at)

    def authorized(
        self, *, reference: str, at: datetime, card: CardSummary | None = None
    ) -> Payment:
        """The amount is held on the card; it still has to be captured."""
        self._check_move(PaymentStatus.AUTHORIZED)
        return attrs.evolve(
            self,
            status=PaymentStatus.AUTHORIZED,
            gateway_reference=reference,
            card=card or self.card,
            updated_at=at,
        )

    def captured(
        self,
        amount_minor: int,
        *,
        at: datetime,
        reference: str | None = None,
        card: CardSummary | None = None,
    ) -> Payment:
        """``amount_minor`` was taken; never more than the payment's amount."""
        self._check_move(PaymentStatus.CAPTURED)
        if type(amount_minor) is not int or amount_minor <= 0:
            raise PaymentAmountError("not_positive")
        if amount_minor > self.amount_minor:
            raise PaymentAmountError("over_capture")
        return attrs.evolve(
            self,
            status=PaymentStatus.CAPTURED,
            captured_minor=amount_minor,
            gateway_reference=self.gateway_reference or reference,
            card=card or self.card,
            updated_at=at,
        )

    def failed(self, code: str, *, at: datetime, reference: str | None = None) -> Payment:
        """The gateway refused the payment; ``code`` says why (``card_declined``)."""
        self._check_move(PaymentStatus.FAILED)
        return attrs.evolve(
            self,
            status=PaymentStatus.FAILED,
            failure_code=code,
            gateway_reference=self.gateway_reference or reference,
            updated_at=at,
        )

    def voided(self, *, at: datetime) -> Payment:
        """An authorization was released without capture."""
        self._check_move(PaymentStatus.VOIDED)
        return attrs.evolve(self, status=PaymentStatus.VOIDED, updated_at=at)

    def refund_requested(
        self, refund_id: str, amount_minor: int, idempotency_key: str, *, at: datetime
    ) -> Payment:
        """A refund about to be sent to the gateway, recorded with its own key first."""
        if self.status not in (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED):
            raise IllegalPaymentTransitionError(
                current=str(self.status), target=str(PaymentStatus.REFUNDED)
            )
        if self.pending_refund is not None:
            raise RefundInProgressError
        if type(amount_minor) is not int or amount_minor <= 0:
            raise PaymentAmountError("not_positive")
        if amount_minor > self.refundable_minor:
            raise PaymentAmountError("over_refund")
        record = RefundRecord(refund_id, amount_minor, idempotency_key, at)
        return attrs.evolve(self, refunds=(*self.refunds, record), updated_at=at)

    def refunded(self, amount_minor: int, *, at: datetime, refund_id: str | None = None) -> Payment:
        """``amount_minor`` more was given back; never more than was captured in all.

        ``refund_id`` names the :class:`RefundRecord` this settles. Without it (a refund
        learnt from a notification) a pending record of exactly this amount is settled, as
        the notification is most likely its outcome; otherwise only the totals change.
        """
        if self.status not in (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED):
            raise IllegalPaymentTransitionError(
                current=str(self.status), target=str(PaymentStatus.REFUNDED)
            )
        if type(amount_minor) is not int or amount_minor <= 0:
            raise PaymentAmountError("not_positive")
        pending = self.pending_refund
        if refund_id is None and pending is not None and pending.amount_minor == amount_minor:
            refund_id = pending.id
        refunded = self.refunded_minor + amount_minor
        if refunded > self.captured_minor:
            raise PaymentAmountError("over_refund")
        refunds = self._settle(refund_id, amount_minor, RefundStatus.SUCCEEDED, None)
        if refund_id is None and pending is not None:
            # A notification of another amount: if it covers the pending refund, that
            # refund went through within it; if it leaves no room for it, the pending
            # refund can no longer succeed. Either way it is settled, never left pending
            # for more than the payment has left.
            if pending.amount_minor <= amount_minor:
                settled = attrs.evolve(pending, status=RefundStatus.SUCCEEDED)
            elif pending.amount_minor > self.captured_minor - refunded:
                settled = attrs.evolve(
                    pending, status=RefundStatus.FAILED, failure_code="superseded"
                )
            else:
                settled = pending
            refunds = tuple(settled if r.id == pending.id else r for r in refunds)
        status = (
            PaymentStatus.REFUNDED
            if refunded == self.captured_minor
            else PaymentStatus.PARTIALLY_REFUNDED
        )
        return attrs.evolve(
            self, status=status, refunded_minor=refunded, refunds=refunds, updated_at=at
        )

    def refund_failed(self, refund_id: str, code: str, *, at: datetime) -> Payment:
        """The gateway refused the refund ``refund_id``; the payment itself is unchanged."""
        record = self.refund_record(refund_id)
        refunds = self._settle(refund_id, record.amount_minor, RefundStatus.FAILED, code)
        return attrs.evolve(self, refunds=refunds, updated_at=at)

    def refund_record(self, refund_id: str) -> RefundRecord:
        """The refund record ``refund_id``; :class:`InvalidPaymentDataError` if unknown."""
        for record in self.refunds:
            if record.id == refund_id:
                return record
        raise InvalidPaymentDataError("refund_id")

    def _settle(
        self,
        refund_id: str | None,
        amount_minor: int,
        status: RefundStatus,
        code: str | None,
    ) -> tuple[RefundRecord, ...]:
        if refund_id is None:
            return self.refunds
        record = self.refund_record(refund_id)
        if record.status is not RefundStatus.PENDING or record.amount_minor != amount_minor:
            raise PaymentAmountError("refund_record")
        settled = attrs.evolve(record, status=status, failure_code=code)
        return tuple(settled if r.id == refund_id else r for r in self.refunds)

    # ------------------------------------------------------------------ notifications
    def applying(self, event: WebhookEvent, *, at: datetime) -> Payment | None:
        """The payment after the gateway's notification ``event``, or ``None`` to ignore it.

        Only forward moves are applied (PAY-4):

        * an event one step ahead is applied (refund events carry the *cumulative*
          refunded amount, so a further partial refund is the difference);
        * an event that is behind, equal, or on another branch (``failed`` after a
          capture) is stale: ``None``;
        * an event more than one step ahead (a refund before the capture) raises
          :class:`WebhookOutOfOrderError`, so that the gateway delivers it again later.
        """
        if event.payment_id != self.id:
            raise WebhookMismatchError("payment")
        if event.currency != self.currency:
            raise WebhookMismatchError("currency")
        if self.gateway_reference is not None and event.gateway_reference != (
            self.gateway_reference
        ):
            raise WebhookMismatchError("reference")
        target = event.status
        if target in _REFUNDS and self.status in (
            PaymentStatus.CAPTURED,
            PaymentStatus.PARTIALLY_REFUNDED,
        ):
            delta = event.amount_minor - self.refunded_minor
            return self.refunded(delta, at=at) if delta > 0 else None
        if target in TRANSITIONS[self.status]:
            return self._apply_move(event, at)
        if target in REACHABLE[self.status]:
            raise WebhookOutOfOrderError(current=str(self.status), target=str(target))
        return None

    def _apply_move(self, event: WebhookEvent, at: datetime) -> Payment:
        reference = event.gateway_reference
        if event.status is PaymentStatus.AUTHORIZED:
            if event.amount_minor != self.amount_minor:
                raise WebhookMismatchError("amount")
            return self.authorized(reference=reference, at=at)
        if event.status is PaymentStatus.CAPTURED:
            return self.captured(event.amount_minor, at=at, reference=reference)
        if event.status is PaymentStatus.FAILED:
            return self.failed(event.failure_code or "gateway_failed", at=at, reference=reference)
        # TRANSITIONS leaves VOIDED as the only other move a notification can make here.
        return self.voided(at=at)


# ---------------------------------------------------------------------- gateway answers


class GatewayOutcome(enum.StrEnum):
    """What a gateway call did."""

    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    DECLINED = "declined"
    REFUNDED = "refunded"
    VOIDED = "voided"


@attrs.frozen(slots=True)
class GatewayResult:
    """A gateway's answer: the outcome, its reference and what it tells of the card.

    ``amount_minor`` is the amount the outcome concerns when the gateway reports one (the
    captured or refunded amount); ``failure_code`` says why a call was declined.
    """

    outcome: GatewayOutcome
    reference: str = attrs.field(validator=_check_identifier)
    card: CardSummary | None = None
    failure_code: str | None = attrs.field(default=None, validator=_check_optional_code)
    amount_minor: int | None = attrs.field(default=None)

    @amount_minor.validator
    def _check_amount(self, attribute: attrs.Attribute[int | None], value: object) -> None:
        if value is not None:
            _check_minor(self, attribute, value)

    def __attrs_post_init__(self) -> None:
        if self.outcome is GatewayOutcome.DECLINED and self.failure_code is None:
            raise InvalidPaymentDataError("failure_code")


# ---------------------------------------------------------------------- notifications


def _to_utc(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return ensure_utc(value)
    return value


@attrs.frozen(slots=True)
class WebhookEvent:
    """A verified gateway notification about one payment (PAY-4).

    ``amount_minor`` is the amount the status refers to: the authorized or captured amount,
    or for refund statuses the *total* refunded so far, which makes refund notifications
    safe to apply in any order. ``type`` is ``"payment.<status>"``.
    """

    id: str = attrs.field(validator=_check_identifier)
    type: str
    payment_id: str = attrs.field(validator=_check_identifier)
    gateway_reference: str = attrs.field(validator=_check_identifier)
    status: PaymentStatus
    amount_minor: int = attrs.field(validator=_check_minor)
    currency: str = attrs.field(validator=_check_currency)
    created_at: datetime = attrs.field(converter=_to_utc, validator=_check_aware)
    failure_code: str | None = attrs.field(default=None, validator=_check_optional_code)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.status, PaymentStatus):
            raise InvalidPaymentDataError("status")
        if self.type != f"payment.{self.status}":
            raise InvalidPaymentDataError("type")
