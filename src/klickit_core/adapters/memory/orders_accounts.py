"""Memory repositories of the orders, accounts and consents contexts, and the access log."""

from __future__ import annotations

from collections.abc import Sequence

from klickit_core.accounts.domain import Customer
from klickit_core.accounts.ports import (
    CredentialRepository,
    CustomerNotFoundError,
    CustomerRepository,
    DuplicateAccountError,
)
from klickit_core.adapters.memory.base import MISSING, MemoryTransaction
from klickit_core.consents.domain import ConsentRecord
from klickit_core.consents.ports import ConsentRepository
from klickit_core.orders.domain import Order, OrderStatus, SupportRequest
from klickit_core.orders.ports import (
    OrderNotFoundError,
    OrderRepository,
    SupportRequestNotFoundError,
    SupportRequestRepository,
)
from klickit_core.shared.access_log import AccessLog, AccessLogEntry
from klickit_core.shared.errors import ConflictError

__all__ = [
    "MemoryAccessLog",
    "MemoryConsents",
    "MemoryCredentials",
    "MemoryCustomers",
    "MemoryOrders",
    "MemorySupportRequests",
]


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
