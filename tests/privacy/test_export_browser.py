"""PRV-3, issue #16 in a real browser: the export of a customer with ten orders
(:mod:`.ten_orders`), opened from disk in headless Chromium (Debian's package), in French
and in English.

It asks for nothing but the file, runs nothing, logs no error; it starts with a summary and
folds every record, which opens on a click; ten orders fit in a few screens
(:data:`MAX_PAGE_HEIGHT`), where the page used to run to some 40,000 pixels; printed, it
still shows every record. The screenshots the docs show (``docs/_static/export/``) are
taken here, checked for size (not pixel-compared: fonts differ between machines), and
written only when they changed.

Under CI (``CI`` set) a missing Chromium or Playwright fails these tests instead of
skipping them; locally they are skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..offline_page import Visit, keep_if_changed, png_size
from .ten_orders import ORDER_NUMBERS, export_page, ten_order_shop

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "_static" / "export"
#: The tallest the page of a ten-order customer may be, in CSS pixels, at a 1280-pixel
#: wide window with every record folded: six screens of 1,000 pixels, about what a person
#: scrolls through without getting lost. Issue #16 measured 38,000 pixels before the
#: records were folded (42,045 in French and 40,466 in English here); folded, the page is
#: about 4,400.
MAX_PAGE_HEIGHT = 6_000
#: The window the height is measured in.
WIDE = {"width": 1280, "height": 800}
#: The part of the page the docs show: the summary, the account, the first orders.
DOCS_CLIP = {"x": 0, "y": 0, "width": 1024, "height": 1600}
#: The value cells a record shows, and how many of them a browser lays out.
CELLS = "td[data-key]"
LAID_OUT = "[...document.querySelectorAll('td[data-key]')].filter(c => c.checkVisibility()).length"


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Her file in each language, written where a browser opens it from disk."""
    folder = tmp_path_factory.mktemp("export")
    shop = ten_order_shop()
    made = {}
    for locale in ("fr", "en"):
        path = folder / f"export-{locale}.html"
        path.write_text(export_page(shop, locale), encoding="utf-8")
        made[locale] = path
    return made


@pytest.mark.parametrize(
    ("locale", "title", "summary"),
    [
        ("fr", "Vos données personnelles — Klickit", "Ce que contient ce fichier"),
        ("en", "Your personal data — Klickit", "What this file holds"),
    ],
)
def test_the_export_opens_in_each_language_and_gives_the_docs_screenshot(
    browser: Any, pages: dict[str, Path], locale: str, title: str, summary: str
) -> None:
    """PRV-3, issue #16: the file opens offline in Chromium with no request but itself,
    no error, no script run; its summary is visible and every record folded, until a
    click on its title opens it with no script; the docs' screenshot is taken here."""
    visit = Visit(browser, pages[locale])
    try:
        page = visit.open()
        assert visit.requests == [visit.url]
        assert visit.problems == []
        assert page.title() == title
        assert page.evaluate("document.documentElement.lang") == locale
        assert page.get_by_role("heading", name=summary, exact=True).is_visible()
        assert (
            page.locator("nav.toc tbody tr").count() == page.locator("section.data-section").count()
        )
        assert page.locator("details.record[open]").count() == 0
        assert page.evaluate(LAID_OUT) == 0  # every record folded
        first_order = page.locator("details.record > summary", has_text=ORDER_NUMBERS[0]).first
        first_order.click()
        opened = page.locator("details.record[open]")
        assert opened.count() == 1
        assert opened.locator('td[data-key="number"]').inner_text() == ORDER_NUMBERS[0]
        assert page.evaluate("typeof window.alert") == "function"  # nothing replaced it

        shot = page.screenshot(full_page=True, clip=DOCS_CLIP)
        assert png_size(shot) == (DOCS_CLIP["width"], DOCS_CLIP["height"])
        assert len(shot) > 30_000  # text, tables, rules: not a blank page
        keep_if_changed(SHOTS / f"export-{locale}.png", shot)
        assert (SHOTS / f"export-{locale}.png").read_bytes() == shot
        assert visit.requests == [visit.url]
        assert visit.problems == []
    finally:
        visit.context.close()


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_ten_orders_fit_in_a_few_screens_and_print_whole(
    browser: Any, pages: dict[str, Path], locale: str
) -> None:
    """PRV-3, issue #16: at 1280 pixels wide the page of a ten-order customer is under
    :data:`MAX_PAGE_HEIGHT`; printed (Chromium's print emulation), every value cell of
    every record is laid out, folded or not, and the printout is longer than the screen."""
    visit = Visit(browser, pages[locale], WIDE)
    try:
        page = visit.open()
        height = page.evaluate("document.documentElement.scrollHeight")
        assert 0 < height < MAX_PAGE_HEIGHT, height
        cells = page.locator(CELLS).count()
        assert cells > 300  # ten orders, their lines, payments, consents...
        assert page.evaluate(LAID_OUT) == 0

        page.emulate_media(media="print")
        assert page.evaluate(LAID_OUT) == cells  # every record shows in print
        for summary in page.locator("details.record > summary").all():
            assert summary.is_visible()
        numbers = page.locator('td[data-key="number"]').all_inner_texts()
        assert sorted(numbers) == sorted(ORDER_NUMBERS)  # read as text: laid out, shown
        printed = page.evaluate("document.documentElement.scrollHeight")
        assert printed > 5 * height
        assert page.pdf(format="A4").startswith(b"%PDF")
        assert visit.requests == [visit.url]
        assert visit.problems == []
    finally:
        visit.context.close()
