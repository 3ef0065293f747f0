"""The retention sweep (SPEC PRV-2).

:func:`run_sweep` walks every category of a :class:`~klickit_core.privacy.registry.BoundRegistry`
and asks its provider, batch after batch, to delete or anonymise what is past its period:

* **bounded**: each batch is at most ``batch_size`` records, in its own transaction (a
  unit of work from the ``unit_of_work`` factory), so locks are short and memory flat;
* **resumable**: the keyset cursor and the counts so far are saved *in the same
  transaction* as the batch (:class:`~klickit_core.privacy.ports.SweepCheckpoints`). If the
  process dies, the next call with the same ``job`` resumes the interrupted run, with its
  original reference instant, exactly after the last committed batch; ``max_batches`` stops
  a run on purpose the same way (a job runner with a time budget);
* **idempotent**: a provider never selects what it already deleted or anonymised, so a
  second run over the same data changes nothing;
* **dry run**: providers are told not to write, nothing is committed and no checkpoint
  is kept; the report says what *would* happen;
* **reported and audited**: a :class:`SweepReport` (per category: examined, deleted,
  anonymised, kept and why) and, when the run finishes, one
  :class:`~klickit_core.privacy.ports.PrivacyAuditEntry` holding counts only.

Several workers may run at once under different ``job`` names: on PostgreSQL the
providers' batches lock rows with ``FOR UPDATE SKIP LOCKED``, so workers never wait on
or double-process each other's rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import attrs

from klickit_core.privacy.ports import (
    CategoryTally,
    PrivacyAction,
    PrivacyAuditEntry,
    PrivacyUnitOfWork,
    SweepCheckpoint,
)
from klickit_core.privacy.registry import BoundRegistry, ProviderContractError, RegisteredCategory
from klickit_core.privacy.retention import cutoff
from klickit_core.shared.actors import Actor, Permission, require
from klickit_core.shared.clock import ensure_utc
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_
from klickit_core.shared.ids import IdGenerator
from klickit_core.shared.personal_data import (
    RetentionAction,
    SweepBatch,
    SweepCursor,
    SweepTask,
    is_identifier,
)

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_JOB",
    "MAX_BATCH_SIZE",
    "CategorySweep",
    "InvalidSweepOptionsError",
    "SweepProgress",
    "SweepReport",
    "run_sweep",
]

PU = TypeVar("PU", bound=PrivacyUnitOfWork)

DEFAULT_BATCH_SIZE = 500
MAX_BATCH_SIZE = 10_000
DEFAULT_JOB = "retention-sweep"


class InvalidSweepOptionsError(KlickitError):
    """A sweep option is out of range (batch size, batch budget, job name)."""

    code = "privacy.invalid_sweep_options"
    message_template = N_("Invalid retention sweep option {option}.")


@attrs.frozen(slots=True)
class CategorySweep:
    """One category's part of a sweep run."""

    provider: str
    category_id: str
    rule_id: str
    cutoff: datetime
    action: RetentionAction
    tally: CategoryTally

    def to_dict(self, locale: str = "en") -> dict[str, Any]:
        """JSON-ready form."""
        data = self.tally.to_dict(locale)
        data.update(
            provider=self.provider,
            rule=self.rule_id,
            cutoff=self.cutoff.isoformat(),
            action=str(self.action),
        )
        return data


@attrs.frozen(slots=True)
class SweepReport:
    """What a sweep run did (or, in a dry run, would do)."""

    run_id: str
    job: str
    now: datetime
    dry_run: bool
    complete: bool
    resumed: bool
    batches: int
    categories: tuple[CategorySweep, ...]

    @property
    def examined(self) -> int:
        """Due records examined, across categories."""
        return sum(c.tally.examined for c in self.categories)

    @property
    def deleted(self) -> int:
        """Records deleted (would be, in a dry run)."""
        return sum(c.tally.deleted for c in self.categories)

    @property
    def anonymised(self) -> int:
        """Records anonymised (would be, in a dry run)."""
        return sum(c.tally.anonymised for c in self.categories)

    @property
    def kept(self) -> int:
        """Due records kept for a reason."""
        return sum(c.tally.kept_total for c in self.categories)

    def category(self, category_id: str) -> CategorySweep:
        """The part of the report about ``category_id``."""
        for item in self.categories:
            if item.category_id == category_id:
                return item
        raise KeyError(category_id)

    def to_dict(self, locale: str = "en") -> dict[str, Any]:
        """JSON-ready form (``klickit retention sweep --json``)."""
        return {
            "run_id": self.run_id,
            "job": self.job,
            "now": self.now.isoformat(),
            "dry_run": self.dry_run,
            "complete": self.complete,
            "resumed": self.resumed,
            "batches": self.batches,
            "totals": {
                "examined": self.examined,
                "deleted": self.deleted,
                "anonymised": self.anonymised,
                "kept": self.kept,
            },
            "categories": [item.to_dict(locale) for item in self.categories],
        }


@attrs.frozen(slots=True)
class SweepProgress:
    """Told to the progress callback after every batch (for a CLI progress bar)."""

    run_id: str
    provider: str
    category_id: str
    category_index: int  # 1-based position among the run's categories
    category_count: int
    batch: SweepBatch
    tally: CategoryTally  # the category's counts so far, this batch included
    exhausted: bool  # the category is finished
    dry_run: bool


def _check_options(batch_size: object, max_batches: object, job: object) -> None:
    if (
        not isinstance(batch_size, int)
        or isinstance(batch_size, bool)
        or not 1 <= batch_size <= MAX_BATCH_SIZE
    ):
        raise InvalidSweepOptionsError(option="batch_size")
    if max_batches is not None and (
        not isinstance(max_batches, int) or isinstance(max_batches, bool) or max_batches < 1
    ):
        raise InvalidSweepOptionsError(option="max_batches")
    if not is_identifier(job):
        raise InvalidSweepOptionsError(option="job")


def _check_batch(
    entry: RegisteredCategory[Any],
    task: SweepTask,
    batch: object,
    after: SweepCursor | None,
    limit: int,
) -> SweepBatch:
    provider = entry.provider.name
    if not isinstance(batch, SweepBatch):
        raise ProviderContractError(provider=provider, reason="not_a_batch")
    if batch.category_id != task.category_id:
        raise ProviderContractError(provider=provider, reason="wrong_category")
    if batch.examined > limit:
        raise ProviderContractError(provider=provider, reason="batch_too_large")
    if batch.examined and after is not None and batch.last == after:
        raise ProviderContractError(provider=provider, reason="cursor_did_not_move")
    return batch


def run_sweep(
    bound: BoundRegistry[PU],
    unit_of_work: Callable[[], PU],
    actor: Actor,
    *,
    now: datetime,
    ids: IdGenerator,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_batches: int | None = None,
    job: str = DEFAULT_JOB,
    on_progress: Callable[[SweepProgress], None] | None = None,
) -> SweepReport:
    """Delete or anonymise what is past its period, category by category, in batches.

    ``now`` is the reference instant of a new run (a resumed run keeps its own). Needs
    :attr:`~klickit_core.shared.actors.Permission.RUN_RETENTION` (administrators and
    system jobs). Returns the report; ``report.complete`` is false when ``max_batches``
    stopped the run (call again to resume it).
    """
    require(actor, Permission.RUN_RETENTION)
    _check_options(batch_size, max_batches, job)
    started = ensure_utc(now)

    checkpoint: SweepCheckpoint | None = None
    if not dry_run:
        uow = unit_of_work()
        with uow:
            checkpoint = uow.sweep_checkpoints.get(job)
    resumed = checkpoint is not None
    if checkpoint is None:
        checkpoint = SweepCheckpoint(job, ids.new_id(), started, actor.id, started)
    else:
        checkpoint = attrs.evolve(checkpoint, resumptions=checkpoint.resumptions + 1)
    reference = checkpoint.now

    plan: list[tuple[RegisteredCategory[PU], SweepTask]] = []
    for entry in bound.entries():
        rule = bound.rule_for(entry.category.id)
        task = SweepTask(
            entry.category.id, rule.id, cutoff(rule, reference), rule.action, reference
        )
        plan.append((entry, task))

    batches = 0
    complete = True
    for index, (entry, task) in enumerate(plan, 1):
        if task.category_id in checkpoint.done:
            continue
        exhausted = False
        while not exhausted:
            if max_batches is not None and batches >= max_batches:
                complete = False
                break
            after = checkpoint.cursors.get(task.category_id)
            uow = unit_of_work()
            with uow:
                batch = _check_batch(
                    entry,
                    task,
                    entry.provider.sweep_batch(
                        uow, task, after=after, limit=batch_size, dry_run=dry_run
                    ),
                    after,
                    batch_size,
                )
                exhausted = batch.examined < batch_size
                checkpoint = checkpoint.after_batch(batch, exhausted=exhausted)
                if not dry_run:
                    uow.sweep_checkpoints.save(checkpoint)
                    uow.commit()
            batches += 1
            if on_progress is not None:
                on_progress(
                    SweepProgress(
                        checkpoint.run_id,
                        entry.provider.name,
                        task.category_id,
                        index,
                        len(plan),
                        batch,
                        checkpoint.tallies[task.category_id],
                        exhausted,
                        dry_run,
                    )
                )
        if not complete:
            break

    categories = tuple(
        CategorySweep(
            entry.provider.name,
            task.category_id,
            task.rule_id,
            task.cutoff,
            task.action,
            checkpoint.tallies.get(task.category_id, CategoryTally(task.category_id)),
        )
        for entry, task in plan
    )
    if complete:
        uow = unit_of_work()
        with uow:
            uow.privacy_audit.add(
                PrivacyAuditEntry(
                    ids.new_id(),
                    PrivacyAction.SWEEP,
                    started,
                    actor.id,
                    checkpoint.run_id,
                    dry_run,
                    tuple(item.tally for item in categories),
                )
            )
            if not dry_run:
                uow.sweep_checkpoints.delete(job)
            uow.commit()
    return SweepReport(
        run_id=checkpoint.run_id,
        job=job,
        now=reference,
        dry_run=dry_run,
        complete=complete,
        resumed=resumed,
        batches=checkpoint.batches,
        categories=categories,
    )
