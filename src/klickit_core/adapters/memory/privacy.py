"""Memory implementations of the privacy engine's ports (sweep checkpoints, audit log).

They are repositories of a :class:`~klickit_core.adapters.memory.base.MemoryTransaction`
like every other memory repository, so they belong *in* the unit of work: a sweep batch,
its checkpoint and the run's audit entry commit or roll back together, exactly as the SQL
backend's tables will. A unit of work satisfies
:class:`~klickit_core.privacy.ports.PrivacyUnitOfWork` once it carries both::

    self.sweep_checkpoints = MemorySweepCheckpoints(self)
    self.privacy_audit = MemoryPrivacyAuditLog(self)

A memory store lives in one process, so a job's claim is one of the store's named locks.
"""

from __future__ import annotations

import threading

from klickit_core.adapters.memory.base import MISSING, MemoryTransaction
from klickit_core.privacy.ports import (
    PrivacyAction,
    PrivacyAuditEntry,
    PrivacyAuditLog,
    SweepAlreadyRunningError,
    SweepCheckpoint,
    SweepCheckpoints,
    SweepClaim,
)
from klickit_core.shared.errors import ConflictError

__all__ = ["MemoryPrivacyAuditLog", "MemorySweepCheckpoints"]

_CHECKPOINTS = "privacy_sweep_checkpoints"
_AUDIT = "privacy_audit"


class _LockClaim(SweepClaim):
    """A job claimed through one of the store's named locks."""

    def __init__(self, lock: threading.Lock) -> None:
        self._lock: threading.Lock | None = lock

    def check(self) -> None:
        return None  # a lock of this process cannot be lost

    def release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()


class MemorySweepCheckpoints(SweepCheckpoints):
    """Sweep checkpoints in memory, one per job name."""

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def claim(self, job: str) -> SweepClaim:
        lock = self._tx.store.named_lock(f"privacy.sweep:{job}")
        if not lock.acquire(blocking=False):
            raise SweepAlreadyRunningError(job=job)
        return _LockClaim(lock)

    def get(self, job: str) -> SweepCheckpoint | None:
        value = self._tx.read(_CHECKPOINTS, job)
        return None if value is MISSING else value

    def save(self, checkpoint: SweepCheckpoint) -> None:
        self._tx.read(_CHECKPOINTS, checkpoint.job)  # a concurrent run's save is a conflict
        self._tx.write(_CHECKPOINTS, checkpoint.job, checkpoint)

    def delete(self, job: str) -> None:
        if self._tx.read(_CHECKPOINTS, job) is not MISSING:
            self._tx.write(_CHECKPOINTS, job, MISSING)


class MemoryPrivacyAuditLog(PrivacyAuditLog):
    """The privacy audit log in memory; entry ids are unique."""

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def add(self, entry: PrivacyAuditEntry) -> None:
        if self._tx.read(_AUDIT, entry.id) is not MISSING:
            raise ConflictError(table=_AUDIT)
        self._tx.write(_AUDIT, entry.id, entry)

    def entries(
        self, *, action: PrivacyAction | None = None, limit: int = 100
    ) -> list[PrivacyAuditEntry]:
        found: list[PrivacyAuditEntry] = [
            entry for entry in self._tx.scan(_AUDIT) if action is None or entry.action is action
        ]
        found.sort(key=lambda entry: (entry.at, entry.id), reverse=True)
        return found[: max(0, limit)]
