"""X-3: time from a Clock port (aware UTC), shown in Europe/Paris; ids from a port."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given

from klickit_core.shared.clock import (
    SHOP_TIMEZONE,
    Clock,
    NaiveDatetimeError,
    SystemClock,
    ensure_utc,
    to_shop_time,
)
from klickit_core.shared.ids import IdGenerator, RandomIdGenerator
from klickit_core.testing import AdvancingClock, FixedClock, SequentialIds
from klickit_core.testing import strategies as kst
from klickit_core.testing.clocks import DEFAULT_START

PARIS = ZoneInfo("Europe/Paris")
NAIVE = datetime(2026, 1, 15, 12, 0)  # noqa: DTZ001 - deliberately naive


class _NoOffset(tzinfo):
    """A tzinfo that does not know its offset: as unusable as no tzinfo at all."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


# ---------------------------------------------------------------- ensure_utc / shop time


@pytest.mark.parametrize("moment", [NAIVE, datetime(2026, 1, 15, 12, tzinfo=_NoOffset())])
def test_naive_datetimes_are_refused(moment: datetime) -> None:
    """X-3, X-9: a datetime without a usable timezone is refused, never guessed."""
    with pytest.raises(NaiveDatetimeError) as info:
        ensure_utc(moment)
    assert info.value.code == "time.naive_datetime"
    assert info.value.message("fr") == "Les dates et heures doivent porter un fuseau horaire."
    with pytest.raises(NaiveDatetimeError):
        to_shop_time(moment)


def test_ensure_utc_converts_to_utc_keeping_the_instant() -> None:
    """X-3: any aware datetime becomes the same instant in UTC."""
    paris = datetime(2026, 7, 15, 14, 30, tzinfo=PARIS)
    utc = ensure_utc(paris)
    assert utc == paris
    assert utc.tzinfo is UTC
    assert (utc.hour, utc.minute) == (12, 30)
    offset = datetime(2026, 7, 15, 14, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert ensure_utc(offset).hour == 19
    already = datetime(2026, 7, 15, 12, 30, tzinfo=UTC)
    assert ensure_utc(already) == already


@pytest.mark.parametrize(
    ("utc", "local", "offset_hours"),
    [
        # Winter: CET, UTC+1.
        (datetime(2026, 1, 15, 12, 0, tzinfo=UTC), (2026, 1, 15, 13, 0), 1),
        # Summer: CEST, UTC+2.
        (datetime(2026, 7, 15, 12, 0, tzinfo=UTC), (2026, 7, 15, 14, 0), 2),
        # Around the spring change (last Sunday of March, 01:00 UTC).
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), (2026, 3, 29, 1, 59), 1),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), (2026, 3, 29, 3, 0), 2),
        # Around the autumn change (last Sunday of October, 01:00 UTC).
        (datetime(2026, 10, 25, 0, 59, tzinfo=UTC), (2026, 10, 25, 2, 59), 2),
        (datetime(2026, 10, 25, 1, 0, tzinfo=UTC), (2026, 10, 25, 2, 0), 1),
        # Late evening in UTC is already the next day in Paris.
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), (2027, 1, 1, 0, 30), 1),
    ],
)
def test_shop_time_is_europe_paris(
    utc: datetime, local: tuple[int, int, int, int, int], offset_hours: int
) -> None:
    """X-3: dates are shown in Europe/Paris, daylight saving time included."""
    shown = to_shop_time(utc)
    assert (shown.year, shown.month, shown.day, shown.hour, shown.minute) == local
    assert shown.utcoffset() == timedelta(hours=offset_hours)
    # Same instant. (Not ``shown == utc``: PEP 495 makes an inter-zone == False for times
    # in the autumn "fold" hour, which two of these cases are.)
    assert shown.timestamp() == utc.timestamp()
    assert ensure_utc(shown) == utc
    assert shown.tzinfo is SHOP_TIMEZONE
    assert str(SHOP_TIMEZONE) == "Europe/Paris"


@given(kst.aware_datetimes())
def test_conversions_keep_the_instant(moment: datetime) -> None:
    """X-3: converting for display never moves the instant; ensure_utc is idempotent."""
    shown = to_shop_time(moment)
    assert shown.timestamp() == moment.timestamp()
    assert ensure_utc(shown) == moment
    assert ensure_utc(ensure_utc(moment)) == ensure_utc(moment)
    assert ensure_utc(moment).utcoffset() == timedelta(0)


# ---------------------------------------------------------------- clocks


def test_system_clock_tells_aware_utc_time() -> None:
    """X-3: the real clock returns aware UTC datetimes, close to the machine's time."""
    clock = SystemClock()
    assert isinstance(clock, Clock)
    before = datetime.now(UTC)
    now = clock.now()
    after = datetime.now(UTC)
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
    assert before <= now <= after


def test_fixed_clock_stands_still_until_moved() -> None:
    """X-3: FixedClock for tests: same instant until set or advanced."""
    clock = FixedClock()
    assert isinstance(clock, Clock)
    assert clock.now() == DEFAULT_START
    assert clock.now() == clock.now()
    assert clock.advance(timedelta(minutes=5)) == DEFAULT_START + timedelta(minutes=5)
    assert clock.now() == DEFAULT_START + timedelta(minutes=5)
    earlier = datetime(2020, 1, 1, tzinfo=UTC)
    clock.set(earlier)  # backwards is allowed (clock skew tests)
    assert clock.now() == earlier
    clock.set(datetime(2026, 7, 1, 14, 0, tzinfo=PARIS))
    assert clock.now() == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC


def test_fixed_clock_refuses_naive_datetimes() -> None:
    """X-3: even a test clock never holds a naive datetime."""
    with pytest.raises(NaiveDatetimeError):
        FixedClock(NAIVE)
    clock = FixedClock()
    with pytest.raises(NaiveDatetimeError):
        clock.set(NAIVE)
    assert clock.now() == DEFAULT_START


def test_conftest_clock_fixture(clock: FixedClock) -> None:
    """X-3: the shared fixture is frozen at a known instant."""
    assert clock.now() == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert to_shop_time(clock.now()).hour == 10  # a Tuesday at 10:00 in Paris
    assert to_shop_time(clock.now()).weekday() == 1


def test_advancing_clock_moves_one_step_per_reading() -> None:
    """X-3: every event gets its own, strictly later instant."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    clock = AdvancingClock(start, step=timedelta(seconds=2))
    readings = [clock.now() for _ in range(5)]
    assert readings == [start + timedelta(seconds=2 * i) for i in range(5)]
    default = AdvancingClock()
    first, second = default.now(), default.now()
    assert (first, second - first) == (DEFAULT_START, timedelta(seconds=1))
    default.advance(timedelta(hours=1))
    assert default.now() == DEFAULT_START + timedelta(seconds=2, hours=1)
    with pytest.raises(NaiveDatetimeError):
        AdvancingClock(NAIVE)


# ---------------------------------------------------------------- ids

_HEX32 = re.compile(r"[0-9a-f]{32}")


def test_random_ids_are_32_hex_characters_and_unique() -> None:
    """X-3 (ids as a port): random, unguessable, fixed-length ids."""
    generator = RandomIdGenerator()
    assert isinstance(generator, IdGenerator)
    ids = [generator.new_id() for _ in range(2000)]
    assert all(_HEX32.fullmatch(value) for value in ids)
    assert len(set(ids)) == len(ids)
    # UUID4: version nibble 4 and RFC 4122 variant, so 122 bits are random.
    assert all(value[12] == "4" and value[16] in "89ab" for value in ids)


def test_sequential_ids_are_predictable(ids: SequentialIds) -> None:
    """X-7: predictable ids for assertions."""
    assert isinstance(ids, IdGenerator)
    assert [ids.new_id() for _ in range(3)] == ["id-1", "id-2", "id-3"]
    orders = SequentialIds("order")
    assert orders.new_id() == "order-1"
    assert SequentialIds("order").new_id() == "order-1"  # each generator counts alone
