"""CRT-2: pricing with VAT per rate, stated rounding rules, and no lost or invented cent."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klickit_core.cart.domain import Cart, PricingRules, UnpricedProductError, price_cart
from klickit_core.catalogue.domain import Product
from klickit_core.shared.money import CurrencyMismatchError, Money
from klickit_core.shared.rounding import SUPPORTED_ROUNDINGS
from klickit_core.shared.vat import (
    FRANCE_VAT,
    UnknownVatClassError,
    VatClass,
    VatRate,
    VatRounding,
    VatTable,
    vat_by_rate,
)
from klickit_core.shipping.domain import ShippingOption
from klickit_core.testing import strategies as kst


def eur(value: str) -> Money:
    return Money(Decimal(value), "EUR")


def product(sku: str, price: str, vat: VatClass = VatClass.STANDARD, **kw: object) -> Product:
    return Product(sku, sku.title(), eur(price), vat, **kw)  # type: ignore[arg-type]


DEMO = {
    p.sku: p
    for p in (
        product("MUG", "14.90", weight_grams=350),
        product("TEA", "8.50", VatClass.REDUCED, weight_grams=120),
        product("BOOK", "24.00", VatClass.REDUCED, weight_grams=700),
        product("PAPER", "2.30", VatClass.SUPER_REDUCED, weight_grams=90),
        product("POSTER", "19.99", weight_grams=200),
    )
}


def test_known_cart_matches_hand_computed_totals() -> None:
    """Gross per rate, VAT = gross × r / (1 + r) rounded half-up once per rate."""
    cart = Cart.of({"MUG": 2, "TEA": 2, "BOOK": 1, "PAPER": 1, "POSTER": 1})
    priced = price_cart(cart, DEMO, FRANCE_VAT)
    assert priced.items_total == eur("93.09")
    assert priced.total == eur("93.09")
    breakdown = {str(v.rate): (v.gross, v.vat, v.net) for v in priced.vat_lines}
    assert breakdown == {
        "20 %": (eur("49.79"), eur("8.30"), eur("41.49")),  # 49.79 / 6 = 8.298…
        "5.5 %": (eur("41.00"), eur("2.14"), eur("38.86")),  # 41 × 11 / 211 = 2.137…
        "2.1 %": (eur("2.30"), eur("0.05"), eur("2.25")),  # 2.30 × 21 / 1021 = 0.0473…
    }
    assert priced.vat_total == eur("10.49")
    assert priced.net_total == eur("82.60")
    assert priced.weight_grams == 2 * 350 + 2 * 120 + 700 + 90 + 200
    assert [line.sku for line in priced.lines] == ["MUG", "TEA", "BOOK", "PAPER", "POSTER"]
    assert priced.lines[0].total == eur("29.80")
    assert priced.lines[0].unit_price == eur("14.90")


def test_per_line_and_per_rate_rounding_differ_as_stated() -> None:
    """Three 0.10 lines at 20 %: per line 3 × 0.02 = 0.06; per rate 0.30 / 6 = 0.05."""
    catalogue = {s: product(s, "0.10") for s in ("A", "B", "C")}
    cart = Cart.of(dict.fromkeys(catalogue, 1))
    per_rate = price_cart(cart, catalogue, FRANCE_VAT)
    per_line = price_cart(cart, catalogue, FRANCE_VAT, policy=VatRounding.PER_LINE)
    assert per_rate.vat_total == eur("0.05")
    assert per_line.vat_total == eur("0.06")
    assert per_rate.total == per_line.total == eur("0.30")


def test_rounding_mode_is_applied_on_exact_ties() -> None:
    """0.03 at 20 %: VAT 0.005 exactly. Half-up gives 0.01, half-even gives 0.00."""
    catalogue = {"A": product("A", "0.03")}
    cart = Cart.of({"A": 1})
    assert price_cart(cart, catalogue, FRANCE_VAT, rounding=ROUND_HALF_UP).vat_total == eur("0.01")
    half_even = price_cart(cart, catalogue, FRANCE_VAT, rounding=ROUND_HALF_EVEN)
    assert half_even.vat_total == eur("0.00")


def test_shipping_is_taxed_in_its_method_class() -> None:
    option = ShippingOption("colissimo", "Colissimo", eur("6.00"), VatClass.STANDARD)
    priced = price_cart(Cart.of({"TEA": 1}), DEMO, FRANCE_VAT, shipping=option)
    assert priced.shipping_total == eur("6.00")
    assert priced.total == eur("14.50")
    rates = {str(v.rate): v.vat for v in priced.vat_lines}
    assert rates == {"20 %": eur("1.00"), "5.5 %": eur("0.44")}
    assert priced.shipping is option


def test_free_shipping_adds_no_vat_line() -> None:
    option = ShippingOption("relay", "Relais", eur("0.00"), VatClass.STANDARD)
    priced = price_cart(Cart.of({"TEA": 1}), DEMO, FRANCE_VAT, shipping=option)
    assert [str(v.rate) for v in priced.vat_lines] == ["5.5 %"]


def test_empty_cart_prices_to_zero() -> None:
    priced = price_cart(Cart(), DEMO, FRANCE_VAT)
    assert priced.total == eur("0.00")
    assert priced.vat_lines == ()
    assert priced.lines == ()


def test_missing_product_is_a_typed_error() -> None:
    with pytest.raises(UnpricedProductError) as caught:
        price_cart(Cart.of({"GONE": 1}), DEMO, FRANCE_VAT)
    assert caught.value.details["sku"] == "GONE"


def test_currency_mismatches_are_refused() -> None:
    with pytest.raises(CurrencyMismatchError):
        price_cart(Cart.of({"MUG": 1}), DEMO, FRANCE_VAT, currency="USD")
    option = ShippingOption("x", "X", Money(Decimal("5"), "USD"), VatClass.STANDARD)
    with pytest.raises(CurrencyMismatchError):
        price_cart(Cart.of({"MUG": 1}), DEMO, FRANCE_VAT, shipping=option)


def test_vat_class_missing_from_the_table_is_a_typed_error() -> None:
    table = VatTable("XX", {VatClass.STANDARD: VatRate(Decimal("20"))})
    with pytest.raises(UnknownVatClassError):
        price_cart(Cart.of({"TEA": 1}), DEMO, table)


@pytest.mark.parametrize(
    ("currency", "price", "total"), [("JPY", "1500", "4500"), ("BHD", "1.250", "3.750")]
)
def test_currencies_with_zero_and_three_minor_digits(currency: str, price: str, total: str) -> None:
    catalogue = {"A": Product("A", "A", Money(Decimal(price), currency))}
    priced = price_cart(Cart.of({"A": 3}), catalogue, FRANCE_VAT, currency=currency)
    assert priced.total == Money(Decimal(total), currency)
    (line,) = priced.vat_lines
    assert line.net + line.vat == line.gross
    assert line.vat.amount.as_tuple().exponent == -len(price.partition(".")[2])


def test_pricing_rules_bundle_the_configuration() -> None:
    rules = PricingRules(FRANCE_VAT, policy=VatRounding.PER_LINE)
    catalogue = {s: product(s, "0.10") for s in ("A", "B", "C")}
    assert rules.price(Cart.of(dict.fromkeys(catalogue, 1)), catalogue).vat_total == eur("0.06")


@st.composite
def priced_inputs(draw: st.DrawFn) -> tuple[Cart, dict[str, Product], str]:
    currency = draw(st.sampled_from(["EUR", "JPY", "BHD"]))
    catalogue = draw(kst.catalogues(min_size=1, max_size=25, currency=currency))
    skus = draw(st.lists(st.sampled_from(sorted(catalogue)), unique=True, max_size=25))
    quantities = draw(st.lists(st.integers(1, 999), min_size=len(skus), max_size=len(skus)))
    return Cart.of(dict(zip(skus, quantities, strict=True))), catalogue, currency


@given(
    priced_inputs(),
    st.sampled_from(list(VatRounding)),
    st.none() | kst.rounded_money(st.just("EUR"), 0, 10_000),
    st.sampled_from(list(VatClass)),
)
def test_no_cent_is_lost_or_invented(
    inputs: tuple[Cart, dict[str, Product], str],
    policy: VatRounding,
    shipping_price: Money | None,
    shipping_class: VatClass,
) -> None:
    """CRT-2/X-1: Σ net + Σ VAT == total == Σ lines + shipping; VAT close to the exact value."""
    cart, catalogue, currency = inputs
    shipping = None
    if shipping_price is not None and currency == "EUR":
        shipping = ShippingOption("m", "M", shipping_price, shipping_class)
    priced = price_cart(
        cart, catalogue, FRANCE_VAT, currency=currency, shipping=shipping, policy=policy
    )
    zero = Money.zero(currency)
    lines_total = Money.sum((line.total for line in priced.lines), currency)
    assert lines_total == priced.items_total
    assert priced.total == priced.items_total + (shipping.price if shipping else zero)
    assert Money.sum((v.net + v.vat for v in priced.vat_lines), currency) == priced.total
    assert Money.sum((v.gross for v in priced.vat_lines), currency) == priced.total
    assert priced.net_total + priced.vat_total == priced.total
    for line in priced.lines:
        assert line.total == line.unit_price * line.quantity
    # Rounding error per rate: half a minor unit per rounding made.
    unit = Fraction(1, 10**priced.total.exponent)
    counts: dict[Decimal, int] = {}
    for line in priced.lines:
        counts[line.vat_rate.percent] = counts.get(line.vat_rate.percent, 0) + 1
    if shipping is not None and shipping.price:
        percent = FRANCE_VAT.rate(shipping.vat_class).percent
        counts[percent] = counts.get(percent, 0) + 1
    for v in priced.vat_lines:
        p = Fraction(v.rate.percent)
        exact = Fraction(v.gross.amount) * p / (100 + p)
        roundings = counts[v.rate.percent] if policy is VatRounding.PER_LINE else 1
        assert abs(Fraction(v.vat.amount) - exact) <= unit / 2 * roundings


@given(priced_inputs())
def test_vat_lines_are_ordered_by_rate_descending(
    inputs: tuple[Cart, dict[str, Product], str],
) -> None:
    cart, catalogue, currency = inputs
    percents = [
        v.rate.percent for v in price_cart(cart, catalogue, FRANCE_VAT, currency=currency).vat_lines
    ]
    assert percents == sorted(percents, reverse=True)


@given(
    priced_inputs(),
    st.sampled_from(list(VatRounding)),
    st.sampled_from(sorted(SUPPORTED_ROUNDINGS)),
)
def test_vat_matches_the_shared_kernel_reference_for_every_rule(
    inputs: tuple[Cart, dict[str, Product], str], policy: VatRounding, rounding: str
) -> None:
    """CRT-2: the pricer's inlined default rule and its general path agree with
    :func:`vat_by_rate`, the shared kernel's plain statement of the rules, for every
    policy and rounding mode (a rounding given as an equal but distinct string included)."""
    cart, catalogue, currency = inputs
    gross = [
        (
            FRANCE_VAT.rates[catalogue[line.sku].vat_class],
            catalogue[line.sku].price_minor * line.quantity,
        )
        for line in cart.lines
    ]
    expected = vat_by_rate(gross, policy, rounding)
    for mode in (rounding, "".join(list(rounding))):  # identical, then only equal
        priced = price_cart(
            cart, catalogue, FRANCE_VAT, currency=currency, policy=policy, rounding=mode
        )
        assert {rate: (g, v) for rate, g, v in priced.raw_vat} == expected


def test_vat_class_hashes_as_its_value() -> None:
    """A VatClass is found by its plain string value, as equality promises."""
    by_class = {VatClass.REDUCED: "5.5"}
    assert by_class["reduced"] == "5.5"
    assert hash(VatClass.REDUCED) == hash("reduced")


def test_a_product_that_is_not_a_product_is_not_reported_as_missing() -> None:
    """Only a missing SKU becomes UnpricedProductError; a broken catalogue entry is a bug
    and its own error escapes."""
    with pytest.raises(AttributeError):
        price_cart(Cart.of({"MUG": 1}), {"MUG": object()}, FRANCE_VAT)  # type: ignore[dict-item]
