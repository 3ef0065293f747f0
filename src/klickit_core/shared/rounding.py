"""Exact rounding of integer ratios.

Money math in klickit_core is done in integer minor units (cents) wherever a division is
involved, because ``Decimal`` division is itself rounded to the context precision: rounding
that already-rounded value to cents is *double rounding*, which breaks ``ROUND_HALF_EVEN``
and ``ROUND_HALF_DOWN`` on exact ties (``3 / 6`` cents). Integer ``divmod`` sees the exact
remainder, so the rounding decision is always the one the rounding mode describes.
"""

from __future__ import annotations

from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
)

from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_

__all__ = ["DEFAULT_ROUNDING", "SUPPORTED_ROUNDINGS", "UnsupportedRoundingError", "divide_rounded"]

#: SPEC X-1: ROUND_HALF_UP unless configured (the usual commercial rounding in France).
DEFAULT_ROUNDING = ROUND_HALF_UP

SUPPORTED_ROUNDINGS = frozenset(
    {
        ROUND_HALF_UP,
        ROUND_HALF_EVEN,
        ROUND_HALF_DOWN,
        ROUND_UP,
        ROUND_DOWN,
        ROUND_CEILING,
        ROUND_FLOOR,
    }
)


class UnsupportedRoundingError(KlickitError):
    """The rounding mode is not one of :data:`SUPPORTED_ROUNDINGS`."""

    code = "money.unsupported_rounding"
    message_template = N_("Unsupported rounding mode {rounding}.")


def divide_rounded(numerator: int, denominator: int, rounding: str = DEFAULT_ROUNDING) -> int:
    """``numerator / denominator`` rounded to an integer with ``rounding``, exactly.

    ``denominator`` must be positive; ``numerator`` may be negative (refunds, credit notes).
    """
    if rounding not in SUPPORTED_ROUNDINGS:
        raise UnsupportedRoundingError(rounding=str(rounding))
    if denominator <= 0:
        raise ValueError("denominator must be positive")  # programming error, not input
    quotient, remainder = divmod(numerator, denominator)  # floor division: remainder >= 0
    if rounding is ROUND_HALF_UP and numerator >= 0:  # the default, on the pricing path
        return quotient + 1 if 2 * remainder >= denominator else quotient
    if remainder == 0:
        return quotient
    # The exact value lies strictly between quotient and quotient + 1.
    if rounding == ROUND_FLOOR:
        return quotient
    if rounding == ROUND_CEILING:
        return quotient + 1
    negative = numerator < 0
    if rounding == ROUND_DOWN:  # towards zero
        return quotient + 1 if negative else quotient
    if rounding == ROUND_UP:  # away from zero
        return quotient if negative else quotient + 1
    twice = 2 * remainder
    if twice < denominator:
        return quotient
    if twice > denominator:
        return quotient + 1
    # An exact tie between quotient and quotient + 1.
    if rounding == ROUND_HALF_UP:  # away from zero
        return quotient if negative else quotient + 1
    if rounding == ROUND_HALF_DOWN:  # towards zero
        return quotient + 1 if negative else quotient
    # ROUND_HALF_EVEN, the only mode left.
    return quotient if quotient % 2 == 0 else quotient + 1
