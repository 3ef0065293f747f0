"""PRV-3, issue #16 ("The export a customer receives"): the page a person reads shows what
their data means, not how the shop stores it, while the JSON inside it keeps the codes.

A customer with ten orders (:mod:`.ten_orders`) exports her data in French and in English.
In the text her browser shows (the JSON data block left out) there is no status, purpose,
shipping method or country code, no internal id (``ord…``, ``pay…``, ``cust…``, a staff
id) and nothing of the login of the operator who ran the export; her orders are named by
their numbers wherever another record points to them; every time is Paris time, said once
at the top; her account comes first, then her orders and their payments. The JSON keeps
every code and id, but not the operator's login either: it is her file too.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from klickit_core.adapters.export import HtmlBundleRenderer
from klickit_core.adapters.export.html_bundle import READING_ORDER, reading_order
from klickit_core.personal_data import ExportField, PartKind, Shown, shown_code
from klickit_core.personal_data.errors import InvalidExportItemError
from klickit_core.privacy.settings import InvalidPrivacySettingsError, PrivacySettings
from klickit_core.shared.i18n import translate

from .fakes import data_block, sample_bundle
from .ten_orders import (
    CUSTOMER_ID,
    EMAIL,
    INTERNAL_IDS,
    OPERATOR,
    ORDER_IDS,
    ORDER_NUMBERS,
    RAW_CODES,
    export_page,
    ten_order_shop,
)

LOCALES = ["fr", "en"]
#: A code that is also a word (``completed``) may stand in a sentence; one with a
#: separator (``terms_of_sale``, ``colissimo-fr``, ``customers.read``) never does.
SEPARATED = tuple(code for code in RAW_CODES if re.search(r"[_.-]", code))


class VisibleText(HTMLParser):
    """What a browser shows of a page: its text, outside ``<script>`` (the JSON data
    block) and ``<style>``, headings and value cells apart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.cells: list[dict[str, str]] = []
        self.summaries: list[str] = []
        self.sections: list[str] = []
        self._hidden = 0
        self._cell: dict[str, str] | None = None
        self._summary: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag in ("script", "style"):
            self._hidden += 1
        elif tag == "td" and "data-key" in attributes:
            self._cell = attributes | {"text": ""}
        elif tag == "summary":
            self._summary = []
        elif tag == "section" and "data-category" in attributes:
            self.sections.append(attributes["data-category"])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1
        elif tag == "td" and self._cell is not None:
            self.cells.append(self._cell)
            self._cell = None
        elif tag == "summary" and self._summary is not None:
            self.summaries.append("".join(self._summary))
            self._summary = None

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        self.parts.append(data)
        if self._cell is not None:
            self._cell["text"] += data
        if self._summary is not None:
            self._summary.append(data)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def visible(html: str) -> VisibleText:
    page = VisibleText()
    page.feed(html)
    page.close()
    return page


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    """Her file in each language, from one shop (the second export lists the first)."""
    shop = ten_order_shop()
    return {locale: export_page(shop, locale) for locale in LOCALES}


@pytest.mark.parametrize("locale", LOCALES)
def test_no_code_internal_id_or_login_is_shown(pages: dict[str, str], locale: str) -> None:
    """PRV-3, issue #16: the visible text holds no raw code (statuses, purposes such as
    ``terms_of_sale``, shipping methods such as ``colissimo-fr``, the country code
    ``FR``), no internal id (``ord…``, ``pay…``, ``cust…``, a staff id) and nothing of
    the operator's login; no value cell shows its code as it is stored."""
    page = visible(pages[locale])
    text = page.text
    for code in SEPARATED:
        assert code not in text, code
    for internal in INTERNAL_IDS:
        assert internal not in text, internal
    assert re.search(r"\b(ord|pay|cust)0\d{5,}", text) is None
    assert OPERATOR not in text
    assert re.search(r"\bFR\b", text) is None
    assert "France" in text  # the addresses' country, by its name
    coded = [cell for cell in page.cells if cell["data-value"] in RAW_CODES]
    assert len(coded) > 40  # statuses, methods, purposes, channels, roles, actions...
    for cell in coded:
        assert cell["text"].strip() != cell["data-value"], cell
    for heading in page.summaries:
        assert not set(re.findall(r"[\w.-]+", heading)) & set(RAW_CODES), heading
        assert "UTC" not in heading


@pytest.mark.parametrize("locale", LOCALES)
def test_the_json_keeps_the_codes_and_ids_but_not_the_login(
    pages: dict[str, str], locale: str
) -> None:
    """PRV-3, GDPR art. 20, issue #16: the data block is still the machine-readable
    export, with the codes and ids a program reads (``captured``, ``terms_of_sale``,
    ``colissimo-fr``, the country ``FR``, the orders' ids); the operator's login is
    nowhere in the file, the JSON included (the staff member is ``system:operator``)."""
    html = pages[locale]
    assert OPERATOR not in html
    document = json.loads(data_block(html))
    values = json.dumps(document, ensure_ascii=False)
    for code in ("captured", "terms_of_sale", "colissimo-fr", "completed", *ORDER_IDS):
        assert f'"{code}"' in values, code
    assert "\\nFR" in values  # the addresses' last line
    assert document["subject"] == {"email": EMAIL, "customer_id": CUSTOMER_ID}
    staff = [
        field["value"]
        for section in document["sections"]
        if section["category"] == "staff.access_log"
        for record in section["records"]
        for field in record["fields"]
        if field["key"] == "staff"
    ]
    assert set(staff) == {"manager-1", "system:operator"}  # each export adds a read


def test_the_shop_logs_keep_the_operator() -> None:
    """X-6, issue #16: the access log and the audit log still name the operator who ran
    the export (their label), though her file does not."""
    shop = ten_order_shop()
    export_page(shop, "fr")
    with shop.unit_of_work() as uow:
        actors = {entry.actor_id for entry in uow.access_log.entries()}
    assert f"system:operator:{OPERATOR}" in actors


@pytest.mark.parametrize("locale", LOCALES)
def test_cross_references_name_orders_by_their_numbers(pages: dict[str, str], locale: str) -> None:
    """PRV-3, issue #16: a payment, a consent to the terms of sale, a support request
    names the order by the number she knows (``KL-…``); her account by its email."""
    page = visible(pages[locale])
    for key in ("order_id", "order"):
        shown = [c["text"] for c in page.cells if c["data-key"] == key and c["data-value"]]
        assert shown, key
        assert set(shown) <= set(ORDER_NUMBERS), key
    payments = [cell for cell in page.cells if cell["data-key"] == "order_id"]
    assert {cell["data-value"] for cell in payments} <= set(ORDER_IDS)
    accounts = {c["text"] for c in page.cells if c["data-key"] in ("customer_account", "account")}
    assert accounts == {EMAIL}
    for number in ORDER_NUMBERS:
        assert any(number in heading for heading in page.summaries), number


@pytest.mark.parametrize(("locale", "paris"), [("fr", "l’heure de Paris"), ("en", "Paris time")])
def test_every_time_is_paris_time_said_once(pages: dict[str, str], locale: str, paris: str) -> None:
    """PRV-3, issue #16: the page says once, at the top, that times are Paris time; no
    heading says UTC, and a record's heading shows the same time as its row."""
    page = visible(pages[locale])
    assert page.text.count(paris) == 1
    assert page.text.index(paris) < page.text.index(translate("What this file holds", locale))
    assert "UTC" not in page.text
    times = {cell["text"] for cell in page.cells if cell["data-key"] == "at"}
    read = translate("Read by the staff", locale)
    staff_reads = [heading for heading in page.summaries if heading.startswith(read)]
    assert len(staff_reads) >= 2
    for heading in staff_reads:
        assert heading.removeprefix(read).strip() in times, heading


@pytest.mark.parametrize("locale", LOCALES)
def test_the_account_comes_first_then_orders_and_payments(
    pages: dict[str, str], locale: str
) -> None:
    """PRV-3, issue #16: the account first, then the orders, then their payments, then
    the rest; the JSON keeps the registry's order (payments first)."""
    html = pages[locale]
    shown = visible(html).sections
    assert shown[0] == "accounts.customers"
    orders = [index for index, category in enumerate(shown) if category.startswith("orders.")]
    payments = shown.index("payments.details")
    assert orders
    assert max(i for i in orders if shown[i] != "orders.support_requests") < payments
    assert shown[: len(shown)] == [c for c in READING_ORDER if c in shown] + [
        c for c in shown if c not in READING_ORDER
    ]
    in_json = [section["category"] for section in json.loads(data_block(html))["sections"]]
    assert in_json[0] == "payments.details"
    assert sorted(in_json) == sorted(shown)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_summary_comes_first_and_every_record_is_folded(
    pages: dict[str, str], locale: str
) -> None:
    """PRV-3, issue #16: a summary table lists each section with its number of records
    before any record; each record is a ``<details>`` element, folded, opened with no
    script."""
    html = pages[locale]
    document = json.loads(data_block(html))
    summary = visible(html[html.index('<nav class="toc"') : html.index("</nav>")]).text
    for section in document["sections"]:
        assert f"{section['title']}{len(section['records'])}" in summary.replace("\n", "")
    records = sum(len(section["records"]) for section in document["sections"])
    assert html.count('<details class="record">') == records
    assert '<details class="record" open' not in html
    assert html.index('<nav class="toc"') < html.index('<details class="record">')
    assert "<script" not in html.replace('<script type="application/json" id="export-data">', "")
    assert "details::details-content" in html  # the print rule that unfolds them


@pytest.mark.parametrize(
    ("staff_name", "locale", "shown"),
    [
        (None, "fr", "L’équipe Boutique Test"),
        (None, "en", "The Boutique Test team"),
        ("Service client", "fr", "Service client"),
    ],
)
def test_the_shop_says_how_its_staff_are_named(
    staff_name: str | None, locale: str, shown: str
) -> None:
    """PRV-3, issue #16: a staff read names the staff as the shop's setting says
    (``PrivacySettings.staff_name``), or « l'équipe <shop> » by default, with the role's
    label; never an id nor a login."""
    shop = ten_order_shop(shop_name="Boutique Test", staff_name=staff_name)
    page = visible(export_page(shop, locale))
    staff = [cell["text"] for cell in page.cells if cell["data-key"] == "staff"]
    assert staff == [shown, shown]
    roles = [cell["text"] for cell in page.cells if cell["data-key"] == "role"]
    assert roles == [
        translate("Shop manager", locale),
        translate("Shop administration tool, run by the staff", locale),
    ]
    assert "Boutique Test" in page.text


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_a_blank_or_endless_staff_name_is_refused(name: str) -> None:
    """Issue #16: the staff's name heads staff reads in every export: blank or longer
    than 200 characters is refused by the settings."""
    with pytest.raises(InvalidPrivacySettingsError):
        PrivacySettings(staff_name=name)


def test_shown_parts_are_checked_and_codes_without_a_label_stay_as_they_are() -> None:
    """PRV-3: a provider's display parts are values checked like the rest (a time is
    aware, a link says what to show when the record is gone); a code with no label is
    shown as it is, and a value without parts as before."""
    assert shown_code({"captured": "Paid"}, "captured") == (Shown.label("Paid"),)
    assert shown_code({"captured": "Paid"}, "shop_own_code") is None
    assert shown_code({}, None) is None
    with pytest.raises(InvalidExportItemError):
        Shown(PartKind.TIME)
    with pytest.raises(InvalidExportItemError):
        Shown(PartKind.RECORD, "ord1")
    with pytest.raises(InvalidExportItemError):
        ExportField("status", "Status", "captured", shown=())
    bundle = sample_bundle()
    assert reading_order(bundle.sections) == list(bundle.sections)
    html = HtmlBundleRenderer().render(bundle, "fr")
    assert "MUG-BDX" in visible(html).text
