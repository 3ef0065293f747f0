"""PRV-8: the privacy notice rendered as one self-contained HTML page and as Markdown.

The HTML page holds no script and loads nothing (inline CSS, a ``default-src 'none'``
policy); the Markdown escapes every text so a configuration cannot inject markup. Both
carry every section of the notice, with the cookie facts exactly as the codec sends them.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import attrs
import pytest
from markdown_it import MarkdownIt

from klickit_core.adapters.policy.notice_html import render_notice_html
from klickit_core.adapters.policy.notice_markdown import escape_markdown, render_notice_markdown
from klickit_core.cart.domain import Cart
from klickit_core.cart.domain.cookie import CartCookieCodec, SigningKey
from klickit_core.payments.fraud import default_fraud_screen
from klickit_core.policy.config import LocalText, PolicyConfig
from klickit_core.policy.notice import NoticeFacts, PrivacyNotice, build_notice
from klickit_core.privacy.registry import BoundRegistry

LOCALES = ("fr", "en")
KEY = SigningKey("k1", b"k" * 32)
#: Klickit's shop: a session cart cookie valid one day after the last change.
CODEC = CartCookieCodec([KEY], max_age=timedelta(days=1), session_cookie=True)
FACTS = NoticeFacts.from_parts(CODEC, default_fraud_screen())
HOSTILE = '<script>alert("x")</script> **Bold** [link](javascript:alert(1)) | a_b & `c` # h'


class Page(HTMLParser):
    """Tags, attributes and text of an HTML page, as a browser's parser reads them."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._open: list[str] = []
        self.by_tag: dict[str, list[str]] = {}
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            while self._open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._open:
            self.by_tag.setdefault(self._open[-1], []).append(data)

    def attributes(self, tag: str) -> list[dict[str, str | None]]:
        return [found for name, found in self.tags if name == tag]


def notice_in(
    config: PolicyConfig, registry: BoundRegistry[Any], locale: str, facts: NoticeFacts = FACTS
) -> PrivacyNotice:
    return build_notice(config, registry, facts, locale=locale)


def hostile_config(config: PolicyConfig) -> PolicyConfig:
    """Klickit's configuration with hostile texts where a configuration puts free text."""
    assert config.controller is not None
    first = config.processors[0]
    return attrs.evolve(
        config,
        controller=attrs.evolve(config.controller, name=HOSTILE),
        processors=(
            attrs.evolve(first, name=HOSTILE, service=LocalText(HOSTILE, HOSTILE)),
            *config.processors[1:],
        ),
        security_measures=(LocalText(f"1. {HOSTILE}", f"- {HOSTILE}"),),
    )


# ---------------------------------------------------------------------------- HTML
@pytest.mark.parametrize("locale", LOCALES)
def test_html_is_a_complete_self_contained_document(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any], locale: str
) -> None:
    """PRV-8: a whole document in the notice's language; inline CSS only, no script, no
    element that loads anything, a CSP that would block it anyway."""
    built = notice_in(klickit_config, bound_registry, locale)
    text = render_notice_html(built)
    assert text.startswith("<!DOCTYPE html>\n")
    page = Page(text)
    assert page.attributes("html") == [{"lang": locale}]
    names = {name for name, _ in page.tags}
    assert {"head", "title", "style", "body", "main", "nav"} <= names
    assert not names & {"script", "link", "img", "iframe", "object", "embed", "base", "form"}
    loaded = [
        (name, key)
        for name, found in page.tags
        for key in found
        if key in {"src", "srcset", "background", "poster", "data"}
    ]
    assert loaded == []
    assert all(
        str(found.get("href", "")).startswith("#") for found in page.attributes("a")
    )  # anchors inside the page only
    csp = [
        found["content"]
        for found in page.attributes("meta")
        if found.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp == [
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
    ]
    style = "".join(page.by_tag["style"])
    assert "@import" not in style
    assert "url(" not in style
    assert page.by_tag["title"] == [f"{built.title} — Klickit SAS"]


@pytest.mark.parametrize("locale", LOCALES)
def test_html_has_every_section_with_its_heading(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any], locale: str
) -> None:
    """PRV-8: one ``<section>`` per notice section, anchored by its id, linked from the
    table of contents, with the translated title as its heading."""
    built = notice_in(klickit_config, bound_registry, locale)
    page = Page(render_notice_html(built))
    sections = [found["id"] for found in page.attributes("section")]
    assert sections == list(built.section_ids)
    links = [found["href"] for found in page.attributes("a")]
    assert links == [f"#{section_id}" for section_id in built.section_ids]
    headings = page.by_tag["h2"]
    assert headings == [built.contents_title, *(s.title for s in built.sections)]
    assert page.by_tag["h1"] == [built.title]


def test_html_tables_and_facts_carry_stable_keys(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """PRV-8: each row says which category, purpose or processor it is, and the cookie's
    technical attributes are the ones its codec sends."""
    built = notice_in(klickit_config, bound_registry, "en")
    page = Page(render_notice_html(built))
    rows = [found["data-key"] for found in page.attributes("tr") if "data-key" in found]
    expected = [
        row.key for section in built.sections for block in section.blocks
        if block.kind == "table" for row in block.rows  # type: ignore[union-attr]
    ]  # fmt: skip
    assert rows == expected
    assert "orders.completed" in rows
    assert "google_drive" in rows
    text = render_notice_html(built)
    header = CODEC.set_cookie_header(Cart(), datetime(2026, 12, 7, tzinfo=UTC))
    attributes = header.split("; ", 1)[1]
    assert f'<dd data-key="attributes">{attributes}</dd>' in text


@pytest.mark.parametrize("locale", LOCALES)
def test_html_escapes_configuration_texts(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any], locale: str
) -> None:
    """PRV-8: a configuration text is text, never markup."""
    built = notice_in(hostile_config(klickit_config), bound_registry, locale)
    text = render_notice_html(built)
    assert "<script" not in text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; **Bold**" in text
    page = Page(text)
    assert "script" not in {name for name, _ in page.tags}
    assert page.by_tag["title"] == [f"{built.title} — {HOSTILE}"]
    assert HOSTILE in "".join(page.text)


# ---------------------------------------------------------------------------- Markdown
@pytest.mark.parametrize("locale", LOCALES)
def test_markdown_has_every_section_heading(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any], locale: str
) -> None:
    """PRV-8: a ``#`` title and one ``##`` heading per section, in order; each table has
    its header, separator and one line per row."""
    built = notice_in(klickit_config, bound_registry, locale)
    text = render_notice_markdown(built)
    lines = text.splitlines()
    assert lines[0] == f"# {escape_markdown(built.title)}"
    assert [line[3:] for line in lines if line.startswith("## ")] == [
        escape_markdown(section.title) for section in built.sections
    ]
    assert "\n\n\n" not in text
    assert text.endswith("\n")
    retention = built.section("retention").table()
    table_lines = [line for line in lines if line.startswith("| ")]
    first = table_lines.index("| " + " | ".join(retention.headers) + " |")
    assert lines[lines.index(table_lines[first]) + 1] == "| --- | --- | --- |"
    assert table_lines[first + 1] == "| --- | --- | --- |"
    rows = table_lines[first + 2 : first + 2 + len(retention.rows)]
    assert len(rows) == len(retention.rows)
    assert rows[0] == "| " + " | ".join(escape_markdown(c) for c in retention.rows[0].cells) + " |"

    rendered = MarkdownIt("commonmark").enable("table").render(text)
    assert rendered.count("<h2>") == len(built.sections)
    assert rendered.count("<table>") == sum(
        1 for s in built.sections for b in s.blocks if b.kind == "table"
    )
    assert f"<td>{html.escape(retention.rows[0].cells[1], quote=False)}</td>" in rendered


@pytest.mark.parametrize("locale", LOCALES)
def test_markdown_escapes_a_hostile_configuration_text(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any], locale: str
) -> None:
    """PRV-8: Markdown specials in configuration texts are escaped: no raw HTML, no
    emphasis, no link, no broken table, no list or heading made out of a text."""
    built = notice_in(hostile_config(klickit_config), bound_registry, locale)
    text = render_notice_markdown(built)
    assert "<script>" not in text
    assert escape_markdown(HOSTILE) in text
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    assert "<script" not in rendered
    assert "<strong>Bold</strong>" not in rendered
    assert "<a " not in rendered
    assert "<code>" not in rendered
    assert html.escape(HOSTILE) in rendered  # shown as typed
    recipients = built.section("recipients").table()
    row = next(line for line in text.splitlines() if "Bold" in line and line.startswith("| "))
    assert row.count(" | ") == len(recipients.headers) - 1  # the "|" did not split a cell
    measure = {"fr": "1. ", "en": "- "}[locale]
    assert f"<li>{html.escape(measure + HOSTILE)}</li>" in rendered


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text, 10 ans (RGPD art. 6(1)(a)).", "plain text, 10 ans (RGPD art. 6(1)(a))."),
        ("**bold** _it_", "\\*\\*bold\\*\\* \\_it\\_"),
        ("<b>&amp;</b>", "\\<b\\>\\&amp;\\</b\\>"),
        ("[x](y)", "\\[x\\](y)"),
        ("a | b", "a \\| b"),
        ("# title", "\\# title"),
        ("- item", "\\- item"),
        ("+ item", "\\+ item"),
        ("12. item", "12\\. item"),
        ("3) item", "3\\) item"),
        ("line one\nline two\r\n  three", "line one line two three"),
        ("`code` ~strike~ \\", "\\`code\\` \\~strike\\~ \\\\"),
    ],
)
def test_escape_markdown(text: str, expected: str) -> None:
    """PRV-8: the escaping of one text (CommonMark backslash escapes, one line)."""
    assert escape_markdown(text) == expected
    rendered = MarkdownIt("commonmark").enable("table").render(escape_markdown(text))
    if text.strip():
        assert rendered.startswith("<p>")
