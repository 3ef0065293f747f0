"""SQL repositories of orders and support requests.

An order is a row of ``orders`` and its lines, VAT snapshots and history, written in one
go (one ``executemany`` per child table) and read for a whole page of orders with one
``IN`` query per child table. Saving appends only the new history entries.

Order numbers come from the ``counters`` table, bumped in a statement committed on its
own (see :meth:`~klickit_core.adapters.sql.base.SqlTransaction.next_in_sequence`): like a
sequence, a number is never handed out twice, a rolled-back checkout leaves a gap, and
concurrent checkouts do not wait for each other's transactions to get one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from klickit_core.adapters.sql.base import FamilyAggregate, RowSet, SqlTransaction, TableAggregate
from klickit_core.adapters.sql.rows import address_from, address_row, earliest
from klickit_core.adapters.sql.tables import (
    order_history,
    order_lines,
    order_vat,
    orders,
    support_requests,
)
from klickit_core.orders.domain import (
    Contact,
    Order,
    OrderLine,
    OrderStatus,
    StatusChange,
    SupportKind,
    SupportRequest,
    SupportStatus,
    VatSnapshot,
)
from klickit_core.orders.ports import (
    OrderNotFoundError,
    OrderRepository,
    SupportRequestNotFoundError,
    SupportRequestRepository,
)
from klickit_core.shared.errors import ConflictError

__all__ = ["ORDERS", "SUPPORT_REQUESTS", "SqlOrders", "SqlSupportRequests"]


class _Orders(FamilyAggregate[str, Order]):
    table = orders
    key_column = "id"
    children = (order_lines, order_vat, order_history)

    def rows(self, value: Order) -> RowSet:
        contact = value.contact
        root = {
            "id": value.id,
            "number": value.number,
            "currency": value.currency,
            "contact_first_name": contact.first_name,
            "contact_last_name": contact.last_name,
            "contact_email": contact.email,
            "contact_phone": contact.phone,
            **address_row("billing", value.billing_address),
            **address_row("shipping", value.shipping_address),
            "shipping_method": value.shipping_method,
            "shipping_minor": value.shipping_minor,
            "total_minor": value.total_minor,
            "placed_at": value.placed_at,
            "status": value.status.value,
            "customer_id": value.customer_id,
            "ip_address": value.ip_address,
            "paid_minor": value.paid_minor,
            "refunded_minor": value.refunded_minor,
            "completed_at": value.completed_at,
            "cancelled_at": value.cancelled_at,
            "failed_at": value.failed_at,
            "clock_started_at": earliest(value.completed_at, value.cancelled_at, value.failed_at),
        }
        return [
            (orders, [root]),
            (
                order_lines,
                [
                    {
                        "order_id": value.id,
                        "position": position,
                        "sku": line.sku,
                        "name": line.name,
                        "quantity": line.quantity,
                        "unit_price_minor": line.unit_price_minor,
                        "total_minor": line.total_minor,
                        "vat_percent": line.vat_percent,
                    }
                    for position, line in enumerate(value.lines)
                ],
            ),
            (
                order_vat,
                [
                    {
                        "order_id": value.id,
                        "position": position,
                        "vat_percent": vat.vat_percent,
                        "gross_minor": vat.gross_minor,
                        "vat_minor": vat.vat_minor,
                    }
                    for position, vat in enumerate(value.vat)
                ],
            ),
            (
                order_history,
                [
                    {
                        "order_id": value.id,
                        "position": position,
                        "from_status": change.from_status.value if change.from_status else None,
                        "to_status": change.to_status.value,
                        "at": change.at,
                        "actor": change.actor,
                        "reason": change.reason,
                    }
                    for position, change in enumerate(value.history)
                ],
            ),
        ]

    def build(
        self, root: Mapping[Any, Any], children: Mapping[Any, list[Mapping[Any, Any]]]
    ) -> Order:
        billing = address_from("billing", root)
        shipping = address_from("shipping", root)
        assert billing is not None  # noqa: S101 - NOT NULL columns
        assert shipping is not None  # noqa: S101
        return Order(
            id=root["id"],
            number=root["number"],
            currency=root["currency"],
            contact=Contact(
                root["contact_first_name"],
                root["contact_last_name"],
                root["contact_email"],
                root["contact_phone"],
            ),
            billing_address=billing,
            shipping_address=shipping,
            lines=tuple(
                OrderLine(
                    row["sku"],
                    row["name"],
                    row["quantity"],
                    row["unit_price_minor"],
                    row["total_minor"],
                    row["vat_percent"],
                )
                for row in children[order_lines]
            ),
            vat=tuple(
                VatSnapshot(row["vat_percent"], row["gross_minor"], row["vat_minor"])
                for row in children[order_vat]
            ),
            shipping_method=root["shipping_method"],
            shipping_minor=root["shipping_minor"],
            total_minor=root["total_minor"],
            placed_at=root["placed_at"],
            status=OrderStatus(root["status"]),
            history=tuple(
                StatusChange(
                    OrderStatus(row["from_status"]) if row["from_status"] is not None else None,
                    OrderStatus(row["to_status"]),
                    row["at"],
                    row["actor"],
                    row["reason"],
                )
                for row in children[order_history]
            ),
            customer_id=root["customer_id"],
            ip_address=root["ip_address"],
            paid_minor=root["paid_minor"],
            refunded_minor=root["refunded_minor"],
            completed_at=root["completed_at"],
            cancelled_at=root["cancelled_at"],
            failed_at=root["failed_at"],
        )


class _SupportRequests(TableAggregate[str, SupportRequest]):
    table = support_requests
    key_column = "id"

    def to_row(self, value: SupportRequest) -> dict[str, Any]:
        return {
            "id": value.id,
            "order_id": value.order_id,
            "kind": value.kind.value,
            "message": value.message,
            "created_at": value.created_at,
            "customer_id": value.customer_id,
            "status": value.status.value,
            "closed_at": value.closed_at,
            "closed_by": value.closed_by,
        }

    def from_row(self, row: Mapping[Any, Any]) -> SupportRequest:
        return SupportRequest(
            id=row["id"],
            order_id=row["order_id"],
            kind=SupportKind(row["kind"]),
            message=row["message"],
            created_at=row["created_at"],
            customer_id=row["customer_id"],
            status=SupportStatus(row["status"]),
            closed_at=row["closed_at"],
            closed_by=row["closed_by"],
        )


ORDERS = _Orders()
SUPPORT_REQUESTS = _SupportRequests()


class SqlOrders(OrderRepository):
    """Orders in SQL."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def get(self, order_id: str) -> Order | None:
        return self._tx.get(ORDERS, order_id)

    def add(self, order: Order) -> None:
        if self._tx.exists(ORDERS, order.id):
            raise ConflictError(table="orders")
        self._tx.stage(ORDERS, order.id, order)

    def save(self, order: Order) -> None:
        if self.get(order.id) is None:
            raise OrderNotFoundError
        self._tx.stage(ORDERS, order.id, order)

    def next_number(self, year: int) -> int:
        return self._tx.next_in_sequence(f"order_number:{year}")

    def list(
        self,
        *,
        statuses: Sequence[OrderStatus] | None = None,
        customer_id: str | None = None,
        email: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Order]:
        wanted = None if statuses is None else frozenset(OrderStatus(s) for s in statuses)
        where: list[Any] = []
        if wanted is not None:
            where.append(orders.c.status.in_(sorted(s.value for s in wanted)))
        if customer_id is not None:
            where.append(orders.c.customer_id == customer_id)
        if email is not None:
            where.append(orders.c.contact_email == email)
        window = self._tx.window(ORDERS, limit, offset)
        found = (
            ORDERS.load_where(
                self._tx,
                *where,
                order_by=[orders.c.placed_at.desc(), self._tx.text_order(orders.c.id).desc()],
                limit=window,
            )
            if window > 0
            else {}
        )
        return self._tx.merge(
            ORDERS,
            found,
            lambda o: (
                (wanted is None or o.status in wanted)
                and (customer_id is None or o.customer_id == customer_id)
                and (email is None or o.contact.email == email)
            ),
            lambda o: (o.placed_at, o.id),
            reverse=True,
            limit=limit,
            offset=offset,
        )


class SqlSupportRequests(SupportRequestRepository):
    """Support requests in SQL."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def get(self, request_id: str) -> SupportRequest | None:
        return self._tx.get(SUPPORT_REQUESTS, request_id)

    def add(self, request: SupportRequest) -> None:
        if self._tx.exists(SUPPORT_REQUESTS, request.id):
            raise ConflictError(table="support_requests")
        self._tx.stage(SUPPORT_REQUESTS, request.id, request)

    def save(self, request: SupportRequest) -> None:
        if self.get(request.id) is None:
            raise SupportRequestNotFoundError
        self._tx.stage(SUPPORT_REQUESTS, request.id, request)

    def for_order(self, order_id: str) -> list[SupportRequest]:
        found = SUPPORT_REQUESTS.load_where(
            self._tx,
            support_requests.c.order_id == order_id,
            order_by=[support_requests.c.created_at, self._tx.text_order(support_requests.c.id)],
        )
        return self._tx.merge(
            SUPPORT_REQUESTS,
            found,
            lambda r: r.order_id == order_id,
            lambda r: (r.created_at, r.id),
        )
