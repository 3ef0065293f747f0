"""X-1: ``Money`` at its boundaries: the range guard, strict comparisons, largest remainder.

Each test pins a value on both sides of a limit, so moving the limit by one (``<`` for
``<=``, one more digit) or dropping the guard fails here.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klickit_core.shared.errors import InvalidLocaleError
from klickit_core.shared.money import InvalidAmountError, Money, money_from_minor
from klickit_core.shared.rounding import UnsupportedRoundingError


def eur(value: str) -> Money:
    return Money.of(value, "EUR")


# ---------------------------------------------------------------- the range guard


@pytest.mark.parametrize(
    "amount",
    [
        "999999999999999999",  # 18 integer digits
        "-999999999999999999",
        "0.000000000000000001",  # 18 decimal places
        "-0.000000000000000001",
        "999999999999999999.999999999999999999",
        "1E+17",
        "0E+17",
        "0E-18",
    ],
)
def test_the_largest_and_finest_amounts_are_accepted(amount: str) -> None:
    """X-1: at most 18 integer digits and 18 decimal places, both inclusive."""
    assert Money(Decimal(amount), "EUR").amount.as_tuple() == Decimal(amount).as_tuple()


@pytest.mark.parametrize(
    "amount",
    [
        "1000000000000000000",  # 19 integer digits
        "-1000000000000000000",
        "999999999999999999.5E+1",
        "1E+18",
        "0E+18",  # zero, but written with 19 integer digits
        "0.0000000000000000001",  # 19 decimal places
        "-0.0000000000000000001",
        "1.0000000000000000000",
        "0E-19",
    ],
)
def test_one_digit_more_is_out_of_range(amount: str) -> None:
    """X-1: one digit past either bound is refused, typed, whether built or parsed."""
    with pytest.raises(InvalidAmountError) as built:
        Money(Decimal(amount), "EUR")
    assert built.value.details == {"reason": "out_of_range"}
    with pytest.raises(InvalidAmountError) as parsed:
        Money.of(amount, "EUR")
    assert parsed.value.details == {"reason": "out_of_range"}


@pytest.mark.parametrize(
    "compute",
    [
        lambda: eur("1.00") * 10**18,
        lambda: eur("999999999999999999") + eur("1"),
        lambda: eur("-999999999999999999") - eur("1"),
        lambda: eur("0.000000000000000001") * Decimal("0.1"),
        lambda: eur("1") * (10**90 + 1),  # 91 digits: inexact in the library's 80
        lambda: Money.from_minor_units(10**20, "EUR"),
        lambda: Money.from_minor_units(10**90 + 1, "EUR"),
    ],
    ids=["mul", "add", "sub", "finer", "mul_inexact", "minor", "minor_inexact"],
)
def test_results_past_the_bounds_are_refused_not_rounded(compute: object) -> None:
    """X-1: a result that does not fit is ``out_of_range``, never rounded to fit."""
    with pytest.raises(InvalidAmountError) as refused:
        compute()  # type: ignore[operator]
    assert refused.value.details == {"reason": "out_of_range"}


# ---------------------------------------------------------------- comparisons


def test_comparisons_are_strict_where_they_say_so() -> None:
    """X-1: equal amounts (whatever their scale) are neither less nor greater."""
    assert not eur("1") < eur("1.00")
    assert not eur("1") > eur("1.00")
    assert eur("1") <= eur("1.00")
    assert eur("1") >= eur("1.00")
    assert eur("0.99") < eur("1")
    assert eur("1.01") > eur("1")
    assert not eur("1.01") < eur("1")
    assert not eur("0.99") > eur("1")


@pytest.mark.parametrize(
    ("other", "name"), [(1, "int"), (Decimal(1), "Decimal"), (None, "NoneType")]
)
def test_comparing_with_a_bare_number_names_its_type(other: object, name: str) -> None:
    with pytest.raises(TypeError, match=rf"^cannot compare Money with {name}$"):
        eur("1") < other  # type: ignore[operator]  # noqa: B015


# ---------------------------------------------------------------- allocation


@pytest.mark.parametrize(
    ("total", "weights", "parts"),
    [
        # 7 cents as 3:1:1: shares 4.2, 1.4, 1.4. Floors 4, 1, 1; the last cent goes to the
        # largest remainder (0.4, a tie won by the earlier part), not to the largest share.
        ("0.07", [3, 1, 1], ["0.04", "0.02", "0.01"]),
        ("-0.07", [3, 1, 1], ["-0.04", "-0.02", "-0.01"]),
        # 10 cents as 6:3:1: shares 6, 3, 1: exact, nothing left over.
        ("0.10", [6, 3, 1], ["0.06", "0.03", "0.01"]),
        # 1 cent as 1:2: shares 1/3 and 2/3: the cent goes to the larger remainder.
        ("0.01", [1, 2], ["0.00", "0.01"]),
        # 5 cents as 5:1:1:1: shares 3.125, 0.625 x 3: two cents left, to the 0.625s.
        ("0.05", [5, 1, 1, 1], ["0.03", "0.01", "0.01", "0.00"]),
        ("0.00", [1, 1], ["0.00", "0.00"]),
    ],
)
def test_allocate_is_the_largest_remainder_method(
    total: str, weights: list[int], parts: list[str]
) -> None:
    """X-1: every part rounded down, the leftover minor units to the largest remainders,
    ties to the earliest part: the split is pinned, not just its sum."""
    assert eur(total).allocate(weights) == [eur(part) for part in parts]


# ---------------------------------------------------------------- error details


def test_an_unknown_locale_is_named_in_its_first_twenty_characters() -> None:
    with pytest.raises(InvalidLocaleError) as refused:
        eur("1").format("zz_" + "Q" * 40)
    assert refused.value.details == {"locale": "zz_" + "Q" * 17}


def test_an_unsupported_rounding_is_named_in_its_first_twenty_characters() -> None:
    with pytest.raises(UnsupportedRoundingError) as refused:
        eur("1.005").rounded("ROUND_TO_THE_NEAREST_PRIME")
    assert refused.value.details == {"rounding": "ROUND_TO_THE_NEAREST"}


@given(st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1))
def test_minor_units_read_back_what_they_were_built_from(minor: int) -> None:
    """X-1, CRT-2: an amount built from minor units gives them back without a detour
    through ``Decimal``, and agrees with the same amount built from its ``Decimal``."""
    built = Money.from_minor_units(minor, "EUR")
    lazy = money_from_minor(minor, "EUR")
    from_decimal = Money(built.amount, "EUR")
    assert built.minor_units() == lazy.minor_units() == from_decimal.minor_units() == minor
    assert built.is_rounded
    assert lazy.is_rounded
    assert built == lazy == from_decimal


def test_a_trusted_build_fills_its_amount_at_once() -> None:
    """X-1, CRT-2: ``money_from_minor`` writes the ``Decimal`` amount when it builds the
    value (one ``scaleb``), so reading it never goes through a missing-attribute fallback,
    which cost ten times the build; the minor units still read back without it."""
    built = money_from_minor(1990, "EUR")
    amount = Money.__dict__["amount"].__get__(built)  # the slot itself, no fallback
    assert amount.as_tuple() == Decimal("19.90").as_tuple()
    assert built.minor_units() == 1990
    assert money_from_minor(0, "BHD").amount.as_tuple() == Decimal("0.000").as_tuple()
    assert money_from_minor(-7, "JPY").amount.as_tuple() == Decimal("-7").as_tuple()
    assert "__getattr__" not in Money.__dict__
