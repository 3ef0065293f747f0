"""The retention schedule, as data (SPEC PRV-1).

A :class:`RetentionSchedule` is a tuple of :class:`RetentionRule` values: how long each kind
of personal data is kept, from which event, what happens at the end (delete or
anonymise), and where the figure comes from. :data:`DEFAULT_RULES` are the policy's
figures and the documented defaults for everything the policy does not name; a shop
overrides some of them with :meth:`RetentionSchedule.with_overrides`, and every problem is
reported at once (:class:`InvalidRetentionScheduleError`).

Counting follows the French civil-procedure convention (Code de procédure civile,
art. 641 and 642), on the shop's calendar (Europe/Paris):

* a period in days does not count the day of the event: 10 days from a cancellation on
  3 March ends on 13 March;
* a period in months or years ends on the day with the same number, or on the last day of
  the month when there is none: 10 years from 29 February 2016 end on **28 February 2026**
  (not on 1 March, and not 3,650 days later, which would be 26 February);
* a period ends at midnight at the end of its last day (:func:`keep_until`); the record is
  due from the next day, 00:00 in Paris (:func:`cutoff`).

So a record is never removed before its period is over, and at most one day after.
"""

from __future__ import annotations

import calendar
import enum
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Self

import attrs
from babel.units import format_unit

from klickit_core.personal_data import ClockEvent, RetentionAction, is_identifier
from klickit_core.shared.clock import SHOP_TIMEZONE, ensure_utc
from klickit_core.shared.errors import FieldError, KlickitError, NotFoundError, ValidationError
from klickit_core.shared.i18n import N_
from klickit_core.shared.locales import normalise_locale

__all__ = [
    "DEFAULT_RULES",
    "MAX_PERIOD",
    "InvalidPeriodError",
    "InvalidRetentionRuleError",
    "InvalidRetentionScheduleError",
    "Period",
    "PeriodUnit",
    "RetentionRule",
    "RetentionSchedule",
    "UnknownRetentionRuleError",
    "clock_date",
    "cutoff",
    "is_due",
    "keep_until",
]


class InvalidPeriodError(KlickitError):
    """A period is negative, too long, not a whole number, or not ISO 8601 (``P10Y``)."""

    code = "retention.invalid_period"
    message_template = N_("Invalid retention period ({reason}).")


class InvalidRetentionRuleError(KlickitError):
    """A retention rule is malformed (its id, a zero period where none is allowed…)."""

    code = "retention.invalid_rule"
    message_template = N_("Invalid retention rule {rule} ({reason}).")


class UnknownRetentionRuleError(NotFoundError):
    """The schedule has no rule with this id."""

    code = "retention.unknown_rule"
    message_template = N_("No retention rule {rule} in the schedule.")


class InvalidRetentionScheduleError(ValidationError):
    """A schedule, or a shop's overrides of it, has problems; every one is listed.

    Field paths are ``(rule id, "period")``, ``(rule id, "action")`` or ``(rule id,)``.
    """

    code = "retention.invalid_schedule"
    message_template = N_("The retention schedule has problems ({count}).")


# ---------------------------------------------------------------------------- periods
class PeriodUnit(enum.StrEnum):
    """Calendar units: a year is a calendar year, never 365 days."""

    DAYS = "days"
    MONTHS = "months"
    YEARS = "years"


_ISO_UNITS = {PeriodUnit.DAYS: "D", PeriodUnit.MONTHS: "M", PeriodUnit.YEARS: "Y"}
_ISO = re.compile(r"P([0-9]{1,6})([DMYW])")
_BABEL_UNITS = {
    PeriodUnit.DAYS: "duration-day",
    PeriodUnit.MONTHS: "duration-month",
    PeriodUnit.YEARS: "duration-year",
}
#: The longest period the library accepts (a century is far beyond any legal duty).
MAX_PERIOD = {PeriodUnit.DAYS: 36_600, PeriodUnit.MONTHS: 1_200, PeriodUnit.YEARS: 100}


def _check_amount(instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidPeriodError(reason="not_an_integer")
    if value < 0:
        raise InvalidPeriodError(reason="negative")
    unit: object = instance.unit
    if not isinstance(unit, PeriodUnit):
        unit = PeriodUnit.DAYS
    if value > MAX_PERIOD[unit]:
        raise InvalidPeriodError(reason="too_long")


def _check_unit(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, PeriodUnit):
        raise InvalidPeriodError(reason="unit")


def _add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` (either sign), clamped to the month's last day (CPC 641)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("date out of range")
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@attrs.frozen(slots=True, order=False)
class Period:
    """A retention period: a whole number of calendar days, months or years (``>= 0``)."""

    unit: PeriodUnit = attrs.field(validator=_check_unit)
    amount: int = attrs.field(validator=_check_amount)

    @classmethod
    def days(cls, amount: int) -> Self:
        """``amount`` calendar days."""
        return cls(PeriodUnit.DAYS, amount)

    @classmethod
    def months(cls, amount: int) -> Self:
        """``amount`` calendar months."""
        return cls(PeriodUnit.MONTHS, amount)

    @classmethod
    def years(cls, amount: int) -> Self:
        """``amount`` calendar years (10 years is not 3,650 days)."""
        return cls(PeriodUnit.YEARS, amount)

    @classmethod
    def parse(cls, text: str) -> Self:
        """A period from ISO 8601 with one unit: ``P10Y``, ``P6M``, ``P10D``, ``P2W``."""
        raw: object = text
        match = _ISO.fullmatch(raw.strip().upper()) if isinstance(raw, str) else None
        if match is None:
            raise InvalidPeriodError(reason="format")
        amount, unit = int(match.group(1)), match.group(2)
        if unit == "W":
            return cls.days(amount * 7)
        found = next(u for u, letter in _ISO_UNITS.items() if letter == unit)
        return cls(found, amount)

    @property
    def iso(self) -> str:
        """ISO 8601 text: ``P10Y``."""
        return f"P{self.amount}{_ISO_UNITS[self.unit]}"

    @property
    def is_zero(self) -> bool:
        """Whether the period is empty (due the day after the event)."""
        return self.amount == 0

    def after(self, day: date) -> date:
        """The date this period after ``day`` (months and years clamp to the month's end)."""
        if self.unit is PeriodUnit.DAYS:
            return day + timedelta(days=self.amount)
        months = self.amount * (12 if self.unit is PeriodUnit.YEARS else 1)
        return _add_months(day, months)

    def before(self, day: date) -> date:
        """The date this period before ``day`` (clamped the same way)."""
        if self.unit is PeriodUnit.DAYS:
            return day - timedelta(days=self.amount)
        months = self.amount * (12 if self.unit is PeriodUnit.YEARS else 1)
        return _add_months(day, -months)

    def at_least(self, other: Period) -> bool:
        """Whether this period is never shorter than ``other``, whatever the start date.

        Exact when both are in days, or both in months and years (a year is 12 months).
        Across the two, conservative: the months side counts 366 days a year and 31 a month
        when it is the one to beat, 365 and 28 when it is the one that must be long enough.
        """
        if self.unit is PeriodUnit.DAYS and other.unit is PeriodUnit.DAYS:
            return self.amount >= other.amount
        if self.unit is not PeriodUnit.DAYS and other.unit is not PeriodUnit.DAYS:
            return self._months() >= other._months()
        if self.unit is PeriodUnit.DAYS:
            years, months = divmod(other._months(), 12)
            return self.amount >= years * 366 + months * 31
        years, months = divmod(self._months(), 12)
        return years * 365 + months * 28 >= other.amount

    def _months(self) -> int:
        return self.amount * (12 if self.unit is PeriodUnit.YEARS else 1)

    def label(self, locale: str = "fr") -> str:
        """For people: ``"10 ans"`` / ``"10 years"`` (``locale``: ``"fr"``, ``"en_GB"``...).

        Raises:
            UnsupportedLocaleError: for a locale the shop does not speak.
        """
        return str(
            format_unit(
                self.amount, _BABEL_UNITS[self.unit], length="long", locale=normalise_locale(locale)
            )
        )

    def __str__(self) -> str:
        return self.iso


# ---------------------------------------------------------------------------- rules
def _check_rule_id(_instance: Any, _attribute: Any, value: Any) -> None:
    if not is_identifier(value):
        raise InvalidRetentionRuleError(rule="?", reason="id")


def _check_text(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRetentionRuleError(rule=str(instance.id), reason=attribute.name)


@attrs.frozen(slots=True)
class RetentionRule:
    """How long one kind of data is kept, from which event, and what happens then.

    ``label`` says what the rule covers and ``source`` where the figure comes from (both ``N_``
    msgids, shown in notices and reports). ``minimum`` is a legal floor that a shop's
    override may not go below (the ten-year accounting duty); ``zero_allowed`` marks the
    rules whose period may be empty (due the day after the event).
    """

    id: str = attrs.field(validator=_check_rule_id)
    period: Period
    starts: ClockEvent
    action: RetentionAction
    label: str = attrs.field(validator=_check_text)
    source: str = attrs.field(validator=_check_text)
    minimum: Period | None = None
    zero_allowed: bool = False

    def __attrs_post_init__(self) -> None:
        problem = _rule_problem(self)
        if problem is not None:
            raise InvalidRetentionRuleError(rule=self.id, reason=problem)


def _rule_problem(rule: RetentionRule) -> str | None:
    parts: dict[str, object] = {
        "period": rule.period,
        "starts": rule.starts,
        "action": rule.action,
        "minimum": rule.minimum,
    }
    kinds: dict[str, type | tuple[type, ...]] = {
        "period": Period,
        "starts": ClockEvent,
        "action": RetentionAction,
        "minimum": (Period, type(None)),
    }
    for name, value in parts.items():
        if not isinstance(value, kinds[name]):
            return name
    if rule.period.is_zero and not rule.zero_allowed:
        return "zero_period"
    if rule.minimum is not None and not rule.period.at_least(rule.minimum):
        return "below_minimum"
    return None


# ---------------------------------------------------------------------------- calendar
def clock_date(moment: datetime) -> date:
    """The shop's calendar day (Europe/Paris) of an aware instant."""
    return ensure_utc(moment).astimezone(SHOP_TIMEZONE).date()


def _period(rule: RetentionRule | Period) -> Period:
    return rule.period if isinstance(rule, RetentionRule) else rule


def keep_until(rule: RetentionRule | Period, clock_started_at: datetime) -> date:
    """The last day a record whose clock started at ``clock_started_at`` is kept."""
    start = clock_date(clock_started_at)
    try:
        return _period(rule).after(start)
    except OverflowError:
        return date.max


def is_due(rule: RetentionRule | Period, clock_started_at: datetime, now: datetime) -> bool:
    """Whether the period is over at ``now``: its last day is before today (in Paris)."""
    return keep_until(rule, clock_started_at) < clock_date(now)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHOP_TIMEZONE).astimezone(UTC)


_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)


def cutoff(rule: RetentionRule | Period, now: datetime) -> datetime:
    """The instant before which a record's clock must have started for it to be due at
    ``now``: a record is due if and only if ``clock_started_at < cutoff(rule, now)``.

    It is midnight (Paris) at the start of the day after the last due *start day*, found
    from ``today - period`` and adjusted so that it agrees exactly with :func:`is_due`
    (clamped month arithmetic is not invertible: one month after 28, 29, 30 and 31 January
    is 28 February in a common year). It never decreases when ``now`` grows.
    """
    period = _period(rule)
    today = clock_date(now)
    try:
        candidate = period.before(today)
    except OverflowError:
        return _EARLIEST

    def due(day: date) -> bool:
        try:
            return period.after(day) < today
        except OverflowError:
            return False

    one_day = timedelta(days=1)
    while candidate < date.max and due(candidate + one_day):
        candidate += one_day
    while not due(candidate):
        if candidate == date.min:
            return _EARLIEST
        candidate -= one_day
    if candidate == date.max:
        return _LATEST
    try:
        return _midnight(candidate + one_day)
    except OverflowError:
        return _EARLIEST


# ---------------------------------------------------------------------------- defaults
_R = RetentionRule
_D, _A = RetentionAction.DELETE, RetentionAction.ANONYMISE
_E = ClockEvent
_SOURCE_POLICY_ORDERS = N_(
    "Klickit's privacy policy (order information kept ten years, legal obligation) and the "
    "Code de commerce, art. L123-22 (accounting records kept ten years)"
)
_SOURCE_POLICY_CANCELLED = N_(
    "Klickit's privacy policy: only ten days for operations cancelled for whatever reason"
)
_SOURCE_PAID_THEN_ENDED = N_(
    "Code de commerce, art. L123-22 (accounting records kept ten years): money was taken, "
    "so the order is an accounting record like any paid order, not an operation cancelled "
    "within ten days"
)
_SOURCE_AFTER_SALES = N_(
    "Code de la consommation, art. L217-3: the legal guarantee of conformity runs two years "
    "from delivery; returns and warranty claims are over by then"
)
_SOURCE_PROJECT = N_("Project default (no law sets a figure)")
_SOURCE_SAVED_CARTS = N_(
    "Project default (no law sets a figure): a saved cart lasts as long as the cart cookie "
    "lasts by default"
)
_SOURCE_PUBLISHED_REVIEWS = N_(
    "Project default (no law sets a figure): three years, as for other customer contacts "
    "in the CNIL reference framework for customer management (deliberation 2021-131)"
)
_SOURCE_CNIL_ACCOUNTS = N_(
    "CNIL reference framework for customer management (deliberation 2021-131): two years "
    "after the last activity, with notice before deletion"
)
_SOURCE_CNIL_CONTACT = N_(
    "CNIL reference framework for customer management (deliberation 2021-131): three years "
    "after the last contact"
)
_SOURCE_CNIL_LOGS = N_("CNIL recommendation on logging: six months to one year")
_SOURCE_CIVIL = N_("Code civil, art. 2224: five-year limitation period")
_SOURCE_STANDING_CONSENT = N_(
    "CNIL reference framework for customer management (deliberation 2021-131): prospecting "
    "for three years after the last contact, then the five-year limitation period for the "
    "proof (Code civil, art. 2224)"
)
_SOURCE_CNIL_REQUESTS = N_("CNIL guidance on identity proofs for data-subject requests: one year")

#: The library's defaults. Every rule says where its figure comes from; the docs
#: (``docs/privacy.md``) print this table.
DEFAULT_RULES: tuple[RetentionRule, ...] = (
    _R(
        "orders.completed",
        Period.years(10),
        _E.COMPLETION,
        _A,
        N_("Completed and refunded orders: name, email, billing and shipping addresses"),
        _SOURCE_POLICY_ORDERS,
        minimum=Period.years(10),
    ),
    _R(
        "orders.cancelled_after_payment",
        Period.years(10),
        _E.CANCELLATION,
        _A,
        N_(
            "Orders cancelled, or whose payment failed, after money was taken: name, email, "
            "billing and shipping addresses"
        ),
        _SOURCE_PAID_THEN_ENDED,
        minimum=Period.years(10),
    ),
    _R(
        "orders.after_sales",
        Period.years(2),
        _E.COMPLETION,
        _A,
        N_("After-sales data of paid orders: phone, IP address, account link, staff history"),
        _SOURCE_AFTER_SALES,
    ),
    _R(
        "orders.cancelled",
        Period.days(10),
        _E.CANCELLATION,
        _D,
        N_("Cancelled orders"),
        _SOURCE_POLICY_CANCELLED,
    ),
    _R(
        "orders.failed",
        Period.days(10),
        _E.FAILURE,
        _D,
        N_("Orders whose payment failed"),
        _SOURCE_POLICY_CANCELLED,
    ),
    _R(
        "orders.unpaid",
        Period.days(30),
        _E.CREATION,
        _D,
        N_("Orders never paid nor cancelled (pending payment or on hold)"),
        _SOURCE_PROJECT,
    ),
    _R(
        "orders.support_requests",
        Period.years(5),
        _E.CLOSURE,
        _D,
        N_("Support requests about an order (tracking, refunds, complaints)"),
        _SOURCE_CIVIL,
    ),
    _R(
        "sessions.visitor",
        Period.days(7),
        _E.LAST_ACTIVITY,
        _D,
        N_("Visitor sessions: viewed products, location, IP address, browser type, address"),
        _SOURCE_PROJECT,
    ),
    _R(
        "accounts.inactive",
        Period.years(2),
        _E.LAST_ACTIVITY,
        _D,
        N_("Customer accounts without activity"),
        _SOURCE_CNIL_ACCOUNTS,
    ),
    _R(
        "carts.saved",
        Period.days(30),
        _E.LAST_ACTIVITY,
        _D,
        N_("Carts saved with a customer account"),
        _SOURCE_SAVED_CARTS,
    ),
    _R(
        "accounts.login_attempts",
        Period.days(30),
        _E.CREATION,
        _D,
        N_("Login attempts (account, IP address, time)"),
        _SOURCE_PROJECT,
    ),
    _R(
        "security.tokens",
        Period.days(1),
        _E.EXPIRY,
        _D,
        N_("One-time tokens and links (password reset, confirmation, download)"),
        _SOURCE_PROJECT,
    ),
    _R(
        "security.events",
        Period.years(1),
        _E.CREATION,
        _D,
        N_("Security events (failed-login bursts, mass exports, new staff login places)"),
        _SOURCE_CNIL_LOGS,
    ),
    _R(
        "staff.access_log",
        Period.years(1),
        _E.CREATION,
        _D,
        N_("Staff access log (who read whose data, by id)"),
        _SOURCE_CNIL_LOGS,
    ),
    _R(
        "contact.messages",
        Period.years(3),
        _E.CREATION,
        _D,
        N_("Contact messages: name, email, subject, message"),
        _SOURCE_CNIL_CONTACT,
    ),
    _R(
        "consents.proofs",
        Period.years(5),
        _E.WITHDRAWAL,
        _D,
        N_("Consent proofs: purpose, text version, time, channel"),
        _SOURCE_CIVIL,
    ),
    _R(
        "consents.standing",
        Period.years(8),
        _E.CREATION,
        _D,
        N_("Consents never withdrawn nor renewed: their proof, from when they were given"),
        _SOURCE_STANDING_CONSENT,
    ),
    _R(
        "reviews.erased_authors",
        Period.days(0),
        _E.ERASURE,
        _A,
        N_("Reviews whose author's data was erased: the author's name and email"),
        N_("Project default: the review stays, its author does not"),
        zero_allowed=True,
    ),
    _R(
        "reviews.published",
        Period.years(3),
        _E.PUBLICATION,
        _A,
        N_("Published reviews: the author's name and email (the text and rating stay)"),
        _SOURCE_PUBLISHED_REVIEWS,
    ),
    _R(
        "privacy.export_bundles",
        Period.days(7),
        _E.CREATION,
        _D,
        N_("Personal data export files"),
        _SOURCE_PROJECT,
    ),
    _R(
        "privacy.request_proofs",
        Period.years(1),
        _E.CLOSURE,
        _D,
        N_("Data-subject requests and their proof of identity"),
        _SOURCE_CNIL_REQUESTS,
    ),
)


# ---------------------------------------------------------------------------- schedule
def _check_rules(_instance: object, _attribute: object, value: object) -> None:
    if not isinstance(value, tuple) or not all(isinstance(rule, RetentionRule) for rule in value):
        raise InvalidRetentionScheduleError(
            [FieldError(("rules",), "retention.rules", N_("Rules must be retention rules."))]
        )
    seen: set[str] = set()
    problems = []
    for rule in value:
        if rule.id in seen:
            problems.append(
                FieldError(
                    (rule.id,), "retention.duplicate_rule", N_("This rule is defined twice.")
                )
            )
        seen.add(rule.id)
    InvalidRetentionScheduleError.raise_if_any(problems)


@attrs.frozen(slots=True)
class RetentionSchedule:
    """The shop's retention rules, by id. Build the defaults with :meth:`defaults`."""

    rules: tuple[RetentionRule, ...] = attrs.field(validator=_check_rules)
    _by_id: dict[str, RetentionRule] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {rule.id: rule for rule in self.rules})

    @classmethod
    def defaults(cls) -> RetentionSchedule:
        """The library's defaults (:data:`DEFAULT_RULES`)."""
        return cls(DEFAULT_RULES)

    @property
    def ids(self) -> tuple[str, ...]:
        """The rule ids, in order."""
        return tuple(rule.id for rule in self.rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._by_id

    def rule(self, rule_id: str) -> RetentionRule:
        """The rule ``rule_id``; :class:`UnknownRetentionRuleError` if there is none."""
        try:
            return self._by_id[rule_id]
        except (KeyError, TypeError):
            shown = rule_id if is_identifier(rule_id) else "?"
            raise UnknownRetentionRuleError(rule=shown) from None

    def cutoff(self, rule_id: str, now: datetime) -> datetime:
        """:func:`cutoff` of the rule ``rule_id`` at ``now``."""
        return cutoff(self.rule(rule_id), now)

    def with_rules(self, *rules: RetentionRule) -> RetentionSchedule:
        """This schedule plus new rules (a downstream app's own data); duplicates refused."""
        return RetentionSchedule((*self.rules, *rules))

    def with_overrides(
        self,
        periods: Mapping[str, Period | str] | None = None,
        actions: Mapping[str, RetentionAction | str] | None = None,
    ) -> RetentionSchedule:
        """The schedule with some periods (``Period`` or ISO text such as ``"P3Y"``) and
        end-of-period actions (``"delete"`` / ``"anonymise"``) changed.

        Every problem is reported at once in one :class:`InvalidRetentionScheduleError`:
        unknown rule ids, unreadable or negative periods, a zero period where the rule
        does not allow one, a period below a legal minimum, an unknown action.
        """
        problems: list[FieldError] = []
        changes: dict[str, dict[str, Any]] = {}
        for rule_id, value in (periods or {}).items():
            rule = self._known(rule_id, "period", problems)
            if rule is None:
                continue
            period = _parse_period(value, rule_id, problems)
            if period is not None and _period_ok(rule, period, problems):
                changes.setdefault(rule_id, {})["period"] = period
        for rule_id, value in (actions or {}).items():
            rule = self._known(rule_id, "action", problems)
            if rule is None:
                continue
            try:
                changes.setdefault(rule_id, {})["action"] = RetentionAction(value)
            except ValueError:
                problems.append(
                    FieldError(
                        (rule_id, "action"),
                        "retention.invalid_action",
                        N_("Unknown end-of-period action."),
                    )
                )
        InvalidRetentionScheduleError.raise_if_any(problems)
        return RetentionSchedule(
            tuple(attrs.evolve(rule, **changes.get(rule.id, {})) for rule in self.rules)
        )

    def _known(
        self, rule_id: object, field: str, problems: list[FieldError]
    ) -> RetentionRule | None:
        if isinstance(rule_id, str) and rule_id in self._by_id:
            return self._by_id[rule_id]
        shown = rule_id if is_identifier(rule_id) else "?"
        problems.append(
            FieldError(
                (str(shown), field),
                "retention.unknown_rule",
                N_("No such rule in the schedule."),
            )
        )
        return None

    def require(self, rule_ids: Iterable[str]) -> None:
        """Raise :class:`InvalidRetentionScheduleError` naming every id that is missing."""
        missing = sorted({rule_id for rule_id in rule_ids if rule_id not in self._by_id})
        InvalidRetentionScheduleError.raise_if_any(
            [
                FieldError(
                    (rule_id if is_identifier(rule_id) else "?",),
                    "retention.missing_rule",
                    N_("The schedule has no rule with this id."),
                )
                for rule_id in missing
            ]
        )


def _parse_period(value: object, rule_id: str, problems: list[FieldError]) -> Period | None:
    try:
        if isinstance(value, Period):
            return value
        if isinstance(value, str):
            return Period.parse(value)
    except InvalidPeriodError:
        pass
    problems.append(
        FieldError(
            (rule_id, "period"),
            "retention.invalid_period",
            N_("Give a period such as P10D, P6M or P10Y (no negative values)."),
        )
    )
    return None


def _period_ok(rule: RetentionRule, period: Period, problems: list[FieldError]) -> bool:
    if period.is_zero and not rule.zero_allowed:
        problems.append(
            FieldError(
                (rule.id, "period"),
                "retention.zero_period",
                N_("This data must be kept for some time: the period cannot be zero."),
            )
        )
        return False
    if rule.minimum is not None and not period.at_least(rule.minimum):
        problems.append(
            FieldError(
                (rule.id, "period"),
                "retention.below_minimum",
                N_("This period is shorter than the legal minimum ({minimum})."),
                {"minimum": rule.minimum.iso},
            )
        )
        return False
    return True
