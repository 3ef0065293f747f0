"""Time as a port (SPEC X-3).

Every use case reads the time from a :class:`Clock` so tests, demos and retention sweeps
can run at any date (``klickit retention sweep --now``). Clocks return *aware UTC*
datetimes; shoppers and staff are shown Europe/Paris time through :func:`to_shop_time`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_

__all__ = [
    "SHOP_TIMEZONE",
    "Clock",
    "NaiveDatetimeError",
    "SystemClock",
    "ensure_utc",
    "to_shop_time",
]

#: The shop's display timezone (SPEC X-3).
SHOP_TIMEZONE = ZoneInfo("Europe/Paris")


class NaiveDatetimeError(KlickitError):
    """A datetime without a timezone reached the library."""

    code = "time.naive_datetime"
    message_template = N_("Datetimes must carry a timezone.")


@runtime_checkable
class Clock(Protocol):
    """Tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def ensure_utc(moment: datetime) -> datetime:
    """``moment`` converted to UTC; naive datetimes are refused, never guessed."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveDatetimeError
    return moment.astimezone(UTC)


def to_shop_time(moment: datetime) -> datetime:
    """``moment`` in the shop's timezone, for display."""
    return ensure_utc(moment).astimezone(SHOP_TIMEZONE)
