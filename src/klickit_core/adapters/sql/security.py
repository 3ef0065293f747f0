"""SQL repositories of account security (SEC-2 … SEC-6): login attempts, one-time tokens,
the security event log and lost-credentials requests.

They keep the unit of work's rule (decision 0005): reads in autocommit, merged with what
the transaction wrote; writes staged and applied at ``commit()``. Per method:

* **Counting** (``count_failures``, ``count_issued``, ``last_unlocked_at``) is one indexed
  aggregate query over the committed rows the transaction has not rewritten, plus its own
  staged records: no row is loaded into Python.
* **Spending a token** (``mark_used``) answers from what the transaction sees (``False``
  for an unknown or spent token) and stages the spent record; ``commit()`` writes it as
  one guarded statement, ``UPDATE tokens SET used_at = :at WHERE id = :id AND used_at IS
  NULL``. Two units of work spending one token may both be told ``True``, but only one
  commit matches the row: the other touches none, which is a
  :class:`~klickit_core.shared.errors.ConflictError`, and nothing of that unit of work is
  written (its new password, its login). That is the memory backend's answer too, and the
  one the contract suite accepts; running the use case again then meets a spent token.
  Writing at once instead (``write_now``) would hold the write lock from the spend to the
  commit: an Argon2 rehash on SQLite, and a deadlock for two units of work of one thread.
* **Revoking** (``revoke``) stages each live token of the subject as spent, with the same
  guard at commit: a token spent meanwhile by someone else is a conflict, as on memory.
* **Retention deletes** (``delete_before``, ``delete_expired``) are set-based and bounded,
  run at once in the unit of work's write phase (:meth:`~.base.SqlTransaction.write_now`):
  ``DELETE … WHERE id IN (SELECT id … ORDER BY <time>, id LIMIT :limit)`` (on
  PostgreSQL through a materialised ``WITH``, ``FOR UPDATE SKIP LOCKED``, so sweep
  workers share the work). They commit with the unit of work (a sweep's checkpoint with them);
  records this unit of work added and has not committed yet are not affected. Use them
  in a unit of work of their own, as sweeps do.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

import attrs
from sqlalchemy import ColumnElement, Table, delete, func, select, update

from klickit_core.accounts.ports import (
    LoginAttemptRepository,
    LostCredentialsRepository,
    LostCredentialsRequestNotFoundError,
)
from klickit_core.accounts.security import (
    AttemptOutcome,
    LoginAttempt,
    LostCredentialsRequest,
    RecoveryStatus,
)
from klickit_core.adapters.sql.base import (
    MISSING,
    Aggregate,
    Loaded,
    RowSet,
    SqlTransaction,
    TableAggregate,
)
from klickit_core.adapters.sql.errors import translated
from klickit_core.adapters.sql.people import fold_logins, keyset_sweep, select_keys
from klickit_core.adapters.sql.tables import (
    login_attempts,
    lost_credentials,
    security_events,
    tokens,
)
from klickit_core.shared.errors import ConflictError
from klickit_core.shared.security_events import SecurityEvent, SecurityEventLog
from klickit_core.shared.sweeps import SweepKey, SweepPage
from klickit_core.shared.tokens import OneTimeToken, OneTimeTokenRepository

__all__ = [
    "LOGIN_ATTEMPTS",
    "LOST_CREDENTIALS",
    "SECURITY_EVENTS",
    "TOKENS",
    "SqlLoginAttempts",
    "SqlLostCredentials",
    "SqlOneTimeTokens",
    "SqlSecurityEvents",
    "delete_oldest",
]


# ---------------------------------------------------------------------- shared helpers


def _staged_values(tx: SqlTransaction, aggregate: Aggregate[str, Any]) -> list[Any]:
    """The values this transaction wrote and has not committed (deletions left out)."""
    return [entry.value for entry in tx.staged(aggregate).values() if entry.value is not MISSING]


def _unstaged(tx: SqlTransaction, aggregate: Aggregate[str, Any], table: Table) -> list[Any]:
    """A condition leaving out the stored rows this transaction rewrote (its overlay
    answers for them)."""
    staged = list(tx.staged(aggregate))
    return [table.c.id.not_in(staged)] if staged else []


def _count(tx: SqlTransaction, table: Table, where: list[Any]) -> int:
    """``SELECT COUNT(*) FROM table WHERE …`` (one indexed aggregate, no rows loaded)."""
    rows = tx.fetch(select(func.count()).select_from(table).where(*where))
    return int(rows[0][0]) if rows else 0


def delete_oldest(
    tx: SqlTransaction, table: Table, moment_column: str, before: datetime, limit: int
) -> int:
    """Delete up to ``limit`` rows of ``table`` whose ``moment_column`` is before
    ``before``, oldest first (then by id), with one set-based statement in the unit of
    work's write phase; how many. On PostgreSQL the rows are picked ``FOR UPDATE SKIP
    LOCKED``, so concurrent sweepers never wait for or delete the same rows.

    On PostgreSQL the rows are chosen in a ``MATERIALIZED`` common table expression: a
    ``LIMIT`` subquery inside ``IN (…)`` may be run again by some plans (a nested loop
    rescanning it), and then pick further rows, deleting more than ``limit``. SQLite runs
    an uncorrelated ``IN (…)`` subquery once, and its driver counts the rows deleted only
    by a statement that starts with ``DELETE``."""
    if limit <= 0:
        return 0
    moment = table.c[moment_column]
    chosen = (
        select(table.c.id)
        .where(moment < before)
        .order_by(moment, tx.text_order(table.c.id))
        .limit(limit)
    )
    if tx.dialect == "postgresql":
        due = chosen.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
        chosen = select(due.c.id)
    connection = tx.write_now()
    with translated(table.name):
        result = connection.execute(delete(table).where(table.c.id.in_(chosen)))
    return int(result.rowcount)


# ---------------------------------------------------------------------- login attempts


class _LoginAttempts(TableAggregate[str, LoginAttempt]):
    """No version: an attempt is written once, and a claimed failure may be settled once
    (an update guarded on the outcome it was claimed with)."""

    table = login_attempts
    key_column = "id"
    versioned = False

    def to_row(self, value: LoginAttempt) -> dict[str, Any]:
        return {
            "id": value.id,
            "at": value.at,
            "outcome": value.outcome.value,
            "customer_id": value.customer_id,
            "ip_address": value.ip_address,
        }

    def from_row(self, row: Mapping[Any, Any]) -> LoginAttempt:
        return LoginAttempt(
            id=row["id"],
            at=row["at"],
            outcome=AttemptOutcome(row["outcome"]),
            customer_id=row["customer_id"],
            ip_address=row["ip_address"],
        )

    def update(
        self, tx: SqlTransaction, seen: Loaded[LoginAttempt], value: LoginAttempt, rows: RowSet
    ) -> bool:
        """``UPDATE login_attempts SET outcome = :new WHERE id = :id AND outcome = :seen``:
        a claim is settled once."""
        del rows
        statement = (
            update(login_attempts)
            .where(
                login_attempts.c.id == value.id,
                login_attempts.c.outcome == seen.value.outcome.value,
            )
            .values(outcome=value.outcome.value)
        )
        return int(tx.execute(statement).rowcount) == 1


LOGIN_ATTEMPTS = _LoginAttempts()


class SqlLoginAttempts(LoginAttemptRepository):
    """Login attempts in SQL, counted with indexed ``COUNT`` queries (SEC-2)."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def add(self, attempt: LoginAttempt) -> None:
        if self._tx.exists(LOGIN_ATTEMPTS, attempt.id):  # attempts are never rewritten
            raise ConflictError(table="login_attempts")
        self._tx.stage(LOGIN_ATTEMPTS, attempt.id, attempt)

    def settle(self, claimed: LoginAttempt, outcome: AttemptOutcome | None) -> None:
        stored = self._tx.get(LOGIN_ATTEMPTS, claimed.id)
        if stored != claimed:
            raise ConflictError(table="login_attempts")
        settled = MISSING if outcome is None else attrs.evolve(claimed, outcome=outcome)
        self._tx.stage(LOGIN_ATTEMPTS, claimed.id, settled)

    def count_failures(
        self, since: datetime, *, customer_id: str | None = None, ip_address: str | None = None
    ) -> int:
        if (customer_id is None) == (ip_address is None):
            raise ValueError("count failures by customer_id or by ip_address, not both")
        failed = AttemptOutcome.FAILED
        column = "customer_id" if customer_id is not None else "ip_address"
        key = customer_id if customer_id is not None else ip_address
        stored = _count(
            self._tx,
            login_attempts,
            [
                login_attempts.c[column] == key,
                login_attempts.c.at >= since,
                login_attempts.c.outcome == failed.value,
                *_unstaged(self._tx, LOGIN_ATTEMPTS, login_attempts),
            ],
        )
        own = sum(
            1
            for a in _staged_values(self._tx, LOGIN_ATTEMPTS)
            if a.outcome is failed and getattr(a, column) == key and a.at >= since
        )
        return stored + own

    def last_unlocked_at(self, customer_id: str) -> datetime | None:
        rows = self._tx.fetch(
            select(func.max(login_attempts.c.at)).where(
                login_attempts.c.customer_id == customer_id,
                login_attempts.c.outcome != AttemptOutcome.FAILED.value,
                *_unstaged(self._tx, LOGIN_ATTEMPTS, login_attempts),
            )
        )
        stored: datetime | None = rows[0][0] if rows else None
        own = [
            a.at
            for a in _staged_values(self._tx, LOGIN_ATTEMPTS)
            if a.customer_id == customer_id and a.outcome is not AttemptOutcome.FAILED
        ]
        return max([*own, *([stored] if stored is not None else [])], default=None)

    def delete_before(self, moment: datetime, limit: int = 1000) -> int:
        return delete_oldest(self._tx, login_attempts, "at", moment, limit)

    # People-side privacy (PRV-2 … PRV-4): see adapters/sql/people.py.
    def for_customer(self, customer_id: str) -> list[LoginAttempt]:
        found = LOGIN_ATTEMPTS.load_where(self._tx, login_attempts.c.customer_id == customer_id)
        return self._tx.merge(
            LOGIN_ATTEMPTS, found, lambda a: a.customer_id == customer_id, lambda a: (a.at, a.id)
        )

    def delete_for_customer(self, customer_id: str) -> int:
        found = self.for_customer(customer_id)
        for attempt in found:
            self._tx.stage(LOGIN_ATTEMPTS, attempt.id, MISSING)
        return len(found)

    def sweep(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        rows = select_keys(
            self._tx,
            login_attempts,
            clock="at",
            key="id",
            due=[login_attempts.c.at < before],
            after=after,
            limit=limit,
            dry_run=dry_run,
        )
        ids = [row[1] for row in rows]
        if not dry_run and ids:
            fold_logins(self._tx, ids)
            with translated("login_attempts"):
                self._tx.write_now().execute(
                    delete(login_attempts).where(self._tx.key_in(login_attempts.c.id, ids))
                )
        return SweepPage.of([SweepKey(row[0], row[1]) for row in rows])


# ---------------------------------------------------------------------- one-time tokens


class _Tokens(TableAggregate[str, OneTimeToken]):
    """Token records. The one change the port makes to a stored record is spending it,
    written with a guard on ``used_at`` instead of a version (see the module docstring)."""

    table = tokens
    key_column = "id"
    versioned = False

    def to_row(self, value: OneTimeToken) -> dict[str, Any]:
        return {
            "id": value.id,
            "purpose": value.purpose,
            "subject": value.subject,
            "verifier_hash": value.verifier_hash,
            "created_at": value.created_at,
            "expires_at": value.expires_at,
            "used_at": value.used_at,
        }

    def from_row(self, row: Mapping[Any, Any]) -> OneTimeToken:
        return OneTimeToken(
            id=row["id"],
            purpose=row["purpose"],
            subject=row["subject"],
            verifier_hash=row["verifier_hash"],
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            used_at=row["used_at"],
        )

    def update(
        self, tx: SqlTransaction, seen: Loaded[OneTimeToken], value: OneTimeToken, rows: RowSet
    ) -> bool:
        """``UPDATE tokens SET used_at = :at WHERE id = :id AND used_at IS NULL``: only
        the first commit that spends a token matches its row."""
        del rows
        before = seen.value.used_at
        unchanged: ColumnElement[bool] = (
            tokens.c.used_at.is_(None) if before is None else tokens.c.used_at == before
        )
        statement = (
            update(tokens).where(tokens.c.id == value.id, unchanged).values(used_at=value.used_at)
        )
        return int(tx.execute(statement).rowcount) == 1


TOKENS = _Tokens()


class SqlOneTimeTokens(OneTimeTokenRepository):
    """One-time token records in SQL; spending is a guarded update at commit."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def add(self, token: OneTimeToken) -> None:
        if self._tx.exists(TOKENS, token.id):
            raise ConflictError(table="tokens")
        self._tx.stage(TOKENS, token.id, token)

    def get(self, token_id: str) -> OneTimeToken | None:
        return self._tx.get(TOKENS, token_id)

    def mark_used(self, token_id: str, at: datetime) -> bool:
        record = self.get(token_id)
        if record is None or record.is_used:
            return False
        self._tx.stage(TOKENS, token_id, record.spent(at))
        return True

    def revoke(self, subject: str, purposes: Collection[str], at: datetime) -> int:
        wanted = sorted(set(purposes))
        if not wanted:
            return 0
        found = TOKENS.load_where(
            self._tx,
            tokens.c.subject == subject,
            tokens.c.purpose.in_(wanted),
            tokens.c.used_at.is_(None),
        )
        live = self._tx.merge(
            TOKENS,
            found,
            lambda t: t.subject == subject and t.purpose in wanted and not t.is_used,
            lambda t: t.id,
        )
        for token in live:
            self._tx.stage(TOKENS, token.id, token.spent(at))
        return len(live)

    def count_issued(self, subject: str, purpose: str, since: datetime) -> int:
        stored = _count(
            self._tx,
            tokens,
            [
                tokens.c.subject == subject,
                tokens.c.purpose == purpose,
                tokens.c.created_at >= since,
                *_unstaged(self._tx, TOKENS, tokens),
            ],
        )
        own = sum(
            1
            for t in _staged_values(self._tx, TOKENS)
            if t.subject == subject and t.purpose == purpose and t.created_at >= since
        )
        return stored + own

    def delete_expired(self, before: datetime, limit: int = 1000) -> int:
        return delete_oldest(self._tx, tokens, "expires_at", before, limit)

    # People-side privacy (PRV-2 … PRV-4): see adapters/sql/people.py.
    def for_subject(self, subject: str) -> list[OneTimeToken]:
        found = TOKENS.load_where(self._tx, tokens.c.subject == subject)
        return self._tx.merge(
            TOKENS, found, lambda t: t.subject == subject, lambda t: (t.created_at, t.id)
        )

    def delete_for_subject(self, subject: str) -> int:
        found = self.for_subject(subject)
        for token in found:
            self._tx.stage(TOKENS, token.id, MISSING)
        return len(found)

    def sweep_expired(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        return keyset_sweep(
            self._tx,
            tokens,
            clock="expires_at",
            key="id",
            due=[tokens.c.expires_at < before],
            after=after,
            limit=limit,
            dry_run=dry_run,
        )


# ---------------------------------------------------------------------- security events


class _SecurityEvents(TableAggregate[str, SecurityEvent]):
    """Append-only: no version, never updated."""

    table = security_events
    key_column = "id"
    versioned = False

    def to_row(self, value: SecurityEvent) -> dict[str, Any]:
        return {
            "id": value.id,
            "kind": value.kind,
            "at": value.at,
            "customer_id": value.customer_id,
            "actor_id": value.actor_id,
            "ip_address": value.ip_address,
        }

    def from_row(self, row: Mapping[Any, Any]) -> SecurityEvent:
        return SecurityEvent(
            id=row["id"],
            kind=row["kind"],
            at=row["at"],
            customer_id=row["customer_id"],
            actor_id=row["actor_id"],
            ip_address=row["ip_address"],
        )

    def update(
        self, tx: SqlTransaction, seen: Loaded[SecurityEvent], value: SecurityEvent, rows: RowSet
    ) -> bool:
        """The one change the port makes to a stored event is anonymising it (erasure,
        ``anonymise_customer``): ``UPDATE … SET customer_id, ip_address`` guarded on the
        values read, so a concurrent change is a conflict."""
        del rows
        before = seen.value
        guards = [
            security_events.c[name].is_(None)
            if getattr(before, name) is None
            else security_events.c[name] == getattr(before, name)
            for name in ("customer_id", "ip_address")
        ]
        statement = (
            update(security_events)
            .where(security_events.c.id == value.id, *guards)
            .values(customer_id=value.customer_id, ip_address=value.ip_address)
        )
        return int(tx.execute(statement).rowcount) == 1


SECURITY_EVENTS = _SecurityEvents()


class SqlSecurityEvents(SecurityEventLog):
    """The security event log in SQL (append-only), read newest first."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def add(self, event: SecurityEvent) -> None:
        if self._tx.exists(SECURITY_EVENTS, event.id):  # events are never rewritten
            raise ConflictError(table="security_events")
        self._tx.stage(SECURITY_EVENTS, event.id, event)

    def events(
        self,
        *,
        kind: str | None = None,
        customer_id: str | None = None,
        since: datetime | None = None,
        limit: int = 1000,
    ) -> list[SecurityEvent]:
        where: list[Any] = []
        if kind is not None:
            where.append(security_events.c.kind == kind)
        if customer_id is not None:
            where.append(security_events.c.customer_id == customer_id)
        if since is not None:
            where.append(security_events.c.at >= since)
        window = self._tx.window(SECURITY_EVENTS, limit, 0)
        order = [security_events.c.at.desc(), self._tx.text_order(security_events.c.id).desc()]
        found = (
            SECURITY_EVENTS.load_where(self._tx, *where, order_by=order, limit=window)
            if window > 0
            else {}
        )
        return self._tx.merge(
            SECURITY_EVENTS,
            found,
            lambda e: (
                (kind is None or e.kind == kind)
                and (customer_id is None or e.customer_id == customer_id)
                and (since is None or e.at >= since)
            ),
            lambda e: (e.at, e.id),
            reverse=True,
            limit=limit,
        )

    def delete_before(self, moment: datetime, limit: int = 1000) -> int:
        return delete_oldest(self._tx, security_events, "at", moment, limit)

    # People-side privacy (PRV-2 … PRV-4): see adapters/sql/people.py.
    def for_customer(self, customer_id: str) -> list[SecurityEvent]:
        found = SECURITY_EVENTS.load_where(self._tx, security_events.c.customer_id == customer_id)
        return self._tx.merge(
            SECURITY_EVENTS,
            found,
            lambda e: e.customer_id == customer_id,
            lambda e: (e.at, e.id),
        )

    def anonymise_customer(self, customer_id: str) -> int:
        found = self.for_customer(customer_id)
        for event in found:
            self._tx.stage(
                SECURITY_EVENTS, event.id, attrs.evolve(event, customer_id=None, ip_address=None)
            )
        return len(found)

    def sweep(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        return keyset_sweep(
            self._tx,
            security_events,
            clock="at",
            key="id",
            due=[security_events.c.at < before],
            after=after,
            limit=limit,
            dry_run=dry_run,
        )


# ---------------------------------------------------------------------- lost credentials


class _LostCredentials(TableAggregate[str, LostCredentialsRequest]):
    """Requests are saved in place when reviewed: versioned, so two reviewers cannot both
    win (the second commit is a conflict)."""

    table = lost_credentials
    key_column = "id"

    def to_row(self, value: LostCredentialsRequest) -> dict[str, Any]:
        return {
            "id": value.id,
            "created_at": value.created_at,
            "name": value.name,
            "contact_email": value.contact_email,
            "message": value.message,
            "status": value.status.value,
            "reviewed_by": value.reviewed_by,
            "reviewed_at": value.reviewed_at,
            "customer_id": value.customer_id,
        }

    def from_row(self, row: Mapping[Any, Any]) -> LostCredentialsRequest:
        return LostCredentialsRequest(
            id=row["id"],
            created_at=row["created_at"],
            name=row["name"],
            contact_email=row["contact_email"],
            message=row["message"],
            status=RecoveryStatus(row["status"]),
            reviewed_by=row["reviewed_by"],
            reviewed_at=row["reviewed_at"],
            customer_id=row["customer_id"],
        )


LOST_CREDENTIALS = _LostCredentials()


class SqlLostCredentials(LostCredentialsRepository):
    """Lost-credentials requests in SQL; the review queue is read oldest first."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def add(self, request: LostCredentialsRequest) -> None:
        if self._tx.exists(LOST_CREDENTIALS, request.id):
            raise ConflictError(table="lost_credentials")
        self._tx.stage(LOST_CREDENTIALS, request.id, request)

    def get(self, request_id: str) -> LostCredentialsRequest | None:
        return self._tx.get(LOST_CREDENTIALS, request_id)

    def save(self, request: LostCredentialsRequest) -> None:
        if self.get(request.id) is None:
            raise LostCredentialsRequestNotFoundError
        self._tx.stage(LOST_CREDENTIALS, request.id, request)

    def list(
        self, *, status: RecoveryStatus | None = None, limit: int = 100
    ) -> list[LostCredentialsRequest]:
        where = [] if status is None else [lost_credentials.c.status == status.value]
        window = self._tx.window(LOST_CREDENTIALS, limit, 0)
        order = [lost_credentials.c.created_at, self._tx.text_order(lost_credentials.c.id)]
        found = (
            LOST_CREDENTIALS.load_where(self._tx, *where, order_by=order, limit=window)
            if window > 0
            else {}
        )
        return self._tx.merge(
            LOST_CREDENTIALS,
            found,
            lambda r: status is None or r.status is status,
            lambda r: (r.created_at, r.id),
            limit=limit,
        )

    # People-side privacy (PRV-2 … PRV-4): see adapters/sql/people.py.
    def for_person(
        self, email: str, customer_id: str | None = None
    ) -> builtins.list[LostCredentialsRequest]:
        where: Any = lost_credentials.c.contact_email == email
        if customer_id is not None:
            where = where | (lost_credentials.c.customer_id == customer_id)
        found = self._tx.load_once(
            LOST_CREDENTIALS,
            ("for_person", email, customer_id),
            lambda: LOST_CREDENTIALS.load_where(self._tx, where),
        )
        return self._tx.merge(
            LOST_CREDENTIALS,
            found,
            lambda r: (
                r.contact_email == email
                or (customer_id is not None and r.customer_id == customer_id)
            ),
            lambda r: (r.created_at, r.id),
        )

    def delete(self, request_id: str) -> None:
        if self._tx.exists(LOST_CREDENTIALS, request_id):
            self._tx.stage(LOST_CREDENTIALS, request_id, MISSING)

    def sweep(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        return keyset_sweep(
            self._tx,
            lost_credentials,
            clock="created_at",
            key="id",
            due=[lost_credentials.c.created_at < before],
            after=after,
            limit=limit,
            dry_run=dry_run,
        )
