"""Translated labels of a status enum, looked up by value: one rule for every context."""

from __future__ import annotations

from collections.abc import Mapping

from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import translate

__all__ = ["status_label"]


def status_label(
    labels: Mapping[str, str], status: object, locale: str, unknown: type[KlickitError]
) -> str:
    """``labels[status]`` in ``locale``; ``status`` an enum member or its value (a
    ``StrEnum`` member is its value). Anything else raises ``unknown`` with the status's
    first 40 characters (or its type's name), never more of what an app passed."""
    label = labels.get(status) if isinstance(status, str) else None
    if label is None:
        shown = status[:40] if isinstance(status, str) else type(status).__name__
        raise unknown(status=shown)
    return translate(label, locale)
