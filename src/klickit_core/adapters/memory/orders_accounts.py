"""Memory repositories of the orders, accounts and consents contexts, and the access log."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from klickit_core.accounts.domain import AccountActivity, Customer
from klickit_core.accounts.ports import (
    CredentialRepository,
    CustomerNotFoundError,
    CustomerRepository,
    DuplicateAccountError,
)
from klickit_core.adapters.memory import people
from klickit_core.adapters.memory.base import MISSING, MemoryTransaction
from klickit_core.catalogue.domain import Product, StockMovement, StockReason
from klickit_core.consents.domain import ConsentRecord
from klickit_core.consents.ports import ConsentRepository
from klickit_core.orders.domain import (
    PAID_STAGES,
    Order,
    OrderStatus,
    RetentionStage,
    SupportRequest,
)
from klickit_core.orders.ports import (
    OrderNotFoundError,
    OrderRepository,
    SupportRequestNotFoundError,
    SupportRequestRepository,
)
from klickit_core.shared.access_log import AccessLog, AccessLogEntry
from klickit_core.shared.errors import ConflictError
from klickit_core.shared.sweeps import SweepKey, SweepPage

__all__ = [
    "MemoryAccessLog",
    "MemoryConsents",
    "MemoryCredentials",
    "MemoryCustomers",
    "MemoryOrders",
    "MemorySupportRequests",
    "keyset_page",
]

#: Prefix of the stock journal entries a retention deletion writes (as on SQL).
RELEASE_PREFIX = "retention-"


def keyset_page(
    rows: Iterable[Any],
    clock: Callable[[Any], datetime | None],
    after: SweepKey | None,
    limit: int,
) -> list[Any]:
    """The next page of a retention sweep in memory, as the SQL backend pages: the rows
    whose ``(clock, id)`` comes strictly after ``after``, at most ``limit`` of them, in
    ``(clock, id)`` order (ids compared by code point). ``clock`` must be set on every row
    given."""
    if limit <= 0:
        return []
    keyed = [(clock(row), row.id, row) for row in rows]
    if after is not None:
        keyed = [item for item in keyed if after.is_after(item[0], item[1])]
    keyed.sort(key=lambda item: (item[0], item[1]))
    return [row for _clock, _id, row in keyed[:limit]]


class MemoryOrders(OrderRepository):
    """Orders in memory."""

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def get(self, order_id: str) -> Order | None:
        value = self._tx.read("orders", order_id)
        return None if value is MISSING else value

    def add(self, order: Order) -> None:
        if self._tx.read("orders", order.id) is not MISSING:
            raise ConflictError(table="orders")
        self._tx.write("orders", order.id, order)

    def save(self, order: Order) -> None:
        if self._tx.read("orders", order.id) is MISSING:
            raise OrderNotFoundError
        self._tx.write("orders", order.id, order)

    def next_number(self, year: int) -> int:
        return self._tx.next_in_sequence(f"order_number:{year}")

    def by_number(self, number: str) -> Order | None:
        return next((o for o in self._tx.scan("orders") if o.number == number), None)

    def list(
        self,
        *,
        statuses: Sequence[OrderStatus] | None = None,
        customer_id: str | None = None,
        email: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Order]:
        wanted = set(statuses) if statuses is not None else None
        orders = [
            o
            for o in self._tx.scan("orders")
            if (wanted is None or o.status in wanted)
            and (customer_id is None or o.customer_id == customer_id)
            and (email is None or o.contact.email == email)
        ]
        orders.sort(key=lambda o: (o.placed_at, o.id), reverse=True)
        return orders[offset : offset + limit]

    # ------------------------------------------------------------------ privacy (PRV-2..4)
    def for_subject(self, email: str, customer_id: str | None = None) -> builtins.list[Order]:
        found = [
            o
            for o in self._tx.scan("orders")
            if o.anonymised_at is None
            and (
                o.contact.email == email
                or (customer_id is not None and o.customer_id == customer_id)
            )
        ]
        return sorted(found, key=lambda o: (o.placed_at, o.id))

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
        wanted = RetentionStage(stage)
        due = [
            o
            for o in self._tx.scan("orders")
            if o.retention_stage is wanted
            and (clock := o.retention_clock) is not None
            and clock < before
        ]
        page: builtins.list[Order] = keyset_page(due, lambda o: o.retention_clock, after, limit)
        keys = [SweepKey(o.retention_clock, o.id) for o in page]
        if page and not dry_run:
            ids = [o.id for o in page]
            changed = self.anonymise(ids, at=at) if anonymise else self.delete(ids, at=at)
            if changed != len(ids):  # pragma: no cover - the page was just read
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
        past = accounting_cutoffs or {}
        due = [
            o
            for o in self._tx.scan("orders")
            if o.stripped_at is None
            and (stage := o.retention_stage) in PAID_STAGES
            and (clock := o.retention_clock) is not None
            and clock < before
            and not (stage in past and clock < past[stage])  # left to its anonymisation
        ]
        page: builtins.list[Order] = keyset_page(due, lambda o: o.retention_clock, after, limit)
        if page and not dry_run:
            for order in page:
                self._tx.write("orders", order.id, order.stripped(at))
            self._unlink_terms({order.id for order in page})
        return SweepPage.of([SweepKey(o.retention_clock, o.id) for o in page])

    def _unlink_terms(self, order_ids: set[str]) -> None:
        """The terms of sale of these orders follow them off the customer's account."""
        for record in list(self._tx.scan("consents")):
            if record.order_id in order_ids and record.follows_order and record.customer_id:
                self._tx.write("consents", record.id, attrs.evolve(record, customer_id=None))

    def delete(self, order_ids: Sequence[str], *, at: datetime) -> int:
        ids = set(order_ids)
        doomed = [o for o in (self.get(order_id) for order_id in ids) if o is not None]
        if not doomed:
            return 0
        for order in doomed:
            if order.holds_stock:
                self._release(order, at)
        for movement in list(self._tx.scan("stock_movements")):
            if movement.order_id in ids:
                self._tx.write(
                    "stock_movements", movement.id, attrs.evolve(movement, order_id=None)
                )
        for request in list(self._tx.scan("support_requests")):
            if request.order_id in ids:
                self._tx.write("support_requests", request.id, MISSING)
        for payment in list(self._tx.scan("payments")):
            if payment.order_id in ids:
                self._tx.write("payments", payment.id, MISSING)
        for order in doomed:
            self._tx.write("orders", order.id, MISSING)
        self._end_consents(ids)
        return len(doomed)

    def _end_consents(self, order_ids: set[str]) -> None:
        """The orders lost their personal data: their terms of sale go, and the other
        consents given at their checkout lose the link (the person's own choices)."""
        for record in list(self._tx.scan("consents")):
            if record.order_id not in order_ids:
                continue
            if record.follows_order:
                self._tx.write("consents", record.id, MISSING)
            else:
                self._tx.write("consents", record.id, attrs.evolve(record, order_id=None))

    def _release(self, order: Order, at: datetime) -> None:
        for position, line in enumerate(order.lines):
            product: Product | Any = self._tx.read("products", line.sku)
            if product is not MISSING and product.stock is not None:
                self._tx.write(
                    "products", line.sku, product.with_stock(product.stock + line.quantity)
                )
            movement_id = f"{RELEASE_PREFIX}{order.number}-{position}"
            self._tx.write(
                "stock_movements",
                movement_id,
                StockMovement(
                    movement_id, line.sku, line.quantity, StockReason.ORDER_RELEASED, at, None
                ),
            )

    def anonymise(self, order_ids: Sequence[str], *, at: datetime) -> int:
        live: set[str] = set()
        for order_id in dict.fromkeys(order_ids):
            order = self.get(order_id)
            if order is not None and order.anonymised_at is None:
                self._tx.write("orders", order_id, order.anonymised(at))
                live.add(order_id)
        for request in list(self._tx.scan("support_requests")):
            if request.order_id not in live:
                continue
            if request.closed_at is None:
                self._tx.write("support_requests", request.id, MISSING)
            elif request.customer_id is not None:
                self._tx.write(
                    "support_requests", request.id, attrs.evolve(request, customer_id=None)
                )
        self._end_consents(live)
        return len(live)

    def restrict(self, order_ids: Sequence[str], *, at: datetime) -> int:
        changed = 0
        for order_id in dict.fromkeys(order_ids):
            order = self.get(order_id)
            if order is None:
                continue
            restricted = order.restricted(at)
            if restricted != order:
                self._tx.write("orders", order_id, restricted)
                changed += 1
        self._unlink_terms(set(order_ids))  # the terms follow their order
        return changed


class MemorySupportRequests(SupportRequestRepository):
    """Support requests in memory."""

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def get(self, request_id: str) -> SupportRequest | None:
        value = self._tx.read("support_requests", request_id)
        return None if value is MISSING else value

    def add(self, request: SupportRequest) -> None:
        if self._tx.read("support_requests", request.id) is not MISSING:
            raise ConflictError(table="support_requests")
        self._tx.write("support_requests", request.id, request)

    def save(self, request: SupportRequest) -> None:
        if self._tx.read("support_requests", request.id) is MISSING:
            raise SupportRequestNotFoundError
        self._tx.write("support_requests", request.id, request)

    def for_order(self, order_id: str) -> list[SupportRequest]:
        found = [r for r in self._tx.scan("support_requests") if r.order_id == order_id]
        return sorted(found, key=lambda r: (r.created_at, r.id))

    # ------------------------------------------------------------------ privacy (PRV-2..4)
    def for_orders(self, order_ids: Sequence[str]) -> list[SupportRequest]:
        wanted = frozenset(order_ids)
        found = [r for r in self._tx.scan("support_requests") if r.order_id in wanted]
        return sorted(found, key=lambda r: (r.created_at, r.id))

    def sweep_closed(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        due = [
            r
            for r in self._tx.scan("support_requests")
            if r.closed_at is not None and r.closed_at < before
        ]
        page: list[SupportRequest] = keyset_page(due, lambda r: r.closed_at, after, limit)
        if page and not dry_run:
            self.delete([r.id for r in page])
        return SweepPage.of([SweepKey(r.closed_at, r.id) for r in page])

    def delete(self, request_ids: Sequence[str]) -> int:
        deleted = 0
        for request_id in dict.fromkeys(request_ids):
            if self._tx.read("support_requests", request_id) is not MISSING:
                self._tx.write("support_requests", request_id, MISSING)
                deleted += 1
        return deleted

    def restrict(self, request_ids: Sequence[str]) -> int:
        changed = 0
        for request_id in dict.fromkeys(request_ids):
            request = self.get(request_id)
            if request is not None and request.customer_id is not None:
                self._tx.write(
                    "support_requests", request_id, attrs.evolve(request, customer_id=None)
                )
                changed += 1
        return changed


class MemoryCustomers(CustomerRepository):
    """Customers in memory; email and username are unique (username case-insensitive)."""

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def get(self, customer_id: str) -> Customer | None:
        value = self._tx.read("customers", customer_id)
        return None if value is MISSING else value

    def by_email(self, email: str) -> Customer | None:
        holder = self._tx.read("customer_emails", email)
        return None if holder is MISSING else self.get(holder)

    def by_username(self, username: str) -> Customer | None:
        holder = self._tx.read("customer_usernames", username.casefold())
        return None if holder is MISSING else self.get(holder)

    def _claim(self, customer: Customer, previous: Customer | None) -> None:
        """Hold the email and the folded username as keys of their own, so that two
        concurrent sign-ups with the same email conflict at commit (lost-update check)."""
        keys = [("customer_emails", customer.email)]
        if customer.username is not None:
            keys.append(("customer_usernames", customer.username.casefold()))
        for table, key in keys:
            holder = self._tx.read(table, key)
            if holder is not MISSING and holder != customer.id:
                raise DuplicateAccountError
        if previous is not None:
            if previous.email != customer.email:
                self._tx.write("customer_emails", previous.email, MISSING)
            old = previous.username.casefold() if previous.username else None
            new = customer.username.casefold() if customer.username else None
            if old is not None and old != new:
                self._tx.write("customer_usernames", old, MISSING)
        for table, key in keys:
            self._tx.write(table, key, customer.id)

    def add(self, customer: Customer) -> None:
        if self._tx.read("customers", customer.id) is not MISSING:
            raise DuplicateAccountError
        self._claim(customer, None)
        self._tx.write("customers", customer.id, customer)

    def save(self, customer: Customer) -> None:
        previous = self._tx.read("customers", customer.id)
        if previous is MISSING:
            raise CustomerNotFoundError
        self._claim(customer, previous)
        self._tx.write("customers", customer.id, customer)

    def delete(self, customer_id: str) -> bool:
        customer = self.get(customer_id)
        if customer is None:
            return False
        people.delete_account(self._tx, customer, cascade=False)
        return True

    def activity(self, customer_id: str) -> AccountActivity | None:
        value = self._tx.read(people.ACTIVITY, customer_id)
        return None if value is MISSING else value

    def record_inactivity_notice(self, customer_id: str, at: datetime) -> None:
        if self.get(customer_id) is None:
            raise CustomerNotFoundError
        current = self.activity(customer_id) or AccountActivity(customer_id)
        self._tx.write(people.ACTIVITY, customer_id, attrs.evolve(current, inactivity_notice_at=at))

    def inactive(self, cutoff: datetime, *, after: str | None, limit: int) -> list[str]:
        latest = people.account_last_activity(self._tx)
        due = sorted(key for key, at in latest.items() if at < cutoff)
        return [key for key in due if after is None or key > after][: max(limit, 0)]

    def sweep_inactive(
        self,
        cutoff: datetime,
        *,
        notice_after: datetime,
        require_notice: bool,
        after: SweepKey | None,
        limit: int,
        dry_run: bool,
    ) -> SweepPage:
        return people.sweep_inactive_accounts(
            self._tx,
            cutoff,
            notice_after=notice_after,
            require_notice=require_notice,
            after=after,
            limit=limit,
            dry_run=dry_run,
        )


class MemoryCredentials(CredentialRepository):
    """Password hashes in memory, apart from customers."""

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def set_password_hash(self, customer_id: str, password_hash: str) -> None:
        self._tx.write("credentials", customer_id, password_hash)

    def password_hash(self, customer_id: str) -> str | None:
        value = self._tx.read("credentials", customer_id)
        return None if value is MISSING else value


class MemoryConsents(ConsentRepository):
    """The consent ledger in memory."""

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def add(self, record: ConsentRecord) -> None:
        if self._tx.read("consents", record.id) is not MISSING:  # proofs are never rewritten
            raise ConflictError(table="consents")
        self._tx.write("consents", record.id, record)

    def for_subject(self, email: str) -> list[ConsentRecord]:
        found = [r for r in self._tx.scan("consents") if r.subject_email == email]
        return sorted(found, key=lambda r: (r.at, r.id))

    def for_customer(self, customer_id: str) -> list[ConsentRecord]:
        found = [r for r in self._tx.scan("consents") if r.customer_id == customer_id]
        return sorted(found, key=lambda r: (r.at, r.id))

    def delete(self, record_id: str) -> None:
        if self._tx.read("consents", record_id) is not MISSING:
            self._tx.write("consents", record_id, MISSING)

    def live_orders(self, order_ids: Sequence[str]) -> set[str]:
        wanted = set(order_ids)
        return {o.id for o in self._tx.scan("orders") if o.id in wanted and o.anonymised_at is None}

    def _unbound(self) -> tuple[list[ConsentRecord], dict[str, datetime]]:
        """The records that do not follow a live order, oldest first, and when each one
        replaced by the first newer record of its person and purpose was replaced."""
        records = sorted(self._tx.scan("consents"), key=lambda r: (r.at, r.id))
        live = self.live_orders([r.order_id for r in records if r.follows_order and r.order_id])
        replaced_at: dict[str, datetime] = {}
        latest: dict[tuple[str, str], ConsentRecord] = {}
        for record in records:
            previous = latest.get((record.subject_email, record.purpose))
            if previous is not None:
                replaced_at[previous.id] = record.at
            latest[(record.subject_email, record.purpose)] = record
        unbound = [r for r in records if not (r.follows_order and r.order_id in live)]
        return unbound, replaced_at

    def _sweep(
        self, due: list[ConsentRecord], *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        return people.keyset_sweep(
            due,
            lambda r: SweepKey(r.at, r.id),
            lambda r: self._tx.write("consents", r.id, MISSING),
            after=after,
            limit=limit,
            dry_run=dry_run,
        )

    def sweep_proofs(
        self, cutoff: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        records, replaced_at = self._unbound()

        def due(record: ConsentRecord) -> bool:
            clock = record.at if not record.granted else replaced_at.get(record.id)
            return clock is not None and clock < cutoff

        return self._sweep(
            [r for r in records if due(r)], after=after, limit=limit, dry_run=dry_run
        )

    def sweep_standing(
        self, cutoff: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        records, replaced_at = self._unbound()
        due = [r for r in records if r.granted and r.id not in replaced_at and r.at < cutoff]
        return self._sweep(due, after=after, limit=limit, dry_run=dry_run)


class MemoryAccessLog(AccessLog):
    """The access log in memory."""

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def add(self, entry: AccessLogEntry) -> None:
        if self._tx.read("access_log", entry.id) is not MISSING:
            raise ConflictError(table="access_log")
        self._tx.write("access_log", entry.id, entry)

    def entries(
        self, *, actor_id: str | None = None, subject: str | None = None, limit: int = 1000
    ) -> list[AccessLogEntry]:
        found = [
            e
            for e in self._tx.scan("access_log")
            if (actor_id is None or e.actor_id == actor_id)
            and (subject is None or e.subject == subject)
        ]
        found.sort(key=lambda e: (e.at, e.id), reverse=True)
        return found[:limit]

    def about(self, subject: str) -> list[AccessLogEntry]:
        found = [e for e in self._tx.scan("access_log") if e.subject == subject]
        return sorted(found, key=lambda e: (e.at, e.id))

    def about_any(self, subjects: Collection[str]) -> list[AccessLogEntry]:
        keys = frozenset(subjects)
        found = [e for e in self._tx.scan("access_log") if e.subject in keys]
        return sorted(found, key=lambda e: (e.at, e.id))

    def delete_about(self, subject: str, before: datetime) -> int:
        old = [e for e in self.about(subject) if e.at < before]
        for entry in old:
            self._tx.write("access_log", entry.id, MISSING)
        return len(old)

    def sweep(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        return people.keyset_sweep(
            [e for e in self._tx.scan("access_log") if e.at < before],
            lambda e: SweepKey(e.at, e.id),
            lambda e: self._tx.write("access_log", e.id, MISSING),
            after=after,
            limit=limit,
            dry_run=dry_run,
        )
