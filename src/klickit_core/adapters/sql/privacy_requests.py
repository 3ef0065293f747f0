"""SQL repositories of the request flows and the erasure ledger (PRV-3, PRV-4, PRV-6).

Twins of :mod:`klickit_core.adapters.memory.privacy_requests`, passing the same contract
(:mod:`klickit_core.testing.contracts.privacy_requests`):

* requests are versioned rows (a confirmation and a completion racing each other are a
  conflict at commit), counted per email over ``(email, received_at)``, listed by deadline;
* bundles hold their file (the HTML page, or the ZIP) in a ``LargeBinary`` column: they
  commit with their download token and the request's completion, and every worker
  reaches them;
* the ledger is append-only; :meth:`SqlErasureLedger.matching` is one ``IN`` query per
  page of hashes;
* sweeps are set-based and keyset-paged on the id (compared by code point on both
  databases): ``SELECT id … WHERE <closed before cutoff> AND id > :after ORDER BY id
  LIMIT :limit`` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), then ``DELETE … WHERE id IN``,
  in the unit of work's write phase, so a batch commits with its sweep checkpoint;
* :class:`SqlSubjectDirectory` pages through the distinct emails of every table that holds
  one: each table gives its next ``limit`` emails from its email index, the union keeps the
  first ``limit``; no page reads more than ``tables × limit`` index entries.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    union,
)

from klickit_core.adapters.sql.base import MISSING, SqlTransaction, TableAggregate
from klickit_core.adapters.sql.errors import translated
from klickit_core.adapters.sql.tables import (
    consents,
    customers,
    lost_credentials,
    orders,
    privacy_erasure_ledger,
    privacy_export_bundles,
    privacy_requests,
    reviews,
)
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
    ExtensionReason,
    KnownSubject,
    PrivacyRequest,
    RequestChannel,
    RequestKind,
    RequestStatus,
    StoredBundle,
)
from klickit_core.shared.errors import ConflictError

__all__ = [
    "ERASURE_LEDGER",
    "EXPORT_BUNDLES",
    "PRIVACY_REQUESTS",
    "SqlBundleStore",
    "SqlErasureLedger",
    "SqlPrivacyRequests",
    "SqlSubjectDirectory",
]


class _Requests(TableAggregate[str, PrivacyRequest]):
    table = privacy_requests
    key_column = "id"

    def to_row(self, value: PrivacyRequest) -> dict[str, Any]:
        return {
            "id": value.id,
            "kind": str(value.kind),
            "channel": str(value.channel),
            "email": value.email,
            "locale": value.locale,
            "received_at": value.received_at,
            "due_on": value.due_on,
            "confirm_by": value.confirm_by,
            "customer_id": value.customer_id,
            "status": str(value.status),
            "confirmed_at": value.confirmed_at,
            "completed_at": value.completed_at,
            "extended_to": value.extended_to,
            "extension_reason": None
            if value.extension_reason is None
            else str(value.extension_reason),
            "extended_at": value.extended_at,
            "extended_by": value.extended_by,
            "bundle_id": value.bundle_id,
        }

    def from_row(self, row: Mapping[Any, Any]) -> PrivacyRequest:
        reason = row["extension_reason"]
        return PrivacyRequest(
            id=row["id"],
            kind=RequestKind(row["kind"]),
            channel=RequestChannel(row["channel"]),
            email=row["email"],
            locale=row["locale"],
            received_at=row["received_at"],
            due_on=row["due_on"],
            confirm_by=row["confirm_by"],
            customer_id=row["customer_id"],
            status=RequestStatus(row["status"]),
            confirmed_at=row["confirmed_at"],
            completed_at=row["completed_at"],
            extended_to=row["extended_to"],
            extension_reason=None if reason is None else ExtensionReason(reason),
            extended_at=row["extended_at"],
            extended_by=row["extended_by"],
            bundle_id=row["bundle_id"],
        )


class _Bundles(TableAggregate[str, StoredBundle]):
    """Written once, deleted whole: no version."""

    table = privacy_export_bundles
    key_column = "id"
    versioned = False

    def to_row(self, value: StoredBundle) -> dict[str, Any]:
        return {
            "id": value.id,
            "request_id": value.request_id,
            "created_at": value.created_at,
            "expires_at": value.expires_at,
            "filename": value.filename,
            "data": value.data,
        }

    def from_row(self, row: Mapping[Any, Any]) -> StoredBundle:
        return StoredBundle(
            row["id"],
            row["request_id"],
            row["created_at"],
            row["expires_at"],
            row["filename"],
            bytes(row["data"]),
        )


class _Ledger(TableAggregate[str, ErasureLedgerEntry]):
    """Append-only: no version, never updated."""

    table = privacy_erasure_ledger
    key_column = "id"
    versioned = False

    def to_row(self, value: ErasureLedgerEntry) -> dict[str, Any]:
        return {
            "id": value.id,
            "erased_at": value.erased_at,
            "key_id": value.key_id,
            "email_hash": value.email_hash,
            "customer_hash": value.customer_hash,
            "reference": value.reference,
        }

    def from_row(self, row: Mapping[Any, Any]) -> ErasureLedgerEntry:
        return ErasureLedgerEntry(
            row["id"],
            row["erased_at"],
            row["key_id"],
            row["email_hash"],
            row["customer_hash"],
            row["reference"],
        )


PRIVACY_REQUESTS = _Requests()
EXPORT_BUNDLES = _Bundles()
ERASURE_LEDGER = _Ledger()


def _sweep(
    tx: SqlTransaction,
    table: Table,
    due: ColumnElement[bool],
    *,
    after: str | None,
    limit: int,
    dry_run: bool,
) -> DeletionPage:
    """Select at most ``limit`` due ids after ``after`` (id order, by code point) and,
    unless in a dry run, delete them in the write phase. Only ids come to Python."""
    key = tx.text_order(table.c.id)
    where = [due] if after is None else [due, key > after]
    chosen = select(table.c.id).where(*where).order_by(key).limit(max(0, limit))
    if dry_run:
        ids = [row[0] for row in tx.fetch(chosen)]
        return DeletionPage(len(ids), ids[-1] if ids else None)
    if tx.dialect == "postgresql":
        chosen = chosen.with_for_update(skip_locked=True)
    connection = tx.write_now()
    with translated(table.name):
        ids = [row[0] for row in connection.execute(chosen)]
        if ids:
            connection.execute(delete(table).where(tx.key_in(table.c.id, ids)))
    return DeletionPage(len(ids), ids[-1] if ids else None)


def _open_at(moment: datetime) -> ColumnElement[bool]:
    c = privacy_requests.c
    return or_(
        c.status == str(RequestStatus.CONFIRMED),
        and_(c.status == str(RequestStatus.AWAITING_CONFIRMATION), c.confirm_by > moment),
    )


def _of_subject(request: PrivacyRequest, email: str, customer_id: str | None) -> bool:
    return request.email == email or (
        customer_id is not None and request.customer_id == customer_id
    )


class SqlPrivacyRequests(PrivacyRequestRepository):
    """Access and erasure requests in SQL."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def add(self, request: PrivacyRequest) -> None:
        if self._tx.exists(PRIVACY_REQUESTS, request.id):
            raise ConflictError(table="privacy_requests")
        self._tx.stage(PRIVACY_REQUESTS, request.id, request)

    def get(self, request_id: str) -> PrivacyRequest | None:
        return self._tx.get(PRIVACY_REQUESTS, request_id)

    def save(self, request: PrivacyRequest) -> None:
        if self.get(request.id) is None:
            raise PrivacyRequestNotFoundError
        self._tx.stage(PRIVACY_REQUESTS, request.id, request)

    def delete(self, request_id: str) -> bool:
        if self.get(request_id) is None:
            return False
        self._tx.stage(PRIVACY_REQUESTS, request_id, MISSING)
        return True

    def count_since(self, email: str, since: datetime) -> int:
        c = privacy_requests.c
        found = PRIVACY_REQUESTS.load_where(self._tx, c.email == email, c.received_at >= since)
        return len(
            self._tx.merge(
                PRIVACY_REQUESTS,
                found,
                lambda r: r.email == email and r.received_at >= since,
                lambda r: r.id,
            )
        )

    def for_subject(self, email: str, customer_id: str | None) -> list[PrivacyRequest]:
        c = privacy_requests.c
        where = (
            c.email == email
            if customer_id is None
            else or_(c.email == email, c.customer_id == customer_id)
        )
        found = self._tx.load_once(
            PRIVACY_REQUESTS,
            ("for_subject", email, customer_id),
            lambda: PRIVACY_REQUESTS.load_where(self._tx, where),
        )
        return self._tx.merge(
            PRIVACY_REQUESTS,
            found,
            lambda r: (
                r.email == email or (customer_id is not None and r.customer_id == customer_id)
            ),
            lambda r: (r.received_at, r.id),
        )

    def list(self, *, open_at: datetime | None = None, limit: int = 100) -> list[PrivacyRequest]:
        c = privacy_requests.c
        where = [] if open_at is None else [_open_at(open_at)]
        window = self._tx.window(PRIVACY_REQUESTS, limit, 0)
        found = (
            PRIVACY_REQUESTS.load_where(
                self._tx,
                *where,
                order_by=[
                    func.coalesce(c.extended_to, c.due_on),
                    c.received_at,
                    self._tx.text_order(c.id),
                ],
                limit=window,
            )
            if window > 0
            else {}
        )
        return self._tx.merge(
            PRIVACY_REQUESTS,
            found,
            lambda r: open_at is None or r.is_open(open_at),
            lambda r: (r.due, r.received_at, r.id),
            limit=limit,
        )

    def sweep_closed(
        self, cutoff: datetime, *, after: str | None, limit: int, dry_run: bool
    ) -> DeletionPage:
        c = privacy_requests.c
        due = or_(
            and_(c.status == str(RequestStatus.COMPLETED), c.completed_at < cutoff),
            and_(c.status == str(RequestStatus.AWAITING_CONFIRMATION), c.confirm_by < cutoff),
        )
        return _sweep(self._tx, privacy_requests, due, after=after, limit=limit, dry_run=dry_run)


class SqlBundleStore(BundleStore):
    """Delivered exports in SQL."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def add(self, bundle: StoredBundle) -> None:
        if self._tx.exists(EXPORT_BUNDLES, bundle.id):
            raise ConflictError(table="privacy_export_bundles")
        self._tx.stage(EXPORT_BUNDLES, bundle.id, bundle)

    def get(self, bundle_id: str) -> StoredBundle | None:
        return self._tx.get(EXPORT_BUNDLES, bundle_id)

    def delete(self, bundle_id: str) -> bool:
        if not self._tx.exists(EXPORT_BUNDLES, bundle_id):
            return False
        self._tx.stage(EXPORT_BUNDLES, bundle_id, MISSING)
        return True

    def for_requests(self, request_ids: Collection[str]) -> list[StoredBundle]:
        wanted = list(dict.fromkeys(request_ids))
        c = privacy_export_bundles.c
        found = EXPORT_BUNDLES.load_where(self._tx, c.request_id.in_(wanted)) if wanted else {}
        keep = set(wanted)
        return self._tx.merge(
            EXPORT_BUNDLES, found, lambda b: b.request_id in keep, lambda b: (b.created_at, b.id)
        )

    def sweep_created_before(
        self, cutoff: datetime, *, after: str | None, limit: int, dry_run: bool
    ) -> DeletionPage:
        due = privacy_export_bundles.c.created_at < cutoff
        return _sweep(
            self._tx, privacy_export_bundles, due, after=after, limit=limit, dry_run=dry_run
        )


class SqlErasureLedger(ErasureLedger):
    """The erasure ledger in SQL (append-only)."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def add(self, entry: ErasureLedgerEntry) -> None:
        if self._tx.exists(ERASURE_LEDGER, entry.id):
            raise ConflictError(table="privacy_erasure_ledger")
        self._tx.stage(ERASURE_LEDGER, entry.id, entry)

    def get(self, entry_id: str) -> ErasureLedgerEntry | None:
        return self._tx.get(ERASURE_LEDGER, entry_id)

    def matching(
        self,
        key_id: str,
        email_hashes: Collection[str],
        customer_hashes: Collection[str],
        *,
        since: datetime | None = None,
    ) -> list[ErasureLedgerEntry]:
        emails, customers_ = sorted(set(email_hashes)), sorted(set(customer_hashes))
        c = privacy_erasure_ledger.c
        hashes = []
        if emails:
            hashes.append(c.email_hash.in_(emails))
        if customers_:
            hashes.append(c.customer_hash.in_(customers_))
        if not hashes:
            return []
        where = [c.key_id == key_id, or_(*hashes)]
        if since is not None:
            where.append(c.erased_at > since)
        found = ERASURE_LEDGER.load_where(self._tx, *where)
        wanted_emails, wanted_customers = set(emails), set(customers_)
        return self._tx.merge(
            ERASURE_LEDGER,
            found,
            lambda e: (
                e.key_id == key_id
                and (since is None or e.erased_at > since)
                and (e.email_hash in wanted_emails or e.customer_hash in wanted_customers)
            ),
            lambda e: e.id,
        )

    def entries(self, *, after: str | None = None, limit: int = 1000) -> list[ErasureLedgerEntry]:
        key = self._tx.text_order(privacy_erasure_ledger.c.id)
        where = [] if after is None else [key > after]
        window = self._tx.window(ERASURE_LEDGER, limit, 0)
        found = (
            ERASURE_LEDGER.load_where(self._tx, *where, order_by=[key], limit=window)
            if window > 0
            else {}
        )
        return self._tx.merge(
            ERASURE_LEDGER,
            found,
            lambda e: after is None or e.id > after,
            lambda e: e.id,
            limit=limit,
        )


#: Every column that holds a person's normalised email.
EMAIL_COLUMNS = (
    customers.c.email,
    orders.c.contact_email,
    reviews.c.author_email,
    consents.c.subject_email,
    lost_credentials.c.contact_email,
    privacy_requests.c.email,
)


class SqlSubjectDirectory(SubjectDirectory):
    """Every email the database holds, from each column that holds one."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def find(self, email: str) -> KnownSubject | None:
        known = or_(*(exists().where(column == email) for column in EMAIL_COLUMNS))
        account = select(customers.c.id).where(customers.c.email == email).scalar_subquery()
        rows = self._tx.fetch(select(known.label("known"), account.label("customer_id")))
        if not rows or not rows[0].known:
            return None
        return KnownSubject(email, rows[0].customer_id)

    def page(self, *, after: str | None, limit: int) -> list[KnownSubject]:
        size = max(0, limit)
        if size == 0:
            return []
        branches = []
        for column in EMAIL_COLUMNS:
            where = [column.is_not(None), column != literal("")]
            if after is not None:
                where.append(column > after)
            first = (
                select(column.label("email"))
                .where(*where)
                .distinct()
                .order_by(column)
                .limit(size)
                .subquery()
            )
            branches.append(select(first.c.email))
        emails = union(*branches).subquery()
        statement = (
            select(emails.c.email, customers.c.id)
            .select_from(emails.outerjoin(customers, customers.c.email == emails.c.email))
            .order_by(emails.c.email)
            .limit(size)
        )
        rows: Any = self._tx.fetch(statement)
        return [KnownSubject(row.email, row.id) for row in rows]

    def account(self, customer_id: str) -> KnownSubject | None:
        rows = self._tx.fetch(select(customers.c.email).where(customers.c.id == customer_id))
        return KnownSubject(rows[0].email, customer_id) if rows else None
