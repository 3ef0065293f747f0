"""SES-1, SES-2, CHK-1 (with X-9): postal addresses as plain, validated values."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given

from klickit_core.shared.addresses import InvalidAddressError, PostalAddress, is_known_country
from klickit_core.testing import strategies as kst


@pytest.mark.parametrize(
    ("given_country", "stored"),
    [("FR", "FR"), ("fr", "FR"), (" be ", "BE"), ("De", "DE"), ("gp", "GP"), ("\tit\n", "IT")],
)
def test_country_is_normalised_to_upper_case(given_country: str, stored: str) -> None:
    """X-9: the country is stored as an upper-case ISO 3166-1 alpha-2 code."""
    assert PostalAddress(given_country).country == stored


def test_text_fields_are_stripped_and_defaults_are_empty() -> None:
    """SES-1: only the country is required at this level."""
    address = PostalAddress("FR")
    assert (address.postcode, address.city, address.street, address.region) == ("", "", (), "")
    full = PostalAddress(
        "fr", postcode=" 75011 ", city=" Paris ", street=("12 rue X", "Bât. B"), region=" IDF "
    )
    assert full == PostalAddress(
        "FR", postcode="75011", city="Paris", street=("12 rue X", "Bât. B"), region="IDF"
    )
    assert hash(full) == hash(attrs.evolve(full))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        full.city = "Lyon"  # type: ignore[misc]


@pytest.mark.parametrize(
    "country", ["XX", "FRA", "", "F", "fr-FR", "F R", "12", "001", None, 33, ("FR",)]
)
def test_unknown_country_is_refused(country: object) -> None:
    """X-9: an unknown or malformed country raises InvalidAddressError (reason country)."""
    with pytest.raises(InvalidAddressError) as info:
        PostalAddress(country)  # type: ignore[arg-type]
    assert info.value.code == "address.invalid"
    assert info.value.details == {"reason": "country"}


@pytest.mark.parametrize("code", ["ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"])
def test_cldr_pseudo_territories_are_not_countries(code: str) -> None:
    """X-9: ``is_known_country`` promises ISO 3166-1 alpha-2 codes.

    CLDR also names regions that are not countries (``ZZ`` "Unknown Region", ``EU``,
    ``EZ`` eurozone, ``UN``, ``QO`` outlying Oceania, ``XA``/``XB`` pseudo-locales); an
    address cannot be in one of those.
    """
    assert not is_known_country(code)
    with pytest.raises(InvalidAddressError):
        PostalAddress(code)


@pytest.mark.parametrize("code", ["FR", "BE", "DE", "GP", "RE", "MC", "CH", "US", "JP", "GB"])
def test_real_countries_are_known(code: str) -> None:
    """SES-2: mainland, overseas, EU and world destinations are all known."""
    assert is_known_country(code)
    assert not is_known_country(code.lower())  # the checker takes normalised codes


@pytest.mark.parametrize("field", ["postcode", "city", "region"])
def test_oversized_field_is_refused(field: str) -> None:
    """X-9: a field over 200 characters is refused, naming the field, not its content."""
    PostalAddress("FR", **{field: "a" * 200})  # the limit itself is fine
    secret = "Chez Alice Martin " * 12
    with pytest.raises(InvalidAddressError) as info:
        PostalAddress("FR", **{field: secret})
    assert info.value.details == {"reason": field}
    assert "Alice" not in str(info.value)
    assert "Alice" not in info.value.message("fr")


@pytest.mark.parametrize("field", ["postcode", "city", "region"])
@pytest.mark.parametrize("value", [75011, None, b"75011"])
def test_non_text_field_is_refused(field: str, value: object) -> None:
    """X-9: text fields must be strings."""
    with pytest.raises(InvalidAddressError) as info:
        PostalAddress("FR", **{field: value})  # type: ignore[arg-type]
    assert info.value.details == {"reason": field}


@pytest.mark.parametrize(
    "street",
    [
        ("1", "2", "3", "4", "5"),  # too many lines
        ("a" * 201,),  # oversized line
        ("ok", 12),  # not text
        ["12 rue X"],  # not a tuple
        "12 rue X",  # a bare string is not a list of lines
    ],
)
def test_bad_street_lines_are_refused(street: object) -> None:
    """X-9: at most four street lines of at most 200 characters each."""
    with pytest.raises(InvalidAddressError) as info:
        PostalAddress("FR", street=street)  # type: ignore[arg-type]
    assert info.value.details == {"reason": "street"}


def test_four_street_lines_of_the_maximum_size_are_accepted() -> None:
    """X-9: the limits themselves are valid."""
    lines = ("a" * 200,) * 4
    assert PostalAddress("FR", street=lines).street == lines


def test_error_message_is_translated() -> None:
    """X-2: the refusal reads in French and English."""
    with pytest.raises(InvalidAddressError) as info:
        PostalAddress("XX")
    assert info.value.message("fr") == "Adresse invalide (country)."
    assert str(info.value) == "Invalid address (country)."


@given(kst.addresses())
def test_generated_addresses_are_stable_values(address: PostalAddress) -> None:
    """X-7: strategy values are valid, normalised and survive a rebuild unchanged."""
    assert is_known_country(address.country)
    assert address.country == address.country.upper()
    assert attrs.evolve(address) == address
    rebuilt = PostalAddress(
        address.country.lower(),
        postcode=address.postcode,
        city=address.city,
        street=address.street,
        region=address.region,
        company=address.company,
    )
    assert rebuilt == address
