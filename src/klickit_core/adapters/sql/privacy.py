"""SQL repositories of the privacy engine's ports: sweep checkpoints and the audit log
(PRV-2, PRV-3, PRV-4).

Both live in the shop's unit of work, like their memory twins
(:mod:`klickit_core.adapters.memory.privacy`): a sweep batch's statements, its checkpoint
and, at the end of a run, the audit entry commit in one transaction or not at all.

* A checkpoint is one row per job name, saved in place with a version: two runs of the
  same job that both try to save are a :class:`~klickit_core.shared.errors.ConflictError`
  for the later commit, never two interleaved runs. Its cursors, finished categories and
  counts are stored as JSON (the converter's form, :mod:`klickit_core.shared.serialisation`)
  beside the columns a person would look at (job, run, reference instant, actor).
* An audit entry is an append-only row; its counts per category are JSON too.
* A run's claim on its job (decision 0010) is not a row: it must end with the process that
  holds it, or a killed run would block the next one. On PostgreSQL it is a session-level
  advisory lock (``pg_try_advisory_lock``) on the digest of the schema and the job, held
  on a connection of its own in autocommit; on a SQLite file, an exclusive lock on a lock
  file beside the database (``shop.db.sweep-<job>.lock``, an empty SQLite database whose
  ``BEGIN EXCLUSIVE`` the holder keeps open), so the shop's own write lock is never held;
  on an in-memory SQLite database, which only its process sees, a lock of the process.

Why JSON here when the schema avoids it elsewhere (decision 0005): these documents hold
keys and counts, never personal data, and are always read and written whole. No sweep or
erasure ever needs to find or blank something inside them.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, Engine, text
from sqlalchemy import exc as sa_exc

from klickit_core.adapters.sql.base import MISSING, SqlTransaction, TableAggregate, lock_key
from klickit_core.adapters.sql.errors import translated
from klickit_core.adapters.sql.tables import privacy_audit, privacy_sweep_checkpoints
from klickit_core.privacy.ports import (
    CategoryTally,
    PrivacyAction,
    PrivacyAuditEntry,
    PrivacyAuditLog,
    SweepAlreadyRunningError,
    SweepCheckpoint,
    SweepCheckpoints,
    SweepClaim,
    SweepClaimLostError,
)
from klickit_core.shared.errors import ConflictError
from klickit_core.shared.serialisation import structure, unstructure

__all__ = [
    "PRIVACY_AUDIT",
    "SWEEP_CHECKPOINTS",
    "SqlPrivacyAuditLog",
    "SqlSweepCheckpoints",
    "claim_sweep_job",
]

#: The checkpoint fields kept in columns of their own; the rest goes to ``state``.
_CHECKPOINT_COLUMNS = ("job", "run_id", "now", "actor_id", "started_at")


def _json(value: object) -> str:
    """Compact, stable JSON (sorted keys), ASCII only."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class _SweepCheckpoints(TableAggregate[str, SweepCheckpoint]):
    table = privacy_sweep_checkpoints
    key_column = "job"

    def to_row(self, value: SweepCheckpoint) -> dict[str, Any]:
        data = unstructure(value)
        state = {key: item for key, item in data.items() if key not in _CHECKPOINT_COLUMNS}
        return {
            "job": value.job,
            "run_id": value.run_id,
            "now": value.now,
            "actor_id": value.actor_id,
            "started_at": value.started_at,
            "state": _json(state),
        }

    def from_row(self, row: Mapping[Any, Any]) -> SweepCheckpoint:
        data = json.loads(row["state"])
        data.update(
            job=row["job"],
            run_id=row["run_id"],
            now=row["now"].isoformat(),
            actor_id=row["actor_id"],
            started_at=row["started_at"].isoformat(),
        )
        return structure(data, SweepCheckpoint)


class _PrivacyAudit(TableAggregate[str, PrivacyAuditEntry]):
    """Append-only: no version, never updated."""

    table = privacy_audit
    key_column = "id"
    versioned = False

    def to_row(self, value: PrivacyAuditEntry) -> dict[str, Any]:
        return {
            "id": value.id,
            "action": value.action.value,
            "at": value.at,
            "actor_id": value.actor_id,
            "reference": value.reference,
            "dry_run": value.dry_run,
            # Labels are stored as msgids ("en"), which is what structuring reads back.
            "tallies": _json(unstructure(value.tallies, locale="en")),
        }

    def from_row(self, row: Mapping[Any, Any]) -> PrivacyAuditEntry:
        return PrivacyAuditEntry(
            id=row["id"],
            action=PrivacyAction(row["action"]),
            at=row["at"],
            actor_id=row["actor_id"],
            reference=row["reference"],
            dry_run=row["dry_run"],
            tallies=structure(json.loads(row["tallies"]), tuple[CategoryTally, ...]),
        )


SWEEP_CHECKPOINTS = _SweepCheckpoints()
PRIVACY_AUDIT = _PrivacyAudit()

# ---------------------------------------------------------------------------- claims
_TRY_LOCK: Final = text("SELECT pg_try_advisory_lock(:key)")
_UNLOCK: Final = text("SELECT pg_advisory_unlock(:key)")
_ALIVE: Final = text("SELECT 1")
#: The claims of in-memory SQLite databases, per engine (only their process sees them).
_PROCESS_LOCKS: weakref.WeakKeyDictionary[Engine, dict[str, threading.Lock]] = (
    weakref.WeakKeyDictionary()
)
_PROCESS_LOCKS_GUARD = threading.Lock()


class _AdvisoryClaim(SweepClaim):
    """PostgreSQL: a session-level advisory lock on a connection of the claim's own (used
    by one thread at a time: a run's workers all check it)."""

    def __init__(self, connection: Connection, key: int, job: str) -> None:
        self._connection: Connection | None = connection
        self._key = key
        self._job = job
        self._guard = threading.Lock()

    def check(self) -> None:
        with self._guard:
            connection = self._connection
            try:
                if connection is None:
                    raise SweepClaimLostError(job=self._job, reason="lost")
                connection.execute(_ALIVE)  # the lock lives as long as this session
            except sa_exc.SQLAlchemyError:
                raise SweepClaimLostError(job=self._job, reason="lost") from None

    def release(self) -> None:
        with self._guard:
            connection, self._connection = self._connection, None
            if connection is None:
                return
            # A session that is gone has taken its lock with it: nothing is left to unlock.
            try:
                with contextlib.suppress(sa_exc.SQLAlchemyError):
                    connection.execute(_UNLOCK, {"key": self._key})
            finally:
                connection.close()


class _FileClaim(SweepClaim):
    """A SQLite file: ``BEGIN EXCLUSIVE`` kept open on a lock file beside the database."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection: sqlite3.Connection | None = connection

    def check(self) -> None:
        return None  # held by this process until it ends

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()  # ends the transaction, and with it the lock


class _ProcessClaim(SweepClaim):
    """An in-memory SQLite database: a lock of the one process that sees it."""

    def __init__(self, lock: threading.Lock) -> None:
        self._lock: threading.Lock | None = lock

    def check(self) -> None:
        return None

    def release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()


def _claim_on_postgres(engine: Engine, job: str) -> SweepClaim:
    with translated():
        connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        with translated():
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
            key = lock_key(f"klickit.sweep:{schema}:{job}")
            held = bool(connection.execute(_TRY_LOCK, {"key": key}).scalar_one())
    except BaseException:
        connection.close()
        raise
    if not held:
        connection.close()
        raise SweepAlreadyRunningError(job=job)
    return _AdvisoryClaim(connection, key, job)


def _sqlite_file(engine: Engine) -> Path | None:
    """The database file of a SQLite engine, or ``None`` for an in-memory database."""
    database = engine.url.database or ""
    if database.startswith("file:"):
        if "mode=memory" in database:
            return None
        database = database.removeprefix("file:").split("?", 1)[0]
    if database in {"", ":memory:"}:
        return None
    return Path(database)


def _claim_on_sqlite(engine: Engine, job: str) -> SweepClaim:
    path = _sqlite_file(engine)
    if path is None:
        with _PROCESS_LOCKS_GUARD:
            lock = _PROCESS_LOCKS.setdefault(engine, {}).setdefault(job, threading.Lock())
        if not lock.acquire(blocking=False):
            raise SweepAlreadyRunningError(job=job)
        return _ProcessClaim(lock)
    lock_file = path.with_name(f"{path.name}.sweep-{job}.lock")
    try:
        connection = sqlite3.connect(
            lock_file, timeout=0, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error:
        raise SweepClaimLostError(job=job, reason="unavailable") from None
    try:
        connection.execute("BEGIN EXCLUSIVE")
    except sqlite3.Error as error:
        connection.close()
        if getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY:
            raise SweepAlreadyRunningError(job=job) from None
        raise SweepClaimLostError(job=job, reason="unavailable") from None
    return _FileClaim(connection)


def claim_sweep_job(engine: Engine, job: str) -> SweepClaim:
    """Claim the sweep ``job`` on the database of ``engine`` (see the module docstring)."""
    if engine.dialect.name == "postgresql":
        return _claim_on_postgres(engine, job)
    return _claim_on_sqlite(engine, job)


# ---------------------------------------------------------------------------- ports
class SqlSweepCheckpoints(SweepCheckpoints):
    """Unfinished sweep runs in SQL, one row per job name."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def claim(self, job: str) -> SweepClaim:
        return claim_sweep_job(self._tx.engine, job)

    def get(self, job: str) -> SweepCheckpoint | None:
        return self._tx.get(SWEEP_CHECKPOINTS, job)

    def save(self, checkpoint: SweepCheckpoint) -> None:
        # Inserted if the job had none when first read, else updated WHERE version = :seen.
        self._tx.stage(SWEEP_CHECKPOINTS, checkpoint.job, checkpoint)

    def delete(self, job: str) -> None:
        if self.get(job) is not None:
            self._tx.stage(SWEEP_CHECKPOINTS, job, MISSING)


class SqlPrivacyAuditLog(PrivacyAuditLog):
    """The privacy audit log in SQL (append-only), read newest first."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def add(self, entry: PrivacyAuditEntry) -> None:
        if self._tx.exists(PRIVACY_AUDIT, entry.id):  # entries are never rewritten
            raise ConflictError(table="privacy_audit")
        self._tx.stage(PRIVACY_AUDIT, entry.id, entry)

    def entries(
        self, *, action: PrivacyAction | None = None, limit: int = 100
    ) -> list[PrivacyAuditEntry]:
        where = [] if action is None else [privacy_audit.c.action == action.value]
        window = self._tx.window(PRIVACY_AUDIT, limit, 0)
        order = [privacy_audit.c.at.desc(), self._tx.text_order(privacy_audit.c.id).desc()]
        found = (
            PRIVACY_AUDIT.load_where(self._tx, *where, order_by=order, limit=window)
            if window > 0
            else {}
        )
        return self._tx.merge(
            PRIVACY_AUDIT,
            found,
            lambda entry: action is None or entry.action is action,
            lambda entry: (entry.at, entry.id),
            reverse=True,
            limit=limit,
        )
