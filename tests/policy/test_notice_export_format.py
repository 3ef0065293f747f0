"""PRV-8, PRV-3, issue #19 item 9: the notice states the file an access request is
answered with, read from the shop's ``PrivacySettings.export_format`` (as the cookie
section reads the codec), in French and English.

Klickit's policy: « Il faudra alors ouvrir le fichier comportant l'extension HTML dans
votre navigateur Web habituel. » The library's default shop delivers that HTML file, and
its notice says so; a shop that keeps the ZIP archive gets a notice that says ZIP.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from klickit_core.bootstrap import Shop, build_shop
from klickit_core.cart.domain.cookie import CartCookieCodec, SigningKey
from klickit_core.payments.fraud import default_fraud_screen
from klickit_core.policy.config import PolicyConfig
from klickit_core.policy.notice import EXPORT_FILES, NoticeFacts, build_notice, notice_facts
from klickit_core.privacy.records import ExportFormat
from klickit_core.privacy.registry import BoundRegistry
from klickit_core.privacy.settings import PrivacySettings
from klickit_core.shared.i18n import translate

KEY = SigningKey("k1", b"k" * 32)

#: What each format is called in the notice, in each language (written out, so that a
#: wrong catalogue entry fails here).
SAID = {
    ("fr", ExportFormat.HTML): "télécharger un fichier HTML, qui s'ouvre dans n'importe quel "
    "navigateur Web et contient aussi les mêmes données au format JSON",
    ("en", ExportFormat.HTML): "download an HTML file you can open in any web browser, with "
    "the same data in JSON inside it",
    ("fr", ExportFormat.ZIP): "télécharger une archive ZIP contenant une page HTML, qui "
    "s'ouvre dans n'importe quel navigateur Web, et un fichier JSON avec les mêmes données",
    ("en", ExportFormat.ZIP): "download a ZIP archive holding an HTML page you can open in "
    "any web browser and a JSON file with the same data",
}


def _klickit_shop(config: PolicyConfig, privacy: PrivacySettings | None = None) -> Shop:
    """Klickit's shop: the cart cookie its configuration states (the notice refuses a shop
    whose cookie differs), and ``privacy``."""
    cookie = config.cart_cookie
    assert cookie is not None
    return build_shop(
        cart_keys=[KEY],
        cart_max_age=cookie.max_age,
        cart_session_cookie=cookie.session,
        privacy=privacy or PrivacySettings(),
    )


@pytest.fixture(scope="module", params=list(ExportFormat))
def shop(request: pytest.FixtureRequest, klickit_config: PolicyConfig) -> Iterator[Shop]:
    """Klickit's shop, delivering each format."""
    made = _klickit_shop(klickit_config, PrivacySettings(export_format=request.param))
    yield made
    made.close()


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_rights_section_names_the_file_the_shop_delivers(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any], shop: Shop, locale: str
) -> None:
    """PRV-8, PRV-3: the access right's answer is described as the shop's setting makes
    it; the other format's words are absent."""
    delivered = shop.privacy_settings.export_format
    facts = notice_facts(shop)
    assert facts.export_format is delivered
    rights = build_notice(klickit_config, bound_registry, facts, locale=locale).section("rights")
    text = rights.text()
    assert SAID[(locale, delivered)] in text
    (other,) = [f for f in ExportFormat if f is not delivered]
    assert translate(EXPORT_FILES[other], locale) not in text


def test_klickits_default_shop_says_what_its_policy_promises(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """PRV-8, issue #19 item 9: the library's default shop delivers « le fichier
    comportant l'extension HTML », and its French notice says it is an HTML file to open
    in a browser, never a ZIP."""
    default = _klickit_shop(klickit_config)
    try:
        assert default.privacy_settings.export_format is ExportFormat.HTML
        built = build_notice(klickit_config, bound_registry, notice_facts(default), locale="fr")
    finally:
        default.close()
    text = built.section("rights").text()
    assert SAID[("fr", ExportFormat.HTML)] in text
    assert "ZIP" not in "\n".join(section.text() for section in built.sections)


def test_notice_facts_take_the_format_from_the_shop_unless_told(shop: Shop) -> None:
    """PRV-8: ``notice_facts(shop)`` reads the shop's setting; a format given by name
    replaces it; from parts alone it is the library's default (HTML)."""
    setting = shop.privacy_settings.export_format
    assert notice_facts(shop).export_format is setting
    assert notice_facts(shop, export_format="zip").export_format is ExportFormat.ZIP
    assert notice_facts(shop, export_format=ExportFormat.HTML).export_format is ExportFormat.HTML
    parts = notice_facts(cart_cookie=shop.cart_cookie, fraud=shop.fraud)
    assert parts.export_format is ExportFormat.HTML
    codec = CartCookieCodec([KEY])
    assert NoticeFacts.from_parts(codec, default_fraud_screen()).export_format is ExportFormat.HTML
    with pytest.raises(ValueError, match="pdf"):
        NoticeFacts.from_parts(codec, default_fraud_screen(), "pdf")
