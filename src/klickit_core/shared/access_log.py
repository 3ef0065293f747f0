"""The access log (SPEC X-6, SEC-5): every staff read of a customer's data is written down.

The policy says only staff see customers' data ("les administrateurs et gérants de
boutique ont accès"); the log makes that checkable afterwards. An entry names the staff
member, what was read and whose it was, by *id* (a customer or order id), never by name
or email, so the log itself holds no more personal data than it must.
"""

from __future__ import annotations

import abc
from datetime import datetime

import attrs

from klickit_core.shared.actors import Actor
from klickit_core.shared.sweeps import SweepKey, SweepPage

__all__ = ["AccessLog", "AccessLogEntry", "log_staff_read"]


@attrs.frozen(slots=True)
class AccessLogEntry:
    """One read of someone else's data."""

    id: str
    actor_id: str
    actor_role: str
    action: str  # e.g. "orders.read", "customers.read"
    subject: str  # a customer id, an order id, or "*" for a listing
    at: datetime


class AccessLog(abc.ABC):
    """Where access entries go; administrators can query it."""

    @abc.abstractmethod
    def add(self, entry: AccessLogEntry) -> None:
        """Record an entry."""

    @abc.abstractmethod
    def entries(
        self, *, actor_id: str | None = None, subject: str | None = None, limit: int = 1000
    ) -> list[AccessLogEntry]:
        """Entries, newest first, optionally for one actor or one subject."""

    @abc.abstractmethod
    def about(self, subject: str) -> list[AccessLogEntry]:
        """Every entry about ``subject`` (a customer id), oldest first (PRV-3: "who on
        the staff read your data")."""

    @abc.abstractmethod
    def delete_about(self, subject: str, before: datetime) -> int:
        """Delete the entries about ``subject`` made before ``before`` (an erasure removes
        those already past their period); how many."""

    @abc.abstractmethod
    def sweep(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        """Delete up to ``limit`` entries made before ``before`` (PRV-2), keyset-paged on
        ``(at, id)``. A dry run only selects."""


def log_staff_read(
    log: AccessLog, actor: Actor, action: str, subject: str, at: datetime, entry_id: str
) -> None:
    """Record ``actor``'s read of ``subject`` if the actor is staff reading another's data.

    Customers reading their own data and system jobs are not logged here: the log is for
    people with access to everyone's data.
    """
    if actor.is_staff:
        log.add(AccessLogEntry(entry_id, actor.id, str(actor.role), action, subject, at))
