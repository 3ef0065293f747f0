"""The sandbox payment gateway: test cards, idempotency and signed webhooks (SPEC PAY-5).

Demos and tests need a gateway that behaves like a real one where it matters to the shop:

* **Tokenization** (:meth:`SandboxGateway.tokenize`) plays the provider's browser-side
  script: the card number goes in, an opaque random token comes out. The sandbox keeps only
  what the card *does* (its test behaviour), its brand and its last four digits; the full
  number and the CVC are never stored, as with a real provider the shop never sees them.
* **Test cards** pick the outcome (:data:`TEST_CARDS`): success, decline
  (``card_declined``), insufficient funds (``insufficient_funds``), and a card whose first
  call *succeeds and then times out*, the case that double-charges shops which retry
  without an idempotency key. Any other number is refused: nobody should type a real card
  into a sandbox.
* **Idempotency** (PAY-3): every call is recorded under its key with a fingerprint of the
  request. The same key with the same request returns the recorded result without moving
  money again; the same key with a different request raises
  :class:`~klickit_core.payments.ports.IdempotencyConflictError`.
* **Webhooks** (PAY-4): every state change appends a signed delivery to :attr:`outbox`,
  signed with the webhook secret exactly as
  :class:`~klickit_core.payments.webhooks.WebhookVerifier` expects.
* A **ledger** (:meth:`captured_total`, :attr:`charges`) lets tests assert that money
  moved exactly once.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from types import MappingProxyType

import attrs

from klickit_core.payments.domain import (
    CardSummary,
    GatewayOutcome,
    GatewayResult,
    PaymentRequest,
    PaymentStatus,
    WebhookEvent,
)
from klickit_core.payments.ports import (
    GatewayRejectedError,
    GatewayTimeoutError,
    IdempotencyConflictError,
    PaymentGateway,
)
from klickit_core.payments.webhooks import (
    InvalidWebhookSecretError,
    encode_webhook_body,
    sign_webhook,
)
from klickit_core.shared.clock import Clock
from klickit_core.shared.i18n import N_

__all__ = [
    "PROVIDER_ID",
    "TEST_CARDS",
    "CardBehaviour",
    "SandboxCardError",
    "SandboxGateway",
    "WebhookDelivery",
    "luhn_valid",
]

PROVIDER_ID = "sandbox"
_MIN_SECRET_BYTES = 32
_KEY = re.compile(r"[\x21-\x7e]{1,255}")
_DIGITS = re.compile(r"[0-9]{13,19}")
_CVC = re.compile(r"[0-9]{3,4}")


class CardBehaviour(enum.StrEnum):
    """What a test card does at the sandbox."""

    SUCCESS = "success"
    DECLINE = "decline"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    TIMEOUT_THEN_SUCCESS = "timeout_then_success"


#: The test cards (the usual numbers of the big providers' sandboxes).
TEST_CARDS: Mapping[str, CardBehaviour] = MappingProxyType(
    {
        "4242424242424242": CardBehaviour.SUCCESS,
        "5555555555554444": CardBehaviour.SUCCESS,
        "4000000000000002": CardBehaviour.DECLINE,
        "4000000000009995": CardBehaviour.INSUFFICIENT_FUNDS,
        "4000000000000119": CardBehaviour.TIMEOUT_THEN_SUCCESS,
    }
)
_FAILURE_CODES = {
    CardBehaviour.DECLINE: "card_declined",
    CardBehaviour.INSUFFICIENT_FUNDS: "insufficient_funds",
}


class SandboxCardError(GatewayRejectedError):
    """The sandbox refused a card or a token. ``reason`` never holds card data:
    ``number``, ``unknown_test_card``, ``expiry``, ``expired``, ``cvc``, ``unknown_token``."""

    code = "payments.sandbox_card"
    message_template = N_("The test card was refused ({reason}).")


def _is_instance(value: object, kind: type) -> bool:
    """``isinstance`` for values typed narrower than what a caller may really pass."""
    return isinstance(value, kind)


def luhn_valid(digits: str) -> bool:
    """Whether ``digits`` (ASCII digits only) pass the Luhn check card numbers carry."""
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"34", "37"}:
        return "amex"
    if "51" <= number[:2] <= "55" or "2221" <= number[:4] <= "2720":
        return "mastercard"
    return "card"


@attrs.frozen(slots=True)
class WebhookDelivery:
    """One signed notification, as the gateway would POST it: header, raw body, and the
    event it carries (for convenience in tests)."""

    header: str
    body: bytes
    event: WebhookEvent


@attrs.frozen(slots=True)
class _TokenInfo:
    """All the sandbox remembers of a tokenized card (never its number or CVC)."""

    behaviour: CardBehaviour
    card: CardSummary


@attrs.define(slots=True)
class _Charge:
    payment_id: str
    amount_minor: int
    currency: str
    status: PaymentStatus
    card: CardSummary
    captured_minor: int = 0
    refunded_minor: int = 0
    failure_code: str | None = None


def _new_reference() -> str:
    """A charge reference: 96 random bits as three groups of 8 hex digits.

    The groups are joined by ``_`` so that no reference holds more than 8 digits in a row:
    a reference is stored with the payment, and 24 hex digits in one run read as a
    Luhn-valid card-length number about once in 200 charges (SPEC PAY-2).
    """
    return "ch_" + "_".join(secrets.token_hex(4) for _ in range(3))


def _fingerprint(*parts: object) -> str:
    """A digest of a request, so the idempotency records keep no personal data."""
    text = json.dumps([str(part) for part in parts], ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


class SandboxGateway(PaymentGateway):
    """An in-memory payment provider for demos and tests. Thread-safe."""

    def __init__(self, webhook_secret: bytes, clock: Clock) -> None:
        if not _is_instance(webhook_secret, bytes) or len(webhook_secret) < _MIN_SECRET_BYTES:
            raise InvalidWebhookSecretError("too_short")
        self._secret = webhook_secret
        self._clock = clock
        self._lock = threading.RLock()
        self._tokens: dict[str, _TokenInfo] = {}
        self._charges: dict[str, _Charge] = {}
        self._records: dict[str, tuple[str, GatewayResult]] = {}
        self._captures = 0
        self._calls = 0
        self._timeout_next = False
        #: Signed notifications, oldest first; tests and demos deliver them to the shop.
        self.outbox: list[WebhookDelivery] = []

    def __repr__(self) -> str:
        return f"SandboxGateway(charges={self._captures}, references={len(self._charges)})"

    @property
    def provider_id(self) -> str:
        return PROVIDER_ID

    # ------------------------------------------------------------------ ledger
    @property
    def charges(self) -> int:
        """How many times money was taken (charges and captures, never replays)."""
        with self._lock:
            return self._captures

    @property
    def calls(self) -> int:
        """How many gateway calls were received, replays included."""
        with self._lock:
            return self._calls

    def captured_total(self, reference: str) -> int:
        """Minor units captured under ``reference`` (0 for an unknown reference)."""
        with self._lock:
            charge = self._charges.get(reference)
            return charge.captured_minor if charge else 0

    def refunded_total(self, reference: str) -> int:
        """Minor units refunded under ``reference`` (0 for an unknown reference)."""
        with self._lock:
            charge = self._charges.get(reference)
            return charge.refunded_minor if charge else 0

    def timeout_next_call(self) -> None:
        """Make the next new call do its work and then time out (the lost-answer case)."""
        with self._lock:
            self._timeout_next = True

    # ------------------------------------------------------------------ browser side
    def tokenize(self, card_number: str, exp_month: int, exp_year: int, cvc: str) -> str:
        """Exchange a test card for an opaque token, as the provider's script does.

        Spaces and dashes in the number are allowed. Only the card's test behaviour, brand
        and last four digits are remembered.
        """
        if not _is_instance(card_number, str):
            raise SandboxCardError("number")
        digits = card_number.replace(" ", "").replace("-", "")
        if _DIGITS.fullmatch(digits) is None or not luhn_valid(digits):
            raise SandboxCardError("number")
        behaviour = TEST_CARDS.get(digits)
        if behaviour is None:
            raise SandboxCardError("unknown_test_card")
        if type(exp_month) is not int or not 1 <= exp_month <= 12 or type(exp_year) is not int:
            raise SandboxCardError("expiry")
        year = exp_year + 2000 if 0 <= exp_year < 100 else exp_year
        now = self._clock.now()
        if (year, exp_month) < (now.year, now.month):
            raise SandboxCardError("expired")
        if not _is_instance(cvc, str) or _CVC.fullmatch(cvc) is None:
            raise SandboxCardError("cvc")
        info = _TokenInfo(behaviour, CardSummary(_brand(digits), digits[-4:]))
        token = "tok_" + secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = info
        return token

    # ------------------------------------------------------------------ idempotency
    def _idempotent(
        self,
        key: str,
        fingerprint: str,
        perform: Callable[[], tuple[GatewayResult, bool]],
    ) -> GatewayResult:
        if not _is_instance(key, str) or _KEY.fullmatch(key) is None:
            raise GatewayRejectedError("idempotency_key")
        with self._lock:
            self._calls += 1
            recorded = self._records.get(key)
            if recorded is not None:
                if recorded[0] != fingerprint:
                    raise IdempotencyConflictError
                return recorded[1]
            result, time_out = perform()
            self._records[key] = (fingerprint, result)
            if time_out or self._timeout_next:
                self._timeout_next = False
                raise GatewayTimeoutError
            return result

    def _token(self, token: str) -> _TokenInfo:
        info = self._tokens.get(token) if _is_instance(token, str) else None
        if info is None:
            raise SandboxCardError("unknown_token")
        return info

    def _charge(self, reference: str) -> _Charge:
        charge = self._charges.get(reference) if _is_instance(reference, str) else None
        if charge is None:
            raise GatewayRejectedError("unknown_reference")
        return charge

    def _new_payment(
        self, request: PaymentRequest, token: str, capture: bool
    ) -> tuple[GatewayResult, bool]:
        if request.provider_id != PROVIDER_ID:
            raise GatewayRejectedError("provider_id")
        info = self._token(token)
        amount = request.amount_minor
        reference = _new_reference()
        failure = _FAILURE_CODES.get(info.behaviour)
        if failure is not None:
            declined = _Charge(
                request.payment_id, amount, request.currency, PaymentStatus.FAILED, info.card
            )
            declined.failure_code = failure
            self._charges[reference] = declined
            self._notify(declined, reference)
            result = GatewayResult(
                GatewayOutcome.DECLINED, reference, card=info.card, failure_code=failure
            )
            return result, False
        status = PaymentStatus.CAPTURED if capture else PaymentStatus.AUTHORIZED
        charge = _Charge(request.payment_id, amount, request.currency, status, info.card)
        if capture:
            charge.captured_minor = amount
            self._captures += 1
        self._charges[reference] = charge
        self._notify(charge, reference)
        outcome = GatewayOutcome.CAPTURED if capture else GatewayOutcome.AUTHORIZED
        result = GatewayResult(outcome, reference, card=info.card, amount_minor=amount)
        return result, info.behaviour is CardBehaviour.TIMEOUT_THEN_SUCCESS

    # ------------------------------------------------------------------ the port
    def charge(self, request: PaymentRequest, token: str, idempotency_key: str) -> GatewayResult:
        fingerprint = _fingerprint("charge", *attrs.astuple(request), token)
        return self._idempotent(
            idempotency_key, fingerprint, lambda: self._new_payment(request, token, capture=True)
        )

    def authorize(self, request: PaymentRequest, token: str, idempotency_key: str) -> GatewayResult:
        fingerprint = _fingerprint("authorize", *attrs.astuple(request), token)
        return self._idempotent(
            idempotency_key, fingerprint, lambda: self._new_payment(request, token, capture=False)
        )

    def capture(
        self, reference: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        def perform() -> tuple[GatewayResult, bool]:
            charge = self._charge(reference)
            if charge.status is not PaymentStatus.AUTHORIZED:
                raise GatewayRejectedError("status")
            if currency != charge.currency:
                raise GatewayRejectedError("currency")
            if type(amount_minor) is not int or not 0 < amount_minor <= charge.amount_minor:
                raise GatewayRejectedError("amount")
            charge.status = PaymentStatus.CAPTURED
            charge.captured_minor = amount_minor
            self._captures += 1
            self._notify(charge, reference)
            result = GatewayResult(
                GatewayOutcome.CAPTURED, reference, card=charge.card, amount_minor=amount_minor
            )
            return result, False

        fingerprint = _fingerprint("capture", reference, amount_minor, currency)
        return self._idempotent(idempotency_key, fingerprint, perform)

    def refund(
        self, reference: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        def perform() -> tuple[GatewayResult, bool]:
            charge = self._charge(reference)
            if charge.status not in (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED):
                raise GatewayRejectedError("status")
            if currency != charge.currency:
                raise GatewayRejectedError("currency")
            left = charge.captured_minor - charge.refunded_minor
            if type(amount_minor) is not int or not 0 < amount_minor <= left:
                raise GatewayRejectedError("amount")
            charge.refunded_minor += amount_minor
            charge.status = (
                PaymentStatus.REFUNDED
                if charge.refunded_minor == charge.captured_minor
                else PaymentStatus.PARTIALLY_REFUNDED
            )
            self._notify(charge, reference)
            result = GatewayResult(GatewayOutcome.REFUNDED, reference, amount_minor=amount_minor)
            return result, False

        fingerprint = _fingerprint("refund", reference, amount_minor, currency)
        return self._idempotent(idempotency_key, fingerprint, perform)

    def void(self, reference: str, idempotency_key: str) -> GatewayResult:
        def perform() -> tuple[GatewayResult, bool]:
            charge = self._charge(reference)
            if charge.status is not PaymentStatus.AUTHORIZED:
                raise GatewayRejectedError("status")
            charge.status = PaymentStatus.VOIDED
            self._notify(charge, reference)
            return GatewayResult(GatewayOutcome.VOIDED, reference), False

        return self._idempotent(idempotency_key, _fingerprint("void", reference), perform)

    def status(self, reference: str) -> GatewayResult:
        with self._lock:
            self._calls += 1
            charge = self._charge(reference)
            card = charge.card
            match charge.status:
                case PaymentStatus.AUTHORIZED:
                    return GatewayResult(
                        GatewayOutcome.AUTHORIZED, reference, card, amount_minor=charge.amount_minor
                    )
                case PaymentStatus.CAPTURED | PaymentStatus.PARTIALLY_REFUNDED:
                    return GatewayResult(
                        GatewayOutcome.CAPTURED, reference, card, amount_minor=charge.captured_minor
                    )
                case PaymentStatus.REFUNDED:
                    return GatewayResult(
                        GatewayOutcome.REFUNDED, reference, card, amount_minor=charge.refunded_minor
                    )
                case PaymentStatus.VOIDED:
                    return GatewayResult(GatewayOutcome.VOIDED, reference, card)
                case _:
                    return GatewayResult(
                        GatewayOutcome.DECLINED,
                        reference,
                        card,
                        failure_code=charge.failure_code or "card_declined",
                    )

    # ------------------------------------------------------------------ webhooks
    def _notify(self, charge: _Charge, reference: str) -> WebhookDelivery:
        status = charge.status
        if status in (PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED):
            amount = charge.refunded_minor
        elif status is PaymentStatus.CAPTURED:
            amount = charge.captured_minor
        else:
            amount = charge.amount_minor
        return self.emit_webhook(
            payment_id=charge.payment_id,
            reference=reference,
            status=status,
            amount_minor=amount,
            currency=charge.currency,
            failure_code=charge.failure_code,
        )

    def emit_webhook(
        self,
        *,
        payment_id: str,
        reference: str,
        status: PaymentStatus,
        amount_minor: int,
        currency: str,
        failure_code: str | None = None,
    ) -> WebhookDelivery:
        """Build, sign and queue a notification (tests use it to forge any sequence).

        ``amount_minor`` follows :class:`~klickit_core.payments.domain.WebhookEvent`: for
        refund statuses it is the total refunded so far.
        """
        created = self._clock.now().replace(microsecond=0)
        event = WebhookEvent(
            id="evt_" + secrets.token_hex(12),
            type=f"payment.{status}",
            payment_id=payment_id,
            gateway_reference=reference,
            status=status,
            amount_minor=amount_minor,
            currency=currency,
            created_at=created,
            failure_code=failure_code,
        )
        body = encode_webhook_body(event)
        delivery = WebhookDelivery(sign_webhook(self._secret, body, created), body, event)
        with self._lock:
            self.outbox.append(delivery)
        return delivery
