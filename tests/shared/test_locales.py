"""X-2 (issue 14): one locale argument, in every form an app holds it. ``"fr"``,
``"fr_FR"`` and ``"fr-FR"`` (``"en"``, ``"en_GB"``, ``"en-GB"``, any case) give the same
message and the same formatting everywhere; anything else is refused, never guessed."""

from __future__ import annotations

from datetime import date

import pytest

from klickit_core.adapters.export.html_bundle import format_value
from klickit_core.personal_data import ExportField, FieldKind
from klickit_core.privacy.retention import Period
from klickit_core.shared.errors import InvalidLocaleError, NotFoundError
from klickit_core.shared.i18n import negotiate_locale, translate
from klickit_core.shared.locales import (
    LOCALES,
    UnsupportedLocaleError,
    locale_language,
    normalise_locale,
)
from klickit_core.shared.mail import MailTemplate
from klickit_core.shared.money import Money
from klickit_core.shared.vat import FRANCE_VAT, VatClass

FRENCH = ["fr", "fr_FR", "fr-FR", "FR", "fr_fr", "Fr-fR"]
ENGLISH = ["en", "en_GB", "en-GB", "EN", "en_gb", "En-Gb"]
REFUSED = ["de", "de_DE", "en_US", "fr_CA", "fr-BE", "english", "", " fr", "fr_", "fr__FR", "e"]
FORMS = [(form, "fr_FR") for form in FRENCH] + [(form, "en_GB") for form in ENGLISH]
REVIEW = MailTemplate("review", "Write a review.", "Enter your name.")


@pytest.mark.parametrize(("form", "full"), FORMS)
def test_every_form_names_one_full_locale(form: str, full: str) -> None:
    """X-2: the region defaults to the shop's: ``fr`` is ``fr_FR``, ``en`` is ``en_GB``."""
    assert normalise_locale(form) == full
    assert normalise_locale(form) == full  # the second time from the cache
    assert locale_language(form) == full[:2]
    assert LOCALES[full[:2]] == full


@pytest.mark.parametrize("value", [*REFUSED, None, 1, b"fr", ["fr"]])
def test_anything_else_is_refused_with_a_typed_error(value: object) -> None:
    """X-2, X-9: no silent fallback; the error names the value (20 characters at most),
    is an :class:`InvalidLocaleError`, and reads in both languages."""
    with pytest.raises(UnsupportedLocaleError) as refused:
        normalise_locale(value)
    error = refused.value
    assert isinstance(error, InvalidLocaleError)
    assert error.code == "i18n.unsupported_locale"
    shown = value[:20] if isinstance(value, str) else type(value).__name__
    assert error.details == {"locale": shown}
    assert error.message("fr").startswith(f"Langue non prise en charge {shown} :")
    assert str(error).startswith(f"Unsupported locale {shown}:")


def test_a_long_value_is_cut_in_the_error() -> None:
    with pytest.raises(UnsupportedLocaleError) as refused:
        locale_language("x" * 100)
    assert refused.value.details == {"locale": "x" * 20}


def test_a_browser_tag_is_still_negotiated_leniently() -> None:
    """X-2: ``negotiate_locale`` stays the way to read a visitor's tag, then any
    function takes its answer."""
    for tag in ("de-CH", "en-US", "fr-CA", ""):
        assert normalise_locale(negotiate_locale(tag)) in {"fr_FR", "en_GB"}


@pytest.mark.parametrize(("forms", "message", "amount", "rate", "period"), [
    (FRENCH, "Rédigez un avis.", "1\u202f234,50\xa0€", "5,5\xa0%", "10 ans"),
    (ENGLISH, "Write a review.", "€1,234.50", "5.5%", "10 years"),
])  # fmt: skip
def test_every_form_gives_the_same_text_everywhere(
    forms: list[str], message: str, amount: str, rate: str, period: str
) -> None:
    """X-2: messages, mails, errors, amounts, rates, periods and exported values read the
    same whichever form names the language."""
    money = Money.of("1234.5", "EUR")
    reduced = FRANCE_VAT.rate(VatClass.REDUCED)
    ten_years = Period.years(10)
    day = ExportField("day", "Day", date(2026, 11, 24), FieldKind.PLAIN)
    language = "fr" if forms is FRENCH else "en"
    shown_day = "24 novembre 2026" if forms is FRENCH else "24 November 2026"
    for form in forms:
        assert translate("Write a review.", form) == message
        assert REVIEW.render("a@example.fr", form, {}).subject == message
        assert REVIEW.render("a@example.fr", form, {}).locale == language
        assert NotFoundError().message(form) == NotFoundError().message(language)
        assert money.format(form) == amount
        assert f"{money:{form}}" == amount
        assert reduced.format(form) == rate
        assert ten_years.label(form) == period
        assert format_value(day, form) == shown_day


@pytest.mark.parametrize("value", ["de", "en_US", "fr-CA"])
def test_every_function_taking_a_locale_refuses_the_same_values(value: str) -> None:
    """X-2: one rule everywhere: what ``normalise_locale`` refuses, each function does."""
    calls = [
        lambda: translate("Write a review.", value),
        lambda: REVIEW.render("a@example.fr", value, {}),
        lambda: NotFoundError().message(value),
        lambda: Money.of("1", "EUR").format(value),
        lambda: FRANCE_VAT.rate(VatClass.STANDARD).format(value),
        lambda: Period.years(1).label(value),
    ]
    for call in calls:
        with pytest.raises(UnsupportedLocaleError):
            call()
