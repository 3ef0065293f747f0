"""SQL repositories of accounts (customers, credentials), consents and the access log.

Email and case-folded username are unique in the ``customers`` table itself: a sign-up
checks them first to answer with :class:`~klickit_core.accounts.ports.DuplicateAccountError`
at once, and two concurrent sign-ups that both passed the check are told apart by the
unique constraints at commit (the same error, from :mod:`.errors`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, select, update

from klickit_core.accounts.domain import AccountActivity, Customer
from klickit_core.accounts.ports import (
    CredentialRepository,
    CustomerNotFoundError,
    CustomerRepository,
    DuplicateAccountError,
)
from klickit_core.adapters.sql import people
from klickit_core.adapters.sql.base import MISSING, Loaded, RowSet, SqlTransaction, TableAggregate
from klickit_core.adapters.sql.rows import address_from, address_row
from klickit_core.adapters.sql.tables import access_log, consents, credentials, customers, orders
from klickit_core.consents.domain import TERMS_OF_SALE, ConsentRecord
from klickit_core.consents.ports import ConsentRepository
from klickit_core.shared.access_log import AccessLog, AccessLogEntry
from klickit_core.shared.errors import ConflictError
from klickit_core.shared.sweeps import SweepKey, SweepPage

__all__ = [
    "ACCESS_LOG",
    "CONSENTS",
    "CREDENTIALS",
    "CUSTOMERS",
    "SqlAccessLog",
    "SqlConsents",
    "SqlCredentials",
    "SqlCustomers",
]


def _folded(username: str | None) -> str | None:
    return None if username is None else username.casefold()


class _Customers(TableAggregate[str, Customer]):
    table = customers
    key_column = "id"

    def to_row(self, value: Customer) -> dict[str, Any]:
        return {
            "id": value.id,
            "email": value.email,
            "first_name": value.first_name,
            "last_name": value.last_name,
            "created_at": value.created_at,
            "updated_at": value.updated_at,
            "phone": value.phone,
            **address_row("billing", value.billing_address),
            **address_row("shipping", value.shipping_address),
            "username": value.username,
            "username_folded": _folded(value.username),
        }

    def from_row(self, row: Mapping[Any, Any]) -> Customer:
        return Customer(
            id=row["id"],
            email=row["email"],
            first_name=row["first_name"],
            last_name=row["last_name"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            phone=row["phone"],
            billing_address=address_from("billing", row),
            shipping_address=address_from("shipping", row),
            username=row["username"],
        )


#: A stored password hash: the customer id and the hash.
Credential = tuple[str, str]


class _Credentials(TableAggregate[str, Credential]):
    """Hashes have no version: a change is a compare-and-swap on the hash read."""

    table = credentials
    key_column = "customer_id"
    versioned = False

    def to_row(self, value: Credential) -> dict[str, Any]:
        return {"customer_id": value[0], "password_hash": value[1]}

    def from_row(self, row: Mapping[Any, Any]) -> Credential:
        return (row["customer_id"], row["password_hash"])

    def update(
        self, tx: SqlTransaction, seen: Loaded[Credential], value: Credential, rows: RowSet
    ) -> bool:
        statement = (
            update(credentials)
            .where(
                credentials.c.customer_id == value[0],
                credentials.c.password_hash == seen.value[1],
            )
            .values(password_hash=value[1])
        )
        return tx.execute(statement).rowcount == 1


class _Consents(TableAggregate[str, ConsentRecord]):
    table = consents
    key_column = "id"
    versioned = False

    def to_row(self, value: ConsentRecord) -> dict[str, Any]:
        return {
            "id": value.id,
            "subject_email": value.subject_email,
            "purpose": value.purpose,
            "text_version": value.text_version,
            "granted": value.granted,
            "at": value.at,
            "channel": value.channel,
            "customer_id": value.customer_id,
            "order_id": value.order_id,
        }

    def from_row(self, row: Mapping[Any, Any]) -> ConsentRecord:
        return ConsentRecord(
            id=row["id"],
            subject_email=row["subject_email"],
            purpose=row["purpose"],
            text_version=row["text_version"],
            granted=row["granted"],
            at=row["at"],
            channel=row["channel"],
            customer_id=row["customer_id"],
            order_id=row["order_id"],
        )


class _AccessLog(TableAggregate[str, AccessLogEntry]):
    table = access_log
    key_column = "id"
    versioned = False

    def to_row(self, value: AccessLogEntry) -> dict[str, Any]:
        return {
            "id": value.id,
            "actor_id": value.actor_id,
            "actor_role": value.actor_role,
            "action": value.action,
            "subject": value.subject,
            "at": value.at,
        }

    def from_row(self, row: Mapping[Any, Any]) -> AccessLogEntry:
        return AccessLogEntry(
            row["id"], row["actor_id"], row["actor_role"], row["action"], row["subject"], row["at"]
        )


CUSTOMERS = _Customers()
CREDENTIALS = _Credentials()
CONSENTS = _Consents()
ACCESS_LOG = _AccessLog()


class SqlCustomers(CustomerRepository):
    """Customers in SQL; email and username (case-insensitive) are unique."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def get(self, customer_id: str) -> Customer | None:
        return self._tx.get(CUSTOMERS, customer_id)

    def _find(self, column: Any, value: str, matches: Any) -> Customer | None:
        """The customer holding ``value`` as this transaction sees it: its own writes
        first, then the stored rows it has not rewritten."""
        for entry in self._tx.staged(CUSTOMERS).values():
            if entry.value is not MISSING and matches(entry.value):
                found: Customer = entry.value
                return found
        return next(iter(self._tx.find_once(CUSTOMERS, column, value)), None)

    def by_email(self, email: str) -> Customer | None:
        return self._find(customers.c.email, email, lambda c: c.email == email)

    def by_username(self, username: str) -> Customer | None:
        folded = username.casefold()
        return self._find(
            customers.c.username_folded, folded, lambda c: _folded(c.username) == folded
        )

    def _check_unique(self, customer: Customer) -> None:
        holders = [self.by_email(customer.email)]
        if customer.username is not None:
            holders.append(self.by_username(customer.username))
        if any(holder is not None and holder.id != customer.id for holder in holders):
            raise DuplicateAccountError

    def add(self, customer: Customer) -> None:
        if self._tx.exists(CUSTOMERS, customer.id):
            raise DuplicateAccountError
        self._check_unique(customer)
        self._tx.stage(CUSTOMERS, customer.id, customer)

    def save(self, customer: Customer) -> None:
        if self.get(customer.id) is None:
            raise CustomerNotFoundError
        self._check_unique(customer)
        self._tx.stage(CUSTOMERS, customer.id, customer)

    def delete(self, customer_id: str) -> bool:
        if self.get(customer_id) is None:
            return False
        # The password hash and the activity record go with the row (ON DELETE CASCADE).
        self._tx.stage(CUSTOMERS, customer_id, MISSING)
        return True

    def activity(self, customer_id: str) -> AccountActivity | None:
        return self._tx.get(people.ACCOUNT_ACTIVITY, customer_id)

    def record_inactivity_notice(self, customer_id: str, at: datetime) -> None:
        if self.get(customer_id) is None:
            raise CustomerNotFoundError
        current = self.activity(customer_id) or AccountActivity(customer_id)
        self._tx.stage(
            people.ACCOUNT_ACTIVITY,
            customer_id,
            AccountActivity(customer_id, current.last_login_at, at),
        )

    def inactive(self, cutoff: datetime, *, after: str | None, limit: int) -> list[str]:
        return people.inactive_accounts(self._tx, cutoff, after=after, limit=limit)

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


class SqlCredentials(CredentialRepository):
    """Password hashes in their own table, apart from customers."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def set_password_hash(self, customer_id: str, password_hash: str) -> None:
        self._tx.stage(CREDENTIALS, customer_id, (customer_id, password_hash))

    def password_hash(self, customer_id: str) -> str | None:
        found = self._tx.get(CREDENTIALS, customer_id)
        return None if found is None else found[1]


class SqlConsents(ConsentRepository):
    """The consent ledger in SQL (append-only)."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def add(self, record: ConsentRecord) -> None:
        if self._tx.exists(CONSENTS, record.id):  # proofs are never rewritten
            raise ConflictError(table="consents")
        self._tx.stage(CONSENTS, record.id, record)

    def for_subject(self, email: str) -> list[ConsentRecord]:
        found = self._tx.load_once(
            CONSENTS,
            ("for_subject", email),
            lambda: CONSENTS.load_where(
                self._tx,
                consents.c.subject_email == email,
                order_by=[consents.c.at, self._tx.text_order(consents.c.id)],
            ),
        )
        return self._tx.merge(
            CONSENTS, found, lambda r: r.subject_email == email, lambda r: (r.at, r.id)
        )

    def for_customer(self, customer_id: str) -> list[ConsentRecord]:
        found = CONSENTS.load_where(
            self._tx,
            consents.c.customer_id == customer_id,
            order_by=[consents.c.at, self._tx.text_order(consents.c.id)],
        )
        return self._tx.merge(
            CONSENTS, found, lambda r: r.customer_id == customer_id, lambda r: (r.at, r.id)
        )

    def delete(self, record_id: str) -> None:
        if self._tx.exists(CONSENTS, record_id):
            self._tx.stage(CONSENTS, record_id, MISSING)

    def live_orders(self, order_ids: Sequence[str]) -> set[str]:
        if not order_ids:
            return set()
        found = self._tx.fetch(
            select(orders.c.id).where(
                self._tx.key_in(orders.c.id, order_ids), orders.c.anonymised_at.is_(None)
            )
        )
        return {row[0] for row in found}

    def _newer(self, before: datetime | None = None) -> ColumnElement[bool]:
        """Whether a newer record of the same person and purpose exists (made before
        ``before``, if given): the record is no longer the one in force."""
        newer = consents.alias("newer")
        return exists().where(
            newer.c.subject_email == consents.c.subject_email,
            newer.c.purpose == consents.c.purpose,
            (newer.c.at > consents.c.at)
            | (
                (newer.c.at == consents.c.at)
                & (self._tx.text_order(newer.c.id) > self._tx.text_order(consents.c.id))
            ),
            *([newer.c.at < before] if before is not None else []),
        )

    def sweep_proofs(
        self, cutoff: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        ended = consents.c.granted.is_(False) | self._newer(cutoff)
        return self._sweep(
            and_(consents.c.at < cutoff, ended), after=after, limit=limit, dry_run=dry_run
        )

    def sweep_standing(
        self, cutoff: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        in_force = and_(consents.c.granted.is_(True), ~self._newer())
        return self._sweep(
            and_(consents.c.at < cutoff, in_force), after=after, limit=limit, dry_run=dry_run
        )

    def _sweep(
        self, due: ColumnElement[bool], *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        # The terms of sale of a live order follow it (PRV-1): never selected here.
        follows_order = and_(
            consents.c.purpose == TERMS_OF_SALE,
            consents.c.order_id.is_not(None),
            exists().where(orders.c.id == consents.c.order_id, orders.c.anonymised_at.is_(None)),
        )
        return people.keyset_sweep(
            self._tx,
            consents,
            clock="at",
            key="id",
            due=[due, ~follows_order],
            after=after,
            limit=limit,
            dry_run=dry_run,
        )


class SqlAccessLog(AccessLog):
    """The access log in SQL (append-only)."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def add(self, entry: AccessLogEntry) -> None:
        if self._tx.exists(ACCESS_LOG, entry.id):
            raise ConflictError(table="access_log")
        self._tx.stage(ACCESS_LOG, entry.id, entry)

    def entries(
        self, *, actor_id: str | None = None, subject: str | None = None, limit: int = 1000
    ) -> list[AccessLogEntry]:
        where: list[Any] = []
        if actor_id is not None:
            where.append(access_log.c.actor_id == actor_id)
        if subject is not None:
            where.append(access_log.c.subject == subject)
        window = self._tx.window(ACCESS_LOG, limit, 0)
        found = (
            ACCESS_LOG.load_where(
                self._tx,
                *where,
                order_by=[access_log.c.at.desc(), self._tx.text_order(access_log.c.id).desc()],
                limit=window,
            )
            if window > 0
            else {}
        )
        return self._tx.merge(
            ACCESS_LOG,
            found,
            lambda e: (
                (actor_id is None or e.actor_id == actor_id)
                and (subject is None or e.subject == subject)
            ),
            lambda e: (e.at, e.id),
            reverse=True,
            limit=limit,
        )

    def about(self, subject: str) -> list[AccessLogEntry]:
        found = ACCESS_LOG.load_where(
            self._tx,
            access_log.c.subject == subject,
            order_by=[access_log.c.at, self._tx.text_order(access_log.c.id)],
        )
        return self._tx.merge(
            ACCESS_LOG, found, lambda e: e.subject == subject, lambda e: (e.at, e.id)
        )

    def about_any(self, subjects: Collection[str]) -> list[AccessLogEntry]:
        keys = frozenset(subjects)
        # One statement whatever the number of subjects: they are bound as one key list.
        found = (
            ACCESS_LOG.load_where(self._tx, self._tx.key_in(access_log.c.subject, sorted(keys)))
            if keys
            else {}
        )
        return self._tx.merge(
            ACCESS_LOG, found, lambda e: e.subject in keys, lambda e: (e.at, e.id)
        )

    def delete_about(self, subject: str, before: datetime) -> int:
        old = [entry for entry in self.about(subject) if entry.at < before]
        for entry in old:
            self._tx.stage(ACCESS_LOG, entry.id, MISSING)
        return len(old)

    def sweep(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        return people.keyset_sweep(
            self._tx,
            access_log,
            clock="at",
            key="id",
            due=[access_log.c.at < before],
            after=after,
            limit=limit,
            dry_run=dry_run,
        )
