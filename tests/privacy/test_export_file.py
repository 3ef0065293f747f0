"""PRV-3, issue #19 item 9: the file an access request is answered with.

Klickit's policy promises « le fichier comportant l'extension HTML »; by default the
download is that one HTML page, with the export's JSON (GDPR art. 20) inside it as an inert
data block, or, for a shop that says so, the ZIP of the HTML and JSON files. The data block
gives the JSON export back byte for byte, whatever the person typed: text written to close
the element (``</script><script>…``) stays data.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klickit_core.adapters.export import HtmlBundleRenderer
from klickit_core.adapters.export.html_bundle import DATA_BLOCK_ID, json_data_block
from klickit_core.privacy.bundle import ExportBundle, bundle_to_dict, bundle_to_json
from klickit_core.privacy.records import UNKNOWN_CONTENT_TYPE, ExportFormat, StoredBundle
from klickit_core.privacy.requests import BundleDownload, bundle_archive, bundle_file
from klickit_core.shared.i18n import translate
from klickit_core.testing import strategies as kst

from .fakes import HOSTILE, NOW, data_block, sample_bundle
from .test_export import ALLOWED_TAGS, parse

#: A name written to end a data block that was not escaped, and run a script after it.
CLOSER = "</script><script>alert(1)</script>"
#: Text that tries every other way out: a comment opener, an entity, the separators.
SLIPPERY = f"{HOSTILE}\u2028<!--<script>&amp;&lt;\u2029 --> ]]> \\u003c"
RENDERER = HtmlBundleRenderer()
_INSIDE = (
    "The same data is also inside this file in JSON, a format other services can read, "
    "to take your data to another service."
)
_BESIDE = (
    "A JSON file with the same data comes with this one, to take your data to another service."
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200)
@given(json_values, st.sampled_from([None, 2]))
def test_a_data_block_holds_any_json_and_nothing_that_ends_it(
    value: Any, indent: int | None
) -> None:
    """PRV-3: whatever the JSON holds, its block text has no ``<``, ``>``, ``&``, U+2028
    or U+2029, and reads back as the same value."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    block = json_data_block(text)
    assert not set(block) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(block) == value


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_html_file_carries_the_json_export_byte_for_byte(locale: str) -> None:
    """PRV-3, GDPR art. 20: the single file is named ``….html``, served as
    ``text/html; charset=utf-8``; its one script is the inert data block, whose text is
    the escaped JSON export, which parses back to the export and dumps back to the very
    bytes of the ZIP's JSON file, hostile names included. The page still forbids every
    script (CSP ``default-src 'none'``) and says the JSON is inside it."""
    bundle = sample_bundle(locale=locale, name=CLOSER, text=SLIPPERY)
    delivered = bundle_file(bundle, RENDERER, "html")
    stem = "donnees-personnelles" if locale == "fr" else "personal-data"
    assert delivered.filename == f"{stem}-2026-11-24.html"
    assert delivered.content_type == "text/html; charset=utf-8"
    assert delivered.export_format is ExportFormat.HTML

    html = delivered.data.decode("utf-8")
    exported = bundle_to_json(bundle)
    block = data_block(html)  # exactly one script, the data block
    assert block == json_data_block(exported)
    assert json.loads(block) == bundle_to_dict(bundle) == json.loads(exported)
    assert json.dumps(json.loads(block), ensure_ascii=False, indent=2) + "\n" == exported
    assert CLOSER in json.loads(block)["sections"][0]["records"][0]["fields"][0]["value"]
    assert html.count("</script>") == 1
    assert html.count(f'id="{DATA_BLOCK_ID}"') == 1

    page = parse(html)
    assert {tag for tag, _ in page.tags} <= ALLOWED_TAGS | {"script"}
    for _tag, attributes in page.tags:
        assert not any(name.startswith("on") for name in attributes), attributes
        assert "src" not in attributes
    csp = next(a for t, a in page.tags if t == "meta" and a.get("http-equiv"))
    assert "default-src 'none'" in (csp.get("content") or "")
    assert "script-src" not in (csp.get("content") or "")
    text = "".join(page.text)
    assert translate(_INSIDE, locale) in text
    assert translate(_BESIDE, locale) not in text
    assert text.count(CLOSER) == 1  # shown as text in the page; in the block, escaped only


def test_the_zip_holds_the_page_and_the_json_file() -> None:
    """PRV-3: the ZIP format is today's archive: the page without a data block (it says
    the JSON file comes with it) and the JSON file, the same bytes as the HTML file's
    block gives back."""
    bundle = sample_bundle(name=CLOSER, text=SLIPPERY)
    delivered = bundle_file(bundle, RENDERER, ExportFormat.ZIP)
    assert (delivered.filename, delivered.content_type) == (
        "donnees-personnelles-2026-11-24.zip",
        "application/zip",
    )
    assert (delivered.filename, delivered.data) == bundle_archive(bundle, RENDERER)
    with zipfile.ZipFile(io.BytesIO(delivered.data)) as archive:
        page = archive.read("donnees-personnelles.html").decode("utf-8")
        document = archive.read("donnees-personnelles.json")
    assert document == bundle_to_json(bundle).encode("utf-8")
    assert page == RENDERER.render(bundle, "fr")
    assert "<script" not in page
    assert translate(_BESIDE, "fr") in "".join(parse(page).text)


def test_the_same_bundle_gives_the_same_bytes_and_a_bad_format_is_refused() -> None:
    """PRV-3: a file is a function of its bundle (a retried delivery stores the same
    bytes); a format that is neither ``html`` nor ``zip`` is a ``ValueError``."""
    bundle = sample_bundle()
    for wanted in ExportFormat:
        assert bundle_file(bundle, RENDERER, wanted) == bundle_file(bundle, RENDERER, wanted)
    later = sample_bundle()
    assert bundle_file(later, RENDERER, "html").data == bundle_file(bundle, RENDERER, "html").data
    with pytest.raises(ValueError, match="pdf"):
        bundle_file(bundle, RENDERER, "pdf")


@settings(max_examples=40, deadline=None)
@given(kst.export_bundles())
def test_any_bundle_comes_back_whole_from_the_html_file(bundle: ExportBundle) -> None:
    """PRV-3, X-7: on any drawn bundle, the HTML file's data block is the escaped JSON
    export and parses back to it."""
    html = bundle_file(bundle, RENDERER, "html").data.decode("utf-8")
    block = data_block(html)
    assert block == json_data_block(bundle_to_json(bundle))
    assert json.loads(block) == bundle_to_dict(bundle)


@pytest.mark.parametrize(
    ("filename", "found", "content_type"),
    [
        ("donnees-personnelles-2026-11-24.html", ExportFormat.HTML, "text/html; charset=utf-8"),
        ("personal-data-2026-11-24.ZIP", ExportFormat.ZIP, "application/zip"),
        ("donnees-personnelles.pdf", None, UNKNOWN_CONTENT_TYPE),
        ("html", None, UNKNOWN_CONTENT_TYPE),
    ],
)
def test_a_stored_file_is_served_as_what_its_name_says(
    filename: str, found: ExportFormat | None, content_type: str
) -> None:
    """PRV-3: a stored bundle (and a download) is typed by its file name's extension,
    which the library writes; a name it never writes is served as bytes to save."""
    stored = StoredBundle("b-1", "r-1", NOW, NOW + timedelta(days=7), filename, b"...")
    assert stored.export_format is found
    assert stored.content_type == content_type
    download = BundleDownload(filename, b"...")
    assert (download.export_format, download.content_type) == (found, content_type)
    assert "..." not in repr(download)
