"""One locale argument, in every form an app may hold it (SPEC X-2, decision 0014).

The shop speaks French (its default) and English. An app may hold the language as
``"fr"``, ``"fr_FR"`` or ``"fr-FR"`` (``"en"``, ``"en_GB"``, ``"en-GB"``), whatever its
framework hands it; every public function taking a locale accepts all of them and gives
the same result, because each goes through :func:`normalise_locale`. Messages use the
language part; Babel formatting (amounts, rates, dates) uses the full locale, whose region
defaults to the shop's: ``fr`` is ``fr_FR``, ``en`` is ``en_GB``.

Anything else is :class:`UnsupportedLocaleError`, never a silent fallback: a locale an
app passes is the app's choice, and a typo (``"eng"``) should show at once. A browser's
language tag (``Accept-Language: de-CH``) is the visitor's, not the app's: map it first
with :func:`~klickit_core.shared.i18n.negotiate_locale`, which always gives a supported
language.
"""

from __future__ import annotations

from typing import Final

from klickit_core.shared.errors import InvalidLocaleError
from klickit_core.shared.i18n import N_

__all__ = [
    "LOCALES",
    "UnsupportedLocaleError",
    "locale_language",
    "normalise_locale",
]

#: Each supported language and the full locale it stands for (its region: the shop's).
LOCALES: Final = {"fr": "fr_FR", "en": "en_GB"}

#: Forms already parsed, to their full locale (bounded: only accepted forms are kept).
_SEEN: dict[str, str] = {}


class UnsupportedLocaleError(InvalidLocaleError):
    """The locale is not one the shop speaks (``locale``: its first 20 characters)."""

    code = "i18n.unsupported_locale"
    message_template = N_(
        "Unsupported locale {locale}: use fr, fr_FR or fr-FR (French), en, en_GB or en-GB "
        "(English)."
    )


def _refused(value: object) -> UnsupportedLocaleError:
    shown = value[:20] if isinstance(value, str) else type(value).__name__
    return UnsupportedLocaleError(locale=shown)


def normalise_locale(value: object) -> str:
    """The full locale ``value`` names: ``"fr_FR"`` or ``"en_GB"``.

    Accepts a supported language alone (``"fr"``, ``"en"``) or with the shop's region,
    separated by ``_`` or ``-``, in any case (``"fr-FR"``, ``"EN_gb"``).

    Raises:
        UnsupportedLocaleError: for anything else (another language or region, an empty
            value, a value that is not a string).
    """
    if not isinstance(value, str):
        raise _refused(value)
    known = _SEEN.get(value)
    if known is not None:
        return known
    language, separator, region = value.lower().replace("-", "_").partition("_")
    full = LOCALES.get(language)
    if full is None or (separator and region != full.partition("_")[2].lower()):
        raise _refused(value)
    _SEEN[value] = full
    return full


def locale_language(value: object) -> str:
    """The language part of :func:`normalise_locale`: ``"fr"`` or ``"en"``.

    Raises:
        UnsupportedLocaleError: as :func:`normalise_locale` does.
    """
    return normalise_locale(value).partition("_")[0]
