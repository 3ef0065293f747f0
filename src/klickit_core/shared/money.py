"""Money (SPEC X-1): ``Decimal`` amounts in an ISO 4217 currency, never floats.

:class:`Money` is a frozen, hashable value. It keeps the exact amount it was given;
rounding to the currency's minor unit happens only when asked (:meth:`Money.rounded`),
with an explicit rounding mode (``ROUND_HALF_UP`` unless configured). The minor unit of each
currency comes from Babel's CLDR data (EUR 2, JPY 0, BHD 3).

Arithmetic between two currencies raises :class:`CurrencyMismatchError`; nothing is ever
converted silently. Splitting an amount (:meth:`Money.allocate`) never loses or invents a
minor unit: the parts always add up to the whole. Every ``Decimal`` operation runs in the
library's own contexts, so results never depend on the caller's (``docs/money-and-vat.md``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from decimal import (
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from functools import cache, lru_cache
from typing import Any, Self

import attrs
from babel.core import UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision, list_currencies

from klickit_core.shared.errors import InvalidLocaleError, KlickitError
from klickit_core.shared.i18n import N_
from klickit_core.shared.locales import normalise_locale
from klickit_core.shared.rounding import (
    DEFAULT_ROUNDING,
    SUPPORTED_ROUNDINGS,
    UnsupportedRoundingError,
)

__all__ = [
    "CurrencyMismatchError",
    "InvalidAmountError",
    "Money",
    "MoneyError",
    "UnknownCurrencyError",
    "currency_exponent",
    "is_known_currency",
    "money_from_minor",
]


#: Amounts are bounded so that every sum, difference and rescaling is exact in
#: :data:`_CONTEXT`: at most 18 integer digits and 18 decimal places, i.e. every digit of
#: the amount, and its exponent, between 10**-18 and 10**17 (``0E+18`` is out of range too).
MIN_EXPONENT = -18
MAX_EXPONENT = 17

#: Amount text (``Money.of``): ASCII digits, an optional sign, at most one dot, an optional
#: exponent; nothing else (no ``_``, no other script's digits, no grouping). Spaces, tabs and
#: line ends around it are ignored, and nothing else is.
_AMOUNT_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_NOT_FINITE_TEXT = re.compile(r"[+-]?(?:inf(?:inity)?|s?nan[0-9]*)", re.ASCII | re.IGNORECASE)
_BLANKS = " \t\r\n"

#: All money arithmetic runs in this private context, never the caller's ambient one, so a
#: ``localcontext(prec=4)`` in an app cannot drop cents. Any inexact result is trapped.
_CONTEXT = Context(prec=80, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])


class MoneyError(KlickitError):
    """Base of every money error."""

    code = "money.error"
    message_template = N_("Invalid money operation.")


class CurrencyMismatchError(MoneyError):
    """Two amounts in different currencies were combined."""

    code = "money.currency_mismatch"
    message_template = N_("Cannot combine amounts in {left} and {right}.")


class UnknownCurrencyError(MoneyError):
    """The currency is not an ISO 4217 code Babel knows."""

    code = "money.unknown_currency"
    message_template = N_("Unknown currency {currency}.")


class InvalidAmountError(MoneyError):
    """The amount is not a finite ``Decimal`` (floats are refused: they cannot hold cents)."""

    code = "money.invalid_amount"
    message_template = N_("Invalid amount ({reason}).")


@cache
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def is_known_currency(currency: str) -> bool:
    """Whether ``currency`` is an ISO 4217 code in Babel's data."""
    return currency in _known_currencies()


@lru_cache(maxsize=512)
def currency_exponent(currency: str) -> int:
    """Number of minor-unit digits of ``currency`` (EUR 2, JPY 0, KWD 3), from CLDR."""
    if not is_known_currency(currency):
        raise UnknownCurrencyError(currency=str(currency)[:8])
    return int(get_currency_precision(currency))


@lru_cache(maxsize=512)
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-currency_exponent(currency), _CONTEXT)


def _check_amount(_instance: Any, _attribute: Any, value: Any) -> None:
    if type(value) is not Decimal:
        reason = "float" if isinstance(value, float) else "not_decimal"
        raise InvalidAmountError(reason=reason)
    if not value.is_finite():
        raise InvalidAmountError(reason="not_finite")
    # Exponents only, never arithmetic, which would round or trap in the caller's context.
    # ``adjusted()`` is the exponent of the leading digit (of a zero, its exponent).
    if int(value.as_tuple().exponent) < MIN_EXPONENT or value.adjusted() > MAX_EXPONENT:
        raise InvalidAmountError(reason="out_of_range")


def _parse_amount(text: str) -> Decimal:
    """The ``Decimal`` written in ``text`` (grammar: :data:`_AMOUNT_TEXT`), exactly."""
    text = text.strip(_BLANKS)
    if _AMOUNT_TEXT.fullmatch(text) is None:
        reason = "not_finite" if _NOT_FINITE_TEXT.fullmatch(text) else "not_a_number"
        raise InvalidAmountError(reason=reason)
    try:  # exact whatever the context; only an exponent past Decimal's own limits fails
        return Decimal(text, _CONTEXT)
    except InvalidOperation:
        raise InvalidAmountError(reason="out_of_range") from None


def _decimal_repr(amount: Decimal) -> str:
    """``repr(amount)``, but with the private context's ``E`` whatever the caller's."""
    return f"Decimal('{_CONTEXT.to_sci_string(amount)}')"


def _check_currency(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, str) or not is_known_currency(value):
        raise UnknownCurrencyError(currency=str(value)[:8])


#: Rounding must not trap ``Inexact``: losing digits is its purpose. Babel formats in it too.
_ROUNDING_CONTEXT = Context(prec=80, traps=[InvalidOperation, Overflow])


def _exact(
    operation: Callable[[Decimal | int, Decimal], Decimal], left: Decimal | int, right: Decimal
) -> Decimal:
    """``operation(left, right)`` in the private context; anything inexact is refused."""
    try:
        return operation(left, right)
    except (InvalidOperation, Inexact, Overflow, DivisionByZero):
        raise InvalidAmountError(reason="out_of_range") from None


def _integer_weights(weights: Sequence[int | Decimal]) -> list[int]:
    """Scale weights to integers with the same proportions, so allocation is exact."""
    decimals: list[Decimal] = []
    for weight in weights:
        if isinstance(weight, bool) or not isinstance(weight, int | Decimal):
            raise InvalidAmountError(reason="bad_weights")
        value = Decimal(weight)
        if not value.is_finite() or value < 0:
            raise InvalidAmountError(reason="bad_weights")
        decimals.append(value)
    if not any(decimals):  # no sum: it would round in the caller's context
        raise InvalidAmountError(reason="bad_weights")
    scale = max(0, *(-int(d.as_tuple().exponent) for d in decimals))
    return [int(_exact(_CONTEXT.scaleb, d, Decimal(scale))) for d in decimals]


_MAX_MINOR = {exponent: 10 ** (18 + exponent) for exponent in range(19)}


def money_from_minor(minor: int, currency: str) -> Money:
    """A :class:`Money` of ``minor`` minor units from trusted parts (internal hot paths).

    The caller guarantees that ``currency`` is known and ``minor`` an ``int`` within range:
    pricing builds many amounts this way, where the validators would cost several times
    the arithmetic. Its three slots are written directly, the ``Decimal`` amount made by
    one ``scaleb`` in the private context (the same value, exponent included, as
    :meth:`Money.from_minor_units` makes).
    """
    shift = _SHIFTS.get(currency)
    if shift is None:
        shift = _minor_shift(currency)
    money = _new(Money)
    _set_amount(money, _scaleb(minor, shift))
    _set_minor(money, minor)
    _set_currency(money, currency)
    return money


#: ``Decimal(-exponent)`` per currency already met: ``_scaleb(minor, shift)`` is the amount
#: of ``minor`` minor units, and the dict read costs less than :func:`currency_exponent`'s
#: cache. Bounded: only known currencies get in.
_SHIFTS: dict[str, Decimal] = {}
_scaleb = _CONTEXT.scaleb


def _minor_shift(currency: str) -> Decimal:
    """``Decimal(-currency_exponent(currency))``, cached in :data:`_SHIFTS`."""
    shift = _SHIFTS.get(currency)
    if shift is None:
        shift = _SHIFTS[currency] = Decimal(-currency_exponent(currency))
    return shift


@attrs.frozen(slots=True, order=False)
class Money:
    """An exact amount of one currency.

    >>> Money.of("19.90", "EUR") * 3
    Money(amount=Decimal('59.70'), currency='EUR')
    >>> Money.of("1234.5", "EUR").format("fr_FR")
    '1\u202f234,50\xa0€'
    """

    amount: Decimal = attrs.field(validator=_check_amount, repr=_decimal_repr)
    currency: str = attrs.field(validator=_check_currency)
    #: The amount in minor units when it was built from them (:func:`money_from_minor`
    #: and :meth:`from_minor_units`), so :meth:`minor_units` reads it back without
    #: touching the ``Decimal``; ``None`` for every other instance. Not part of the value.
    _minor: int | None = attrs.field(
        init=False, default=None, eq=False, hash=False, repr=False, order=False
    )

    # ------------------------------------------------------------------ construction
    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Self:
        """Build from a ``Decimal``, an ``int`` or a decimal string; floats are refused.

        A string holds ASCII digits, an optional sign, at most one dot and an optional
        exponent (``"19.90"``, ``"-3"``, ``"1E+3"``), with spaces, tabs or line ends around.
        """
        if isinstance(amount, bool | float):
            raise InvalidAmountError(reason="float" if isinstance(amount, float) else "bool")
        if isinstance(amount, int):
            return cls(Decimal(amount), currency)
        if isinstance(amount, str):
            return cls(_parse_amount(amount), currency)
        return cls(amount, currency)

    @classmethod
    def zero(cls, currency: str) -> Self:
        """Zero in ``currency``, at its minor-unit scale."""
        return cls(Decimal(0).quantize(_quantum(currency), context=_CONTEXT), currency)

    @classmethod
    def from_minor_units(cls, minor: int, currency: str) -> Self:
        """Build from an integer count of minor units (cents for EUR)."""
        if type(minor) is not int:
            raise InvalidAmountError(reason="not_integer")
        money = cls(_exact(_scaleb, minor, _minor_shift(currency)), currency)
        _set_minor(money, minor)
        return money

    # ------------------------------------------------------------------ properties
    @property
    def exponent(self) -> int:
        """Minor-unit digits of this currency."""
        return currency_exponent(self.currency)

    @property
    def is_rounded(self) -> bool:
        """Whether the amount has no digits below the minor unit."""
        if self._minor is not None:  # built from minor units: rounded by construction
            return True
        quantum = _quantum(self.currency)
        return self.amount == self.amount.quantize(quantum, context=_ROUNDING_CONTEXT)

    def minor_units(self) -> int:
        """The amount as an integer count of minor units; it must already be rounded."""
        minor = self._minor
        if minor is not None:  # built from minor units: no Decimal to make or read
            return minor
        if not self.is_rounded:
            raise InvalidAmountError(reason="not_rounded")
        return int(_exact(_CONTEXT.scaleb, self.amount, Decimal(self.exponent)))

    # ------------------------------------------------------------------ rounding
    def rounded(self, rounding: str = DEFAULT_ROUNDING) -> Money:
        """The amount rounded to the currency's minor unit with ``rounding``."""
        if rounding not in SUPPORTED_ROUNDINGS:
            raise UnsupportedRoundingError(rounding=str(rounding)[:20])
        quantum = _quantum(self.currency)
        rounded = self.amount.quantize(quantum, rounding=rounding, context=_ROUNDING_CONTEXT)
        return Money(rounded, self.currency)

    # ------------------------------------------------------------------ arithmetic
    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatchError(left=self.currency, right=other.currency)

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(_exact(_CONTEXT.add, self.amount, other.amount), self.currency)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(_exact(_CONTEXT.subtract, self.amount, other.amount), self.currency)

    def __neg__(self) -> Money:
        return Money(_CONTEXT.minus(self.amount), self.currency)

    def __abs__(self) -> Money:
        return Money(_CONTEXT.abs(self.amount), self.currency)

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int | Decimal):
            return NotImplemented
        return Money(_exact(_CONTEXT.multiply, self.amount, Decimal(factor)), self.currency)

    __rmul__ = __mul__

    def __bool__(self) -> bool:
        return bool(self.amount)

    # ------------------------------------------------------------------ comparison
    def _compare_key(self, other: object) -> Decimal:
        if not isinstance(other, Money):
            raise TypeError(f"cannot compare Money with {type(other).__name__}")
        self._same_currency(other)
        return other.amount

    def __lt__(self, other: object) -> bool:
        return self.amount < self._compare_key(other)

    def __le__(self, other: object) -> bool:
        return self.amount <= self._compare_key(other)

    def __gt__(self, other: object) -> bool:
        return self.amount > self._compare_key(other)

    def __ge__(self, other: object) -> bool:
        return self.amount >= self._compare_key(other)

    # ------------------------------------------------------------------ splitting
    def allocate(self, weights: Sequence[int | Decimal]) -> list[Money]:
        """Split a rounded amount in proportion to ``weights``, losing no minor unit.

        Uses the largest-remainder method: every part is first rounded down, then the
        leftover minor units go one by one to the parts with the largest remainders (ties to
        the earliest part). ``sum(parts) == self`` always holds.
        """
        int_weights = _integer_weights(weights)
        total_minor = self.minor_units()
        weight_sum = sum(int_weights)
        sign = -1 if total_minor < 0 else 1
        magnitude = abs(total_minor)
        parts = [magnitude * w // weight_sum for w in int_weights]
        remainders = [magnitude * w % weight_sum for w in int_weights]
        leftover = magnitude - sum(parts)
        order = sorted(range(len(parts)), key=lambda i: (-remainders[i], i))
        for i in order[:leftover]:
            parts[i] += 1
        return [Money.from_minor_units(sign * p, self.currency) for p in parts]

    @staticmethod
    def sum(amounts: Iterable[Money], currency: str) -> Money:
        """Sum of ``amounts`` (zero in ``currency`` when empty); currencies must match."""
        total = Money.zero(currency)
        for amount in amounts:
            total = total + amount
        return total

    # ------------------------------------------------------------------ formatting
    def format(self, locale: str = "fr_FR", rounding: str = DEFAULT_ROUNDING) -> str:
        """Format for display with Babel: ``fr_FR`` (or ``fr``, ``fr-FR``) gives
        ``1 234,50 €``, ``en_GB`` (or ``en``, ``en-GB``) ``€1,234.50``.

        The amount is rounded to the minor unit with ``rounding`` for display only.

        Raises:
            UnsupportedLocaleError: for a locale the shop does not speak.
            UnsupportedRoundingError: for an unknown ``rounding``.
        """
        babel_locale = normalise_locale(locale)
        amount = self.rounded(rounding).amount
        try:
            with localcontext(_ROUNDING_CONTEXT):  # Babel computes in the current context
                text = format_currency(
                    amount, self.currency, locale=babel_locale, currency_digits=True
                )
        except (UnknownLocaleError, ValueError, TypeError):
            raise InvalidLocaleError(locale=str(locale)[:20]) from None
        return str(text)

    def __str__(self) -> str:
        return f"{_CONTEXT.to_sci_string(self.amount)} {self.currency}"

    def __format__(self, spec: str) -> str:
        return self.format(spec) if spec else str(self)


# Slot descriptors of Money, for money_from_minor: setting a slot through its descriptor
# skips the frozen ``__setattr__`` and costs a fraction of ``object.__setattr__``.
_new = object.__new__
_set_amount = Money.__dict__["amount"].__set__
_set_minor = Money.__dict__["_minor"].__set__
_set_currency = Money.__dict__["currency"].__set__
