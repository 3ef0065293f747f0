"""Strategies for the privacy plug-in point and engine (PRV-1..4): subjects, retention
rules and schedules, categories, export items and bundles, sweep values."""

from __future__ import annotations

from hypothesis import strategies as st

from klickit_core.personal_data import (
    ACCOUNTING_OBLIGATION,
    CIVIL_LIMITATION,
    CONSENT,
    CONTRACT,
    LEGAL_OBLIGATION,
    LEGITIMATE_INTEREST,
    ClockEvent,
    DataCategory,
    DataSubject,
    ExportField,
    ExportRecord,
    ExportSection,
    FieldKind,
    KeepReason,
    KeptCount,
    PersonalField,
    RetentionAction,
    SweepBatch,
    SweepCursor,
)
from klickit_core.privacy.bundle import CategoryNotice, ExportBundle
from klickit_core.privacy.retention import (
    MAX_PERIOD,
    Period,
    PeriodUnit,
    RetentionRule,
    RetentionSchedule,
)
from klickit_core.shared.sweeps import SweepKey
from klickit_core.testing.strategies._common import EMAILS, IDS, aware_datetimes, clean_text

__all__ = [
    "data_categories",
    "data_subjects",
    "export_bundles",
    "export_fields",
    "export_records",
    "export_sections",
    "retention_periods",
    "retention_rules",
    "retention_schedules",
    "sweep_batches",
    "sweep_cursors",
    "sweep_keys",
]


#: Stable identifiers as the plug-in point wants them (``"notes.short"``).
_PRIVACY_IDS = st.from_regex(r"[a-z][a-z0-9_]{0,12}(\.[a-z][a-z0-9_]{0,12}){0,2}", fullmatch=True)
#: Stand-ins for N_ msgids: a provider's labels are English text.
_LABELS = st.sampled_from(["Name", "Email", "Order", "Review text", "Billing address", "Notes"])
_LEGAL_BASES = st.sampled_from(
    [
        ACCOUNTING_OBLIGATION,
        CIVIL_LIMITATION,
        CONSENT,
        CONTRACT,
        LEGAL_OBLIGATION,
        LEGITIMATE_INTEREST,
    ]
)


def data_subjects() -> st.SearchStrategy[DataSubject]:
    """People a privacy request is about: a normalised email and maybe an account id."""
    return st.builds(DataSubject, EMAILS, st.none() | IDS)


def retention_periods(max_years: int = 12) -> st.SearchStrategy[Period]:
    """Calendar periods from zero up to ``max_years`` (in days, months or years)."""
    return st.one_of(
        st.integers(0, min(max_years * 366, MAX_PERIOD[PeriodUnit.DAYS])).map(Period.days),
        st.integers(0, max_years * 12).map(Period.months),
        st.integers(0, max_years).map(Period.years),
    )


def retention_rules(
    rule_id: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[RetentionRule]:
    """Valid rules: a zero period only where the rule allows one."""

    def build(
        rid: str, period: Period, starts: ClockEvent, action: RetentionAction, zero: bool
    ) -> RetentionRule:
        return RetentionRule(
            rid,
            period,
            starts,
            action,
            "Test rule",
            "Test source",
            zero_allowed=zero or period.is_zero,
        )

    return st.builds(
        build,
        rule_id if rule_id is not None else _PRIVACY_IDS,
        retention_periods(),
        st.sampled_from(list(ClockEvent)),
        st.sampled_from(list(RetentionAction)),
        st.booleans(),
    )


def retention_schedules() -> st.SearchStrategy[RetentionSchedule]:
    """The defaults, some of them overridden, plus a few rules of a downstream app."""

    def fits(rule: RetentionRule, period: Period) -> bool:
        if period.is_zero and not rule.zero_allowed:
            return False
        return rule.minimum is None or period.at_least(rule.minimum)

    def build(periods: dict[str, Period], extra: list[RetentionRule]) -> RetentionSchedule:
        base = RetentionSchedule.defaults()
        allowed = {rid: period for rid, period in periods.items() if fits(base.rule(rid), period)}
        fresh = {rule.id: rule for rule in extra if rule.id not in base}
        return base.with_overrides(periods=allowed).with_rules(*fresh.values())

    return st.builds(
        build,
        st.dictionaries(st.sampled_from(RetentionSchedule.defaults().ids), retention_periods()),
        st.lists(retention_rules(_PRIVACY_IDS.map(lambda rid: f"app.{rid}")), max_size=3),
    )


def data_categories() -> st.SearchStrategy[DataCategory]:
    """Category declarations: unique field keys, at least one action."""
    return st.builds(
        DataCategory,
        id=_PRIVACY_IDS,
        label=_LABELS,
        description=_LABELS,
        fields=st.lists(
            st.builds(PersonalField, _PRIVACY_IDS.filter(lambda k: "." not in k), _LABELS),
            min_size=1,
            max_size=4,
            unique_by=lambda field: field.key,
        ).map(tuple),
        retention_rule=st.sampled_from(RetentionSchedule.defaults().ids),
        clock_starts=st.sampled_from(list(ClockEvent)),
        legal_basis=_LEGAL_BASES,
        actions=st.frozensets(st.sampled_from(list(RetentionAction)), min_size=1),
    )


_FIELD_KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)


def export_fields() -> st.SearchStrategy[ExportField]:
    """Typed, labelled values: text (hostile markup included), numbers, booleans, exact
    decimals, money, aware datetimes, dates, and empty values."""
    text = clean_text(max_size=40, multiline=True) | st.sampled_from(
        ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "Zoé & Cie"]
    )
    decimals = st.decimals(min_value=-(10**9), max_value=10**9, places=3, allow_nan=False)
    plain = st.one_of(
        st.none(),
        text,
        st.integers(-(10**12), 10**12),
        st.booleans(),
        decimals,
        aware_datetimes(),
        aware_datetimes().map(lambda moment: moment.date()),
    )
    return st.one_of(
        st.builds(ExportField, _FIELD_KEYS, _LABELS, plain),
        st.builds(
            ExportField,
            _FIELD_KEYS,
            _LABELS,
            st.none() | text,
            st.sampled_from([FieldKind.MULTILINE, FieldKind.EMAIL, FieldKind.IDENTIFIER]),
        ),
        st.builds(
            lambda key, label, amount, currency: ExportField(
                key, label, amount, FieldKind.MONEY, currency=currency
            ),
            _FIELD_KEYS,
            _LABELS,
            decimals,
            st.sampled_from(["EUR", "USD", "JPY"]),
        ),
    )


def export_records(max_depth: int = 2) -> st.SearchStrategy[ExportRecord]:
    """Records with unique field keys, and children down to ``max_depth`` levels."""
    fields = st.lists(export_fields(), max_size=5, unique_by=lambda field: field.key).map(tuple)
    leaf = st.builds(ExportRecord, _LABELS, IDS, fields)
    if max_depth <= 1:
        return leaf
    return st.builds(
        ExportRecord,
        _LABELS,
        IDS,
        fields,
        st.lists(export_records(max_depth - 1), max_size=2).map(tuple),
    )


def export_sections(
    provider: st.SearchStrategy[str] | None = None,
    category_id: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[ExportSection]:
    """One provider's records for one category."""
    return st.builds(
        ExportSection,
        provider if provider is not None else _PRIVACY_IDS,
        category_id if category_id is not None else _PRIVACY_IDS,
        _LABELS,
        st.lists(export_records(), max_size=3).map(tuple),
    )


def export_bundles() -> st.SearchStrategy[ExportBundle]:
    """Bundles whose sections belong to the categories they list, in French or English."""

    @st.composite
    def build(draw: st.DrawFn) -> ExportBundle:
        categories = draw(
            st.lists(data_categories(), min_size=1, max_size=3, unique_by=lambda c: c.id)
        )
        defaults = RetentionSchedule.defaults()
        notices = tuple(
            CategoryNotice("app", category, defaults.rule(category.retention_rule))
            for category in categories
        )
        sections = tuple(
            draw(export_sections(st.just("app"), st.just(category.id)))
            for category in categories
            if draw(st.booleans())
        )
        return ExportBundle(
            draw(data_subjects()),
            draw(aware_datetimes()),
            draw(st.sampled_from(["fr", "en"])),
            "Klickit",
            sections,
            notices,
        )

    return build()


def sweep_cursors() -> st.SearchStrategy[SweepCursor]:
    """Resume points: record keys (ids), never personal data."""
    return st.builds(SweepCursor, IDS)


def sweep_batches() -> st.SearchStrategy[SweepBatch]:
    """Consistent batch results: examined = deleted + anonymised + kept."""

    def build(
        category_id: str, deleted: int, anonymised: int, kept: int, cursor: SweepCursor
    ) -> SweepBatch:
        examined = deleted + anonymised + kept
        reasons = (KeptCount(KeepReason("open_dispute", "An open dispute"), kept),) if kept else ()
        return SweepBatch(
            category_id,
            examined,
            deleted,
            anonymised,
            reasons,
            cursor if examined else None,
        )

    return st.builds(
        build,
        _PRIVACY_IDS,
        st.integers(0, 500),
        st.integers(0, 500),
        st.integers(0, 50),
        sweep_cursors(),
    )


def sweep_keys(*, clocked: bool = True) -> st.SearchStrategy[SweepKey]:
    """Keyset positions of a retention sweep (PRV-2): an aware clock (or none) and an id."""
    return st.builds(SweepKey, aware_datetimes() if clocked else st.none(), IDS)
