"""PRV-1: the retention schedule at its boundaries.

Property tests draw the sweep time where the calendar is awkward (ends of months, 29 to 31
March, the days Europe/Paris changes to and from summer time) and the record's start
*relative to* the cutoff, so they land on the boundary instead of almost never meeting it.
Example tests pin the legal-minimum comparison, the clamped month arithmetic at the ends of
the calendar, and every error's exact code, path and message.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from klickit_core.personal_data import ClockEvent, RetentionAction
from klickit_core.privacy.retention import (
    InvalidPeriodError,
    InvalidRetentionRuleError,
    InvalidRetentionScheduleError,
    Period,
    PeriodUnit,
    RetentionRule,
    RetentionSchedule,
    clock_date,
    cutoff,
    is_due,
    keep_until,
)
from klickit_core.shared.clock import SHOP_TIMEZONE
from klickit_core.shared.serialisation import unstructure
from klickit_core.testing import strategies as kst

PARIS = SHOP_TIMEZONE
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


# ---------------------------------------------------------------------------- strategies
def _last_sunday(year: int, month: int) -> date:
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - 6) % 7)


_YEARS = st.integers(1971, 2099)
_MONTH_ENDS = st.builds(
    lambda year, month, back: date(year, month, calendar.monthrange(year, month)[1] - back),
    _YEARS,
    st.integers(1, 12),
    st.integers(0, 3),
)
_END_OF_MARCH = st.builds(date, _YEARS, st.just(3), st.integers(28, 31)) | st.builds(
    date, _YEARS, st.sampled_from([2, 3]), st.sampled_from([1, 28])
)
_DST_CHANGES = st.builds(
    lambda year, month, shift: _last_sunday(year, month) + timedelta(days=shift),
    _YEARS,
    st.sampled_from([3, 10]),
    st.integers(-1, 1),
)
_DAYS = _MONTH_ENDS | _END_OF_MARCH | _DST_CHANGES | st.dates(date(1971, 1, 1), date(2099, 12, 31))
_TIMES = (
    st.sampled_from(
        [
            time(0),
            time(0, 0, 0, 1),
            time(1, 30),
            time(2, 30),
            time(3, 0),
            time(12),
            time(22, 59),
            time(23),
            time(23, 59, 59, 999_999),
        ]
    )
    | st.times()
)


@st.composite
def sweep_times(draw: st.DrawFn) -> datetime:
    """A sweep's ``now`` on an awkward Paris day, at an awkward hour (the hour that does
    not exist in March and the one that happens twice in October included)."""
    local = datetime.combine(draw(_DAYS), draw(_TIMES), tzinfo=PARIS)
    return local.replace(fold=draw(st.sampled_from([0, 1]))).astimezone(UTC)


PERIODS = (
    st.sampled_from(
        [
            Period.months(1),
            Period.months(2),
            Period.months(13),
            Period.years(1),
            Period.years(10),
            Period.days(0),
            Period.days(1),
            Period.days(10),
            Period.days(30),
        ]
    )
    | kst.retention_periods()
    | st.builds(Period.months, st.integers(0, 36))
)
OFFSETS = st.sampled_from(
    [timedelta(0), MICROSECOND, -MICROSECOND, timedelta(seconds=1), -timedelta(seconds=1)]
    + [timedelta(hours=h) for h in (-25, -24, -23, -1, 1, 22, 23, 24, 25)]
    + [timedelta(days=d) for d in (-2, -1, 1, 2)]
) | st.timedeltas(-timedelta(days=3), timedelta(days=3))


# ---------------------------------------------------------------------------- cutoff
@given(PERIODS, sweep_times())
def test_the_cutoff_is_the_first_start_not_yet_due(period: Period, now: datetime) -> None:
    """PRV-1 (CPC 641-642): a record whose clock started one microsecond before the cutoff
    is due, one that started at the cutoff is not, and the cutoff is a Paris midnight."""
    cut = cutoff(period, now)
    assert cut.tzinfo is UTC
    assert cut <= now
    if cut != EARLIEST:
        assert cut.astimezone(PARIS).time() == time(0)
        assert is_due(period, cut - MICROSECOND, now)
        assert not is_due(period, cut, now)


@given(PERIODS, sweep_times(), OFFSETS)
def test_starts_drawn_around_the_cutoff_agree_with_is_due(
    period: Period, now: datetime, offset: timedelta
) -> None:
    """PRV-1: a record is due exactly when its clock started before the cutoff, for starts
    drawn within three days of it (the property test over 100 years rarely gets here)."""
    cut = cutoff(period, now)
    started = cut + offset
    assert (started < cut) == is_due(period, started, now)
    # Kept through its last day, due from the next one: never early, never a day late.
    assert is_due(period, started, now) == (keep_until(period, started) < clock_date(now))


@pytest.mark.parametrize(("year", "day"), [(2025, 29), (2025, 30), (2025, 31), (2024, 30)])
def test_a_one_month_record_is_not_removed_early_at_the_end_of_march(year: int, day: int) -> None:
    """PRV-1: on 29 to 31 March, one month back is clamped to the end of February. A record
    started on 1 March is kept through 1 April: it must not be due in March (a cutoff
    computed with a two-day step put it on 2 March, deleting it up to three days early)."""
    now = paris(year, 3, day, 9)
    first_of_march = paris(year, 3, 1, 10)
    assert cutoff(Period.months(1), now) == paris(year, 3, 1)
    assert not is_due(Period.months(1), first_of_march, now)
    assert is_due(Period.months(1), first_of_march, paris(year, 4, 2))
    assert not is_due(Period.months(1), first_of_march, paris(year, 4, 1, 23, 59))


def test_cutoffs_around_summer_time_changes_are_paris_midnights() -> None:
    """PRV-1: midnight in Paris is 23:00 UTC in winter and 22:00 UTC in summer; a period in
    days counts calendar days across the 23-hour and 25-hour days."""
    # 30 March 2025 lasts 23 hours in Paris; 26 October 2025 lasts 25.
    assert cutoff(Period.days(1), paris(2025, 3, 31, 1)) == datetime(2025, 3, 29, 23, tzinfo=UTC)
    assert cutoff(Period.days(1), paris(2025, 4, 1, 1)) == datetime(2025, 3, 30, 22, tzinfo=UTC)
    assert cutoff(Period.days(1), paris(2025, 10, 27, 1)) == datetime(2025, 10, 25, 22, tzinfo=UTC)
    assert cutoff(Period.days(1), paris(2025, 10, 28, 1)) == datetime(2025, 10, 26, 23, tzinfo=UTC)


def test_cutoffs_at_the_end_of_the_calendar() -> None:
    """PRV-1: near 9999-12-31 a period that would end past the calendar is never due, and
    the cutoff is the last Paris midnight from which records are not due yet."""
    late = datetime(9999, 12, 31, 12, tzinfo=UTC)
    assert cutoff(Period.months(1), late) == paris(9999, 12, 1)
    assert cutoff(Period.days(0), late) == paris(9999, 12, 31)
    assert keep_until(Period.months(1), datetime(9999, 12, 15, tzinfo=UTC)) == date.max
    assert keep_until(Period.years(1), datetime(9999, 1, 15, tzinfo=UTC)) == date.max
    assert cutoff(Period.years(100), datetime(1, 1, 2, tzinfo=UTC)) == EARLIEST


# ---------------------------------------------------------------------------- calendar
def test_before_counts_back_in_each_unit() -> None:
    """PRV-1: ``before`` is the inverse of ``after``, clamped the same way."""
    assert Period.days(10).before(date(2026, 3, 13)) == date(2026, 3, 3)
    assert Period.days(0).before(date(2026, 3, 13)) == date(2026, 3, 13)
    assert Period.years(10).before(date(2026, 2, 28)) == date(2016, 2, 28)
    assert Period.years(1).before(date(2025, 2, 28)) == date(2024, 2, 28)
    assert Period.years(4).before(date(2024, 2, 29)) == date(2020, 2, 29)
    assert Period.years(1).before(date(2024, 2, 29)) == date(2023, 2, 28)
    assert Period.months(13).before(date(2026, 3, 31)) == date(2025, 2, 28)


def test_months_reach_the_first_and_last_years_of_the_calendar() -> None:
    """PRV-1: year 1 and year 9999 are dates like any other; beyond them, OverflowError."""
    assert Period.months(1).before(date(1, 2, 15)) == date(1, 1, 15)
    assert Period.months(1).after(date(9999, 11, 30)) == date(9999, 12, 30)
    assert Period.years(1).after(date(9998, 12, 31)) == date(9999, 12, 31)
    with pytest.raises(OverflowError, match=r"^date out of range$"):
        Period.months(1).after(date(9999, 12, 1))
    with pytest.raises(OverflowError, match=r"^date out of range$"):
        Period.months(1).before(date(1, 1, 31))


# ---------------------------------------------------------------------------- legal minimum
@pytest.mark.parametrize(
    ("period", "minimum", "at_least"),
    [
        # Same unit family: exact.
        (Period.days(10), Period.days(10), True),
        (Period.days(9), Period.days(10), False),
        (Period.days(100), Period.days(13), True),
        (Period.months(120), Period.years(10), True),
        (Period.months(119), Period.years(10), False),
        (Period.years(10), Period.months(120), True),
        (Period.months(60), Period.years(10), False),
        (Period.months(13), Period.months(13), True),
        (Period.months(12), Period.months(13), False),
        # Days against months and years: 366 days a year, 31 a month must be covered.
        (Period.days(3660), Period.years(10), True),
        (Period.days(3659), Period.years(10), False),
        (Period.days(428), Period.months(14), True),  # 1 year 2 months: 366 + 62
        (Period.days(427), Period.months(14), False),
        (Period.days(31), Period.months(1), True),
        (Period.days(30), Period.months(1), False),
        # Months and years against days: they count 365 days a year and 28 a month.
        (Period.years(10), Period.days(3650), True),
        (Period.years(10), Period.days(3651), False),
        (Period.months(14), Period.days(421), True),  # 365 + 56
        (Period.months(14), Period.days(422), False),
        (Period.months(1), Period.days(28), True),
        (Period.months(1), Period.days(29), False),
        (Period.months(25), Period.days(758), True),  # 2 x 365 + 28
        (Period.months(25), Period.days(759), False),
    ],
)
def test_at_least_at_its_boundaries(period: Period, minimum: Period, at_least: bool) -> None:
    """PRV-1: a shop's period is compared with a legal floor conservatively: never shorter
    whatever the start date, and each comparison is pinned one day (or month) either side."""
    assert period.at_least(minimum) is at_least


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("P60M", False),  # five years against the ten-year minimum
        ("P119M", False),
        ("P120M", True),
        ("P9Y", False),
        ("P10Y", True),
        ("P3659D", False),
        ("P3660D", True),
        ("P521W", False),  # 3,647 days
        ("P523W", True),  # 3,661 days
    ],
)
def test_a_shop_cannot_go_below_the_ten_year_accounting_duty(text: str, accepted: bool) -> None:
    """PRV-1 (Code de commerce L123-22): completed orders are kept ten years, whichever unit
    a shop writes the period in."""
    schedule = RetentionSchedule.defaults()
    if accepted:
        changed = schedule.with_overrides({"orders.completed": text})
        assert changed.rule("orders.completed").period == Period.parse(text)
        return
    with pytest.raises(InvalidRetentionScheduleError) as refused:
        schedule.with_overrides({"orders.completed": text})
    assert [unstructure(error, locale="en") for error in refused.value.errors] == [
        {
            "field": "orders.completed.period",
            "code": "retention.below_minimum",
            "message": "This period is shorter than the legal minimum (P10Y).",
        }
    ]


# ---------------------------------------------------------------------------- typed errors
@pytest.mark.parametrize("text", [5, None, b"P10Y", ["P10Y"], 10.0])
def test_parsing_a_non_string_is_the_typed_error(text: object) -> None:
    """PRV-1: ``Period.parse`` of anything but text is ``InvalidPeriodError`` (it was an
    ``AttributeError`` as soon as the type check went missing)."""
    with pytest.raises(InvalidPeriodError) as refused:
        Period.parse(text)  # type: ignore[arg-type]
    assert refused.value.details == {"reason": "format"}


def test_an_unknown_unit_is_refused() -> None:
    with pytest.raises(InvalidPeriodError) as refused:
        Period("weeks", 2)  # type: ignore[arg-type]
    assert refused.value.details == {"reason": "unit"}


def test_a_rule_id_error_never_echoes_the_id() -> None:
    with pytest.raises(InvalidRetentionRuleError) as refused:
        RetentionRule(
            "someone@example.com",
            Period.days(1),
            ClockEvent.CREATION,
            RetentionAction.DELETE,
            "x",
            "y",
        )
    assert refused.value.details == {"rule": "?", "reason": "id"}


@pytest.mark.parametrize("field", ["label", "source"])
def test_a_blank_label_or_source_names_the_rule_and_the_field(field: str) -> None:
    base = RetentionSchedule.defaults().rule("orders.cancelled")
    with pytest.raises(InvalidRetentionRuleError) as refused:
        attrs.evolve(base, **{field: " "})
    assert refused.value.details == {"rule": "orders.cancelled", "reason": field}


def test_schedule_errors_are_exact() -> None:
    """PRV-1: the field path, code and message of each schedule problem, exactly."""
    with pytest.raises(InvalidRetentionScheduleError) as not_rules:
        RetentionSchedule(("not a rule",))  # type: ignore[arg-type]
    assert [unstructure(e, locale="en") for e in not_rules.value.errors] == [
        {"field": "rules", "code": "retention.rules", "message": "Rules must be retention rules."}
    ]
    with pytest.raises(InvalidRetentionScheduleError) as twice:
        RetentionSchedule.defaults().with_rules(
            RetentionSchedule.defaults().rule("orders.cancelled")
        )
    assert [unstructure(e, locale="en") for e in twice.value.errors] == [
        {
            "field": "orders.cancelled",
            "code": "retention.duplicate_rule",
            "message": "This rule is defined twice.",
        }
    ]
    with pytest.raises(InvalidRetentionScheduleError) as missing:
        RetentionSchedule.defaults().require(["orders.completed", "Not An Id", "a.b"])
    assert [unstructure(e, locale="en") for e in missing.value.errors] == [
        {
            "field": "?",
            "code": "retention.missing_rule",
            "message": "The schedule has no rule with this id.",
        },
        {
            "field": "a.b",
            "code": "retention.missing_rule",
            "message": "The schedule has no rule with this id.",
        },
    ]


def test_every_override_problem_is_exact_and_none_hides_another() -> None:
    """PRV-1: an unknown rule does not stop the checks of the overrides after it."""
    with pytest.raises(InvalidRetentionScheduleError) as refused:
        RetentionSchedule.defaults().with_overrides(
            periods={"no.such": "P1D", "sessions.visitor": "soon", "orders.unpaid": "P0D"},
            actions={"no.such": "delete", "orders.failed": "shred", "orders.cancelled": "keep"},
        )
    assert [unstructure(e, locale="en") for e in refused.value.errors] == [
        {
            "field": "no.such.period",
            "code": "retention.unknown_rule",
            "message": "No such rule in the schedule.",
        },
        {
            "field": "sessions.visitor.period",
            "code": "retention.invalid_period",
            "message": "Give a period such as P10D, P6M or P10Y (no negative values).",
        },
        {
            "field": "orders.unpaid.period",
            "code": "retention.zero_period",
            "message": "This data must be kept for some time: the period cannot be zero.",
        },
        {
            "field": "no.such.action",
            "code": "retention.unknown_rule",
            "message": "No such rule in the schedule.",
        },
        {
            "field": "orders.failed.action",
            "code": "retention.invalid_action",
            "message": "Unknown end-of-period action.",
        },
        {
            "field": "orders.cancelled.action",
            "code": "retention.invalid_action",
            "message": "Unknown end-of-period action.",
        },
    ]


def test_an_action_can_be_overridden_alone() -> None:
    """PRV-1: changing only the end-of-period action of a rule keeps its period."""
    schedule = RetentionSchedule.defaults().with_overrides(
        actions={"orders.cancelled": "anonymise"}
    )
    rule = schedule.rule("orders.cancelled")
    assert rule.action is RetentionAction.ANONYMISE
    assert rule.period == Period.days(10)
    assert rule.period.unit is PeriodUnit.DAYS
