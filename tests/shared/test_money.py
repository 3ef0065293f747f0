"""X-1: Money — exact Decimal amounts, ISO 4217 currencies, explicit rounding, formatting."""

from __future__ import annotations

import decimal
from decimal import (
    ROUND_05UP,
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)
from fractions import Fraction

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from klickit_core.shared.errors import KlickitError
from klickit_core.shared.money import (
    CurrencyMismatchError,
    InvalidAmountError,
    Money,
    MoneyError,
    UnknownCurrencyError,
    currency_exponent,
    is_known_currency,
    money_from_minor,
)
from klickit_core.shared.rounding import (
    SUPPORTED_ROUNDINGS,
    UnsupportedRoundingError,
    divide_rounded,
)
from klickit_core.testing import strategies as kst

ALL_MODES = sorted(SUPPORTED_ROUNDINGS)


def eur(value: str) -> Money:
    return Money.of(value, "EUR")


# ---------------------------------------------------------------- construction


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        (1.5, "float"),
        (0.0, "float"),
        (1, "not_decimal"),
        (True, "not_decimal"),
        ("1.50", "not_decimal"),
        (None, "not_decimal"),
        (Fraction(1, 2), "not_decimal"),
        (Decimal("NaN"), "not_finite"),
        (Decimal("sNaN"), "not_finite"),
        (Decimal("Infinity"), "not_finite"),
        (Decimal("-Infinity"), "not_finite"),
    ],
)
def test_constructor_refuses_anything_but_a_finite_decimal(amount: object, reason: str) -> None:
    """X-1, X-9: floats, bools, NaN and infinities are refused with a typed error."""
    with pytest.raises(InvalidAmountError) as info:
        Money(amount, "EUR")  # type: ignore[arg-type]
    assert info.value.code == "money.invalid_amount"
    assert info.value.details == {"reason": reason}
    assert isinstance(info.value, MoneyError)
    assert isinstance(info.value, KlickitError)


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        (19.9, "float"),
        (float("nan"), "float"),
        (float("inf"), "float"),
        (True, "bool"),
        (False, "bool"),
        ("NaN", "not_finite"),
        ("nan", "not_finite"),
        ("Infinity", "not_finite"),
        ("-inf", "not_finite"),
        ("sNaN", "not_finite"),
        (Decimal("NaN"), "not_finite"),
        ("abc", "not_a_number"),
        ("", "not_a_number"),
        ("   ", "not_a_number"),
        ("1,50", "not_a_number"),
        ("1.50 EUR", "not_a_number"),
    ],
)
def test_of_refuses_floats_bools_and_non_numbers(amount: object, reason: str) -> None:
    """X-1, X-9: ``Money.of`` refuses floats, bools, NaN/Infinity and garbage, typed."""
    with pytest.raises(InvalidAmountError) as info:
        Money.of(amount, "EUR")  # type: ignore[arg-type]
    assert info.value.code == "money.invalid_amount"
    assert info.value.details["reason"] == reason


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("19.90", Decimal("19.90")),
        ("  19.90\n", Decimal("19.90")),
        ("-3", Decimal("-3")),
        ("0.001", Decimal("0.001")),
        (42, Decimal(42)),
        (-7, Decimal(-7)),
        (0, Decimal(0)),
        (Decimal("1.500"), Decimal("1.500")),
    ],
)
def test_of_accepts_str_int_and_decimal(amount: str | int | Decimal, expected: Decimal) -> None:
    """X-1: ``Money.of`` builds from a decimal string, an int or a Decimal, exactly."""
    money = Money.of(amount, "EUR")
    assert type(money.amount) is Decimal
    assert money.amount == expected
    # The exact value is kept, including its scale: no hidden rounding at construction.
    assert money.amount.as_tuple() == expected.as_tuple()
    assert money.currency == "EUR"


@pytest.mark.parametrize("currency", ["XYZ", "eur", "", "EURO", "E", " EUR", None, 978, b"EUR"])
def test_unknown_currency_is_refused(currency: object) -> None:
    """X-1, X-9: only ISO 4217 codes from CLDR are accepted (no case folding)."""
    with pytest.raises(UnknownCurrencyError) as info:
        Money(Decimal(1), currency)  # type: ignore[arg-type]
    assert info.value.code == "money.unknown_currency"
    with pytest.raises(UnknownCurrencyError):
        Money.of("1", currency)  # type: ignore[arg-type]


def test_unknown_currency_error_detail_is_bounded() -> None:
    """X-9: a detail is a short technical fact, never a whole (possibly personal) input."""
    with pytest.raises(UnknownCurrencyError) as info:
        Money.of("1", "alice@example.com")
    assert info.value.details == {"currency": "alice@ex"}
    assert "example.com" not in str(info.value)


@pytest.mark.parametrize(
    ("currency", "exponent"),
    [("EUR", 2), ("USD", 2), ("GBP", 2), ("CHF", 2), ("JPY", 0), ("KRW", 0), ("BHD", 3)],
)
def test_minor_units_come_from_cldr(currency: str, exponent: int) -> None:
    """X-1: EUR has 2 minor digits, JPY 0, BHD 3."""
    assert is_known_currency(currency)
    assert currency_exponent(currency) == exponent
    assert Money.of(1, currency).exponent == exponent
    zero = Money.zero(currency)
    assert zero.amount == 0
    assert zero.amount.as_tuple().exponent == -exponent
    assert Money.from_minor_units(1, currency).amount == Decimal(1).scaleb(-exponent)


def test_unknown_currency_has_no_exponent() -> None:
    """X-9: asking the minor units of an unknown code is a typed error."""
    assert not is_known_currency("XYZ")
    with pytest.raises(UnknownCurrencyError):
        currency_exponent("XYZ")
    with pytest.raises(UnknownCurrencyError):
        Money.zero("XYZ")
    with pytest.raises(UnknownCurrencyError):
        Money.from_minor_units(1, "XYZ")


def test_money_is_frozen() -> None:
    """X-1: Money is an immutable value."""
    money = eur("1.00")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        money.amount = Decimal(2)  # type: ignore[misc]


# ---------------------------------------------------------------- equality and hashing


def test_equality_and_hash_ignore_the_scale() -> None:
    """X-1: 1.0 € and 1.00 € are the same amount: equal and with the same hash."""
    one, one_again = Money(Decimal("1.0"), "EUR"), Money(Decimal("1.00"), "EUR")
    assert one == one_again
    assert hash(one) == hash(one_again)
    assert len({one, one_again, eur("1")}) == 1
    assert {one: "x"}[one_again] == "x"


def test_equality_across_currencies_is_false_not_an_error() -> None:
    """X-1: == between currencies is simply False (containers keep working)."""
    assert Money.of(1, "EUR") != Money.of(1, "USD")
    assert Money.of(1, "EUR") != Decimal(1)
    assert len({Money.of(1, "EUR"), Money.of(1, "USD")}) == 2


@given(kst.money())
def test_hash_is_consistent_with_equality(money: Money) -> None:
    """X-1: a value equal to another with a different scale hashes the same."""
    rescaled = Money(money.amount.quantize(Decimal("1E-8")), money.currency)
    assert rescaled == money
    assert hash(rescaled) == hash(money)


# ---------------------------------------------------------------- arithmetic


def test_arithmetic_on_known_values() -> None:
    """X-1: +, -, unary -, abs and multiplication by int or Decimal are exact."""
    assert eur("19.90") + eur("0.10") == eur("20.00")
    assert eur("19.90") - eur("20") == eur("-0.10")
    assert -eur("1.50") == eur("-1.50")
    assert abs(eur("-1.50")) == eur("1.50")
    assert eur("19.90") * 3 == eur("59.70")
    assert 3 * eur("19.90") == eur("59.70")
    assert eur("19.90") * Decimal("0.5") == eur("9.95")
    assert Decimal("0.5") * eur("19.90") == eur("9.95")
    assert eur("0.1") + eur("0.2") == eur("0.3")  # what a float gets wrong
    assert eur("10") * 0 == eur("0")
    assert bool(eur("0.01"))
    assert not bool(eur("0.00"))


@pytest.mark.parametrize("factor", [1.5, True, "2", Fraction(1, 2), None])
def test_multiplication_refuses_non_exact_factors(factor: object) -> None:
    """X-1: floats, bools and other types cannot multiply Money."""
    with pytest.raises(TypeError):
        eur("1.00") * factor  # type: ignore[operator]
    with pytest.raises(TypeError):
        factor * eur("1.00")  # type: ignore[operator]


@pytest.mark.parametrize("other", [1, Decimal(1), 1.0, "1"])
def test_adding_a_bare_number_is_a_type_error(other: object) -> None:
    """X-1: a bare number has no currency, so it cannot be added to Money."""
    with pytest.raises(TypeError):
        eur("1.00") + other  # type: ignore[operator]
    with pytest.raises(TypeError):
        eur("1.00") - other  # type: ignore[operator]


@given(kst.money(currency=st.just("EUR")), kst.money(currency=st.just("EUR")))
def test_addition_and_subtraction_are_exact(a: Money, b: Money) -> None:
    """X-1: results equal the exact Decimal sums (no rounding, no float)."""
    assert (a + b).amount == a.amount + b.amount
    assert (a - b).amount == a.amount - b.amount
    assert a + b == b + a
    assert (a + b) - b == a
    assert a - a == Money.zero("EUR")
    assert a + (-a) == Money.zero("EUR")


@given(kst.money(), st.integers(-1000, 1000))
def test_multiplication_is_exact(money: Money, factor: int) -> None:
    """X-1: Money × int is exact and keeps the currency."""
    product = money * factor
    assert product.amount == money.amount * factor
    assert product.currency == money.currency


_MISMATCH_OPERATIONS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@pytest.mark.parametrize("operation", sorted(_MISMATCH_OPERATIONS))
def test_mixing_currencies_raises_currency_mismatch(operation: str) -> None:
    """X-1: combining or ordering two currencies is a clear, typed error."""
    apply = _MISMATCH_OPERATIONS[operation]
    with pytest.raises(CurrencyMismatchError) as info:
        apply(Money.of(1, "EUR"), Money.of(1, "USD"))
    assert info.value.code == "money.currency_mismatch"
    assert info.value.details == {"left": "EUR", "right": "USD"}
    assert str(info.value) == "Cannot combine amounts in EUR and USD."
    assert info.value.message("fr") == "Impossible de combiner des montants en EUR et en USD."


def test_sum_adds_in_one_currency() -> None:
    """X-1: Money.sum is zero when empty and refuses mixed currencies."""
    assert Money.sum([], "EUR") == Money.zero("EUR")
    assert Money.sum([], "JPY").currency == "JPY"
    assert Money.sum([eur("1.10"), eur("2.20"), eur("-0.30")], "EUR") == eur("3.00")
    with pytest.raises(CurrencyMismatchError):
        Money.sum([eur("1")], "USD")
    with pytest.raises(CurrencyMismatchError):
        Money.sum([eur("1"), Money.of(1, "GBP")], "EUR")


def test_ordering_within_one_currency() -> None:
    """X-1: amounts of one currency are ordered by value, not by scale."""
    assert eur("1.00") < eur("1.01")
    assert eur("1.01") > eur("1.00")
    assert eur("1.0") <= eur("1.00")
    assert eur("1.0") >= eur("1.00")
    assert eur("-5") < eur("0")
    assert sorted([eur("3"), eur("-1"), eur("2")]) == [eur("-1"), eur("2"), eur("3")]


@pytest.mark.parametrize("other", [1, Decimal(1), None])
def test_ordering_against_a_non_money_is_a_type_error(other: object) -> None:
    """X-1: comparing with a bare number is refused."""
    with pytest.raises(TypeError):
        eur("1.00") < other  # type: ignore[operator]  # noqa: B015


@pytest.mark.parametrize(
    "compute",
    [
        lambda: Money.of("1234.56", "EUR") + Money.of("0.01", "EUR"),
        lambda: Money.of("1234.56", "EUR") - Money.of("0.01", "EUR"),
        lambda: Money.of("1234.56", "EUR") * 3,
        lambda: Money.of("1234.565", "EUR").rounded(),
        lambda: Money.from_minor_units(123457, "EUR"),
    ],
    ids=["add", "sub", "mul", "rounded", "from_minor_units"],
)
def test_results_do_not_depend_on_the_ambient_decimal_context(compute: object) -> None:
    """X-1 (decision 0002: "results are independent of the caller's decimal context").

    An app that narrows ``decimal.getcontext().prec`` for its own purposes must not make
    Money silently drop cents.
    """
    expected = compute()  # type: ignore[operator]
    with decimal.localcontext() as ctx:
        ctx.prec = 4
        assert compute() == expected  # type: ignore[operator]


def test_amounts_beyond_decimal_precision_stay_exact_or_are_refused() -> None:
    """X-1, X-9: a huge amount never loses a cent silently nor raises a bare
    ``decimal.InvalidOperation``. Past 18 integer digits it is refused, typed; the largest
    amount accepted keeps every digit (36 of them, beyond the default precision of 28)
    through a sum, a difference and rounding.
    """
    with pytest.raises(InvalidAmountError) as refused:
        Money.of("1E+30", "EUR")
    assert refused.value.details == {"reason": "out_of_range"}
    largest = Money.of("999999999999999999.999999999999999999", "EUR")
    cent = Money.of("0.000000000000000001", "EUR")
    assert (largest - cent).amount == Decimal("999999999999999999.999999999999999998")
    assert (largest - cent + cent) == largest
    assert largest.rounded(ROUND_DOWN).amount == Decimal("999999999999999999.99")
    with pytest.raises(InvalidAmountError) as overflow:
        largest + cent
    assert overflow.value.details == {"reason": "out_of_range"}


# ---------------------------------------------------------------- rounding

ROUNDING_TABLE = {
    # amount: {mode: expected}
    "2.345": {
        ROUND_HALF_UP: "2.35",
        ROUND_HALF_DOWN: "2.34",
        ROUND_HALF_EVEN: "2.34",
        ROUND_UP: "2.35",
        ROUND_DOWN: "2.34",
        ROUND_CEILING: "2.35",
        ROUND_FLOOR: "2.34",
    },
    "2.355": {
        ROUND_HALF_UP: "2.36",
        ROUND_HALF_DOWN: "2.35",
        ROUND_HALF_EVEN: "2.36",
        ROUND_UP: "2.36",
        ROUND_DOWN: "2.35",
        ROUND_CEILING: "2.36",
        ROUND_FLOOR: "2.35",
    },
    "-2.345": {
        ROUND_HALF_UP: "-2.35",
        ROUND_HALF_DOWN: "-2.34",
        ROUND_HALF_EVEN: "-2.34",
        ROUND_UP: "-2.35",
        ROUND_DOWN: "-2.34",
        ROUND_CEILING: "-2.34",
        ROUND_FLOOR: "-2.35",
    },
    "2.341": {
        ROUND_HALF_UP: "2.34",
        ROUND_HALF_DOWN: "2.34",
        ROUND_HALF_EVEN: "2.34",
        ROUND_UP: "2.35",
        ROUND_DOWN: "2.34",
        ROUND_CEILING: "2.35",
        ROUND_FLOOR: "2.34",
    },
    "-2.349": {
        ROUND_HALF_UP: "-2.35",
        ROUND_HALF_DOWN: "-2.35",
        ROUND_HALF_EVEN: "-2.35",
        ROUND_UP: "-2.35",
        ROUND_DOWN: "-2.34",
        ROUND_CEILING: "-2.34",
        ROUND_FLOOR: "-2.35",
    },
    "7": dict.fromkeys(ALL_MODES, "7.00"),
}


@pytest.mark.parametrize(
    ("amount", "mode", "expected"),
    [
        (amount, mode, expected)
        for amount, row in ROUNDING_TABLE.items()
        for mode, expected in row.items()
    ],
)
def test_rounded_for_each_mode(amount: str, mode: str, expected: str) -> None:
    """X-1: rounding to the minor unit follows the explicitly requested mode."""
    result = eur(amount).rounded(mode)
    assert result.amount.as_tuple() == Decimal(expected).as_tuple()
    assert result.currency == "EUR"
    assert result.is_rounded


def test_rounding_defaults_to_half_up() -> None:
    """X-1: ROUND_HALF_UP unless configured."""
    assert eur("0.125").rounded() == eur("0.13")
    assert eur("-0.125").rounded() == eur("-0.13")
    assert eur("0.135").rounded() == eur("0.14")


@pytest.mark.parametrize(
    ("currency", "amount", "half_up", "half_even"),
    [
        ("JPY", "1234.5", "1235", "1234"),
        ("JPY", "-0.5", "-1", "-0"),
        ("BHD", "1.2345", "1.235", "1.234"),
        ("BHD", "1.2355", "1.236", "1.236"),
        ("EUR", "0.005", "0.01", "0.00"),
    ],
)
def test_rounding_uses_each_currency_minor_unit(
    currency: str, amount: str, half_up: str, half_even: str
) -> None:
    """X-1: JPY rounds to units, BHD to thousandths."""
    money = Money.of(amount, currency)
    assert money.rounded(ROUND_HALF_UP).amount.as_tuple() == Decimal(half_up).as_tuple()
    assert money.rounded(ROUND_HALF_EVEN).amount.as_tuple() == Decimal(half_even).as_tuple()


@given(kst.money(), st.sampled_from(ALL_MODES))
def test_rounded_agrees_with_exact_integer_rounding(money: Money, mode: str) -> None:
    """X-1: Money.rounded and divide_rounded (decision 0002) make the same decision."""
    # kst.money() has at most 6 decimal places, so amount × 10⁶ is an integer.
    micro = int(money.amount.scaleb(6))
    expected_minor = divide_rounded(micro, 10 ** (6 - money.exponent), mode)
    result = money.rounded(mode)
    assert result.minor_units() == expected_minor
    assert abs(Fraction(result.amount) - Fraction(money.amount)) < Fraction(1, 10**money.exponent)


@pytest.mark.parametrize("mode", [ROUND_05UP, "bogus", "", "ROUND_HALF_UP "])
def test_rounded_refuses_unsupported_modes_with_a_typed_error(mode: str) -> None:
    """X-1, X-9: the rounding modes Money accepts are the ones divide_rounded supports.

    ``divide_rounded`` refuses ROUND_05UP and unknown names with UnsupportedRoundingError;
    ``Money.rounded`` (and ``format``) must do the same rather than silently accept
    ROUND_05UP or let ``decimal`` raise a bare TypeError.
    """
    with pytest.raises(UnsupportedRoundingError) as info:
        eur("1.005").rounded(mode)
    assert info.value.code == "money.unsupported_rounding"
    with pytest.raises(UnsupportedRoundingError):
        eur("1.005").format("fr_FR", rounding=mode)


# ---------------------------------------------------------------- minor units


@pytest.mark.parametrize(
    ("minor", "currency", "amount"),
    [
        (1999, "EUR", "19.99"),
        (-1, "EUR", "-0.01"),
        (0, "EUR", "0.00"),
        (1999, "JPY", "1999"),
        (1999, "BHD", "1.999"),
    ],
)
def test_from_minor_units_known_values(minor: int, currency: str, amount: str) -> None:
    """X-1: integer minor units map to the amount at the currency's scale."""
    money = Money.from_minor_units(minor, currency)
    assert money.amount.as_tuple() == Decimal(amount).as_tuple()
    assert money.minor_units() == minor


@pytest.mark.parametrize("minor", [1.0, "1", True, Decimal(1), None])
def test_from_minor_units_requires_an_int(minor: object) -> None:
    """X-1, X-9: minor units are an integer count; anything else is a typed error."""
    with pytest.raises(InvalidAmountError) as info:
        Money.from_minor_units(minor, "EUR")  # type: ignore[arg-type]
    assert info.value.details == {"reason": "not_integer"}


def test_minor_units_requires_a_rounded_amount() -> None:
    """X-1: an amount below the minor unit has no integer count of cents."""
    assert not eur("1.005").is_rounded
    with pytest.raises(InvalidAmountError) as info:
        eur("1.005").minor_units()
    assert info.value.details == {"reason": "not_rounded"}
    assert eur("1.0050").rounded().minor_units() == 101  # half-up
    assert eur("1.50000").is_rounded
    assert eur("1.50000").minor_units() == 150
    assert Money.of("3", "JPY").minor_units() == 3


@given(st.integers(-(10**15), 10**15), kst.currencies)
def test_minor_units_round_trip(minor: int, currency: str) -> None:
    """X-1: from_minor_units and minor_units are inverse."""
    money = Money.from_minor_units(minor, currency)
    assert money.is_rounded
    assert money.minor_units() == minor


@given(kst.rounded_money(min_minor=-(10**8)))
def test_rounded_money_round_trips_through_minor_units(money: Money) -> None:
    """X-1: a rounded amount is rebuilt exactly from its minor units."""
    assert Money.from_minor_units(money.minor_units(), money.currency) == money
    assert money.rounded() == money


# ---------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        ("1234.5", "EUR", "fr_FR", "1\u202f234,50\xa0€"),
        ("-1234.5", "EUR", "fr_FR", "-1\u202f234,50\xa0€"),
        ("0", "EUR", "fr_FR", "0,00\xa0€"),
        ("1234.5", "EUR", "en_GB", "€1,234.50"),
        ("1234.5", "EUR", "en", "€1,234.50"),
        ("-0.5", "EUR", "en-GB", "-€0.50"),
        ("1234", "JPY", "en_GB", "JP¥1,234"),
        ("1.2345", "BHD", "en", "BHD1.235"),
    ],
)
def test_format_per_locale(amount: str, currency: str, locale: str, expected: str) -> None:
    """X-1: formatting goes through Babel: ``fr_FR`` gives ``1 234,50 €``."""
    assert Money.of(amount, currency).format(locale) == expected


def test_format_defaults_to_french_and_rounds_for_display_only() -> None:
    """X-1, X-2: French by default; rounding applies to the display, not the value."""
    money = eur("0.125")
    assert money.format() == "0,13\xa0€"
    assert money.format("en_GB", rounding=ROUND_DOWN) == "€0.12"
    assert money.amount == Decimal("0.125")
    assert f"{eur('1234.5'):fr_FR}" == "1\u202f234,50\xa0€"
    assert f"{eur('1234.5')}" == "1234.5 EUR"
    assert str(eur("19.90")) == "19.90 EUR"


# ---------------------------------------------------------------- allocation


def test_allocate_known_values() -> None:
    """X-1: largest remainder, ties to the earliest part; the parts sum to the whole."""
    assert eur("100.00").allocate([1, 1, 1]) == [eur("33.34"), eur("33.33"), eur("33.33")]
    assert eur("-100.00").allocate([1, 1, 1]) == [eur("-33.34"), eur("-33.33"), eur("-33.33")]
    assert eur("0.05").allocate([1, 3]) == [eur("0.01"), eur("0.04")]
    assert eur("10.00").allocate([Decimal("0.5"), Decimal("0.25"), 0]) == [
        eur("6.67"),
        eur("3.33"),
        eur("0.00"),
    ]
    assert Money.of(5, "JPY").allocate([1, 1]) == [Money.of(3, "JPY"), Money.of(2, "JPY")]
    assert eur("0.00").allocate([2, 5]) == [eur("0"), eur("0")]


@pytest.mark.parametrize(
    "weights",
    [[], [0], [0, 0], [-1, 2], [1.5, 1], [True, 1], [Decimal("NaN")], [Decimal("-0.1"), 1], ["1"]],
)
def test_allocate_refuses_bad_weights(weights: list[object]) -> None:
    """X-1, X-9: weights are non-negative ints/Decimals with a positive sum."""
    with pytest.raises(InvalidAmountError) as info:
        eur("10.00").allocate(weights)  # type: ignore[arg-type]
    assert info.value.details == {"reason": "bad_weights"}


def test_allocate_requires_a_rounded_amount() -> None:
    """X-1: splitting fractions of a cent is refused."""
    with pytest.raises(InvalidAmountError) as info:
        eur("10.001").allocate([1, 1])
    assert info.value.details == {"reason": "not_rounded"}


_weights = st.lists(st.integers(0, 1000), min_size=1, max_size=12) | st.lists(
    st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=12,
)


@given(kst.rounded_money(min_minor=-(10**10), max_minor=10**10), _weights)
def test_allocate_never_loses_or_invents_a_minor_unit(
    money: Money, weights: list[int | Decimal]
) -> None:
    """X-1: parts sum to the whole; each is within one minor unit of its exact share."""
    assume(sum(weights) > 0)
    parts = money.allocate(weights)
    assert len(parts) == len(weights)
    assert all(part.currency == money.currency and part.is_rounded for part in parts)
    assert Money.sum(parts, money.currency) == money
    total = money.minor_units()
    weight_sum = sum(Fraction(w) for w in weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(total) * Fraction(weight) / weight_sum
        assert abs(part.minor_units() - exact) < 1
        # Every part has the sign of the whole (or is zero).
        assert part.minor_units() * total >= 0
        if weight == 0:
            assert part.minor_units() == 0


@given(kst.rounded_money(min_minor=-(10**8)), st.lists(st.integers(1, 50), min_size=1))
def test_allocate_is_proportional_to_scaled_weights(money: Money, weights: list[int]) -> None:
    """X-1: int weights and the same proportions as Decimals give the same split."""
    as_decimals = [Decimal(w) / 4 for w in weights]  # exact: quarters
    assert money.allocate(weights) == money.allocate(as_decimals)


# ---------------------------------------------------------------- trusted minor-unit builds


@given(st.integers(-(10**15), 10**15), kst.currencies)
def test_money_from_minor_is_the_same_value_as_from_minor_units(minor: int, currency: str) -> None:
    """X-1: the pricing hot path's trusted amounts are indistinguishable from validated ones:
    equal, same hash, same repr, same amount (scale included), same arithmetic."""
    lazy = money_from_minor(minor, currency)
    checked = Money.from_minor_units(minor, currency)
    assert hash(lazy) == hash(checked)
    assert lazy == checked
    assert repr(lazy) == repr(checked)
    assert lazy.amount.as_tuple() == checked.amount.as_tuple()
    assert money_from_minor(minor, currency) + checked == checked * 2
    assert money_from_minor(minor, currency).minor_units() == minor


@pytest.mark.parametrize("read", ["pickle", "copy", "evolve", "format", "str", "compare"])
def test_money_from_minor_survives_every_way_of_reading_it(read: str) -> None:
    """A trusted amount reads the same whatever reads it first."""
    import copy
    import pickle

    lazy = money_from_minor(1234, "EUR")
    expected = Money.of("12.34", "EUR")
    if read == "pickle":
        assert pickle.loads(pickle.dumps(lazy)) == expected  # noqa: S301 - our own bytes
    elif read == "copy":
        assert copy.copy(lazy) == expected
        assert copy.deepcopy(money_from_minor(1234, "EUR")) == expected
    elif read == "evolve":
        assert attrs.evolve(lazy, currency="USD") == Money.of("12.34", "USD")
    elif read == "format":
        assert lazy.format("en_GB") == "€12.34"
    elif read == "str":
        assert str(lazy) == "12.34 EUR"
    else:
        assert lazy < Money.of("12.35", "EUR")
    with pytest.raises(AttributeError):
        lazy.no_such_attribute  # type: ignore[attr-defined]  # noqa: B018


@pytest.mark.parametrize(("currency", "minor"), [("EUR", 12345), ("JPY", 12345), ("BHD", -12345)])
def test_money_from_minor_with_a_cold_cache(
    monkeypatch: pytest.MonkeyPatch, currency: str, minor: int
) -> None:
    """X-1 (issue #13, mutation testing): the first amount of a currency computes its
    shift, the next reads it from the cache; both are the amount ``from_minor_units``
    makes, exponent included, and read back their minor units."""
    import klickit_core.shared.money as money_module

    expected = Money.from_minor_units(minor, currency)  # before: it fills the cache too
    monkeypatch.setattr(money_module, "_SHIFTS", {})
    for _ in range(2):  # cold, then cached
        made = money_from_minor(minor, currency)
        assert made == expected
        assert made.amount.as_tuple() == expected.amount.as_tuple()
        assert made.minor_units() == minor
    assert money_module._SHIFTS[currency] == -currency_exponent(currency)


def test_a_bad_locale_is_named_in_at_most_twenty_characters() -> None:
    """X-2, X-9 (issue #13, mutation testing): the error names the locale it was given, cut
    to twenty characters, so a long or hostile value never fills a log line."""
    from klickit_core.shared.errors import InvalidLocaleError

    with pytest.raises(InvalidLocaleError) as refused:
        Money.of("1", "EUR").format("xx_" + "Y" * 40)
    assert refused.value.details == {"locale": ("xx_" + "Y" * 40)[:20]}
