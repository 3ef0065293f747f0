"""Checks the value modules of the plug-in point share (private).

Checks run on ``object``: values come from providers and may be anything.
"""

from __future__ import annotations

from typing import Any

from klickit_core.personal_data.errors import InvalidCategoryError, InvalidSweepDataError
from klickit_core.personal_data.identifiers import is_identifier

#: What a person knows a record by (an order number, a date, an id).
MAX_REFERENCE = 200
#: The longest text an exported value may hold.
MAX_TEXT = 100_000


def is_text(value: object, *, max_length: int = MAX_TEXT, blank: bool = False) -> bool:
    """Whether ``value`` is a string of at most ``max_length`` characters (non-blank unless
    ``blank``)."""
    return isinstance(value, str) and len(value) <= max_length and (blank or bool(value.strip()))


def is_tuple_of(value: object, kind: type) -> bool:
    """Whether ``value`` is a tuple whose items are all ``kind``."""
    return isinstance(value, tuple) and all(isinstance(item, kind) for item in value)


def identifier(field: str) -> Any:
    """An attrs validator refusing anything but a stable identifier, naming ``field``."""

    def check(_instance: Any, _attribute: Any, value: Any) -> None:
        if not is_identifier(value):
            raise InvalidCategoryError(field=field)

    return check


def label(field: str) -> Any:
    """An attrs validator refusing anything but a non-blank label, naming ``field``."""

    def check(_instance: Any, _attribute: Any, value: Any) -> None:
        if not isinstance(value, str) or not value.strip() or len(value) > 500:
            raise InvalidCategoryError(field=field)

    return check


def count(_instance: Any, _attribute: Any, value: Any) -> None:
    """An attrs validator refusing anything but a count (an ``int`` ≥ 0, not a ``bool``)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidSweepDataError(reason="count")
