"""The privacy plug-in point: registering providers and binding them to a schedule."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import attrs
import pytest

from klickit_core.personal_data import ClockEvent, DataCategory, RetentionAction
from klickit_core.privacy.registry import (
    DuplicateCategoryError,
    DuplicateProviderError,
    InvalidProviderError,
    PrivacyRegistry,
    RegistryScheduleError,
    UnknownCategoryError,
)
from klickit_core.privacy.retention import Period, RetentionSchedule

from .fakes import LONG, SHORT, FakeUnitOfWork, NotesProvider, schedule


class Renamed(NotesProvider):
    """The notes provider under another name, with the given categories."""

    def __init__(self, name: str, categories: Sequence[DataCategory] | None = None) -> None:
        super().__init__()
        self._name = name
        self._categories = categories

    @property
    def name(self) -> str:
        return self._name

    def categories(self) -> Sequence[DataCategory]:
        return super().categories() if self._categories is None else self._categories


def renamed_categories(suffix: str) -> tuple[DataCategory, ...]:
    return tuple(
        attrs.evolve(category, id=f"{category.id}_{suffix}")
        for category in NotesProvider().categories()
    )


def test_providers_register_in_order_and_are_found_by_category() -> None:
    notes = NotesProvider()
    other = Renamed("other", renamed_categories("2"))
    registry = PrivacyRegistry([notes, other])
    assert registry.providers == (notes, other)
    assert list(registry) == [notes, other]
    assert len(registry) == 2
    assert [c.id for c in registry.categories()] == [SHORT, LONG, f"{SHORT}_2", f"{LONG}_2"]
    assert registry.entry(LONG).provider is notes
    with pytest.raises(UnknownCategoryError) as caught:
        registry.entry("alice@example.com")
    assert caught.value.details == {"category": "?"}


def test_duplicates_are_refused() -> None:
    registry = PrivacyRegistry([NotesProvider()])
    with pytest.raises(DuplicateProviderError) as caught:
        registry.register(NotesProvider())
    assert caught.value.details == {"provider": "notes"}
    with pytest.raises(DuplicateCategoryError) as category:
        registry.register(Renamed("copy"))
    assert category.value.details == {"category": SHORT}
    twice = NotesProvider().categories()[0]
    with pytest.raises(DuplicateCategoryError):
        PrivacyRegistry([Renamed("twice", (twice, twice))])
    assert len(registry) == 1  # a refused provider leaves nothing behind


@pytest.mark.parametrize(
    ("provider", "reason"),
    [
        ("not a provider", "not_a_provider"),
        (Renamed("Bad Name"), "name"),
        (Renamed("empty", ()), "categories"),
        (Renamed("junk", ("junk",)), "categories"),  # type: ignore[arg-type]
    ],
)
def test_malformed_providers_are_refused(provider: object, reason: str) -> None:
    with pytest.raises(InvalidProviderError) as caught:
        PrivacyRegistry().register(provider)  # type: ignore[arg-type]
    assert caught.value.details == {"reason": reason}


def test_binding_checks_every_category_against_the_schedule() -> None:
    """Every category's rule must exist, start from the same event, and end with an
    action the provider can perform; every problem is listed at once."""
    bad = (
        attrs.evolve(NotesProvider().categories()[0], id="x.missing", retention_rule="no.rule"),
        attrs.evolve(
            NotesProvider().categories()[0], id="x.clock", clock_starts=ClockEvent.COMPLETION
        ),
        attrs.evolve(
            NotesProvider().categories()[1],
            id="x.action",
            actions=frozenset({RetentionAction.DELETE}),
        ),
    )
    registry = PrivacyRegistry([Renamed("bad", bad)])
    with pytest.raises(RegistryScheduleError) as caught:
        registry.bind(schedule())
    assert caught.value.codes == {
        "x.missing.retention_rule": "privacy.missing_rule",
        "x.clock.clock_starts": "privacy.clock_mismatch",
        "x.action.action": "privacy.unsupported_action",
    }
    missing = next(e for e in caught.value.errors if e.code == "privacy.missing_rule")
    assert missing.message("en") == "The retention schedule has no rule no.rule."


def test_the_defaults_alone_lack_an_app_s_own_rules() -> None:
    with pytest.raises(RegistryScheduleError) as caught:
        PrivacyRegistry([NotesProvider()]).bind(RetentionSchedule.defaults())
    assert set(caught.value.codes.values()) == {"privacy.missing_rule"}


def test_a_bound_registry_answers_retention_questions() -> None:
    bound = PrivacyRegistry([NotesProvider()]).bind(
        schedule().with_overrides(periods={"test.short": Period.days(3)})
    )
    created = datetime(2026, 3, 3, 18, tzinfo=UTC)
    assert bound.rule_for(SHORT).period == Period.days(3)
    assert bound.keep_until(SHORT, created) == date(2026, 3, 6)
    assert not bound.is_due(SHORT, created, datetime(2026, 3, 6, 20, tzinfo=UTC))
    assert bound.is_due(SHORT, created, datetime(2026, 3, 6, 23, 30, tzinfo=UTC))  # Paris: 7th
    assert bound.cutoff(SHORT, datetime(2026, 3, 7, 12, tzinfo=UTC)) == datetime(
        2026, 3, 3, 23, tzinfo=UTC
    )
    assert bound.category(LONG).id == LONG
    with pytest.raises(UnknownCategoryError):
        bound.category("nope")
    assert isinstance(bound.registry, PrivacyRegistry)
    assert bound.schedule.rule("test.short").period == Period.days(3)


def test_binding_takes_a_snapshot() -> None:
    registry: PrivacyRegistry[FakeUnitOfWork] = PrivacyRegistry([NotesProvider()])
    bound = registry.bind(schedule())
    registry.register(Renamed("later", renamed_categories("3")))
    assert [p.name for p in bound.providers] == ["notes"]
    assert [p.name for p in registry.bind(schedule()).providers] == ["notes", "later"]
