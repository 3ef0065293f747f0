"""The export bundle (SPEC PRV-3) and its JSON form.

An :class:`ExportBundle` holds everything the registered providers know about one person —
the sections they export — plus, for every category the shop holds, what it is, why it is
kept and for how long. It is rendered twice from the same value: as one self-contained
HTML file for people (a :class:`~klickit_core.privacy.ports.BundleRenderer`), and as JSON
for portability (:func:`bundle_to_json`).

The JSON has a documented, versioned schema shipped in the package
(``klickit_core/privacy/export-schema.json``, JSON Schema 2020-12, read with
:func:`export_schema`). Every value keeps its type: ``{"type": "datetime", "value":
"2026-11-24T09:00:00Z"}``, ``{"type": "decimal", "value": "14.90", "currency": "EUR"}``.
Labels are given in the bundle's language beside stable keys, so a program reads the keys
and a person the labels.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

import attrs

from klickit_core.privacy.retention import RetentionRule
from klickit_core.shared.clock import ensure_utc
from klickit_core.shared.i18n import negotiate_locale, translate
from klickit_core.shared.personal_data import (
    CLOCK_EVENT_LABELS,
    DataCategory,
    DataSubject,
    ExportField,
    ExportRecord,
    ExportSection,
    ExportValue,
)

__all__ = [
    "EXPORT_FORMAT",
    "EXPORT_SCHEMA_ID",
    "EXPORT_SCHEMA_VERSION",
    "CategoryNotice",
    "ExportBundle",
    "bundle_to_dict",
    "bundle_to_json",
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
    locale: str = attrs.field(converter=negotiate_locale)
    shop_name: str
    sections: tuple[ExportSection, ...]
    categories: tuple[CategoryNotice, ...]

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
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def json_value(value: ExportValue) -> str | int | bool | None:
    """The JSON ``value`` of an exported value: exact decimals and instants as text."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return _utc_text(value)
    return value.isoformat()


def _field(field: ExportField, locale: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": field.key,
        "label": translate(field.label, locale),
        "kind": str(field.kind),
        "type": value_type(field.value),
        "value": json_value(field.value),
    }
    if field.currency is not None:
        data["currency"] = field.currency
    return data


def _record(record: ExportRecord, locale: str) -> dict[str, Any]:
    return {
        "label": translate(record.label, locale),
        "reference": record.reference,
        "fields": [_field(field, locale) for field in record.fields],
        "children": [_record(child, locale) for child in record.children],
    }


def _notice(notice: CategoryNotice, bundle: ExportBundle) -> dict[str, Any]:
    locale = bundle.locale
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
        "records": bundle.records_in(category.id),
    }


def bundle_to_dict(bundle: ExportBundle) -> dict[str, Any]:
    """The bundle as JSON-ready data, following :func:`export_schema`."""
    locale = bundle.locale
    return {
        "format": EXPORT_FORMAT,
        "schema_version": EXPORT_SCHEMA_VERSION,
        "generated_at": _utc_text(bundle.generated_at),
        "locale": locale,
        "shop": bundle.shop_name,
        "subject": {"email": bundle.subject.email, "customer_id": bundle.subject.customer_id},
        "categories": [_notice(notice, bundle) for notice in bundle.categories],
        "sections": [
            {
                "provider": section.provider,
                "category": section.category_id,
                "title": translate(section.title, locale),
                "records": [_record(record, locale) for record in section.records],
            }
            for section in bundle.sections
        ],
    }


def bundle_to_json(bundle: ExportBundle) -> str:
    """The bundle as JSON text (UTF-8, indented, non-ASCII kept as it is)."""
    return json.dumps(bundle_to_dict(bundle), ensure_ascii=False, indent=2) + "\n"


@lru_cache(maxsize=1)
def _schema_text() -> str:
    return resources.files("klickit_core.privacy").joinpath("export-schema.json").read_text("utf-8")


def export_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of :func:`bundle_to_dict`, as shipped in the package."""
    data: dict[str, Any] = json.loads(_schema_text())
    return data
