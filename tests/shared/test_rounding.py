"""X-1: exact rounding of integer ratios (decision 0002: no double rounding)."""

from __future__ import annotations

import decimal
import math
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

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from klickit_core.shared.rounding import (
    DEFAULT_ROUNDING,
    SUPPORTED_ROUNDINGS,
    UnsupportedRoundingError,
    divide_rounded,
)

ALL_MODES = sorted(SUPPORTED_ROUNDINGS)
modes = st.sampled_from(ALL_MODES)


def reference(numerator: int, denominator: int, mode: str) -> int:
    """The textbook definition of each mode, on the exact rational value."""
    value = Fraction(numerator, denominator)
    low, high = math.floor(value), math.ceil(value)
    if low == high:
        return low
    toward_zero, away_from_zero = (low, high) if value > 0 else (high, low)
    if mode == ROUND_FLOOR:
        return low
    if mode == ROUND_CEILING:
        return high
    if mode == ROUND_DOWN:
        return toward_zero
    if mode == ROUND_UP:
        return away_from_zero
    distance = value - low  # strictly between 0 and 1
    if distance < Fraction(1, 2):
        return low
    if distance > Fraction(1, 2):
        return high
    # An exact tie.
    if mode == ROUND_HALF_UP:
        return away_from_zero
    if mode == ROUND_HALF_DOWN:
        return toward_zero
    assert mode == ROUND_HALF_EVEN
    return low if low % 2 == 0 else high


def test_supported_modes_are_the_seven_decimal_modes_but_05up() -> None:
    """X-1: every usual mode is supported; ROUND_HALF_UP is the default."""
    assert {
        ROUND_HALF_UP,
        ROUND_HALF_EVEN,
        ROUND_HALF_DOWN,
        ROUND_UP,
        ROUND_DOWN,
        ROUND_CEILING,
        ROUND_FLOOR,
    } == SUPPORTED_ROUNDINGS
    assert DEFAULT_ROUNDING == ROUND_HALF_UP


# Explicit values: (numerator, denominator) -> {mode: expected}.
TABLE = {
    (5, 2): {  # 2.5
        ROUND_HALF_UP: 3,
        ROUND_HALF_DOWN: 2,
        ROUND_HALF_EVEN: 2,
        ROUND_UP: 3,
        ROUND_DOWN: 2,
        ROUND_CEILING: 3,
        ROUND_FLOOR: 2,
    },
    (-5, 2): {  # -2.5
        ROUND_HALF_UP: -3,
        ROUND_HALF_DOWN: -2,
        ROUND_HALF_EVEN: -2,
        ROUND_UP: -3,
        ROUND_DOWN: -2,
        ROUND_CEILING: -2,
        ROUND_FLOOR: -3,
    },
    (3, 6): {  # 0.5, the double-rounding trap of decision 0002
        ROUND_HALF_UP: 1,
        ROUND_HALF_DOWN: 0,
        ROUND_HALF_EVEN: 0,
        ROUND_UP: 1,
        ROUND_DOWN: 0,
        ROUND_CEILING: 1,
        ROUND_FLOOR: 0,
    },
    (21, 6): {  # 3.5
        ROUND_HALF_UP: 4,
        ROUND_HALF_DOWN: 3,
        ROUND_HALF_EVEN: 4,
        ROUND_UP: 4,
        ROUND_DOWN: 3,
        ROUND_CEILING: 4,
        ROUND_FLOOR: 3,
    },
    (7, 3): {  # 2.333…
        ROUND_HALF_UP: 2,
        ROUND_HALF_DOWN: 2,
        ROUND_HALF_EVEN: 2,
        ROUND_UP: 3,
        ROUND_DOWN: 2,
        ROUND_CEILING: 3,
        ROUND_FLOOR: 2,
    },
    (-7, 3): {  # -2.333…
        ROUND_HALF_UP: -2,
        ROUND_HALF_DOWN: -2,
        ROUND_HALF_EVEN: -2,
        ROUND_UP: -3,
        ROUND_DOWN: -2,
        ROUND_CEILING: -2,
        ROUND_FLOOR: -3,
    },
    (-8, 3): {  # -2.666…
        ROUND_HALF_UP: -3,
        ROUND_HALF_DOWN: -3,
        ROUND_HALF_EVEN: -3,
        ROUND_UP: -3,
        ROUND_DOWN: -2,
        ROUND_CEILING: -2,
        ROUND_FLOOR: -3,
    },
    (-1, 4): {  # -0.25
        ROUND_HALF_UP: 0,
        ROUND_HALF_DOWN: 0,
        ROUND_HALF_EVEN: 0,
        ROUND_UP: -1,
        ROUND_DOWN: 0,
        ROUND_CEILING: 0,
        ROUND_FLOOR: -1,
    },
    (12, 4): dict.fromkeys(ALL_MODES, 3),
    (-12, 4): dict.fromkeys(ALL_MODES, -3),
    (0, 7): dict.fromkeys(ALL_MODES, 0),
}


@pytest.mark.parametrize(
    ("numerator", "denominator", "mode", "expected"),
    [(n, d, mode, expected) for (n, d), row in TABLE.items() for mode, expected in row.items()],
)
def test_known_values(numerator: int, denominator: int, mode: str, expected: int) -> None:
    """X-1: hand-checked results, exact ties and negative numerators included."""
    result = divide_rounded(numerator, denominator, mode)
    assert type(result) is int
    assert result == expected
    assert result == reference(numerator, denominator, mode)


def test_default_mode_is_half_up() -> None:
    """X-1: ties go away from zero by default."""
    assert divide_rounded(5, 2) == 3
    assert divide_rounded(-5, 2) == -3
    assert divide_rounded(3, 6) == 1


@given(
    st.integers(-(10**30), 10**30) | st.integers(-1000, 1000),
    st.integers(1, 10**12) | st.integers(1, 20),
    modes,
)
@example(3, 6, ROUND_HALF_EVEN)
@example(-3, 6, ROUND_HALF_DOWN)
@example(10**30 + 1, 2, ROUND_HALF_EVEN)
def test_matches_the_exact_rational_reference(numerator: int, denominator: int, mode: str) -> None:
    """X-1: for any numerator (negative too), positive denominator and supported mode,
    the result is the exact rational value rounded as the mode defines it.
    """
    assert divide_rounded(numerator, denominator, mode) == reference(numerator, denominator, mode)


@given(st.integers(-(10**12), 10**12), st.integers(1, 10**6), modes)
def test_exact_ties_follow_the_mode(quotient: int, half_denominator: int, mode: str) -> None:
    """X-1: values exactly halfway between two integers (rare at random) are decided
    by the mode, never by an inexact intermediate value.
    """
    denominator = 2 * half_denominator
    numerator = quotient * denominator + half_denominator  # quotient + 1/2, exactly
    assert divide_rounded(numerator, denominator, mode) == reference(numerator, denominator, mode)
    assert divide_rounded(-numerator, denominator, mode) == reference(-numerator, denominator, mode)


# Denominators dividing 10**9 give a terminating decimal, exact in 100 digits: there,
# Decimal quantize is a second, independent oracle.
_terminating = st.builds(lambda a, b: 2**a * 5**b, st.integers(0, 9), st.integers(0, 9))


@given(st.integers(-(10**40), 10**40), _terminating, modes)
def test_matches_decimal_quantize_when_the_quotient_is_exact(
    numerator: int, denominator: int, mode: str
) -> None:
    """X-1: agrees with ``decimal`` wherever Decimal division is itself exact."""
    exact = decimal.Context(prec=100, traps=[decimal.Inexact]).divide(
        Decimal(numerator), Decimal(denominator)
    )
    expected = int(exact.quantize(Decimal(1), rounding=mode, context=decimal.Context(prec=100)))
    assert divide_rounded(numerator, denominator, mode) == expected


@pytest.mark.parametrize("mode", [ROUND_05UP, "bogus", "", "round_half_up", None])
def test_unsupported_mode_is_a_typed_error(mode: object) -> None:
    """X-1, X-9: ROUND_05UP and unknown names raise UnsupportedRoundingError."""
    with pytest.raises(UnsupportedRoundingError) as info:
        divide_rounded(1, 2, mode)  # type: ignore[arg-type]
    assert info.value.code == "money.unsupported_rounding"
    assert info.value.details == {"rounding": str(mode)}


@pytest.mark.parametrize("denominator", [0, -1, -6])
def test_non_positive_denominator_is_a_programming_error(denominator: int) -> None:
    """X-1: the denominator must be positive (documented as a programming error)."""
    with pytest.raises(ValueError, match="denominator must be positive"):
        divide_rounded(1, denominator)
