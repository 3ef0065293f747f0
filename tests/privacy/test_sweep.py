"""PRV-2: the retention sweep — bounded, resumable, idempotent, dry run, report, audit.

The properties run the engine over a fake context (``fakes.NotesProvider``) whose records
have random clocks, with random batch sizes, at instants told by an advancing clock.
"""

from __future__ import annotations

import json
import weakref
from datetime import datetime, timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klickit_core.adapters.memory.base import MemoryStore
from klickit_core.personal_data import SweepBatch, SweepCursor, SweepTask
from klickit_core.privacy.ports import PrivacyAction, SweepAlreadyRunningError
from klickit_core.privacy.registry import BoundRegistry, ProviderContractError
from klickit_core.privacy.retention import is_due
from klickit_core.privacy.sweep import (
    DEFAULT_JOB,
    SETTLING_ROUNDS,
    InvalidSweepOptionsError,
    SweepProgress,
    SweepReport,
    run_sweep,
)
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import PermissionDeniedError
from klickit_core.shared.serialisation import unstructure
from klickit_core.testing import AdvancingClock, SequentialIds

from .fakes import (
    DISPUTE,
    LONG,
    NOW,
    SHORT,
    CrashError,
    FakeUnitOfWork,
    Note,
    NotesProvider,
    add_notes,
    all_notes,
    registry,
    schedule,
)

ADMIN = Actor("admin-1", Role.ADMINISTRATOR)
JOB = Actor.system("retention-sweep")


@st.composite
def note_sets(draw: st.DrawFn, max_size: int = 30) -> list[Note]:
    """Notes of both categories, clocks from now back to two years, some on hold."""
    count = draw(st.integers(0, max_size))
    notes = []
    for index in range(count):
        age = draw(st.integers(0, 2 * 366 * 24)) * timedelta(hours=1)
        notes.append(
            Note(
                id=f"n-{index:04d}",
                category=draw(st.sampled_from([SHORT, LONG])),
                email=draw(st.sampled_from(["ana@example.fr", "bob@example.com"])),
                name=draw(st.sampled_from(["Ana", "Bob", "<script>alert(1)</script>"])),
                text="hello",
                clock_at=NOW - age,
                held=draw(st.booleans()),
            )
        )
    return notes


_IDS: weakref.WeakKeyDictionary[MemoryStore, SequentialIds] = weakref.WeakKeyDictionary()


def store_with(notes: list[Note]) -> MemoryStore:
    store = MemoryStore()
    add_notes(store, notes)
    _IDS[store] = SequentialIds("run")  # one id sequence per store, like a real shop
    return store


def bound(provider: NotesProvider | None = None) -> BoundRegistry[FakeUnitOfWork]:
    return registry(provider).bind(schedule())


def sweep(
    store: MemoryStore,
    now: datetime,
    *,
    provider: NotesProvider | None = None,
    **options: object,
) -> SweepReport:
    return run_sweep(
        bound(provider),
        lambda: FakeUnitOfWork(store),
        JOB,
        now=now,
        ids=_IDS[store],
        **options,  # type: ignore[arg-type]
    )


def expected_after(notes: list[Note], now: datetime) -> dict[str, Note]:
    """The model: what a sweep at ``now`` must leave."""
    rules = schedule()
    result = {}
    for note in notes:
        rule = rules.rule("test.short" if note.category == SHORT else "test.long")
        if note.anonymised or note.held or not is_due(rule, note.clock_at, now):
            result[note.id] = note
        elif note.category == LONG:
            result[note.id] = attrs.evolve(note, email="", name="", anonymised=True)
    return result


def checkpoint(store: MemoryStore, job: str = DEFAULT_JOB) -> object:
    uow = FakeUnitOfWork(store)
    with uow:
        return uow.sweep_checkpoints.get(job)


def audit(store: MemoryStore) -> list[object]:
    uow = FakeUnitOfWork(store)
    with uow:
        return list(uow.privacy_audit.entries())


# ---------------------------------------------------------------------------- properties
@given(note_sets(), st.integers(1, 7), st.integers(0, 800))
def test_a_sweep_removes_exactly_what_is_past_its_period(
    notes: list[Note], batch_size: int, days_later: int
) -> None:
    """Never anything still inside its period; always everything past it (unless kept
    for a reason, which the report gives)."""
    store = store_with(notes)
    now = NOW + timedelta(days=days_later)
    report = sweep(store, now, batch_size=batch_size)
    assert all_notes(store) == expected_after(notes, now)
    assert report.complete
    assert not report.resumed
    due_held = sum(
        1
        for note in notes
        if note.held
        and is_due(
            schedule().rule("test.short" if note.category == SHORT else "test.long"),
            note.clock_at,
            now,
        )
    )
    assert report.kept == due_held
    assert report.examined == report.deleted + report.anonymised + report.kept
    for part in report.categories:
        assert part.tally.kept_total == sum(k.count for k in part.tally.kept)
        assert {k.reason for k in part.tally.kept} <= {DISPUTE}


@settings(max_examples=40)
@given(note_sets(), st.integers(1, 5), st.integers(1, 120))
def test_with_an_advancing_clock_each_sweep_keeps_the_invariant(
    notes: list[Note], batch_size: int, step_days: int
) -> None:
    """Sweeps at later and later instants: after each, the store is what the model says
    for that instant (which also shows that nothing comes back)."""
    store = store_with(notes)
    clock = AdvancingClock(NOW, step=timedelta(days=step_days, hours=7))
    remaining = notes
    for _ in range(6):
        now = clock.now()
        sweep(store, now, batch_size=batch_size)
        expected = expected_after(remaining, now)
        assert all_notes(store) == expected
        remaining = list(expected.values())


@given(note_sets(), st.integers(1, 6), st.integers(0, 800))
def test_running_twice_equals_running_once(
    notes: list[Note], batch_size: int, days_later: int
) -> None:
    store = store_with(notes)
    now = NOW + timedelta(days=days_later)
    first = sweep(store, now, batch_size=batch_size)
    after_once = all_notes(store)
    second = sweep(store, now, batch_size=batch_size)
    assert all_notes(store) == after_once
    assert (second.deleted, second.anonymised) == (0, 0)
    assert second.kept == first.kept  # held records are examined again, and kept again
    assert checkpoint(store) is None
    assert [entry.action for entry in audit(store)] == [PrivacyAction.SWEEP] * 2  # type: ignore[attr-defined]


@given(note_sets(max_size=25), st.integers(1, 4), st.integers(0, 800), st.integers(0, 12))
def test_a_sweep_killed_mid_way_and_rerun_ends_as_an_uninterrupted_one(
    notes: list[Note], batch_size: int, days_later: int, crash_after: int
) -> None:
    now = NOW + timedelta(days=days_later)
    reference = store_with(notes)
    uninterrupted = sweep(reference, now, batch_size=batch_size)

    store = store_with(notes)
    crashing = NotesProvider(crash_after=crash_after)
    try:
        finished = sweep(store, now, provider=crashing, batch_size=batch_size)
    except CrashError:
        crashed = True
        assert audit(store) == []  # the run is not over
    else:  # it finished before the crash point: that run is the uninterrupted one
        assert finished.categories == uninterrupted.categories
        assert all_notes(store) == all_notes(reference)
        return
    rerun = sweep(store, now, batch_size=batch_size)
    committed = crashed and crashing.calls > 1  # at least one batch went through
    assert rerun.resumed == committed
    assert (rerun.run_id == "run-1") == committed
    assert rerun.categories == uninterrupted.categories  # counts carried over the crash
    assert all_notes(store) == all_notes(reference)
    assert checkpoint(store) is None


@given(note_sets(), st.integers(1, 6), st.integers(0, 800))
def test_a_dry_run_changes_nothing_and_tells_what_would_happen(
    notes: list[Note], batch_size: int, days_later: int
) -> None:
    store = store_with(notes)
    now = NOW + timedelta(days=days_later)
    before = all_notes(store)
    dry = sweep(store, now, batch_size=batch_size, dry_run=True)
    assert all_notes(store) == before
    assert checkpoint(store) is None
    real = sweep(store, now, batch_size=batch_size)
    assert dry.dry_run
    assert not real.dry_run
    assert [c.tally for c in dry.categories] == [c.tally for c in real.categories]
    entries = audit(store)
    assert [e.dry_run for e in entries] == [False, True]  # type: ignore[attr-defined]


def test_every_task_knows_the_cutoffs_of_the_runs_rules() -> None:
    """PRV-2 (issue #19): the engine gives each category's task the cutoff of every rule
    of the run at its reference instant, the same for all of them, so that a provider
    whose categories could take the same record leaves to each what its rule makes due."""
    provider = NotesProvider()
    seen: list[SweepTask] = []
    real = provider.sweep_batch

    def spy(uow: FakeUnitOfWork, task: SweepTask, **options: object) -> SweepBatch:
        seen.append(task)
        return real(uow, task, **options)  # type: ignore[arg-type]

    provider.sweep_batch = spy  # type: ignore[method-assign]
    sweep(store_with([]), NOW, provider=provider)
    assert {task.category_id for task in seen} == {SHORT, LONG}
    rules = bound(provider)
    for task in seen:
        assert task.cutoff_of(task.rule_id) == task.cutoff
        for entry in rules.entries():
            rule = rules.rule_for(entry.category.id)
            assert task.cutoff_of(rule.id) == rules.cutoff(entry.category.id, NOW)
    assert len({task.rule_cutoffs for task in seen}) == 1


@settings(max_examples=40)
@given(note_sets(), st.integers(1, 5), st.integers(0, 800), st.integers(2, 4))
def test_workers_share_the_categories_and_report_one_runs_counts(
    notes: list[Note], batch_size: int, days_later: int, workers: int
) -> None:
    """PRV-2: worker threads take whole categories; the store ends as after a single run
    and the report holds the single run's counts."""
    now = NOW + timedelta(days=days_later)
    single, shared = store_with(notes), store_with(notes)
    alone = sweep(single, now, batch_size=batch_size)
    together = sweep(shared, now, batch_size=batch_size, workers=workers)
    assert together.complete
    assert together.categories == alone.categories
    assert all_notes(shared) == all_notes(single) == expected_after(notes, now)
    assert checkpoint(shared) is None


@given(note_sets(), st.integers(1, 6), st.integers(0, 800))
def test_batches_are_bounded(notes: list[Note], batch_size: int, days_later: int) -> None:
    store = store_with(notes)
    provider = NotesProvider()
    batches: list[SweepBatch] = []
    report = sweep(
        store,
        NOW + timedelta(days=days_later),
        provider=provider,
        batch_size=batch_size,
        on_progress=lambda progress: batches.append(progress.batch),
    )
    assert set(provider.limits) == {batch_size}
    assert all(batch.examined <= batch_size for batch in batches)
    for part in report.categories:
        in_category = [b for b in batches if b.category_id == part.category_id]
        # Every full batch is followed by another; the last one is short (maybe empty).
        assert [b.examined for b in in_category[:-1]] == [batch_size] * (len(in_category) - 1)
        assert in_category[-1].examined < batch_size
        assert len(in_category) == part.tally.examined // batch_size + 1
    assert report.batches == len(batches) == provider.calls - provider.dry_calls


# ---------------------------------------------------------------------------- examples
def old_notes(count: int) -> list[Note]:
    return [
        Note(f"n-{i:04d}", SHORT, "ana@example.fr", "Ana", "x", NOW - timedelta(days=40))
        for i in range(count)
    ]


def test_a_budget_of_batches_stops_the_run_and_the_next_call_resumes_it() -> None:
    store = store_with(old_notes(7))
    first = sweep(store, NOW, batch_size=2, max_batches=2)
    assert not first.complete
    assert first.deleted == 4
    assert len(all_notes(store)) == 3
    assert audit(store) == []
    saved = checkpoint(store)
    assert saved is not None
    second = sweep(store, NOW + timedelta(days=30), batch_size=2)
    assert second.complete
    assert second.resumed
    assert second.now == NOW  # the run keeps its reference instant
    assert second.deleted == 7
    assert all_notes(store) == {}
    assert checkpoint(store) is None
    (entry,) = audit(store)
    assert entry.reference == first.run_id == second.run_id  # type: ignore[attr-defined]


def test_a_second_run_of_the_job_is_refused_while_the_first_works() -> None:
    """PRV-2: while a run holds its job, another run of the job (here started from inside
    one of the first run's batches) is refused with the job's name and changes nothing;
    another job may run. Once the first run is over, the job is free again."""
    store = store_with(old_notes(3))
    refusals: list[SweepAlreadyRunningError] = []
    others: list[SweepReport] = []

    def meddle(_dry_run: bool) -> None:
        if not refusals:
            with pytest.raises(SweepAlreadyRunningError) as refused:
                sweep(store, NOW)
            refusals.append(refused.value)
            others.append(sweep(store, NOW, job="another-job", dry_run=True))

    meddling = NotesProvider()
    meddling.meanwhile = meddle
    first = sweep(store, NOW, provider=meddling, batch_size=2)
    (refusal,) = refusals
    assert refusal.code == "privacy.sweep_running"
    assert refusal.details == {"job": DEFAULT_JOB}
    assert first.complete
    assert first.deleted == 3
    assert others[0].dry_run
    assert all_notes(store) == {}
    assert sweep(store, NOW).complete  # released


def test_rows_passed_over_are_swept_before_the_run_says_complete() -> None:
    """PRV-2: a batch that passes over rows another transaction holds (SKIP LOCKED) does
    not let the run report complete with them still due: the final check finds them and
    sweeps them once they are free."""
    store = store_with(old_notes(6))
    provider = NotesProvider()
    provider.held_elsewhere = {"n-0001", "n-0004"}

    def release(dry_run: bool) -> None:  # the other transaction ends by the final check
        if dry_run:
            provider.held_elsewhere = set()

    provider.meanwhile = release
    report = sweep(store, NOW, provider=provider, batch_size=2)
    assert report.complete
    assert all_notes(store) == {}
    assert report.category(SHORT).tally.deleted == 6
    assert report.category(SHORT).tally.examined == 6
    assert checkpoint(store) is None


def test_a_run_that_cannot_reach_every_due_row_is_not_complete() -> None:
    """PRV-2: rows held elsewhere through every settling round keep the run incomplete:
    no audit entry, the checkpoint kept; the next run resumes it, sweeps them and ends
    complete with the counts of both."""
    store = store_with(old_notes(5))
    held = NotesProvider()
    held.held_elsewhere = {"n-0002"}
    first = sweep(store, NOW, provider=held, batch_size=2)
    assert not first.complete
    assert first.deleted == 4
    assert set(all_notes(store)) == {"n-0002"}
    assert audit(store) == []
    assert checkpoint(store) is not None
    assert held.calls - held.dry_calls == 4 + SETTLING_ROUNDS  # 3 + 1 batches, then rounds
    second = sweep(store, NOW + timedelta(days=3), batch_size=2)
    assert second.complete
    assert second.resumed
    assert second.run_id == first.run_id
    assert second.now == NOW
    assert second.deleted == 5
    assert all_notes(store) == {}
    assert checkpoint(store) is None


def test_progress_is_told_after_every_batch() -> None:
    store = store_with(old_notes(5))
    seen: list[SweepProgress] = []
    report = sweep(store, NOW, batch_size=2, on_progress=seen.append)
    short = [p for p in seen if p.category_id == SHORT]
    assert [p.tally.deleted for p in short] == [2, 4, 5]
    assert [p.exhausted for p in short] == [False, False, True]
    assert {p.category_count for p in seen} == {2}
    assert {p.run_id for p in seen} == {report.run_id}


def test_the_report_and_the_audit_entry_hold_counts_not_personal_data() -> None:
    notes = [*old_notes(3), attrs.evolve(old_notes(1)[0], id="n-0100", held=True)]
    store = store_with(notes)
    report = sweep(store, NOW)
    data = unstructure(report, locale="fr")
    short = next(c for c in data["categories"] if c["category"] == SHORT)
    assert short["deleted"] == 3
    assert short["kept"] == [{"reason": "open_dispute", "label": DISPUTE.label, "count": 1}]
    assert data["totals"] == {"examined": 4, "deleted": 3, "anonymised": 0, "kept": 1}
    assert report.category(LONG).tally.examined == 0
    with pytest.raises(KeyError):
        report.category("nope")
    (entry,) = audit(store)
    text = json.dumps(unstructure(entry)) + repr(entry)
    assert "ana@example.fr" not in text
    assert "Ana" not in text
    assert entry.actor_id == JOB.id  # type: ignore[attr-defined]


def test_only_administrators_and_jobs_may_sweep() -> None:
    store = store_with([])
    for actor in (Actor("c-1", Role.CUSTOMER, "c-1"), Actor("m-1", Role.SHOP_MANAGER)):
        with pytest.raises(PermissionDeniedError):
            run_sweep(bound(), lambda: FakeUnitOfWork(store), actor, now=NOW, ids=SequentialIds())
    run_sweep(bound(), lambda: FakeUnitOfWork(store), ADMIN, now=NOW, ids=SequentialIds())


@pytest.mark.parametrize(
    ("options", "option"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 10_001}, "batch_size"),
        ({"batch_size": True}, "batch_size"),
        ({"max_batches": 0}, "max_batches"),
        ({"job": "Not A Job"}, "job"),
        ({"workers": 0}, "workers"),
        ({"workers": 17}, "workers"),
        ({"workers": True}, "workers"),
    ],
)
def test_options_are_checked(options: dict[str, object], option: str) -> None:
    with pytest.raises(InvalidSweepOptionsError) as caught:
        sweep(store_with([]), NOW, **options)
    assert caught.value.details == {"option": option}


def test_parallel_workers_use_their_own_job_names() -> None:
    store = store_with(old_notes(4))
    first = sweep(store, NOW, batch_size=1, max_batches=1, job="worker-1")
    second = sweep(store, NOW, batch_size=1, max_batches=1, job="worker-2")
    assert checkpoint(store, "worker-1") is not None
    assert checkpoint(store, "worker-2") is not None
    assert first.run_id != second.run_id or first.job != second.job


# ---------------------------------------------------------------------------- contract
class Misbehaving(NotesProvider):
    def __init__(self, answer: str) -> None:
        super().__init__()
        self.answer = answer

    def sweep_batch(
        self,
        uow: FakeUnitOfWork,
        task: SweepTask,
        *,
        after: SweepCursor | None,
        limit: int,
        dry_run: bool,
    ) -> SweepBatch:
        if self.answer == "too_large":
            return SweepBatch(task.category_id, limit + 1, limit + 1, last=SweepCursor("z"))
        if self.answer == "wrong_category":
            return SweepBatch("other.category", 0)
        if self.answer == "stuck":
            return SweepBatch(task.category_id, limit, limit, last=SweepCursor("same"))
        return "nonsense"  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("too_large", "batch_too_large"),
        ("wrong_category", "wrong_category"),
        ("stuck", "cursor_did_not_move"),
        ("nonsense", "not_a_batch"),
    ],
)
def test_a_provider_that_breaks_its_contract_is_stopped(answer: str, reason: str) -> None:
    store = store_with([])
    with pytest.raises(ProviderContractError) as caught:
        sweep(store, NOW, provider=Misbehaving(answer), batch_size=3)
    assert caught.value.details == {"provider": "notes", "reason": reason}
