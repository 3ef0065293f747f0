"""SQL repositories of orders and support requests.

An order is a row of ``orders`` and its lines, VAT snapshots and history, written in one
go (one ``executemany`` per child table) and read for a whole page of orders with one
``IN`` query per child table. Saving appends only the new history entries.

Order numbers come from the ``counters`` table, bumped in a statement committed on its
own (see :meth:`~klickit_core.adapters.sql.base.SqlTransaction.next_in_sequence`): like a
sequence, a number is never handed out twice, a rolled-back checkout leaves a gap, and
concurrent checkouts do not wait for each other's transactions to get one.

The privacy methods (PRV-2 … PRV-4) are set-based and run in the unit of work's write
phase (:meth:`~klickit_core.adapters.sql.base.SqlTransaction.write_now`), so a sweep batch
commits with its checkpoint. A sweep batch is:

* one ``SELECT id, clock_started_at FROM orders WHERE retention_stage = :stage AND
  clock_started_at < :before AND clock_started_at >= :c AND (clock_started_at, id) > (:c,
  :i) ORDER BY clock_started_at, id LIMIT :limit`` on the partial retention index (``FOR
  UPDATE SKIP LOCKED`` on PostgreSQL, so several workers share a sweep; the redundant
  ``>= :c`` lets the index range start at the cursor whatever the ids' collation);
* then, to delete: the stock an unpaid order held comes back (one ``UPDATE products``
  with a correlated sum of the lines, one ``INSERT … SELECT`` into the stock journal),
  ``UPDATE stock_movements SET order_id = NULL``, ``DELETE FROM support_requests``,
  ``DELETE FROM payments`` (refunds cascade), the terms of sale (``DELETE FROM consents``,
  then ``UPDATE consents SET order_id = NULL`` for the other consents of the checkout) and
  ``DELETE FROM orders`` (lines, VAT and history cascade), each ``WHERE … IN (:ids)``;
* or, to anonymise, each on its own key index, ``UPDATE order_history`` (who moved it, and
  why), the order's support requests unlinked from the account (``UPDATE``) and those
  never closed deleted (``DELETE``), its consents as for a deletion (``DELETE``,
  ``UPDATE``, through the consents' order index), and one ``UPDATE orders SET
  contact_… = '', …, retention_stage = NULL`` — the order leaves the index, so it is
  never selected again and later batches never walk past it.

An after-sales batch (``orders.after_sales``, issue #19) pages the same way through the
partial index of the paid orders not yet stripped (``tables.AFTER_SALES_PENDING``, its
predicate repeated word for word in the page query), then changes each table through its
own key index: ``UPDATE order_history`` (who moved it, and why), ``UPDATE consents``
(the terms of sale leave the account) and ``UPDATE orders SET contact_phone = '',
ip_address = NULL, customer_id = NULL, stripped_at = :at`` — the order leaves that index.

No row is loaded into Python beyond the batch's keys; a dry run is the ``SELECT`` alone,
outside any write transaction. The page's rows are already due, locked and in their stage,
so a batch does not read them again; an erasure's keys are read first (the orders not yet
anonymised, ``SELECT id … FOR UPDATE``, or those still holding stock).
"""

from __future__ import annotations

import builtins
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    update,
)

from klickit_core.adapters.sql.base import FamilyAggregate, RowSet, SqlTransaction, TableAggregate
from klickit_core.adapters.sql.errors import translated
from klickit_core.adapters.sql.rows import STREET_LINES, address_from, address_row
from klickit_core.adapters.sql.tables import (
    AFTER_SALES_INDEX,
    AFTER_SALES_PENDING,
    consents,
    order_history,
    order_lines,
    order_vat,
    orders,
    payments,
    products,
    stock_movements,
    support_requests,
)
from klickit_core.adapters.sql.types import UtcDateTime
from klickit_core.catalogue.domain import StockReason
from klickit_core.consents.domain import TERMS_OF_SALE
from klickit_core.orders.domain import (
    HOLDS_STOCK,
    Contact,
    Order,
    OrderLine,
    OrderStatus,
    RetentionStage,
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
from klickit_core.shared.sweeps import SweepKey, SweepPage

__all__ = ["ORDERS", "SUPPORT_REQUESTS", "SqlOrders", "SqlSupportRequests", "keyset_page"]

#: Prefix of the stock journal entries a retention deletion writes (with the order number
#: and the line position: unique, and no personal data).
RELEASE_PREFIX = "retention-"


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
            "clock_started_at": value.retention_clock,
            "retention_stage": stage.value if (stage := value.retention_stage) else None,
            "refunded_at": value.refunded_at,
            "anonymised_at": value.anonymised_at,
            "restricted_at": value.restricted_at,
            "stripped_at": value.stripped_at,
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
            refunded_at=root["refunded_at"],
            anonymised_at=root["anonymised_at"],
            restricted_at=root["restricted_at"],
            stripped_at=root["stripped_at"],
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


def subject_orders(email: str, customer_id: str | None) -> ColumnElement[bool]:
    """The person's orders that are not anonymised, in SQL: placed under ``email`` or by
    the account ``customer_id`` (``OrderRepository.for_subject``'s rule; :func:`is_subjects`
    is the same rule for an order this unit of work wrote)."""
    mine = orders.c.contact_email == email
    if customer_id is not None:
        mine = or_(mine, orders.c.customer_id == customer_id)
    return and_(mine, orders.c.anonymised_at.is_(None))


def is_subjects(order: Order, email: str, customer_id: str | None) -> bool:
    """Whether ``order`` is one of :func:`subject_orders`."""
    return order.anonymised_at is None and (
        order.contact.email == email
        or (customer_id is not None and order.customer_id == customer_id)
    )


def order_ids_lookup(email: str, customer_id: str | None) -> Hashable:
    """How :meth:`SqlTransaction.fetch_once` names the query of the ids of
    :func:`subject_orders`: an export's payments and its access log share one answer."""
    return ("order_ids_for_subject", email, customer_id)


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

    def by_number(self, number: str) -> Order | None:
        found = ORDERS.load_where(self._tx, orders.c.number == number)
        matches = self._tx.merge(ORDERS, found, lambda o: o.number == number, lambda o: o.id)
        return matches[0] if matches else None

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

    # ------------------------------------------------------------------ privacy (PRV-2..4)
    def for_subject(self, email: str, customer_id: str | None = None) -> builtins.list[Order]:
        found = ORDERS.load_where(
            self._tx,
            subject_orders(email, customer_id),
            order_by=[orders.c.placed_at, self._tx.text_order(orders.c.id)],
        )
        return self._tx.merge(
            ORDERS,
            found,
            lambda o: is_subjects(o, email, customer_id),
            lambda o: (o.placed_at, o.id),
        )

    def ids_for_subject(self, email: str, customer_id: str | None = None) -> builtins.list[str]:
        rows = self._tx.fetch_once(
            order_ids_lookup(email, customer_id),
            select(orders.c.id).where(subject_orders(email, customer_id)),
        )
        staged = self._tx.staged(ORDERS)  # this transaction's writes win over the rows
        found = {row.id for row in rows if row.id not in staged}
        found.update(
            key
            for key, write in staged.items()
            if isinstance(write.value, Order) and is_subjects(write.value, email, customer_id)
        )
        return sorted(found)

    def sweep(
        self,
        stage: RetentionStage,
        before: datetime,
        *,
        anonymise: bool,
        at: datetime,
        after: SweepKey | None,
        limit: int,
        dry_run: bool,
    ) -> SweepPage:
        clock = orders.c.clock_started_at
        due = select(orders.c.id, clock).where(
            orders.c.retention_stage == RetentionStage(stage).value, clock < before
        )
        keys = keyset_page(self._tx, due, clock, orders.c.id, after, limit, dry_run=dry_run)
        if keys and not dry_run:
            # The page's rows are due, locked and in their stage: none is anonymised yet,
            # and only an unpaid order still holds stock. So the batch changes them as
            # they are, without reading them again first as an erasure's keys must be.
            ids = [key.id for key in keys]
            if anonymise:
                changed = self._anonymise_live(ids, at)
            else:
                held = ids if stage is RetentionStage.UNPAID else []
                changed = self._delete_known(ids, held, at)
            if changed != len(ids):  # locked rows cannot vanish: something is badly wrong
                raise ConflictError(table="orders")
        return SweepPage.of(keys)

    def sweep_after_sales(
        self,
        before: datetime,
        *,
        at: datetime,
        after: SweepKey | None,
        limit: int,
        dry_run: bool,
        accounting_cutoffs: Mapping[RetentionStage, datetime] | None = None,
    ) -> SweepPage:
        clock: Any = orders.c.clock_started_at
        key: Any = orders.c.id
        stage: Any = orders.c.retention_stage
        source: Any = orders
        if self._tx.dialect == "sqlite":
            # Without statistics (no ANALYZE yet) SQLite's planner prefers the stage index
            # for the IN list, then sorts every paid order past the cursor, stripped ones
            # included, at every batch. INDEXED BY holds it to the partial index (and
            # fails loudly, rather than slowly, if that index could not serve the query).
            clock = literal_column("clock_started_at", UtcDateTime)
            key = literal_column("id", String)
            stage = literal_column("retention_stage", String)
            source = text(f"orders INDEXED BY {AFTER_SALES_INDEX}")
        # The index predicate as literal SQL text (see ``tables.AFTER_SALES_PENDING``).
        due = (
            select(key, clock).select_from(source).where(text(AFTER_SALES_PENDING), clock < before)
        )
        # Orders past their accounting years are left to their anonymisation. No lower
        # bound on the clock for them: a second one beside the cursor's could become the
        # index range's start and make every page walk from it; they sit before the first
        # page only, and only while their own category has not run yet.
        for paid, edge in sorted((accounting_cutoffs or {}).items()):
            due = due.where(
                or_(stage != RetentionStage(paid).value, clock >= literal(edge, UtcDateTime))
            )
        keys = keyset_page(self._tx, due, clock, key, after, limit, dry_run=dry_run)
        if keys and not dry_run:
            # Locked, due and not stripped yet (hence not anonymised): changed as they are.
            ids = [key.id for key in keys]
            if self._strip_live(ids, at, restricted_at=None) != len(ids):
                raise ConflictError(table="orders")  # locked rows cannot vanish
        return SweepPage.of(keys)

    def _strip_live(self, ids: Sequence[str], at: datetime, *, restricted_at: Any) -> int:
        """Strip the orders ``ids`` (distinct, locked) of their after-sales data, each table
        through its own key index; with ``restricted_at`` (an erasure), restrict them too.
        How many orders changed."""
        connection = self._tx.write_now()
        key_in = self._tx.key_in
        changes: dict[str, Any] = {
            "contact_phone": "",
            "ip_address": None,
            "customer_id": None,
            "stripped_at": func.coalesce(orders.c.stripped_at, literal(at, UtcDateTime)),
            "version": orders.c.version + 1,
        }
        where = [key_in(orders.c.id, ids)]
        if restricted_at is not None:
            changes["restricted_at"] = restricted_at
            where.append(
                or_(
                    orders.c.customer_id.is_not(None),
                    orders.c.restricted_at.is_(None),
                    orders.c.stripped_at.is_(None),
                    orders.c.ip_address.is_not(None),
                    orders.c.contact_phone != "",
                )
            )
        with translated("orders"):
            connection.execute(
                update(order_history)
                .where(
                    key_in(order_history.c.order_id, ids),
                    or_(order_history.c.actor != "", order_history.c.reason != ""),
                )
                .values(actor="", reason="")
            )
            connection.execute(  # the terms of sale follow their order off the account
                update(consents)
                .where(
                    key_in(consents.c.order_id, ids),
                    consents.c.purpose == TERMS_OF_SALE,
                    consents.c.customer_id.is_not(None),
                )
                .values(customer_id=None)
            )
            done = connection.execute(update(orders).where(*where).values(**changes))
        return int(done.rowcount)

    def delete(self, order_ids: Sequence[str], *, at: datetime) -> int:
        ids = list(dict.fromkeys(order_ids))
        if not ids:
            return 0
        connection = self._tx.write_now()
        with translated("orders"):
            held = list(
                connection.execute(
                    select(orders.c.id).where(
                        self._tx.key_in(orders.c.id, ids),
                        orders.c.status.in_([s.value for s in HOLDS_STOCK]),
                    )
                ).scalars()
            )
        return self._delete_known(ids, held, at)

    def _delete_known(self, ids: Sequence[str], held: Sequence[str], at: datetime) -> int:
        """Delete the orders ``ids`` (distinct), of which ``held`` still hold stock."""
        connection = self._tx.write_now()
        with translated("orders"):
            if held:
                _release_stock(connection, self._tx.key_in(order_lines.c.order_id, held), at)
            connection.execute(
                update(stock_movements)
                .where(self._tx.key_in(stock_movements.c.order_id, ids))
                .values(order_id=None)
            )
            connection.execute(
                delete(support_requests).where(self._tx.key_in(support_requests.c.order_id, ids))
            )
            connection.execute(delete(payments).where(self._tx.key_in(payments.c.order_id, ids)))
            _end_consents(connection, self._tx.key_in(consents.c.order_id, ids))
            done = connection.execute(delete(orders).where(self._tx.key_in(orders.c.id, ids)))
        return int(done.rowcount)

    def anonymise(self, order_ids: Sequence[str], *, at: datetime) -> int:
        ids = list(dict.fromkeys(order_ids))
        if not ids:
            return 0
        connection = self._tx.write_now()
        with translated("orders"):
            # The orders not yet anonymised, read (and locked, on PostgreSQL) first, then
            # each table changed through its own key index. One statement joining orders
            # into the history UPDATE let PostgreSQL plan a hash join over a scan of the
            # whole history table while the store was small (100,000 orders: 106 ms a
            # batch, then 20 ms once the prepared statement went generic).
            live = list(
                connection.execute(
                    select(orders.c.id)
                    .where(self._tx.key_in(orders.c.id, ids), orders.c.anonymised_at.is_(None))
                    .with_for_update()
                ).scalars()
            )
        return self._anonymise_live(live, at) if live else 0

    def _anonymise_live(self, live: Sequence[str], at: datetime) -> int:
        """Anonymise the orders ``live`` (distinct, not anonymised, locked)."""
        connection = self._tx.write_now()
        blank_street = {f"{p}_street_{n}": None for p in _ADDRESSES for n in _STREETS}
        blank_parts = {f"{p}_{part}": "" for p in _ADDRESSES for part in _PARTS}
        key_in = self._tx.key_in
        with translated("orders"):
            connection.execute(
                update(order_history)
                .where(key_in(order_history.c.order_id, live))
                .values(actor="", reason="")
            )
            connection.execute(
                delete(support_requests).where(
                    key_in(support_requests.c.order_id, live),
                    support_requests.c.closed_at.is_(None),
                )
            )
            connection.execute(
                update(support_requests)
                .where(
                    key_in(support_requests.c.order_id, live),
                    support_requests.c.customer_id.is_not(None),
                )
                .values(customer_id=None, version=support_requests.c.version + 1)
            )
            _end_consents(connection, key_in(consents.c.order_id, live))
            done = connection.execute(
                update(orders)
                .where(key_in(orders.c.id, live), orders.c.anonymised_at.is_(None))
                .values(
                    contact_first_name="",
                    contact_last_name="",
                    contact_email="",
                    contact_phone="",
                    **blank_parts,
                    **blank_street,
                    ip_address=None,
                    customer_id=None,
                    anonymised_at=at,
                    stripped_at=func.coalesce(orders.c.stripped_at, literal(at, UtcDateTime)),
                    retention_stage=None,
                    clock_started_at=None,
                    version=orders.c.version + 1,
                )
            )
        return int(done.rowcount)

    def restrict(self, order_ids: Sequence[str], *, at: datetime) -> int:
        ids = list(dict.fromkeys(order_ids))
        if not ids:
            return 0
        since = func.coalesce(orders.c.restricted_at, literal(at, UtcDateTime))
        return self._strip_live(ids, at, restricted_at=since)


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

    # ------------------------------------------------------------------ privacy (PRV-2..4)
    def for_orders(self, order_ids: Sequence[str]) -> list[SupportRequest]:
        wanted = frozenset(order_ids)
        found = (
            SUPPORT_REQUESTS.load_where(
                self._tx,
                support_requests.c.order_id.in_(sorted(wanted)),
                order_by=[
                    support_requests.c.created_at,
                    self._tx.text_order(support_requests.c.id),
                ],
            )
            if wanted
            else {}
        )
        return self._tx.merge(
            SUPPORT_REQUESTS,
            found,
            lambda r: r.order_id in wanted,
            lambda r: (r.created_at, r.id),
        )

    def sweep_closed(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        closed = support_requests.c.closed_at
        due = select(support_requests.c.id, closed).where(closed < before)
        keys = keyset_page(
            self._tx, due, closed, support_requests.c.id, after, limit, dry_run=dry_run
        )
        if keys and not dry_run:
            ids = [key.id for key in keys]
            if self.delete(ids) != len(ids):
                raise ConflictError(table="support_requests")
        return SweepPage.of(keys)

    def delete(self, request_ids: Sequence[str]) -> int:
        ids = list(dict.fromkeys(request_ids))
        if not ids:
            return 0
        connection = self._tx.write_now()
        with translated("support_requests"):
            done = connection.execute(
                delete(support_requests).where(self._tx.key_in(support_requests.c.id, ids))
            )
        return int(done.rowcount)

    def restrict(self, request_ids: Sequence[str]) -> int:
        ids = list(dict.fromkeys(request_ids))
        if not ids:
            return 0
        connection = self._tx.write_now()
        with translated("support_requests"):
            done = connection.execute(
                update(support_requests)
                .where(
                    self._tx.key_in(support_requests.c.id, ids),
                    support_requests.c.customer_id.is_not(None),
                )
                .values(customer_id=None, version=support_requests.c.version + 1)
            )
        return int(done.rowcount)


_ADDRESSES = ("billing", "shipping")
_PARTS = ("postcode", "city", "region", "company")
_STREETS = range(1, STREET_LINES + 1)


def keyset_page(
    tx: SqlTransaction,
    due: Select[Any],
    clock: Any,
    key: Any,
    after: SweepKey | None,
    limit: int,
    *,
    dry_run: bool,
    lock: Any = None,
) -> list[SweepKey]:
    """The next page of a retention sweep: ``due`` (which selects the key and the clock
    columns) restricted to rows strictly after ``after`` in ``(clock, key)`` order, at most
    ``limit`` of them, in that order.

    The cursor condition is the row value ``(clock, key) > (:c, :k)`` (SQLite ≥ 3.15,
    PostgreSQL), with the redundant ``clock >= :c`` that any index on the clock can start
    its range from (the key is compared by code point, ``COLLATE "C"`` on PostgreSQL, like
    Python's ``str`` and the memory backend). A real run selects in the write phase, ``FOR
    UPDATE SKIP LOCKED`` on PostgreSQL (of ``lock``, a table, when ``due`` joins others):
    a concurrent worker's rows are skipped, never waited for; a dry run selects in
    autocommit and locks nothing.
    """
    if limit <= 0:
        return []
    ordered_key = tx.text_order(key)
    if after is not None:
        if after.at is None:
            due = due.where(ordered_key > after.id)
        else:
            at = literal(after.at, UtcDateTime)
            due = due.where(clock >= at, tuple_(clock, ordered_key) > tuple_(at, after.id))
    due = due.order_by(clock, ordered_key).limit(limit)
    if dry_run:
        rows = tx.fetch(due)
    else:
        if tx.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True, of=lock)
        connection = tx.write_now()
        with translated():
            rows = connection.execute(due).all()
    return [SweepKey(clock_at, key_value) for key_value, clock_at in (tuple(r) for r in rows)]


def _end_consents(connection: Any, in_orders: Any) -> None:
    """The orders (``in_orders``, on ``consents.order_id``) lose their personal data: their
    terms of sale are deleted, and the other consents given at their checkout (the
    person's own choices, which outlive the order) lose the link. Through the order index
    of the consents."""
    connection.execute(delete(consents).where(in_orders, consents.c.purpose == TERMS_OF_SALE))
    connection.execute(update(consents).where(in_orders).values(order_id=None))


def _release_stock(connection: Any, in_held: Any, at: datetime) -> None:
    """Give back the stock the unpaid orders still reserve (their lines: ``in_held``), as
    cancelling them would have (:func:`klickit_core.orders.services.release_stock`), and
    journal each line as a release without the order link (the order is being deleted)."""
    returned = (
        select(func.sum(order_lines.c.quantity))
        .where(order_lines.c.sku == products.c.sku, in_held)
        .scalar_subquery()
    )
    connection.execute(
        update(products)
        .where(
            products.c.stock.is_not(None),
            products.c.sku.in_(select(order_lines.c.sku).where(in_held).scalar_subquery()),
        )
        .values(stock=products.c.stock + returned, version=products.c.version + 1)
    )
    entries = select(
        literal(RELEASE_PREFIX)
        + orders.c.number
        + literal("-")
        + cast(order_lines.c.position, String),
        order_lines.c.sku,
        order_lines.c.quantity,
        literal(StockReason.ORDER_RELEASED.value),
        literal(at, UtcDateTime),
        literal(None, String),
    ).select_from(order_lines.join(orders, and_(orders.c.id == order_lines.c.order_id)))
    connection.execute(
        insert(stock_movements).from_select(
            ["id", "sku", "delta", "reason", "at", "order_id"], entries.where(in_held)
        )
    )
