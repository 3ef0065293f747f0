"""Memory repositories of account security (SEC-2 … SEC-6): login attempts, one-time tokens,
the security event log and lost-credentials requests.

Counting and filtering scan the table, as the rest of the memory backend does; the SQL
backend answers the same methods with indexed, set-based statements. Spending a token reads
then writes the record, so two transactions spending the same token conflict at commit
(the lost-update check), which is what the guarded ``UPDATE … WHERE used_at IS NULL`` gives
on SQL.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection
from datetime import datetime

import attrs

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
from klickit_core.adapters.memory import people
from klickit_core.adapters.memory.base import MISSING, MemoryTransaction
from klickit_core.shared.errors import ConflictError
from klickit_core.shared.security_events import SecurityEvent, SecurityEventLog
from klickit_core.shared.sweeps import SweepKey, SweepPage
from klickit_core.shared.tokens import OneTimeToken, OneTimeTokenRepository

__all__ = [
    "MemoryLoginAttempts",
    "MemoryLostCredentials",
    "MemoryOneTimeTokens",
    "MemorySecurityEvents",
]


def _add(tx: MemoryTransaction, table: str, key: str, value: object) -> None:
    """Insert ``value``; a taken key is a :class:`ConflictError` (never an overwrite)."""
    if tx.read(table, key) is not MISSING:
        raise ConflictError(table=table)
    tx.write(table, key, value)


class MemoryLoginAttempts(LoginAttemptRepository):
    """Login attempts in memory."""

    _TABLE = "login_attempts"

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def add(self, attempt: LoginAttempt) -> None:
        _add(self._tx, self._TABLE, attempt.id, attempt)

    def settle(self, claimed: LoginAttempt, outcome: AttemptOutcome | None) -> None:
        if self._tx.read(self._TABLE, claimed.id) != claimed:
            raise ConflictError(table=self._TABLE)
        settled = MISSING if outcome is None else attrs.evolve(claimed, outcome=outcome)
        self._tx.write(self._TABLE, claimed.id, settled)

    def count_failures(
        self, since: datetime, *, customer_id: str | None = None, ip_address: str | None = None
    ) -> int:
        if (customer_id is None) == (ip_address is None):
            raise ValueError("count failures by customer_id or by ip_address, not both")
        failed = AttemptOutcome.FAILED
        if customer_id is not None:
            return sum(
                1
                for a in self._tx.scan(self._TABLE)
                if a.outcome is failed and a.customer_id == customer_id and a.at >= since
            )
        return sum(
            1
            for a in self._tx.scan(self._TABLE)
            if a.outcome is failed and a.ip_address == ip_address and a.at >= since
        )

    def last_unlocked_at(self, customer_id: str) -> datetime | None:
        return max(
            (
                a.at
                for a in self._tx.scan(self._TABLE)
                if a.customer_id == customer_id and a.outcome is not AttemptOutcome.FAILED
            ),
            default=None,
        )

    def delete_before(self, moment: datetime, limit: int = 1000) -> int:
        old = sorted(
            (a for a in self._tx.scan(self._TABLE) if a.at < moment), key=lambda a: (a.at, a.id)
        )[:limit]
        for attempt in old:
            self._tx.write(self._TABLE, attempt.id, MISSING)
        return len(old)

    def for_customer(self, customer_id: str) -> list[LoginAttempt]:
        found = [a for a in self._tx.scan(self._TABLE) if a.customer_id == customer_id]
        return sorted(found, key=lambda a: (a.at, a.id))

    def delete_for_customer(self, customer_id: str) -> int:
        found = self.for_customer(customer_id)
        for attempt in found:
            self._tx.write(self._TABLE, attempt.id, MISSING)
        return len(found)

    def sweep(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        page = people.select_page(
            [a for a in self._tx.scan(self._TABLE) if a.at < before],
            lambda a: SweepKey(a.at, a.id),
            after=after,
            limit=limit,
        )
        if not dry_run:
            people.fold_logins(self._tx, (attempt for _key, attempt in page))
            for _key, attempt in page:
                self._tx.write(self._TABLE, attempt.id, MISSING)
        return SweepPage.of([key for key, _attempt in page])


class MemoryOneTimeTokens(OneTimeTokenRepository):
    """One-time token records in memory."""

    _TABLE = "one_time_tokens"

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def add(self, token: OneTimeToken) -> None:
        _add(self._tx, self._TABLE, token.id, token)

    def get(self, token_id: str) -> OneTimeToken | None:
        value = self._tx.read(self._TABLE, token_id)
        return None if value is MISSING else value

    def mark_used(self, token_id: str, at: datetime) -> bool:
        record = self.get(token_id)
        if record is None or record.is_used:
            return False
        self._tx.write(self._TABLE, token_id, record.spent(at))
        return True

    def revoke(self, subject: str, purposes: Collection[str], at: datetime) -> int:
        wanted = frozenset(purposes)
        live = [
            t
            for t in self._tx.scan(self._TABLE)
            if t.subject == subject and t.purpose in wanted and not t.is_used
        ]
        for token in live:
            self._tx.write(self._TABLE, token.id, token.spent(at))
        return len(live)

    def count_issued(self, subject: str, purpose: str, since: datetime) -> int:
        return sum(
            1
            for t in self._tx.scan(self._TABLE)
            if t.subject == subject and t.purpose == purpose and t.created_at >= since
        )

    def delete_expired(self, before: datetime, limit: int = 1000) -> int:
        old = sorted(
            (t for t in self._tx.scan(self._TABLE) if t.expires_at < before),
            key=lambda t: (t.expires_at, t.id),
        )[:limit]
        for token in old:
            self._tx.write(self._TABLE, token.id, MISSING)
        return len(old)

    def for_subject(self, subject: str) -> list[OneTimeToken]:
        found = [t for t in self._tx.scan(self._TABLE) if t.subject == subject]
        return sorted(found, key=lambda t: (t.created_at, t.id))

    def delete_for_subject(self, subject: str) -> int:
        found = self.for_subject(subject)
        for token in found:
            self._tx.write(self._TABLE, token.id, MISSING)
        return len(found)

    def sweep_expired(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        return people.keyset_sweep(
            [t for t in self._tx.scan(self._TABLE) if t.expires_at < before],
            lambda t: SweepKey(t.expires_at, t.id),
            lambda t: self._tx.write(self._TABLE, t.id, MISSING),
            after=after,
            limit=limit,
            dry_run=dry_run,
        )


class MemorySecurityEvents(SecurityEventLog):
    """The security event log in memory."""

    _TABLE = "security_events"

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def add(self, event: SecurityEvent) -> None:
        _add(self._tx, self._TABLE, event.id, event)

    def events(
        self,
        *,
        kind: str | None = None,
        customer_id: str | None = None,
        since: datetime | None = None,
        limit: int = 1000,
    ) -> list[SecurityEvent]:
        found = [
            e
            for e in self._tx.scan(self._TABLE)
            if (kind is None or e.kind == kind)
            and (customer_id is None or e.customer_id == customer_id)
            and (since is None or e.at >= since)
        ]
        found.sort(key=lambda e: (e.at, e.id), reverse=True)
        return found[:limit]

    def delete_before(self, moment: datetime, limit: int = 1000) -> int:
        old = sorted(
            (e for e in self._tx.scan(self._TABLE) if e.at < moment), key=lambda e: (e.at, e.id)
        )[:limit]
        for event in old:
            self._tx.write(self._TABLE, event.id, MISSING)
        return len(old)

    def for_customer(self, customer_id: str) -> list[SecurityEvent]:
        found = [e for e in self._tx.scan(self._TABLE) if e.customer_id == customer_id]
        return sorted(found, key=lambda e: (e.at, e.id))

    def anonymise_customer(self, customer_id: str) -> int:
        found = self.for_customer(customer_id)
        for event in found:
            self._tx.write(self._TABLE, event.id, people.anonymised_event(event))
        return len(found)

    def sweep(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        return people.keyset_sweep(
            [e for e in self._tx.scan(self._TABLE) if e.at < before],
            lambda e: SweepKey(e.at, e.id),
            lambda e: self._tx.write(self._TABLE, e.id, MISSING),
            after=after,
            limit=limit,
            dry_run=dry_run,
        )


class MemoryLostCredentials(LostCredentialsRepository):
    """Lost-credentials requests in memory."""

    _TABLE = "lost_credentials"

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def add(self, request: LostCredentialsRequest) -> None:
        _add(self._tx, self._TABLE, request.id, request)

    def get(self, request_id: str) -> LostCredentialsRequest | None:
        value = self._tx.read(self._TABLE, request_id)
        return None if value is MISSING else value

    def save(self, request: LostCredentialsRequest) -> None:
        if self._tx.read(self._TABLE, request.id) is MISSING:
            raise LostCredentialsRequestNotFoundError
        self._tx.write(self._TABLE, request.id, request)

    def list(
        self, *, status: RecoveryStatus | None = None, limit: int = 100
    ) -> list[LostCredentialsRequest]:
        found = [r for r in self._tx.scan(self._TABLE) if status is None or r.status is status]
        found.sort(key=lambda r: (r.created_at, r.id))
        return found[:limit]

    def for_person(
        self, email: str, customer_id: str | None = None
    ) -> builtins.list[LostCredentialsRequest]:
        found = [
            r
            for r in self._tx.scan(self._TABLE)
            if r.contact_email == email
            or (customer_id is not None and r.customer_id == customer_id)
        ]
        return sorted(found, key=lambda r: (r.created_at, r.id))

    def delete(self, request_id: str) -> None:
        if self._tx.read(self._TABLE, request_id) is not MISSING:
            self._tx.write(self._TABLE, request_id, MISSING)

    def sweep(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        return people.keyset_sweep(
            [r for r in self._tx.scan(self._TABLE) if r.created_at < before],
            lambda r: SweepKey(r.created_at, r.id),
            lambda r: self._tx.write(self._TABLE, r.id, MISSING),
            after=after,
            limit=limit,
            dry_run=dry_run,
        )
