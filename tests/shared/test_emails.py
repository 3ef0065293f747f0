"""CHK-1 (with X-9): email addresses checked with email-validator and normalised."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klickit_core.shared.emails import MAX_EMAIL_LENGTH, check_email
from klickit_core.shared.errors import FieldError, ValidationError

PATH = ("billing", "email")


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("alice@example.com", "alice@example.com"),
        ("Alice@Example.COM", "alice@example.com"),
        ("ALICE.MARTIN+shop@EXAMPLE.FR", "alice.martin+shop@example.fr"),
        ("  bob@example.fr \n", "bob@example.fr"),
        ("Élodie@Exämple.FR", "élodie@exämple.fr"),
        ("a@xn--exmple-cua.fr", "a@exämple.fr"),  # punycode and Unicode: one key
    ],
)
def test_valid_addresses_are_normalised(typed: str, normalised: str) -> None:
    """CHK-1, PRV-3: one person, one key: domain and local part are lower-cased."""
    assert check_email(typed, PATH) == normalised
    assert check_email(normalised, PATH) == normalised  # idempotent


@pytest.mark.parametrize("typed", ["", "   ", "\t\n", None, 42, b"alice@example.com", ["a@b.fr"]])
def test_missing_address_is_required(typed: object) -> None:
    """CHK-1, X-9: empty or non-text input gives ``email.required`` at the given path."""
    error = check_email(typed, PATH)
    assert isinstance(error, FieldError)
    assert error.code == "email.required"
    assert error.path == PATH
    assert error.field == "billing.email"
    assert error.message("fr") == "Saisissez une adresse e-mail."
    assert error.message("en") == "Enter an email address."


@pytest.mark.parametrize(
    "typed",
    [
        "alice",
        "alice@",
        "@example.com",
        "alice@@example.com",
        "alice example@example.com",
        "Alice <alice@example.com>",
        "alice@localhost",
        "alice@example",
        "alice@example..com",
        "alice@-example.com",
        "x" * 64 + "@" + "a" * 63 + "." + "b" * 63 + "." + "c" * 59 + ".fr",  # 255
        "x" * 300 + "@example.com",
    ],
)
def test_malformed_address_is_invalid(typed: str) -> None:
    """CHK-1, X-9: malformed or too long input gives ``email.invalid``, not an exception."""
    error = check_email(typed, PATH)
    assert isinstance(error, FieldError)
    assert error.code == "email.invalid"
    assert error.path == PATH
    assert error.message("fr") == "Saisissez une adresse e-mail valide."
    assert error.message("en") == "Enter a valid email address."
    assert error.params == {}  # the typed value is never carried into the error


def test_length_limit_is_254() -> None:
    """CHK-1: 254 characters is the longest valid address; 255 is refused."""
    domain = "a" * 63 + "." + "b" * 63 + "." + "c" * 58 + ".fr"
    longest = "x" * 64 + "@" + domain
    assert len(longest) == MAX_EMAIL_LENGTH == 254
    assert check_email(longest, PATH) == longest
    too_long = "x" * 64 + "@" + "a" * 63 + "." + "b" * 63 + "." + "c" * 59 + ".fr"
    assert len(too_long) == 255
    error = check_email(too_long, PATH)
    assert isinstance(error, FieldError)
    assert error.code == "email.invalid"


@pytest.mark.parametrize("path", [("email",), ("contacts", 2, "email"), ()])
def test_error_is_located_at_the_given_path(path: tuple[str | int, ...]) -> None:
    """CHK-1: all field errors can be returned at once, each at its own path."""
    error = check_email("nope", path)
    assert isinstance(error, FieldError)
    assert error.path == path
    assert error.field == ".".join(str(part) for part in path)


def test_errors_collect_into_one_validation_error() -> None:
    """CHK-1, X-9: field errors from several checks are raised together."""
    results = [check_email("", ("email",)), check_email("x@", ("shipping", "email"))]
    errors = [result for result in results if isinstance(result, FieldError)]
    with pytest.raises(ValidationError) as info:
        ValidationError.raise_if_any(errors)
    assert info.value.codes == {"email": "email.required", "shipping.email": "email.invalid"}


@given(st.emails())
def test_case_never_makes_two_keys(address: str) -> None:
    """PRV-3: the same ASCII address in any case gives the same result."""
    assert check_email(address.swapcase(), PATH) == check_email(address, PATH)
    assert check_email(address.upper(), PATH) == check_email(address.lower(), PATH)
    result = check_email(address, PATH)
    if isinstance(result, str):
        assert result == result.lower()
        assert check_email(result, PATH) == result


@given(st.one_of(st.text(max_size=300), st.none(), st.integers(), st.binary(max_size=20)))
def test_never_raises(value: object) -> None:
    """X-9: any input gives a normalised address or a FieldError, never an exception."""
    result = check_email(value, PATH)
    if isinstance(result, FieldError):
        assert result.code in {"email.required", "email.invalid"}
        assert result.path == PATH
    else:
        assert isinstance(result, str)
        assert result.count("@") >= 1
        assert len(result) <= MAX_EMAIL_LENGTH
