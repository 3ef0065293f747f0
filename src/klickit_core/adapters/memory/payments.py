"""Memory repositories of the payments context."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from klickit_core.adapters.memory.base import MISSING, MemoryTransaction
from klickit_core.orders.domain import PAID_STAGES, Order, RetentionStage
from klickit_core.payments.domain import Payment
from klickit_core.payments.ports import (
    DuplicateEventError,
    DuplicatePaymentError,
    PaymentNotFoundError,
    PaymentRepository,
    ProcessedEventRepository,
)
from klickit_core.shared.sweeps import SweepKey, SweepPage

__all__ = ["MemoryPayments", "MemoryProcessedEvents"]

#: The stages of orders that took money: open (no stage), settled, or ended after payment.
_KEPT_STAGES: frozenset[RetentionStage | None] = frozenset({None, *PAID_STAGES})


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

    # ------------------------------------------------------------------ privacy (PRV-2..4)
    def for_subject(
        self, email: str, customer_id: str | None = None, *, paid_orders_only: bool = False
    ) -> list[Payment]:
        order_ids = {
            o.id
            for o in self._tx.scan("orders")
            if o.anonymised_at is None
            and not (paid_orders_only and o.retention_stage not in _KEPT_STAGES)
            and (
                o.contact.email == email
                or (customer_id is not None and o.customer_id == customer_id)
            )
        }
        found = [p for p in self._tx.scan("payments") if p.order_id in order_ids]
        return sorted(found, key=lambda p: (p.created_at, p.id))

    def _order_over(self, payment: Payment, before: datetime) -> bool:
        order: Order | object = self._tx.read("orders", payment.order_id)
        if not isinstance(order, Order) or order.anonymised_at is not None:
            return True
        clock = order.retention_clock
        return order.retention_stage in PAID_STAGES and clock is not None and clock < before

    def sweep_details(
        self,
        before: datetime,
        *,
        anonymise: bool,
        after: SweepKey | None,
        limit: int,
        dry_run: bool,
    ) -> SweepPage:
        candidates = [
            p
            for p in self._tx.scan("payments")
            if p.holds_details
            and p.created_at < before
            and (after is None or after.is_after(p.created_at, p.id))
        ]
        candidates.sort(key=lambda p: (p.created_at, p.id))
        due: list[Payment] = []
        for payment in candidates:  # walk in key order, as the SQL join does
            if len(due) >= limit:
                break
            if self._order_over(payment, before):
                due.append(payment)
        if due and not dry_run:
            for payment in due:
                self._tx.write(
                    "payments", payment.id, payment.anonymised() if anonymise else MISSING
                )
        return SweepPage.of([SweepKey(p.created_at, p.id) for p in due])

    def forget_cards(self, payment_ids: Sequence[str]) -> int:
        changed = 0
        for payment_id in dict.fromkeys(payment_ids):
            payment = self.get(payment_id)
            if payment is not None and payment.card is not None:
                self._tx.write("payments", payment_id, payment.without_card())
                changed += 1
        return changed


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
