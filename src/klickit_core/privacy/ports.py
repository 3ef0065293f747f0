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
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

import attrs

from klickit_core.privacy.bundle import ExportBundle
from klickit_core.shared.i18n import translate
from klickit_core.shared.personal_data import KeepReason, KeptCount, SweepBatch, SweepCursor
from klickit_core.shared.unit_of_work import Transaction

__all__ = [
    "BundleRenderer",
    "CategoryTally",
    "PrivacyAction",
    "PrivacyAuditEntry",
    "PrivacyAuditLog",
    "PrivacyUnitOfWork",
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
