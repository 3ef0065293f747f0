"""A wrapper for secrets typed by people (passwords), so they cannot leak by accident.

``repr``, ``str`` and f-strings of a :class:`Secret` print ``***``: a form object, an error
or a debug log line holding one never shows the value. Only :meth:`Secret.reveal` gives it,
and the code that calls it is the code to review. Equality is constant-time; a secret is
not hashable (it must not become a dict key or land in a set) and cannot be pickled (so it
does not travel into caches, sessions or task queues). It is immutable, so ``copy`` and
``deepcopy`` (which some frameworks apply to form data) give back the same object rather
than going through pickling's protocol.

It wraps a ``str`` rather than subclassing it: a ``str`` subclass would leak through every
string operation (``+``, slicing, ``json.dumps``, ``"%s" %``), each returning a plain string.
"""

from __future__ import annotations

import hmac
from typing import Any, NoReturn

__all__ = ["Secret"]


class Secret:
    """A string that hides itself."""

    __slots__ = ("_value",)
    _value: str

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("a Secret wraps a str")
        object.__setattr__(self, "_value", value)

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
        # ``surrogatepass``: a lone surrogate typed by a broken client still compares.
        return hmac.compare_digest(
            self._value.encode("utf-8", "surrogatepass"),
            other._value.encode("utf-8", "surrogatepass"),
        )

    __hash__ = None  # type: ignore[assignment]

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("a Secret is immutable")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("a Secret is immutable")

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")
