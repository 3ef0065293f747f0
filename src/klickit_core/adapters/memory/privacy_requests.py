"""Memory repositories of the request flows and the erasure ledger (PRV-3, PRV-4, PRV-6).

Like every memory repository they read and write through the unit of work's transaction,
so a bundle, its download token and the request's completion commit together, and so do
an erasure and its ledger entry. Sweeps and the subject directory scan their tables; the
SQL backend answers the same methods with set-based, keyset-paged statements.

:class:`MemorySubjectDirectory` knows which memory tables hold an email (accounts,
orders, reviews, consents, lost-credentials requests, privacy requests): the one place
of the memory backend that sees every context at once, as an adapter may.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from datetime import datetime
from typing import Any

from klickit_core.adapters.memory.base import MISSING, MemoryTransaction
from klickit_core.privacy.ports import (
    BundleStore,
    DeletionPage,
    ErasureLedger,
    PrivacyRequestNotFoundError,
    PrivacyRequestRepository,
    SubjectDirectory,
)
from klickit_core.privacy.records import (
    ErasureLedgerEntry,
    KnownSubject,
    PrivacyRequest,
    RequestStatus,
    StoredBundle,
)
from klickit_core.shared.errors import ConflictError

__all__ = [
    "MemoryBundleStore",
    "MemoryErasureLedger",
    "MemoryPrivacyRequests",
    "MemorySubjectDirectory",
]

_REQUESTS = "privacy_requests"
_BUNDLES = "privacy_export_bundles"
_LEDGER = "privacy_erasure_ledger"


def _add(tx: MemoryTransaction, table: str, key: str, value: object) -> None:
    if tx.read(table, key) is not MISSING:
        raise ConflictError(table=table)
    tx.write(table, key, value)


def _sweep(
    tx: MemoryTransaction,
    table: str,
    due: Callable[[Any], bool],
    *,
    after: str | None,
    limit: int,
    dry_run: bool,
) -> DeletionPage:
    chosen = sorted(
        (value for value in tx.scan(table) if due(value) and (after is None or value.id > after)),
        key=lambda value: value.id,
    )[: max(0, limit)]
    if not dry_run:
        for value in chosen:
            tx.write(table, value.id, MISSING)
    return DeletionPage(len(chosen), chosen[-1].id if chosen else None)


def _closed_before(cutoff: datetime) -> Callable[[PrivacyRequest], bool]:
    def due(request: PrivacyRequest) -> bool:
        if request.status is RequestStatus.COMPLETED:
            return request.completed_at is not None and request.completed_at < cutoff
        return request.status is RequestStatus.AWAITING_CONFIRMATION and request.confirm_by < cutoff

    return due


class MemoryPrivacyRequests(PrivacyRequestRepository):
    """Access and erasure requests in memory."""

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def add(self, request: PrivacyRequest) -> None:
        _add(self._tx, _REQUESTS, request.id, request)

    def get(self, request_id: str) -> PrivacyRequest | None:
        value = self._tx.read(_REQUESTS, request_id)
        return None if value is MISSING else value

    def save(self, request: PrivacyRequest) -> None:
        if self._tx.read(_REQUESTS, request.id) is MISSING:
            raise PrivacyRequestNotFoundError
        self._tx.write(_REQUESTS, request.id, request)

    def delete(self, request_id: str) -> bool:
        if self._tx.read(_REQUESTS, request_id) is MISSING:
            return False
        self._tx.write(_REQUESTS, request_id, MISSING)
        return True

    def count_since(self, email: str, since: datetime) -> int:
        return sum(
            1 for r in self._tx.scan(_REQUESTS) if r.email == email and r.received_at >= since
        )

    def for_subject(self, email: str, customer_id: str | None) -> list[PrivacyRequest]:
        found = [
            r
            for r in self._tx.scan(_REQUESTS)
            if r.email == email or (customer_id is not None and r.customer_id == customer_id)
        ]
        return sorted(found, key=lambda r: (r.received_at, r.id))

    def list(self, *, open_at: datetime | None = None, limit: int = 100) -> list[PrivacyRequest]:
        found = [r for r in self._tx.scan(_REQUESTS) if open_at is None or r.is_open(open_at)]
        found.sort(key=lambda r: (r.due, r.received_at, r.id))
        return found[: max(0, limit)]

    def sweep_closed(
        self, cutoff: datetime, *, after: str | None, limit: int, dry_run: bool
    ) -> DeletionPage:
        return _sweep(
            self._tx, _REQUESTS, _closed_before(cutoff), after=after, limit=limit, dry_run=dry_run
        )


class MemoryBundleStore(BundleStore):
    """Delivered exports in memory."""

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def add(self, bundle: StoredBundle) -> None:
        _add(self._tx, _BUNDLES, bundle.id, bundle)

    def get(self, bundle_id: str) -> StoredBundle | None:
        value = self._tx.read(_BUNDLES, bundle_id)
        return None if value is MISSING else value

    def delete(self, bundle_id: str) -> bool:
        if self._tx.read(_BUNDLES, bundle_id) is MISSING:
            return False
        self._tx.write(_BUNDLES, bundle_id, MISSING)
        return True

    def for_requests(self, request_ids: Collection[str]) -> list[StoredBundle]:
        wanted = set(request_ids)
        found = [b for b in self._tx.scan(_BUNDLES) if b.request_id in wanted]
        return sorted(found, key=lambda b: (b.created_at, b.id))

    def sweep_created_before(
        self, cutoff: datetime, *, after: str | None, limit: int, dry_run: bool
    ) -> DeletionPage:
        return _sweep(
            self._tx,
            _BUNDLES,
            lambda bundle: bundle.created_at < cutoff,
            after=after,
            limit=limit,
            dry_run=dry_run,
        )


class MemoryErasureLedger(ErasureLedger):
    """The erasure ledger in memory (append-only)."""

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def add(self, entry: ErasureLedgerEntry) -> None:
        _add(self._tx, _LEDGER, entry.id, entry)

    def get(self, entry_id: str) -> ErasureLedgerEntry | None:
        value = self._tx.read(_LEDGER, entry_id)
        return None if value is MISSING else value

    def matching(
        self,
        key_id: str,
        email_hashes: Collection[str],
        customer_hashes: Collection[str],
        *,
        since: datetime | None = None,
    ) -> list[ErasureLedgerEntry]:
        emails, customers = set(email_hashes), set(customer_hashes)
        found = [
            e
            for e in self._tx.scan(_LEDGER)
            if e.key_id == key_id
            and (since is None or e.erased_at > since)
            and (
                e.email_hash in emails
                or (e.customer_hash is not None and e.customer_hash in customers)
            )
        ]
        return sorted(found, key=lambda e: e.id)

    def entries(self, *, after: str | None = None, limit: int = 1000) -> list[ErasureLedgerEntry]:
        found = sorted(
            (e for e in self._tx.scan(_LEDGER) if after is None or e.id > after),
            key=lambda e: e.id,
        )
        return found[: max(0, limit)]


class MemorySubjectDirectory(SubjectDirectory):
    """Every email the memory store holds, from each table that holds one."""

    #: ``(table, how to read the email of a stored value)``.
    SOURCES: tuple[tuple[str, Callable[[Any], object]], ...] = (
        ("customers", lambda customer: customer.email),
        ("orders", lambda order: order.contact.email),
        ("reviews", lambda review: review.author_email),
        ("consents", lambda record: record.subject_email),
        ("lost_credentials", lambda request: request.contact_email),
        (_REQUESTS, lambda request: request.email),
    )

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def _emails(self) -> Iterator[str]:
        for table, email_of in self.SOURCES:
            for value in self._tx.scan(table):
                email = email_of(value)
                if isinstance(email, str) and email:
                    yield email

    def _accounts(self) -> dict[str, str]:
        return {customer.email: customer.id for customer in self._tx.scan("customers")}

    def find(self, email: str) -> KnownSubject | None:
        if not any(found == email for found in self._emails()):
            return None
        return KnownSubject(email, self._accounts().get(email))

    def page(self, *, after: str | None, limit: int) -> list[KnownSubject]:
        emails = sorted({e for e in self._emails() if after is None or e > after})
        accounts = self._accounts()
        return [KnownSubject(email, accounts.get(email)) for email in emails[: max(0, limit)]]

    def account(self, customer_id: str) -> KnownSubject | None:
        found = (c for c in self._tx.scan("customers") if c.id == customer_id)
        customer = next(found, None)
        return None if customer is None else KnownSubject(customer.email, customer.id)
