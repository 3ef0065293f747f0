"""The registry of personal-data providers, and its binding to a retention schedule.

:class:`PrivacyRegistry` collects :class:`~klickit_core.personal_data.provider.PersonalDataProvider`
instances — the library's contexts, registered by the composition root, and a downstream
app's own — without knowing any of them by name. :meth:`PrivacyRegistry.bind` checks it
against a :class:`~klickit_core.privacy.retention.RetentionSchedule` (every category's rule
exists, starts from the same event, ends with an action the provider supports) and gives the
:class:`BoundRegistry` that the sweep, export and erasure engines walk.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Generic, TypeVar

import attrs

from klickit_core.personal_data import (
    DataCategory,
    PersonalDataProvider,
    is_identifier,
)
from klickit_core.privacy.retention import RetentionRule, RetentionSchedule, cutoff, is_due
from klickit_core.privacy.retention import keep_until as _keep_until
from klickit_core.shared.errors import (
    ConflictError,
    FieldError,
    KlickitError,
    NotFoundError,
    ValidationError,
)
from klickit_core.shared.i18n import N_
from klickit_core.shared.unit_of_work import Transaction

__all__ = [
    "BoundRegistry",
    "DuplicateCategoryError",
    "DuplicateProviderError",
    "InvalidProviderError",
    "PrivacyRegistry",
    "ProviderContractError",
    "RegisteredCategory",
    "RegistryScheduleError",
    "UnknownCategoryError",
]

U = TypeVar("U", bound=Transaction)


class DuplicateProviderError(ConflictError):
    """A provider with this name is already registered."""

    code = "privacy.duplicate_provider"
    message_template = N_("A personal data provider named {provider} is already registered.")


class DuplicateCategoryError(ConflictError):
    """Another provider (or the same one twice) already declares this category id."""

    code = "privacy.duplicate_category"
    message_template = N_("The data category {category} is declared twice.")


class InvalidProviderError(KlickitError):
    """The object is not a provider, or its name or categories are malformed."""

    code = "privacy.invalid_provider"
    message_template = N_("Invalid personal data provider ({reason}).")


class ProviderContractError(KlickitError):
    """A provider answered the engine with something its contract forbids (a batch larger
    than asked, a cursor that did not move, a category it does not declare, a record kept
    past its period). Always a bug in the provider; details hold names, never data."""

    code = "privacy.provider_contract"
    message_template = N_("The personal data provider {provider} broke its contract ({reason}).")


class UnknownCategoryError(NotFoundError):
    """No registered provider declares this category."""

    code = "privacy.unknown_category"
    message_template = N_("No registered provider holds the data category {category}.")


class RegistryScheduleError(ValidationError):
    """The registry does not fit the schedule; every problem is listed.

    Field paths are ``(category id, "retention_rule")``, ``(category id, "clock_starts")``
    or ``(category id, "action")``.
    """

    code = "privacy.schedule_mismatch"
    message_template = N_("The data categories do not fit the retention schedule ({count}).")


@attrs.frozen(slots=True)
class RegisteredCategory(Generic[U]):
    """A category with the provider that holds it."""

    provider: PersonalDataProvider[U]
    category: DataCategory


class PrivacyRegistry(Generic[U]):
    """Providers of personal data, in registration order (which is the order of exports,
    erasure reports and sweeps)."""

    def __init__(self, providers: Iterable[PersonalDataProvider[U]] = ()) -> None:
        self._providers: dict[str, PersonalDataProvider[U]] = {}
        self._categories: dict[str, RegisteredCategory[U]] = {}
        for provider in providers:
            self.register(provider)

    def register(self, provider: PersonalDataProvider[U]) -> None:
        """Add ``provider``; its name and each of its category ids must be new."""
        if not isinstance(provider, PersonalDataProvider):
            raise InvalidProviderError(reason="not_a_provider")
        name = provider.name
        if not is_identifier(name):
            raise InvalidProviderError(reason="name")
        if name in self._providers:
            raise DuplicateProviderError(provider=name)
        categories = tuple(provider.categories())
        if not categories or not all(isinstance(c, DataCategory) for c in categories):
            raise InvalidProviderError(reason="categories")
        seen: set[str] = set()
        for category in categories:
            if category.id in self._categories or category.id in seen:
                raise DuplicateCategoryError(category=category.id)
            seen.add(category.id)
        self._providers[name] = provider
        for category in categories:
            self._categories[category.id] = RegisteredCategory(provider, category)

    @property
    def providers(self) -> tuple[PersonalDataProvider[U], ...]:
        """The providers, in registration order."""
        return tuple(self._providers.values())

    def entries(self) -> tuple[RegisteredCategory[U], ...]:
        """Every category with its provider, providers in registration order."""
        return tuple(self._categories.values())

    def categories(self) -> tuple[DataCategory, ...]:
        """Every declared category."""
        return tuple(entry.category for entry in self._categories.values())

    def entry(self, category_id: str) -> RegisteredCategory[U]:
        """The category ``category_id`` and its provider."""
        try:
            return self._categories[category_id]
        except (KeyError, TypeError):
            shown = category_id if is_identifier(category_id) else "?"
            raise UnknownCategoryError(category=shown) from None

    def __len__(self) -> int:
        return len(self._providers)

    def __iter__(self) -> Iterator[PersonalDataProvider[U]]:
        return iter(self.providers)

    def bind(self, schedule: RetentionSchedule) -> BoundRegistry[U]:
        """The registry checked against ``schedule``; every problem at once.

        Each category's rule must exist, start from the category's clock event, and end
        with an action the provider can perform.
        """
        problems: list[FieldError] = []
        for category in self.categories():
            if category.retention_rule not in schedule:
                problems.append(
                    FieldError(
                        (category.id, "retention_rule"),
                        "privacy.missing_rule",
                        N_("The retention schedule has no rule {rule}."),
                        {"rule": category.retention_rule},
                    )
                )
                continue
            rule = schedule.rule(category.retention_rule)
            if rule.starts is not category.clock_starts:
                problems.append(
                    FieldError(
                        (category.id, "clock_starts"),
                        "privacy.clock_mismatch",
                        N_("The rule {rule} starts from another event than the category."),
                        {"rule": rule.id},
                    )
                )
            if rule.action not in category.actions:
                problems.append(
                    FieldError(
                        (category.id, "action"),
                        "privacy.unsupported_action",
                        N_("The provider cannot apply {action} at the end of the period."),
                        {"action": str(rule.action)},
                    )
                )
        RegistryScheduleError.raise_if_any(problems)
        return BoundRegistry(self, schedule)


class BoundRegistry(Generic[U]):
    """A registry checked against a schedule: what the engines walk.

    It also answers the providers' questions about the configured retention
    (:class:`~klickit_core.personal_data.erasure.RetentionTerms`).
    """

    def __init__(self, registry: PrivacyRegistry[U], schedule: RetentionSchedule) -> None:
        self._registry = registry
        self._schedule = schedule
        # A snapshot: registering more providers later needs a new bind.
        self._entries = registry.entries()

    @property
    def registry(self) -> PrivacyRegistry[U]:
        """The registry."""
        return self._registry

    @property
    def schedule(self) -> RetentionSchedule:
        """The schedule."""
        return self._schedule

    def entries(self) -> tuple[RegisteredCategory[U], ...]:
        """Every category with its provider, as bound."""
        return self._entries

    @property
    def providers(self) -> tuple[PersonalDataProvider[U], ...]:
        """The providers, in registration order, as bound."""
        seen: dict[str, PersonalDataProvider[U]] = {}
        for entry in self._entries:
            seen.setdefault(entry.provider.name, entry.provider)
        return tuple(seen.values())

    def category(self, category_id: str) -> DataCategory:
        """The category ``category_id``."""
        for entry in self._entries:
            if entry.category.id == category_id:
                return entry.category
        shown = category_id if is_identifier(category_id) else "?"
        raise UnknownCategoryError(category=shown)

    def rule_for(self, category_id: str) -> RetentionRule:
        """The rule that governs ``category_id``."""
        return self._schedule.rule(self.category(category_id).retention_rule)

    def cutoff(self, category_id: str, now: datetime) -> datetime:
        """Records of ``category_id`` whose clock started before this are due at ``now``."""
        return cutoff(self.rule_for(category_id), now)

    def keep_until(self, category_id: str, clock_started_at: datetime) -> date:
        """The last day a record of ``category_id`` is kept."""
        return _keep_until(self.rule_for(category_id), clock_started_at)

    def is_due(self, category_id: str, clock_started_at: datetime, now: datetime) -> bool:
        """Whether a record of ``category_id`` is past its period at ``now``."""
        return is_due(self.rule_for(category_id), clock_started_at, now)
