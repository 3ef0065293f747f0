# ruff: noqa: S101, PT012 - test code: plain asserts; a backend may refuse at add or at commit
"""Contract suites for the privacy engine's ports (PRV-2, PRV-3, PRV-4, X-5).

What every backend's unit of work must do with ``uow.sweep_checkpoints`` and
``uow.privacy_audit`` (:mod:`klickit_core.privacy.ports`): keep them *in* the transaction
(a sweep batch, its checkpoint and a run's audit entry commit or vanish together), read
them back exactly, refuse two runs of one job that would overwrite each other, and let
one run at a time claim a job (decision 0010; the library's own tests also race real
processes on SQLite and PostgreSQL). A backend's test module subclasses each class with
a ``make_uow`` fixture (see :class:`~klickit_core.testing.contracts.base.ContractBase`)::

    class TestMemorySweepCheckpoints(SweepCheckpointContract):
        @pytest.fixture
        def make_uow(self):
            return MemoryStore().unit_of_work
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klickit_core.personal_data import (
    KeepReason,
    KeptCount,
    SweepBatch,
    SweepCursor,
)
from klickit_core.privacy.ports import (
    CategoryTally,
    PrivacyAction,
    PrivacyAuditEntry,
    SweepAlreadyRunningError,
    SweepCheckpoint,
    SweepClaim,
)
from klickit_core.shared.errors import ConflictError
from klickit_core.testing import strategies as kst
from klickit_core.testing.contracts.base import ContractBase, MakeUow

__all__ = ["PrivacyAuditLogContract", "SweepCheckpointContract"]

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
DISPUTE = KeepReason("open_dispute", "An open dispute")
HOLD = KeepReason("legal_hold", "A legal hold")
#: Hypothesis with a function-scoped fixture: each example uses fresh keys on one store.
_UNIQUE = itertools.count()
#: Each backend's subclass runs the same test (a different executor): that is the point.
_ROUND_TRIP = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
)


def _checkpoint(job: str = "retention-sweep", run_id: str = "run-1") -> SweepCheckpoint:
    """A run one batch into ``orders.cancelled``, with ``sessions.visitor`` finished."""
    start = SweepCheckpoint(job, run_id, T0, "system:retention", T0 + MINUTE)
    first = start.after_batch(
        SweepBatch("sessions.visitor", 3, deleted=3, last=SweepCursor("s-0003")), exhausted=True
    )
    return first.after_batch(
        SweepBatch(
            "orders.cancelled",
            10,
            deleted=6,
            anonymised=1,
            kept=(KeptCount(DISPUTE, 2), KeptCount(HOLD, 1)),
            last=SweepCursor("order-0010"),
        ),
        exhausted=False,
    )


class SweepCheckpointContract(ContractBase):
    """``uow.sweep_checkpoints``: one unfinished run per job, saved with its batch."""

    @staticmethod
    def stored(make_uow: MakeUow, job: str) -> SweepCheckpoint | None:
        """The committed checkpoint of ``job``."""
        with make_uow() as uow:
            found: SweepCheckpoint | None = uow.sweep_checkpoints.get(job)
            return found

    def test_a_checkpoint_reads_back_unchanged(self, make_uow: MakeUow) -> None:
        """PRV-2: cursors, finished categories, counts and kept reasons survive."""
        assert self.stored(make_uow, "retention-sweep") is None
        checkpoint = _checkpoint()
        with make_uow() as uow:
            uow.sweep_checkpoints.save(checkpoint)
            assert uow.sweep_checkpoints.get("retention-sweep") == checkpoint  # own write
            uow.commit()
        assert self.stored(make_uow, "retention-sweep") == checkpoint
        assert self.stored(make_uow, "other-job") is None

    @_ROUND_TRIP
    @given(batches=st.lists(st.tuples(kst.sweep_batches(), st.booleans()), max_size=6))
    def test_any_checkpoint_reads_back_unchanged(
        self, make_uow: MakeUow, batches: list[tuple[SweepBatch, bool]]
    ) -> None:
        """PRV-2: whatever batches a run went through, a resumed run starts from exactly
        the state it saved."""
        job = f"job-{next(_UNIQUE)}"
        checkpoint = SweepCheckpoint(job, "run-1", T0, "system:retention", T0, resumptions=2)
        for batch, exhausted in batches:
            checkpoint = checkpoint.after_batch(batch, exhausted=exhausted)
        with make_uow() as uow:
            uow.sweep_checkpoints.save(checkpoint)
            uow.commit()
        assert self.stored(make_uow, job) == checkpoint

    def test_saving_again_replaces_the_checkpoint(self, make_uow: MakeUow) -> None:
        first = _checkpoint()
        later = first.after_batch(
            SweepBatch("orders.cancelled", 4, deleted=4, last=SweepCursor("order-0014")),
            exhausted=True,
        )
        with make_uow() as uow:
            uow.sweep_checkpoints.save(first)
            uow.commit()
        with make_uow() as uow:
            assert uow.sweep_checkpoints.get(first.job) == first
            uow.sweep_checkpoints.save(later)
            uow.commit()
        stored = self.stored(make_uow, first.job)
        assert stored == later
        assert stored.batches == 3
        assert stored.tallies["orders.cancelled"].deleted == 10

    def test_jobs_are_kept_apart(self, make_uow: MakeUow) -> None:
        """PRV-2: parallel workers use different job names, each with its own run."""
        with make_uow() as uow:
            uow.sweep_checkpoints.save(_checkpoint("worker-1", "run-a"))
            uow.sweep_checkpoints.save(_checkpoint("worker-2", "run-b"))
            uow.commit()
        with make_uow() as uow:
            uow.sweep_checkpoints.delete("worker-1")
            uow.commit()
        assert self.stored(make_uow, "worker-1") is None
        stored = self.stored(make_uow, "worker-2")
        assert stored is not None
        assert stored.run_id == "run-b"

    def test_delete_forgets_the_run_and_tolerates_none(self, make_uow: MakeUow) -> None:
        with make_uow() as uow:
            uow.sweep_checkpoints.save(_checkpoint())
            uow.commit()
        with make_uow() as uow:
            uow.sweep_checkpoints.delete("retention-sweep")
            uow.sweep_checkpoints.delete("never-ran")
            assert uow.sweep_checkpoints.get("retention-sweep") is None
            uow.commit()
        assert self.stored(make_uow, "retention-sweep") is None
        with make_uow() as uow:  # saved and finished in one transaction: nothing is left
            uow.sweep_checkpoints.save(_checkpoint())
            uow.sweep_checkpoints.delete("retention-sweep")
            uow.commit()
        assert self.stored(make_uow, "retention-sweep") is None

    def test_a_checkpoint_commits_with_its_transaction_or_not_at_all(
        self, make_uow: MakeUow
    ) -> None:
        """PRV-2: a crash before commit leaves neither the batch's progress nor the audit
        entry; nothing is visible to others before the commit."""
        with make_uow() as uow:
            uow.sweep_checkpoints.save(_checkpoint())
            uow.privacy_audit.add(_entry("a1", 0))
            with make_uow() as other:
                assert other.sweep_checkpoints.get("retention-sweep") is None
                assert other.privacy_audit.entries() == []
        assert self.stored(make_uow, "retention-sweep") is None
        with make_uow() as uow:
            assert uow.privacy_audit.entries() == []

    def test_two_runs_of_one_job_cannot_both_start(self, make_uow: MakeUow) -> None:
        """PRV-2: two workers under one job name both find no checkpoint; only the first
        to commit saves its run, the other conflicts (and its batch is undone)."""
        with make_uow() as first, make_uow() as second:
            assert first.sweep_checkpoints.get("retention-sweep") is None
            assert second.sweep_checkpoints.get("retention-sweep") is None
            first.sweep_checkpoints.save(_checkpoint(run_id="run-a"))
            second.sweep_checkpoints.save(_checkpoint(run_id="run-b"))
            first.commit()
            with pytest.raises(ConflictError):
                second.commit()
        stored = self.stored(make_uow, "retention-sweep")
        assert stored is not None
        assert stored.run_id == "run-a"

    @staticmethod
    def claim(make_uow: MakeUow, job: str) -> SweepClaim:
        """``job`` claimed through a unit of work that is over by the time it returns."""
        with make_uow() as uow:
            claim: SweepClaim = uow.sweep_checkpoints.claim(job)
        return claim

    def test_one_run_at_a_time_holds_a_job(self, make_uow: MakeUow) -> None:
        """PRV-2: a claim holds its job past the unit of work that took it, until it is
        released; meanwhile another claim of the job is refused with the job's name, and
        other jobs are free."""
        job = f"claim-{next(_UNIQUE)}"
        first = self.claim(make_uow, job)
        try:
            first.check()
            with pytest.raises(SweepAlreadyRunningError) as refused:
                self.claim(make_uow, job)
            assert refused.value.code == "privacy.sweep_running"
            assert refused.value.details == {"job": job}
            with self.claim(make_uow, f"{job}-other") as other:
                other.check()
            first.check()
        finally:
            first.release()
        first.release()  # twice is harmless
        with self.claim(make_uow, job) as again:
            again.check()
        with self.claim(make_uow, job):  # the context manager released it
            pass

    def test_a_checkpoint_changed_meanwhile_is_a_conflict(self, make_uow: MakeUow) -> None:
        with make_uow() as uow:
            uow.sweep_checkpoints.save(_checkpoint())
            uow.commit()
        ahead = attrs.evolve(_checkpoint(), batches=7)
        behind = attrs.evolve(_checkpoint(), batches=5)
        with make_uow() as first, make_uow() as second:
            assert first.sweep_checkpoints.get("retention-sweep") is not None
            assert second.sweep_checkpoints.get("retention-sweep") is not None
            first.sweep_checkpoints.save(ahead)
            second.sweep_checkpoints.save(behind)
            first.commit()
            with pytest.raises(ConflictError):
                second.commit()
        assert self.stored(make_uow, "retention-sweep") == ahead


def _entry(
    entry_id: str,
    minutes: int,
    action: PrivacyAction = PrivacyAction.SWEEP,
    tallies: tuple[CategoryTally, ...] = (),
) -> PrivacyAuditEntry:
    return PrivacyAuditEntry(
        entry_id, action, T0 + minutes * MINUTE, "admin-1", f"ref-{entry_id}", False, tallies
    )


class PrivacyAuditLogContract(ContractBase):
    """``uow.privacy_audit``: append-only, read newest first, ids and counts only."""

    @staticmethod
    def ids(make_uow: MakeUow, **filters: object) -> list[str]:
        """The committed entries' ids, as ``entries(**filters)`` lists them."""
        with make_uow() as uow:
            return [entry.id for entry in uow.privacy_audit.entries(**filters)]

    def test_an_entry_reads_back_unchanged(self, make_uow: MakeUow) -> None:
        """PRV-2, PRV-4: counts per category and kept reasons survive, in order."""
        tallies = (
            CategoryTally("orders.cancelled", 12, 9, 0, (KeptCount(DISPUTE, 3),)),
            CategoryTally("sessions.visitor", 40, 40),
            CategoryTally("orders.completed", 5, 0, 4, (KeptCount(HOLD, 1), KeptCount(DISPUTE, 0))),
        )
        entry = attrs.evolve(_entry("a1", 0, PrivacyAction.ERASURE, tallies), dry_run=True)
        with make_uow() as uow:
            uow.privacy_audit.add(entry)
            uow.commit()
        with make_uow() as uow:
            assert uow.privacy_audit.entries() == [entry]

    def test_entries_newest_first_by_action_and_limited(self, make_uow: MakeUow) -> None:
        entries = [
            _entry("a1", 0),
            _entry("a2", 3, PrivacyAction.EXPORT),
            _entry("a3", 1, PrivacyAction.ERASURE),
            _entry("a4", 2),
            _entry("a5", 2, PrivacyAction.EXPORT),  # same instant: the larger id first
        ]
        with make_uow() as uow:
            for entry in entries:
                uow.privacy_audit.add(entry)
            uow.commit()
        assert self.ids(make_uow) == ["a2", "a5", "a4", "a3", "a1"]
        assert self.ids(make_uow, action=PrivacyAction.SWEEP) == ["a4", "a1"]
        assert self.ids(make_uow, action=PrivacyAction.EXPORT) == ["a2", "a5"]
        assert self.ids(make_uow, action=PrivacyAction.ERASURE, limit=5) == ["a3"]
        assert self.ids(make_uow, limit=2) == ["a2", "a5"]
        assert self.ids(make_uow, limit=0) == []

    def test_own_entries_are_seen_before_commit(self, make_uow: MakeUow) -> None:
        with make_uow() as uow:
            uow.privacy_audit.add(_entry("a1", 0))
            uow.commit()
        with make_uow() as uow:
            uow.privacy_audit.add(_entry("a2", 1, PrivacyAction.EXPORT))
            assert [e.id for e in uow.privacy_audit.entries()] == ["a2", "a1"]
            assert [e.id for e in uow.privacy_audit.entries(limit=1)] == ["a2"]
        assert self.ids(make_uow) == ["a1"]  # rolled back

    def test_entry_ids_are_unique(self, make_uow: MakeUow) -> None:
        with make_uow() as uow:
            uow.privacy_audit.add(_entry("a1", 0))
            uow.commit()
        with make_uow() as uow, pytest.raises(ConflictError):
            uow.privacy_audit.add(_entry("a1", 5, PrivacyAction.EXPORT))
            uow.commit()
        with make_uow() as first, make_uow() as second:  # both add before either commits
            first.privacy_audit.add(_entry("a2", 1))
            second.privacy_audit.add(_entry("a2", 2))
            first.commit()
            with pytest.raises(ConflictError):
                second.commit()
        with make_uow() as uow:
            found = uow.privacy_audit.entries()
        assert [(e.id, e.at) for e in found] == [("a2", T0 + MINUTE), ("a1", T0)]
