"""SQL repositories of payments (with their refund records) and processed gateway events.

The event ids are the table's primary key, so two concurrent deliveries of one
notification cannot both commit: the second one's insert clashes and becomes
:class:`~klickit_core.payments.ports.DuplicateEventError` (PAY-4).

Retention (PRV-2): a payment's personal part is its card summary and its gateway
reference. A sweep batch is one ``SELECT payments.id, payments.created_at FROM payments
LEFT JOIN orders … WHERE <details> AND created_at < :before AND (created_at, id) > (:c, :i)
AND (the order is gone, anonymised, or paid — completed, or cancelled or failed after
payment — with its clock before :before) ORDER BY
created_at, id LIMIT :limit`` on the partial index of the payments that still hold
details (``FOR UPDATE OF payments SKIP LOCKED`` on PostgreSQL), then one ``UPDATE payments
SET card_brand = NULL, card_last4 = NULL, gateway_reference = NULL WHERE id IN (…)``
(or a ``DELETE``). An anonymised payment leaves the partial index: later batches never
walk past it. A payment's creation precedes its order's clock, so ``created_at <
:before`` loses nothing and bounds the walk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, literal, or_, select, update

from klickit_core.adapters.sql.base import (
    MISSING,
    FamilyAggregate,
    RowSet,
    SqlTransaction,
    TableAggregate,
)
from klickit_core.adapters.sql.errors import translated
from klickit_core.adapters.sql.orders import keyset_page, order_ids_lookup, subject_orders
from klickit_core.adapters.sql.tables import orders, payment_refunds, payments, processed_events
from klickit_core.orders.domain import PAID_STAGES
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
from klickit_core.shared.errors import ConflictError
from klickit_core.shared.sweeps import SweepKey, SweepPage

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

    # ------------------------------------------------------------------ privacy (PRV-2..4)
    def for_subject(
        self, email: str, customer_id: str | None = None, *, paid_orders_only: bool = False
    ) -> list[Payment]:
        where = [subject_orders(email, customer_id)]
        if paid_orders_only:
            stage = orders.c.retention_stage
            where.append(or_(stage.is_(None), stage.in_(_PAID_STAGE_CODES)))
        statement = select(orders.c.id).where(*where)
        rows = (
            self._tx.fetch(statement)
            if paid_orders_only
            else self._tx.fetch_once(order_ids_lookup(email, customer_id), statement)
        )
        order_ids = {row[0] for row in rows}
        found = (
            PAYMENTS.load_where(
                self._tx,
                payments.c.order_id.in_(sorted(order_ids)),
                order_by=[payments.c.created_at, self._tx.text_order(payments.c.id)],
            )
            if order_ids
            else {}
        )
        return self._tx.merge(
            PAYMENTS, found, lambda p: p.order_id in order_ids, lambda p: (p.created_at, p.id)
        )

    def sweep_details(
        self,
        before: datetime,
        *,
        anonymise: bool,
        after: SweepKey | None,
        limit: int,
        dry_run: bool,
    ) -> SweepPage:
        created = payments.c.created_at
        stage, clock = orders.c.retention_stage, orders.c.clock_started_at
        # Due unless the payment's order is still inside its period (not anonymised, and
        # not a paid order whose clock is past the cut-off). A correlated NOT EXISTS
        # fenced with OFFSET 0 stays a primary-key probe per candidate while the partial
        # index walks payments in order and LIMIT stops the walk; as a join (or an
        # unfenced anti-join) PostgreSQL misjudges the OR's selectivity and hashes the
        # whole orders table for every page: 100 ms a page at 100,000 orders, 8 ms fenced.
        order_live = (
            select(literal(1))
            .where(
                orders.c.id == payments.c.order_id,
                orders.c.anonymised_at.is_(None),
                or_(
                    stage.is_(None),
                    stage.not_in(_PAID_STAGE_CODES),
                    clock.is_(None),
                    clock >= before,
                ),
            )
            .offset(0)
        )
        due = select(payments.c.id, created).where(
            _HOLDS_DETAILS, created < before, ~order_live.exists()
        )
        keys = keyset_page(
            self._tx, due, created, payments.c.id, after, limit, dry_run=dry_run, lock=payments
        )
        if keys and not dry_run:
            ids = [key.id for key in keys]
            connection = self._tx.write_now()
            with translated("payments"):
                if anonymise:
                    done = connection.execute(
                        update(payments)
                        .where(self._tx.key_in(payments.c.id, ids))
                        .values(
                            card_brand=None,
                            card_last4=None,
                            gateway_reference=None,
                            version=payments.c.version + 1,
                        )
                    )
                else:
                    done = connection.execute(
                        delete(payments).where(self._tx.key_in(payments.c.id, ids))
                    )
            if done.rowcount != len(ids):  # locked rows cannot vanish
                raise ConflictError(table="payments")
        return SweepPage.of(keys)

    def forget_cards(self, payment_ids: Sequence[str]) -> int:
        ids = list(dict.fromkeys(payment_ids))
        if not ids:
            return 0
        connection = self._tx.write_now()
        with translated("payments"):
            done = connection.execute(
                update(payments)
                .where(
                    self._tx.key_in(payments.c.id, ids),
                    or_(payments.c.card_brand.is_not(None), payments.c.card_last4.is_not(None)),
                )
                .values(card_brand=None, card_last4=None, version=payments.c.version + 1)
            )
        return int(done.rowcount)


#: The stages of the orders whose payments are accounting records (the order's ten years).
_PAID_STAGE_CODES = sorted(stage.value for stage in PAID_STAGES)
#: The partial index's predicate (``tables.PAYMENT_DETAILS``) as an expression.
_HOLDS_DETAILS = or_(
    payments.c.card_brand.is_not(None),
    payments.c.card_last4.is_not(None),
    payments.c.gateway_reference.is_not(None),
)


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
