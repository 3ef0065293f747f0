"""The access log (SPEC X-6, SEC-5): every staff read of a customer's data is written down.

The policy says only staff see customers' data ("les administrateurs et gérants de
boutique ont accès"); the log makes that checkable afterwards. An entry names the staff
member, what was read or changed, and the record by *id* (a customer, an order, a review,
a consent, a request), never by name or email, so the log itself holds no more personal
data than it must. A listing writes one entry per record it returned, so that the
person's own export can list every read of their data (decision 0011).
"""

from __future__ import annotations

import abc
from collections.abc import Collection, Iterable
from datetime import datetime

import attrs

from klickit_core.shared.actors import Actor
from klickit_core.shared.i18n import N_
from klickit_core.shared.ids import IdGenerator
from klickit_core.shared.sweeps import SweepKey, SweepPage

__all__ = [
    "ACCESS_ACTION_LABELS",
    "NOTHING_FOUND",
    "AccessLog",
    "AccessLogEntry",
    "log_staff_read",
    "log_staff_reads",
]

#: The subject of an entry for a search or listing that returned no record.
NOTHING_FOUND = "*"

#: What the person reads for each action the library logs (``N_`` msgids), in their
#: export (PRV-3, issue #16); the log and the export's JSON keep the action's code.
ACCESS_ACTION_LABELS: dict[str, str] = {
    "customers.read": N_("Read your account"),
    "customers.find": N_("Found your account in a search"),
    "customers.update": N_("Changed your account"),
    "customers.recover": N_("Matched your lost credentials request with your account"),
    "orders.read": N_("Read an order"),
    "orders.list": N_("Listed your orders"),
    "orders.cancel": N_("Cancelled an order"),
    "orders.complete": N_("Completed an order"),
    "orders.pay": N_("Recorded a payment for an order"),
    "orders.reject": N_("Rejected an order"),
    "support.open": N_("Opened a support request"),
    "support.read": N_("Read your support requests"),
    "support.close": N_("Closed a support request"),
    "consents.read": N_("Read your consents"),
    "reviews.moderate": N_("Moderated your review"),
    "privacy.export": N_("Exported your personal data"),
}


@attrs.frozen(slots=True)
class AccessLogEntry:
    """One read of someone else's data."""

    id: str
    actor_id: str
    actor_role: str
    action: str  # e.g. "orders.read", "customers.read"
    subject: str  # the id of the record read (customer, order, review…), or NOTHING_FOUND
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

    def about_any(self, subjects: Collection[str]) -> list[AccessLogEntry]:
        """Every entry about any of ``subjects``, oldest first: a person's export reads
        the entries about their account and each of their records at once.

        This default asks :meth:`about` once per subject; the SQL log overrides it with
        one query, the subjects bound as one key list."""
        found = [entry for subject in set(subjects) for entry in self.about(subject)]
        return sorted(found, key=lambda e: (e.at, e.id))

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


def log_staff_reads(
    log: AccessLog,
    actor: Actor,
    action: str,
    subjects: Iterable[str],
    at: datetime,
    ids: IdGenerator,
) -> None:
    """Record a staff listing: one entry per distinct record id in ``subjects`` (in the
    order given), or one :data:`NOTHING_FOUND` entry when it returned none."""
    if not actor.is_staff:
        return
    unique = list(dict.fromkeys(subjects)) or [NOTHING_FOUND]
    for subject in unique:
        log.add(AccessLogEntry(ids.new_id(), actor.id, str(actor.role), action, subject, at))
