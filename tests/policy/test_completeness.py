"""Completeness against GDPR art. 13 and 14: what a configuration does not say, item by item
(PRV-8; decision 0015)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from klickit_core.policy import PolicyConfig, load_policy, policy_from_mapping
from klickit_core.policy.completeness import (
    IncompletePolicyError,
    MissingItem,
    missing_items,
    require_complete,
)
from klickit_core.privacy.registry import BoundRegistry

Data = dict[str, Any]
PUBLISHED = Path(__file__).resolve().parent / "data" / "klickit-published.toml"

#: What the completeness check says of Klickit's published text, in the articles' order.
PUBLISHED_GAPS = (
    ("controller_identity", "13(1)(a)"),
    ("privacy_contact", "13(1)(b)"),
    ("purposes_and_bases", "13(1)(c)"),
    ("legitimate_interests", "13(1)(d)"),
    ("recipients:backup_store", "13(1)(e)"),
    ("recipients:contact_form", "13(1)(e)"),
    ("transfers", "13(1)(f)"),
    ("retention:orders.support_requests", "13(2)(a)"),
    # Issue #19: the text says neither that an order cancelled after payment is kept ten
    # years (it says « seulement 10 jours » for cancelled operations) nor that the phone
    # and IP address of a paid order go after two.
    ("retention:orders.cancelled_after_payment", "13(2)(a)"),
    ("retention:orders.after_sales", "13(2)(a)"),
    ("retention:orders.unpaid", "13(2)(a)"),
    ("retention:sessions.visitor", "13(2)(a)"),
    ("retention:accounts.inactive", "13(2)(a)"),
    ("retention:accounts.login_attempts", "13(2)(a)"),
    ("retention:security.tokens", "13(2)(a)"),
    ("retention:security.events", "13(2)(a)"),
    ("retention:contact.messages", "13(2)(a)"),
    ("retention:staff.access_log", "13(2)(a)"),
    # Issue #19: the text names the cart cookie, not the cart saved with an account, and
    # gives published reviews no period.
    ("retention:carts.saved", "13(2)(a)"),
    ("retention:reviews.erased_authors", "13(2)(a)"),
    ("retention:reviews.published", "13(2)(a)"),
    ("retention:consents.proofs", "13(2)(a)"),
    ("retention:consents.standing", "13(2)(a)"),
    ("retention:privacy.request_proofs", "13(2)(a)"),
    ("retention:privacy.export_bundles", "13(2)(a)"),
    ("retention:mailbox.messages", "13(2)(a)"),
    ("retention:backups.site", "13(2)(a)"),
    ("right:rectification", "13(2)(b)"),
    ("right:restriction", "13(2)(b)"),
    ("right:objection", "13(2)(b)"),
    ("right:portability", "13(2)(b)"),
    ("withdraw_consent", "13(2)(c)"),
    ("complaint", "13(2)(d)"),
    ("requirement", "13(2)(e)"),
)

#: LEGAL-ANCHORS.md, "what the published Klickit text lacks", each with the items that
#: name it ("explicit no automated decisions" is the code's to answer, never missing).
LEGAL_ANCHORS_GAPS = {
    "the controller's identity and contact": {"controller_identity"},
    "the legal basis of each purpose": {"purposes_and_bases"},
    "the legitimate interests relied on": {"legitimate_interests"},
    "Google Drive and the contact-form plugin as recipients": {
        "recipients:backup_store",
        "recipients:contact_form",
    },
    "transfers outside the EU": {"transfers"},
    "retention for sessions and IP": {
        "retention:sessions.visitor",
        "retention:accounts.login_attempts",
        "retention:security.events",
    },
    "retention for accounts": {"retention:accounts.inactive"},
    "retention for reviews": {"retention:reviews.erased_authors", "retention:reviews.published"},
    "retention for contact messages": {"retention:contact.messages", "retention:mailbox.messages"},
    "retention for backups": {"retention:backups.site"},
    "the rights of rectification, restriction, objection and portability": {
        "right:rectification",
        "right:restriction",
        "right:objection",
        "right:portability",
    },
    "the right to withdraw consent": {"withdraw_consent"},
    "the right to complain to the CNIL": {"complaint"},
    "whether giving the data is required and what happens if not": {"requirement"},
}


@pytest.fixture(scope="module")
def published() -> PolicyConfig:
    """The configuration built from Klickit's published text alone."""
    return load_policy(PUBLISHED)


def _pairs(items: tuple[MissingItem, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((item.item, item.article) for item in items)


def test_the_published_text_lacks_these_items(
    published: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """PRV-8: run on Klickit's published text, the check names every gap, item by item."""
    assert _pairs(missing_items(published, bound_registry)) == PUBLISHED_GAPS


@pytest.mark.parametrize("gap", sorted(LEGAL_ANCHORS_GAPS))
def test_each_gap_legal_anchors_lists_is_named(
    published: PolicyConfig, bound_registry: BoundRegistry[Any], gap: str
) -> None:
    """PRV-8: what LEGAL-ANCHORS.md says the published text lacks, the check says too."""
    named = {item.item for item in missing_items(published, bound_registry)}
    assert LEGAL_ANCHORS_GAPS[gap] <= named


def test_the_published_text_states_what_it_states(
    published: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """PRV-8: the text's own facts are not reported missing: its two periods, access and
    erasure, the payment gateway, OVH and O2switch; automated decisions never are."""
    named = {item.item for item in missing_items(published, bound_registry)}
    for stated in (
        "retention:orders.completed",
        "retention:orders.cancelled",
        "retention:orders.failed",
        "right:access",
        "right:erasure",
        "recipients:payment_gateway",
        "recipients:mail_host",
        "recipients:web_host",
        "source_categories",
    ):
        assert stated not in named
    assert not [m for m in missing_items(published, bound_registry) if m.article == "13(2)(f)"]


def test_without_the_registry_only_the_configuration_is_examined(published: PolicyConfig) -> None:
    """PRV-8: the rules are then the library's schedule, in its order; consent is assumed
    possible while a purpose has no basis."""
    retention = [m.item for m in missing_items(published) if m.article == "13(2)(a)"]
    assert retention == [
        "retention:orders.cancelled_after_payment",
        "retention:orders.after_sales",
        "retention:orders.unpaid",
        "retention:orders.support_requests",
        "retention:sessions.visitor",
        "retention:accounts.inactive",
        "retention:carts.saved",
        "retention:accounts.login_attempts",
        "retention:security.tokens",
        "retention:security.events",
        "retention:staff.access_log",
        "retention:contact.messages",
        "retention:consents.proofs",
        "retention:consents.standing",
        "retention:reviews.erased_authors",
        "retention:reviews.published",
        "retention:privacy.export_bundles",
        "retention:privacy.request_proofs",
        "retention:mailbox.messages",
        "retention:backups.site",
    ]
    others = [m.item for m in missing_items(published) if m.article != "13(2)(a)"]
    assert others == [item for item, article in PUBLISHED_GAPS if article != "13(2)(a)"]


def test_klickit_example_is_complete(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """PRV-8: Klickit's own configuration lacks nothing, with or without the registry."""
    assert missing_items(klickit_config, bound_registry) == ()
    assert missing_items(klickit_config) == ()
    require_complete(klickit_config, bound_registry)


def test_require_complete_raises_with_the_same_items(
    published: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """Decision 0015: rendering from an incomplete configuration is refused, listing the
    same items the check gives."""
    with pytest.raises(IncompletePolicyError) as caught:
        require_complete(published, bound_registry)
    error = caught.value
    assert error.code == "policy.incomplete"
    assert error.missing == missing_items(published, bound_registry)
    assert error.details["count"] == len(PUBLISHED_GAPS)
    count = len(PUBLISHED_GAPS)
    assert str(error).startswith(f"The privacy policy configuration lacks {count} items: ")
    assert error.message("fr").startswith(
        f"Il manque {count} éléments à la configuration de la politique de confidentialité : "
        "controller_identity, privacy_contact, "
    )


def test_missing_items_read_in_both_languages(
    published: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """X-2: each item says what is missing, and what about, in French and English."""
    by_id = {m.item: m for m in missing_items(published, bound_registry)}
    assert by_id["right:portability"].message("en") == (
        "The rights of the person: Portability of your data (GDPR art. 20) (art. 13(2)(b))"
    )
    assert by_id["right:portability"].message("fr") == (
        "Les droits de la personne : Portabilité de vos données (RGPD art. 20) (art. 13(2)(b))"
    )
    assert by_id["controller_identity"].message("fr") == (
        "L’identité et les coordonnées du responsable du traitement (art. 13(1)(a))"
    )
    assert by_id["recipients:backup_store"].message("en") == (
        "The recipients of the data: Backup storage (art. 13(1)(e))"
    )
    # a rule's item names the rule by its own label; an external category has none
    assert by_id["retention:sessions.visitor"].subject == (
        "Visitor sessions: viewed products, location, IP address, browser type, address"
    )
    assert by_id["retention:backups.site"].subject is None


# ---------------------------------------------------------------------------- one gap at a time
def _item(data: Data, key: str, item_id: str) -> Data:
    found: Data = next(item for item in data[key] if item["id"] == item_id)
    return found


def _without_processor(processor_id: str) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        data["processors"] = [p for p in data["processors"] if p["id"] != processor_id]

    return change


def _without_right(right: str) -> Callable[[Data], None]:
    return lambda data: data["rights"].remove(right)


def _drop_in(key: str, item_id: str, *fields: str) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        for field in fields:
            del _item(data, key, item_id)[field]

    return change


def _without_purpose(purpose_id: str) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        data["purposes"] = [p for p in data["purposes"] if p["id"] != purpose_id]

    return change


GAP_CASES: list[tuple[str, Callable[[Data], None], tuple[str, ...]]] = [
    ("no controller", lambda d: d.pop("controller"), ("controller_identity",)),
    ("no privacy contact", lambda d: d.pop("privacy_contact"), ("privacy_contact",)),
    (
        "a purpose without basis",
        _drop_in("purposes", "visit", "legal_basis", "legitimate_interest"),
        ("purposes_and_bases", "legitimate_interests"),
    ),
    (
        "a category no purpose covers",
        _without_purpose("consent_proof"),
        ("purposes_and_bases",),
    ),
    (
        "a legitimate-interest category under another basis",
        _without_purpose("security"),
        ("purposes_and_bases", "legitimate_interests"),
    ),
    (
        "an external category no purpose covers",
        _without_purpose("backups"),
        ("purposes_and_bases",),
    ),
    ("no backup store", _without_processor("google_drive"), ("recipients:backup_store",)),
    ("no payment gateway", _without_processor("payment_gateway"), ("recipients:payment_gateway",)),
    ("no contact form service", _without_processor("contact_form"), ("recipients:contact_form",)),
    (
        "a processor that receives nothing",
        lambda d: _item(d, "processors", "o2switch").update(receives=[]),
        ("recipients:web_host",),
    ),
    ("a processor without country", _drop_in("processors", "ovh_mail", "country"), ("transfers",)),
    (
        "an external category without period",
        _drop_in("external_categories", "mailbox.messages", "period", "starts"),
        ("retention:mailbox.messages",),
    ),
    ("no portability", _without_right("portability"), ("right:portability",)),
    ("no objection", _without_right("objection"), ("right:objection",)),
    ("no withdrawal", _without_right("withdraw_consent"), ("withdraw_consent",)),
    ("no complaint right", _without_right("complaint"), ("complaint",)),
    ("no authority", lambda d: d.pop("authority"), ("complaint",)),
    (
        "a purpose silent on requirement",
        _drop_in("purposes", "visit", "requirement"),
        ("requirement",),
    ),
    (
        "data from elsewhere without its categories",
        lambda d: d.update(sources=[{"fr": "Une place de marché", "en": "A marketplace"}]),
        ("source_categories",),
    ),
]


@pytest.mark.parametrize(
    ("change", "expected"),
    [case[1:] for case in GAP_CASES],
    ids=[case[0] for case in GAP_CASES],
)
def test_each_gap_is_named_alone(
    klickit_data: Data,
    bound_registry: BoundRegistry[Any],
    change: Callable[[Data], None],
    expected: tuple[str, ...],
) -> None:
    """PRV-8: taking one fact out of the complete example names exactly that gap."""
    change(klickit_data)
    config = policy_from_mapping(klickit_data)
    assert tuple(m.item for m in missing_items(config, bound_registry)) == expected


def test_without_library_periods_every_unlisted_rule_is_named(
    klickit_data: Data, bound_registry: BoundRegistry[Any]
) -> None:
    """PRV-8 (art. 13(2)(a)): with library_periods = false only the listed rules count."""
    klickit_data["library_periods"] = False
    klickit_data["retention"] = {"orders.completed": "P10Y", "sessions.visitor": "P7D"}
    config = policy_from_mapping(klickit_data)
    named = [m.item for m in missing_items(config, bound_registry)]
    rule_ids = list(dict.fromkeys(e.category.retention_rule for e in bound_registry.entries()))
    assert named == [f"retention:{rule}" for rule in rule_ids if rule not in config.retention]
    assert len(named) == len(rule_ids) - 2 >= 15  # all but the two listed


def test_consent_and_contact_form_are_asked_for_only_when_used() -> None:
    """PRV-8: without consent-based processing nor a contact form, neither is missing."""
    config = policy_from_mapping(
        {
            "created": "2025-01-01",
            "updated": "2025-01-01",
            "purposes": [
                {
                    "id": "orders",
                    "label": {"fr": "Commandes", "en": "Orders"},
                    "legal_basis": "gdpr.6_1_b",
                    "categories": ["orders.completed"],
                    "requirement": "none",
                }
            ],
        }
    )
    named = [m.item for m in missing_items(config)]
    assert "withdraw_consent" not in named
    assert "recipients:contact_form" not in named
    assert named[:4] == [
        "controller_identity",
        "privacy_contact",
        "recipients:payment_gateway",
        "recipients:mail_host",
    ]
    assert named[-1] == "complaint"


def test_sources_with_their_categories_are_complete(
    klickit_data: Data, bound_registry: BoundRegistry[Any]
) -> None:
    """PRV-8 (art. 14(1)(d), 14(2)(f)): data from elsewhere, with its source and categories."""
    klickit_data["sources"] = [{"fr": "Une place de marché", "en": "A marketplace"}]
    klickit_data["source_categories"] = ["orders.completed"]
    assert missing_items(policy_from_mapping(klickit_data), bound_registry) == ()
