"""What the privacy engine needs from the outside world.

* :class:`SweepCheckpoints` — where a retention sweep records how far it got, so that a
  sweep killed mid-way resumes where it stopped (PRV-2).
* :class:`PrivacyAuditLog` — one entry per sweep run, export and erasure: who, when, what
  kind, and how many records per category. **No personal data**: entries name actors and
  runs by id and count records; they never hold an email, a name or a record's content.
* :class:`PrivacyUnitOfWork` — both live *in the shop's unit of work*, so a batch's changes,
  its checkpoint and (at the end) the audit entry commit in the same transaction: a crash
  can never leave a batch applied but its progress unrecorded, or the reverse.
* :class:`BundleRenderer` — turns an :class:`~klickit_core.privacy.bundle.ExportBundle`
  into a document for people (the HTML adapter, :mod:`klickit_core.adapters.export`).

For the request flows and the erasure ledger (PRV-3, PRV-4, PRV-6), also in the unit of
work (:class:`PrivacyRequestsUnitOfWork`):

* :class:`PrivacyRequestRepository` — access and erasure requests, with their deadlines;
* :class:`BundleStore` — delivered exports until they are downloaded or expire. In the
  unit of work rather than on a disk: a bundle, its download token and the request's
  completion commit together, the retention sweep and an erasure reach it through the
  same transaction as everything else, and every worker of a shop sees it;
* :class:`ErasureLedger` — keyed hashes of erased people, written in the erasure's
  transaction, read back after a restore;
* :class:`SubjectDirectory` — the distinct emails the store holds, for "do we know this
  address?" and for finding erased people again in a restored backup.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, Protocol

import attrs

from klickit_core.privacy.bundle import ExportBundle
from klickit_core.privacy.records import (
    ErasureLedgerEntry,
    KnownSubject,
    PrivacyRequest,
    StoredBundle,
)
from klickit_core.shared.access_log import AccessLog
from klickit_core.shared.errors import NotFoundError
from klickit_core.shared.i18n import N_, translate
from klickit_core.shared.personal_data import KeepReason, KeptCount, SweepBatch, SweepCursor
from klickit_core.shared.tokens import OneTimeTokenRepository
from klickit_core.shared.unit_of_work import Transaction

__all__ = [
    "BundleRenderer",
    "BundleStore",
    "CategoryTally",
    "DeletionPage",
    "ErasureLedger",
    "ErasureLedgerUnitOfWork",
    "PrivacyAction",
    "PrivacyAuditEntry",
    "PrivacyAuditLog",
    "PrivacyRequestNotFoundError",
    "PrivacyRequestRepository",
    "PrivacyRequestsUnitOfWork",
    "PrivacyUnitOfWork",
    "SubjectDirectory",
    "SweepCheckpoint",
    "SweepCheckpoints",
]


# ---------------------------------------------------------------------------- tallies
def _merge_kept(*groups: tuple[KeptCount, ...]) -> tuple[KeptCount, ...]:
    reasons: dict[str, KeepReason] = {}
    counts: dict[str, int] = {}
    for group in groups:
        for item in group:
            reasons.setdefault(item.reason.code, item.reason)
            counts[item.reason.code] = counts.get(item.reason.code, 0) + item.count
    return tuple(KeptCount(reasons[code], counts[code]) for code in sorted(counts))


@attrs.frozen(slots=True)
class CategoryTally:
    """Counts for one category: examined, deleted, anonymised, and kept (per reason)."""

    category_id: str
    examined: int = 0
    deleted: int = 0
    anonymised: int = 0
    kept: tuple[KeptCount, ...] = ()

    @property
    def kept_total(self) -> int:
        """Records kept, whatever the reason."""
        return sum(item.count for item in self.kept)

    def plus(self, batch: SweepBatch) -> CategoryTally:
        """This tally with one more batch added."""
        return CategoryTally(
            self.category_id,
            self.examined + batch.examined,
            self.deleted + batch.deleted,
            self.anonymised + batch.anonymised,
            _merge_kept(self.kept, batch.kept),
        )

    def to_dict(self, locale: str = "en") -> dict[str, Any]:
        """JSON-ready counts; reasons with their code and label in ``locale``."""
        return {
            "category": self.category_id,
            "examined": self.examined,
            "deleted": self.deleted,
            "anonymised": self.anonymised,
            "kept": [
                {
                    "reason": item.reason.code,
                    "label": translate(item.reason.label, locale),
                    "count": item.count,
                }
                for item in self.kept
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CategoryTally:
        """The inverse of :meth:`to_dict` (labels are read back as msgids: use ``"en"``)."""
        return cls(
            str(data["category"]),
            int(data["examined"]),
            int(data["deleted"]),
            int(data["anonymised"]),
            tuple(
                KeptCount(KeepReason(str(item["reason"]), str(item["label"])), int(item["count"]))
                for item in data["kept"]
            ),
        )


# ---------------------------------------------------------------------------- checkpoints
@attrs.frozen(slots=True)
class SweepCheckpoint:
    """How far an unfinished sweep run got.

    ``now`` is the run's reference instant: a resumed run keeps it, so its cutoffs — and
    therefore its result — are those of the interrupted run. ``cursors`` hold each started
    category's last key; ``done`` the finished categories; ``tallies`` the counts so far.
    """

    job: str
    run_id: str
    now: datetime
    actor_id: str
    started_at: datetime
    cursors: Mapping[str, SweepCursor] = attrs.field(factory=dict)
    done: frozenset[str] = frozenset()
    tallies: Mapping[str, CategoryTally] = attrs.field(factory=dict)
    batches: int = 0
    resumptions: int = 0

    def after_batch(self, batch: SweepBatch, *, exhausted: bool) -> SweepCheckpoint:
        """The checkpoint once ``batch`` is committed."""
        category = batch.category_id
        cursors = dict(self.cursors)
        if batch.last is not None:
            cursors[category] = batch.last
        tallies = dict(self.tallies)
        tallies[category] = tallies.get(category, CategoryTally(category)).plus(batch)
        done = self.done | {category} if exhausted else self.done
        return attrs.evolve(
            self, cursors=cursors, tallies=tallies, done=done, batches=self.batches + 1
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for adapters that store the checkpoint as one text column)."""
        return {
            "job": self.job,
            "run_id": self.run_id,
            "now": self.now.isoformat(),
            "actor_id": self.actor_id,
            "started_at": self.started_at.isoformat(),
            "cursors": {key: cursor.value for key, cursor in sorted(self.cursors.items())},
            "done": sorted(self.done),
            "tallies": [self.tallies[key].to_dict("en") for key in sorted(self.tallies)],
            "batches": self.batches,
            "resumptions": self.resumptions,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SweepCheckpoint:
        """The inverse of :meth:`to_dict`."""
        tallies = [CategoryTally.from_dict(item) for item in data["tallies"]]
        return cls(
            job=str(data["job"]),
            run_id=str(data["run_id"]),
            now=datetime.fromisoformat(data["now"]),
            actor_id=str(data["actor_id"]),
            started_at=datetime.fromisoformat(data["started_at"]),
            cursors={str(k): SweepCursor(str(v)) for k, v in data["cursors"].items()},
            done=frozenset(str(item) for item in data["done"]),
            tallies={tally.category_id: tally for tally in tallies},
            batches=int(data["batches"]),
            resumptions=int(data["resumptions"]),
        )


class SweepCheckpoints(abc.ABC):
    """Unfinished sweep runs, one per job name (parallel workers use different names)."""

    @abc.abstractmethod
    def get(self, job: str) -> SweepCheckpoint | None:
        """The job's checkpoint, or ``None`` if no run is unfinished."""

    @abc.abstractmethod
    def save(self, checkpoint: SweepCheckpoint) -> None:
        """Insert or replace the checkpoint of ``checkpoint.job``."""

    @abc.abstractmethod
    def delete(self, job: str) -> None:
        """Forget the job's checkpoint (the run finished); no error if there is none."""


# ---------------------------------------------------------------------------- audit
class PrivacyAction(enum.StrEnum):
    """What an audit entry records."""

    SWEEP = "sweep"
    EXPORT = "export"
    ERASURE = "erasure"


@attrs.frozen(slots=True)
class PrivacyAuditEntry:
    """One sweep run, export or erasure. Ids and counts only, never personal data.

    ``reference`` is the run id (sweeps) or the request reference the caller gave (exports,
    erasures) — an id, not an email.
    """

    id: str
    action: PrivacyAction
    at: datetime
    actor_id: str
    reference: str
    dry_run: bool
    tallies: tuple[CategoryTally, ...] = ()

    def to_dict(self, locale: str = "en") -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "id": self.id,
            "action": str(self.action),
            "at": self.at.isoformat(),
            "actor_id": self.actor_id,
            "reference": self.reference,
            "dry_run": self.dry_run,
            "tallies": [tally.to_dict(locale) for tally in self.tallies],
        }


class PrivacyAuditLog(abc.ABC):
    """Where privacy operations are recorded; administrators can read it."""

    @abc.abstractmethod
    def add(self, entry: PrivacyAuditEntry) -> None:
        """Record an entry (ids are unique)."""

    @abc.abstractmethod
    def entries(
        self, *, action: PrivacyAction | None = None, limit: int = 100
    ) -> list[PrivacyAuditEntry]:
        """Entries, newest first, optionally of one kind."""


class PrivacyUnitOfWork(Transaction, Protocol):
    """What the privacy engine needs in the shop's unit of work (beside what the providers
    need, which is their own business)."""

    sweep_checkpoints: SweepCheckpoints
    privacy_audit: PrivacyAuditLog


# ---------------------------------------------------------------------------- renderer
class BundleRenderer(abc.ABC):
    """Turns an export bundle into a document a person can open."""

    #: The file name extension of what :meth:`render` produces (``"html"``).
    extension: str = "html"

    @abc.abstractmethod
    def render(self, bundle: ExportBundle, locale: str) -> str:
        """The document, in ``locale`` (``"fr"`` or ``"en"``)."""


# ---------------------------------------------------------------------------- requests
class PrivacyRequestNotFoundError(NotFoundError):
    """No access or erasure request has this id."""

    code = "privacy.request_not_found"
    message_template = N_("The privacy request was not found.")


@attrs.frozen(slots=True)
class DeletionPage:
    """What one set-based sweep statement did: how many records it selected (and, unless
    in a dry run, deleted), and the greatest key among them (``None`` if none)."""

    count: int
    last: str | None


class PrivacyRequestRepository(abc.ABC):
    """Access and erasure requests by id, by person and by status."""

    @abc.abstractmethod
    def add(self, request: PrivacyRequest) -> None:
        """Store a new request; :class:`~klickit_core.shared.errors.ConflictError` if
        its id exists."""

    @abc.abstractmethod
    def get(self, request_id: str) -> PrivacyRequest | None:
        """The request, or ``None``."""

    @abc.abstractmethod
    def save(self, request: PrivacyRequest) -> None:
        """Replace a stored request (:class:`PrivacyRequestNotFoundError` if absent);
        a concurrent change is a conflict at commit."""

    @abc.abstractmethod
    def delete(self, request_id: str) -> bool:
        """Remove the request (an erasure, past its period); whether there was one."""

    @abc.abstractmethod
    def count_since(self, email: str, since: datetime) -> int:
        """How many requests ``email`` made at or after ``since`` (for the rate limit)."""

    @abc.abstractmethod
    def for_subject(self, email: str, customer_id: str | None) -> list[PrivacyRequest]:
        """The requests made with ``email`` or by the account ``customer_id``, oldest
        first."""

    @abc.abstractmethod
    def list(self, *, open_at: datetime | None = None, limit: int = 100) -> list[PrivacyRequest]:
        """Requests by deadline, then receipt (soonest first); with ``open_at``, only those
        still open then (awaiting a confirmation that has not expired, or confirmed)."""

    @abc.abstractmethod
    def sweep_closed(
        self, cutoff: datetime, *, after: str | None, limit: int, dry_run: bool
    ) -> DeletionPage:
        """Delete (or, in a dry run, count) at most ``limit`` requests closed before
        ``cutoff`` — completed then, or never confirmed and expired then — with ids after
        ``after``, in id order. Set-based on SQL."""


class BundleStore(abc.ABC):
    """Delivered exports, until downloaded (deleted at once) or expired (swept)."""

    @abc.abstractmethod
    def add(self, bundle: StoredBundle) -> None:
        """Store a new bundle (its id must be new)."""

    @abc.abstractmethod
    def get(self, bundle_id: str) -> StoredBundle | None:
        """The bundle, or ``None``."""

    @abc.abstractmethod
    def delete(self, bundle_id: str) -> bool:
        """Remove the bundle; whether there was one."""

    @abc.abstractmethod
    def for_requests(self, request_ids: Collection[str]) -> list[StoredBundle]:
        """The bundles delivered for these requests, oldest first."""

    @abc.abstractmethod
    def sweep_created_before(
        self, cutoff: datetime, *, after: str | None, limit: int, dry_run: bool
    ) -> DeletionPage:
        """Delete (or count) at most ``limit`` bundles made before ``cutoff``, ids after
        ``after``, in id order. Set-based on SQL."""


class ErasureLedger(abc.ABC):
    """Who was erased, as keyed hashes (PRV-6). Append-only; no personal data."""

    @abc.abstractmethod
    def add(self, entry: ErasureLedgerEntry) -> None:
        """Record an entry; :class:`~klickit_core.shared.errors.ConflictError` if its id
        exists."""

    @abc.abstractmethod
    def get(self, entry_id: str) -> ErasureLedgerEntry | None:
        """The entry, or ``None``."""

    @abc.abstractmethod
    def matching(
        self,
        key_id: str,
        email_hashes: Collection[str],
        customer_hashes: Collection[str],
        *,
        since: datetime | None = None,
    ) -> list[ErasureLedgerEntry]:
        """Entries under ``key_id`` whose email hash or customer hash is among those given
        (and, with ``since``, made after it), in id order. Callers pass bounded pages."""

    @abc.abstractmethod
    def entries(self, *, after: str | None = None, limit: int = 1000) -> list[ErasureLedgerEntry]:
        """Entries in id order after ``after`` (keyset paging, to copy the ledger out)."""


class SubjectDirectory(abc.ABC):
    """The people the store knows, by email: every table that holds an email (accounts,
    orders, reviews, consents, requests…). Reads committed data."""

    @abc.abstractmethod
    def find(self, email: str) -> KnownSubject | None:
        """The subject if any table holds ``email`` (normalised), with the account that
        uses it; ``None`` if the store knows nothing about the address."""

    @abc.abstractmethod
    def page(self, *, after: str | None, limit: int) -> list[KnownSubject]:
        """Distinct emails in order after ``after``, at most ``limit`` (keyset paging over
        every table at once; set-based on SQL)."""


class ErasureLedgerUnitOfWork(PrivacyUnitOfWork, Protocol):
    """What the erasure ledger needs in the shop's unit of work (PRV-6)."""

    erasure_ledger: ErasureLedger
    privacy_subjects: SubjectDirectory


class PrivacyRequestsUnitOfWork(ErasureLedgerUnitOfWork, Protocol):
    """What the request flows need in the shop's unit of work (PRV-3, PRV-4)."""

    privacy_requests: PrivacyRequestRepository
    export_bundles: BundleStore
    tokens: OneTimeTokenRepository
    access_log: AccessLog
