"""Data categories: what personal data a provider holds, and how long (SPEC PRV-1).

A category names its personal fields, the retention rule that governs it, the event that
starts its clock (an order's completion, a session's last activity — not merely the
creation), its legal basis, and what the provider's sweeper can do at the end of the
period.
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

from klickit_core.personal_data import _checks
from klickit_core.personal_data.errors import InvalidCategoryError
from klickit_core.personal_data.legal_bases import LegalBasis
from klickit_core.shared.i18n import N_

__all__ = [
    "CLOCK_EVENT_LABELS",
    "RETENTION_ACTION_LABELS",
    "ClockEvent",
    "DataCategory",
    "PersonalField",
    "RetentionAction",
]


class ClockEvent(enum.StrEnum):
    """The event that starts a retention clock (PRV-1: not merely the creation)."""

    CREATION = "creation"  # recorded or received
    LAST_ACTIVITY = "last_activity"  # a session's or an account's last activity
    COMPLETION = "completion"  # an order completed, a payment settled
    CANCELLATION = "cancellation"
    FAILURE = "failure"
    CLOSURE = "closure"  # a request answered and closed
    EXPIRY = "expiry"  # a token or a download link expired
    WITHDRAWAL = "withdrawal"  # a consent withdrawn or replaced by a newer one
    ERASURE = "erasure"  # the person's own data was erased (their reviews, for instance)
    PUBLICATION = "publication"  # a review approved for the shop's pages


#: Labels for notices and bundles (translate with ``translate(label, locale)``).
CLOCK_EVENT_LABELS: dict[ClockEvent, str] = {
    ClockEvent.CREATION: N_("from when it is recorded"),
    ClockEvent.LAST_ACTIVITY: N_("from the last activity"),
    ClockEvent.COMPLETION: N_("from completion"),
    ClockEvent.CANCELLATION: N_("from cancellation"),
    ClockEvent.FAILURE: N_("from the failure"),
    ClockEvent.CLOSURE: N_("from the closing of the request"),
    ClockEvent.EXPIRY: N_("from expiry"),
    ClockEvent.WITHDRAWAL: N_("from withdrawal or replacement"),
    ClockEvent.ERASURE: N_("from the erasure of the author"),
    ClockEvent.PUBLICATION: N_("from publication"),
}


class RetentionAction(enum.StrEnum):
    """What happens to a record at the end of its period."""

    DELETE = "delete"
    ANONYMISE = "anonymise"


#: How a period's end reads after the period ("10 years, then deleted"), in the export's
#: retention table and the privacy notice (translate with ``translate(label, locale)``).
RETENTION_ACTION_LABELS: dict[RetentionAction, str] = {
    RetentionAction.DELETE: N_("then deleted"),
    RetentionAction.ANONYMISE: N_("then anonymised"),
}


@attrs.frozen(slots=True)
class PersonalField:
    """One personal field a category holds: a stable ``key`` and a translatable label."""

    key: str = attrs.field(validator=_checks.identifier("field.key"))
    label: str = attrs.field(validator=_checks.label("field.label"))


def _check_fields(_instance: Any, _attribute: Any, value: Any) -> None:
    if (
        not isinstance(value, tuple)
        or not value
        or not all(isinstance(item, PersonalField) for item in value)
    ):
        raise InvalidCategoryError(field="fields")
    keys = [item.key for item in value]
    if len(set(keys)) != len(keys):
        raise InvalidCategoryError(field="fields")


def _check_actions(_instance: Any, _attribute: Any, value: Any) -> None:
    if (
        not isinstance(value, frozenset)
        or not value
        or not all(isinstance(item, RetentionAction) for item in value)
    ):
        raise InvalidCategoryError(field="actions")


def _check_clock(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, ClockEvent):
        raise InvalidCategoryError(field="clock_starts")


def _check_basis(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, LegalBasis):
        raise InvalidCategoryError(field="legal_basis")


@attrs.frozen(slots=True)
class DataCategory:
    """A kind of personal data one provider holds.

    ``id`` is stable (``"orders.completed"``) and unique across the registry;
    ``retention_rule`` names the rule of the shop's retention schedule that governs it;
    ``clock_starts`` is the event its clock starts from (checked against the rule when the
    registry is bound to a schedule); ``legal_basis`` is why it is held; ``actions`` are what
    the provider's sweeper can do at the end of the period (the schedule chooses one).
    """

    id: str = attrs.field(validator=_checks.identifier("id"))
    label: str = attrs.field(validator=_checks.label("label"))
    description: str = attrs.field(validator=_checks.label("description"))
    fields: tuple[PersonalField, ...] = attrs.field(validator=_check_fields)
    retention_rule: str = attrs.field(validator=_checks.identifier("retention_rule"))
    clock_starts: ClockEvent = attrs.field(validator=_check_clock)
    legal_basis: LegalBasis = attrs.field(validator=_check_basis)
    actions: frozenset[RetentionAction] = attrs.field(
        default=frozenset({RetentionAction.DELETE}), validator=_check_actions
    )
