"""Outgoing mail as a port (SPEC X-4).

Use cases never talk SMTP: they build a :class:`MailMessage` from a :class:`MailTemplate`
in the recipient's language and hand it to a :class:`Mailer`. Adapters: an in-memory outbox
(tests, demo), SMTP and a folder of ``.eml`` files (later issues).

Templates are gettext msgids with ``{placeholders}``, so French and English live in the same
catalogues as every other message. A template declares the placeholders it needs: a message
holds only what it needs (SPEC ORD-3), and a missing or extra value is an error, not a
half-filled mail.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import attrs

from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_, translate
from klickit_core.shared.locales import locale_language

__all__ = ["MailMessage", "MailTemplate", "MailTemplateError", "Mailer"]


class MailTemplateError(KlickitError):
    """The values given do not match the placeholders the template declares."""

    code = "mail.template_values"
    message_template = N_("Mail template {template} got the wrong values.")


@attrs.frozen(slots=True)
class MailMessage:
    """A rendered message, ready for a :class:`Mailer`.

    ``repr`` hides the recipient and body: messages hold personal data and must not end up
    in logs through a debug print.
    """

    to: str = attrs.field(repr=False)
    subject: str
    body: str = attrs.field(repr=False)
    locale: str
    template: str


def _placeholders(text: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


@attrs.frozen(slots=True)
class MailTemplate:
    """A subject and body msgid pair with named placeholders."""

    name: str
    subject: str
    body: str

    @property
    def placeholders(self) -> frozenset[str]:
        """The names the template needs, from the English source."""
        return _placeholders(self.subject) | _placeholders(self.body)

    def render(self, to: str, locale: str, values: Mapping[str, str]) -> MailMessage:
        """Render in ``locale`` (``"fr"``, ``"fr_FR"``, ``"fr-FR"``, ``"en"``...);
        ``values`` must match :attr:`placeholders` exactly.

        Raises:
            MailTemplateError: for values that do not match the placeholders.
            UnsupportedLocaleError: for a locale the shop does not speak.
        """
        if set(values) != self.placeholders:
            raise MailTemplateError(template=self.name)
        language = locale_language(locale)
        subject = translate(self.subject, language).format_map(values)
        body = translate(self.body, language).format_map(values)
        return MailMessage(to=to, subject=subject, body=body, locale=language, template=self.name)


@runtime_checkable
class Mailer(Protocol):
    """Sends a message. Adapters decide how (memory, SMTP, folder)."""

    def send(self, message: MailMessage) -> None:
        """Deliver ``message`` or raise a :class:`KlickitError` subclass."""
        ...
