"""The privacy plug-in point: what a context (or your app) implements to declare the
personal data it stores (SPEC PRV-1 … PRV-4). The guide is ``docs/privacy.md``.

Implement a :class:`~klickit_core.personal_data.provider.PersonalDataProvider` and register
it; the :mod:`klickit_core.privacy` engine then retains, exports and erases that data with
the rest. Every name is importable from here; each lives in the module of its concept:

* :mod:`~klickit_core.personal_data.provider` — the provider interface;
* :mod:`~klickit_core.personal_data.subjects` — the person a request is about;
* :mod:`~klickit_core.personal_data.categories` — data categories, clock events, actions;
* :mod:`~klickit_core.personal_data.legal_bases` — why data is kept;
* :mod:`~klickit_core.personal_data.exports` — the typed items an export is made of;
* :mod:`~klickit_core.personal_data.erasure` — what an erasure did and kept;
* :mod:`~klickit_core.personal_data.sweeps` — one retention sweep step;
* :mod:`~klickit_core.personal_data.identifiers` and
  :mod:`~klickit_core.personal_data.errors` — stable identifiers, typed errors.

Everything but the provider is a pure value (frozen attrs, no I/O).
"""

from klickit_core.personal_data.categories import (
    CLOCK_EVENT_LABELS,
    RETENTION_ACTION_LABELS,
    ClockEvent,
    DataCategory,
    PersonalField,
    RetentionAction,
)
from klickit_core.personal_data.erasure import (
    CategoryErasure,
    ErasureOutcome,
    KeptRecord,
    RetentionTerms,
)
from klickit_core.personal_data.errors import (
    InvalidCategoryError,
    InvalidDataSubjectError,
    InvalidExportItemError,
    InvalidSweepDataError,
)
from klickit_core.personal_data.exports import (
    MAX_RECORD_DEPTH,
    ExportField,
    ExportRecord,
    ExportSection,
    ExportValue,
    FieldKind,
    PartKind,
    Shown,
    account_shown,
    address_shown,
    place_shown,
    shown_code,
)
from klickit_core.personal_data.identifiers import is_identifier
from klickit_core.personal_data.legal_bases import (
    ACCOUNTING_OBLIGATION,
    CIVIL_LIMITATION,
    CONSENT,
    CONTRACT,
    LEGAL_BASES,
    LEGAL_OBLIGATION,
    LEGITIMATE_INTEREST,
    LegalBasis,
    UnknownLegalBasisError,
    legal_basis,
)
from klickit_core.personal_data.provider import PersonalDataProvider
from klickit_core.personal_data.subjects import DataSubject
from klickit_core.personal_data.sweeps import (
    KeepReason,
    KeptCount,
    SweepBatch,
    SweepCursor,
    SweepTask,
)

__all__ = [
    "ACCOUNTING_OBLIGATION",
    "CIVIL_LIMITATION",
    "CLOCK_EVENT_LABELS",
    "CONSENT",
    "CONTRACT",
    "LEGAL_BASES",
    "LEGAL_OBLIGATION",
    "LEGITIMATE_INTEREST",
    "MAX_RECORD_DEPTH",
    "RETENTION_ACTION_LABELS",
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
    "PartKind",
    "PersonalDataProvider",
    "PersonalField",
    "RetentionAction",
    "RetentionTerms",
    "Shown",
    "SweepBatch",
    "SweepCursor",
    "SweepTask",
    "UnknownLegalBasisError",
    "account_shown",
    "address_shown",
    "is_identifier",
    "legal_basis",
    "place_shown",
    "shown_code",
]
