"""Checks for text typed by people.

Text that cannot be encoded as UTF-8 (lone surrogates from a broken client) or that holds
control characters must be refused where it enters, as a field error: accepted, it would
fail much later as a driver, mail or JSON error, far from its cause (SPEC X-9). A payment
card number must never be stored (PAY-2): every free-text field goes through
:func:`free_text_error`, which refuses both (decision 0009).
"""

from __future__ import annotations

import unicodedata

import attrs

from klickit_core.shared.card_numbers import contains_card_number
from klickit_core.shared.errors import FieldError
from klickit_core.shared.i18n import N_

__all__ = [
    "CARD_NUMBER_CODE",
    "INVALID_CHARACTERS",
    "free_text_error",
    "is_clean_text",
    "text_field_errors",
]

_ALLOWED_CONTROLS_MULTILINE = frozenset("\n\r\t")

#: The code of the error for a card number typed in a free-text field (PAY-2).
CARD_NUMBER_CODE = "text.card_number"
#: The message of the error for unclean text, unless a field has its own.
INVALID_CHARACTERS = N_("This text has invalid characters.")
_CARD_NUMBER = N_(
    "Do not type a card number here: card details are entered only in the payment form."
)


def is_clean_text(value: str, *, multiline: bool = False) -> bool:
    """Whether ``value`` is valid UTF-8 text without control or unassigned characters.

    Line breaks and tabs are allowed when ``multiline`` (review texts, messages).
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    for char in value:
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Cn", "Co") and not (
            multiline and char in _ALLOWED_CONTROLS_MULTILINE
        ):
            return False
    return True


def free_text_error(
    value: str,
    path: tuple[str | int, ...],
    *,
    invalid_code: str = "text.invalid_characters",
    invalid_message: str = INVALID_CHARACTERS,
    multiline: bool = False,
) -> FieldError | None:
    """Why ``value``, typed by a person, may not be stored, or ``None`` if it may.

    Unclean text (:func:`is_clean_text`) gives ``invalid_code`` (each field keeps its
    own); a payment card number anywhere in it gives :data:`CARD_NUMBER_CODE`
    (:func:`~klickit_core.shared.card_numbers.contains_card_number`). The error holds
    neither the text nor the number.
    """
    # ``isprintable`` (C speed) excludes every category ``is_clean_text`` refuses, so it
    # settles the common single-line case.
    if not (value.isprintable() or is_clean_text(value, multiline=multiline)):
        return FieldError(path, invalid_code, invalid_message)
    if contains_card_number(value):
        return FieldError(path, CARD_NUMBER_CODE, _CARD_NUMBER)
    return None


def text_field_errors(value: attrs.AttrsInstance, path: tuple[str | int, ...]) -> list[FieldError]:
    """:func:`free_text_error` for every text field of an attrs value built from what a
    person typed (a :class:`~klickit_core.shared.addresses.PostalAddress`): each ``str``
    field, and each line of a ``tuple`` of lines, at ``path + (field,)``. A field added to
    the type later is checked without anyone having to remember it."""
    errors: list[FieldError] = []
    for field in attrs.fields(type(value)):
        content = getattr(value, field.name)
        lines = content if isinstance(content, tuple) else (content,)
        for line in lines:
            problem = free_text_error(line, (*path, field.name)) if isinstance(line, str) else None
            if problem is not None:
                errors.append(problem)
                break
    return errors
