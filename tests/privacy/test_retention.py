"""PRV-1: the retention schedule as data — defaults, validation, calendar cutoffs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from klickit_core.personal_data import ClockEvent, RetentionAction
from klickit_core.privacy.retention import (
    DEFAULT_RULES,
    InvalidPeriodError,
    InvalidRetentionRuleError,
    InvalidRetentionScheduleError,
    Period,
    PeriodUnit,
    RetentionRule,
    RetentionSchedule,
    UnknownRetentionRuleError,
    clock_date,
    cutoff,
    is_due,
    keep_until,
)
from klickit_core.shared.clock import SHOP_TIMEZONE
from klickit_core.testing import AdvancingClock
from klickit_core.testing import strategies as kst

PARIS = SHOP_TIMEZONE


def paris(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


# ---------------------------------------------------------------------------- defaults
def test_policy_defaults() -> None:
    """PRV-1: completed orders 10 calendar years from completion, anonymised; cancelled
    operations 10 days from cancellation, deleted; failed orders like cancelled ones."""
    schedule = RetentionSchedule.defaults()
    completed = schedule.rule("orders.completed")
    assert completed.period == Period.years(10)
    assert completed.period.unit is PeriodUnit.YEARS
    assert completed.starts is ClockEvent.COMPLETION
    assert completed.action is RetentionAction.ANONYMISE
    assert completed.minimum == Period.years(10)
    cancelled = schedule.rule("orders.cancelled")
    assert (cancelled.period, cancelled.starts, cancelled.action) == (
        Period.days(10),
        ClockEvent.CANCELLATION,
        RetentionAction.DELETE,
    )
    assert schedule.rule("orders.failed").period == Period.days(10)


def test_every_category_the_spec_names_has_a_stated_default() -> None:
    """PRV-1: a stated period for every other category, each with its source."""
    expected = {
        "orders.completed": "P10Y",
        "orders.cancelled_after_payment": "P10Y",  # issue #19: took money
        "orders.after_sales": "P2Y",  # issue #19: the legal guarantee of conformity
        "orders.cancelled": "P10D",
        "orders.failed": "P10D",
        "orders.unpaid": "P30D",
        "orders.support_requests": "P5Y",
        "sessions.visitor": "P7D",
        "accounts.inactive": "P2Y",
        "carts.saved": "P30D",  # issue #19: as long as a cart cookie, by default
        "accounts.login_attempts": "P30D",
        "security.tokens": "P1D",
        "security.events": "P1Y",
        "staff.access_log": "P1Y",
        "contact.messages": "P3Y",
        "consents.proofs": "P5Y",
        "consents.standing": "P8Y",
        "reviews.erased_authors": "P0D",
        "reviews.published": "P3Y",  # issue #19: published reviews get a period too
        "privacy.export_bundles": "P7D",
        "privacy.request_proofs": "P1Y",
    }
    schedule = RetentionSchedule.defaults()
    assert {rule.id: rule.period.iso for rule in schedule.rules} == expected
    assert schedule.rule("sessions.visitor").starts is ClockEvent.LAST_ACTIVITY
    assert schedule.rule("accounts.inactive").starts is ClockEvent.LAST_ACTIVITY
    assert schedule.rule("consents.proofs").starts is ClockEvent.WITHDRAWAL
    assert schedule.rule("consents.standing").starts is ClockEvent.CREATION
    assert schedule.rule("carts.saved").starts is ClockEvent.LAST_ACTIVITY
    assert schedule.rule("reviews.published").starts is ClockEvent.PUBLICATION
    for rule in DEFAULT_RULES:
        assert rule.source.strip()
        assert rule.label.strip()


def test_defaults_table_in_the_docs_matches_the_code() -> None:
    """PRV-1: docs/privacy.md lists every default rule with its period."""
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "privacy.md").read_text("utf-8")
    for rule in DEFAULT_RULES:
        assert f"`{rule.id}`" in page, rule.id
        assert rule.period.label("en") in page, rule.id


# ---------------------------------------------------------------------------- periods
def test_periods_parse_and_print_iso() -> None:
    assert Period.parse("P10Y") == Period.years(10)
    assert Period.parse(" p6m ") == Period.months(6)
    assert Period.parse("P2W") == Period.days(14)
    assert str(Period.days(10)) == "P10D"
    assert Period.years(10).label("fr") == "10 ans"
    assert Period.years(1).label("en") == "1 year"


@pytest.mark.parametrize("text", ["P-1D", "10 years", "P1.5Y", "", "P10H", "PT10H"])
def test_unreadable_periods_are_refused(text: str) -> None:
    with pytest.raises(InvalidPeriodError) as caught:
        Period.parse(text)
    assert caught.value.details == {"reason": "format"}


@pytest.mark.parametrize(
    ("unit", "amount", "reason"),
    [
        (PeriodUnit.DAYS, -1, "negative"),
        (PeriodUnit.YEARS, -10, "negative"),
        (PeriodUnit.YEARS, 101, "too_long"),
        (PeriodUnit.MONTHS, True, "not_an_integer"),
        (PeriodUnit.DAYS, 1.5, "not_an_integer"),
    ],
)
def test_invalid_periods_are_refused(unit: PeriodUnit, amount: object, reason: str) -> None:
    with pytest.raises(InvalidPeriodError) as caught:
        Period(unit, amount)  # type: ignore[arg-type]
    assert caught.value.details == {"reason": reason}


def test_ten_years_are_calendar_years_not_3650_days() -> None:
    """Ten years after 29 February 2016 end on 28 February 2026 (CPC art. 641: no such
    day, so the last day of the month); 3,650 days would end on 26 February."""
    assert Period.years(10).after(date(2016, 2, 29)) == date(2026, 2, 28)
    assert date(2016, 2, 29) + timedelta(days=3650) == date(2026, 2, 26)
    assert Period.years(4).after(date(2016, 2, 29)) == date(2020, 2, 29)
    assert Period.months(1).after(date(2025, 1, 31)) == date(2025, 2, 28)
    assert Period.months(1).after(date(2024, 1, 31)) == date(2024, 2, 29)
    assert Period.months(1).before(date(2025, 3, 31)) == date(2025, 2, 28)


def test_leap_day_completion_is_kept_through_28_february_and_due_on_1_march() -> None:
    rule = RetentionSchedule.defaults().rule("orders.completed")
    completed = paris(2016, 2, 29, 15)
    assert keep_until(rule, completed) == date(2026, 2, 28)
    assert not is_due(rule, completed, paris(2026, 2, 28, 23, 59))
    assert is_due(rule, completed, paris(2026, 3, 1, 0, 1))
    assert cutoff(rule, paris(2026, 3, 1, 0, 1)) == paris(2016, 3, 1, 0, 0)
    assert cutoff(rule, paris(2026, 2, 28, 23)) == paris(2016, 2, 28, 0, 0)


def test_days_do_not_count_the_day_of_the_event() -> None:
    """CPC art. 641-642: 10 days from a cancellation on 3 March end at midnight on 13 March."""
    rule = RetentionSchedule.defaults().rule("orders.cancelled")
    cancelled = paris(2026, 3, 3, 18)
    assert keep_until(rule, cancelled) == date(2026, 3, 13)
    assert not is_due(rule, cancelled, paris(2026, 3, 13, 23, 59))
    assert is_due(rule, cancelled, paris(2026, 3, 14, 0, 0))


def test_the_shop_calendar_is_paris_not_utc() -> None:
    """23:30 UTC on 31 December is already 1 January in Paris."""
    moment = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)
    assert clock_date(moment) == date(2026, 1, 1)
    # Midnight in Paris is 23:00 UTC in winter and 22:00 UTC in summer.
    assert cutoff(Period.days(0), paris(2026, 1, 10)) == datetime(2026, 1, 9, 23, tzinfo=UTC)
    assert cutoff(Period.days(0), paris(2026, 7, 10)) == datetime(2026, 7, 9, 22, tzinfo=UTC)


def test_extreme_dates_never_overflow() -> None:
    early = datetime(1, 1, 2, tzinfo=UTC)
    assert cutoff(Period.years(100), early) == datetime.min.replace(tzinfo=UTC)
    late = datetime(9999, 12, 30, tzinfo=UTC)
    assert keep_until(Period.years(10), late) == date.max
    assert not is_due(Period.years(10), late, late)


# ---------------------------------------------------------------------------- properties
@given(kst.retention_periods(), kst.aware_datetimes(), kst.aware_datetimes())
def test_cutoff_agrees_with_is_due(period: Period, started: datetime, now: datetime) -> None:
    """A record is due exactly when its clock started before the cutoff."""
    assert (started < cutoff(period, now)) == is_due(period, started, now)


@given(
    kst.retention_periods(),
    kst.aware_datetimes(),
    st.timedeltas(timedelta(0), timedelta(days=36_600)),
)
def test_cutoff_is_monotone_in_now(period: Period, now: datetime, later: timedelta) -> None:
    """A later sweep never brings back anything an earlier one found due."""
    assert cutoff(period, now) <= cutoff(period, now + later)
    assert cutoff(period, now) <= now


@given(kst.retention_periods(), kst.aware_datetimes(), kst.aware_datetimes())
def test_a_record_inside_its_period_is_never_due(
    period: Period, started: datetime, now: datetime
) -> None:
    """Nothing is removed before its last day is over, nor a day later than needed."""
    last_day = keep_until(period, started)
    if clock_date(now) <= last_day:
        assert not is_due(period, started, now)
        assert started >= cutoff(period, now)
    else:
        assert is_due(period, started, now)
    assert last_day >= clock_date(started)


@given(kst.retention_periods())
def test_the_clock_moves_records_from_kept_to_due_once(period: Period) -> None:
    """With an advancing clock a record is kept, then due, and never kept again."""
    started = paris(2024, 2, 29, 10)
    clock = AdvancingClock(started, step=timedelta(hours=13))
    states = [is_due(period, started, clock.now()) for _ in range(80)]
    assert states == sorted(states)
    if period.unit is PeriodUnit.DAYS and period.amount < 30:
        assert states[-1]


# ---------------------------------------------------------------------------- rules
def test_zero_period_only_where_allowed() -> None:
    base = RetentionSchedule.defaults().rule("orders.cancelled")
    with pytest.raises(InvalidRetentionRuleError) as caught:
        attrs.evolve(base, period=Period.days(0))
    assert caught.value.details == {"rule": "orders.cancelled", "reason": "zero_period"}
    assert RetentionSchedule.defaults().rule("reviews.erased_authors").period.is_zero


def test_a_rule_below_its_legal_minimum_is_refused() -> None:
    base = RetentionSchedule.defaults().rule("orders.completed")
    with pytest.raises(InvalidRetentionRuleError) as caught:
        attrs.evolve(base, period=Period.days(3650))
    assert caught.value.details["reason"] == "below_minimum"
    assert attrs.evolve(base, period=Period.days(3700)).period == Period.days(3700)


@pytest.mark.parametrize("field", ["label", "source"])
def test_a_rule_states_what_it_covers_and_where_it_comes_from(field: str) -> None:
    base = RetentionSchedule.defaults().rule("orders.cancelled")
    with pytest.raises(InvalidRetentionRuleError):
        attrs.evolve(base, **{field: " "})


def test_rule_ids_are_identifiers() -> None:
    with pytest.raises(InvalidRetentionRuleError):
        RetentionRule(
            "Not An Id",
            Period.days(1),
            ClockEvent.CREATION,
            RetentionAction.DELETE,
            "x",
            "y",
        )


# ---------------------------------------------------------------------------- schedule
def test_a_shop_overrides_periods_and_actions() -> None:
    schedule = RetentionSchedule.defaults().with_overrides(
        periods={"sessions.visitor": "P2D", "orders.completed": Period.years(11)},
        actions={"orders.completed": "delete"},
    )
    assert schedule.rule("sessions.visitor").period == Period.days(2)
    assert schedule.rule("orders.completed").period == Period.years(11)
    assert schedule.rule("orders.completed").action is RetentionAction.DELETE
    assert schedule.rule("orders.cancelled") == RetentionSchedule.defaults().rule(
        "orders.cancelled"
    )
    assert schedule.ids == RetentionSchedule.defaults().ids


def test_every_problem_of_an_override_is_reported_at_once() -> None:
    with pytest.raises(InvalidRetentionScheduleError) as caught:
        RetentionSchedule.defaults().with_overrides(
            periods={
                "orders.completed": "P5Y",  # below the legal ten years
                "orders.cancelled": "P0D",  # zero not allowed
                "sessions.visitor": "P-3D",  # negative
                "no.such_rule": "P1D",  # unknown
                "contact.messages": "three years",  # unreadable
            },
            actions={"orders.failed": "shred", "Bad Id": "delete"},
        )
    assert caught.value.codes == {
        "orders.completed.period": "retention.below_minimum",
        "orders.cancelled.period": "retention.zero_period",
        "sessions.visitor.period": "retention.invalid_period",
        "no.such_rule.period": "retention.unknown_rule",
        "contact.messages.period": "retention.invalid_period",
        "orders.failed.action": "retention.invalid_action",
        "?.action": "retention.unknown_rule",
    }
    assert caught.value.details == {"count": 7}
    below = next(e for e in caught.value.errors if e.code == "retention.below_minimum")
    assert below.message("en") == "This period is shorter than the legal minimum (P10Y)."


def test_missing_and_unknown_rules() -> None:
    schedule = RetentionSchedule.defaults()
    with pytest.raises(UnknownRetentionRuleError) as unknown:
        schedule.rule("nope.nothing")
    assert unknown.value.details == {"rule": "nope.nothing"}
    with pytest.raises(UnknownRetentionRuleError) as hidden:
        schedule.rule("someone@example.com")
    assert hidden.value.details == {"rule": "?"}  # never echo what is not an id
    schedule.require(["orders.completed", "sessions.visitor"])
    with pytest.raises(InvalidRetentionScheduleError) as missing:
        schedule.require(["orders.completed", "a.b", "c.d"])
    assert missing.value.codes == {"a.b": "retention.missing_rule", "c.d": "retention.missing_rule"}


def test_duplicate_rules_are_refused() -> None:
    with pytest.raises(InvalidRetentionScheduleError) as caught:
        RetentionSchedule.defaults().with_rules(DEFAULT_RULES[0])
    assert caught.value.codes == {"orders.completed": "retention.duplicate_rule"}
    with pytest.raises(InvalidRetentionScheduleError):
        RetentionSchedule(("not a rule",))  # type: ignore[arg-type]


def test_schedule_cutoff_and_membership() -> None:
    schedule = RetentionSchedule.defaults()
    now = paris(2026, 11, 24)
    assert "orders.completed" in schedule
    assert "nope" not in schedule
    assert schedule.cutoff("orders.cancelled", now) == paris(2026, 11, 14, 0, 0)


@given(kst.retention_schedules())
def test_generated_schedules_are_valid(schedule: RetentionSchedule) -> None:
    assert len(set(schedule.ids)) == len(schedule.ids)
    for rule in schedule.rules:
        assert rule.zero_allowed or not rule.period.is_zero


def test_a_period_is_labelled_in_french_unless_told_otherwise() -> None:
    """PRV-1, X-2 (issue #13, mutation testing): the shop's language is the default, as for
    every label the notice prints."""
    assert Period.years(10).label() == Period.years(10).label("fr") == "10 ans"
    assert (
        Period.days(1).label() == "1\xa0jour"
    )  # Babel joins one and its unit with a no-break space
    assert Period.years(10).label("en") == "10 years"
