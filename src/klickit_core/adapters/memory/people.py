"""The memory backend's retention steps for the people-side data (SPEC PRV-2, SES-1).

The memory repositories answer the set-based port methods (``sweep_idle``, ``sweep``,
``sweep_inactive``…) with the functions below: the same selection, the same key order and
the same cursor semantics as the SQL statements, in plain Python over the transaction's
view of its tables. Deletions are staged like any other write, so a batch commits (or
vanishes) with the sweep's checkpoint.

Keys order as on SQL: the clock first, then the id by code point.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

import attrs

from klickit_core.accounts.domain import AccountActivity, Customer
from klickit_core.accounts.ports import INACTIVITY_NOTICE_MISSING, INACTIVITY_NOTICE_RUNNING
from klickit_core.accounts.security import AttemptOutcome
from klickit_core.adapters.memory.base import MISSING, MemoryTransaction
from klickit_core.shared.sweeps import SweepKey, SweepPage

__all__ = [
    "ACTIVITY",
    "account_last_activity",
    "delete_account",
    "fold_logins",
    "keyset_sweep",
    "select_page",
    "sweep_inactive_accounts",
]

T = TypeVar("T")

#: The memory table of :class:`~klickit_core.accounts.domain.AccountActivity` records.
ACTIVITY = "account_activity"


def select_page(
    rows: Iterable[T], key: Callable[[T], SweepKey], *, after: SweepKey | None, limit: int
) -> list[tuple[SweepKey, T]]:
    """The first ``limit`` rows strictly after ``after``, in key order."""
    keyed = [(key(row), row) for row in rows]
    if after is not None:
        keyed = [(k, row) for k, row in keyed if after.is_after(k.at, k.id)]
    keyed.sort(key=lambda pair: pair[0].sort_key())
    return keyed[: max(limit, 0)]


def keyset_sweep(
    rows: Iterable[T],
    key: Callable[[T], SweepKey],
    apply: Callable[[T], None],
    *,
    after: SweepKey | None,
    limit: int,
    dry_run: bool,
) -> SweepPage:
    """Select a page of due ``rows`` and ``apply`` the end-of-period action to each
    (unless ``dry_run``): the memory twin of ``DELETE … WHERE id IN (SELECT … LIMIT)``."""
    page = select_page(rows, key, after=after, limit=limit)
    if not dry_run:
        for _key, row in page:
            apply(row)
    return SweepPage.of([k for k, _row in page])


# ---------------------------------------------------------------------------- accounts
def _latest(current: datetime | None, candidate: datetime | None) -> datetime | None:
    if candidate is None:
        return current
    return candidate if current is None or candidate > current else current


def account_last_activity(tx: MemoryTransaction) -> dict[str, datetime]:
    """Every account's last activity (see ``CustomerRepository.inactive``), by id."""
    latest: dict[str, datetime | None] = {}
    for customer in tx.scan("customers"):
        latest[customer.id] = max(customer.created_at, customer.updated_at)

    def seen(customer_id: str | None, at: datetime | None) -> None:
        if customer_id is not None and customer_id in latest:
            latest[customer_id] = _latest(latest[customer_id], at)

    for activity in tx.scan(ACTIVITY):
        seen(activity.customer_id, activity.last_login_at)
    for attempt in tx.scan("login_attempts"):
        if attempt.outcome is not AttemptOutcome.FAILED:
            seen(attempt.customer_id, attempt.at)
    for order in tx.scan("orders"):
        seen(order.customer_id, order.placed_at)
    for session in tx.scan("sessions"):
        seen(session.customer_id, session.last_activity_at)
    return {key: value for key, value in latest.items() if value is not None}


def delete_account(tx: MemoryTransaction, customer: Customer, *, cascade: bool) -> None:
    """Delete ``customer``: the row, its email and username claims, its password hash and
    activity record; with ``cascade``, also its saved cart, signed-in sessions, tokens and
    login attempts, and strip it from its security events."""
    tx.write("customers", customer.id, MISSING)
    if tx.read("customer_emails", customer.email) == customer.id:
        tx.write("customer_emails", customer.email, MISSING)
    if customer.username is not None:
        folded = customer.username.casefold()
        if tx.read("customer_usernames", folded) == customer.id:
            tx.write("customer_usernames", folded, MISSING)
    for table in ("credentials", ACTIVITY):
        if tx.read(table, customer.id) is not MISSING:
            tx.write(table, customer.id, MISSING)
    if not cascade:
        return
    if tx.read("carts", customer.id) is not MISSING:
        tx.write("carts", customer.id, MISSING)
    for session in list(tx.scan("sessions")):
        if session.customer_id == customer.id:
            tx.write("sessions", session.id, MISSING)
    for token in list(tx.scan("one_time_tokens")):
        if token.subject == customer.id:
            tx.write("one_time_tokens", token.id, MISSING)
    for attempt in list(tx.scan("login_attempts")):
        if attempt.customer_id == customer.id:
            tx.write("login_attempts", attempt.id, MISSING)
    for event in list(tx.scan("security_events")):
        if event.customer_id == customer.id:
            tx.write("security_events", event.id, anonymised_event(event))


def anonymised_event(event: Any) -> Any:
    """A security event without its account id and network address."""
    return attrs.evolve(event, customer_id=None, ip_address=None)


def sweep_inactive_accounts(
    tx: MemoryTransaction,
    cutoff: datetime,
    *,
    notice_after: datetime,
    require_notice: bool,
    after: SweepKey | None,
    limit: int,
    dry_run: bool,
) -> SweepPage:
    """``CustomerRepository.sweep_inactive`` on memory."""
    latest = account_last_activity(tx)
    due = [c for c in tx.scan("customers") if latest[c.id] < cutoff]
    page = select_page(due, lambda c: SweepKey(None, c.id), after=after, limit=limit)
    kept = {INACTIVITY_NOTICE_RUNNING: 0, INACTIVITY_NOTICE_MISSING: 0}
    deleted = 0
    for _key, customer in page:
        activity = tx.read(ACTIVITY, customer.id)
        notice = None if activity is MISSING else activity.inactivity_notice_at
        valid = notice is not None and notice >= cutoff
        if notice is not None and valid and notice >= notice_after:
            kept[INACTIVITY_NOTICE_RUNNING] += 1
        elif require_notice and not valid:
            kept[INACTIVITY_NOTICE_MISSING] += 1
        else:
            deleted += 1
            if not dry_run:
                delete_account(tx, customer, cascade=True)
    return SweepPage.of([k for k, _c in page], changed=deleted, kept=kept)


def fold_logins(tx: MemoryTransaction, attempts: Iterable[Any]) -> None:
    """Carry the time of each successful login or reset among ``attempts`` to its
    account's activity record, when later than the one there (before they are deleted)."""
    for attempt in attempts:
        if attempt.outcome is AttemptOutcome.FAILED or attempt.customer_id is None:
            continue
        if tx.read("customers", attempt.customer_id) is MISSING:
            continue
        current = tx.read(ACTIVITY, attempt.customer_id)
        if current is MISSING:
            tx.write(
                ACTIVITY, attempt.customer_id, AccountActivity(attempt.customer_id, attempt.at)
            )
        elif current.last_login_at is None or current.last_login_at < attempt.at:
            tx.write(ACTIVITY, attempt.customer_id, attrs.evolve(current, last_login_at=attempt.at))
