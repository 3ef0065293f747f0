"""What a provider exports: typed, labelled items (SPEC PRV-3).

:class:`ExportSection` ⟶ :class:`ExportRecord` ⟶ :class:`ExportField`: never loose
strings, and never a password hash or a token. Values keep their type, so every renderer
(HTML, JSON) shows a date as a date and money as money.

A value that is a code (a status, a consent purpose, a shipping method, a country, the id
of another record) stays that code in the JSON, which programs read; the page a person
reads shows it as :class:`Shown` parts instead (issue #16): a label in the reader's
language, a country's name, a time in the shop's time zone, the reference the person knows
another record by (an order's number, never its internal id), or the shop's staff (never a
login). A field or a record without them is shown as its value.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import attrs

from klickit_core.personal_data._checks import MAX_REFERENCE, MAX_TEXT, is_text, is_tuple_of
from klickit_core.personal_data.errors import InvalidExportItemError
from klickit_core.personal_data.identifiers import is_identifier
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.i18n import N_
from klickit_core.shared.money import is_known_currency

__all__ = [
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


class PartKind(enum.StrEnum):
    """What one :class:`Shown` part is, and so how the page shows it."""

    TEXT = "text"  # text shown as it is (an address's street lines, a separator)
    LABEL = "label"  # an ``N_`` msgid, translated into the reader's language
    COUNTRY = "country"  # an ISO 3166-1 alpha-2 code, shown as the country's name
    TIME = "time"  # an instant, shown in the shop's time zone
    DAY = "day"  # the day of an instant in the shop's time zone
    RECORD = "record"  # another record of the export, shown by its reference
    STAFF = "staff"  # someone of the shop's staff, shown as the shop names its staff


@attrs.frozen(slots=True)
class Shown:
    """One part of how the page shows a code (PRV-3, issue #16). Build parts with the
    class methods; a field's or a record's ``shown`` is a tuple of them, read in order.

    The JSON never holds them: it keeps the code, which a program reads, where a person
    reads ``« Payée »`` for ``captured``, ``« France »`` for ``FR``, or the order number
    ``KL-2026-000013`` for ``ord000000000068``. ``repr`` leaves the text out: an
    address's lines are personal data.
    """

    kind: PartKind
    text: str = attrs.field(default="", repr=False)
    at: datetime | None = attrs.field(default=None, repr=False)
    #: For :attr:`PartKind.RECORD`: the ``N_`` msgid shown when the export does not hold
    #: the record (an order already deleted, another account).
    missing: str = ""

    def __attrs_post_init__(self) -> None:
        kind: object = self.kind
        text: object = self.text
        if not isinstance(kind, PartKind) or not isinstance(text, str):
            raise InvalidExportItemError(key="shown", reason="part")
        at: object = self.at
        timed = self.kind in (PartKind.TIME, PartKind.DAY)
        aware = isinstance(at, datetime) and at.tzinfo is not None and at.utcoffset() is not None
        if timed != (at is not None) or (at is not None and not aware):
            raise InvalidExportItemError(key="shown", reason="part_time")
        needs_text = self.kind in (PartKind.LABEL, PartKind.COUNTRY, PartKind.RECORD)
        if needs_text and not is_text(self.text, max_length=500):
            raise InvalidExportItemError(key="shown", reason="part_text")
        if (self.kind is PartKind.RECORD) != bool(self.missing):
            raise InvalidExportItemError(key="shown", reason="part_missing")

    @classmethod
    def plain(cls, text: str) -> Shown:
        """Text shown as it is."""
        return cls(PartKind.TEXT, text)

    @classmethod
    def label(cls, msgid: str) -> Shown:
        """An ``N_`` msgid, translated into the reader's language."""
        return cls(PartKind.LABEL, msgid)

    @classmethod
    def country(cls, code: str) -> Shown:
        """A country, by its ISO 3166-1 alpha-2 code: its name in the reader's language."""
        return cls(PartKind.COUNTRY, code)

    @classmethod
    def time(cls, at: datetime) -> Shown:
        """An instant, in the shop's time zone (a heading then agrees with its rows)."""
        return cls(PartKind.TIME, at=at)

    @classmethod
    def day(cls, at: datetime) -> Shown:
        """The day of an instant, in the shop's time zone."""
        return cls(PartKind.DAY, at=at)

    @classmethod
    def record(cls, key: str, missing: str) -> Shown:
        """Another record of the export, by its :attr:`ExportRecord.key`: shown as the
        reference the person knows it by, or ``missing`` (an ``N_`` msgid) when the
        export does not hold it."""
        return cls(PartKind.RECORD, key, missing=missing)

    @classmethod
    def staff(cls) -> Shown:
        """Someone of the shop's staff: the page names them as the shop names its staff,
        never by a login or an id."""
        return cls(PartKind.STAFF)


def shown_code(labels: Mapping[str, str], code: str | None) -> tuple[Shown, ...] | None:
    """How the page shows ``code``: its label from ``labels`` (``N_`` msgids by code), or
    ``None`` (shown as it is) when it is ``None`` or has no label."""
    if code is None:
        return None
    label = labels.get(code)
    return None if label is None else (Shown.label(label),)


def account_shown(customer_id: str | None) -> tuple[Shown, ...] | None:
    """A customer account named by its id, as every provider exports it: the page shows
    the reference of the account's own record (the accounts provider gives it the account
    id as :attr:`ExportRecord.key`), never the id; ``None`` for no account."""
    if customer_id is None:
        return None
    return (Shown.record(customer_id, N_("another customer account")),)


def address_shown(address: PostalAddress | None) -> tuple[Shown, ...] | None:
    """How the page shows an address exported as its lines of text (the country's ISO
    code last): the same lines, then the country's name in the reader's language
    (``France``, not ``FR``)."""
    if address is None:
        return None
    lines = [
        address.company,
        *address.street,
        " ".join(part for part in (address.postcode, address.city) if part),
        address.region,
    ]
    text = "".join(f"{line}\n" for line in lines if line)
    return (*((Shown.plain(text),) if text else ()), Shown.country(address.country))


def place_shown(*parts: str | None, country: str | None = None) -> tuple[Shown, ...] | None:
    """A place written ``city, region, country``, the country by its name in the
    reader's language; ``None`` when nothing is known."""
    known = [part for part in parts if part]
    shown = [Shown.plain(", ".join(known) + (", " if country else ""))] if known else []
    if country:
        shown.append(Shown.country(country))
    return tuple(shown) or None


def _shown(key: str) -> Any:
    """An attrs validator: ``None`` or a non-empty tuple of :class:`Shown` parts."""

    def check(_instance: Any, _attribute: Any, value: Any) -> None:
        if value is not None and (not value or not is_tuple_of(value, Shown)):
            raise InvalidExportItemError(key=key, reason="shown")

    return check


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


#: ``(key, label)`` pairs of :class:`ExportField` already checked, and how many are kept
#: (a provider that made its labels up per record would only lose the shortcut).
_CHECKED_NAMES: set[tuple[str, str]] = set()
_MAX_CHECKED_NAMES = 4096


@attrs.frozen(slots=True)
class ExportField:
    """One labelled, typed value of a record.

    ``key`` is stable and machine-readable (``"billing_address"``); ``label`` is an ``N_`` msgid
    shown to the person in their language; ``value`` keeps its type (a ``datetime`` stays a
    datetime, aware and in UTC; money is a ``Decimal`` with ``currency``). It is kept out of
    ``repr``: it is personal data. ``shown``, for a value that is a code, is how the page
    shows it (:class:`Shown`); the JSON keeps ``value``.
    """

    key: str
    label: str
    value: ExportValue = attrs.field(repr=False, converter=_normalise_value)
    kind: FieldKind = FieldKind.PLAIN
    currency: str | None = None
    shown: tuple[Shown, ...] | None = attrs.field(
        default=None, kw_only=True, repr=False, validator=_shown("shown")
    )

    def __attrs_post_init__(self) -> None:
        key, label = self.key, self.label
        # Keys and labels are the providers' constants: each pair is checked once.
        names = (key, label)
        if not (type(key) is str and type(label) is str and names in _CHECKED_NAMES):
            if not is_identifier(key):
                raise InvalidExportItemError(key="?", reason="key")
            if not is_text(label, max_length=500):
                raise InvalidExportItemError(key=key, reason="label")
            if len(_CHECKED_NAMES) < _MAX_CHECKED_NAMES:
                _CHECKED_NAMES.add(names)
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

    ``key``, the record's internal id (an order's ``ord…``), is never shown nor written:
    other records name it with :meth:`Shown.record`, and the page shows this record's
    reference there. ``shown`` is how the page shows ``reference`` when it holds codes or
    UTC times (:class:`Shown`); the JSON keeps ``reference``.
    """

    label: str
    reference: str = attrs.field(repr=False)
    fields: tuple[ExportField, ...] = ()
    children: tuple[ExportRecord, ...] = ()
    key: str | None = attrs.field(default=None, kw_only=True, repr=False)
    shown: tuple[Shown, ...] | None = attrs.field(
        default=None, kw_only=True, repr=False, validator=_shown("record")
    )

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
        if self.key is not None and not is_text(self.key, max_length=MAX_REFERENCE):
            raise InvalidExportItemError(key="record", reason="key")


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
