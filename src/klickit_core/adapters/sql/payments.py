"""SQL repositories of payments (with their refund records) and processed gateway events.

The event ids are the table's primary key, so two concurrent deliveries of one
notification cannot both commit: the second one's insert clashes and becomes
:class:`~klickit_core.payments.ports.DuplicateEventError` (PAY-4).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from klickit_core.adapters.sql.base import (
    MISSING,
    FamilyAggregate,
    RowSet,
    SqlTransaction,
    TableAggregate,
)
from klickit_core.adapters.sql.tables import payment_refunds, payments, processed_events
from klickit_core.payments.domain import (
    CardSummary,
    Payment,
    PaymentStatus,
    RefundRecord,
    RefundStatus,
)
from klickit_core.payments.ports import (
    DuplicateEventError,
    DuplicatePaymentError,
    PaymentNotFoundError,
    PaymentRepository,
    ProcessedEventRepository,
)

__all__ = ["PAYMENTS", "PROCESSED_EVENTS", "SqlPayments", "SqlProcessedEvents"]


class _Payments(FamilyAggregate[str, Payment]):
    table = payments
    key_column = "id"
    children = (payment_refunds,)

    def rows(self, value: Payment) -> RowSet:
        card = value.card
        return [
            (
                payments,
                [
                    {
                        "id": value.id,
                        "order_id": value.order_id,
                        "provider_id": value.provider_id,
                        "amount_minor": value.amount_minor,
                        "currency": value.currency,
                        "created_at": value.created_at,
                        "updated_at": value.updated_at,
                        "idempotency_key": value.idempotency_key,
                        "status": value.status.value,
                        "gateway_reference": value.gateway_reference,
                        "card_brand": card.brand if card else None,
                        "card_last4": card.last4 if card else None,
                        "captured_minor": value.captured_minor,
                        "refunded_minor": value.refunded_minor,
                        "failure_code": value.failure_code,
                        "attempts": value.attempts,
                    }
                ],
            ),
            (
                payment_refunds,
                [
                    {
                        "payment_id": value.id,
                        "position": position,
                        "id": refund.id,
                        "amount_minor": refund.amount_minor,
                        "idempotency_key": refund.idempotency_key,
                        "at": refund.at,
                        "status": refund.status.value,
                        "failure_code": refund.failure_code,
                    }
                    for position, refund in enumerate(value.refunds)
                ],
            ),
        ]

    def build(
        self, root: Mapping[Any, Any], children: Mapping[Any, list[Mapping[Any, Any]]]
    ) -> Payment:
        card = None
        if root["card_brand"] is not None:
            card = CardSummary(root["card_brand"], root["card_last4"])
        return Payment(
            id=root["id"],
            order_id=root["order_id"],
            provider_id=root["provider_id"],
            amount_minor=root["amount_minor"],
            currency=root["currency"],
            created_at=root["created_at"],
            updated_at=root["updated_at"],
            idempotency_key=root["idempotency_key"],
            status=PaymentStatus(root["status"]),
            gateway_reference=root["gateway_reference"],
            card=card,
            captured_minor=root["captured_minor"],
            refunded_minor=root["refunded_minor"],
            failure_code=root["failure_code"],
            attempts=root["attempts"],
            refunds=tuple(
                RefundRecord(
                    id=row["id"],
                    amount_minor=row["amount_minor"],
                    idempotency_key=row["idempotency_key"],
                    at=row["at"],
                    status=RefundStatus(row["status"]),
                    failure_code=row["failure_code"],
                )
                for row in children[payment_refunds]
            ),
        )


#: A processed event: its id and when it was applied.
ProcessedEvent = tuple[str, datetime]


class _ProcessedEvents(TableAggregate[str, ProcessedEvent]):
    table = processed_events
    key_column = "event_id"
    versioned = False

    def to_row(self, value: ProcessedEvent) -> dict[str, Any]:
        return {"event_id": value[0], "at": value[1]}

    def from_row(self, row: Mapping[Any, Any]) -> ProcessedEvent:
        return (row["event_id"], row["at"])


PAYMENTS = _Payments()
PROCESSED_EVENTS = _ProcessedEvents()


class SqlPayments(PaymentRepository):
    """Payments in SQL."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def add(self, payment: Payment) -> None:
        if self._tx.exists(PAYMENTS, payment.id):
            raise DuplicatePaymentError
        self._tx.stage(PAYMENTS, payment.id, payment)

    def get(self, payment_id: str) -> Payment | None:
        return self._tx.get(PAYMENTS, payment_id)

    def save(self, payment: Payment) -> None:
        if self.get(payment.id) is None:
            raise PaymentNotFoundError
        self._tx.stage(PAYMENTS, payment.id, payment)

    def for_order(self, order_id: str) -> list[Payment]:
        found = PAYMENTS.load_where(
            self._tx,
            payments.c.order_id == order_id,
            order_by=[payments.c.created_at, self._tx.text_order(payments.c.id)],
        )
        return self._tx.merge(
            PAYMENTS, found, lambda p: p.order_id == order_id, lambda p: (p.created_at, p.id)
        )

    def by_reference(self, reference: str) -> Payment | None:
        staged = self._tx.staged(PAYMENTS)
        for entry in staged.values():
            if entry.value is not MISSING and entry.value.gateway_reference == reference:
                found: Payment = entry.value
                return found
        stored = PAYMENTS.load_where(self._tx, payments.c.gateway_reference == reference)
        self._tx.remember(PAYMENTS, stored)
        return next((s.value for key, s in stored.items() if key not in staged), None)


class SqlProcessedEvents(ProcessedEventRepository):
    """Ids of gateway events already applied, in SQL."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def seen(self, event_id: str) -> bool:
        return self._tx.exists(PROCESSED_EVENTS, event_id)

    def record(self, event_id: str, at: datetime) -> None:
        if self.seen(event_id):
            raise DuplicateEventError
        self._tx.stage(PROCESSED_EVENTS, event_id, (event_id, at))
