"""What payments need from the outside world: a gateway and persistence (PAY-1, PAY-3, PAY-4).

The :class:`PaymentGateway` port is deliberately narrow. The only personal data a gateway
adapter can be given is a :class:`~klickit_core.payments.domain.PaymentRequest`, whose
fields are the privacy policy's list; refunds, captures and voids need only the gateway's
reference. Every method takes an idempotency key (PAY-3): a gateway that sees the same key
twice must answer from its records instead of moving money again.

Gateway errors say whether a retry is safe. :class:`GatewayTimeoutError` means the outcome
is *unknown* (the money may have moved): the caller keeps the payment pending and retries
with the same key, never with a new one.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar, Protocol

from klickit_core.payments.domain import GatewayResult, Payment, PaymentRequest
from klickit_core.shared.errors import ConflictError, KlickitError, NotFoundError
from klickit_core.shared.i18n import N_
from klickit_core.shared.sweeps import SweepKey, SweepPage
from klickit_core.shared.unit_of_work import Transaction

__all__ = [
    "DuplicateEventError",
    "DuplicatePaymentError",
    "GatewayError",
    "GatewayRejectedError",
    "GatewayTimeoutError",
    "IdempotencyConflictError",
    "PaymentGateway",
    "PaymentNotFoundError",
    "PaymentRepository",
    "PaymentsUnitOfWork",
    "ProcessedEventRepository",
    "UnexpectedGatewayResultError",
]


# ---------------------------------------------------------------------- errors


class GatewayError(KlickitError):
    """Base of what a gateway adapter raises. ``retryable`` says if the same call may be
    sent again with the same idempotency key."""

    code = "payments.gateway_error"
    message_template = N_("The payment service could not complete the request.")
    retryable: ClassVar[bool] = False


class GatewayTimeoutError(GatewayError):
    """No answer in time: the outcome is unknown. Retry with the *same* idempotency key."""

    code = "payments.gateway_timeout"
    message_template = N_(
        "The payment service did not answer in time; the request can be retried safely."
    )
    retryable: ClassVar[bool] = True


class IdempotencyConflictError(GatewayError):
    """The idempotency key was already used for a *different* request."""

    code = "payments.idempotency_conflict"
    message_template = N_("The payment service refused a reused request key.")


class GatewayRejectedError(GatewayError):
    """The gateway refused the call itself (unknown reference, amount above what is left).

    Not a decline: a declined card is a normal :class:`GatewayResult`.
    """

    code = "payments.gateway_rejected"
    message_template = N_("The payment service refused the request ({reason}).")

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason=reason)


class UnexpectedGatewayResultError(GatewayError):
    """The gateway answered with an outcome that makes no sense for the call."""

    code = "payments.unexpected_gateway_result"
    message_template = N_("The payment service gave an unexpected answer ({outcome}).")


class PaymentNotFoundError(NotFoundError):
    """No payment has this id (or reference)."""

    code = "payments.not_found"
    message_template = N_("The payment was not found.")


class DuplicatePaymentError(ConflictError):
    """A payment with this id already exists."""

    code = "payments.duplicate_payment"
    message_template = N_("A payment with this id already exists.")


class DuplicateEventError(ConflictError):
    """This notification id was already recorded (a concurrent delivery won the race)."""

    code = "payments.duplicate_event"
    message_template = N_("This payment notification was already processed.")


# ---------------------------------------------------------------------- gateway


class PaymentGateway(abc.ABC):
    """A payment service provider, seen from the shop (PAY-1).

    ``token`` is the opaque value the provider's browser-side code returned for the card;
    the card itself never reaches the shop. Declines are results
    (:attr:`~klickit_core.payments.domain.GatewayOutcome.DECLINED`), not errors.
    """

    @property
    @abc.abstractmethod
    def provider_id(self) -> str:
        """This provider's id (``"sandbox"``, ``"stripe"``), sent in every request."""

    @abc.abstractmethod
    def charge(self, request: PaymentRequest, token: str, idempotency_key: str) -> GatewayResult:
        """Authorize and capture in one call: ``CAPTURED`` or ``DECLINED``."""

    @abc.abstractmethod
    def authorize(self, request: PaymentRequest, token: str, idempotency_key: str) -> GatewayResult:
        """Hold the amount on the card: ``AUTHORIZED`` or ``DECLINED``."""

    @abc.abstractmethod
    def capture(
        self, reference: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        """Take (up to) the authorized amount: ``CAPTURED``."""

    @abc.abstractmethod
    def refund(
        self, reference: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        """Give back part or all of a capture: ``REFUNDED`` or ``DECLINED``."""

    @abc.abstractmethod
    def void(self, reference: str, idempotency_key: str) -> GatewayResult:
        """Release an authorization without capturing it: ``VOIDED``."""

    @abc.abstractmethod
    def status(self, reference: str) -> GatewayResult:
        """Where the payment ``reference`` stands now (for reconciliation)."""


# ---------------------------------------------------------------------- persistence


class PaymentRepository(abc.ABC):
    """Payments by id, by order and by gateway reference."""

    @abc.abstractmethod
    def add(self, payment: Payment) -> None:
        """Store a new payment; :class:`DuplicatePaymentError` if the id is taken."""

    @abc.abstractmethod
    def get(self, payment_id: str) -> Payment | None:
        """The payment or ``None``."""

    @abc.abstractmethod
    def save(self, payment: Payment) -> None:
        """Replace an existing payment; :class:`PaymentNotFoundError` if there is none."""

    @abc.abstractmethod
    def for_order(self, order_id: str) -> list[Payment]:
        """The payments of an order, oldest first."""

    @abc.abstractmethod
    def by_reference(self, reference: str) -> Payment | None:
        """The payment the gateway knows as ``reference``, or ``None``."""

    # ------------------------------------------------------------------ privacy (PRV-2..4)
    @abc.abstractmethod
    def for_subject(
        self, email: str, customer_id: str | None = None, *, paid_orders_only: bool = False
    ) -> list[Payment]:
        """The payments of the orders placed under the normalised contact ``email`` or by
        the account ``customer_id``, oldest first (PRV-3, PRV-4). The adapters find the
        orders through their email and customer indexes, then the payments by order.

        With ``paid_orders_only``, only the payments of orders that took money (open or
        settled: an erasure keeps or anonymises them), not those of unpaid, cancelled or
        failed orders, which go with their order."""

    @abc.abstractmethod
    def sweep_details(
        self,
        before: datetime,
        *,
        anonymise: bool,
        after: SweepKey | None,
        limit: int,
        dry_run: bool,
    ) -> SweepPage:
        """Up to ``limit`` payments that still hold a card summary or a gateway reference
        and whose order's accounting period is over: the order's retention clock (the
        completion clock of a settled order) started before ``before``, or the order was
        anonymised, or it no longer exists. Keyset-paged on ``(created_at, id)`` strictly
        after ``after``, in that order (``FOR UPDATE SKIP LOCKED`` on PostgreSQL); each
        loses its card summary and gateway reference (:meth:`Payment.anonymised
        <klickit_core.payments.domain.Payment.anonymised>`), or is deleted when
        ``anonymise`` is false. Either way it is never selected again. A dry run only
        selects."""

    @abc.abstractmethod
    def forget_cards(self, payment_ids: Sequence[str]) -> int:
        """Remove the card summary (brand, last four digits) of these payments (PRV-4:
        accounting needs the amounts and the gateway reference, not the card); returns
        how many changed."""


class ProcessedEventRepository(abc.ABC):
    """Ids of the gateway notifications already applied (PAY-4).

    The ids hold no personal data. Backends keep them unique, so two concurrent deliveries
    of one notification cannot both commit: the second gets :class:`DuplicateEventError`.
    """

    @abc.abstractmethod
    def seen(self, event_id: str) -> bool:
        """Whether the notification ``event_id`` was already processed."""

    @abc.abstractmethod
    def record(self, event_id: str, at: datetime) -> None:
        """Remember ``event_id`` as processed at ``at``; :class:`DuplicateEventError` if
        it is already recorded."""


class PaymentsUnitOfWork(Transaction, Protocol):
    """The repositories the payment use cases need, in one transaction."""

    payments: PaymentRepository
    processed_events: ProcessedEventRepository
