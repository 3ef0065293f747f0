"""Stable identifiers: the names providers, categories, rules and fields are known by.

They end up in retention schedules, checkpoints and export bundles, so they are plain
lower-case ASCII and short.
"""

from __future__ import annotations

import re

__all__ = ["is_identifier"]

#: Stable identifiers: ``orders.completed``, ``fr.commerce.l123_22``, ``billing_address``.
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*(?:[.-][a-z0-9_]+)*")
_MAX_IDENTIFIER = 80


def is_identifier(value: object) -> bool:
    """Whether ``value`` is a stable identifier: lower-case ASCII words joined by ``.``,
    ``-`` or ``_``, 80 characters at most (``"orders.completed"``)."""
    return (
        isinstance(value, str)
        and len(value) <= _MAX_IDENTIFIER
        and _IDENTIFIER.fullmatch(value) is not None
    )
