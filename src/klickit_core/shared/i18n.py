"""Translations (SPEC X-2): French by default, English too.

Messages are written in English in the source and marked with :func:`N_` (for later
translation) or looked up with :func:`translate`. The catalogues are gettext ``.po`` files
compiled to ``.mo`` with Babel (``nox -s i18n``); both are shipped in the package, and a test
checks the ``.mo`` files match their ``.po`` sources so they cannot drift.

A locale argument is read by :func:`~klickit_core.shared.locales.normalise_locale`
(``"en"``, ``"en_GB"``, ``"en-GB"`` all mean English; anything unsupported is an error). A
browser's language tag goes through :func:`negotiate_locale` first, which never fails.
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
    """Map a browser's language tag (``"fr_FR"``, ``"en-US"``, ``"EN"``...) to a supported
    language.

    Unknown or empty values fall back to :data:`DEFAULT_LOCALE`: a shopper with an unusual
    browser language still gets a readable page rather than an error. This is for tags a
    visitor sends; a locale the app passes to the library must be a supported one
    (:func:`~klickit_core.shared.locales.normalise_locale`).
    """
    if not requested:
        return DEFAULT_LOCALE
    language = requested.replace("-", "_").split("_", 1)[0].lower()
    return language if language in SUPPORTED_LOCALES else DEFAULT_LOCALE


#: The catalogue of each locale form already read (only accepted forms get in: bounded).
_BY_FORM: dict[str, gettext.NullTranslations] = {}


def _language(locale: object) -> str:
    """The language of ``locale``, through
    :func:`~klickit_core.shared.locales.locale_language`. Imported here, not at the top:
    that module imports this one (through the errors)."""
    from klickit_core.shared.locales import locale_language  # noqa: PLC0415 - see above

    return locale_language(locale)


@lru_cache(maxsize=8)
def _catalogue(language: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[language])


def translation(locale: str) -> gettext.NullTranslations:
    """The compiled catalogue for ``locale`` (``"fr"``, ``"fr_FR"``, ``"fr-FR"``...).

    Raises:
        UnsupportedLocaleError: for a locale the shop does not speak.
    """
    given: object = locale  # from the app: may be anything, even unhashable
    found = _BY_FORM.get(given) if isinstance(given, str) else None
    if found is None:
        found = _catalogue(_language(given))  # refuses a non-string before it is stored
        _BY_FORM[locale] = found
    return found


def translate(message: str, locale: str = DEFAULT_LOCALE) -> str:
    """``message`` (an English msgid) in ``locale`` (any form
    :func:`~klickit_core.shared.locales.normalise_locale` accepts).

    Raises:
        UnsupportedLocaleError: for a locale the shop does not speak.
    """
    catalogue = translation(locale)  # first: a bad locale is refused even for ""
    if not message:  # gettext maps "" to the catalogue header, never what a caller wants
        return message
    return catalogue.gettext(message)
