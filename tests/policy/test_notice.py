"""PRV-8: the privacy notice is built from the configuration, the bound registry and the
shop's own facts (cart cookie codec, fraud screen), so what it says is what the code does.

Each test checks the notice's plain values; the renderers have their own tests
(``test_notice_render.py``), and a real browser opens the pages (``test_notice_browser.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from babel.messages.extract import extract_from_file

from klickit_core.bootstrap import Shop, build_shop, default_privacy_registry
from klickit_core.cart.domain import Cart, CartLine
from klickit_core.cart.domain.cookie import CartCookieCodec, SigningKey
from klickit_core.payments.fraud import (
    AmountThresholdRule,
    CountryMismatchRule,
    EmailVelocityRule,
    FailedPaymentBurstRule,
    FraudContext,
    FraudHistory,
    FraudScreen,
    FraudSignal,
    FraudVerdict,
    IpVelocityRule,
    default_fraud_screen,
)
from klickit_core.personal_data import CLOCK_EVENT_LABELS
from klickit_core.policy import notice as notice_module
from klickit_core.policy.completeness import IncompletePolicyError
from klickit_core.policy.config import (
    RIGHT_LABELS,
    InvalidPolicyConfigError,
    LocalText,
    PolicyConfig,
    Right,
    check_policy,
    policy_from_mapping,
)
from klickit_core.policy.notice import (
    SECTION_IDS,
    CookieFacts,
    NoticeFacts,
    PrivacyNotice,
    ScreenRule,
    UnknownNoticeSectionError,
    build_notice,
    notice_facts,
)
from klickit_core.privacy.registry import BoundRegistry
from klickit_core.shared.i18n import translate
from klickit_core.shared.locales import UnsupportedLocaleError
from klickit_core.shared.serialisation import unstructure

LOCALES = ("fr", "en")
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
KEY = SigningKey("k1", b"k" * 32)
#: The cart cookie of Klickit's configuration (``[cart_cookie]``): a session cookie that
#: the server refuses a day after the cart's last change.
KLICKIT_COOKIE = {"cart_max_age": timedelta(days=1), "cart_session_cookie": True}
#: The facts of Klickit's shop: that cookie, Secure, and the default fraud screen.
DEFAULT_FACTS_CODEC = CartCookieCodec([KEY], max_age=timedelta(days=1), session_cookie=True)
DEFAULT_FACTS = NoticeFacts.from_parts(DEFAULT_FACTS_CODEC, default_fraud_screen())


@pytest.fixture(scope="module")
def shop() -> Iterator[Shop]:
    """Klickit's shop (its session cart cookie, the default fraud screen)."""
    made = build_shop(cart_keys=[KEY], **KLICKIT_COOKIE)  # type: ignore[arg-type]
    yield made
    made.close()


def notice(
    config: PolicyConfig,
    registry: BoundRegistry[Any],
    locale: str = "en",
    *,
    facts: NoticeFacts | None = None,
) -> PrivacyNotice:
    return build_notice(config, registry, facts or DEFAULT_FACTS, locale=locale)


# ---------------------------------------------------------------------------- sections
@pytest.mark.parametrize("locale", LOCALES)
def test_klickit_notice_has_every_section_in_order(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any], locale: str
) -> None:
    """PRV-8, art. 13: every item has its section, in the articles' order; no art. 14
    section since Klickit obtains nothing from elsewhere."""
    built = notice(klickit_config, bound_registry, locale)
    assert built.section_ids == tuple(s for s in SECTION_IDS if s != "sources")
    assert built.locale == locale
    assert built.controller == "Klickit SAS"
    assert built.title == translate("Privacy notice", locale)
    assert built.updated_iso == "2026-12-01"
    assert "2026" in built.updated
    assert all(section.blocks for section in built.sections)


def test_french_notice_is_in_french(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """PRV-8, X-2: the French notice translates every sentence of the library."""
    french = notice(klickit_config, bound_registry, "fr")
    english = notice(klickit_config, bound_registry, "en")
    assert french.title == "Politique de confidentialité"
    for fr_section, en_section in zip(french.sections, english.sections, strict=True):
        assert fr_section.id == en_section.id
        assert fr_section.title != en_section.title
    assert french.section("controller").title == "Qui est responsable de vos données"
    assert french.updated == "Dernière mise à jour : 1 décembre 2026"
    text = french.section("automated_decisions").text()
    assert "décision fondée exclusivement sur un traitement automatisé" in text


def test_locale_forms_and_unsupported_locale(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """X-2: every form of a supported locale gives the same notice; another is refused."""
    assert notice(klickit_config, bound_registry, "fr-FR") == notice(
        klickit_config, bound_registry, "fr"
    )
    with pytest.raises(UnsupportedLocaleError):
        notice(klickit_config, bound_registry, "de")


def test_unknown_section_is_a_typed_error(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """PRV-8: asking for a section the notice lacks names it, typed."""
    built = notice(klickit_config, bound_registry)
    with pytest.raises(UnknownNoticeSectionError) as caught:
        built.section("sources")
    assert caught.value.code == "policy.unknown_notice_section"
    assert caught.value.details == {"section": "sources"}


def test_controller_and_contact(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """Art. 13(1)(a), (b): the controller's identity and the privacy contact."""
    section = notice(klickit_config, bound_registry).section("controller")
    facts = section.facts()
    assert facts.value("name") == "Klickit SAS"
    assert facts.value("email") == "contact@klickit.fr"
    assert facts.value("siren") == "842157398"
    with pytest.raises(KeyError):
        facts.value("phone")  # none configured: no empty line
    text = section.text()
    assert "write to donnees-personnelles@klickit.fr." in text
    assert "Our data protection officer" not in text  # Klickit has none

    assert klickit_config.privacy_contact is not None
    with_dpo = attrs.evolve(
        klickit_config,
        privacy_contact=attrs.evolve(klickit_config.privacy_contact, dpo_name="Camille Martin"),
    )
    text = notice(with_dpo, bound_registry, "fr").section("controller").text()
    assert "Notre délégué à la protection des données, Camille Martin," in text


@pytest.mark.parametrize("locale", LOCALES)
def test_every_purpose_with_its_legal_basis(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any], locale: str
) -> None:
    """Art. 13(1)(c): every purpose, with its legal basis label and its data by label."""
    table = notice(klickit_config, bound_registry, locale).section("purposes").table()
    assert [row.key for row in table.rows] == [p.id for p in klickit_config.purposes]
    for purpose in klickit_config.purposes:
        assert purpose.basis is not None
        row = table.row(purpose.id)
        assert row.cells[0] == purpose.label.get(locale)
        assert row.cells[1] == translate(purpose.basis.label, locale)
    reviews = table.row("reviews")
    assert reviews.cells[1] == translate("Your consent (GDPR art. 6(1)(a))", locale)
    assert translate("Reviews", locale) in reviews.cells[2]


def test_legitimate_interests_are_listed(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """Art. 13(1)(d): each purpose on legitimate interests names the interest."""
    section = notice(klickit_config, bound_registry, "fr").section("legitimate_interests")
    relied = [p for p in klickit_config.purposes if p.legal_basis == "gdpr.6_1_f"]
    assert len(relied) >= 4
    items = section.blocks[1].items  # type: ignore[union-attr]
    assert len(items) == len(relied)
    for item, purpose in zip(items, relied, strict=True):
        assert purpose.legitimate_interest is not None
        assert item == f"{purpose.label.fr} : {purpose.legitimate_interest.fr}"


def test_recipients_say_what_each_receives_and_where(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """Art. 13(1)(e): every processor, its service, the categories it receives (their
    labels, not ids) and its country; staff reads are logged since the registry holds the
    access log."""
    section = notice(klickit_config, bound_registry, "fr").section("recipients")
    table = section.table()
    assert [row.key for row in table.rows] == [p.id for p in klickit_config.processors]
    drive = table.row("google_drive")
    assert drive.cells == (
        "Google LLC (Google Drive)",
        "Conserve les sauvegardes chiffrées de la boutique.",
        "Sauvegardes de la base de données de la boutique",
        "États-Unis",
    )
    gateway = table.row("payment_gateway")
    assert gateway.cells[3] == "Irlande"
    assert gateway.cells[2].split(", ")[0] == translate("Payments", "fr")
    assert "payments.details" not in section.text()
    assert "Chaque consultation de vos données par un membre de l’équipe" in section.text()


def test_transfers_outside_the_eea_with_their_safeguard(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """Art. 13(1)(f): the one processor outside the EEA, with its safeguard; with none
    abroad, the notice says there is no transfer."""
    section = notice(klickit_config, bound_registry).section("transfers")
    rows = section.table().rows
    assert [row.key for row in rows] == ["google_drive"]
    assert rows[0].cells[1] == "United States"
    assert rows[0].cells[2].startswith("Google LLC is certified under the EU-US Data Privacy")

    at_home = attrs.evolve(
        klickit_config,
        processors=tuple(
            attrs.evolve(p, country="FR", safeguard=None) for p in klickit_config.processors
        ),
    )
    section = notice(at_home, bound_registry).section("transfers")
    assert section.text().splitlines()[1:] == [
        "Your data is not transferred outside the European Economic Area."
    ]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_registry_category_with_the_period_of_its_rule(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any], locale: str
) -> None:
    """Art. 13(2)(a), decision 0015: one row per registry category, its period printed by
    ``Period.label`` from the bound rule and the clock event's label; then the external
    categories with their configured periods."""
    table = notice(klickit_config, bound_registry, locale).section("retention").table()
    entries = bound_registry.entries()
    externals = klickit_config.external_categories
    assert [row.key for row in table.rows] == [e.category.id for e in entries] + [
        c.id for c in externals
    ]
    for entry in entries:
        rule = bound_registry.rule_for(entry.category.id)
        label, period, counted = table.row(entry.category.id).cells
        assert label == translate(entry.category.label, locale)
        assert period.split(", ")[0] == rule.period.label(locale)
        assert counted == translate(CLOCK_EVENT_LABELS[rule.starts], locale)
    orders = table.row("orders.completed").cells
    assert (
        orders[1] == {"fr": "10 ans, puis anonymisées", "en": "10 years, then anonymised"}[locale]
    )
    for category in externals:
        assert category.period is not None
        assert category.starts is not None
        assert table.row(category.id).cells == (
            category.label.get(locale),
            category.period.label(locale),
            category.starts.get(locale),
        )
    assert table.row("backups.site").cells[1] == {"fr": "30\xa0jours", "en": "30 days"}[locale]


def test_a_configured_period_reaches_the_notice_through_the_schedule(
    klickit_data: dict[str, Any],
) -> None:
    """Decision 0015: a period set in the configuration becomes the shop's schedule, and
    the notice prints the schedule's figure; a registry bound to another schedule is
    refused rather than printed."""
    klickit_data["retention"]["sessions.visitor"] = "P14D"
    config = policy_from_mapping(klickit_data)
    registry = default_privacy_registry().bind(config.schedule())
    table = notice(config, registry, "fr").section("retention").table()
    assert table.row("sessions.visitor").cells[1] == "14\xa0jours, puis supprimées"

    stale = default_privacy_registry().bind(attrs.evolve(config, retention={}).schedule())
    with pytest.raises(InvalidPolicyConfigError) as caught:
        notice(config, stale)
    assert [e.code for e in caught.value.errors] == ["policy.schedule_mismatch"]


def test_no_sentence_of_the_notice_writes_a_duration() -> None:
    """Decision 0015: durations come from ``Period.label`` and the cookie codec only; no
    msgid of the notice spells one out."""
    messages = [
        message
        for _, message, _, _ in extract_from_file(
            "python", notice_module.__file__, keywords={"N_": None}
        )
    ]
    assert len(messages) > 60
    duration = re.compile(
        r"\b(two|three|five|six|ten|days?|weeks?|months?|years?|hours?)\b|\d+ ?[a-z]", re.I
    )
    assert [m for m in messages if duration.search(m)] == []


@pytest.mark.parametrize("locale", LOCALES)
def test_rights_and_how_to_exercise_them(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any], locale: str
) -> None:
    """Art. 13(2)(b) to (d): every right in a fixed order, the complaint naming the
    authority and its address, and the contact to write to."""
    section = notice(klickit_config, bound_registry, locale).section("rights")
    items = section.blocks[1].items  # type: ignore[union-attr]
    assert [item.split(" :" if locale == "fr" else ":")[0] for item in items] == [
        translate(RIGHT_LABELS[right], locale) for right in Right
    ]
    assert "(CNIL, https://www.cnil.fr)" in items[-1]
    assert "donnees-personnelles@klickit.fr" in section.text()
    assert "12 cours de l'Intendance" in section.text()


def test_missing_rights_are_an_incomplete_policy(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """Art. 13(2)(b): a notice is never rendered without a right the article lists."""
    partial = attrs.evolve(klickit_config, rights=klickit_config.rights - {Right.PORTABILITY})
    with pytest.raises(IncompletePolicyError) as caught:
        notice(partial, bound_registry)
    assert [m.item for m in caught.value.missing] == ["right:portability"]


@pytest.mark.parametrize(
    ("change", "items"),
    [
        ({"controller": None}, ["controller_identity"]),
        ({"privacy_contact": None}, ["privacy_contact"]),
        ({"authority": None}, ["complaint"]),
        ({"controller": None, "authority": None}, ["controller_identity", "complaint"]),
    ],
)
def test_incomplete_configuration_is_refused(
    klickit_config: PolicyConfig,
    bound_registry: BoundRegistry[Any],
    change: dict[str, Any],
    items: list[str],
) -> None:
    """PRV-8, decision 0015: rendering from an incomplete configuration raises
    ``IncompletePolicyError`` listing every missing item."""
    with pytest.raises(IncompletePolicyError) as caught:
        notice(attrs.evolve(klickit_config, **change), bound_registry)
    assert caught.value.code == "policy.incomplete"
    assert [m.item for m in caught.value.missing] == items


def test_requirement_per_purpose(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """Art. 13(2)(e): for each purpose, whether the data is required and what happens
    without it."""
    table = notice(klickit_config, bound_registry, "fr").section("requirement").table()
    assert [row.key for row in table.rows] == [p.id for p in klickit_config.purposes]
    for purpose in klickit_config.purposes:
        required, consequence = table.row(purpose.id).cells[1:]
        expected = {
            "contract": "Oui, pour conclure ou exécuter le contrat",
            "legal": "Oui, la loi l’impose",
            "none": "Non",
        }[str(purpose.requirement)]
        assert required == expected
        assert consequence == (purpose.consequence.fr if purpose.consequence else "—")


def test_sources_section_when_data_comes_from_elsewhere(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """Art. 14(1)(d), 14(2)(f): the sources and the categories obtained from them."""
    config = attrs.evolve(
        klickit_config,
        sources=(LocalText("Nos partenaires de livraison", "Our delivery partners"),),
        source_categories=("orders.completed",),
    )
    built = notice(config, bound_registry, "en")
    assert built.section_ids[-1] == "sources"
    text = built.section("sources").text()
    assert "Our delivery partners" in text
    assert "The data we obtain this way: Orders." in text


# ---------------------------------------------------------------------------- cookies
def parse_set_cookie(header: str) -> tuple[str, dict[str, str | bool]]:
    """The cookie name and its attributes from a ``Set-Cookie`` value."""
    first, *attributes = header.split("; ")
    name = first.split("=", 1)[0]
    found: dict[str, str | bool] = {}
    for attribute in attributes:
        key, sep, value = attribute.partition("=")
        found[key.lower()] = value if sep else True
    return name, found


@pytest.mark.parametrize(
    ("max_age", "secure", "lifetime_en", "lifetime_fr"),
    [
        (timedelta(days=30), True, "30 days", "30\xa0jours"),
        (timedelta(days=7), False, "7 days", "7\xa0jours"),
        (timedelta(hours=12), True, "12 hours", "12\xa0heures"),
        (timedelta(seconds=90), False, "90 seconds", "90\xa0secondes"),
    ],
)
def test_cookie_section_is_what_the_codec_sends(
    klickit_config: PolicyConfig,
    bound_registry: BoundRegistry[Any],
    max_age: timedelta,
    secure: bool,
    lifetime_en: str,
    lifetime_fr: str,
) -> None:
    """PRV-8, CRT-3: the cookie's name, lifetime and flags in the notice are the ones the
    shop's ``Set-Cookie`` header carries, whatever ``cart_max_age`` and ``cookie_secure``
    the shop was built with (a configuration that states no ``[cart_cookie]``)."""
    klickit_config = attrs.evolve(klickit_config, cart_cookie=None)
    shop = build_shop(cart_keys=[KEY], cart_max_age=max_age, cookie_secure=secure)
    cart = Cart((CartLine("SKU-1", 2),))
    header = shop.cart_cookie.set_cookie_header(cart, NOW)
    assert shop.cart.cookie(cart).header().split("; ", 1)[1] == header.split("; ", 1)[1]
    name, sent = parse_set_cookie(header)

    facts = notice_facts(shop).cookie
    assert facts.name == name == "klickit_cart"
    assert facts.max_age == int(str(sent["max-age"])) == int(max_age.total_seconds())
    assert facts.lifetime == max_age
    assert facts.secure is ("secure" in sent) is secure
    assert facts.http_only is ("httponly" in sent) is True
    assert facts.same_site == sent["samesite"] == "Lax"
    assert facts.attributes == header.split("; ", 1)[1]

    for locale, lifetime in (("en", lifetime_en), ("fr", lifetime_fr)):
        section = notice(klickit_config, bound_registry, locale, facts=notice_facts(shop))
        shown = section.section("cookies").facts()
        assert shown.value("name") == name
        assert shown.value("lifetime").startswith(f"{lifetime}, ")
        assert shown.value("attributes") == header.split("; ", 1)[1]
        yes, no = translate("Yes", locale), translate("No", locale)
        assert shown.value("secure") == (f"{yes} (Secure)" if secure else no)
        assert shown.value("http_only") == f"{yes} (HttpOnly)"
        assert shown.value("same_site").endswith("(SameSite=Lax)")
    shop.close()


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Kept until you close your browser (and at most 1 day after your last change)"),
        (
            "fr",
            "Conservé jusqu’à la fermeture de votre navigateur (et au plus 1\xa0jour après "
            "votre dernière modification)",
        ),
    ],
)
def test_a_session_cookie_is_said_to_last_the_visit(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any], locale: str, expected: str
) -> None:
    """PRV-8, CRT-3 (issue #19, item 7): Klickit's cart cookie is a session cookie, « pendant
    que vous visitez notre site »: the notice says so, with the server's bound, and its
    attributes are the header's, without ``Max-Age``."""
    shop = build_shop(cart_keys=[KEY], **KLICKIT_COOKIE)  # type: ignore[arg-type]
    header = shop.cart_cookie.set_cookie_header(Cart((CartLine("SKU-1", 2),)), NOW)
    name, sent = parse_set_cookie(header)
    assert "max-age" not in sent
    assert "expires" not in sent
    facts = notice_facts(shop).cookie
    assert facts.session is True
    assert facts.attributes == header.split("; ", 1)[1] == "Path=/; Secure; HttpOnly; SameSite=Lax"
    shown = notice(klickit_config, bound_registry, locale, facts=notice_facts(shop))
    cookies = shown.section("cookies").facts()
    assert cookies.value("name") == name
    assert cookies.value("lifetime") == expected
    assert cookies.value("attributes") == facts.attributes
    shop.close()


@pytest.mark.parametrize(
    ("options", "paths"),
    [
        ({}, [("cart_cookie", "session"), ("cart_cookie", "max_age")]),
        ({"cart_session_cookie": True}, [("cart_cookie", "max_age")]),
        ({"cart_max_age": timedelta(days=1)}, [("cart_cookie", "session")]),
        (
            {"cart_max_age": timedelta(hours=23), "cart_session_cookie": True},
            [("cart_cookie", "max_age")],
        ),
    ],
)
def test_a_shop_whose_cookie_differs_from_the_configuration_is_refused(
    klickit_config: PolicyConfig,
    bound_registry: BoundRegistry[Any],
    options: dict[str, Any],
    paths: list[tuple[str, str]],
) -> None:
    """PRV-8, CRT-3 (issue #19): the configuration says "session cookie, one day"; a shop
    built otherwise gets no notice, and ``check_policy`` names each setting that differs,
    as it does for a period (``policy.schedule_mismatch``)."""
    shop = build_shop(cart_keys=[KEY], **options)
    with pytest.raises(InvalidPolicyConfigError) as refused:
        build_notice(klickit_config, bound_registry, notice_facts(shop), locale="en")
    assert [(e.path, e.code) for e in refused.value.errors] == [
        (path, "policy.cookie_mismatch") for path in paths
    ]
    with pytest.raises(InvalidPolicyConfigError) as checked:
        check_policy(klickit_config, bound_registry, cart_cookie=shop.cart_cookie)
    assert checked.value.errors == refused.value.errors
    assert checked.value.errors[0].message("fr").startswith("Le cookie de panier de la boutique")
    check_policy(klickit_config, bound_registry)  # no codec given: nothing to compare
    klickit_shop = build_shop(cart_keys=[KEY], **KLICKIT_COOKIE)  # type: ignore[arg-type]
    check_policy(klickit_config, bound_registry, cart_cookie=klickit_shop.cart_cookie)
    shop.close()
    klickit_shop.close()


def test_cookie_facts_follow_the_codec_settings() -> None:
    """CRT-3: another name, path, domain and SameSite are read from the codec, not assumed."""
    codec = CartCookieCodec(
        [KEY],
        name="panier",
        max_age=timedelta(days=2),
        path="/boutique",
        domain="example.fr",
        same_site="Strict",
    )
    facts = CookieFacts.from_codec(codec)
    assert facts.attributes == (
        "Path=/boutique; Max-Age=172800; Domain=example.fr; Secure; HttpOnly; SameSite=Strict"
    )
    name_value, attributes = codec.set_cookie_header(Cart(), NOW).split("; ", 1)
    assert name_value.startswith("panier=1.k1.")
    assert attributes == facts.attributes
    assert facts.name == "panier"
    assert facts.same_site == "Strict"


def test_cookie_needs_no_consent_sentence(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """LEGAL-ANCHORS: cart cookies need no consent; the notice says why and holds only
    SKUs and quantities."""
    section = notice(klickit_config, bound_registry, "fr").section("cookies")
    text = section.text()
    assert "il n’est donc pas soumis à votre consentement" in text
    assert "loi Informatique et Libertés, art. 82" in text
    assert (
        section.facts()
        .value("content")
        .startswith("Uniquement les références et les quantités des produits")
    )


# ---------------------------------------------------------------------------- automated decisions
class _AlwaysDeny:
    """A shop's own rule that says nothing about its verdicts."""

    name = "blocklist"

    def assess(self, context: FraudContext, history: FraudHistory) -> FraudSignal | None:
        return FraudSignal(self.name, FraudVerdict.DENY, "blocked")


@attrs.frozen
class _Described:
    """A shop's own rule that declares its verdicts and what it looks at."""

    verdicts: frozenset[FraudVerdict]
    description: str = "the time of day"
    name: str = "night_orders"

    def assess(self, context: FraudContext, history: FraudHistory) -> FraudSignal | None:
        return None


@pytest.mark.parametrize(
    "screen",
    [
        FraudScreen([]),
        FraudScreen([CountryMismatchRule(), AmountThresholdRule()]),
        FraudScreen([_Described(frozenset({FraudVerdict.REVIEW}))]),
    ],
    ids=["no-rules", "review-only", "own-review-rule"],
)
def test_no_automated_decision_when_the_screen_cannot_deny(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any], screen: FraudScreen
) -> None:
    """Art. 13(2)(f), art. 22: a screen that can only hold orders for a person decides
    nothing on its own, and the notice says there is no automated decision."""
    shop = build_shop(cart_keys=[KEY], fraud=screen, **KLICKIT_COOKIE)  # type: ignore[arg-type]
    facts = notice_facts(shop)
    assert facts.can_deny is False
    assert facts.deny_rules == ()
    for locale in LOCALES:
        section = notice(klickit_config, bound_registry, locale, facts=facts).section(
            "automated_decisions"
        )
        lines = section.text().splitlines()
        assert lines[1] == translate(notice_module._T["automated_none"], locale)
        assert not any("(GDPR art. 22). The checks that can refuse" in line for line in lines)
        assert "donnees-personnelles@klickit.fr" not in section.text()
        if screen.rules:
            assert lines[2] == translate(notice_module._T["screen_review_only"], locale)
        else:
            assert len(lines) == 2
    shop.close()


def test_default_screen_is_an_automated_decision_with_human_review(
    shop: Shop, klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """Art. 13(2)(f), art. 22(3): the default screen can deny (velocity and failure-burst
    rules): the notice says so, names what those rules look at, that flagged orders are
    reviewed by a person, and how to ask for a human review of a refusal."""
    facts = notice_facts(shop)
    assert facts.can_deny is True
    assert facts.deny_rules == (
        notice_module.RULE_DESCRIPTIONS[EmailVelocityRule],
        notice_module.RULE_DESCRIPTIONS[IpVelocityRule],
        notice_module.RULE_DESCRIPTIONS[FailedPaymentBurstRule],
    )
    assert facts.review_rules == (
        notice_module.RULE_DESCRIPTIONS[CountryMismatchRule],
        notice_module.RULE_DESCRIPTIONS[AmountThresholdRule],
    )
    section = notice(klickit_config, bound_registry, "en", facts=facts).section(
        "automated_decisions"
    )
    text = section.text()
    assert "a decision based solely on automated processing (GDPR art. 22)" in text
    assert "how many payments failed for the same email address" in text
    assert "held until a member of our staff reviews it" in text
    assert "whether the billing and delivery countries differ" in text
    assert text.splitlines()[-1] == (
        "If one of your orders was refused by these checks, you may ask for a member of our "
        "staff to review the decision, express your point of view and contest the decision, "
        "by writing to donnees-personnelles@klickit.fr."
    )
    assert "We take no decision about you" not in text

    french = notice(klickit_config, bound_registry, "fr", facts=facts)
    text = french.section("automated_decisions").text()
    assert "vous pouvez demander qu’un membre de notre équipe réexamine la décision" in text
    assert "le montant de la commande" in text


@pytest.mark.parametrize(
    ("rule", "verdicts"),
    [
        (EmailVelocityRule(), {FraudVerdict.REVIEW, FraudVerdict.DENY}),
        (EmailVelocityRule(review_at=4, deny_at=4), {FraudVerdict.DENY}),
        (IpVelocityRule(), {FraudVerdict.REVIEW, FraudVerdict.DENY}),
        (FailedPaymentBurstRule(), {FraudVerdict.DENY}),
        (CountryMismatchRule(), {FraudVerdict.REVIEW}),
        (CountryMismatchRule(verdict=FraudVerdict.DENY), {FraudVerdict.DENY}),
        (AmountThresholdRule(verdict=FraudVerdict.DENY), {FraudVerdict.DENY}),
        (_AlwaysDeny(), {FraudVerdict.REVIEW, FraudVerdict.DENY}),
        (_Described(frozenset({FraudVerdict.REVIEW})), {FraudVerdict.REVIEW}),
    ],
)
def test_what_each_rule_can_decide(rule: Any, verdicts: set[FraudVerdict]) -> None:
    """Art. 22: a rule configured to deny counts as an automated decision; a shop's own
    rule that does not declare its verdicts is taken to be able to deny (the notice never
    says "none" on a guess)."""
    assert ScreenRule.of(rule).verdicts == verdicts


def test_a_shop_rule_set_to_deny_names_what_it_looks_at(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """Art. 13(2)(f): the rule's own description (or a generic one) is listed."""
    screen = FraudScreen([AmountThresholdRule(verdict=FraudVerdict.DENY), _AlwaysDeny()])
    facts = notice_facts(cart_cookie=DEFAULT_FACTS_CODEC, fraud=screen)
    assert facts.can_deny
    items = (
        notice(klickit_config, bound_registry, "fr", facts=facts)
        .section("automated_decisions")
        .blocks[1]
        .items
    )  # type: ignore[union-attr]
    assert items == ("le montant de la commande", "un autre contrôle propre à la boutique")


def test_notice_facts_from_a_shop_or_its_parts(shop: Shop) -> None:
    """PRV-8: the facts of a shop are those of its codec and screen; a part given by name
    replaces the shop's; nothing to read from is a TypeError."""
    assert notice_facts(shop) == NoticeFacts.from_parts(shop.cart_cookie, shop.fraud)
    assert notice_facts(cart_cookie=shop.cart_cookie, fraud=default_fraud_screen()) == (
        notice_facts(shop)
    )
    quiet = notice_facts(shop, fraud=FraudScreen([]))
    assert quiet.cookie == notice_facts(shop).cookie
    assert quiet.can_deny is False
    with pytest.raises(TypeError):
        notice_facts(cart_cookie=shop.cart_cookie)


def test_notice_converts_to_json(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """Decision 0015: the notice goes through the shared converter, each block with its
    kind, so the CLI's JSON can be rendered elsewhere."""
    data = unstructure(notice(klickit_config, bound_registry, "en"))
    assert data["locale"] == "en"
    assert [s["id"] for s in data["sections"]][:2] == ["controller", "purposes"]
    kinds = {block["kind"] for s in data["sections"] for block in s["blocks"]}
    assert kinds == {"paragraph", "list", "facts", "table"}
    cookies = next(s for s in data["sections"] if s["id"] == "cookies")
    assert cookies["blocks"][1]["facts"][0] == {
        "key": "name",
        "label": "Name",
        "value": "klickit_cart",
    }
