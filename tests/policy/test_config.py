"""The policy configuration: Klickit's example, shape errors, consistency with the registry
(PRV-7, PRV-8; decision 0015)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.fr import siren

from klickit_core.bootstrap import default_privacy_registry
from klickit_core.personal_data.legal_bases import (
    LEGAL_BASES,
    LEGITIMATE_INTEREST,
    UnknownLegalBasisError,
    legal_basis,
)
from klickit_core.policy import (
    EEA_COUNTRIES,
    InvalidPolicyConfigError,
    LocalText,
    PolicyConfig,
    ProcessorRole,
    Requirement,
    Right,
    check_policy,
    is_in_eea,
    load_policy,
    policy_from_mapping,
)
from klickit_core.privacy.registry import BoundRegistry
from klickit_core.privacy.retention import Period, RetentionSchedule
from klickit_core.shared.i18n import translate
from klickit_core.shared.locales import UnsupportedLocaleError

Data = dict[str, Any]
KLICKIT_TOML = Path(__file__).resolve().parents[2] / "examples" / "policy" / "klickit.toml"


def _item(data: Data, key: str, item_id: str) -> Data:
    found: Data = next(item for item in data[key] if item["id"] == item_id)
    return found


def _refused(data: Data) -> InvalidPolicyConfigError:
    with pytest.raises(InvalidPolicyConfigError) as caught:
        policy_from_mapping(data)
    assert caught.value.code == "policy.invalid_config"
    return caught.value


# ---------------------------------------------------------------------------- the example
def test_klickit_example_reproduces_the_published_figures(klickit_config: PolicyConfig) -> None:
    """PRV-7, PRV-8: orders ten years, cancelled operations ten days; the schedule the shop
    must use applies them."""
    assert dict(klickit_config.retention) == {
        "orders.completed": Period.years(10),
        "orders.cancelled": Period.days(10),
        "orders.failed": Period.days(10),
    }
    schedule = klickit_config.schedule()
    assert schedule.rule("orders.completed").period == Period.years(10)
    assert schedule.rule("orders.cancelled").period == Period.days(10)
    # the others keep the library's defaults
    assert schedule.rule("sessions.visitor").period == Period.days(7)
    assert klickit_config.library_periods is True
    assert klickit_config.created == date(2024, 1, 15)
    assert klickit_config.updated == date(2026, 12, 1)


def test_klickit_example_names_its_controller_and_contact(klickit_config: PolicyConfig) -> None:
    """PRV-8 (art. 13(1)(a), (b)): a named controller with a valid SIREN, a French address."""
    controller = klickit_config.controller
    assert controller is not None
    assert controller.name == "Klickit SAS"
    assert controller.siren == "842157398"
    assert siren.is_valid(controller.siren)
    assert controller.address.endswith("Bordeaux, France")
    assert controller.email == "contact@klickit.fr"
    assert klickit_config.privacy_contact is not None
    assert klickit_config.privacy_contact.email == "donnees-personnelles@klickit.fr"
    assert klickit_config.authority is not None
    assert klickit_config.authority.name == "CNIL"
    assert klickit_config.rights == frozenset(Right)
    assert len(klickit_config.security_measures) == 9
    assert klickit_config.sources == ()


def test_klickit_example_lists_the_five_processors(klickit_config: PolicyConfig) -> None:
    """PRV-7: payment gateway, OVH mail, o2switch hosting, Google Drive backups (a US
    company, with its safeguard), the contact-form plugin."""
    by_id = {p.id: p for p in klickit_config.processors}
    assert {pid: (p.role, p.country) for pid, p in by_id.items()} == {
        "payment_gateway": (ProcessorRole.PAYMENT_GATEWAY, "IE"),
        "ovh_mail": (ProcessorRole.MAIL_HOST, "FR"),
        "o2switch": (ProcessorRole.WEB_HOST, "FR"),
        "google_drive": (ProcessorRole.BACKUP_STORE, "US"),
        "contact_form": (ProcessorRole.CONTACT_FORM, "FR"),
    }
    drive = by_id["google_drive"]
    assert drive.outside_eea
    assert drive.safeguard is not None
    assert "Data Privacy Framework" in drive.safeguard.get("en")
    assert [p.id for p in klickit_config.processors if p.outside_eea] == ["google_drive"]
    assert drive.receives == ("backups.site",)
    assert [p.id for p in klickit_config.processors_for("backups.site")] == ["google_drive"]


def test_klickit_example_covers_every_category_of_the_registry(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """PRV-7: every category the library holds has a purpose, and the example is consistent
    with the registry bound to its own schedule."""
    check_policy(klickit_config, bound_registry)
    uncovered = [
        entry.category.id
        for entry in bound_registry.entries()
        if not klickit_config.purposes_for(entry.category.id)
    ]
    assert uncovered == []
    assert len(bound_registry.entries()) >= 21  # 19, and issue #19's two order categories
    assert [p.id for p in klickit_config.purposes_for("orders.completed")] == [
        "orders",
        "fraud_prevention",
        "accounting",
        "statistics",
    ]
    visit = next(p for p in klickit_config.purposes if p.id == "visit")
    assert visit.basis is LEGITIMATE_INTEREST
    assert visit.requirement is Requirement.NONE
    assert visit.legitimate_interest is not None
    external = klickit_config.external_category("backups.site")
    assert external is not None
    assert external.period == Period.days(30)


def test_load_policy_takes_a_string_path(klickit_config: PolicyConfig) -> None:
    """PRV-8: a ``str`` path reads the same configuration as a ``Path``."""
    assert load_policy(str(KLICKIT_TOML)) == klickit_config


# ---------------------------------------------------------------------------- values
def test_local_text_in_each_locale() -> None:
    """X-2: a configured text in French by default forms, in English for en forms."""
    text = LocalText("Bonjour", "Hello")
    assert [text.get(loc) for loc in ("fr", "fr_FR", "fr-FR", "en", "en_GB", "EN-gb")] == [
        "Bonjour",
        "Bonjour",
        "Bonjour",
        "Hello",
        "Hello",
        "Hello",
    ]
    with pytest.raises(UnsupportedLocaleError):
        text.get("de")
    with pytest.raises(InvalidPolicyConfigError) as caught:
        LocalText("Bonjour", "  ")
    assert caught.value.codes == {"en": "policy.blank"}


def test_a_siren_may_be_written_with_spaces(klickit_data: Data) -> None:
    """PRV-8 (art. 13(1)(a)): the SIREN is kept in its compact form."""
    klickit_data["controller"]["siren"] = "842 157 398"
    controller = policy_from_mapping(klickit_data).controller
    assert controller is not None
    assert controller.siren == "842157398"


def test_the_eea_is_the_eu_with_iceland_liechtenstein_and_norway() -> None:
    """PRV-8 (art. 13(1)(f)): 30 states; Switzerland and the United States are outside."""
    assert len(EEA_COUNTRIES) == 30
    assert {"FR", "IE", "IS", "LI", "NO"} <= EEA_COUNTRIES
    assert [is_in_eea(code) for code in ("FR", "NO", "CH", "US", "GB")] == [
        True,
        True,
        False,
        False,
        False,
    ]


def test_legal_bases_are_found_by_code() -> None:
    """PRV-8: a configuration names legal bases by code."""
    assert [basis.code for basis in LEGAL_BASES] == [
        "gdpr.6_1_a",
        "gdpr.6_1_b",
        "gdpr.6_1_c",
        "gdpr.6_1_f",
        "fr.commerce.l123_22",
        "fr.civil.2224",
    ]
    assert all(legal_basis(basis.code) is basis for basis in LEGAL_BASES)
    with pytest.raises(UnknownLegalBasisError) as caught:
        legal_basis("gdpr.6_1_z")
    assert caught.value.code == "legal_basis.unknown"
    assert caught.value.details == {"code": "gdpr.6_1_z"}
    with pytest.raises(UnknownLegalBasisError) as hostile:
        legal_basis("<script>")
    assert hostile.value.details == {"code": "?"}


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_no_legal_basis_label_writes_a_duration(locale: str) -> None:
    """Decision 0015: a period is printed from the retention rule only, never from a label."""
    words = ("year", "ten", "five", "ans", "dix", "cinq")
    for basis in LEGAL_BASES:
        label = translate(basis.label, locale).lower()
        assert not any(f" {word}" in label for word in words), label
    assert translate(legal_basis("fr.commerce.l123_22").label, "fr") == (
        "Obligation comptable (Code de commerce, art. L123-22)"
    )
    assert translate(legal_basis("fr.civil.2224").label, "en") == (
        "Limitation period for legal claims (Code civil, art. 2224)"
    )


# ---------------------------------------------------------------------------- shape errors
def _drop(*keys: str) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        target = data
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]

    return change


def _set(value: Any, *keys: str) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        target = data
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return change


def _in(key: str, item_id: str, change: Callable[[Data], None]) -> Callable[[Data], None]:
    return lambda data: change(_item(data, key, item_id))


_LI = {"fr": "Un intérêt", "en": "An interest"}

SHAPE_CASES: list[tuple[str, Callable[[Data], None], tuple[str | int, ...], str]] = [
    ("missing text", _drop("controller", "name"), ("controller", "name"), "policy.required"),
    ("table of wrong type", _set("Klickit", "controller"), ("controller",), "policy.wrong_type"),
    ("blank text", _set("   ", "controller", "address"), ("controller", "address"), "policy.blank"),
    (
        "text of wrong type",
        _set(12, "controller", "phone"),
        ("controller", "phone"),
        "policy.wrong_type",
    ),
    (
        "invalid SIREN",
        _set("842157399", "controller", "siren"),
        ("controller", "siren"),
        "policy.invalid_siren",
    ),
    (
        "invalid email",
        _set("contact-at-klickit", "controller", "email"),
        ("controller", "email"),
        "email.invalid",
    ),
    (
        "missing contact email",
        _drop("privacy_contact", "email"),
        ("privacy_contact", "email"),
        "email.required",
    ),
    ("unknown key", _set({}, "controler"), ("controler",), "policy.unknown_key"),
    (
        "unknown right",
        _set(["access", "teleportation"], "rights"),
        ("rights", 1),
        "policy.unknown_value",
    ),
    ("rights of wrong type", _set("access", "rights"), ("rights",), "policy.wrong_type"),
    (
        "flag of wrong type",
        _set("yes", "library_periods"),
        ("library_periods",),
        "policy.wrong_type",
    ),
    ("bad date", _set("last year", "created"), ("created",), "policy.invalid_date"),
    ("missing date", _drop("updated"), ("updated",), "policy.required"),
    (
        "update before creation",
        _set(date(2020, 1, 1), "updated"),
        ("updated",),
        "policy.updated_before_created",
    ),
    (
        "bad authority url",
        _set("cnil", "authority", "url"),
        ("authority", "url"),
        "policy.invalid_url",
    ),
    (
        "unknown role",
        _in("processors", "o2switch", _set("cloud", "role")),
        ("processors", "o2switch", "role"),
        "policy.unknown_value",
    ),
    (
        "unknown country",
        _in("processors", "o2switch", _set("XX", "country")),
        ("processors", "o2switch", "country"),
        "policy.invalid_country",
    ),
    (
        "lower-case country",
        _in("processors", "o2switch", _set("fr", "country")),
        ("processors", "o2switch", "country"),
        "policy.invalid_country",
    ),
    (
        "outside the EEA without safeguard",
        _in("processors", "google_drive", _drop("safeguard")),
        ("processors", "google_drive", "safeguard"),
        "policy.safeguard_required",
    ),
    (
        "moved outside the EEA",
        _in("processors", "o2switch", _set("CH", "country")),
        ("processors", "o2switch", "safeguard"),
        "policy.safeguard_required",
    ),
    (
        "receives not a list",
        _in("processors", "ovh_mail", _set("orders.completed", "receives")),
        ("processors", "ovh_mail", "receives"),
        "policy.wrong_type",
    ),
    (
        "bad category id",
        _in("processors", "ovh_mail", _set(["Orders!"], "receives")),
        ("processors", "ovh_mail", "receives", 0),
        "policy.invalid_id",
    ),
    (
        "category listed twice",
        _in("processors", "ovh_mail", _set(["mailbox.messages", "mailbox.messages"], "receives")),
        ("processors", "ovh_mail", "receives", 1),
        "policy.duplicate_id",
    ),
    (
        "missing English",
        _in("purposes", "orders", _set({"fr": "Commandes"}, "label")),
        ("purposes", "orders", "label", "en"),
        "policy.required",
    ),
    (
        "text not a table",
        _in("purposes", "orders", _set("Commandes", "label")),
        ("purposes", "orders", "label"),
        "policy.wrong_type",
    ),
    (
        "unknown legal basis",
        _in("purposes", "orders", _set("gdpr.6_1_z", "legal_basis")),
        ("purposes", "orders", "legal_basis"),
        "policy.unknown_legal_basis",
    ),
    (
        "not an art. 6 basis",
        _in("purposes", "orders", _set("fr.commerce.l123_22", "legal_basis")),
        ("purposes", "orders", "legal_basis"),
        "policy.unknown_legal_basis",
    ),
    (
        "legitimate interest not said",
        _in("purposes", "visit", _drop("legitimate_interest")),
        ("purposes", "visit", "legitimate_interest"),
        "policy.interest_required",
    ),
    (
        "interest on another basis",
        _in("purposes", "orders", _set(_LI, "legitimate_interest")),
        ("purposes", "orders", "legitimate_interest"),
        "policy.interest_unexpected",
    ),
    (
        "requirement without consequence",
        _in("purposes", "orders", _drop("consequence")),
        ("purposes", "orders", "consequence"),
        "policy.consequence_required",
    ),
    (
        "unknown requirement",
        _in("purposes", "orders", _set("maybe", "requirement")),
        ("purposes", "orders", "requirement"),
        "policy.unknown_value",
    ),
    (
        "purpose without category",
        _in("purposes", "orders", _set([], "categories")),
        ("purposes", "orders", "categories"),
        "policy.required",
    ),
    (
        "bad external period",
        _in("external_categories", "backups.site", _set("a month", "period")),
        ("external_categories", "backups.site", "period"),
        "policy.invalid_period",
    ),
    (
        "period without start",
        _in("external_categories", "backups.site", _drop("starts")),
        ("external_categories", "backups.site", "starts"),
        "policy.required",
    ),
    (
        "unknown external basis",
        _in("external_categories", "backups.site", _set("gdpr.99", "legal_basis")),
        ("external_categories", "backups.site", "legal_basis"),
        "policy.unknown_legal_basis",
    ),
    (
        "unknown rule",
        _set("P1Y", "retention", "orders.forever"),
        ("retention", "orders.forever"),
        "retention.unknown_rule",
    ),
    (
        "unreadable period",
        _set("ten years", "retention", "orders.completed"),
        ("retention", "orders.completed"),
        "retention.invalid_period",
    ),
    (
        "below the legal minimum",
        _set("P5Y", "retention", "orders.completed"),
        ("retention", "orders.completed"),
        "retention.below_minimum",
    ),
    (
        "zero period",
        _set("P0D", "retention", "sessions.visitor"),
        ("retention", "sessions.visitor"),
        "retention.zero_period",
    ),
    (
        "period not text",
        _set(10, "retention", "orders.cancelled"),
        ("retention", "orders.cancelled"),
        "policy.wrong_type",
    ),
    ("array of wrong type", _set({"id": "orders"}, "purposes"), ("purposes",), "policy.wrong_type"),
    ("item not a table", _set(["orders"], "processors"), ("processors", 0), "policy.wrong_type"),
]


@pytest.mark.parametrize(
    ("change", "path", "code"),
    [case[1:] for case in SHAPE_CASES],
    ids=[case[0] for case in SHAPE_CASES],
)
def test_each_shape_problem_is_a_field_error(
    klickit_data: Data,
    change: Callable[[Data], None],
    path: tuple[str | int, ...],
    code: str,
) -> None:
    """PRV-8: a malformed item is refused with its path and code, and nothing else is
    reported (the example is otherwise valid)."""
    change(klickit_data)
    error = _refused(klickit_data)
    assert [(e.path, e.code) for e in error.errors] == [(path, code)]


def test_ids_are_checked_and_duplicates_located_by_position(klickit_data: Data) -> None:
    """PRV-8: a missing, malformed or repeated id is named by the item's position."""
    purposes = klickit_data["purposes"]
    purposes.append(copy.deepcopy(purposes[0]))  # "orders" again
    purposes[1]["id"] = "Payments Purpose"
    del purposes[2]["id"]
    error = _refused(klickit_data)
    assert [(e.path, e.code) for e in error.errors] == [
        (("purposes", 1, "id"), "policy.invalid_id"),
        (("purposes", 2, "id"), "policy.required"),
        (("purposes", len(purposes) - 1, "id"), "policy.duplicate_id"),
    ]


def test_every_problem_is_reported_at_once(klickit_data: Data) -> None:
    """PRV-8: one error holds every problem, in the file's order of sections."""
    klickit_data["controller"]["siren"] = "123456789"
    _item(klickit_data, "processors", "google_drive").pop("safeguard")
    _item(klickit_data, "purposes", "security").pop("legitimate_interest")
    _item(klickit_data, "purposes", "accounting").pop("consequence")
    klickit_data["retention"]["orders.completed"] = "P9Y"
    klickit_data["retention"]["carts.forever"] = "P1Y"
    error = _refused(klickit_data)
    assert error.codes == {
        "controller.siren": "policy.invalid_siren",
        "purposes.accounting.consequence": "policy.consequence_required",
        "purposes.security.legitimate_interest": "policy.interest_required",
        "processors.google_drive.safeguard": "policy.safeguard_required",
        "retention.orders.completed": "retention.below_minimum",
        "retention.carts.forever": "retention.unknown_rule",
    }
    assert error.details == {"count": 6}
    assert (
        error.message("fr")
        == "La configuration de la politique de confidentialité a des problèmes (6)."
    )
    below = next(e for e in error.errors if e.code == "retention.below_minimum")
    assert below.params == {"minimum": "P10Y"}


def test_errors_never_repeat_what_was_typed(klickit_data: Data) -> None:
    """X-9: an error carries paths and codes, never the values (an email, a name)."""
    klickit_data["privacy_contact"]["email"] = "jeanne.martin@@exemple.fr"
    klickit_data["purposes"][0]["Jeanne Martin"] = 1
    error = _refused(klickit_data)
    assert error.codes == {
        "privacy_contact.email": "email.invalid",
        "purposes.orders.?": "policy.unknown_key",
    }
    rendered = repr([(e.path, e.params, e.message("en")) for e in error.errors]) + str(error)
    assert "jeanne" not in rendered.lower()


def test_a_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    """PRV-8: a syntax error names the line, not the content."""
    path = tmp_path / "policy.toml"
    path.write_text('created = 2024-01-15\n[controller\nname = "Jeanne"\n', "utf-8")
    with pytest.raises(InvalidPolicyConfigError) as caught:
        load_policy(path)
    assert [(e.path, e.code, dict(e.params)) for e in caught.value.errors] == [
        ((), "policy.not_toml", {"line": 2})
    ]


def test_a_document_that_is_not_a_table_is_refused() -> None:
    """PRV-8: policy_from_mapping given a list says so."""
    with pytest.raises(InvalidPolicyConfigError) as caught:
        policy_from_mapping([])  # type: ignore[arg-type]
    assert caught.value.codes == {"": "policy.wrong_type"}


def test_a_minimal_partial_configuration_loads() -> None:
    """Decision 0015: only the dates are required; completeness names the rest."""
    config = policy_from_mapping({"created": "2025-01-01", "updated": "2025-02-01"})
    assert config.controller is None
    assert config.privacy_contact is None
    assert config.authority is None
    assert config.purposes == ()
    assert config.rights == frozenset()
    assert config.library_periods is True
    assert config.schedule() == RetentionSchedule.defaults()


def test_the_authority_defaults_to_the_cnil() -> None:
    """PRV-8 (art. 13(2)(d)): an empty [authority] table means the CNIL."""
    config = policy_from_mapping(
        {"created": "2025-01-01", "updated": "2025-01-01", "authority": {}}
    )
    assert config.authority is not None
    assert (config.authority.name, config.authority.url) == ("CNIL", "https://www.cnil.fr")


def test_periods_override_an_apps_own_schedule() -> None:
    """PRV-1, PRV-8: an app with rules of its own passes its schedule as the base."""
    rule = RetentionSchedule.defaults().rule("contact.messages")
    base = RetentionSchedule.defaults().with_rules(
        type(rule)(
            "newsletter.subscribers",
            Period.years(3),
            rule.starts,
            rule.action,
            rule.label,
            rule.source,
        )
    )
    data = {
        "created": "2025-01-01",
        "updated": "2025-01-01",
        "retention": {"newsletter.subscribers": "P2Y"},
    }
    with pytest.raises(InvalidPolicyConfigError) as caught:
        policy_from_mapping(data)
    assert caught.value.codes == {"retention.newsletter.subscribers": "retention.unknown_rule"}
    config = policy_from_mapping(data, base=base)
    assert config.schedule(base).rule("newsletter.subscribers").period == Period.years(2)


# ---------------------------------------------------------------------------- consistency
def test_check_policy_names_unknown_and_uncovered_categories(
    klickit_data: Data, bound_registry: BoundRegistry[Any]
) -> None:
    """PRV-7: a category id nobody declares, a declared category no purpose covers, an
    external id that clashes with a declared one: all at once."""
    reviews = _item(klickit_data, "purposes", "reviews")
    reviews["categories"] = ["reviews.autors", "reviews.published"]
    _item(klickit_data, "processors", "ovh_mail")["receives"].append("newsletter.list")
    klickit_data["external_categories"][0]["id"] = "carts.saved"
    klickit_data["source_categories"] = ["leads.bought"]
    klickit_data["sources"] = [{"fr": "Un fichier acheté", "en": "A bought list"}]
    config = policy_from_mapping(klickit_data)
    with pytest.raises(InvalidPolicyConfigError) as caught:
        check_policy(config, bound_registry)
    assert [(e.path, e.code) for e in caught.value.errors] == [
        (("purposes", "reviews", "categories", 0), "policy.unknown_category"),
        (("purposes", "contact", "categories", 0), "policy.unknown_category"),
        (("processors", "ovh_mail", "receives", 0), "policy.unknown_category"),
        (("processors", "ovh_mail", "receives", 6), "policy.unknown_category"),
        (("processors", "contact_form", "receives", 0), "policy.unknown_category"),
        (("source_categories", 0), "policy.unknown_category"),
        (("external_categories", "carts.saved", "id"), "policy.category_clash"),
        (("registry", "reviews.authors"), "policy.uncovered_category"),
    ]
    first = caught.value.errors[0]
    assert first.params == {"category": "reviews.autors"}
    assert first.message("en") == (
        "No provider and no external category declares the category reviews.autors."
    )


def test_check_policy_refuses_a_registry_bound_to_other_periods(
    klickit_config: PolicyConfig,
) -> None:
    """Decision 0015: the notice prints the registry's periods, so they must be the
    configuration's; a registry bound to the library defaults with a configured P30D would
    print one figure and sweep another."""
    changed = policy_from_mapping(
        {"created": "2025-01-01", "updated": "2025-01-01", "retention": {"orders.unpaid": "P60D"}}
    )
    registry = default_privacy_registry().bind(RetentionSchedule.defaults())
    with pytest.raises(InvalidPolicyConfigError) as caught:
        check_policy(changed, registry)
    mismatches = [e.path for e in caught.value.errors if e.code == "policy.schedule_mismatch"]
    assert mismatches == [("retention", "orders.unpaid")]
    check_policy(klickit_config, default_privacy_registry().bind(klickit_config.schedule()))


def test_purposes_and_processors_for_a_category(klickit_config: PolicyConfig) -> None:
    """PRV-7: who processes and who receives a category, in file order."""
    assert [p.id for p in klickit_config.purposes_for("sessions.visitor")] == ["visit"]
    assert [p.id for p in klickit_config.processors_for("mailbox.messages")] == [
        "ovh_mail",
        "contact_form",
    ]
    assert klickit_config.purposes_for("nothing.here") == ()
    assert klickit_config.processor("o2switch") is not None
    assert klickit_config.processor("nobody") is None


# ---------------------------------------------------------------------------- the legal minimum
_MINIMUM_RULE = "orders.completed"  # Code de commerce L123-22: at least ten years


@st.composite
def _periods_around_the_minimum(draw: st.DrawFn) -> Period:
    unit = draw(st.sampled_from(["years", "months", "days"]))
    if unit == "years":
        return Period.years(draw(st.integers(0, 25)))
    if unit == "months":
        return Period.months(draw(st.integers(0, 240)))
    return Period.days(draw(st.integers(3660 - 400, 3660 + 400) | st.integers(0, 5000)))


def _expected_ok(period: Period) -> bool:
    """Independent of ``Period.at_least``: ten years is 120 months; in days it is counted
    conservatively, 366 days a year (RetentionSchedule's documented rule)."""
    if period.unit.value == "years":
        return period.amount >= 10
    if period.unit.value == "months":
        return period.amount >= 120
    return period.amount >= 3660


@given(_periods_around_the_minimum())
def test_overrides_are_held_to_the_legal_minimum(period: Period) -> None:
    """PRV-1, PRV-8: an override at or above the rule's legal minimum is accepted as given;
    below it (or zero), refused under ("retention", rule id)."""
    data = {
        "created": "2025-01-01",
        "updated": "2025-01-01",
        "retention": {_MINIMUM_RULE: period.iso},
    }
    if _expected_ok(period):
        config = policy_from_mapping(data)
        assert config.retention[_MINIMUM_RULE] == period
        assert config.schedule().rule(_MINIMUM_RULE).period == period
        return
    with pytest.raises(InvalidPolicyConfigError) as caught:
        policy_from_mapping(data)
    expected = "retention.zero_period" if period.is_zero else "retention.below_minimum"
    assert [(e.path, e.code) for e in caught.value.errors] == [
        (("retention", _MINIMUM_RULE), expected)
    ]


def test_the_minimum_boundaries_exactly() -> None:
    """PRV-1: the boundaries the property draws around, checked one by one."""
    for text, ok in (
        ("P10Y", True),
        ("P9Y", False),
        ("P120M", True),
        ("P119M", False),
        ("P3660D", True),
        ("P3659D", False),
    ):
        data = {
            "created": "2025-01-01",
            "updated": "2025-01-01",
            "retention": {_MINIMUM_RULE: text},
        }
        if ok:
            assert policy_from_mapping(data).retention[_MINIMUM_RULE] == Period.parse(text)
        else:
            with pytest.raises(InvalidPolicyConfigError):
                policy_from_mapping(data)
