"""Translations (SPEC X-2): French by default, English too.

Messages are written in English in the source and marked with :func:`N_` (for later
translation) or looked up with :func:`translate`. The catalogues are gettext ``.po`` files
compiled to ``.mo`` with Babel (``nox -s i18n``); both are shipped in the package, and a test
checks the ``.mo`` files match their ``.po`` sources so they cannot drift.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

__all__ = [
    "DEFAULT_LOCALE",
    "N_",
    "SUPPORTED_LOCALES",
    "negotiate_locale",
    "translate",
    "translation",
]

#: The shop's language: the policy is French and so is the default.
DEFAULT_LOCALE = "fr"
SUPPORTED_LOCALES: tuple[str, ...] = ("fr", "en")
DOMAIN = "klickit"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark ``message`` for extraction without translating it now."""
    return message


def negotiate_locale(requested: str | None) -> str:
    """Map ``"fr_FR"``, ``"en-GB"``, ``"EN"``... to a supported language.

    Unknown or empty values fall back to :data:`DEFAULT_LOCALE`: a shopper with an unusual
    browser language still gets a readable page rather than an error.
    """
    if not requested:
        return DEFAULT_LOCALE
    language = requested.replace("-", "_").split("_", 1)[0].lower()
    return language if language in SUPPORTED_LOCALES else DEFAULT_LOCALE


@lru_cache(maxsize=8)
def translation(locale: str) -> gettext.NullTranslations:
    """The compiled catalogue for ``locale`` (negotiated first)."""
    language = negotiate_locale(locale)
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[language])


def translate(message: str, locale: str = DEFAULT_LOCALE) -> str:
    """``message`` (an English msgid) in ``locale``."""
    if not message:  # gettext maps "" to the catalogue header, never what a caller wants
        return message
    return translation(locale).gettext(message)
