"""A wrapper for secrets typed by people (passwords), so they cannot leak by accident.

``repr``, ``str`` and f-strings of a :class:`Secret` print ``***``: a form object, an error
or a debug log line holding one never shows the value. Only :meth:`Secret.reveal` gives it,
and the code that calls it is the code to review. Equality is constant-time; a secret is
not hashable (it must not become a dict key or land in a set) and cannot be pickled (so it
does not travel into caches or task queues).
"""

from __future__ import annotations

import hmac
from typing import NoReturn

__all__ = ["Secret"]


class Secret:
    """A string that hides itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself. Call it only where the value is really needed."""
        return self._value

    def __len__(self) -> int:
        return len(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(
            self._value.encode("utf-8", "surrogatepass"),
            other._value.encode("utf-8", "surrogatepass"),
        )

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")
