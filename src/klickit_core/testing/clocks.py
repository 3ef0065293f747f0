"""Clocks for tests: time that stands still or moves only when told."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from klickit_core.shared.clock import ensure_utc

__all__ = ["DEFAULT_START", "AdvancingClock", "FixedClock"]

#: A Tuesday at 10:00 in Paris, far from any DST change.
DEFAULT_START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class FixedClock:
    """Always tells the same instant, until :meth:`set` or :meth:`advance` moves it."""

    def __init__(self, at: datetime = DEFAULT_START) -> None:
        self._now = ensure_utc(at)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current (frozen) instant."""
        with self._lock:
            return self._now

    def set(self, at: datetime) -> None:
        """Jump to ``at`` (may go backwards: tests of clock skew need it)."""
        with self._lock:
            self._now = ensure_utc(at)

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta``; returns the new instant."""
        with self._lock:
            self._now += delta
            return self._now


class AdvancingClock(FixedClock):
    """Moves forward by ``step`` each time it is read: every event gets its own instant."""

    def __init__(
        self, at: datetime = DEFAULT_START, step: timedelta = timedelta(seconds=1)
    ) -> None:
        super().__init__(at)
        self._step = step

    def now(self) -> datetime:
        """The current instant; the next call returns one ``step`` later."""
        with self._lock:
            current = self._now
            self._now += self._step
            return current
