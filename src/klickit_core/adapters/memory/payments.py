"""Memory repositories of the payments context."""

from __future__ import annotations

from datetime import datetime

from klickit_core.adapters.memory.base import MISSING, MemoryTransaction
from klickit_core.payments.domain import Payment
from klickit_core.payments.ports import (
    DuplicateEventError,
    DuplicatePaymentError,
    PaymentNotFoundError,
    PaymentRepository,
    ProcessedEventRepository,
)

__all__ = ["MemoryPayments", "MemoryProcessedEvents"]


class MemoryPayments(PaymentRepository):
    """Payments in memory."""

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def add(self, payment: Payment) -> None:
        if self._tx.read("payments", payment.id) is not MISSING:
            raise DuplicatePaymentError
        self._tx.write("payments", payment.id, payment)

    def get(self, payment_id: str) -> Payment | None:
        value = self._tx.read("payments", payment_id)
        return None if value is MISSING else value

    def save(self, payment: Payment) -> None:
        if self._tx.read("payments", payment.id) is MISSING:
            raise PaymentNotFoundError
        self._tx.write("payments", payment.id, payment)

    def for_order(self, order_id: str) -> list[Payment]:
        found = [p for p in self._tx.scan("payments") if p.order_id == order_id]
        return sorted(found, key=lambda p: (p.created_at, p.id))

    def by_reference(self, reference: str) -> Payment | None:
        return next(
            (p for p in self._tx.scan("payments") if p.gateway_reference == reference), None
        )


class MemoryProcessedEvents(ProcessedEventRepository):
    """Ids of gateway events already applied."""

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def seen(self, event_id: str) -> bool:
        return self._tx.read("processed_events", event_id) is not MISSING

    def record(self, event_id: str, at: datetime) -> None:
        if self.seen(event_id):
            raise DuplicateEventError
        self._tx.write("processed_events", event_id, at)
