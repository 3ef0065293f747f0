"""PRV-1 … PRV-4: the privacy plug-in interface is a package of its own, one concept a module.

Anyone registering their own provider imports from ``klickit_core.personal_data``; these
tests pin that public surface (the names the single module it replaced exported), check
that each name is defined in the module of its concept and re-exported honestly, and that
the old location is gone (one API, no shim).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

from klickit_core import personal_data

#: The ``__all__`` of ``klickit_core.shared.personal_data`` before the move.
NAMES_BEFORE_THE_MOVE = [
    "ACCOUNTING_OBLIGATION",
    "CIVIL_LIMITATION",
    "CLOCK_EVENT_LABELS",
    "CONSENT",
    "CONTRACT",
    "LEGAL_OBLIGATION",
    "LEGITIMATE_INTEREST",
    "MAX_RECORD_DEPTH",
    "CategoryErasure",
    "ClockEvent",
    "DataCategory",
    "DataSubject",
    "ErasureOutcome",
    "ExportField",
    "ExportRecord",
    "ExportSection",
    "ExportValue",
    "FieldKind",
    "InvalidCategoryError",
    "InvalidDataSubjectError",
    "InvalidExportItemError",
    "InvalidSweepDataError",
    "KeepReason",
    "KeptCount",
    "KeptRecord",
    "LegalBasis",
    "PersonalDataProvider",
    "PersonalField",
    "RetentionAction",
    "RetentionTerms",
    "SweepBatch",
    "SweepCursor",
    "SweepTask",
    "is_identifier",
]

#: Where each concept lives.
HOME = {
    "provider": {"PersonalDataProvider"},
    "subjects": {"DataSubject"},
    "categories": {
        "CLOCK_EVENT_LABELS",
        "ClockEvent",
        "DataCategory",
        "PersonalField",
        "RETENTION_ACTION_LABELS",
        "RetentionAction",
    },
    "legal_bases": {
        "ACCOUNTING_OBLIGATION",
        "CIVIL_LIMITATION",
        "CONSENT",
        "CONTRACT",
        "LEGAL_OBLIGATION",
        "LEGITIMATE_INTEREST",
        "LegalBasis",
        "LEGAL_BASES",
        "UnknownLegalBasisError",
        "legal_basis",
    },
    "exports": {
        "MAX_RECORD_DEPTH",
        "ExportField",
        "ExportRecord",
        "ExportSection",
        "ExportValue",
        "FieldKind",
        "PartKind",
        "Shown",
        "account_shown",
        "address_shown",
        "place_shown",
        "shown_code",
    },
    "erasure": {"CategoryErasure", "ErasureOutcome", "KeptRecord", "RetentionTerms"},
    "sweeps": {"KeepReason", "KeptCount", "SweepBatch", "SweepCursor", "SweepTask"},
    "identifiers": {"is_identifier"},
    "errors": {
        "InvalidCategoryError",
        "InvalidDataSubjectError",
        "InvalidExportItemError",
        "InvalidSweepDataError",
    },
}


#: Added since the move: the legal bases found by code, for a policy configuration that
#: names them (issue #15, decision 0015).
NAMES_ADDED_SINCE = [
    "LEGAL_BASES",
    "RETENTION_ACTION_LABELS",
    "UnknownLegalBasisError",
    "legal_basis",
    # How the export's page shows a code, another record, a country or the staff (PRV-3,
    # issue #16).
    "PartKind",
    "Shown",
    "account_shown",
    "address_shown",
    "place_shown",
    "shown_code",
]


def test_the_package_exports_the_names_the_module_did() -> None:
    """PRV-1 … PRV-4: the move keeps every public name; the only names added since are
    the ones listed (a new public name is a deliberate change of this list)."""
    assert sorted(personal_data.__all__) == sorted(NAMES_BEFORE_THE_MOVE + NAMES_ADDED_SINCE)


def test_each_concept_has_its_module_and_the_package_re_exports_it() -> None:
    """PRV-1 … PRV-4: one concept a module; the package's ``__all__`` is the union of the
    public modules' ``__all__``, and each name is the very object its module defines."""
    public = sorted(
        info.name for info in pkgutil.iter_modules(personal_data.__path__) if info.name[0] != "_"
    )
    assert public == sorted(HOME)
    for module_name, names in HOME.items():
        module = importlib.import_module(f"klickit_core.personal_data.{module_name}")
        assert set(module.__all__) == names, module_name
        for name in names:
            assert getattr(personal_data, name) is getattr(module, name)
    assert set().union(*HOME.values()) == set(personal_data.__all__)


def test_classes_and_functions_say_where_they_live() -> None:
    """PRV-1 … PRV-4: reprs, pickles and the API reference name the concept's module."""
    for module_name, names in HOME.items():
        for name in names:
            value = getattr(personal_data, name)
            if isinstance(value, type) or inspect.isfunction(value):
                assert value.__module__ == f"klickit_core.personal_data.{module_name}", name


def test_the_old_location_is_gone() -> None:
    """PRV-1 … PRV-4: one API: ``klickit_core.shared.personal_data`` no longer exists."""
    with pytest.raises(ModuleNotFoundError, match=r"klickit_core\.shared\.personal_data"):
        importlib.import_module("klickit_core.shared.personal_data")
