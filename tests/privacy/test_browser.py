"""PRV-3 in a real browser: the export's HTML file opens in headless Chromium (Debian's
package) from disk, makes no network request, logs no error, runs nothing, shows hostile
text as text, prints, and gives a screenshot that is checked (not pixel-compared: fonts
differ between machines). The single-file download (issue #19 item 9) also carries its
JSON in a data block that the browser parses and never runs.

Under CI (``CI`` set) a missing Chromium or Playwright fails these tests instead of
skipping them; ``.ci/run`` installs Debian's ``chromium``. Locally they are skipped.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from klickit_core.adapters.export import HtmlBundleRenderer
from klickit_core.privacy.bundle import bundle_to_json
from klickit_core.privacy.requests import bundle_file

from .fakes import HOSTILE, sample_bundle

pytestmark = pytest.mark.browser


def read_png(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """Width, height and pixels of an 8-bit RGB or RGBA PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, [], b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, interlace) == (8, 0)
    channels = {2: 3, 6: 4}[color]
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
                best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + best) & 0xFF
        rows.append(line)
        previous = line
    pixels = [
        tuple(row[x * channels : x * channels + 3])
        for row in rows[:: max(1, height // 200)]
        for x in range(0, width, max(1, width // 200))
    ]
    return width, height, pixels


@pytest.mark.parametrize(
    ("locale", "title"),
    [("fr", "Vos données personnelles — Klickit"), ("en", "Your personal data — Klickit")],
)
def test_the_file_opens_offline_without_errors_and_looks_right(
    browser: Any, tmp_path: Path, locale: str, title: str
) -> None:
    bundle = sample_bundle(locale=locale, name=HOSTILE, text=f"Avis : {HOSTILE}\nmerci")
    page_file = tmp_path / f"klickit-data-{locale}.html"
    page_file.write_text(HtmlBundleRenderer().render(bundle, locale), encoding="utf-8")
    (tmp_path / f"klickit-data-{locale}.json").write_text(bundle_to_json(bundle), "utf-8")
    url = page_file.as_uri()

    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type in {"error", "warning"}
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on("dialog", lambda dialog: (problems.append("dialog"), dialog.dismiss()))
    try:
        page.goto(url, wait_until="load")
        page.wait_for_timeout(200)

        assert requests == [url]  # the file itself, nothing else
        assert problems == []
        assert page.title() == title
        assert page.locator("script, img, link, iframe, object, embed").count() == 0
        assert page.evaluate("typeof window.alert") == "function"  # nothing replaced it
        name_cell = page.locator('td[data-key="name"]')
        assert not name_cell.is_visible()  # folded (issue #16) until its title is clicked
        page.locator("details.record > summary").first.click()
        assert name_cell.inner_text() == HOSTILE  # shown as text
        sections = page.locator("section.data-section h2").all_inner_texts()
        assert sections == ["Short notes"]
        assert page.locator("nav.toc a").count() == 2
        headings = page.locator("h2").all_inner_texts()
        assert len(headings) >= 4

        shot = tmp_path / f"klickit-data-{locale}.png"
        page.screenshot(path=str(shot), full_page=True)
        width, height, pixels = read_png(shot.read_bytes())
        assert width == 1024
        assert height > 768  # the whole page, longer than one screen
        assert len(set(pixels)) > 20  # not blank: text, rules, the accent colour
        assert sum(1 for p in pixels if max(p) < 100) > 10  # dark text
        assert sum(1 for p in pixels if min(p) > 240) > len(pixels) // 2  # on a light page
        assert any(p[0] > 100 and p[1] < 60 and p[2] < 90 for p in pixels)  # the title colour

        page.emulate_media(media="print")
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")
        assert requests == [url]
        assert problems == []
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_single_html_file_opens_and_its_data_block_parses(
    browser: Any, tmp_path: Path, locale: str
) -> None:
    """PRV-3, issue #19 item 9: the download itself (one ``.html`` file, the JSON inside)
    opens from disk with no request but the file, no error, no dialog: the data block is
    never run, even with a name written to close it. Its text parses in the browser to
    the JSON export, the page shows the same name as text, and says the JSON is inside."""
    closer = "</script><script>alert(1)</script>"
    bundle = sample_bundle(locale=locale, name=closer, text=f"{HOSTILE}\u2028<!--<script>")
    delivered = bundle_file(bundle, HtmlBundleRenderer(), "html")
    page_file = tmp_path / delivered.filename
    page_file.write_bytes(delivered.data)
    url = page_file.as_uri()

    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type in {"error", "warning"}
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on("dialog", lambda dialog: (problems.append("dialog"), dialog.dismiss()))
    try:
        page.goto(url, wait_until="load")
        page.wait_for_timeout(200)
        assert requests == [url]
        assert problems == []
        assert page.locator("script").count() == 1
        assert page.locator('script[type="application/json"]#export-data').count() == 1
        parsed = page.evaluate("JSON.parse(document.getElementById('export-data').textContent)")
        assert parsed == json.loads(bundle_to_json(bundle))
        assert page.locator('td[data-key="name"]').text_content() == closer
        intro = page.locator("header").inner_text()
        assert "JSON" in intro
        assert ("au format JSON" if locale == "fr" else "inside this file in JSON") in intro
        assert page.title().endswith("— Klickit")
    finally:
        context.close()
