"""The record of processing (PRV-7, GDPR art. 30): one sheet per purpose, periods read from
the bound registry's retention rules, recipients from the configuration's processors and
the permission table, JSON with stable keys (decision 0015)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from klickit_core.bootstrap import default_privacy_registry
from klickit_core.personal_data import RetentionAction
from klickit_core.policy.completeness import IncompletePolicyError
from klickit_core.policy.config import (
    InvalidPolicyConfigError,
    PolicyConfig,
    load_policy,
    policy_from_mapping,
)
from klickit_core.policy.register import (
    LIBRARY_PEOPLE,
    People,
    ProcessingRegister,
    ProcessingSheet,
    build_register,
    staff_roles,
)
from klickit_core.privacy.registry import BoundRegistry
from klickit_core.privacy.retention import RetentionSchedule
from klickit_core.shared.actors import Role
from klickit_core.shared.locales import UnsupportedLocaleError
from klickit_core.shared.serialisation import to_json, unstructure

from .conftest import PUBLISHED_TOML

Data = dict[str, Any]


def _config(data: Data) -> tuple[PolicyConfig, BoundRegistry[Any]]:
    """A configuration from ``data`` and the library's registry bound to its schedule, as
    the shop's ``PrivacySettings(schedule=config.schedule())`` binds it."""
    config = policy_from_mapping(data)
    return config, default_privacy_registry().bind(config.schedule())


def _sheet(register: ProcessingRegister, purpose_id: str) -> ProcessingSheet:
    return next(sheet for sheet in register.sheets if sheet.id == purpose_id)


def _retention(sheet: ProcessingSheet, category_id: str) -> Any:
    return next(item for item in sheet.retention if item.category == category_id)


@pytest.fixture(scope="module")
def register_fr(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> ProcessingRegister:
    return build_register(klickit_config, bound_registry, locale="fr")


# ---------------------------------------------------------------------------- sheets
def test_one_sheet_per_purpose_in_the_configurations_order(
    klickit_config: PolicyConfig, register_fr: ProcessingRegister
) -> None:
    """PRV-7: the register of Klickit's configuration has one sheet per purpose (15), in
    the file's order, each named after its purpose."""
    assert [sheet.id for sheet in register_fr.sheets] == [p.id for p in klickit_config.purposes]
    assert len(register_fr.sheets) == 15
    orders = _sheet(register_fr, "orders")
    assert orders.name == "Prendre, préparer et livrer vos commandes, et vous en informer"
    assert orders.purposes == (orders.name,)
    assert register_fr.locale == "fr"
    assert register_fr.controller.name == "Klickit SAS"
    assert register_fr.controller.siren == "842157398"
    assert register_fr.privacy_contact.email == "donnees-personnelles@klickit.fr"


def test_ten_years_of_completed_orders_come_from_the_retention_rule(
    register_fr: ProcessingRegister, bound_registry: BoundRegistry[Any]
) -> None:
    """PRV-7: the period of ``orders.completed`` is the bound rule's, printed with
    ``Period.label``, with its clock event and its end action."""
    rule = bound_registry.rule_for("orders.completed")
    item = _retention(_sheet(register_fr, "orders"), "orders.completed")
    assert (item.rule, item.period, item.period_iso) == ("orders.completed", "10 ans", "P10Y")
    assert item.period == rule.period.label("fr")
    assert item.starts == "à compter de l’achèvement"
    assert (item.action, item.action_label) == (RetentionAction.ANONYMISE, "anonymisées")
    cancelled = _retention(_sheet(register_fr, "orders"), "orders.cancelled")
    assert (cancelled.period, cancelled.action) == ("10\xa0jours", RetentionAction.DELETE)


def test_a_changed_period_in_the_configuration_changes_the_sheet(
    klickit_data: Data,
) -> None:
    """PRV-7: twelve years for ``orders.completed`` in the configuration become the shop's
    schedule, and every sheet that uses the category prints them."""
    klickit_data["retention"]["orders.completed"] = "P12Y"
    config, registry = _config(klickit_data)
    register = build_register(config, registry, locale="fr")
    for purpose_id in ("orders", "accounting", "statistics", "fraud_prevention"):
        item = _retention(_sheet(register, purpose_id), "orders.completed")
        assert (item.period, item.period_iso) == ("12 ans", "P12Y")
    english = build_register(config, registry, locale="en")
    assert _retention(_sheet(english, "orders"), "orders.completed").period == "12 years"


def test_a_period_the_configuration_does_not_list_is_the_bound_rules(
    klickit_config: PolicyConfig,
) -> None:
    """PRV-7: with ``library_periods`` a rule the file does not list keeps the schedule's
    period, and the register prints the one the registry is bound to (never prose)."""
    schedule = klickit_config.schedule().with_overrides({"sessions.visitor": "P3D"})
    registry = default_privacy_registry().bind(schedule)
    register = build_register(klickit_config, registry, locale="en")
    item = _retention(_sheet(register, "visit"), "sessions.visitor")
    assert (item.period, item.period_iso, item.starts) == (
        "3 days",
        "P3D",
        "from the last activity",
    )


def test_a_registry_on_another_schedule_than_the_configurations_is_refused(
    klickit_data: Data,
) -> None:
    """PRV-7: a shop whose schedule does not apply the configuration's periods cannot draw
    up a register that would print what the sweep does not do."""
    klickit_data["retention"]["orders.completed"] = "P12Y"
    config = policy_from_mapping(klickit_data)
    registry = default_privacy_registry().bind(RetentionSchedule.defaults())
    with pytest.raises(InvalidPolicyConfigError) as caught:
        build_register(config, registry, locale="fr")
    assert [(e.path, e.code) for e in caught.value.errors] == [
        (("retention", "orders.completed"), "policy.schedule_mismatch")
    ]


def test_external_categories_take_their_period_from_the_configuration(
    register_fr: ProcessingRegister,
) -> None:
    """PRV-7: data held outside the library (backups) is listed with the configuration's
    period and event, and no end action of the library."""
    backups = _sheet(register_fr, "backups")
    [category] = backups.categories
    assert (category.id, category.external, category.fields) == ("backups.site", True, ())
    assert category.label == "Sauvegardes de la base de données de la boutique"
    item = _retention(backups, "backups.site")
    assert (item.rule, item.period, item.period_iso) == (None, "30\xa0jours", "P30D")
    assert (item.starts, item.action, item.action_label) == (
        "à compter de la sauvegarde",
        None,
        None,
    )


def test_categories_of_data_are_the_declared_labels_and_fields(
    register_fr: ProcessingRegister, bound_registry: BoundRegistry[Any]
) -> None:
    """PRV-7: each category of a sheet carries its declared label, its personal fields and
    the legal basis it is kept on."""
    account = _sheet(register_fr, "customer_account")
    assert [c.id for c in account.categories] == ["accounts.customers", "carts.saved"]
    customers = account.categories[0]
    declared = bound_registry.category("accounts.customers")
    assert customers.label == "Compte client"
    assert [f.key for f in customers.fields] == [f.key for f in declared.fields]
    assert customers.fields[0].label == "E-mail"
    assert (customers.legal_basis, customers.external) == ("gdpr.6_1_b", False)
    orders = _sheet(register_fr, "accounting").categories[0]
    assert (orders.id, orders.legal_basis) == ("orders.completed", "fr.commerce.l123_22")
    assert orders.legal_basis_label == "Obligation comptable (Code de commerce, art. L123-22)"


def test_legal_basis_and_legitimate_interest_of_each_purpose(
    register_fr: ProcessingRegister,
) -> None:
    """PRV-7: the purpose's basis, by code and translated label; a legitimate interest is
    named on ``gdpr.6_1_f`` purposes only."""
    fraud = _sheet(register_fr, "fraud_prevention").legal_basis
    assert fraud.code == "gdpr.6_1_f"
    assert fraud.label == "Les intérêts légitimes de la boutique (RGPD art. 6(1)(f))"
    assert fraud.legitimate_interest is not None
    assert fraud.legitimate_interest.startswith("Ne pas livrer de commande payée")
    orders = _sheet(register_fr, "orders").legal_basis
    assert (orders.code, orders.legitimate_interest) == ("gdpr.6_1_b", None)
    assert orders.label == "L’exécution d’un contrat avec vous (RGPD art. 6(1)(b))"


# ---------------------------------------------------------------------------- people
def test_categories_of_people(register_fr: ProcessingRegister) -> None:
    """PRV-7: customers only for accounts, buyers with or without an account for orders,
    staff too where their actions are recorded, everyone for data the library does not
    know (backups)."""

    def people(purpose_id: str) -> list[People]:
        return [person.code for person in _sheet(register_fr, purpose_id).people]

    assert people("customer_account") == [People.CUSTOMERS]
    assert people("orders") == [People.CUSTOMERS, People.GUESTS]
    assert people("security") == [People.CUSTOMERS, People.STAFF]
    assert people("backups") == [People.CUSTOMERS, People.GUESTS, People.STAFF]
    labels = [person.label for person in _sheet(register_fr, "orders").people]
    assert labels == ["Clients ayant un compte", "Clients sans compte et visiteurs"]


def test_every_library_category_says_whom_it_is_about() -> None:
    """PRV-7: the people table names exactly the categories the library declares, so a new
    category cannot fall back to "everyone" unnoticed."""
    declared = {category.id for category in default_privacy_registry().categories()}
    assert set(LIBRARY_PEOPLE) == declared
    assert all(LIBRARY_PEOPLE.values())


# ---------------------------------------------------------------------------- recipients
def test_internal_recipients_are_the_staff_roles_of_the_permission_table(
    register_fr: ProcessingRegister,
) -> None:
    """PRV-7: shop managers and administrators read customers and orders; jobs, customers
    and visitors are nobody's recipients."""
    assert staff_roles() == (Role.SHOP_MANAGER, Role.ADMINISTRATOR)
    for sheet in register_fr.sheets:
        assert [(r.role, r.label) for r in sheet.internal_recipients] == [
            (Role.SHOP_MANAGER, "Gérants de boutique"),
            (Role.ADMINISTRATOR, "Administrateurs"),
        ]


def test_processors_are_those_receiving_the_sheets_categories(
    register_fr: ProcessingRegister,
) -> None:
    """PRV-7: a sheet lists the processors that receive any of its categories, with only
    the categories of that sheet they receive; no transfer when all are in the EEA."""
    orders = _sheet(register_fr, "orders")
    assert [(p.id, p.receives) for p in orders.processors] == [
        (
            "payment_gateway",
            ("orders.completed", "orders.cancelled_after_payment", "orders.failed"),
        ),
        ("ovh_mail", ("orders.completed",)),
        (
            "o2switch",
            (
                "orders.completed",
                "orders.cancelled_after_payment",  # issue #19
                "orders.after_sales",
                "orders.cancelled",
                "orders.failed",
                "orders.unpaid",
                "carts.saved",
            ),
        ),
    ]
    gateway = orders.processors[0]
    assert (gateway.role, gateway.role_label) == ("payment_gateway", "Passerelle de paiement")
    assert (gateway.country, gateway.country_label, gateway.outside_eea) == (
        "IE",
        "Irlande",
        False,
    )
    assert orders.transfers == ()
    reviews = _sheet(register_fr, "reviews")
    assert [p.id for p in reviews.processors] == ["o2switch"]


def test_a_transfer_outside_the_eea_carries_its_safeguard(
    register_fr: ProcessingRegister,
) -> None:
    """PRV-7: the backup store in the United States is a transfer, with its safeguard."""
    [transfer] = _sheet(register_fr, "backups").transfers
    assert (transfer.processor, transfer.country, transfer.country_label) == (
        "google_drive",
        "US",
        "États-Unis",
    )
    assert transfer.safeguard is not None
    assert "cadre de protection des données UE–États-Unis" in transfer.safeguard


def test_security_measures_and_dates_on_every_sheet(
    klickit_config: PolicyConfig, register_fr: ProcessingRegister
) -> None:
    """PRV-7: the security measures and the created / updated dates of the configuration."""
    measures = tuple(measure.fr for measure in klickit_config.security_measures)
    assert len(measures) == 9
    for sheet in register_fr.sheets:
        assert sheet.security_measures == measures
        assert (sheet.created.isoformat(), sheet.updated.isoformat()) == (
            "2024-01-15",
            "2026-12-01",
        )


def test_the_register_in_english(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """PRV-7, X-2: every label in English with ``locale="en"`` (any accepted form)."""
    register = build_register(klickit_config, bound_registry, locale="en-GB")
    assert register.locale == "en"
    orders = _sheet(register, "orders")
    assert orders.name == "Taking, preparing and delivering your orders, and keeping you informed"
    item = _retention(orders, "orders.completed")
    assert (item.period, item.starts, item.action_label) == (
        "10 years",
        "from completion",
        "anonymised",
    )
    assert orders.people[0].label == "Customers with an account"
    assert _sheet(register, "backups").transfers[0].country_label == "United States"


def test_an_unsupported_locale_is_refused(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """X-2: a locale the shop does not speak is an error, not a French register."""
    with pytest.raises(UnsupportedLocaleError):
        build_register(klickit_config, bound_registry, locale="de")


# ---------------------------------------------------------------------------- refusals
def test_an_incomplete_configuration_is_refused_with_its_items(
    klickit_data: Data,
) -> None:
    """PRV-7: no register from a configuration without a controller; the error lists it."""
    del klickit_data["controller"]
    config, registry = _config(klickit_data)
    with pytest.raises(IncompletePolicyError) as caught:
        build_register(config, registry)
    assert caught.value.code == "policy.incomplete"
    assert [item.item for item in caught.value.missing] == ["controller_identity"]


def test_the_published_texts_configuration_is_refused() -> None:
    """PRV-7: the configuration built from Klickit's published text alone lacks items
    (the controller among them): it gives no register."""
    config = load_policy(PUBLISHED_TOML)
    registry = default_privacy_registry().bind(config.schedule())
    with pytest.raises(IncompletePolicyError) as caught:
        build_register(config, registry)
    items = {item.item for item in caught.value.missing}
    assert {"controller_identity", "privacy_contact", "transfers", "right:portability"} <= items


def test_an_unknown_category_is_refused(klickit_data: Data) -> None:
    """PRV-7: a purpose naming a category nobody declares is an invalid configuration."""
    purpose = next(p for p in klickit_data["purposes"] if p["id"] == "statistics")
    purpose["categories"].append("analytics.pageviews")
    config, registry = _config(klickit_data)
    with pytest.raises(InvalidPolicyConfigError) as caught:
        build_register(config, registry)
    assert [(e.path, e.code) for e in caught.value.errors] == [
        (("purposes", "statistics", "categories", 1), "policy.unknown_category")
    ]


# ---------------------------------------------------------------------------- JSON
SHEET_KEYS = {
    "id",
    "name",
    "purposes",
    "legal_basis",
    "people",
    "categories",
    "retention",
    "recipients",
    "transfers",
    "security_measures",
    "created",
    "updated",
}


def test_json_keys_of_a_full_sheet_are_stable(register_fr: ProcessingRegister) -> None:
    """PRV-7: the JSON of a sheet (the backups one: external data, a transfer) through the
    shared converter, key by key."""
    data = json.loads(to_json(register_fr))
    assert set(data) == {"locale", "controller", "privacy_contact", "created", "updated", "sheets"}
    assert set(data["controller"]) == {"name", "address", "email", "phone", "siren"}
    assert set(data["privacy_contact"]) == {"email", "postal_address", "dpo_name"}
    sheet = next(item for item in data["sheets"] if item["id"] == "backups")
    assert set(sheet) == SHEET_KEYS
    assert set(sheet["legal_basis"]) == {"code", "label", "legitimate_interest"}
    assert [set(p) for p in sheet["people"]] == [{"code", "label"}] * 3
    assert set(sheet["categories"][0]) == {
        "id",
        "label",
        "fields",
        "legal_basis",
        "legal_basis_label",
        "external",
    }
    assert set(sheet["retention"][0]) == {
        "category",
        "label",
        "rule",
        "period",
        "period_iso",
        "starts",
        "action",
        "action_label",
    }
    assert set(sheet["recipients"]) == {"internal", "processors"}
    assert set(sheet["recipients"]["internal"][0]) == {"role", "label"}
    assert set(sheet["recipients"]["processors"][0]) == {
        "id",
        "name",
        "role",
        "role_label",
        "service",
        "country",
        "country_label",
        "outside_eea",
        "receives",
    }
    assert set(sheet["transfers"][0]) == {
        "processor",
        "name",
        "country",
        "country_label",
        "safeguard",
    }
    assert (sheet["created"], sheet["updated"]) == ("2024-01-15", "2026-12-01")
    assert sheet["transfers"][0]["country"] == "US"
    assert sheet["recipients"]["internal"][0]["role"] == "shop_manager"


def test_json_values_of_a_library_category(register_fr: ProcessingRegister) -> None:
    """PRV-7: a library category's retention and fields as JSON values (enums as their
    value, periods as label and ISO text)."""
    sheet = unstructure(_sheet(register_fr, "orders"))
    assert set(sheet) == SHEET_KEYS
    assert sheet["retention"][0] == {
        "category": "orders.completed",
        "label": "Commandes",
        "rule": "orders.completed",
        "period": "10 ans",
        "period_iso": "P10Y",
        "starts": "à compter de l’achèvement",
        "action": "anonymise",
        "action_label": "anonymisées",
    }
    assert sheet["categories"][0]["fields"][0] == {"key": "name", "label": "Nom"}
    assert sheet["people"] == [
        {"code": "customers", "label": "Clients ayant un compte"},
        {"code": "guests", "label": "Clients sans compte et visiteurs"},
    ]
