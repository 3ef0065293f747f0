"""The export document as it was written by hand before it went through cattrs (issue #14,
item 7): a frozen copy of the old ``bundle_to_dict`` / ``bundle_to_json``, kept only as the
reference the export converter must match byte for byte on any drawn bundle. Do not
change it to follow the library: a difference is what the tests are there to catch.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from klickit_core.personal_data import (
    CLOCK_EVENT_LABELS,
    ExportField,
    ExportRecord,
    ExportValue,
)
from klickit_core.privacy.bundle import CategoryNotice, ExportBundle
from klickit_core.shared.i18n import translate

EXPORT_FORMAT = "klickit.personal-data-export"
EXPORT_SCHEMA_VERSION = 1


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


def legacy_bundle_to_dict(bundle: ExportBundle) -> dict[str, Any]:
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


def legacy_bundle_to_json(bundle: ExportBundle) -> str:
    """The bundle as JSON text (UTF-8, indented, non-ASCII kept as it is)."""
    return json.dumps(legacy_bundle_to_dict(bundle), ensure_ascii=False, indent=2) + "\n"
