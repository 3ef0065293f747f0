"""What a provider exports: typed, labelled items (SPEC PRV-3).

:class:`ExportSection` ⟶ :class:`ExportRecord` ⟶ :class:`ExportField`: never loose
strings, and never a password hash or a token. Values keep their type, so every renderer
(HTML, JSON) shows a date as a date and money as money.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal

import attrs

from klickit_core.personal_data._checks import MAX_REFERENCE, MAX_TEXT, is_text, is_tuple_of
from klickit_core.personal_data.errors import InvalidExportItemError
from klickit_core.personal_data.identifiers import is_identifier
from klickit_core.shared.money import is_known_currency

__all__ = [
    "MAX_RECORD_DEPTH",
    "ExportField",
    "ExportRecord",
    "ExportSection",
    "ExportValue",
    "FieldKind",
]

#: Export records nest (an order, its lines) but not without end.
MAX_RECORD_DEPTH = 4

#: The types an exported value may have. Floats are refused: money and quantities are exact.
ExportValue = str | int | bool | datetime | date | Decimal | None


class FieldKind(enum.StrEnum):
    """What an exported value *is*, for display. ``PLAIN`` follows the Python type."""

    PLAIN = "plain"
    MULTILINE = "multiline"  # free text with line breaks (a review, a message)
    EMAIL = "email"
    PHONE = "phone"
    ADDRESS = "address"  # a postal address as lines of text
    IDENTIFIER = "identifier"  # an order number, an account id
    IP_ADDRESS = "ip_address"
    MONEY = "money"  # a Decimal amount with its currency


_TEXT_KINDS = frozenset(
    {
        FieldKind.MULTILINE,
        FieldKind.EMAIL,
        FieldKind.PHONE,
        FieldKind.ADDRESS,
        FieldKind.IDENTIFIER,
        FieldKind.IP_ADDRESS,
    }
)


def _normalise_value(value: object) -> object:
    if isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(UTC)
    return value


def _value_problem(value: object) -> str | None:
    if value is None or isinstance(value, bool | int):
        return None
    if isinstance(value, str):
        return "too_long" if len(value) > MAX_TEXT else None
    if isinstance(value, datetime):
        return "naive_datetime" if value.tzinfo is None else None
    if isinstance(value, date):
        return None
    if isinstance(value, Decimal):
        return None if value.is_finite() else "not_finite"
    return "type"


@attrs.frozen(slots=True)
class ExportField:
    """One labelled, typed value of a record.

    ``key`` is stable and machine-readable (``"billing_address"``); ``label`` is an ``N_`` msgid
    shown to the person in their language; ``value`` keeps its type (a ``datetime`` stays a
    datetime, aware and in UTC; money is a ``Decimal`` with ``currency``). It is kept out of
    ``repr``: it is personal data.
    """

    key: str
    label: str
    value: ExportValue = attrs.field(repr=False, converter=_normalise_value)
    kind: FieldKind = FieldKind.PLAIN
    currency: str | None = None

    def __attrs_post_init__(self) -> None:
        key = self.key if is_identifier(self.key) else "?"
        if key == "?":
            raise InvalidExportItemError(key=key, reason="key")
        if not is_text(self.label, max_length=500):
            raise InvalidExportItemError(key=key, reason="label")
        if not isinstance(self.kind, FieldKind):
            raise InvalidExportItemError(key=key, reason="kind")
        problem = _value_problem(self.value)
        if problem is not None:
            raise InvalidExportItemError(key=key, reason=problem)
        if self.kind is FieldKind.MONEY:
            if not isinstance(self.value, Decimal | None):
                raise InvalidExportItemError(key=key, reason="money_value")
            if not isinstance(self.currency, str) or not is_known_currency(self.currency):
                raise InvalidExportItemError(key=key, reason="currency")
        elif self.currency is not None:
            raise InvalidExportItemError(key=key, reason="currency")
        if self.kind in _TEXT_KINDS and not isinstance(self.value, str | None):
            raise InvalidExportItemError(key=key, reason="text_value")


def _record_depth(record: ExportRecord) -> int:
    return 1 + max((_record_depth(child) for child in record.children), default=0)


@attrs.frozen(slots=True)
class ExportRecord:
    """One record of the person's data: an order, a review, a session.

    ``label`` is an ``N_`` msgid naming the kind of record (``"Order"``); ``reference`` tells
    the person which one (an order number, a date, an id); ``children`` hold parts of it
    (an order's lines), at most :data:`MAX_RECORD_DEPTH` levels deep.
    """

    label: str
    reference: str = attrs.field(repr=False)
    fields: tuple[ExportField, ...] = ()
    children: tuple[ExportRecord, ...] = ()

    def __attrs_post_init__(self) -> None:
        if not is_text(self.label, max_length=500):
            raise InvalidExportItemError(key="record", reason="label")
        if not is_text(self.reference, max_length=MAX_REFERENCE, blank=True):
            raise InvalidExportItemError(key="record", reason="reference")
        if not is_tuple_of(self.fields, ExportField):
            raise InvalidExportItemError(key="record", reason="fields")
        keys = [item.key for item in self.fields]
        if len(set(keys)) != len(keys):
            raise InvalidExportItemError(key="record", reason="duplicate_key")
        if not is_tuple_of(self.children, ExportRecord):
            raise InvalidExportItemError(key="record", reason="children")
        if _record_depth(self) > MAX_RECORD_DEPTH:
            raise InvalidExportItemError(key="record", reason="depth")


@attrs.frozen(slots=True)
class ExportSection:
    """What one provider exports for one of its categories."""

    provider: str
    category_id: str
    title: str
    records: tuple[ExportRecord, ...] = ()

    def __attrs_post_init__(self) -> None:
        if not is_identifier(self.provider):
            raise InvalidExportItemError(key="section", reason="provider")
        if not is_identifier(self.category_id):
            raise InvalidExportItemError(key="section", reason="category")
        if not is_text(self.title, max_length=500):
            raise InvalidExportItemError(key="section", reason="title")
        if not is_tuple_of(self.records, ExportRecord):
            raise InvalidExportItemError(key="section", reason="records")
