"""The retention sweep (SPEC PRV-2).

:func:`run_sweep` walks every category of a :class:`~klickit_core.privacy.registry.BoundRegistry`
and asks its provider, batch after batch, to delete or anonymise what is past its period:

* **one run per job at a time**: a run first claims its job
  (:meth:`~klickit_core.privacy.ports.SweepCheckpoints.claim`, for every process of the
  store); a second run of the same job is refused with
  :class:`~klickit_core.privacy.ports.SweepAlreadyRunningError` and changes nothing;
* **bounded**: each batch is at most ``batch_size`` records, in its own transaction (a
  unit of work from the ``unit_of_work`` factory), so locks are short and memory flat;
* **resumable**: the keyset cursor and the counts so far are saved *in the same
  transaction* as the batch (:class:`~klickit_core.privacy.ports.SweepCheckpoint`). If the
  process dies, the next call with the same ``job`` resumes the interrupted run, with its
  original reference instant, exactly after the last committed batch; ``max_batches`` stops
  a run on purpose the same way (a job runner with a time budget);
* **complete means done**: after the categories, a final check reads every category from
  its start; what is still due and would change (a row another transaction held, a record
  that became due when another category's record went) is swept again, and the run
  reports ``complete`` only once the check finds nothing left to change;
* **idempotent**: a provider never selects what it already deleted or anonymised, so a
  second run over the same data changes nothing;
* **a dry run tells the truth**: it runs the real sweep in *one* transaction that is
  rolled back, so what one category's deletions make due in another is counted as the real
  run would count it; no checkpoint is kept;
* **workers**: ``workers`` threads take whole categories in turn, each batch in a unit of
  work of its own (useful on PostgreSQL, where batches of different tables run in
  parallel); every category is swept by one worker, so the counts are a single run's;
* **reported and audited**: a :class:`SweepReport` (per category: examined, deleted,
  anonymised, kept and why) and, when the run finishes, one
  :class:`~klickit_core.privacy.ports.PrivacyAuditEntry` holding counts only.

Decision 0010 tells why it is built this way.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Generic, TypeVar

import attrs

from klickit_core.personal_data import (
    KeptCount,
    RetentionAction,
    SweepBatch,
    SweepCursor,
    SweepTask,
    is_identifier,
)
from klickit_core.privacy.ports import (
    CategoryTally,
    PrivacyAction,
    PrivacyAuditEntry,
    PrivacyUnitOfWork,
    SweepCheckpoint,
    SweepClaim,
)
from klickit_core.privacy.registry import BoundRegistry, ProviderContractError, RegisteredCategory
from klickit_core.privacy.retention import cutoff
from klickit_core.shared.actors import Actor, Permission, require
from klickit_core.shared.clock import ensure_utc
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_
from klickit_core.shared.ids import IdGenerator
from klickit_core.shared.serialisation import converter

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_JOB",
    "MAX_BATCH_SIZE",
    "MAX_WORKERS",
    "SETTLING_ROUNDS",
    "CategorySweep",
    "InvalidSweepOptionsError",
    "SweepProgress",
    "SweepReport",
]

PU = TypeVar("PU", bound=PrivacyUnitOfWork)

#: Records per batch and transaction. A batch of 1,000 holds SQLite's write lock for about
#: 0.1 s on a 1,000,000-order store (checkouts wait that long at most, far below the busy
#: timeout); a batch of 500 rewrote the same pages of the email and account indexes twice
#: as often (random keys: each batch touches a leaf page per removed entry), which made
#: the SQLite sweep 2.4 times the one-statement floor instead of 1.5 (benchmarks/README.md).
DEFAULT_BATCH_SIZE = 1000
MAX_BATCH_SIZE = 10_000
DEFAULT_JOB = "retention-sweep"
#: At most this many worker threads per run.
MAX_WORKERS = 16
#: How many times the final check may send a run back over what is still due before the
#: run gives up and reports itself incomplete (the next run takes over from there).
SETTLING_ROUNDS = 4


class InvalidSweepOptionsError(KlickitError):
    """A sweep option is out of range (batch size, batch budget, job name, workers)."""

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


def _category_sweep_data(item: CategorySweep) -> dict[str, Any]:
    """A category's part of a sweep report: its tally's JSON, then rule, cutoff, action."""
    data: dict[str, Any] = converter.unstructure(item.tally)
    data.update(
        provider=item.provider,
        rule=item.rule_id,
        cutoff=converter.unstructure(item.cutoff),
        action=str(item.action),
    )
    return data


def _sweep_report_data(report: SweepReport) -> dict[str, Any]:
    """A sweep report's JSON (``klickit retention sweep --json``), with its totals."""
    return {
        "run_id": report.run_id,
        "job": report.job,
        "now": converter.unstructure(report.now),
        "dry_run": report.dry_run,
        "complete": report.complete,
        "resumed": report.resumed,
        "batches": report.batches,
        "totals": {
            "examined": report.examined,
            "deleted": report.deleted,
            "anonymised": report.anonymised,
            "kept": report.kept,
        },
        "categories": [_category_sweep_data(item) for item in report.categories],
    }


converter.register_unstructure_hook(CategorySweep, _category_sweep_data)
converter.register_unstructure_hook(SweepReport, _sweep_report_data)


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


def _check_options(batch_size: object, max_batches: object, job: object, workers: object) -> None:
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
    if not isinstance(workers, int) or isinstance(workers, bool) or not 1 <= workers <= MAX_WORKERS:
        raise InvalidSweepOptionsError(option="workers")


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


@attrs.frozen(slots=True)
class _Unit(Generic[PU]):
    """One category of a run: its place among them (from 1), its provider and its task."""

    index: int
    entry: RegisteredCategory[PU]
    task: SweepTask

    @property
    def category_id(self) -> str:
        """The category's id."""
        return self.task.category_id


class _Run(Generic[PU]):
    """One run at work: its checkpoint, its batch budget and, in a dry run, its one
    transaction. Worker threads share it; ``_lock`` guards what they change."""

    def __init__(
        self,
        unit_of_work: Callable[[], PU],
        claim: SweepClaim,
        checkpoint: SweepCheckpoint,
        *,
        count: int,
        batch_size: int,
        max_batches: int | None,
        workers: int,
        on_progress: Callable[[SweepProgress], None] | None,
        shared: PU | None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._claim = claim
        self._count = count
        self._batch_size = batch_size
        self._max_batches = max_batches
        self._workers = workers
        self._on_progress = on_progress
        self._shared = shared  # a dry run's one transaction, never committed
        self._lock = threading.Lock()
        self._spent = 0  # batches run by this call, against max_batches
        self.checkpoint = checkpoint
        self.stopped = False  # the batch budget ran out
        self.kept: dict[str, tuple[KeptCount, ...]] = {}

    # ------------------------------------------------------------------ the whole run
    def work(self, units: list[_Unit[PU]]) -> bool:
        """Sweep the categories the checkpoint has not finished, then settle; whether the
        run is complete."""
        todo = [unit for unit in units if unit.category_id not in self.checkpoint.done]
        return self._sweep_all(todo, settling=False) and self._settle(units)

    def categories(self, units: list[_Unit[PU]], *, complete: bool) -> tuple[CategorySweep, ...]:
        """The report's categories. Once complete, what is kept is what the final check
        found due and kept; examined is that plus what changed."""
        found = []
        for unit in units:
            task = unit.task
            tally = self.checkpoint.tallies.get(task.category_id, CategoryTally(task.category_id))
            if complete:
                kept = self.kept.get(task.category_id, ())
                changed = tally.deleted + tally.anonymised
                total = changed + sum(item.count for item in kept)
                tally = CategoryTally(
                    task.category_id, total, tally.deleted, tally.anonymised, kept
                )
            found.append(
                CategorySweep(
                    unit.entry.provider.name,
                    task.category_id,
                    task.rule_id,
                    task.cutoff,
                    task.action,
                    tally,
                )
            )
        return tuple(found)

    # ------------------------------------------------------------------ categories
    def _sweep_all(self, units: list[_Unit[PU]], *, settling: bool) -> bool:
        """Sweep ``units`` to their end, by the run's workers; False when the budget ran
        out first."""
        if self._workers == 1 or self._shared is not None or len(units) < 2:
            return all(self._sweep(unit, settling=settling) for unit in units)
        waiting = deque(units)
        failures: list[BaseException] = []

        def work() -> None:
            while True:
                with self._lock:
                    if not waiting or failures or self.stopped:
                        return
                    unit = waiting.popleft()
                try:
                    if not self._sweep(unit, settling=settling):
                        return
                except BaseException as error:  # handed over to the calling thread
                    with self._lock:
                        failures.append(error)
                    return

        threads = [
            threading.Thread(target=work, name=f"klickit-sweep-{number}", daemon=True)
            for number in range(min(self._workers, len(units)))
        ]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                thread.join()
        except BaseException:  # interrupted: let the workers end their batch first
            with self._lock:
                self.stopped = True
            for thread in threads:
                thread.join()
            raise
        if failures:
            raise failures[0]
        return not self.stopped

    def _sweep(self, unit: _Unit[PU], *, settling: bool) -> bool:
        """Every batch of ``unit`` until it is exhausted (from the checkpoint's cursor,
        or from the start when settling); False when the budget ran out first."""
        after = None if settling else self.checkpoint.cursors.get(unit.category_id)
        while True:
            batch = self._batch(unit, after, settling=settling)
            if batch is None:
                return False
            if batch.examined < self._batch_size:
                return True
            after = batch.last

    def _settle(self, units: list[_Unit[PU]]) -> bool:
        """Read every category from its start until nothing due would change, sweeping
        again the categories where something would; False when the rounds or the budget
        run out first (the run is then incomplete, and the next one goes on)."""
        rounds = 0
        while True:
            pending: list[_Unit[PU]] = []
            kept: dict[str, tuple[KeptCount, ...]] = {}
            for unit in units:
                would_change, held = self._probe(unit)
                if would_change:
                    pending.append(unit)
                else:
                    kept[unit.category_id] = held
            if not pending:
                self.kept = kept
                return True
            if rounds == SETTLING_ROUNDS:
                return False
            rounds += 1
            if not self._sweep_all(pending, settling=True):
                return False

    def _probe(self, unit: _Unit[PU]) -> tuple[bool, tuple[KeptCount, ...]]:
        """``unit`` read from its start by the provider's dry run: whether something due
        would still change, and else what is kept, per reason."""
        tally = CategoryTally(unit.category_id)
        after: SweepCursor | None = None
        while True:
            with self._transaction() as uow:
                batch = self._provider_batch(uow, unit, after, dry_run=True)
            if batch.deleted or batch.anonymised:
                return True, ()
            tally = tally.plus(batch)
            if batch.examined < self._batch_size:
                return False, tally.kept
            after = batch.last

    # ------------------------------------------------------------------ batches
    def _batch(
        self, unit: _Unit[PU], after: SweepCursor | None, *, settling: bool
    ) -> SweepBatch | None:
        """One batch of ``unit`` after ``after``, committed with the checkpoint (in a dry
        run, applied to the run's one transaction); ``None`` when the budget is spent."""
        with self._lock:
            if self.stopped or (self._max_batches is not None and self._spent >= self._max_batches):
                self.stopped = True
                return None
            self._spent += 1
        self._claim.check()
        with self._transaction() as uow:
            batch = self._provider_batch(uow, unit, after, dry_run=False)
            with self._lock:
                advanced = self.checkpoint.after_batch(
                    _changes_only(batch) if settling else batch,
                    exhausted=settling or batch.examined < self._batch_size,
                )
                if self._shared is None:
                    uow.sweep_checkpoints.save(advanced)
                    uow.commit()
                self.checkpoint = advanced
                self._tell(unit, batch)
        return batch

    def _provider_batch(
        self, uow: PU, unit: _Unit[PU], after: SweepCursor | None, *, dry_run: bool
    ) -> SweepBatch:
        provider = unit.entry.provider
        answer = provider.sweep_batch(
            uow, unit.task, after=after, limit=self._batch_size, dry_run=dry_run
        )
        return _check_batch(unit.entry, unit.task, answer, after, self._batch_size)

    @contextmanager
    def _transaction(self) -> Iterator[PU]:
        if self._shared is not None:
            yield self._shared
            return
        uow = self._unit_of_work()
        with uow:
            yield uow

    def _tell(self, unit: _Unit[PU], batch: SweepBatch) -> None:
        if self._on_progress is None:
            return
        self._on_progress(
            SweepProgress(
                self.checkpoint.run_id,
                unit.entry.provider.name,
                unit.category_id,
                unit.index,
                self._count,
                batch,
                self.checkpoint.tallies[unit.category_id],
                batch.examined < self._batch_size,
                self._shared is not None,
            )
        )


def _changes_only(batch: SweepBatch) -> SweepBatch:
    """What a settling batch adds to the counts: its changes (what it kept, the final
    check counts once)."""
    changed = batch.deleted + batch.anonymised
    return SweepBatch(
        batch.category_id,
        changed,
        deleted=batch.deleted,
        anonymised=batch.anonymised,
        last=batch.last if changed else None,
    )


@contextmanager
def _claimed(unit_of_work: Callable[[], PU], job: str) -> Iterator[SweepClaim]:
    uow = unit_of_work()
    with uow:
        claim = uow.sweep_checkpoints.claim(job)
    with claim:
        yield claim


def _stored(unit_of_work: Callable[[], PU], job: str) -> SweepCheckpoint | None:
    uow = unit_of_work()
    with uow:
        return uow.sweep_checkpoints.get(job)


def _plan(bound: BoundRegistry[PU], reference: datetime) -> list[_Unit[PU]]:
    rules = {}
    for entry in bound.entries():
        rule = bound.rule_for(entry.category.id)
        rules[rule.id] = rule
    # Every task knows the cutoffs of the run's rules, so that a provider's categories
    # never take the same record (SweepTask.rule_cutoffs).
    cutoffs = {rule_id: cutoff(rule, reference) for rule_id, rule in rules.items()}
    shared = tuple(cutoffs.items())
    units = []
    for index, entry in enumerate(bound.entries(), 1):
        rule = bound.rule_for(entry.category.id)
        task = SweepTask(
            entry.category.id,
            rule.id,
            cutoffs[rule.id],
            rule.action,
            reference,
            rule_cutoffs=shared,
        )
        units.append(_Unit(index, entry, task))
    return units


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
    workers: int = 1,
    on_progress: Callable[[SweepProgress], None] | None = None,
) -> SweepReport:
    """Delete or anonymise what is past its period, category by category, in batches.

    ``now`` is the reference instant of a new run (a resumed run keeps its own). Needs
    :attr:`~klickit_core.shared.actors.Permission.RUN_RETENTION` (administrators and
    system jobs). Raises :class:`~klickit_core.privacy.ports.SweepAlreadyRunningError`
    while another run of ``job`` is at work. Returns the report; ``report.complete`` is
    false when ``max_batches`` stopped the run, or when records still due would change
    after :data:`SETTLING_ROUNDS` more rounds (call again to resume it). ``workers``
    threads (at most :data:`MAX_WORKERS`) share the categories; a dry run uses one.
    """
    require(actor, Permission.RUN_RETENTION)
    _check_options(batch_size, max_batches, job, workers)
    started = ensure_utc(now)
    with _claimed(unit_of_work, job) as claim:
        checkpoint = None if dry_run else _stored(unit_of_work, job)
        resumed = checkpoint is not None
        if checkpoint is None:
            checkpoint = SweepCheckpoint(job, ids.new_id(), started, actor.id, started)
        else:
            checkpoint = attrs.evolve(checkpoint, resumptions=checkpoint.resumptions + 1)
        units = _plan(bound, checkpoint.now)
        options: dict[str, Any] = {
            "count": len(units),
            "batch_size": batch_size,
            "max_batches": max_batches,
            "workers": workers,
            "on_progress": on_progress,
        }
        if dry_run:
            shared = unit_of_work()
            with shared:  # never committed: leaving the block undoes the whole run
                run = _Run(unit_of_work, claim, checkpoint, shared=shared, **options)
                complete = run.work(units)
        else:
            run = _Run(unit_of_work, claim, checkpoint, shared=None, **options)
            complete = run.work(units)
        categories = run.categories(units, complete=complete)
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
        now=checkpoint.now,
        dry_run=dry_run,
        complete=complete,
        resumed=resumed,
        batches=run.checkpoint.batches,
        categories=categories,
    )
