"""The record of processing as printable HTML (PRV-7): one sheet per printed page, inline
CSS, no script and no external resource, every configuration text escaped."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from klickit_core.adapters.policy import render_register_html
from klickit_core.bootstrap import default_privacy_registry
from klickit_core.policy.config import PolicyConfig, policy_from_mapping
from klickit_core.policy.register import build_register
from klickit_core.privacy.registry import BoundRegistry

Data = dict[str, Any]
HOSTILE_PURPOSE = '<script>alert("register")</script>'
HOSTILE_PROCESSOR = '"><img src=x onerror=alert(1)>'
HOSTILE_MEASURE = "</style><link rel=stylesheet href=https://evil.example/x.css>"


class _Page(HTMLParser):
    """Every start tag with its attributes, and the text of each ``<section>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


@pytest.fixture(scope="module")
def html_fr(klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]) -> str:
    return render_register_html(build_register(klickit_config, bound_registry, locale="fr"))


def _assert_self_contained(html: str, *, texts_without_urls: bool = True) -> None:
    """No tag or attribute that loads, runs or links out. When no configuration text holds
    a web address, none appears anywhere in the page either."""
    page = _parse(html)
    names = {tag for tag, _ in page.tags}
    assert not names & {"script", "link", "img", "iframe", "object", "embed", "base", "form"}
    for _tag, attributes in page.tags:
        assert "src" not in attributes
        assert not any(name.startswith("on") for name in attributes)
        href = attributes.get("href")
        assert href is None or href.startswith("#")
    if not texts_without_urls:
        return
    assert re.search(r"\b(src|href)\s*=\s*[\"']?(https?:)?//", html) is None
    assert "http://" not in html
    assert "https://" not in html
    assert "@import" not in html
    assert "url(" not in html


def test_one_sheet_per_purpose_each_on_its_own_printed_page(
    html_fr: str, klickit_config: PolicyConfig
) -> None:
    """PRV-7: a ``<section class="sheet">`` per purpose, in order, and the print styles
    start each on a new page."""
    page = _parse(html_fr)
    sheets = [attrs["data-purpose"] for tag, attrs in page.tags if attrs.get("class") == "sheet"]
    assert sheets == [purpose.id for purpose in klickit_config.purposes]
    style = html_fr[html_fr.index("<style>") : html_fr.index("</style>")]
    print_rules = style[style.index("@media print") :]
    assert re.search(r"section\.sheet \{[^}]*break-before: page", print_rules)
    assert html_fr.startswith('<!DOCTYPE html>\n<html lang="fr">')


def test_self_contained_and_inert(html_fr: str) -> None:
    """PRV-7: inline CSS only, no script, no external resource, a CSP that blocks any."""
    _assert_self_contained(html_fr)
    assert "default-src 'none'" in html_fr
    assert html_fr.count("<style>") == 1


def test_the_period_printed_is_the_rules(html_fr: str) -> None:
    """PRV-7: the row of ``orders.completed`` carries the rule, its ISO period and its label."""
    row = re.search(
        r'<tr data-category="orders\.completed" data-period="P10Y" data-rule="orders\.completed">'
        r"\s*<td>Commandes</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>",
        html_fr,
    )
    assert row is not None
    assert row.groups() == ("10 ans", "à compter de l’achèvement", "anonymisées")


def test_headings_controller_and_transfer_in_french(html_fr: str) -> None:
    """PRV-7, X-2: French headings, the controller and the backup transfer's safeguard."""
    text = " ".join(_parse(html_fr).text)
    for expected in (
        "Registre des activités de traitement",
        "Responsable du traitement",
        "Klickit SAS",
        "Numéro SIREN",
        "842157398",
        "Catégories de personnes concernées",
        "Destinataires internes",
        "Gérants de boutique, Administrateurs",
        "Transferts hors de l’Espace économique européen",
        "États-Unis",
        "Mesures de sécurité",
        "Fiche de traitement 15 —",
    ):
        assert expected in text, expected
    assert "Aucun : tous les destinataires sont dans l’Espace économique européen." in text
    assert '<time datetime="2026-12-01">1 décembre 2026</time>' in html_fr


def test_the_register_in_english(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """PRV-7, X-2: ``lang="en"``, English headings and periods."""
    html = render_register_html(build_register(klickit_config, bound_registry, locale="en"))
    assert '<html lang="en">' in html
    text = " ".join(_parse(html).text)
    assert "Record of processing activities" in text
    assert "Categories of people" in text
    assert "10 years" in text
    assert "Registre" not in text
    _assert_self_contained(html)


def test_hostile_configuration_texts_are_escaped(klickit_data: Data) -> None:
    """PRV-7: markup in a purpose, a processor's name or a security measure is shown as
    text; no tag, attribute or resource gets into the page."""
    purpose = next(p for p in klickit_data["purposes"] if p["id"] == "orders")
    purpose["label"]["fr"] = HOSTILE_PURPOSE
    processor = next(p for p in klickit_data["processors"] if p["id"] == "google_drive")
    processor["name"] = HOSTILE_PROCESSOR
    klickit_data["security_measures"].append({"fr": HOSTILE_MEASURE, "en": HOSTILE_MEASURE})
    klickit_data["controller"]["name"] = "Klickit & <b>Co</b>"
    config = policy_from_mapping(klickit_data)
    registry = default_privacy_registry().bind(config.schedule())
    html = render_register_html(build_register(config, registry, locale="fr"))
    _assert_self_contained(html, texts_without_urls=False)
    assert "<script" not in html
    assert "<img" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;alert(&#34;register&#34;)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Klickit &amp; &lt;b&gt;Co&lt;/b&gt;" in html
    text = " ".join(_parse(html).text)
    assert HOSTILE_PURPOSE in text
    assert HOSTILE_PROCESSOR in text
    assert HOSTILE_MEASURE in text
