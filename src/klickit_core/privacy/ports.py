"""What the privacy engine needs from the outside world.

* :class:`SweepCheckpoints` — where a retention sweep records how far it got, so that a
  sweep killed mid-way resumes where it stopped (PRV-2), and how a run claims its job so
  that two runs of one job never interleave (:class:`SweepClaim`, decision 0010).
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

from klickit_core.personal_data import KeepReason, KeptCount, SweepBatch, SweepCursor
from klickit_core.privacy.bundle import ExportBundle
from klickit_core.privacy.records import (
    ErasureLedgerEntry,
    KnownSubject,
    PrivacyRequest,
    StoredBundle,
)
from klickit_core.shared.access_log import AccessLog
from klickit_core.shared.errors import ConflictError, NotFoundError
from klickit_core.shared.i18n import N_, translate
from klickit_core.shared.serialisation import converter, current_locale
from klickit_core.shared.tokens import OneTimeTokenRepository
from klickit_core.shared.unit_of_work import Transaction

__all__ = [
    "BundleRenderer",
    "BundleStore",
    "CategoryTally",
    "DeletionPage",
    "ErasureLedger",
    "ErasureLedgerUnitOfWork",
    "ExportUnitOfWork",
    "OwnExportUnitOfWork",
    "PrivacyAction",
    "PrivacyAuditEntry",
    "PrivacyAuditLog",
    "PrivacyRequestNotFoundError",
    "PrivacyRequestRepository",
    "PrivacyRequestsUnitOfWork",
    "PrivacyUnitOfWork",
    "SubjectDirectory",
    "SweepAlreadyRunningError",
    "SweepCheckpoint",
    "SweepCheckpoints",
    "SweepClaim",
    "SweepClaimLostError",
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


def _tally_data(tally: CategoryTally) -> dict[str, Any]:
    """A tally's JSON: counts, and reasons with their code and label in the locale asked
    for (sweep, erasure and re-apply reports, the audit log, stored checkpoints)."""
    locale = current_locale()
    return {
        "category": tally.category_id,
        "examined": tally.examined,
        "deleted": tally.deleted,
        "anonymised": tally.anonymised,
        "kept": [
            {
                "reason": item.reason.code,
                "label": translate(item.reason.label, locale),
                "count": item.count,
            }
            for item in tally.kept
        ],
    }


@attrs.frozen(slots=True)
class _KeptData:
    reason: str
    label: str
    count: int


@attrs.frozen(slots=True)
class _TallyData:
    category: str
    examined: int
    deleted: int
    anonymised: int
    kept: tuple[_KeptData, ...]


def _tally_from_data(data: object, _type: object) -> CategoryTally:
    """The inverse of :func:`_tally_data` (labels are read back as msgids: write in ``"en"``)."""
    read = converter.structure(data, _TallyData)
    kept = tuple(KeptCount(KeepReason(item.reason, item.label), item.count) for item in read.kept)
    return CategoryTally(read.category, read.examined, read.deleted, read.anonymised, kept)


converter.register_unstructure_hook(CategoryTally, _tally_data)
converter.register_structure_hook(CategoryTally, _tally_from_data)


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


def _checkpoint_data(checkpoint: SweepCheckpoint) -> dict[str, Any]:
    """A checkpoint's JSON (adapters store it as one text column): cursors as
    ``{category: key}``, tallies as a list, everything sorted so equal checkpoints give
    equal text."""
    return {
        "job": checkpoint.job,
        "run_id": checkpoint.run_id,
        "now": converter.unstructure(checkpoint.now),
        "actor_id": checkpoint.actor_id,
        "started_at": converter.unstructure(checkpoint.started_at),
        "cursors": {key: cursor.value for key, cursor in sorted(checkpoint.cursors.items())},
        "done": sorted(checkpoint.done),
        "tallies": [
            converter.unstructure(checkpoint.tallies[key]) for key in sorted(checkpoint.tallies)
        ],
        "batches": checkpoint.batches,
        "resumptions": checkpoint.resumptions,
    }


@attrs.frozen(slots=True)
class _CheckpointData:
    job: str
    run_id: str
    now: datetime
    actor_id: str
    started_at: datetime
    cursors: dict[str, str]
    done: tuple[str, ...]
    tallies: tuple[CategoryTally, ...]
    batches: int
    resumptions: int


def _checkpoint_from_data(data: object, _type: object) -> SweepCheckpoint:
    """The inverse of :func:`_checkpoint_data`."""
    read = converter.structure(data, _CheckpointData)
    return SweepCheckpoint(
        job=read.job,
        run_id=read.run_id,
        now=read.now,
        actor_id=read.actor_id,
        started_at=read.started_at,
        cursors={key: SweepCursor(value) for key, value in read.cursors.items()},
        done=frozenset(read.done),
        tallies={tally.category_id: tally for tally in read.tallies},
        batches=read.batches,
        resumptions=read.resumptions,
    )


converter.register_unstructure_hook(SweepCheckpoint, _checkpoint_data)
converter.register_structure_hook(SweepCheckpoint, _checkpoint_from_data)


class SweepAlreadyRunningError(ConflictError):
    """Another run of this sweep job holds its claim (in this process or another one):
    the run did not start. Try again when that run has finished."""

    code = "privacy.sweep_running"
    message_template = N_(
        "A retention sweep of the job {job} is already running; try again when it has finished."
    )


class SweepClaimLostError(ConflictError):
    """A run's claim on its job could not be taken or kept (``reason``: ``unavailable``,
    the lock could not be reached; ``lost``, its connection closed during the run)."""

    code = "privacy.sweep_claim_lost"
    message_template = N_(
        "The retention sweep of the job {job} lost its claim on the job ({reason})."
    )


class SweepClaim(abc.ABC):
    """A sweep job held by one run, from :meth:`SweepCheckpoints.claim` until
    :meth:`release`.

    Not part of any transaction: it outlives the unit of work that took it, and ends with
    its process, so a killed run never blocks the next one. A context manager too.
    """

    @abc.abstractmethod
    def check(self) -> None:
        """Raise :class:`SweepClaimLostError` if the claim no longer holds."""

    @abc.abstractmethod
    def release(self) -> None:
        """Give the job back; releasing twice is harmless."""

    def __enter__(self) -> SweepClaim:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


class SweepCheckpoints(abc.ABC):
    """Unfinished sweep runs, one per job name, and the claim that lets one run at a time
    work on a job."""

    @abc.abstractmethod
    def claim(self, job: str) -> SweepClaim:
        """Claim ``job`` for one run, at once, for every process of the store; raise
        :class:`SweepAlreadyRunningError` while another run holds it."""

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


class ExportUnitOfWork(PrivacyUnitOfWork, Protocol):
    """What an export needs: the engine's ports and the access log, where a staff export
    is written (X-6)."""

    access_log: AccessLog


# ---------------------------------------------------------------------------- renderer
class BundleRenderer(abc.ABC):
    """Turns an export bundle into a document a person can open."""

    #: The file name extension of what :meth:`render` produces (``"html"``).
    extension: str = "html"

    @abc.abstractmethod
    def render(self, bundle: ExportBundle, locale: str, *, embedded_json: str | None = None) -> str:
        """The document, in ``locale`` (``"fr"`` or ``"en"``).

        ``embedded_json``: the bundle's JSON (:func:`~klickit_core.privacy.bundle.bundle_to_json`)
        to carry inside the document, for the single-file download
        (:attr:`~klickit_core.privacy.records.ExportFormat.HTML`): the person gets one
        file, and the machine-readable copy GDPR art. 20 asks for is in it. The document
        must keep it inert (never run as code) and give it back exactly; the document then
        says that the JSON is inside it rather than in a file beside it.
        """


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

    @abc.abstractmethod
    def account(self, customer_id: str) -> KnownSubject | None:
        """The subject behind the account ``customer_id`` (its email), or ``None`` if there
        is no such account: how a customer's own data is found (X-6)."""


class OwnExportUnitOfWork(ExportUnitOfWork, Protocol):
    """What a customer's export of their own data needs: their account's email (X-6)."""

    privacy_subjects: SubjectDirectory


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
