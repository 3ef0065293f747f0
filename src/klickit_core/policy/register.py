"""The record of processing activities (SPEC PRV-7, GDPR art. 30), built from declarations.

:func:`build_register` gives one :class:`ProcessingSheet` per purpose of the shop's
:class:`~klickit_core.policy.config.PolicyConfig`, in one language, from three sources only:

* the **configuration**: the controller and the privacy contact (art. 30(1)(a)), each
  purpose's label, legal basis and legitimate interest, the processors (what each receives,
  as category ids, where it is, the safeguard of a transfer), the security measures, the
  dates, and the categories the shop holds outside the library (their period included);
* the **bound privacy registry**: every category's label, personal fields and legal basis,
  and its period, read from the :class:`~klickit_core.privacy.retention.RetentionRule`
  the sweep enforces, printed with :meth:`~klickit_core.privacy.retention.Period.label`,
  the clock event's label and the end action. No text here writes a duration;
* the **permission table** (:data:`~klickit_core.shared.actors.ROLE_PERMISSIONS`): the
  internal recipients are the staff roles that may read customers or orders.

The categories of people (art. 30(1)(c)) are not part of a category's declaration, so
:data:`LIBRARY_PEOPLE` states them for each category of the library (a test keeps it in
step with :func:`~klickit_core.bootstrap.default_privacy_registry`); a category the
library does not know (an app's own, an external one) is listed as concerning every kind
of person the shop deals with, which may say too much but never too little.

A sheet is plain values; JSON goes through the shared converter
(:func:`~klickit_core.shared.serialisation.to_json`) with the keys the hooks below write,
and ``klickit_core.adapters.policy.register_html`` prints it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date
from types import MappingProxyType
from typing import Any, Final

import attrs
from babel import Locale

from klickit_core.personal_data import CLOCK_EVENT_LABELS, DataCategory, RetentionAction
from klickit_core.policy.completeness import require_complete
from klickit_core.policy.config import (
    ROLE_LABELS,
    ExternalCategory,
    PolicyConfig,
    Processor,
    Purpose,
    check_policy,
)
from klickit_core.privacy.registry import BoundRegistry
from klickit_core.shared.actors import ROLE_PERMISSIONS, Permission, Role
from klickit_core.shared.i18n import N_, translate
from klickit_core.shared.locales import locale_language, normalise_locale
from klickit_core.shared.serialisation import converter

__all__ = [
    "ACTION_LABELS",
    "LIBRARY_PEOPLE",
    "PEOPLE_LABELS",
    "STAFF_LABELS",
    "InternalRecipient",
    "People",
    "PersonCategory",
    "ProcessingRegister",
    "ProcessingSheet",
    "ProcessorRecipient",
    "RegisterContact",
    "RegisterController",
    "SheetBasis",
    "SheetCategory",
    "SheetField",
    "SheetRetention",
    "Transfer",
    "build_register",
    "staff_roles",
]


# ---------------------------------------------------------------------------- people
class People(enum.StrEnum):
    """A kind of person a processing concerns (art. 30(1)(c))."""

    CUSTOMERS = "customers"  # with an account
    GUESTS = "guests"  # guest buyers and visitors: no account
    STAFF = "staff"  # shop managers and administrators


#: How each kind of person is named (``N_`` msgids).
PEOPLE_LABELS: Final[Mapping[People, str]] = MappingProxyType(
    {
        People.CUSTOMERS: N_("Customers with an account"),
        People.GUESTS: N_("Guests and visitors without an account"),
        People.STAFF: N_("Staff members (shop managers and administrators)"),
    }
)

_C, _G, _S = People.CUSTOMERS, People.GUESTS, People.STAFF
_BUYERS = frozenset({_C, _G})
#: Whom each category of the library is about. Orders, payments, reviews, consents and
#: privacy requests come from anyone, with an account or not; accounts, their carts and
#: their login records from customers; the staff access log and the security events name
#: a staff member beside the customer.
LIBRARY_PEOPLE: Final[Mapping[str, frozenset[People]]] = MappingProxyType(
    {
        "payments.details": _BUYERS,
        "orders.support_requests": _BUYERS,
        "orders.completed": _BUYERS,
        "orders.cancelled_after_payment": _BUYERS,
        "orders.after_sales": _BUYERS,
        "orders.cancelled": _BUYERS,
        "orders.failed": _BUYERS,
        "orders.unpaid": _BUYERS,
        "sessions.visitor": _BUYERS,
        "accounts.customers": frozenset({_C}),
        "accounts.login_attempts": frozenset({_C}),
        "security.tokens": frozenset({_C}),
        "security.events": frozenset({_C, _S}),
        "accounts.lost_credentials": frozenset({_C}),
        "staff.access_log": frozenset({_C, _S}),
        "carts.saved": frozenset({_C}),
        "reviews.authors": _BUYERS,
        "reviews.published": _BUYERS,
        "consents.ledger": _BUYERS,
        "consents.standing": _BUYERS,
        "privacy.request_proofs": _BUYERS,
        "privacy.export_bundles": _BUYERS,
    }
)
_EVERYONE = frozenset(People)

# ---------------------------------------------------------------------------- recipients
#: How each staff role is named (``N_`` msgids).
STAFF_LABELS: Final[Mapping[Role, str]] = MappingProxyType(
    {
        Role.SHOP_MANAGER: N_("Shop managers"),
        Role.ADMINISTRATOR: N_("Administrators"),
    }
)
#: The permissions that let a role read people's data: whoever holds one is a recipient.
_READS_PEOPLE = frozenset({Permission.READ_CUSTOMERS, Permission.READ_ORDERS})


def staff_roles() -> tuple[Role, ...]:
    """The roles that may read customers or orders, from the permission table: the
    internal recipients of every processing (jobs and customers read no one's data)."""
    return tuple(role for role in Role if ROLE_PERMISSIONS[role] & _READS_PEOPLE)


#: What happens at the end of a period (``N_`` msgids).
ACTION_LABELS: Final[Mapping[RetentionAction, str]] = MappingProxyType(
    {
        RetentionAction.DELETE: N_("deleted"),
        RetentionAction.ANONYMISE: N_("anonymised"),
    }
)


# ---------------------------------------------------------------------------- values
@attrs.frozen(slots=True)
class RegisterController:
    """The controller (art. 30(1)(a))."""

    name: str
    address: str
    email: str
    phone: str | None
    siren: str | None


@attrs.frozen(slots=True)
class RegisterContact:
    """The contact point for personal data, and the DPO if the shop has one."""

    email: str
    postal_address: str | None
    dpo_name: str | None


@attrs.frozen(slots=True)
class SheetBasis:
    """The legal basis of a processing: its code, its label and, on legitimate interests,
    which ones."""

    code: str
    label: str
    legitimate_interest: str | None


@attrs.frozen(slots=True)
class PersonCategory:
    """A kind of person the processing concerns."""

    code: People
    label: str


@attrs.frozen(slots=True)
class SheetField:
    """A personal field of a category."""

    key: str
    label: str


@attrs.frozen(slots=True)
class SheetCategory:
    """A category of data the processing uses; ``external`` for data the shop holds
    outside the library (no fields declared: its label says what it is)."""

    id: str
    label: str
    fields: tuple[SheetField, ...]
    legal_basis: str | None
    legal_basis_label: str | None
    external: bool


@attrs.frozen(slots=True)
class SheetRetention:
    """How long a category is kept: ``period`` (``"10 ans"``) and ``period_iso``
    (``"P10Y"``) from the rule the sweep applies, ``starts`` the event it runs from, and
    what happens at its end (``None`` for an external category, which the shop handles).
    ``rule`` is the retention rule's id (``None`` for an external category)."""

    category: str
    label: str
    rule: str | None
    period: str
    period_iso: str
    starts: str
    action: RetentionAction | None
    action_label: str | None


@attrs.frozen(slots=True)
class InternalRecipient:
    """A staff role that may read the data."""

    role: Role
    label: str


@attrs.frozen(slots=True)
class ProcessorRecipient:
    """A processor that receives some of the processing's categories (``receives``)."""

    id: str
    name: str
    role: str
    role_label: str
    service: str
    country: str | None
    country_label: str | None
    outside_eea: bool
    receives: tuple[str, ...]


@attrs.frozen(slots=True)
class Transfer:
    """A transfer outside the European Economic Area, and its safeguard."""

    processor: str
    name: str
    country: str
    country_label: str
    safeguard: str | None


@attrs.frozen(slots=True)
class ProcessingSheet:
    """One processing of the record (art. 30(1)(b) to (g)), in one language."""

    id: str
    name: str
    purposes: tuple[str, ...]
    legal_basis: SheetBasis
    people: tuple[PersonCategory, ...]
    categories: tuple[SheetCategory, ...]
    retention: tuple[SheetRetention, ...]
    internal_recipients: tuple[InternalRecipient, ...]
    processors: tuple[ProcessorRecipient, ...]
    transfers: tuple[Transfer, ...]
    security_measures: tuple[str, ...]
    created: date
    updated: date


@attrs.frozen(slots=True)
class ProcessingRegister:
    """The record of processing activities of one controller, in ``locale``."""

    locale: str
    controller: RegisterController
    privacy_contact: RegisterContact
    created: date
    updated: date
    sheets: tuple[ProcessingSheet, ...]


# ---------------------------------------------------------------------------- building
def _country_label(country: str | None, language: str) -> str | None:
    if country is None:
        return None
    territories: Mapping[str, str] = Locale.parse(normalise_locale(language)).territories
    return territories.get(country, country)


def _people(category_ids: Iterable[str]) -> frozenset[People]:
    found: set[People] = set()
    for category_id in category_ids:
        found |= LIBRARY_PEOPLE.get(category_id, _EVERYONE)
    return frozenset(found)


def _library_category(category: DataCategory, language: str) -> SheetCategory:
    return SheetCategory(
        id=category.id,
        label=translate(category.label, language),
        fields=tuple(SheetField(f.key, translate(f.label, language)) for f in category.fields),
        legal_basis=category.legal_basis.code,
        legal_basis_label=translate(category.legal_basis.label, language),
        external=False,
    )


def _external_category(category: ExternalCategory, language: str) -> SheetCategory:
    basis = category.basis
    return SheetCategory(
        id=category.id,
        label=category.label.get(language),
        fields=(),
        legal_basis=None if basis is None else basis.code,
        legal_basis_label=None if basis is None else translate(basis.label, language),
        external=True,
    )


def _library_retention(
    registry: BoundRegistry[Any], category: DataCategory, language: str
) -> SheetRetention:
    rule = registry.rule_for(category.id)
    return SheetRetention(
        category=category.id,
        label=translate(category.label, language),
        rule=rule.id,
        period=rule.period.label(language),
        period_iso=rule.period.iso,
        starts=translate(CLOCK_EVENT_LABELS[rule.starts], language),
        action=rule.action,
        action_label=translate(ACTION_LABELS[rule.action], language),
    )


def _external_retention(category: ExternalCategory, language: str) -> SheetRetention:
    # require_complete has checked that every external category states its period.
    period, starts = category.period, category.starts
    return SheetRetention(
        category=category.id,
        label=category.label.get(language),
        rule=None,
        period="" if period is None else period.label(language),
        period_iso="" if period is None else period.iso,
        starts="" if starts is None else starts.get(language),
        action=None,
        action_label=None,
    )


def _processors(
    config: PolicyConfig, category_ids: tuple[str, ...], language: str
) -> tuple[ProcessorRecipient, ...]:
    found: dict[str, Processor] = {}
    for category_id in category_ids:
        for processor in config.processors_for(category_id):
            found.setdefault(processor.id, processor)
    ordered = [p for p in config.processors if p.id in found]  # the file's order
    return tuple(
        ProcessorRecipient(
            id=processor.id,
            name=processor.name,
            role=str(processor.role),
            role_label=translate(ROLE_LABELS[processor.role], language),
            service=processor.service.get(language),
            country=processor.country,
            country_label=_country_label(processor.country, language),
            outside_eea=processor.outside_eea,
            receives=tuple(c for c in category_ids if c in processor.receives),
        )
        for processor in ordered
    )


def _transfers(
    config: PolicyConfig, processors: Iterable[ProcessorRecipient], language: str
) -> tuple[Transfer, ...]:
    transfers = []
    for recipient in processors:
        processor = config.processor(recipient.id)
        if processor is None or not processor.outside_eea or processor.country is None:
            continue
        transfers.append(
            Transfer(
                processor=processor.id,
                name=processor.name,
                country=processor.country,
                country_label=recipient.country_label or processor.country,
                safeguard=None
                if processor.safeguard is None
                else processor.safeguard.get(language),
            )
        )
    return tuple(transfers)


def _basis(purpose: Purpose, language: str) -> SheetBasis:
    basis = purpose.basis  # require_complete has checked every purpose has one
    interest = purpose.legitimate_interest
    return SheetBasis(
        code="" if basis is None else basis.code,
        label="" if basis is None else translate(basis.label, language),
        legitimate_interest=None if interest is None else interest.get(language),
    )


def _sheet(
    config: PolicyConfig, registry: BoundRegistry[Any], purpose: Purpose, language: str
) -> ProcessingSheet:
    categories: list[SheetCategory] = []
    retention: list[SheetRetention] = []
    for category_id in dict.fromkeys(purpose.categories):
        external = config.external_category(category_id)
        if external is not None:
            categories.append(_external_category(external, language))
            retention.append(_external_retention(external, language))
        else:
            declared = registry.category(category_id)
            categories.append(_library_category(declared, language))
            retention.append(_library_retention(registry, declared, language))
    category_ids = tuple(category.id for category in categories)
    processors = _processors(config, category_ids, language)
    people = _people(category_ids)
    return ProcessingSheet(
        id=purpose.id,
        name=purpose.label.get(language),
        purposes=(purpose.label.get(language),),
        legal_basis=_basis(purpose, language),
        people=tuple(
            PersonCategory(kind, translate(PEOPLE_LABELS[kind], language))
            for kind in People
            if kind in people
        ),
        categories=tuple(categories),
        retention=tuple(retention),
        internal_recipients=tuple(
            InternalRecipient(role, translate(STAFF_LABELS.get(role, str(role)), language))
            for role in staff_roles()
        ),
        processors=processors,
        transfers=_transfers(config, processors, language),
        security_measures=tuple(measure.get(language) for measure in config.security_measures),
        created=config.created,
        updated=config.updated,
    )


def build_register(
    config: PolicyConfig, registry: BoundRegistry[Any], *, locale: str = "fr"
) -> ProcessingRegister:
    """The record of processing of ``config`` for the shop whose bound registry is
    ``registry``, in ``locale`` (any form of ``fr`` or ``en``): one sheet per purpose, in
    the configuration's order.

    ``registry`` must be bound to :meth:`PolicyConfig.schedule
    <klickit_core.policy.config.PolicyConfig.schedule>` (the shop's ``PrivacySettings``):
    the periods printed are the ones it applies.

    Raises:
        IncompletePolicyError: the configuration misses an item GDPR art. 13 (or 14)
            requires; every missing item is listed. A register is not drawn up from a
            configuration the notice could not be.
        InvalidPolicyConfigError: the configuration does not fit the registry
            (:func:`~klickit_core.policy.config.check_policy`).
        UnsupportedLocaleError: for a locale the shop does not speak.
    """
    language = locale_language(locale)
    require_complete(config, registry)
    check_policy(config, registry)
    controller, contact = config.controller, config.privacy_contact
    if controller is None or contact is None:  # pragma: no cover - require_complete checked
        raise AssertionError("require_complete lets no configuration without them through")
    return ProcessingRegister(
        locale=language,
        controller=RegisterController(
            controller.name,
            controller.address,
            controller.email,
            controller.phone,
            controller.siren,
        ),
        privacy_contact=RegisterContact(contact.email, contact.postal_address, contact.dpo_name),
        created=config.created,
        updated=config.updated,
        sheets=tuple(_sheet(config, registry, purpose, language) for purpose in config.purposes),
    )


# ---------------------------------------------------------------------------- JSON
def _basis_data(basis: SheetBasis) -> dict[str, Any]:
    return {
        "code": basis.code,
        "label": basis.label,
        "legitimate_interest": basis.legitimate_interest,
    }


def _category_data(category: SheetCategory) -> dict[str, Any]:
    return {
        "id": category.id,
        "label": category.label,
        "fields": [{"key": field.key, "label": field.label} for field in category.fields],
        "legal_basis": category.legal_basis,
        "legal_basis_label": category.legal_basis_label,
        "external": category.external,
    }


def _retention_data(item: SheetRetention) -> dict[str, Any]:
    return {
        "category": item.category,
        "label": item.label,
        "rule": item.rule,
        "period": item.period,
        "period_iso": item.period_iso,
        "starts": item.starts,
        "action": None if item.action is None else str(item.action),
        "action_label": item.action_label,
    }


def _processor_data(item: ProcessorRecipient) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": item.name,
        "role": item.role,
        "role_label": item.role_label,
        "service": item.service,
        "country": item.country,
        "country_label": item.country_label,
        "outside_eea": item.outside_eea,
        "receives": list(item.receives),
    }


def _transfer_data(item: Transfer) -> dict[str, Any]:
    return {
        "processor": item.processor,
        "name": item.name,
        "country": item.country,
        "country_label": item.country_label,
        "safeguard": item.safeguard,
    }


def _sheet_data(sheet: ProcessingSheet) -> dict[str, Any]:
    """A sheet's JSON; its keys are part of the register's format (a test lists them)."""
    return {
        "id": sheet.id,
        "name": sheet.name,
        "purposes": list(sheet.purposes),
        "legal_basis": _basis_data(sheet.legal_basis),
        "people": [{"code": str(item.code), "label": item.label} for item in sheet.people],
        "categories": [_category_data(item) for item in sheet.categories],
        "retention": [_retention_data(item) for item in sheet.retention],
        "recipients": {
            "internal": [
                {"role": str(item.role), "label": item.label} for item in sheet.internal_recipients
            ],
            "processors": [_processor_data(item) for item in sheet.processors],
        },
        "transfers": [_transfer_data(item) for item in sheet.transfers],
        "security_measures": list(sheet.security_measures),
        "created": sheet.created.isoformat(),
        "updated": sheet.updated.isoformat(),
    }


def _register_data(register: ProcessingRegister) -> dict[str, Any]:
    """The register's JSON: the controller, the contact point, the dates and the sheets."""
    controller, contact = register.controller, register.privacy_contact
    return {
        "locale": register.locale,
        "controller": {
            "name": controller.name,
            "address": controller.address,
            "email": controller.email,
            "phone": controller.phone,
            "siren": controller.siren,
        },
        "privacy_contact": {
            "email": contact.email,
            "postal_address": contact.postal_address,
            "dpo_name": contact.dpo_name,
        },
        "created": register.created.isoformat(),
        "updated": register.updated.isoformat(),
        "sheets": [_sheet_data(sheet) for sheet in register.sheets],
    }


converter.register_unstructure_hook(ProcessingSheet, _sheet_data)
converter.register_unstructure_hook(ProcessingRegister, _register_data)
