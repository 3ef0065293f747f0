"""X-9: every error is typed, with a stable machine-readable code and a translated message."""

from __future__ import annotations

import importlib
import pkgutil
import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

import klickit_core
from klickit_core.shared.errors import (
    ConflictError,
    FieldError,
    KlickitError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from klickit_core.shared.i18n import translate
from klickit_core.shared.locales import UnsupportedLocaleError
from klickit_core.shared.money import InvalidAmountError, Money
from klickit_core.shared.serialisation import unstructure
from klickit_core.shared.vat import VatRate

_CODE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")


def _all_error_classes() -> list[type[KlickitError]]:
    """KlickitError and every subclass defined anywhere in klickit_core."""
    for module in pkgutil.walk_packages(klickit_core.__path__, f"{klickit_core.__name__}."):
        importlib.import_module(module.name)
    found: list[type[KlickitError]] = []
    pending: list[type[KlickitError]] = [KlickitError]
    while pending:
        cls = pending.pop()
        if cls not in found and cls.__module__.startswith("klickit_core."):
            found.append(cls)
            pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


ERROR_CLASSES = _all_error_classes()
_ids = [f"{cls.__module__}.{cls.__qualname__}" for cls in ERROR_CLASSES]


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _instance(cls: type[KlickitError], **details: str | int | bool | None) -> KlickitError:
    """An instance carrying exactly ``details``, whatever the subclass's own __init__."""
    error = cls.__new__(cls)
    KlickitError.__init__(error, **details)
    return error


def test_the_walk_finds_the_errors_of_every_context() -> None:
    """X-9: the package walk is not vacuous (it sees kernel and context errors)."""
    names = {cls.__name__ for cls in ERROR_CLASSES}
    assert {
        "KlickitError",
        "ValidationError",
        "CurrencyMismatchError",
        "UnsupportedRoundingError",
        "InvalidVatRateError",
        "MailTemplateError",
        "NaiveDatetimeError",
        "InvalidAddressError",
        "InvalidCartCookieError",
        "ProductNotFoundError",
        "SessionExpiredError",
        "NoShippingOptionError",
    } <= names
    assert len(ERROR_CLASSES) >= 30


def test_codes_are_unique() -> None:
    """X-9: an app can switch on ``code``: no two error classes share one."""
    codes = [cls.code for cls in ERROR_CLASSES]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    assert duplicates == []


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=_ids)
def test_code_is_dotted_and_declared_by_the_class(cls: type[KlickitError]) -> None:
    """X-9: a non-empty, dotted, lower-case code set by the class itself."""
    assert isinstance(cls.code, str)
    assert _CODE.fullmatch(cls.code), cls.code
    assert "code" in vars(cls)
    assert "message_template" in vars(cls)


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=_ids)
def test_message_template_is_translated_in_french(cls: type[KlickitError]) -> None:
    """X-2, X-9: the English template has a French translation with the same placeholders."""
    template = cls.message_template
    assert template.strip()
    french = translate(template, "fr")
    assert french != template
    assert french.strip()
    assert _placeholders(french) == _placeholders(template)
    assert translate(template, "en") == template


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=_ids)
def test_message_formats_with_its_details(cls: type[KlickitError]) -> None:
    """X-9: the message is the template filled with the error's details, in fr and en."""
    details = {name: f"<{name}-value>" for name in _placeholders(cls.message_template)}
    error = _instance(cls, **details)
    assert str(error) == error.message("en")
    for locale in ("fr", "en"):
        message = error.message(locale)
        assert message == translate(cls.message_template, locale).format(**details)
        assert "{" not in message
        assert "}" not in message
        for value in details.values():
            assert value in message
    assert error.message() == error.message("fr")
    payload = unstructure(error)
    payload.pop("errors", None)  # a ValidationError's field errors: tested on their own
    assert payload == {
        "code": cls.code,
        "message": str(error),
        "details": details,
    }


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=_ids)
def test_message_holds_no_value_it_was_not_given(cls: type[KlickitError]) -> None:
    """X-9: without details the template is shown as is: nothing is invented or leaked."""
    error = _instance(cls)
    for locale in ("fr", "en"):
        assert error.message(locale) == translate(cls.message_template, locale)
    # Details that the template does not name never reach the message.
    noisy = _instance(cls, secret="alice@example.com")
    for locale in ("fr", "en"):
        assert "alice@example.com" not in noisy.message(locale)


def test_explicit_message_overrides_the_template() -> None:
    """X-9: a message given explicitly is used as is, in every locale."""
    error = NotFoundError("Custom text.", sku="MUG")
    assert str(error) == "Custom text."
    assert error.message("fr") == "Custom text."
    assert unstructure(error) == {
        "code": "klickit.not_found",
        "message": "Custom text.",
        "details": {"sku": "MUG"},
    }


@pytest.mark.parametrize(
    ("error", "code", "english", "french"),
    [
        (KlickitError(), "klickit.error", "An error occurred.", "Une erreur s'est produite."),
        (
            NotFoundError(),
            "klickit.not_found",
            "The requested item was not found.",
            "L'élément demandé est introuvable.",
        ),
        (
            ConflictError(),
            "klickit.conflict",
            "The change conflicts with the current state.",
            "La modification entre en conflit avec l'état actuel.",
        ),
        (
            PermissionDeniedError(permission="orders.read"),
            "klickit.permission_denied",
            "You are not allowed to do this (orders.read).",
            "Vous n'êtes pas autorisé à faire ceci (orders.read).",
        ),
    ],
)
def test_base_errors(error: KlickitError, code: str, english: str, french: str) -> None:
    """X-9: the kernel's base errors, their codes and messages."""
    assert isinstance(error, Exception)
    assert error.code == code
    assert str(error) == english
    assert error.message("en") == english
    assert error.message("fr") == french
    assert error.message("fr_FR") == french
    assert error.message("fr-FR") == french
    with pytest.raises(UnsupportedLocaleError):  # the app's locale is checked, not guessed
        error.message("de")


def test_errors_are_catchable_through_the_hierarchy() -> None:
    """X-9: apps catch KlickitError (or a family) and never a dependency's exception."""
    with pytest.raises(KlickitError):
        Money.of(1.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(KlickitError):
        VatRate(20.0)  # type: ignore[arg-type]


# ---------------------------------------------------------------- field errors


def test_field_error_paths_and_messages() -> None:
    """X-9, CHK-1: a field error locates the field and translates its message."""
    error = FieldError(
        ("lines", 0, "quantity"), "cart.quantity", "At most {max} characters.", {"max": 60}
    )
    assert error.field == "lines.0.quantity"
    assert error.message("en") == "At most 60 characters."
    assert error.message("fr") == "60 caractères au maximum."
    assert error.message() == error.message("fr")
    assert unstructure(error, locale="en") == {
        "field": "lines.0.quantity",
        "code": "cart.quantity",
        "message": "At most 60 characters.",
    }
    # Missing params leave the template as is rather than crashing or inventing a value.
    bare = FieldError(("name",), "review.name_too_long", "At most {max} characters.")
    assert bare.message("fr") == "{max} caractères au maximum."


def _errors() -> list[FieldError]:
    return [
        FieldError(("email",), "email.invalid", "Enter a valid email address."),
        FieldError(("billing", "postcode"), "address.postcode", "Invalid address ({reason})."),
        FieldError(("name",), "review.name_required", "Enter your name."),
    ]


def test_validation_error_holds_every_field_error() -> None:
    """X-9, CHK-1: all field errors at once, with codes by path and a JSON view."""
    errors = _errors()
    error = ValidationError(errors)
    assert error.errors == tuple(errors)
    assert error.code == "klickit.validation"
    assert error.details == {"count": 3}
    assert error.codes == {
        "email": "email.invalid",
        "billing.postcode": "address.postcode",
        "name": "review.name_required",
    }
    assert str(error) == "Some fields are invalid (3)."
    assert error.message("fr") == "Certains champs sont invalides (3)."
    assert unstructure(error) == {
        "code": "klickit.validation",
        "message": "Some fields are invalid (3).",
        "details": {"count": 3},
        "errors": [
            {"field": "email", "code": "email.invalid", "message": "Enter a valid email address."},
            {
                "field": "billing.postcode",
                "code": "address.postcode",
                "message": "Invalid address ({reason}).",
            },
            {"field": "name", "code": "review.name_required", "message": "Enter your name."},
        ],
    }


def test_raise_if_any() -> None:
    """X-9: nothing is raised for no errors; otherwise one error holding them all."""
    ValidationError.raise_if_any([])
    ValidationError.raise_if_any(())
    with pytest.raises(ValidationError) as info:
        ValidationError.raise_if_any(_errors())
    assert len(info.value.errors) == 3


@given(st.text(max_size=40))
def test_refused_input_is_never_echoed(typed: str) -> None:
    """X-9: what a person typed never reaches an error's message or details (logs)."""
    value = f"{typed}!x"  # never a number
    with pytest.raises(InvalidAmountError) as info:
        Money.of(value, "EUR")
    error = info.value
    assert error.details == {"reason": "not_a_number"}
    for text in (error.message("fr"), error.message("en"), str(error), repr(unstructure(error))):
        assert value not in text
