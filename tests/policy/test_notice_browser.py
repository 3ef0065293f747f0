"""PRV-8 in a real browser: the privacy notice (French and English) opens in headless
Chromium from disk, asks for nothing but the page itself, runs nothing, shows its title and
its sections, and gives the screenshots the docs show (``docs/_static/policy/``), checked
for size and content (not pixel-compared: fonts differ between machines).

Under CI (``CI`` set) a missing Chromium or Playwright fails these tests instead of
skipping them; locally they are skipped.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from klickit_core.adapters.policy.notice_html import render_notice_html
from klickit_core.cart.domain.cookie import CartCookieCodec, SigningKey
from klickit_core.payments.fraud import default_fraud_screen
from klickit_core.policy.config import PolicyConfig
from klickit_core.policy.notice import NoticeFacts, build_notice
from klickit_core.privacy.registry import BoundRegistry

from ..offline_page import Visit, keep_if_changed, png_size

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "_static" / "policy"
#: Klickit's shop: a session cart cookie valid one day after the last change.
FACTS = NoticeFacts.from_parts(
    CartCookieCodec([SigningKey("k1", b"k" * 32)], max_age=timedelta(days=1), session_cookie=True),
    default_fraud_screen(),
)
#: The part of the page the docs show.
DOCS_CLIP = {"x": 0, "y": 0, "width": 1024, "height": 1280}
HOSTILE = '<img src="https://tracker.example/x.png" onerror="alert(1)"><script>alert(2)</script>'


@pytest.mark.parametrize(
    ("locale", "title", "headings"),
    [
        (
            "fr",
            "Politique de confidentialité — Klickit SAS",
            [
                "Qui est responsable de vos données",
                "Combien de temps nous conservons vos données",
                "Cookies que nous déposons",
                "Décisions automatisées",
            ],
        ),
        (
            "en",
            "Privacy notice — Klickit SAS",
            [
                "Who is responsible for your data",
                "How long we keep your data",
                "Cookies we place",
                "Automated decisions",
            ],
        ),
    ],
)
def test_the_notice_opens_offline_and_looks_right(
    browser: Any,
    tmp_path: Path,
    klickit_config: PolicyConfig,
    bound_registry: BoundRegistry[Any],
    locale: str,
    title: str,
    headings: list[str],
) -> None:
    """PRV-8: each notice is a page a browser shows on its own: no request but the page,
    no error, no script; its title and section headings are visible; the screenshot the
    docs show is taken here."""
    notice = build_notice(klickit_config, bound_registry, FACTS, locale=locale)
    page_file = tmp_path / f"notice-{locale}.html"
    page_file.write_text(render_notice_html(notice), encoding="utf-8")
    visit = Visit(browser, page_file)
    try:
        page = visit.open()
        assert visit.requests == [visit.url]  # the file itself, nothing else
        assert visit.problems == []
        assert page.title() == title
        assert page.evaluate("document.documentElement.lang") == locale
        assert page.locator("script, img, link, iframe, object, embed").count() == 0
        assert page.locator("h1").inner_text() == notice.title
        shown = page.locator("main section h2").all_inner_texts()
        assert shown == [section.title for section in notice.sections]
        for heading in headings:
            assert page.get_by_role("heading", name=heading, exact=True).is_visible()
        cookie = page.locator('#cookies dd[data-key="name"]')
        assert cookie.inner_text() == "klickit_cart"
        retention_rows = page.locator("#retention tbody tr").count()
        assert retention_rows == len(notice.section("retention").table().rows)
        page.locator('nav.toc a[href="#automated_decisions"]').click()
        assert page.evaluate("location.hash") == "#automated_decisions"

        whole = tmp_path / f"notice-{locale}.png"
        page.screenshot(path=str(whole), full_page=True)
        width, height = png_size(whole.read_bytes())
        assert width == 1024
        assert height > 3 * 768  # the whole notice, several screens long
        assert whole.stat().st_size > 100_000  # text, tables, rules: not a blank page
        # The docs show the top of the page (title, contents, the first sections): the
        # whole page would weigh over a megabyte.
        shot = page.screenshot(full_page=True, clip=DOCS_CLIP)
        assert png_size(shot) == (DOCS_CLIP["width"], DOCS_CLIP["height"])
        assert len(shot) > 30_000
        keep_if_changed(SHOTS / f"notice-{locale}.png", shot)

        page.emulate_media(media="print")
        assert page.pdf(format="A4").startswith(b"%PDF")
        assert visit.requests == [visit.url]
        assert visit.problems == []
    finally:
        visit.context.close()


def test_hostile_configuration_text_stays_text(
    browser: Any, tmp_path: Path, klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """PRV-8: markup in a configuration text neither loads nor runs: the browser shows it
    as typed, and the image it names is never requested."""
    assert klickit_config.controller is not None
    config = attrs.evolve(
        klickit_config, controller=attrs.evolve(klickit_config.controller, name=HOSTILE)
    )
    notice = build_notice(config, bound_registry, FACTS, locale="fr")
    page_file = tmp_path / "notice-hostile.html"
    page_file.write_text(render_notice_html(notice), encoding="utf-8")
    visit = Visit(browser, page_file)
    try:
        page = visit.open()
        assert visit.requests == [visit.url]
        assert visit.problems == []
        assert page.locator("script, img").count() == 0
        assert page.locator("p.controller").inner_text() == HOSTILE
        assert page.locator('#controller dd[data-key="name"]').inner_text() == HOSTILE
        assert page.title() == f"Politique de confidentialité — {HOSTILE}"
    finally:
        visit.context.close()
