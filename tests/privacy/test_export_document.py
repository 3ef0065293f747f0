"""PRV-3, X-7: the export document goes through cattrs (issue #14, item 7) — the export
converter writes exactly the JSON that was written by hand before, while the shared
converter still writes (and reads back) an ExportBundle as its fields."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings

from klickit_core.personal_data import ExportField, ExportRecord, ExportSection, FieldKind
from klickit_core.privacy.bundle import (
    ExportBundle,
    bundle_to_dict,
    bundle_to_json,
    export_converter,
    json_value,
)
from klickit_core.shared.serialisation import converter, structure, unstructure
from klickit_core.testing import strategies as kst

from .fakes import HOSTILE, sample_bundle
from .legacy_export import legacy_bundle_to_json

DATA = Path(__file__).parent / "data"

#: The sample bundles, and the files holding what the hand-written code gave for them.
SAMPLES = {
    "fr": lambda: sample_bundle(locale="fr"),
    "en": lambda: sample_bundle(locale="en"),
    "hostile": lambda: sample_bundle(locale="en", name=HOSTILE, text=HOSTILE),
}


def captured(name: str) -> str:
    return (DATA / f"sample-bundle.{name}.json").read_text("utf-8")


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_the_sample_bundle_is_written_byte_for_byte_as_before(name: str) -> None:
    """PRV-3: the JSON a person downloads did not change when it moved to cattrs."""
    assert bundle_to_json(SAMPLES[name]()) == captured(name)


@settings(max_examples=80, deadline=None)
@given(kst.export_bundles())
def test_any_bundle_is_written_byte_for_byte_as_before(bundle: ExportBundle) -> None:
    """PRV-3, X-7: on any drawn bundle, the same text as the old hand-written renderer."""
    assert bundle_to_json(bundle) == legacy_bundle_to_json(bundle)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_the_document_is_the_export_converters_rendering(name: str) -> None:
    """PRV-3: bundle_to_dict / bundle_to_json are the export converter's output."""
    bundle = SAMPLES[name]()
    assert export_converter.unstructure(bundle) == json.loads(captured(name))
    assert bundle_to_dict(bundle) == export_converter.unstructure(bundle)
    assert export_converter.dumps(bundle, ensure_ascii=False, indent=2) + "\n" == captured(name)


def test_each_part_of_the_bundle_has_its_hook() -> None:
    """PRV-3: a field, a record and a section are written in the document's shape (labels
    in the current locale outside a bundle, instants in UTC ending in Z)."""
    written = ExportField("written_at", "Written at", datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    price = ExportField("price", "Price", Decimal("1234.50"), FieldKind.MONEY, currency="EUR")
    record = ExportRecord("Note", "n-1", (written,), (ExportRecord("Line", "1", (price,)),))
    section = ExportSection("notes", "notes.short", "Short notes", (record,))
    price_data = {
        "key": "price",
        "label": "Price",
        "kind": "money",
        "type": "decimal",
        "value": "1234.50",
        "currency": "EUR",
    }
    assert export_converter.unstructure(price) == price_data
    assert export_converter.unstructure(section) == {
        "provider": "notes",
        "category": "notes.short",
        "title": "Short notes",
        "records": [
            {
                "label": "Note",
                "reference": "n-1",
                "fields": [
                    {
                        "key": "written_at",
                        "label": "Written at",
                        "kind": "plain",
                        "type": "datetime",
                        "value": "2026-11-24T09:00:00Z",
                    }
                ],
                "children": [
                    {"label": "Line", "reference": "1", "fields": [price_data], "children": []}
                ],
            }
        ],
    }
    assert [json_value(v) for v in (None, True, 7, Decimal("0.10"), date(2026, 2, 28))] == [
        None,
        True,
        7,
        "0.10",
        "2026-02-28",
    ]


def test_the_shared_converter_still_writes_the_bundle_as_its_fields() -> None:
    """X-7: the export document is a second rendering; the shared converter is untouched,
    writes the bundle's attrs fields (offsets kept) and reads them back."""
    bundle = sample_bundle()
    data = unstructure(bundle)
    assert export_converter is not converter
    assert data["shop_name"] == "Klickit"
    assert data["generated_at"] == "2026-11-24T09:00:00+00:00"
    assert "format" not in data
    assert structure(json.loads(json.dumps(data)), ExportBundle) == bundle
    assert bundle_to_dict(bundle)["generated_at"] == "2026-11-24T09:00:00Z"
