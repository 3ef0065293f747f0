"""What a repository's set-based retention step takes and gives back (SPEC PRV-2).

The privacy engine pages through a category with an opaque
:class:`~klickit_core.personal_data.sweeps.SweepCursor`; a repository pages through a table
with a *keyset*: the clock column the sweep filters on (a session's last activity, an
attempt's time, a token's expiry) and the row's id, in that order. :class:`SweepKey` is that
position, and it turns into the engine's cursor and back (:meth:`SweepKey.cursor`,
:meth:`SweepKey.from_cursor`). It holds a timestamp and an id — keys, never a name, an
email or an address — so a checkpoint stored between batches holds no personal data.

:class:`SweepPage` is a repository's answer to one step: how many due rows it selected, how
many it deleted or anonymised, how many it kept and why (reason codes), and the key of the
last row it selected. Every backend orders keys the same way: the clock first, then the id
compared by code point (Python's ``str`` order; ``COLLATE "C"`` on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from klickit_core.personal_data import (
    InvalidSweepDataError,
    KeepReason,
    KeptCount,
    SweepBatch,
    SweepCursor,
)

__all__ = ["SweepKey", "SweepPage"]

#: Separates the clock from the id in a cursor. An ISO 8601 timestamp never holds it.
_SEPARATOR = "|"


def _check_id(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidSweepDataError(reason="key")


def _check_at(_instance: Any, _attribute: Any, value: Any) -> None:
    if value is not None and (
        not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None
    ):
        raise InvalidSweepDataError(reason="key")


@attrs.frozen(slots=True)
class SweepKey:
    """A keyset position: the row's clock (``None`` for tables paged by id alone) and id."""

    at: datetime | None = attrs.field(validator=_check_at)
    id: str = attrs.field(validator=_check_id)

    def sort_key(self) -> tuple[datetime | None, str]:
        """The tuple backends order by (clock, then id); compare keys of one table only."""
        return (self.at, self.id)

    def is_after(self, at: datetime | None, key: str) -> bool:
        """Whether the row ``(at, key)`` comes strictly after this position."""
        if self.at is None or at is None:
            return key > self.id
        return (at, key) > (self.at, self.id)

    def cursor(self) -> SweepCursor:
        """The engine's opaque cursor for this position."""
        if self.at is None:
            return SweepCursor(f"{_SEPARATOR}{self.id}")
        return SweepCursor(f"{self.at.isoformat()}{_SEPARATOR}{self.id}")

    @classmethod
    def from_cursor(cls, cursor: SweepCursor | None) -> SweepKey | None:
        """The position a cursor made by :meth:`cursor` stands for (``None`` stays ``None``).

        A cursor this module did not make is refused with
        :class:`~klickit_core.personal_data.errors.InvalidSweepDataError`.
        """
        if cursor is None:
            return None
        clock, separator, key = cursor.value.partition(_SEPARATOR)
        if not separator or not key:
            raise InvalidSweepDataError(reason="cursor")
        if not clock:
            return cls(None, key)
        try:
            at = datetime.fromisoformat(clock)
        except ValueError:
            raise InvalidSweepDataError(reason="cursor") from None
        if at.tzinfo is None:
            raise InvalidSweepDataError(reason="cursor")
        return cls(at, key)


def _count(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidSweepDataError(reason="count")


def _check_kept(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, tuple) or not all(
        isinstance(item, tuple)
        and len(item) == 2
        and isinstance(item[0], str)
        and isinstance(item[1], int)
        and item[1] > 0
        for item in value
    ):
        raise InvalidSweepDataError(reason="kept")


@attrs.frozen(slots=True)
class SweepPage:
    """One set-based retention step of a repository (or, in a dry run, what it would do).

    ``examined`` due rows were selected, in key order after the position given; ``changed``
    of them were deleted or anonymised; ``kept`` counts the others per reason code (a
    notice before deletion still running); ``last`` is the key of the last row selected.
    """

    examined: int = attrs.field(validator=_count)
    changed: int = attrs.field(validator=_count)
    last: SweepKey | None = None
    kept: tuple[tuple[str, int], ...] = attrs.field(default=(), validator=_check_kept)

    def __attrs_post_init__(self) -> None:
        if self.examined != self.changed + sum(count for _reason, count in self.kept):
            raise InvalidSweepDataError(reason="counts")
        if (self.last is None) != (self.examined == 0):
            raise InvalidSweepDataError(reason="cursor")

    def kept_for(self, reason: str) -> int:
        """How many rows were kept for ``reason``."""
        return sum(count for code, count in self.kept if code == reason)

    def batch(
        self,
        category_id: str,
        *,
        anonymised: bool = False,
        reasons: Mapping[str, KeepReason] | None = None,
    ) -> SweepBatch:
        """The engine's :class:`~klickit_core.personal_data.sweeps.SweepBatch` for this
        page: what changed counted as deleted (or ``anonymised``), kept rows under the
        :class:`~klickit_core.personal_data.sweeps.KeepReason` of their code."""
        known = reasons or {}
        kept = []
        for code, count in self.kept:
            if code not in known:
                raise InvalidSweepDataError(reason="kept")
            kept.append(KeptCount(known[code], count))
        return SweepBatch(
            category_id,
            self.examined,
            deleted=0 if anonymised else self.changed,
            anonymised=self.changed if anonymised else 0,
            kept=tuple(kept),
            last=self.last.cursor() if self.last is not None else None,
        )

    @classmethod
    def of(
        cls,
        keys: list[SweepKey],
        changed: int | None = None,
        kept: dict[str, int] | None = None,
    ) -> SweepPage:
        """The page for the selected ``keys`` (any order): all of them changed, unless
        ``changed`` and ``kept`` say otherwise."""
        last = max(keys, key=SweepKey.sort_key) if keys else None
        held = tuple(sorted((code, count) for code, count in (kept or {}).items() if count))
        return cls(len(keys), len(keys) if changed is None else changed, last, held)
