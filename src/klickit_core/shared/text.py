"""Checks for text typed by people.

Text that cannot be encoded as UTF-8 (lone surrogates from a broken client) or that holds
control characters must be refused where it enters, as a field error: accepted, it would
fail much later as a driver, mail or JSON error, far from its cause (SPEC X-9).
"""

from __future__ import annotations

import unicodedata

__all__ = ["is_clean_text"]

_ALLOWED_CONTROLS_MULTILINE = frozenset("\n\r\t")


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
