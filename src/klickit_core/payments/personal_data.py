"""Payments as personal data (SPEC PRV-1 … PRV-4, PAY-2).

The card never reaches the shop (PAY-2): a payment holds amounts, dates and its status,
the card's brand and last four digits, and the payment service's reference, which leads to
what the service knows of the payer (name, email, address, phone: PAY-1). Those last two
are the payment's personal part; the amounts and dates are the order's accounting record.
So a payment follows its order (:class:`PaymentsProvider`, category ``payments.details``,
governed by the ``orders.completed`` rule):

* a payment is **deleted with its order** (an unpaid, cancelled or failed order, by the
  orders provider's sweep or erasure, in the same statements);
* once the order's ten accounting years are over (its clock started before the cutoff,
  or it was already anonymised, or it is gone), the **sweep removes the card summary and
  the gateway reference** (or deletes the payment, when a shop chose ``delete``), set-based
  on SQL (:meth:`~klickit_core.payments.ports.PaymentRepository.sweep_details`). It reads
  the order's stage and clock, not whether the orders sweep already ran, so the two
  providers may be registered in either order. Orders cancelled or failed after payment
  (``orders.cancelled_after_payment``) are paid orders here too: their payments follow
  the ``orders.completed`` cutoff too (both rules are ten years by default: a shop that
  sets another period for ``orders.cancelled_after_payment`` alone should know that the
  card summary and reference of those orders still go at the ``orders.completed`` one);
* an **erasure removes the card summary at once** — accounting needs the amounts and the
  gateway reference (refunds, chargebacks, reconciliation), not the card — and leaves the
  reference with the order, which the orders provider reports as kept with its legal basis
  and last day.

The export gives every payment of the person's orders with its refunds: amounts, status,
dates, card brand and last four digits, the gateway's reference. Never an idempotency key.
The page names a payment by its order's number and its day (PRV-3, issue #16); the JSON
keeps the payment's id as the record's reference and the order's id beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from klickit_core.payments.domain import Payment, PaymentStatus, RefundRecord, RefundStatus
from klickit_core.payments.ports import PaymentRepository
from klickit_core.personal_data import (
    ACCOUNTING_OBLIGATION,
    CategoryErasure,
    ClockEvent,
    DataCategory,
    DataSubject,
    ErasureOutcome,
    ExportField,
    ExportRecord,
    ExportSection,
    FieldKind,
    InvalidSweepDataError,
    PersonalDataProvider,
    PersonalField,
    RetentionAction,
    RetentionTerms,
    Shown,
    SweepBatch,
    SweepCursor,
    SweepTask,
    shown_code,
)
from klickit_core.shared.i18n import N_
from klickit_core.shared.money import Money
from klickit_core.shared.sweeps import SweepKey
from klickit_core.shared.unit_of_work import Transaction

__all__ = [
    "PAYMENTS_DETAILS",
    "PAYMENTS_RULE",
    "PaymentsPrivacyUnitOfWork",
    "PaymentsProvider",
]

#: The category of payment records, and the rule that governs it (the order's).
PAYMENTS_DETAILS = "payments.details"
PAYMENTS_RULE = "orders.completed"


class PaymentsPrivacyUnitOfWork(Transaction, Protocol):
    """What :class:`PaymentsProvider` needs from the shop's unit of work."""

    @property
    def payments(self) -> PaymentRepository:
        """The payments."""
        ...


#: What the person reads for a payment's codes (the JSON keeps the codes; PRV-3, issue
#: #16). A payment service, card brand or failure unknown here is shown by its code.
_STATUS_LABELS: dict[str, str] = {
    PaymentStatus.PENDING: N_("Awaiting payment"),
    PaymentStatus.AUTHORIZED: N_("Authorised, not yet taken"),
    PaymentStatus.CAPTURED: N_("Paid"),
    PaymentStatus.PARTIALLY_REFUNDED: N_("Partially refunded"),
    PaymentStatus.REFUNDED: N_("Refunded"),
    PaymentStatus.FAILED: N_("Failed"),
    PaymentStatus.VOIDED: N_("Cancelled before being taken"),
}
_REFUND_STATUS_LABELS: dict[str, str] = {
    RefundStatus.PENDING: N_("In progress"),
    RefundStatus.SUCCEEDED: N_("Refunded"),
    RefundStatus.FAILED: N_("Failed"),
}
_PROVIDER_LABELS: dict[str, str] = {"sandbox": N_("Test payment service (no real money)")}
_FAILURE_LABELS: dict[str, str] = {
    "card_declined": N_("Card declined"),
    "insufficient_funds": N_("Insufficient funds"),
    "expired_card": N_("Card expired"),
}
#: Card brands are names, the same in every language.
_BRANDS: dict[str, str] = {
    "visa": "Visa",
    "mastercard": "Mastercard",
    "amex": "American Express",
    "cb": "CB",
    "maestro": "Maestro",
}


def _money(key: str, label: str, minor: int, currency: str) -> ExportField:
    amount: Decimal = Money.from_minor_units(minor, currency).amount
    return ExportField(key, label, amount, FieldKind.MONEY, currency=currency)


def _brand(brand: str | None) -> tuple[Shown, ...] | None:
    name = None if brand is None else _BRANDS.get(brand.lower())
    return None if name is None else (Shown.plain(name),)


def _order(order_id: str) -> Shown:
    # The order number the person knows, never the order's internal id.
    return Shown.record(order_id, N_("an order no longer kept"))


def _refund_record(refund: RefundRecord, currency: str) -> ExportRecord:
    return ExportRecord(
        N_("Refund"),
        refund.at.date().isoformat(),
        (
            _money("amount", N_("Amount"), refund.amount_minor, currency),
            ExportField(
                "status",
                N_("Status"),
                refund.status.value,
                shown=shown_code(_REFUND_STATUS_LABELS, refund.status),
            ),
            ExportField("at", N_("Refunded on"), refund.at),
            ExportField(
                "failure_code",
                N_("Reason for failure"),
                refund.failure_code,
                shown=shown_code(_FAILURE_LABELS, refund.failure_code),
            ),
        ),
        shown=(Shown.day(refund.at),),
    )


def _payment_record(payment: Payment) -> ExportRecord:
    # The payment's own id is the record's reference in the JSON; the page names the
    # payment by its order's number and its day, what the person knows it by.
    currency = payment.currency
    card = payment.card
    return ExportRecord(
        N_("Payment"),
        payment.id,
        (
            ExportField(
                "order_id",
                N_("Order"),
                payment.order_id,
                FieldKind.IDENTIFIER,
                shown=(_order(payment.order_id),),
            ),
            ExportField(
                "provider",
                N_("Payment service"),
                payment.provider_id,
                shown=shown_code(_PROVIDER_LABELS, payment.provider_id),
            ),
            _money("amount", N_("Amount"), payment.amount_minor, currency),
            ExportField(
                "status",
                N_("Status"),
                payment.status.value,
                shown=shown_code(_STATUS_LABELS, payment.status),
            ),
            ExportField("created_at", N_("Started on"), payment.created_at),
            ExportField("updated_at", N_("Last change on"), payment.updated_at),
            ExportField(
                "card_brand",
                N_("Card brand"),
                card.brand if card else None,
                shown=_brand(card.brand if card else None),
            ),
            ExportField(
                "card_last4", N_("Last four digits of the card"), card.last4 if card else None
            ),
            ExportField(
                "gateway_reference",
                N_("Payment service reference"),
                payment.gateway_reference,
                FieldKind.IDENTIFIER,
            ),
            _money("captured", N_("Captured"), payment.captured_minor, currency),
            _money("refunded", N_("Refunded"), payment.refunded_minor, currency),
            ExportField(
                "failure_code",
                N_("Reason for failure"),
                payment.failure_code,
                shown=shown_code(_FAILURE_LABELS, payment.failure_code),
            ),
        ),
        tuple(_refund_record(refund, currency) for refund in payment.refunds),
        key=payment.id,
        shown=(_order(payment.order_id), Shown.plain(", "), Shown.day(payment.created_at)),
    )


class PaymentsProvider(PersonalDataProvider[PaymentsPrivacyUnitOfWork]):
    """The payments context's declaration of its personal data, its exporter, eraser and
    sweeper (see the module docstring: a payment follows its order)."""

    @property
    def name(self) -> str:
        return "payments"

    def categories(self) -> Sequence[DataCategory]:
        return (
            DataCategory(
                PAYMENTS_DETAILS,
                N_("Payments"),
                N_(
                    "Payments of your orders: amounts, dates and status, the card's brand and "
                    "last four digits, and the payment service's reference (the card number "
                    "never reaches the shop). They follow their order: deleted with it, and "
                    "stripped of the card and the reference when its ten years are over."
                ),
                (
                    PersonalField("card_brand", N_("Card brand")),
                    PersonalField("card_last4", N_("Last four digits of the card")),
                    PersonalField("gateway_reference", N_("Payment service reference")),
                ),
                PAYMENTS_RULE,
                ClockEvent.COMPLETION,
                ACCOUNTING_OBLIGATION,
                frozenset({RetentionAction.ANONYMISE, RetentionAction.DELETE}),
            ),
        )

    def export(
        self, uow: PaymentsPrivacyUnitOfWork, subject: DataSubject
    ) -> Sequence[ExportSection]:
        found = uow.payments.for_subject(subject.email, subject.customer_id)
        if not found:
            return []
        records = tuple(_payment_record(payment) for payment in found)
        return [ExportSection(self.name, PAYMENTS_DETAILS, N_("Payments"), records)]

    def erase(
        self,
        uow: PaymentsPrivacyUnitOfWork,
        subject: DataSubject,
        *,
        now: datetime,
        retention: RetentionTerms,
        dry_run: bool,
    ) -> ErasureOutcome:
        del now, retention  # the card goes at once; the rest follows the order
        # Payments of unpaid, cancelled and failed orders go with their order (the
        # orders provider deletes them); counting them here would make the report depend
        # on which provider runs first.
        found = uow.payments.for_subject(subject.email, subject.customer_id, paid_orders_only=True)
        carded = [p.id for p in found if p.card is not None]
        if carded and not dry_run:
            uow.payments.forget_cards(carded)
        return ErasureOutcome(
            self.name, (CategoryErasure(PAYMENTS_DETAILS, anonymised=len(carded)),)
        )

    def sweep_batch(
        self,
        uow: PaymentsPrivacyUnitOfWork,
        task: SweepTask,
        *,
        after: SweepCursor | None,
        limit: int,
        dry_run: bool,
    ) -> SweepBatch:
        if task.category_id != PAYMENTS_DETAILS:
            raise InvalidSweepDataError(reason="category")
        anonymise = task.action is RetentionAction.ANONYMISE
        page = uow.payments.sweep_details(
            task.cutoff,
            anonymise=anonymise,
            after=SweepKey.from_cursor(after),
            limit=limit,
            dry_run=dry_run,
        )
        return SweepBatch(
            PAYMENTS_DETAILS,
            page.examined,
            deleted=0 if anonymise else page.changed,
            anonymised=page.changed if anonymise else 0,
            last=page.last.cursor() if page.last is not None else None,
        )
