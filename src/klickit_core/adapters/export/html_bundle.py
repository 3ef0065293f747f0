"""The export bundle as one self-contained HTML file (SPEC PRV-3).

The policy: « Il faudra alors ouvrir le fichier comportant l'extension HTML dans votre
navigateur Web habituel. » So the file must open offline, in any browser, and be safe:

* **self-contained**: inline CSS only; no script, no ``<link>``, no image, no remote font.
  A Content-Security-Policy ``<meta>`` (``default-src 'none'``) makes any of those inert
  even if one slipped in;
* **escaped**: Jinja2 with autoescape always on and ``StrictUndefined``; every value the
  person typed (names, reviews, messages) is text, never markup;
* **readable** (issue #16): French or English labels
  (:func:`~klickit_core.shared.i18n.translate`); codes shown as what they mean in that
  language (a status's label, a country's name: the fields' and records'
  :class:`~klickit_core.personal_data.Shown` parts), other records named by the reference
  the person knows (an order's number, never its internal id), the staff as the shop names
  them (never a login); every time in Paris time, said once at the top; numbers formatted
  by Babel for the language;
* **short** (issue #16): the account first, then the orders and their payments, then the
  rest (:func:`reading_order`); a summary of what the file holds first, then every record
  folded in a ``<details>`` element that opens on a click, with no script;
* **printable**: print styles (``@media print``) that unfold every record, so a printout
  holds everything;
* **machine-checkable**: every value cell carries its JSON type and value
  (``data-type``, ``data-value``), so the HTML and the JSON file can be compared;
* **portable on its own** (the single-file download, ``ExportFormat.HTML``): given the
  bundle's JSON, the page carries it as an inert data block,
  ``<script type="application/json" id="export-data">``, escaped by
  :func:`json_data_block` so that no text inside can close the element. A data block is
  never run (the Content-Security-Policy still forbids every script), and
  ``JSON.parse`` of its text gives the JSON export back.

The template ships in the package (``templates/bundle.html.jinja``); its wording lives
here in ``N_()`` so the gettext catalogues cover it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import jinja2
from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

from klickit_core.accounts.personal_data import ACCOUNTS_CATEGORY
from klickit_core.orders.personal_data import (
    ORDERS_CANCELLED,
    ORDERS_CANCELLED_AFTER_PAYMENT,
    ORDERS_COMPLETED,
    ORDERS_FAILED,
    ORDERS_UNPAID,
    SUPPORT_REQUESTS,
)
from klickit_core.payments.personal_data import PAYMENTS_DETAILS
from klickit_core.personal_data import (
    CLOCK_EVENT_LABELS,
    RETENTION_ACTION_LABELS,
    ExportField,
    ExportRecord,
    ExportSection,
    FieldKind,
    PartKind,
    Shown,
)
from klickit_core.privacy.bundle import CategoryNotice, ExportBundle, json_value, value_type
from klickit_core.privacy.ports import BundleRenderer
from klickit_core.shared.clock import SHOP_TIMEZONE
from klickit_core.shared.i18n import N_, translate
from klickit_core.shared.locales import LOCALES, locale_language, normalise_locale

__all__ = [
    "BABEL_LOCALES",
    "DATA_BLOCK_ID",
    "READING_ORDER",
    "HtmlBundleRenderer",
    "format_value",
    "json_data_block",
    "reading_order",
]

#: The Babel locale used for dates and numbers in each supported language.
BABEL_LOCALES = LOCALES
_EMPTY = "—"
#: The ``id`` of the page's JSON data block, for a program that reads the file.
DATA_BLOCK_ID = "export-data"
#: What :func:`json_data_block` replaces: the characters that could end the element or
#: start markup inside it (``</script>``, ``<!--``), ``&`` for good measure, and the two
#: separators older JavaScript parsers refuse inside strings.
_BLOCK_ESCAPES = str.maketrans(
    {
        "<": "\\u003c",
        ">": "\\u003e",
        "&": "\\u0026",
        "\u2028": "\\u2028",
        "\u2029": "\\u2029",
    }
)

#: The categories a person reads first, in this order: who they are to the shop (their
#: account), then what they bought and what they paid for it, then what they asked about
#: it (issue #16). Every other section follows, in the bundle's order (the registry's).
READING_ORDER = (
    ACCOUNTS_CATEGORY,
    ORDERS_COMPLETED,
    ORDERS_CANCELLED_AFTER_PAYMENT,
    ORDERS_CANCELLED,
    ORDERS_FAILED,
    ORDERS_UNPAID,
    PAYMENTS_DETAILS,
    SUPPORT_REQUESTS,
)

_TEXT = {
    "title": N_("Your personal data"),
    "intro": N_(
        "This file holds all the personal data {shop} keeps about you. It opens in any web "
        "browser, without an internet connection, and can be printed."
    ),
    "password": N_(
        "Your password is not included: for your security, we only keep a fingerprint of "
        "it that cannot be turned back into the password."
    ),
    "json": N_(
        "A JSON file with the same data comes with this one, to take your data to another service."
    ),
    "json_inside": N_(
        "The same data is also inside this file in JSON, a format other services can read, "
        "to take your data to another service."
    ),
    "times": N_("Times are given in Paris time."),
    "summary": N_("What this file holds"),
    "summary_intro": N_(
        "Each record below is folded: click its title to open it. A printout shows everything."
    ),
    "section": N_("Data"),
    "records": N_("Records"),
    "categories_count": N_("{count} kinds of data, each with why and how long we keep it"),
    "staff": N_("The {shop} team"),
    "about": N_("About this file"),
    "email": N_("Email address"),
    "account": N_("Customer account"),
    "generated": N_("Generated on"),
    "none": N_("None"),
    "contents": N_("Contents"),
    "empty": N_("Nothing is stored about you in this section."),
    "categories": N_("What we keep, why, and for how long"),
    "data": N_("Data"),
    "basis": N_("Why we keep it"),
    "period": N_("How long we keep it"),
    "source": N_("Source:"),
    "yours": N_("Your records"),
    "top": N_("Back to the contents"),
    "yes": N_("Yes"),
}
_YES, _NO = N_("Yes"), N_("No")


def format_value(field: ExportField, locale: str) -> str:
    """How a value is shown to a person in ``locale`` (before HTML escaping).

    Dates and times are shown in Paris time; numbers and amounts are formatted by Babel
    and never rounded for display.
    """
    babel_locale = normalise_locale(locale)
    language = locale_language(babel_locale)
    value = field.value
    if value is None:
        return _EMPTY
    if isinstance(value, bool):
        return translate(_YES if value else _NO, language)
    if field.kind is FieldKind.MONEY and isinstance(value, Decimal) and field.currency:
        return str(
            format_currency(value, field.currency, locale=babel_locale, decimal_quantization=False)
        )
    if isinstance(value, int | Decimal):
        return str(format_decimal(value, locale=babel_locale, decimal_quantization=False))
    if isinstance(value, datetime):
        return str(format_datetime(value, "medium", tzinfo=SHOP_TIMEZONE, locale=babel_locale))
    if isinstance(value, date):
        return str(format_date(value, "long", locale=babel_locale))
    return value


def json_data_block(text: str) -> str:
    """JSON text made safe to sit in a ``<script type="application/json">`` element.

    Inside that element HTML ends the text at the first ``</script`` and treats ``<!--``
    specially, so a name typed as ``</script><script>alert(1)</script>`` would close the
    block and open a script. ``<``, ``>``, ``&``, U+2028 and U+2029 become their JSON
    escapes (``\\u003c`` …): in JSON they can only stand inside strings, where the escape
    means the same character, so ``json.loads`` (or ``JSON.parse``) of the result equals
    that of ``text``, and the block holds no ``<`` at all.
    """
    return text.translate(_BLOCK_ESCAPES)


def _data_value(raw: str | int | bool | None) -> str:
    """The JSON value as attribute text: ``""`` for null, ``true``/``false``, digits."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def reading_order(sections: Sequence[ExportSection]) -> list[ExportSection]:
    """``sections`` as the page lists them: those of :data:`READING_ORDER`'s categories
    first, in that order, then the others as they come (issue #16). The JSON keeps the
    bundle's order."""
    rank = {category: index for index, category in enumerate(READING_ORDER)}
    return sorted(sections, key=lambda section: rank.get(section.category_id, len(rank)))


def _records(records: Sequence[ExportRecord]) -> Iterator[ExportRecord]:
    for record in records:
        yield record
        yield from _records(record.children)


class _Reader:
    """What the page needs to show a value to its reader: the language, the references
    of the records other records point to, and how the shop names its staff."""

    def __init__(self, bundle: ExportBundle, language: str) -> None:
        self.language = language
        self.locale = normalise_locale(language)
        self._countries = Locale.parse(self.locale).territories
        shop = bundle.shop_name
        self.staff = bundle.staff_name or translate(_TEXT["staff"], language).format(shop=shop)
        targets = {
            record.key: record
            for section in bundle.sections
            for record in _records(section.records)
            if record.key is not None
        }
        # A record is named by its own reference; a link inside that reference is not
        # followed (the records people point to, orders and accounts, hold none).
        self._links = {key: self.reference(record, follow=False) for key, record in targets.items()}

    def link(self, key: str) -> str | None:
        """How the page names the record whose key is ``key``, if the file holds it."""
        return self._links.get(key)

    def part(self, part: Shown, *, follow: bool = True) -> str:
        kind = part.kind
        if kind is PartKind.LABEL:
            return translate(part.text, self.language)
        if kind is PartKind.COUNTRY:
            return str(self._countries.get(part.text.upper(), part.text))
        if kind in (PartKind.TIME, PartKind.DAY) and part.at is not None:
            if kind is PartKind.DAY:
                day = part.at.astimezone(SHOP_TIMEZONE).date()
                return str(format_date(day, "long", locale=self.locale))
            return str(format_datetime(part.at, "medium", tzinfo=SHOP_TIMEZONE, locale=self.locale))
        if kind is PartKind.RECORD:
            found = self._links.get(part.text) if follow else None
            return found if found is not None else translate(part.missing, self.language)
        if kind is PartKind.STAFF:
            return self.staff
        return part.text

    def shown(self, parts: Sequence[Shown], *, follow: bool = True) -> str:
        return "".join(self.part(part, follow=follow) for part in parts)

    def value(self, field: ExportField) -> str:
        """The text of ``field``'s cell: its :class:`Shown` parts, else its value."""
        if field.shown is not None and field.value is not None:
            return self.shown(field.shown)
        return format_value(field, self.language)

    def reference(self, record: ExportRecord, *, follow: bool = True) -> str:
        if record.shown is not None:
            return self.shown(record.shown, follow=follow)
        return record.reference


def _cell(field: ExportField, reader: _Reader) -> dict[str, Any]:
    raw = json_value(field.value)
    return {
        "key": field.key,
        "label": translate(field.label, reader.language),
        "kind": str(field.kind),
        "type": value_type(field.value),
        "data_value": _data_value(raw),
        "text": reader.value(field),
        "iso": raw if isinstance(field.value, date) else None,
    }


def _record(record: ExportRecord, reader: _Reader) -> dict[str, Any]:
    return {
        "label": translate(record.label, reader.language),
        "reference": reader.reference(record),
        "fields": [_cell(field, reader) for field in record.fields],
        "children": [_record(child, reader) for child in record.children],
    }


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("klickit_core.adapters.export", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _period_text(period: str, notice: CategoryNotice, language: str) -> str:
    starts = translate(CLOCK_EVENT_LABELS[notice.rule.starts], language)
    return f"{period}, {starts}, {translate(RETENTION_ACTION_LABELS[notice.rule.action], language)}"


class HtmlBundleRenderer(BundleRenderer):
    """Renders an export bundle as one self-contained, printable HTML page."""

    extension = "html"

    def __init__(self) -> None:
        self._template = _environment().get_template("bundle.html.jinja")

    def render(self, bundle: ExportBundle, locale: str, *, embedded_json: str | None = None) -> str:
        """The page in ``locale``; with ``embedded_json`` (the bundle's JSON), the page
        carries it in its data block (:data:`DATA_BLOCK_ID`) and says so."""
        language = locale_language(locale)
        reader = _Reader(bundle, language)
        text = {key: translate(msgid, language) for key, msgid in _TEXT.items()}
        text["intro"] = text["intro"].format(shop=bundle.shop_name)
        if embedded_json is not None:
            text["json"] = text["json_inside"]
        text["categories_count"] = text["categories_count"].format(count=len(bundle.categories))
        # Escaped here for the element it sits in, and marked ``safe`` in the template:
        # autoescaping would turn ``"`` into ``&#34;``, which a script element never decodes.
        data = None if embedded_json is None else json_data_block(embedded_json)
        sections = [
            {
                "anchor": f"section-{index}",
                "title": translate(section.title, language),
                "category": section.category_id,
                "provider": section.provider,
                "records": [_record(record, reader) for record in section.records],
            }
            for index, section in enumerate(reading_order(bundle.sections), 1)
        ]
        categories = [
            {
                "id": notice.category.id,
                "label": translate(notice.category.label, language),
                "description": translate(notice.category.description, language),
                "fields": ", ".join(translate(f.label, language) for f in notice.category.fields),
                "basis": translate(notice.category.legal_basis.label, language),
                "period": _period_text(notice.rule.period.label(language), notice, language),
                "source": translate(notice.rule.source, language),
                "count": bundle.records_in(notice.category.id),
            }
            for notice in bundle.categories
        ]
        generated = format_datetime(
            bundle.generated_at, "medium", tzinfo=SHOP_TIMEZONE, locale=reader.locale
        )
        customer_id = bundle.subject.customer_id
        # The account by what the person knows it by (its email), never its internal id.
        account = None if customer_id is None else (reader.link(customer_id) or text["yes"])
        return self._template.render(
            lang=language,
            text=text,
            shop=bundle.shop_name,
            email=bundle.subject.email,
            account=account,
            generated=str(generated),
            generated_iso=json_value(bundle.generated_at),
            sections=sections,
            categories=categories,
            data=data,
            data_id=DATA_BLOCK_ID,
        )
