"""One converter between the library's values and JSON (decision 0014).

:data:`converter` is a cattrs converter configured for :mod:`json` (``cattrs.preconf.json``)
with the library's own rules, so that every JSON the library writes — the CLI's ``--json``,
the erasure-ledger file, error payloads, an app's endpoints — says a value the same way:

* ``Money``: ``{"amount": "12.30", "currency": "EUR"}``; ``Decimal``: ``"12.30"``. Text,
  never a JSON number: a float cannot hold every amount, and the amount's digits are kept.
* ``datetime``: ISO 8601 with its offset (``"2026-11-24T09:00:00+00:00"``). A datetime
  without one is refused both ways (SPEC X-3): reading one would be a guess.
* enums: their value; ``date``: ``"2026-11-24"``; ``timedelta``: ISO 8601 seconds
  (``"PT900S"``); tuples and frozensets: lists. A field that may hold several kinds of
  scalar text cannot tell apart (an exported value: ``"1.5"``, a decimal or a string?) is
  written with its type: ``{"type": "decimal", "value": "1.5"}``, as the export bundle does.
* ``str``, ``int`` and ``bool`` are read strictly: ``null`` is not the text ``"None"``, nor
  ``true`` the number 1.
* :class:`~klickit_core.shared.sensitive.Secret`: refused (:class:`SecretNotSerialisableError`).
  A password has no business in JSON, and a redacted ``"***"`` could not be read back.
* Identifiers are plain ``str`` (:mod:`klickit_core.shared.ids`): nothing to convert.
* Errors (:class:`~klickit_core.shared.errors.KlickitError`) and answers that are only a
  code and a message (``LOGIN_REFUSED``) become ``{"code", "message", "details"}`` /
  ``{"code", "message"}``, messages in the locale given to :func:`unstructure`.

Values are written as their attrs fields (``attrs`` names, nested values likewise); the
contexts register hooks, next to the classes, for the few shapes that must stay as they
were (the sweep, erasure and re-apply reports, a request as staff see it, the stored sweep
checkpoints and tallies). Those hooks read :func:`current_locale`
for labels. Reading bad data raises :class:`InvalidDataError` — a
:class:`~klickit_core.shared.errors.ValidationError` naming each bad field by its path and
why — never cattrs' own exceptions, and never quoting the data.
"""

from __future__ import annotations

import enum
import json
import re
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, Union

import attrs
from cattrs import BaseValidationError
from cattrs.errors import (
    AttributeValidationNote,
    ForbiddenExtraKeysError,
    IterableValidationNote,
)
from cattrs.preconf.json import JsonConverter, make_converter

from klickit_core.shared.clock import NaiveDatetimeError
from klickit_core.shared.errors import FieldError, KlickitError, ValidationError
from klickit_core.shared.i18n import N_
from klickit_core.shared.locales import locale_language
from klickit_core.shared.money import Money
from klickit_core.shared.sensitive import Secret

__all__ = [
    "InvalidDataError",
    "SecretNotSerialisableError",
    "converter",
    "current_locale",
    "from_json",
    "structure",
    "to_json",
    "unstructure",
]

T = TypeVar("T")


class SecretNotSerialisableError(KlickitError):
    """A :class:`~klickit_core.shared.sensitive.Secret` was about to be written as JSON."""

    code = "serialisation.secret"
    message_template = N_("A secret cannot be written as data.")


class InvalidDataError(ValidationError):
    """Data could not be read as the type asked for; ``errors`` name each bad field by its
    path (``lines.0.quantity``) and the reason (a library error code, or
    ``serialisation.wrong_type``, ``serialisation.missing``, ``serialisation.unexpected``)."""

    code = "serialisation.invalid_data"
    message_template = N_("The data could not be read ({count} problems).")


_WRONG_TYPE = N_("This value has the wrong type.")
_MISSING = N_("This value is missing.")
_UNEXPECTED = N_("This value was not expected.")
_NOT_JSON = N_("This is not JSON text.")

#: The locale labels and messages are written in, for the duration of one :func:`unstructure`.
_LOCALE: ContextVar[str] = ContextVar("klickit_serialisation_locale", default="en")


def current_locale() -> str:
    """The locale of the :func:`unstructure` call in progress (``"en"`` outside one).

    Unstructure hooks that write labels or messages read it.
    """
    return _LOCALE.get()


class _WrongTypeError(TypeError):
    """Raised by the strict hooks: a JSON value of the wrong kind."""


# ---------------------------------------------------------------------------- hooks
#: What :class:`~decimal.Decimal` accepts from text, minus what it should not: no ``_``,
#: no other script's digits, no ``NaN`` or ``Infinity``.
_DECIMAL_TEXT = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


def _unstructure_decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise _WrongTypeError
    return format(value, "f")


def _structure_decimal(data: object, _type: object) -> Decimal:
    if isinstance(data, int) and not isinstance(data, bool):
        return Decimal(data)
    if not isinstance(data, str) or _DECIMAL_TEXT.fullmatch(data) is None:
        raise _WrongTypeError
    try:
        return Decimal(data)
    except InvalidOperation:
        raise _WrongTypeError from None


def _unstructure_money(value: Money) -> dict[str, str]:
    return {"amount": format(value.amount, "f"), "currency": value.currency}


def _structure_money(data: object, _type: object) -> Money:
    if not isinstance(data, Mapping) or set(data) != {"amount", "currency"}:
        raise _WrongTypeError
    amount, currency = data["amount"], data["currency"]
    if not isinstance(amount, str) or not isinstance(currency, str):
        raise _WrongTypeError
    return Money.of(amount, currency)


def _unstructure_datetime(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError
    return value.isoformat()


def _structure_datetime(data: object, _type: object) -> datetime:
    if not isinstance(data, str):
        raise _WrongTypeError
    try:
        moment = datetime.fromisoformat(data)
    except ValueError:
        raise _WrongTypeError from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveDatetimeError
    return moment


def _refuse_secret(_value: Secret) -> object:
    raise SecretNotSerialisableError


def _refuse_secret_data(_data: object, _type: object) -> Secret:
    raise SecretNotSerialisableError


def _strict(kind: type[T]) -> Callable[[object, object], T]:
    def structure(data: object, _type: object) -> T:
        # ``bool`` is an ``int`` to Python, never to a reader of JSON.
        if type(data) is not kind:
            raise _WrongTypeError
        return data

    return structure


#: A duration: ISO 8601, in seconds only (``"PT900S"``, ``"-PT0.5S"``), exact to the microsecond.
_DURATION_TEXT = re.compile(r"(-?)PT([0-9]+)(?:\.([0-9]{1,6}))?S", re.ASCII)


def _unstructure_timedelta(value: timedelta) -> str:
    sign = "-" if value < timedelta(0) else ""
    size = abs(value)
    seconds = size.days * 86_400 + size.seconds
    fraction = f".{size.microseconds:06d}".rstrip("0") if size.microseconds else ""
    return f"{sign}PT{seconds}{fraction}S"


def _structure_timedelta(data: object, _type: object) -> timedelta:
    found = _DURATION_TEXT.fullmatch(data) if isinstance(data, str) else None
    if found is None:
        raise _WrongTypeError
    sign, seconds, fraction = found.groups()
    try:
        size = timedelta(seconds=int(seconds), microseconds=int((fraction or "").ljust(6, "0")))
    except OverflowError:
        raise _WrongTypeError from None
    return -size if sign else size


def _structure_enum(data: object, cls: type[enum.Enum]) -> enum.Enum:
    try:
        return cls(data)
    except ValueError:
        raise _WrongTypeError from None


def _error_payload(error: KlickitError) -> dict[str, object]:
    locale = current_locale()
    data: dict[str, object] = {
        "code": error.code,
        "message": error.message(locale),
        "details": dict(error.details),
    }
    if isinstance(error, ValidationError):
        # ``getattr``: a subclass may build itself without calling ``__init__``'s list.
        errors: tuple[FieldError, ...] = getattr(error, "errors", ())
        data["errors"] = [_field_error_payload(item) for item in errors]
    return data


def _field_error_payload(error: FieldError) -> dict[str, object]:
    return {"field": error.field, "code": error.code, "message": error.message(current_locale())}


def _is_error(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, KlickitError)


def _is_notice(cls: Any) -> bool:
    """An answer with no fields, only a class-level ``code`` and ``message_template``
    (``LOGIN_REFUSED``, ``RESET_REQUESTED``, ``REQUEST_RECEIVED``)."""
    return (
        attrs.has(cls)
        and not attrs.fields(cls)
        and isinstance(getattr(cls, "code", None), str)
        and isinstance(getattr(cls, "message_template", None), str)
    )


def _notice_payload(notice: Any) -> dict[str, object]:
    return {"code": notice.code, "message": notice.message(current_locale())}


#: The JSON ``type`` of each scalar a mixed union may hold (an exported field's value):
#: ``bool`` before ``int`` and ``datetime`` before ``date``, as each is a subclass.
_SCALAR_TAGS: tuple[tuple[type, str], ...] = (
    (type(None), "null"),
    (bool, "boolean"),
    (int, "integer"),
    (Decimal, "decimal"),
    (datetime, "datetime"),
    (date, "date"),
    (str, "string"),
)


def _is_mixed_scalar_union(cls: Any) -> bool:
    """A union of scalars that text alone cannot tell apart (``"1.5"``: a decimal or a
    string?): it is written with its ``type``, as the export bundle does."""
    members = set(typing.get_args(cls))
    if typing.get_origin(cls) not in (Union, types.UnionType) or not members:
        return False
    known = {kind for kind, _ in _SCALAR_TAGS}
    return members <= known and str in members and bool(members & {Decimal, datetime, date})


def _unstructure_tagged(value: object) -> dict[str, object]:
    for kind, tag in _SCALAR_TAGS:
        if isinstance(value, kind):
            return {"type": tag, "value": converter.unstructure(value)}
    raise _WrongTypeError


def _structure_tagged(data: object, cls: Any) -> object:
    if not isinstance(data, Mapping) or set(data) != {"type", "value"}:
        raise _WrongTypeError
    members = typing.get_args(cls)
    for kind, tag in _SCALAR_TAGS:
        if tag == data["type"] and kind in members:
            return (
                None
                if kind is type(None) and data["value"] is None
                else converter.structure(data["value"], kind)
            )
    raise _WrongTypeError


def _make_converter() -> JsonConverter:
    made = make_converter(forbid_extra_keys=True)
    made.register_unstructure_hook(Decimal, _unstructure_decimal)
    made.register_structure_hook(Decimal, _structure_decimal)
    made.register_unstructure_hook(Money, _unstructure_money)
    made.register_structure_hook(Money, _structure_money)
    made.register_unstructure_hook(datetime, _unstructure_datetime)
    made.register_structure_hook(datetime, _structure_datetime)
    made.register_unstructure_hook(Secret, _refuse_secret)
    made.register_structure_hook(Secret, _refuse_secret_data)
    for kind in (str, int, bool):
        made.register_structure_hook(kind, _strict(kind))
    # cattrs looks a class up by its MRO first: ``StrEnum`` and ``IntEnum`` come before
    # ``str`` and ``int`` in their members' MRO, so enums get the enum hook, not the strict one.
    for family in (enum.Enum, enum.StrEnum, enum.IntEnum):
        made.register_structure_hook(family, _structure_enum)
    made.register_unstructure_hook(timedelta, _unstructure_timedelta)
    made.register_structure_hook(timedelta, _structure_timedelta)
    made.register_unstructure_hook_func(_is_mixed_scalar_union, _unstructure_tagged)
    made.register_structure_hook_func(_is_mixed_scalar_union, _structure_tagged)
    made.register_unstructure_hook_func(_is_error, _error_payload)
    made.register_unstructure_hook(FieldError, _field_error_payload)
    made.register_unstructure_hook_func(_is_notice, _notice_payload)
    return made


#: The library's converter. Contexts register their hooks on it; apps may too, for their
#: own types (register before the first use of a class that holds them).
converter: JsonConverter = _make_converter()


# ---------------------------------------------------------------------------- entry points
def unstructure(value: object, *, locale: str = "en") -> Any:
    """``value`` as JSON-ready data (dicts, lists, text, numbers, booleans, ``None``);
    labels and messages in ``locale``.

    Raises:
        SecretNotSerialisableError: ``value`` holds a password.
        NaiveDatetimeError: ``value`` holds a datetime without a timezone.
        InvalidDataError: ``value`` holds a ``Decimal`` that is not a number (``NaN``).
        UnsupportedLocaleError: ``locale`` is not one the shop speaks.
    """
    token = _LOCALE.set(locale_language(locale))
    try:
        return converter.unstructure(value)
    except _WrongTypeError:  # a non-finite Decimal: no value type holds one
        raise InvalidDataError([FieldError((), "serialisation.wrong_type", _WRONG_TYPE)]) from None
    finally:
        _LOCALE.reset(token)


def to_json(value: object, *, locale: str = "en", indent: int | None = None) -> str:
    """``value`` as JSON text (non-ASCII kept as it is), labels and messages in ``locale``.

    Raises:
        SecretNotSerialisableError: ``value`` holds a password.
        NaiveDatetimeError: ``value`` holds a datetime without a timezone.
    """
    return json.dumps(unstructure(value, locale=locale), ensure_ascii=False, indent=indent)


def structure(data: object, cls: type[T]) -> T:
    """Read ``data`` (what :func:`json.loads` gives) as a ``cls``.

    Raises:
        InvalidDataError: ``data`` is not a valid ``cls``; each bad field is named.
    """
    try:
        return converter.structure(data, cls)
    except (
        BaseValidationError,
        ForbiddenExtraKeysError,
        KlickitError,
        KeyError,
        ValueError,
        TypeError,
    ) as error:
        # Whatever the data did wrong becomes one typed error; a type the converter cannot
        # read at all (StructureHandlerNotFoundError) is the caller's bug and stays as it is.
        raise InvalidDataError(list(_field_errors(error, ()))) from None


def from_json(text: str | bytes, cls: type[T]) -> T:
    """Read JSON ``text`` as a ``cls``.

    Raises:
        InvalidDataError: ``text`` is not JSON, or not a valid ``cls``.
    """
    try:
        data = json.loads(text)
    except (ValueError, TypeError):  # JSONDecodeError, bad UTF-8, not text at all
        raise InvalidDataError([FieldError((), "serialisation.not_json", _NOT_JSON)]) from None
    return structure(data, cls)


# ---------------------------------------------------------------------------- errors
_Path = tuple[str | int, ...]


def _leaf(error: BaseException, path: _Path) -> FieldError:
    if isinstance(error, KlickitError):
        return FieldError(path, error.code, error.message_template, dict(error.details))
    if isinstance(error, KeyError):
        return FieldError(path, "serialisation.missing", _MISSING)
    if isinstance(error, ForbiddenExtraKeysError):
        return FieldError(path, "serialisation.unexpected", _UNEXPECTED)
    return FieldError(path, "serialisation.wrong_type", _WRONG_TYPE)


def _step(error: BaseException) -> str | int | None:
    """The path step cattrs noted on ``error`` (an attribute name, a key or an index)."""
    for note in getattr(error, "__notes__", ()):
        if isinstance(note, AttributeValidationNote):
            return note.name
        if isinstance(note, IterableValidationNote):
            return note.index
    return None


def _field_errors(error: BaseException, path: _Path) -> Iterator[FieldError]:
    """One field error per leaf failure cattrs reports, with the path to it (attribute
    names, keys and indexes only: never a value)."""
    if isinstance(error, BaseValidationError):
        for inner in error.exceptions:
            step = _step(inner)
            yield from _field_errors(inner, (*path, step) if step is not None else path)
        return
    if isinstance(error, ForbiddenExtraKeysError):
        for key in sorted(error.extra_fields):
            yield FieldError((*path, key), "serialisation.unexpected", _UNEXPECTED)
        return
    yield _leaf(error, path)
