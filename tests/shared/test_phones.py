"""CHK-1 (with X-9): phones parsed with phonenumbers, stored E.164, displayed nationally."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from klickit_core.shared.errors import FieldError
from klickit_core.shared.phones import (
    FRENCH_NUMBERING_PLAN_REGIONS,
    MAX_PHONE_INPUT_LENGTH,
    InvalidPhoneNumberError,
    check_phone,
    format_national,
)

PATH = ("phone",)


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("01 23 45 67 89", "+33123456789"),
        ("0123456789", "+33123456789"),
        ("06 12 34 56 78", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("06-12-34-56-78", "+33612345678"),
        ("06/12/34/56/78", "+33612345678"),
        ("  06 12 34 56 78\t", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("06\u00a012\u00a034\u00a056\u00a078", "+33612345678"),  # no-break spaces
        ("０６１２３４５６７８", "+33612345678"),  # full-width digits
        ("٠٦١٢٣٤٥٦٧٨", "+33612345678"),  # Arabic-Indic digits
        ("+44 20 7946 0958", "+442079460958"),
        ("+1 650 253 0000", "+16502530000"),
        ("+49 30 901820", "+4930901820"),
    ],
)
def test_valid_numbers_are_stored_in_e164(typed: str, e164: str) -> None:
    """CHK-1: any usual spelling gives the one E.164 form."""
    assert check_phone(typed, PATH) == e164
    assert check_phone(e164, PATH) == e164  # idempotent


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("0692 12 34 56", "+262692123456"),  # La Réunion mobile
        ("0262 12 34 56", "+262262123456"),  # La Réunion landline
        ("0639 40 12 34", "+262639401234"),  # Mayotte mobile
        ("0690 12 34 56", "+590690123456"),  # Guadeloupe mobile
        ("0696 12 34 56", "+596696123456"),  # Martinique mobile
        ("0694 12 34 56", "+594694123456"),  # French Guiana mobile
    ],
)
def test_overseas_numbers_typed_nationally(typed: str, e164: str) -> None:
    """CHK-1: a shopper overseas types a French national number; it gets its real code."""
    assert phonenumbers.is_valid_number(phonenumbers.parse(e164, None))
    assert check_phone(typed, PATH) == e164


def test_other_default_region() -> None:
    """CHK-1: the default region reads numbers typed without a prefix."""
    assert check_phone("030 901820", PATH, default_region="DE") == "+4930901820"
    assert check_phone("(650) 253-0000", PATH, default_region="US") == "+16502530000"
    error = check_phone("030 901820", PATH)  # not a French number
    assert isinstance(error, FieldError)
    assert error.code == "phone.invalid"


def test_unsupported_default_region_is_a_programming_error() -> None:
    """A misconfigured region must not silently refuse every shopper's number."""
    with pytest.raises(ValueError, match="region"):
        check_phone("0612345678", PATH, default_region="XX")


@pytest.mark.parametrize("typed", ["", "   ", "\u00a0", None, 612345678, b"0612345678", ["06"]])
def test_missing_number_is_required(typed: object) -> None:
    """CHK-1, X-9: empty or non-text input gives ``phone.required`` at the path."""
    error = check_phone(typed, PATH)
    assert isinstance(error, FieldError)
    assert (error.path, error.code) == (PATH, "phone.required")
    assert error.message("en") == "Enter a phone number."


@pytest.mark.parametrize(
    "typed",
    [
        "06 12 34 56 789",  # too long for France
        "06 12 34 56",  # too short
        "07 00 00 00 00",  # possible length, not an allocated range
        "0012345678",  # possible, invalid
        "123",
        "+",
        "+33",
        "++33612345678",
        "1-800-FLOWERS",  # letters (phonenumbers would read them as digits)
        "06 12 34 56 78 ext 12",  # extension
        "06 12 34 56 78;ext=12",
        "tel:+33612345678",
        "06 12 34 56 78#",
        "06\n12 34 56 78",  # control character
        "06\x0012345678",
        "06\ud80012345678",  # lone surrogate
        "<script>alert(1)</script>",
        "0612345678" * 5,
        "0" * 10_000,
        "+33 6 12 34 56 78" + " " * 200 + "9",
    ],
)
def test_bad_numbers_are_invalid(typed: str) -> None:
    """CHK-1, X-9: malformed, impossible or unallocated numbers give ``phone.invalid``."""
    error = check_phone(typed, PATH)
    assert isinstance(error, FieldError)
    assert (error.path, error.code) == (PATH, "phone.invalid")
    assert error.params == {}  # the typed value never goes into the error
    assert error.message("en") == "Enter a valid phone number."


def test_input_length_limit() -> None:
    """X-9: a number padded beyond the limit is refused before parsing."""
    padded = "06 12 34 56 78".center(MAX_PHONE_INPUT_LENGTH + 1, "-")
    assert len(padded.strip()) > MAX_PHONE_INPUT_LENGTH
    error = check_phone(padded, PATH)
    assert isinstance(error, FieldError)
    assert error.code == "phone.invalid"


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+33123456789", "01 23 45 67 89"),
        ("+33612345678", "06 12 34 56 78"),
        ("+262692123456", "0692 12 34 56"),  # overseas: national from France too
        ("+590690123456", "0690 12 34 56"),
        ("+442079460958", "+44 20 7946 0958"),  # foreign: international
        ("+16502530000", "+1 650-253-0000"),
    ],
)
def test_format_national(e164: str, shown: str) -> None:
    """CHK-1: stored E.164, displayed as a French shopper dials it."""
    assert format_national(e164) == shown


def test_format_national_for_another_region() -> None:
    """Display follows the reader's region."""
    assert format_national("+442079460958", region="GB") == "020 7946 0958"
    assert format_national("+33612345678", region="GB") == "+33 6 12 34 56 78"


@pytest.mark.parametrize("bad", ["0612345678", "", "+", "+abc", "+999", None, 33612345678])
def test_format_national_refuses_non_e164(bad: object) -> None:
    """X-9: a typed error, never a phonenumbers exception."""
    with pytest.raises(InvalidPhoneNumberError) as info:
        format_national(bad)  # type: ignore[arg-type]
    assert info.value.code == "phone.invalid"


def test_french_plan_regions_are_phonenumbers_regions() -> None:
    """The overseas regions named are known to phonenumbers."""
    assert FRENCH_NUMBERING_PLAN_REGIONS <= phonenumbers.SUPPORTED_REGIONS


@given(
    st.one_of(
        st.text(max_size=60),
        st.text(alphabet="0123456789 +-.()/", max_size=30),
        st.from_regex(r"0[1-9]( ?[0-9]{2}){4}", fullmatch=True),
        st.none(),
        st.integers(),
    )
)
def test_never_raises_and_results_are_valid(value: object) -> None:
    """X-9: any input gives a valid E.164 number or a phone FieldError, nothing else."""
    result = check_phone(value, PATH)
    if isinstance(result, FieldError):
        assert result.code in {"phone.required", "phone.invalid"}
        assert result.path == PATH
    else:
        parsed = phonenumbers.parse(result, None)
        assert phonenumbers.is_valid_number(parsed)
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == result
        assert check_phone(result, PATH) == result
        assert format_national(result)
