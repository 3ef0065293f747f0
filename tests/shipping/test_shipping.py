"""SES-2: shipping zones, methods and the estimate, with the French preset table; X-9 for a
consistent configuration."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.money import Money
from klickit_core.shared.vat import VatClass
from klickit_core.shipping.domain import (
    ByWeight,
    FlatRate,
    FreeAbove,
    InvalidShippingConfigError,
    NoShippingOptionError,
    ShippingMethod,
    ShippingOption,
    ShippingTable,
    Zone,
)
from klickit_core.shipping.presets import EU_COUNTRIES, OVERSEAS_CODES, french_shipping_table
from klickit_core.testing import strategies as kst

TABLE = french_shipping_table()


def eur(value: str) -> Money:
    return Money(Decimal(value), "EUR")


def usd(value: str) -> Money:
    return Money(Decimal(value), "USD")


def prices(address: PostalAddress, subtotal: str = "30.00", grams: int = 700) -> dict[str, str]:
    return {o.method: str(o.price.amount) for o in TABLE.options(address, eur(subtotal), grams)}


BORDEAUX = PostalAddress("FR", "33000", "Bordeaux")
AJACCIO = PostalAddress("FR", "20000", "Ajaccio")


# ---------------------------------------------------------------------------- zones


@pytest.mark.parametrize(
    ("address", "zone"),
    [
        (BORDEAUX, "fr-mainland"),
        (PostalAddress("FR", "75001", "Paris"), "fr-mainland"),
        (PostalAddress("FR", ""), "fr-mainland"),
        (PostalAddress("MC", "98000", "Monaco"), "fr-mainland"),
        (AJACCIO, "fr-corsica"),
        (PostalAddress("FR", "20200", "Bastia"), "fr-corsica"),
        (PostalAddress("FR", "20 090"), "fr-corsica"),
        (PostalAddress("FR", "97400", "Saint-Denis"), "fr-overseas"),
        (PostalAddress("FR", "97200"), "fr-overseas"),
        (PostalAddress("FR", "98800", "Nouméa"), "fr-overseas"),
        (PostalAddress("RE", "97400", "Saint-Denis"), "fr-overseas-iso"),
        (PostalAddress("GP", "97110"), "fr-overseas-iso"),
        (PostalAddress("NC", "98800"), "fr-overseas-iso"),
        (PostalAddress("DE", "10115", "Berlin"), "eu"),
        (PostalAddress("BE", "1000", "Bruxelles"), "eu"),
        (PostalAddress("US", "10001", "New York"), "world"),
        (PostalAddress("CH", "1201", "Genève"), "world"),
        (PostalAddress("GB", "SW1A 1AA", "London"), "world"),
    ],
)
def test_zone_for_destination(address: PostalAddress, zone: str) -> None:
    """SES-2: mainland France, Corsica (20…), overseas (97…/98… or own ISO code), EU,
    world; the first matching zone wins."""
    assert TABLE.zone_for(address).code == zone


def test_bordeaux_gets_the_mainland_methods() -> None:
    """SES-2: relay point and home delivery for mainland France, cheapest first."""
    options = TABLE.options(BORDEAUX, eur("30.00"), 700)
    assert [(o.method, o.name, o.price) for o in options] == [
        ("relay-fr", "Point relais", eur("3.90")),
        ("colissimo-fr", "Colissimo domicile", eur("8.95")),
    ]
    assert all(o.vat_class is VatClass.STANDARD for o in options)


def test_ajaccio_gets_corsica_only() -> None:
    """SES-2: Corsica has its own method; no mainland relay."""
    assert prices(AJACCIO) == {"colissimo-corsica": "8.95"}


@pytest.mark.parametrize("address", [PostalAddress("FR", "97400"), PostalAddress("RE", "97400")])
def test_reunion_is_overseas_either_way(address: PostalAddress) -> None:
    """SES-2: La Réunion as FR 97400 or as country RE gets the overseas flat rate."""
    options = TABLE.options(address, eur("500.00"), 20_000)
    assert [(o.name, o.price) for o in options] == [("Colissimo Outre-mer", eur("24.50"))]


def test_germany_is_eu_and_the_us_is_world() -> None:
    """SES-2: EU flat rate and world flat rate."""
    assert prices(PostalAddress("DE", "10115")) == {"colissimo-eu": "15.90"}
    assert prices(PostalAddress("US", "10001")) == {"colissimo-world": "29.90"}


def test_every_country_has_an_option_with_the_preset() -> None:
    """SES-2: the preset ends with a catch-all world zone; EU and overseas codes are covered."""
    for country in sorted(EU_COUNTRIES | OVERSEAS_CODES | {"US", "JP", "BR"}):
        assert TABLE.options(PostalAddress(country, "12345"), eur("10"), 100)


# ---------------------------------------------------------------------------- rates


@pytest.mark.parametrize(
    ("subtotal", "relay"),
    [("0.00", "3.90"), ("59.99", "3.90"), ("60.00", "0.00"), ("60.01", "0.00"), ("999", "0.00")],
)
def test_free_relay_from_60_euros(subtotal: str, relay: str) -> None:
    """SES-2: free above a threshold; exactly at the threshold it is free, a cent under it is
    paid."""
    option = TABLE.option("relay-fr", BORDEAUX, eur(subtotal), 500)
    assert option.price == eur(relay)
    assert option.price.currency == "EUR"


def test_free_relay_comes_first_when_free() -> None:
    """SES-2: options sorted by price, so the free relay leads."""
    options = TABLE.options(BORDEAUX, eur("60.00"), 700)
    assert [o.method for o in options] == ["relay-fr", "colissimo-fr"]
    assert options[0].price == Money.zero("EUR")


@pytest.mark.parametrize(
    ("grams", "price"),
    [
        (0, "4.95"),
        (1, "4.95"),
        (250, "4.95"),
        (251, "6.95"),
        (500, "6.95"),
        (501, "8.95"),
        (1000, "8.95"),
        (1001, "13.95"),
        (5000, "13.95"),
        (5001, "29.95"),
        (30_000, "29.95"),
    ],
)
def test_weight_brackets_include_their_upper_bound(grams: int, price: str) -> None:
    """SES-2: by weight, a bracket holds parcels up to and including its limit."""
    assert TABLE.option("colissimo-fr", BORDEAUX, eur("10"), grams).price == eur(price)
    assert TABLE.option("colissimo-corsica", AJACCIO, eur("10"), grams).price == eur(price)


def test_too_heavy_for_home_delivery_leaves_the_relay() -> None:
    """SES-2: a method that cannot carry the parcel is left out; others remain."""
    options = TABLE.options(BORDEAUX, eur("10"), 30_001)
    assert [o.method for o in options] == ["relay-fr"]
    with pytest.raises(NoShippingOptionError) as caught:
        TABLE.option("colissimo-fr", BORDEAUX, eur("10"), 30_001)
    assert caught.value.details == {"reason": "method_unavailable"}


def test_too_heavy_when_no_method_is_left() -> None:
    """SES-2, X-9: NoShippingOptionError with reason too_heavy."""
    with pytest.raises(NoShippingOptionError) as caught:
        TABLE.options(AJACCIO, eur("10"), 30_001)
    assert caught.value.details == {"reason": "too_heavy"}
    assert caught.value.code == "shipping.no_option"
    assert isinstance(caught.value, KlickitError)


def test_option_for_a_method_code() -> None:
    """SES-2: the option of one chosen method."""
    option = TABLE.option("colissimo-fr", BORDEAUX, eur("30"), 700)
    assert option == ShippingOption(
        "colissimo-fr", "Colissimo domicile", eur("8.95"), VatClass.STANDARD
    )


@pytest.mark.parametrize("code", ["colissimo-eu", "nope", ""])
def test_option_of_a_method_not_offered_here(code: str) -> None:
    """SES-2, X-9: a method of another zone or unknown is method_unavailable."""
    with pytest.raises(NoShippingOptionError) as caught:
        TABLE.option(code, BORDEAUX, eur("30"), 700)
    assert caught.value.details == {"reason": "method_unavailable"}


def test_french_table_in_another_currency() -> None:
    """SES-2, X-1: the preset can be built in the shop's currency."""
    table = french_shipping_table("USD")
    assert table.option("colissimo-world", PostalAddress("US", "10001"), usd("5"), 1).price == (
        usd("29.90")
    )


@given(
    kst.addresses(st.sampled_from(sorted(EU_COUNTRIES | OVERSEAS_CODES | {"US", "MC", "CH"}))),
    kst.rounded_money(st.just("EUR"), 0, 100_000),
    st.integers(0, 30_000),
)
def test_options_are_sorted_and_in_the_shop_currency(
    address: PostalAddress, subtotal: Money, grams: int
) -> None:
    """SES-2 (property): any destination gets at least one option up to 30 kg, cheapest
    first, all in EUR, all methods of the one zone that covers it."""
    options = TABLE.options(address, subtotal, grams)
    assert options
    amounts = [o.price.amount for o in options]
    assert amounts == sorted(amounts)
    assert {o.price.currency for o in options} == {"EUR"}
    zone = TABLE.zone_for(address).code
    methods = {m.code: m.zone for m in TABLE.methods}
    assert {methods[o.method] for o in options} == {zone}


# ---------------------------------------------------------------------------- custom tables


def test_ties_are_ordered_by_method_code() -> None:
    """SES-2: same price, deterministic order by code."""
    zone = Zone("all", "All")
    table = ShippingTable(
        (zone,),
        (
            ShippingMethod("zz", "Z", "all", FlatRate(eur("5"))),
            ShippingMethod("aa", "A", "all", FlatRate(eur("5"))),
            ShippingMethod("cheap", "C", "all", FlatRate(eur("1"))),
        ),
    )
    options = table.options(BORDEAUX, eur("1"), 1)
    assert [o.method for o in options] == ["cheap", "aa", "zz"]


def test_no_zone_for_destination() -> None:
    """SES-2, X-9: a table without a catch-all refuses other destinations (reason no_zone)."""
    table = ShippingTable(
        (Zone("fr", "France", frozenset({"FR"})),),
        (ShippingMethod("m", "M", "fr", FlatRate(eur("5"))),),
    )
    with pytest.raises(NoShippingOptionError) as caught:
        table.options(PostalAddress("US", "10001"), eur("5"), 1)
    assert caught.value.details == {"reason": "no_zone"}


def test_zone_excluded_prefixes() -> None:
    """SES-2: a zone can leave out some postcodes."""
    zone = Zone("fr", "FR", frozenset({"FR"}), excluded_prefixes=("20", "97"))
    assert zone.covers(BORDEAUX)
    assert not zone.covers(AJACCIO)
    assert not zone.covers(PostalAddress("FR", "97400"))
    assert not zone.covers(PostalAddress("DE", "10115"))


@pytest.mark.parametrize(
    ("zones", "methods", "reason"),
    [
        (
            (Zone("a", "A"), Zone("a", "A bis")),
            (),
            "duplicate_code",
        ),
        (
            (Zone("a", "A"),),
            (
                ShippingMethod("m", "M", "a", FlatRate(eur("1"))),
                ShippingMethod("m", "M bis", "a", FlatRate(eur("2"))),
            ),
            "duplicate_code",
        ),
        (
            (Zone("a", "A"),),
            (ShippingMethod("m", "M", "nowhere", FlatRate(eur("1"))),),
            "unknown_zone",
        ),
        (
            (Zone("a", "A"),),
            (
                ShippingMethod("m", "M", "a", FlatRate(eur("1"))),
                ShippingMethod("n", "N", "a", FlatRate(usd("1"))),
            ),
            "mixed_currencies",
        ),
        (
            (Zone("a", "A"),),
            (ShippingMethod("m", "M", "a", ByWeight(((100, eur("1")), (200, usd("2"))))),),
            "mixed_currencies",
        ),
        (
            (Zone("a", "A"),),
            (
                ShippingMethod("m", "M", "a", FreeAbove(usd("3"), usd("50"))),
                ShippingMethod("n", "N", "a", FlatRate(eur("1"))),
            ),
            "mixed_currencies",
        ),
    ],
    ids=[
        "duplicate-zone",
        "duplicate-method",
        "unknown-zone",
        "flat-eur-usd",
        "bracket-eur-usd",
        "free-above-usd",
    ],
)
def test_inconsistent_tables_are_refused(
    zones: tuple[Zone, ...], methods: tuple[ShippingMethod, ...], reason: str
) -> None:
    """SES-2, X-9: duplicate codes, unknown zones and mixed currencies are configuration
    errors raised when the table is built."""
    with pytest.raises(InvalidShippingConfigError) as caught:
        ShippingTable(zones, methods)
    assert caught.value.details == {"reason": reason}
    assert caught.value.code == "shipping.invalid_config"


def test_free_above_threshold_in_another_currency_is_refused() -> None:
    """SES-2, X-1, X-9: a EUR relay that is free above 60 *USD* mixes currencies; it must be
    refused when the table is built, not fail with CurrencyMismatchError at checkout."""
    with pytest.raises(InvalidShippingConfigError) as caught:
        ShippingTable(
            (Zone("a", "A"),),
            (ShippingMethod("relay", "Relay", "a", FreeAbove(eur("3.90"), usd("60"))),),
        )
    assert caught.value.details == {"reason": "mixed_currencies"}


@pytest.mark.parametrize(
    "brackets",
    [
        (),
        ((500, eur("2")), (250, eur("1"))),
        ((250, eur("1")), (250, eur("2"))),
        ((0, eur("1")),),
        ((-10, eur("1")), (10, eur("2"))),
    ],
    ids=["empty", "unsorted", "duplicate", "zero", "negative"],
)
def test_by_weight_refuses_bad_brackets(brackets: tuple[tuple[int, Money], ...]) -> None:
    """SES-2, X-9: brackets must be non-empty, positive and strictly increasing."""
    with pytest.raises(InvalidShippingConfigError) as caught:
        ByWeight(brackets)
    assert caught.value.details == {"reason": "weight_brackets"}


def test_by_weight_price_for() -> None:
    """SES-2: the first bracket holding the weight; None past the last one."""
    rate = ByWeight(((100, eur("1")), (1000, eur("2"))))
    assert rate.price_for(eur("0"), 100) == eur("1")
    assert rate.price_for(eur("0"), 101) == eur("2")
    assert rate.price_for(eur("0"), 1001) is None
