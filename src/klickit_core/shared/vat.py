"""VAT on tax-inclusive prices (SPEC CRT-2, CAT-1).

French shops display prices *TTC* (tax included), so the VAT is extracted from the gross:
``vat = gross × rate / (1 + rate)``, ``net = gross − vat``. Because the net is derived by
subtraction, ``net + vat == gross`` holds exactly, to the cent, by construction.

The stated rounding rules, chosen per shop with :class:`VatRounding`:

* ``PER_RATE`` (default): line grosses are summed per rate, and the VAT of each rate is
  computed and rounded **once** on that sum. This is how a French invoice states VAT
  ("par taux") and it keeps the rounding error of each rate under half a minor unit.
* ``PER_LINE``: the VAT of each line is rounded, then summed per rate. Some ERPs work this
  way; the error per rate is then bounded by half a minor unit *per line*.

All arithmetic is integer minor units (see :mod:`klickit_core.shared.rounding`), so results
do not depend on the ambient ``decimal`` context.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from decimal import Context, Decimal, localcontext
from fractions import Fraction
from typing import Any

import attrs
from babel.core import UnknownLocaleError
from babel.numbers import format_percent

from klickit_core.shared.errors import InvalidLocaleError, KlickitError
from klickit_core.shared.i18n import N_
from klickit_core.shared.locales import normalise_locale
from klickit_core.shared.rounding import DEFAULT_ROUNDING, divide_rounded

__all__ = [
    "FRANCE_VAT",
    "InvalidVatRateError",
    "UnknownVatClassError",
    "VatClass",
    "VatRate",
    "VatRounding",
    "VatTable",
    "vat_by_rate",
]


class VatClass(enum.StrEnum):
    """The rate class a product belongs to; the table maps it to a rate.

    Hashed as its string value: ``Enum``'s own ``__hash__`` is a Python-level call on the
    member's *name*, several times slower in the pricing loop's dictionaries, and
    inconsistent with ``VatClass.STANDARD == "standard"``.
    """

    __hash__ = str.__hash__

    STANDARD = "standard"  # FR 20 %
    INTERMEDIATE = "intermediate"  # FR 10 %
    REDUCED = "reduced"  # FR 5.5 % (food, books)
    SUPER_REDUCED = "super_reduced"  # FR 2.1 % (press, some medicines)
    ZERO = "zero"  # exempt or zero-rated (exports)


class VatRounding(enum.StrEnum):
    """Where VAT is rounded; see the module docstring."""

    PER_RATE = "per_rate"
    PER_LINE = "per_line"


class InvalidVatRateError(KlickitError):
    """A VAT percentage outside [0, 100) or not a ``Decimal``."""

    code = "vat.invalid_rate"
    message_template = N_("Invalid VAT rate.")


class UnknownVatClassError(KlickitError):
    """The VAT table has no rate for this class."""

    code = "vat.unknown_class"
    message_template = N_("No VAT rate for class {vat_class}.")


def _check_percent(_instance: Any, _attribute: Any, value: Any) -> None:
    if type(value) is not Decimal or not value.is_finite() or not 0 <= value < 100:
        raise InvalidVatRateError


@attrs.frozen(slots=True)
class VatRate:
    """A VAT rate as a percentage, e.g. ``VatRate(Decimal("5.5"))``."""

    percent: Decimal = attrs.field(validator=_check_percent)
    #: ``p / (100 + p)`` as an exact fraction, the share of VAT inside a gross amount
    #: (1/6 for 20 %, 11/211 for 5.5 %), kept as two ints for the pricing hot loop.
    share_numerator: int = attrs.field(init=False, eq=False, repr=False)
    share_denominator: int = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        p = Fraction(self.percent)
        share = p / (100 + p)
        object.__setattr__(self, "share_numerator", share.numerator)
        object.__setattr__(self, "share_denominator", share.denominator)

    def vat_in_gross(self, gross_minor: int, rounding: str = DEFAULT_ROUNDING) -> int:
        """VAT contained in a tax-inclusive amount of ``gross_minor`` minor units."""
        return divide_rounded(gross_minor * self.share_numerator, self.share_denominator, rounding)

    def format(self, locale: str = "fr_FR") -> str:
        """The rate for display: ``5,5 %`` in French, ``5.5%`` in English (in the
        library's own decimal context: a caller's narrow precision cannot round it).
        ``locale``: ``"fr"``, ``"fr_FR"``, ``"fr-FR"``, ``"en"``, ``"en_GB"``, ``"en-GB"``.

        Raises:
            UnsupportedLocaleError: for a locale the shop does not speak.
        """
        babel_locale = normalise_locale(locale)
        try:
            with localcontext(_DISPLAY_CONTEXT):
                fraction = self.percent.scaleb(-2, _DISPLAY_CONTEXT)
                text = format_percent(fraction, locale=babel_locale, decimal_quantization=False)
        except (UnknownLocaleError, ValueError, TypeError):
            raise InvalidLocaleError(locale=str(locale)[:20]) from None
        return str(text)

    def __str__(self) -> str:
        return f"{self.percent.normalize(_DISPLAY_CONTEXT):f} %"


#: The context rates are displayed in, whatever the caller's (X-1): exact for any rate.
_DISPLAY_CONTEXT = Context(prec=40)


@attrs.frozen(slots=True)
class VatTable:
    """The rates of one country, by class. Configurable per shop (rates do change)."""

    country: str
    rates: Mapping[VatClass, VatRate]
    #: The classes ordered by rate, highest first (how breakdowns are listed).
    classes_by_rate: tuple[VatClass, ...] = attrs.field(init=False, eq=False, repr=False)
    #: ``(class, rate)`` pairs in the same order, for the pricing loop.
    ranked_rates: tuple[tuple[VatClass, VatRate], ...] = attrs.field(
        init=False, eq=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        ordered = sorted(self.rates, key=lambda c: self.rates[c].percent, reverse=True)
        object.__setattr__(self, "classes_by_rate", tuple(ordered))
        object.__setattr__(self, "ranked_rates", tuple((c, self.rates[c]) for c in ordered))

    def rate(self, vat_class: VatClass) -> VatRate:
        """The rate of ``vat_class``; :class:`UnknownVatClassError` when absent."""
        try:
            return self.rates[vat_class]
        except KeyError:
            raise UnknownVatClassError(vat_class=str(vat_class)) from None


#: France, metropolitan rates (CGI art. 278 ff.); "zero" is for exempt or exported goods.
FRANCE_VAT = VatTable(
    country="FR",
    rates={
        VatClass.STANDARD: VatRate(Decimal("20")),
        VatClass.INTERMEDIATE: VatRate(Decimal("10")),
        VatClass.REDUCED: VatRate(Decimal("5.5")),
        VatClass.SUPER_REDUCED: VatRate(Decimal("2.1")),
        VatClass.ZERO: VatRate(Decimal("0")),
    },
)


def vat_by_rate(
    lines: Iterable[tuple[VatRate, int]],
    policy: VatRounding = VatRounding.PER_RATE,
    rounding: str = DEFAULT_ROUNDING,
) -> dict[VatRate, tuple[int, int]]:
    """Group ``(rate, gross_minor)`` pairs into ``{rate: (gross_minor, vat_minor)}``.

    The order of the result follows the first appearance of each rate.
    """
    gross: dict[VatRate, int] = {}
    vat: dict[VatRate, int] = {}
    per_line = policy is VatRounding.PER_LINE
    for rate, amount in lines:
        gross[rate] = gross.get(rate, 0) + amount
        if per_line:
            vat[rate] = vat.get(rate, 0) + rate.vat_in_gross(amount, rounding)
    if per_line:
        return {rate: (gross[rate], vat[rate]) for rate in gross}
    return {rate: (g, rate.vat_in_gross(g, rounding)) for rate, g in gross.items()}
