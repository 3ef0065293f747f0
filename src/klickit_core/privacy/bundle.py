"""The export bundle (SPEC PRV-3) and its JSON form.

An :class:`ExportBundle` holds everything the registered providers know about one person —
the sections they export — plus, for every category the shop holds, what it is, why it is
kept and for how long. It is rendered twice from the same value: as one self-contained
HTML file for people (a :class:`~klickit_core.privacy.ports.BundleRenderer`), and as JSON
for portability (:func:`bundle_to_json`).

The JSON has a documented, versioned schema shipped in the package
(``klickit_core/privacy/export-schema.json``, JSON Schema 2020-12, read with
:func:`export_schema`). It is written by :data:`export_converter`, a copy of the shared
cattrs converter (:mod:`klickit_core.shared.serialisation`) with hooks for the bundle and
its parts: a second, named rendering of the value. The shared converter still writes an
:class:`ExportBundle` as its attrs fields, which it reads back (``unstructure`` /
``structure``); the export document is for people and other programs, and is not read
back — its labels are translated, its instants are UTC ending in ``Z``
(``2026-11-24T09:00:00Z``, not ``+00:00``), and each category carries its record count.
Every value keeps its type: ``{"type": "datetime", "value": "2026-11-24T09:00:00Z"}``,
``{"type": "decimal", "value": "14.90", "currency": "EUR"}``.
Labels are given in the bundle's language beside stable keys, so a program reads the keys
and a person the labels.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

import attrs
from cattrs.preconf.json import JsonConverter

from klickit_core.personal_data import (
    CLOCK_EVENT_LABELS,
    DataCategory,
    DataSubject,
    ExportField,
    ExportRecord,
    ExportSection,
    ExportValue,
)
from klickit_core.privacy.retention import RetentionRule
from klickit_core.shared.clock import NaiveDatetimeError, ensure_utc
from klickit_core.shared.i18n import translate
from klickit_core.shared.locales import locale_language
from klickit_core.shared.serialisation import converter, current_locale

__all__ = [
    "EXPORT_FORMAT",
    "EXPORT_SCHEMA_ID",
    "EXPORT_SCHEMA_VERSION",
    "CategoryNotice",
    "ExportBundle",
    "bundle_to_dict",
    "bundle_to_json",
    "export_converter",
    "export_schema",
    "json_value",
    "value_type",
]

EXPORT_FORMAT = "klickit.personal-data-export"
#: Bumped on any change a reader could notice; readers check it before anything else.
EXPORT_SCHEMA_VERSION = 1
EXPORT_SCHEMA_ID = "urn:klickit:personal-data-export:1"


@attrs.frozen(slots=True)
class CategoryNotice:
    """One category the shop holds, with the rule that governs it: what the bundle tells
    the person about *why* and *how long*, whether or not they have data in it."""

    provider: str
    category: DataCategory
    rule: RetentionRule


@attrs.frozen(slots=True)
class ExportBundle:
    """Everything about one person, from every registered provider."""

    subject: DataSubject = attrs.field(repr=False)
    generated_at: datetime = attrs.field(converter=ensure_utc)
    #: The language of the texts (``"fr"``, ``"en"``), whatever form of it was given.
    locale: str = attrs.field(converter=locale_language)
    shop_name: str
    sections: tuple[ExportSection, ...]
    categories: tuple[CategoryNotice, ...]
    #: How the person's file names the shop's staff where a record says who read or
    #: changed their data (issue #16): never a login nor an id. ``None``: "the <shop>
    #: team" in the file's language. Not part of the JSON, whose records keep the ids.
    staff_name: str | None = attrs.field(default=None, kw_only=True)

    @property
    def record_count(self) -> int:
        """Top-level records across every section."""
        return sum(len(section.records) for section in self.sections)

    def records_in(self, category_id: str) -> int:
        """Top-level records exported for ``category_id``."""
        return sum(len(s.records) for s in self.sections if s.category_id == category_id)


# ---------------------------------------------------------------------------- values
def value_type(value: ExportValue) -> str:
    """The JSON ``type`` of an exported value: ``string``, ``integer``, ``boolean``,
    ``decimal``, ``datetime``, ``date`` or ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, Decimal):
        return "decimal"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    return "string"


def _utc_text(moment: datetime) -> str:
    # The schema's instants are UTC and end in ``Z``, where the shared converter keeps
    # whatever offset a datetime has (``+00:00``).
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveDatetimeError
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def json_value(value: ExportValue) -> str | int | bool | None:
    """The JSON ``value`` of an exported value: exact decimals and instants as text."""
    written: str | int | bool | None = export_converter.unstructure(value)
    return written


# ---------------------------------------------------------------------------- hooks
#: The language of the bundle being written, for the labels of its parts; outside a
#: bundle (a section on its own) they follow :func:`current_locale`.
_BUNDLE_LOCALE: ContextVar[str | None] = ContextVar("klickit_export_locale", default=None)


def _language() -> str:
    return _BUNDLE_LOCALE.get() or current_locale()


def _field_data(field: ExportField) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": field.key,
        "label": translate(field.label, _language()),
        "kind": str(field.kind),
        "type": value_type(field.value),
        "value": export_converter.unstructure(field.value),
    }
    if field.currency is not None:
        data["currency"] = field.currency
    return data


def _record_data(record: ExportRecord) -> dict[str, Any]:
    return {
        "label": translate(record.label, _language()),
        "reference": record.reference,
        "fields": [export_converter.unstructure(field) for field in record.fields],
        "children": [export_converter.unstructure(child) for child in record.children],
    }


def _section_data(section: ExportSection) -> dict[str, Any]:
    return {
        "provider": section.provider,
        "category": section.category_id,
        "title": translate(section.title, _language()),
        "records": [export_converter.unstructure(record) for record in section.records],
    }


def _notice_data(notice: CategoryNotice) -> dict[str, Any]:
    """A category as the bundle lists it, without its record count: that is the
    bundle's to tell (:func:`_bundle_data` adds ``records``)."""
    locale = _language()
    category, rule = notice.category, notice.rule
    return {
        "id": category.id,
        "provider": notice.provider,
        "label": translate(category.label, locale),
        "description": translate(category.description, locale),
        "fields": [
            {"key": field.key, "label": translate(field.label, locale)} for field in category.fields
        ],
        "legal_basis": {
            "code": category.legal_basis.code,
            "label": translate(category.legal_basis.label, locale),
        },
        "retention": {
            "rule": rule.id,
            "period": rule.period.iso,
            "period_label": rule.period.label(locale),
            "starts": str(rule.starts),
            "starts_label": translate(CLOCK_EVENT_LABELS[rule.starts], locale),
            "action": str(rule.action),
            "source": translate(rule.source, locale),
        },
    }


def _bundle_data(bundle: ExportBundle) -> dict[str, Any]:
    # Every label is in the bundle's own language, whatever locale the caller is in.
    token = _BUNDLE_LOCALE.set(bundle.locale)
    try:
        return {
            "format": EXPORT_FORMAT,
            "schema_version": EXPORT_SCHEMA_VERSION,
            "generated_at": _utc_text(bundle.generated_at),
            "locale": bundle.locale,
            "shop": bundle.shop_name,
            "subject": {"email": bundle.subject.email, "customer_id": bundle.subject.customer_id},
            "categories": [
                export_converter.unstructure(notice)
                | {"records": bundle.records_in(notice.category.id)}
                for notice in bundle.categories
            ],
            "sections": [export_converter.unstructure(section) for section in bundle.sections],
        }
    finally:
        _BUNDLE_LOCALE.reset(token)


def _make_export_converter() -> JsonConverter:
    """The shared converter (Decimal as plain text, dates, strict reading) with the
    export document's own shapes on top; the shared converter itself is left alone."""
    made = converter.copy()
    made.register_unstructure_hook(datetime, _utc_text)
    made.register_unstructure_hook(ExportField, _field_data)
    made.register_unstructure_hook(ExportRecord, _record_data)
    made.register_unstructure_hook(ExportSection, _section_data)
    made.register_unstructure_hook(CategoryNotice, _notice_data)
    made.register_unstructure_hook(ExportBundle, _bundle_data)
    return made


#: The converter that writes the export document (:func:`export_schema`): a copy of the
#: shared one, so a hook registered on the shared converter later (for an export type, or
#: ``datetime``) cannot change a document whose shape its schema promises.
export_converter: JsonConverter = _make_export_converter()


def bundle_to_dict(bundle: ExportBundle) -> dict[str, Any]:
    """The bundle as JSON-ready data, following :func:`export_schema`."""
    data: dict[str, Any] = export_converter.unstructure(bundle)
    return data


def bundle_to_json(bundle: ExportBundle) -> str:
    """The bundle as JSON text (UTF-8, indented, non-ASCII kept as it is)."""
    return export_converter.dumps(bundle, ensure_ascii=False, indent=2) + "\n"


@lru_cache(maxsize=1)
def _schema_text() -> str:
    return resources.files("klickit_core.privacy").joinpath("export-schema.json").read_text("utf-8")


def export_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of :func:`bundle_to_dict`, as shipped in the package."""
    data: dict[str, Any] = json.loads(_schema_text())
    return data
