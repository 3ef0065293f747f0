"""SQL repositories of the privacy engine's ports: sweep checkpoints and the audit log
(PRV-2, PRV-3, PRV-4).

Both live in the shop's unit of work, like their memory twins
(:mod:`klickit_core.adapters.memory.privacy`): a sweep batch's statements, its checkpoint
and, at the end of a run, the audit entry commit in one transaction or not at all.

* A checkpoint is one row per job name, saved in place with a version: two runs of the
  same job that both try to save are a :class:`~klickit_core.shared.errors.ConflictError`
  for the later commit, never two interleaved runs. Its cursors, finished categories and
  counts are stored as JSON (:meth:`~klickit_core.privacy.ports.SweepCheckpoint.to_dict`)
  beside the columns a person would look at (job, run, reference instant, actor).
* An audit entry is an append-only row; its counts per category are JSON too.

Why JSON here when the schema avoids it elsewhere (decision 0005): these documents hold
keys and counts, never personal data, and are always read and written whole. No sweep or
erasure ever needs to find or blank something inside them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from klickit_core.adapters.sql.base import MISSING, SqlTransaction, TableAggregate
from klickit_core.adapters.sql.tables import privacy_audit, privacy_sweep_checkpoints
from klickit_core.privacy.ports import (
    CategoryTally,
    PrivacyAction,
    PrivacyAuditEntry,
    PrivacyAuditLog,
    SweepCheckpoint,
    SweepCheckpoints,
)
from klickit_core.shared.errors import ConflictError

__all__ = ["PRIVACY_AUDIT", "SWEEP_CHECKPOINTS", "SqlPrivacyAuditLog", "SqlSweepCheckpoints"]

#: The checkpoint fields kept in columns of their own; the rest goes to ``state``.
_CHECKPOINT_COLUMNS = ("job", "run_id", "now", "actor_id", "started_at")


def _json(value: object) -> str:
    """Compact, stable JSON (sorted keys), ASCII only."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class _SweepCheckpoints(TableAggregate[str, SweepCheckpoint]):
    table = privacy_sweep_checkpoints
    key_column = "job"

    def to_row(self, value: SweepCheckpoint) -> dict[str, Any]:
        data = value.to_dict()
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
        return SweepCheckpoint.from_dict(data)


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
            # Labels are stored as msgids ("en"), which is what from_dict reads back.
            "tallies": _json([tally.to_dict("en") for tally in value.tallies]),
        }

    def from_row(self, row: Mapping[Any, Any]) -> PrivacyAuditEntry:
        return PrivacyAuditEntry(
            id=row["id"],
            action=PrivacyAction(row["action"]),
            at=row["at"],
            actor_id=row["actor_id"],
            reference=row["reference"],
            dry_run=row["dry_run"],
            tallies=tuple(CategoryTally.from_dict(item) for item in json.loads(row["tallies"])),
        )


SWEEP_CHECKPOINTS = _SweepCheckpoints()
PRIVACY_AUDIT = _PrivacyAudit()


class SqlSweepCheckpoints(SweepCheckpoints):
    """Unfinished sweep runs in SQL, one row per job name."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

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
