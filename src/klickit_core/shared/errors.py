"""The error hierarchy.

Every error the library raises on purpose derives from :class:`KlickitError` and carries a
stable, machine-readable :attr:`~KlickitError.code` (``"money.currency_mismatch"``) that an
app can switch on, and a message that can be shown to a shopper in French or English.

Why this shape:

* Apps must never have to catch a bare ``ValueError`` from a dependency (SPEC X-9), so every
  boundary converts what it receives into one of these.
* Exceptions end up in logs, and logs must never hold personal data. The ``details`` carried
  by an error are therefore limited to technical facts (a SKU, a field path, a currency
  code, a count); messages are built from those details only, never from what a person
  typed.

An error's JSON (for APIs and the CLI) comes from the one converter
(:func:`klickit_core.shared.serialisation.unstructure`): ``{"code", "message", "details"}``,
plus ``"errors"`` (``[{"field", "code", "message"}]``) for a :class:`ValidationError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import attrs

from klickit_core.shared.i18n import N_, translate

__all__ = [
    "ConflictError",
    "FieldError",
    "InvalidLocaleError",
    "KlickitError",
    "NotFoundError",
    "PermissionDeniedError",
    "ValidationError",
]

#: The types a detail may have: plain, non-personal, loggable values.
DetailValue = str | int | bool | None


class KlickitError(Exception):
    """Root of every error raised on purpose by klickit_core.

    Subclasses set :attr:`code` and :attr:`message_template` (an English msgid with
    ``{name}`` placeholders filled from ``details``). ``str(error)`` is the English message;
    :meth:`message` gives it in another locale.
    """

    code: ClassVar[str] = "klickit.error"
    message_template: ClassVar[str] = N_("An error occurred.")

    def __init__(self, message: str | None = None, /, **details: DetailValue) -> None:
        self.details: Mapping[str, DetailValue] = details
        self._explicit_message = message
        super().__init__(message if message is not None else self._render("en"))

    def _render(self, locale: str) -> str:
        template = translate(self.message_template, locale)
        try:
            return template.format(**self.details)
        except (KeyError, IndexError, ValueError):
            return template

    def message(self, locale: str = "fr") -> str:
        """The message in ``locale`` (French by default, the shop's language)."""
        if self._explicit_message is not None:
            return self._explicit_message
        return self._render(locale)


class InvalidLocaleError(KlickitError):
    """A locale name Babel does not know (``"xx_YY"``)."""

    code = "i18n.invalid_locale"
    message_template = N_("Unknown locale {locale}.")


class NotFoundError(KlickitError):
    """Something asked for by id does not exist (or the actor may not know it exists)."""

    code = "klickit.not_found"
    message_template = N_("The requested item was not found.")


class ConflictError(KlickitError):
    """The change clashes with the current state (a unique key, a concurrent update)."""

    code = "klickit.conflict"
    message_template = N_("The change conflicts with the current state.")


class PermissionDeniedError(KlickitError):
    """The actor lacks the permission the use case needs (SPEC X-6, SEC-5)."""

    code = "klickit.permission_denied"
    message_template = N_("You are not allowed to do this ({permission}).")


@attrs.frozen(slots=True)
class FieldError:
    """One problem with one input field.

    ``path`` locates the field (``("billing", "postcode")``); ``code`` is machine-readable;
    ``message_template`` is an English msgid whose placeholders come from ``params``.
    """

    path: tuple[str | int, ...]
    code: str
    message_template: str
    params: Mapping[str, DetailValue] = attrs.field(factory=dict)

    @property
    def field(self) -> str:
        """The path as a dotted string, e.g. ``"billing.postcode"``."""
        return ".".join(str(part) for part in self.path)

    def message(self, locale: str = "fr") -> str:
        """The message in ``locale``."""
        template = translate(self.message_template, locale)
        try:
            return template.format(**self.params)
        except (KeyError, IndexError, ValueError):
            return template


class ValidationError(KlickitError):
    """Input was refused. Holds *every* field error at once, not just the first."""

    code = "klickit.validation"
    message_template = N_("Some fields are invalid ({count}).")

    def __init__(self, errors: tuple[FieldError, ...] | list[FieldError]) -> None:
        self.errors: tuple[FieldError, ...] = tuple(errors)
        super().__init__(count=len(self.errors))

    @classmethod
    def raise_if_any(cls, errors: list[FieldError] | tuple[FieldError, ...]) -> None:
        """Raise one error holding every field error, if there is any."""
        if errors:
            raise cls(errors)

    @property
    def codes(self) -> dict[str, str]:
        """``{field path: code}`` for quick assertions and APIs."""
        return {e.field: e.code for e in self.errors}
