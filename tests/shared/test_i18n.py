"""X-2: messages exist in French and English, in gettext catalogues compiled with Babel."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import klickit_core
from klickit_core.shared.i18n import (
    DEFAULT_LOCALE,
    LOCALE_DIR,
    SUPPORTED_LOCALES,
    negotiate_locale,
    translate,
    translation,
)

PACKAGE_DIR = Path(klickit_core.__file__).resolve().parent
POT_PATH = PACKAGE_DIR / "locale" / "klickit.pot"

#: French msgids whose translation is, by nature, the same word.
SAME_IN_FRENCH = {"Stock", "Total"}


def _po(locale: str) -> Catalog:
    with (PACKAGE_DIR / "locale" / locale / "LC_MESSAGES" / "klickit.po").open("rb") as handle:
        return read_po(handle)


def _mo(locale: str) -> Catalog:
    with (PACKAGE_DIR / "locale" / locale / "LC_MESSAGES" / "klickit.mo").open("rb") as handle:
        return read_mo(handle)


def _pot() -> Catalog:
    with POT_PATH.open("rb") as handle:
        return read_po(handle)


def _messages(catalog: Catalog) -> dict[str, str]:
    return {str(m.id): str(m.string) for m in catalog if m.id}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_locale_settings() -> None:
    """X-2: French is the default; French and English are supported."""
    assert DEFAULT_LOCALE == "fr"
    assert SUPPORTED_LOCALES == ("fr", "en")
    assert LOCALE_DIR.resolve() == (PACKAGE_DIR / "locale").resolve()


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_compiled_catalogue_matches_its_source(locale: str) -> None:
    """X-2: the shipped .mo is the compilation of the .po (they cannot drift)."""
    po, mo = _po(locale), _mo(locale)
    assert not [m.id for m in po if m.id and m.fuzzy], "fuzzy entries are not compiled"
    assert not po.obsolete
    assert _messages(mo) == _messages(po)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalogue_is_up_to_date_with_the_template(locale: str) -> None:
    """X-2: every msgid of the .pot is in the catalogue and nothing else is."""
    assert set(_messages(_po(locale))) == set(_messages(_pot()))


def test_every_french_message_is_translated_with_the_same_placeholders() -> None:
    """X-2: no empty translation, no lost or invented ``{placeholder}``."""
    messages = _messages(_po("fr"))
    assert messages
    for msgid, msgstr in messages.items():
        assert msgstr.strip(), f"untranslated: {msgid!r}"
        assert _placeholders(msgstr) == _placeholders(msgid), msgid
        if msgid not in SAME_IN_FRENCH:
            assert msgstr != msgid, f"not translated: {msgid!r}"


def test_english_messages_keep_their_placeholders() -> None:
    """X-2: English entries are either empty (msgid used) or keep the placeholders."""
    for msgid, msgstr in _messages(_po("en")).items():
        assert not msgstr or _placeholders(msgstr) == _placeholders(msgid), msgid


def test_every_marked_message_is_in_the_template() -> None:
    """X-2: each ``N_(...)`` in the source is in the .pot, and the .pot has nothing stale."""
    extracted = {
        message
        for _, _, message, _, _ in extract_from_dir(
            str(PACKAGE_DIR),
            method_map=[("**.py", "python")],
            keywords={"N_": None},
        )
    }
    assert len(extracted) > 50  # the extraction really read the sources
    template = set(_messages(_pot()))
    assert sorted(extracted - template) == [], "run `nox -s i18n`"
    assert sorted(template - extracted) == [], "stale msgids in the .pot"


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("fr_FR", "fr"),
        ("fr-CA", "fr"),
        ("fr", "fr"),
        ("en-GB", "en"),
        ("en_US", "en"),
        ("EN", "en"),
        ("En-gb", "en"),
        ("en", "en"),
        ("", "fr"),
        (None, "fr"),
        ("de", "fr"),
        ("de_DE", "fr"),
        ("english", "fr"),
        ("zz-ZZ", "fr"),
    ],
)
def test_negotiate_locale(requested: str | None, expected: str) -> None:
    """X-2: language tags map to a supported language; anything else gives French."""
    assert negotiate_locale(requested) == expected


@pytest.mark.parametrize(
    ("msgid", "locale", "expected"),
    [
        ("Write a review.", "fr", "Rédigez un avis."),
        ("Write a review.", "fr_FR", "Rédigez un avis."),
        ("Write a review.", "fr-FR", "Rédigez un avis."),
        ("Write a review.", "en", "Write a review."),
        ("Write a review.", "en-GB", "Write a review."),
        ("Invalid VAT rate.", "fr", "Taux de TVA invalide."),
        ("Not a msgid at all.", "fr", "Not a msgid at all."),
    ],
)
def test_translate(msgid: str, locale: str, expected: str) -> None:
    """X-2: lookups in the compiled catalogues, French by default."""
    assert translate(msgid, locale) == expected
    if locale == "fr":
        assert translate(msgid) == expected


def test_translation_objects_are_the_compiled_catalogues() -> None:
    """X-2: each supported language has its own compiled catalogue."""
    assert translation("fr").gettext("Write a review.") == "Rédigez un avis."
    assert translation("en").gettext("Write a review.") == "Write a review."
    assert translation("fr").info()["language"] == "fr"
    assert translation("en").info()["language"] == "en"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_empty_message_translates_to_empty(locale: str) -> None:
    """X-2, X-9: ``translate("")`` must be ``""``.

    gettext maps the empty msgid to the catalogue header ("Project-Id-Version: …,
    Last-Translator: FULL NAME <EMAIL@ADDRESS> …"); an empty mail body or message template
    would otherwise show that header to a shopper.
    """
    assert translate("", locale) == ""
