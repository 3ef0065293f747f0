"""What one retention sweep step is asked to do and what it did (SPEC PRV-2).

The engine computes a :class:`SweepTask` from the shop's schedule, gives a provider back
the :class:`SweepCursor` where its last batch stopped, and receives a :class:`SweepBatch`
whose counts add up, with what was kept counted per :class:`KeepReason`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from klickit_core.personal_data import _checks
from klickit_core.personal_data.categories import RetentionAction
from klickit_core.personal_data.errors import InvalidSweepDataError

__all__ = ["KeepReason", "KeptCount", "SweepBatch", "SweepCursor", "SweepTask"]

_MAX_CURSOR = 512


@attrs.frozen(slots=True)
class KeepReason:
    """Why a sweep kept a record that is past its period (an open dispute, a legal hold)."""

    code: str = attrs.field(validator=_checks.identifier("reason.code"))
    label: str = attrs.field(validator=_checks.label("reason.label"))


@attrs.frozen(slots=True)
class KeptCount:
    """How many records a sweep kept for one reason."""

    reason: KeepReason
    count: int = attrs.field(validator=_checks.count)


def _check_cursor(_instance: Any, _attribute: Any, value: Any) -> None:
    if (
        not isinstance(value, str)
        or not value
        or len(value) > _MAX_CURSOR
        or not value.isprintable()
    ):
        raise InvalidSweepDataError(reason="cursor")


@attrs.frozen(slots=True)
class SweepCursor:
    """Where a sweep stopped: the key of the last record it examined (keyset paging).

    Opaque to the engine, which stores it between batches and across a crash and gives it
    back as ``after``. A provider must put *keys* in it (ids), never personal data.
    """

    value: str = attrs.field(validator=_check_cursor)


def _aware(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidSweepDataError(reason=attribute.name)


def _check_rule_cutoffs(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, tuple) or not all(
        isinstance(item, tuple)
        and len(item) == 2
        and isinstance(item[0], str)
        and isinstance(item[1], datetime)
        and item[1].tzinfo is not None
        and item[1].utcoffset() is not None
        for item in value
    ):
        raise InvalidSweepDataError(reason="rule_cutoffs")


@attrs.frozen(slots=True)
class SweepTask:
    """What one category's sweep must do, computed by the engine from the schedule.

    A record is *due* when its clock started strictly before ``cutoff``; the provider then
    applies ``action`` to it (or keeps it with a reason). ``now`` is the run's instant.

    ``rule_cutoffs`` holds the cutoff at ``now`` of every rule that governs a category of
    the run, ``(rule id, cutoff)``: for a provider two of whose categories could take the
    same record, so that one leaves alone what the other's rule makes due (the
    after-sales data of an order past its accounting years goes with the order's
    anonymisation, not in a strip of its own: issue #19). Then the categories never
    overlap, and the counts of a run do not depend on the order the categories are swept
    in, whatever the workers. Empty when the engine did not give them (a provider then
    takes every record its own cutoff makes due).
    """

    category_id: str = attrs.field(validator=_checks.identifier("task.category_id"))
    rule_id: str = attrs.field(validator=_checks.identifier("task.rule_id"))
    cutoff: datetime = attrs.field(validator=_aware)
    action: RetentionAction
    now: datetime = attrs.field(validator=_aware)
    rule_cutoffs: tuple[tuple[str, datetime], ...] = attrs.field(
        default=(), validator=_check_rule_cutoffs
    )

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.action, RetentionAction):
            raise InvalidSweepDataError(reason="action")
        if self.cutoff > self.now:
            raise InvalidSweepDataError(reason="cutoff_after_now")

    def is_due(self, clock_started_at: datetime) -> bool:
        """Whether a record whose clock started at ``clock_started_at`` is due."""
        return clock_started_at < self.cutoff

    def cutoff_of(self, rule_id: str) -> datetime | None:
        """The cutoff of the rule ``rule_id`` in this run (``None`` if not given)."""
        return next((at for rule, at in self.rule_cutoffs if rule == rule_id), None)


@attrs.frozen(slots=True)
class SweepBatch:
    """What one :meth:`PersonalDataProvider.sweep_batch` call did (or, in a dry run, would do).

    ``examined`` due records were selected (at most ``limit``, in key order, after the
    cursor); each was ``deleted``, ``anonymised`` or ``kept`` for a reason, so
    ``examined == deleted + anonymised + sum(kept counts)``. ``last`` is the key of the last
    record examined (``None`` when none was). Fewer than ``limit`` examined means the
    category is exhausted.
    """

    category_id: str = attrs.field(validator=_checks.identifier("batch.category_id"))
    examined: int = attrs.field(validator=_checks.count)
    deleted: int = attrs.field(default=0, validator=_checks.count)
    anonymised: int = attrs.field(default=0, validator=_checks.count)
    kept: tuple[KeptCount, ...] = ()
    last: SweepCursor | None = None

    def __attrs_post_init__(self) -> None:
        if not all(isinstance(item, KeptCount) for item in self.kept):
            raise InvalidSweepDataError(reason="kept")
        codes = [item.reason.code for item in self.kept]
        if len(set(codes)) != len(codes):
            raise InvalidSweepDataError(reason="duplicate_reason")
        if self.examined != self.deleted + self.anonymised + self.kept_total:
            raise InvalidSweepDataError(reason="counts")
        if (self.last is None) != (self.examined == 0):
            raise InvalidSweepDataError(reason="cursor")

    @property
    def kept_total(self) -> int:
        """Records kept, whatever the reason."""
        return sum(item.count for item in self.kept)
