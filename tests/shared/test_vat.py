"""X-1 (with CAT-1, CRT-2): VAT extracted from tax-inclusive prices, with stated rounding."""

from __future__ import annotations

from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
    localcontext,
)
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klickit_core.shared.money import Money
from klickit_core.shared.rounding import UnsupportedRoundingError
from klickit_core.shared.vat import (
    FRANCE_VAT,
    InvalidVatRateError,
    UnknownVatClassError,
    VatClass,
    VatRate,
    VatRounding,
    VatTable,
    vat_by_rate,
)
from klickit_core.testing import strategies as kst

HALF_MODES = [ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_HALF_DOWN]
DIRECTED_MODES = [ROUND_UP, ROUND_DOWN, ROUND_CEILING, ROUND_FLOOR]


def rate(percent: str) -> VatRate:
    return VatRate(Decimal(percent))


def exact_vat(vat_rate: VatRate, gross_minor: int) -> Fraction:
    """The exact VAT inside a gross amount: gross × p / (100 + p)."""
    p = Fraction(vat_rate.percent)
    return gross_minor * p / (100 + p)


@pytest.mark.parametrize(
    ("percent", "numerator", "denominator"),
    [
        ("20", 1, 6),
        ("10", 1, 11),
        ("5.5", 11, 211),
        ("2.1", 21, 1021),
        ("0", 0, 1),
        ("20.0", 1, 6),
        ("99.99", 9999, 19999),
    ],
)
def test_share_of_vat_in_a_gross_amount(percent: str, numerator: int, denominator: int) -> None:
    """X-1: the VAT share p / (100 + p) is an exact fraction (20 % -> 1/6, 5.5 % -> 11/211)."""
    vat_rate = rate(percent)
    assert (vat_rate.share_numerator, vat_rate.share_denominator) == (numerator, denominator)


@pytest.mark.parametrize(
    ("percent", "gross", "mode", "expected"),
    [
        ("20", 1200, ROUND_HALF_UP, 200),  # exactly 2.00 €
        ("20", 4979, ROUND_HALF_UP, 830),  # 829.83…
        ("20", 4979, ROUND_DOWN, 829),
        ("5.5", 4100, ROUND_HALF_UP, 214),  # 213.74…
        ("2.1", 230, ROUND_HALF_UP, 5),  # 4.73…
        ("10", 1100, ROUND_HALF_UP, 100),
        ("10", 1490, ROUND_HALF_UP, 135),  # 135.45…
        ("0", 12345, ROUND_UP, 0),
        # Exact ties: 3 cents at 20 % hold exactly 0.5 cent of VAT.
        ("20", 3, ROUND_HALF_UP, 1),
        ("20", 3, ROUND_HALF_EVEN, 0),
        ("20", 3, ROUND_HALF_DOWN, 0),
        ("20", 9, ROUND_HALF_EVEN, 2),  # 1.5
        ("20", 15, ROUND_HALF_EVEN, 2),  # 2.5
        # Refunds: negative grosses round symmetrically.
        ("20", -3, ROUND_HALF_UP, -1),
        ("20", -3, ROUND_HALF_DOWN, 0),
        ("20", -4979, ROUND_HALF_UP, -830),
        ("20", -4979, ROUND_FLOOR, -830),
        ("20", -4979, ROUND_CEILING, -829),
    ],
)
def test_vat_in_gross_known_values(percent: str, gross: int, mode: str, expected: int) -> None:
    """X-1, CRT-2: VAT = gross × r / (1 + r), rounded once with the given mode."""
    assert rate(percent).vat_in_gross(gross, mode) == expected


def test_vat_in_gross_defaults_to_half_up_and_refuses_unknown_modes() -> None:
    """X-1: ROUND_HALF_UP unless configured; an unknown mode is a typed error."""
    assert rate("20").vat_in_gross(3) == 1
    with pytest.raises(UnsupportedRoundingError):
        rate("20").vat_in_gross(3, "ROUND_05UP")


@pytest.mark.parametrize(
    "percent",
    [
        Decimal("-1"),
        Decimal("-0.01"),
        Decimal("100"),
        Decimal("100.0"),
        Decimal("250"),
        Decimal("NaN"),
        Decimal("Infinity"),
        20.0,
        20,
        "20",
        True,
        None,
    ],
)
def test_invalid_rates_are_refused(percent: object) -> None:
    """X-9: a rate is a Decimal percentage in [0, 100); floats are refused."""
    with pytest.raises(InvalidVatRateError) as info:
        VatRate(percent)  # type: ignore[arg-type]
    assert info.value.code == "vat.invalid_rate"


@pytest.mark.parametrize("percent", ["0", "0.01", "2.1", "99.99"])
def test_boundary_rates_are_accepted(percent: str) -> None:
    """X-1: 0 % (exempt) up to just under 100 % are valid."""
    assert rate(percent).percent == Decimal(percent)


def test_rates_compare_by_value() -> None:
    """X-1: 20 and 20.0 are one rate (one line in a VAT breakdown)."""
    assert rate("20") == rate("20.0")
    assert hash(rate("20")) == hash(rate("20.0"))
    assert rate("20") != rate("10")
    result = vat_by_rate([(rate("20"), 600), (rate("20.0"), 600)])
    assert result == {rate("20"): (1200, 200)}


@pytest.mark.parametrize(
    ("percent", "fr", "en", "plain"),
    [
        ("5.5", "5,5\xa0%", "5.5%", "5.5 %"),
        ("20", "20\xa0%", "20%", "20 %"),
        ("2.1", "2,1\xa0%", "2.1%", "2.1 %"),
        ("0", "0\xa0%", "0%", "0 %"),
    ],
)
def test_rate_display(percent: str, fr: str, en: str, plain: str) -> None:
    """X-2: rates are shown per locale (``5,5 %`` in French)."""
    vat_rate = rate(percent)
    assert vat_rate.format("fr_FR") == fr
    assert vat_rate.format() == fr
    assert vat_rate.format("en") == en
    assert str(vat_rate) == plain


@pytest.mark.parametrize("precision", [1, 2])
def test_rate_display_ignores_the_callers_decimal_context(precision: int) -> None:
    """X-1: an app running under ``localcontext(prec=1)`` still shows 5.5 % as 5.5 %,
    not 6 % (the library's results never depend on the caller's decimal context)."""
    vat_rate = rate("5.5")
    with localcontext(prec=precision, rounding=ROUND_HALF_UP):
        assert vat_rate.format("fr_FR") == "5,5\xa0%"
        assert vat_rate.format("en") == "5.5%"
        assert str(vat_rate) == "5.5 %"


def test_france_table() -> None:
    """CAT-1: FR rates 20 %, 10 %, 5.5 %, 2.1 % (and 0 % for exempt goods)."""
    assert FRANCE_VAT.country == "FR"
    assert {cls: r.percent for cls, r in FRANCE_VAT.rates.items()} == {
        VatClass.STANDARD: Decimal("20"),
        VatClass.INTERMEDIATE: Decimal("10"),
        VatClass.REDUCED: Decimal("5.5"),
        VatClass.SUPER_REDUCED: Decimal("2.1"),
        VatClass.ZERO: Decimal("0"),
    }
    for vat_class in VatClass:
        assert FRANCE_VAT.rate(vat_class) is FRANCE_VAT.rates[vat_class]


@pytest.mark.parametrize("missing", [VatClass.REDUCED, "reduced", "unknown"])
def test_unknown_class_is_a_typed_error(missing: object) -> None:
    """X-9: a class the table lacks raises UnknownVatClassError with the class name."""
    table = VatTable(country="XX", rates={VatClass.STANDARD: rate("19")})
    with pytest.raises(UnknownVatClassError) as info:
        table.rate(missing)  # type: ignore[arg-type]
    assert info.value.code == "vat.unknown_class"
    assert info.value.details == {"vat_class": str(missing)}
    assert info.value.message("fr") == f"Aucun taux de TVA pour la catégorie {missing}."


# ---------------------------------------------------------------- breakdown by rate


def test_per_rate_and_per_line_differ_as_documented() -> None:
    """CRT-2: three 3-cent lines at 20 %: per rate 9 × 1/6 = 1.5 -> 2; per line 3 × 1."""
    lines = [(rate("20"), 3)] * 3
    assert vat_by_rate(lines, VatRounding.PER_RATE) == {rate("20"): (9, 2)}
    assert vat_by_rate(lines, VatRounding.PER_LINE) == {rate("20"): (9, 3)}
    assert vat_by_rate(lines) == vat_by_rate(lines, VatRounding.PER_RATE)
    assert vat_by_rate(lines, VatRounding.PER_RATE, ROUND_HALF_EVEN) == {rate("20"): (9, 2)}
    assert vat_by_rate(lines, VatRounding.PER_LINE, ROUND_HALF_EVEN) == {rate("20"): (9, 0)}


def test_breakdown_keeps_first_appearance_order() -> None:
    """CRT-2: one entry per rate, in the order rates first appear."""
    lines = [
        (rate("5.5"), 850),
        (rate("20"), 1490),
        (rate("5.5"), 2400),
        (rate("2.1"), 230),
        (rate("20"), 1999),
    ]
    result = vat_by_rate(lines)
    assert list(result) == [rate("5.5"), rate("20"), rate("2.1")]
    assert result == {
        rate("5.5"): (3250, 169),  # 3250 × 11 / 211 = 169.43…
        rate("20"): (3489, 582),  # 3489 / 6 = 581.5 -> 582 (half up)
        rate("2.1"): (230, 5),
    }
    assert vat_by_rate([]) == {}


_lines = st.lists(st.tuples(kst.vat_rates(), st.integers(-(10**7), 10**7)), max_size=25)


def _line_counts(lines: list[tuple[VatRate, int]]) -> dict[VatRate, int]:
    counts: dict[VatRate, int] = {}
    for vat_rate, _ in lines:
        counts[vat_rate] = counts.get(vat_rate, 0) + 1
    return counts


@given(_lines, st.sampled_from(list(VatRounding)), st.sampled_from(HALF_MODES + DIRECTED_MODES))
def test_gross_equals_net_plus_vat_for_every_rate(
    lines: list[tuple[VatRate, int]], policy: VatRounding, mode: str
) -> None:
    """CRT-2: per rate, gross is the sum of the lines and net + VAT == gross, to the cent."""
    result = vat_by_rate(lines, policy, mode)
    assert set(result) == {vat_rate for vat_rate, _ in lines}
    for vat_rate, (gross, vat) in result.items():
        assert gross == sum(g for r, g in lines if r == vat_rate)
        gross_money = Money.from_minor_units(gross, "EUR")
        vat_money = Money.from_minor_units(vat, "EUR")
        net_money = gross_money - vat_money
        assert net_money + vat_money == gross_money
        assert net_money.is_rounded
    assert sum(g for g, _ in result.values()) == sum(g for _, g in lines)


@given(_lines, st.sampled_from(HALF_MODES))
def test_per_rate_vat_is_within_half_a_minor_unit(
    lines: list[tuple[VatRate, int]], mode: str
) -> None:
    """CRT-2: PER_RATE rounds once per rate: error <= 1/2 minor unit of the exact VAT."""
    for vat_rate, (gross, vat) in vat_by_rate(lines, VatRounding.PER_RATE, mode).items():
        assert abs(vat - exact_vat(vat_rate, gross)) <= Fraction(1, 2)


@given(_lines, st.sampled_from(HALF_MODES))
def test_per_line_vat_is_within_half_a_minor_unit_per_line(
    lines: list[tuple[VatRate, int]], mode: str
) -> None:
    """CRT-2: PER_LINE rounds each line: error <= n/2 minor units for n lines of a rate."""
    counts = _line_counts(lines)
    for vat_rate, (gross, vat) in vat_by_rate(lines, VatRounding.PER_LINE, mode).items():
        assert abs(vat - exact_vat(vat_rate, gross)) <= Fraction(counts[vat_rate], 2)
        assert vat == sum(r.vat_in_gross(g, mode) for r, g in lines if r == vat_rate)


@given(_lines, st.sampled_from(list(VatRounding)), st.sampled_from(DIRECTED_MODES))
def test_directed_modes_round_in_their_direction(
    lines: list[tuple[VatRate, int]], policy: VatRounding, mode: str
) -> None:
    """X-1: with a directed mode the VAT moves only in that direction, < 1 unit per round."""
    counts = _line_counts(lines)
    for vat_rate, (gross, vat) in vat_by_rate(lines, policy, mode).items():
        exact = exact_vat(vat_rate, gross)
        roundings = counts[vat_rate] if policy is VatRounding.PER_LINE else 1
        assert abs(vat - exact) < roundings
        if mode == ROUND_FLOOR:
            assert vat <= exact
        elif mode == ROUND_CEILING:
            assert vat >= exact


@given(kst.vat_rates(), st.integers(0, 10**9), st.sampled_from(HALF_MODES + DIRECTED_MODES))
def test_vat_never_exceeds_the_gross(vat_rate: VatRate, gross: int, mode: str) -> None:
    """X-1: 0 <= VAT <= gross for a non-negative gross; negating the gross mirrors it
    for the symmetric modes.
    """
    vat = vat_rate.vat_in_gross(gross, mode)
    assert 0 <= vat <= gross
    if mode in {ROUND_HALF_UP, ROUND_HALF_DOWN, ROUND_HALF_EVEN, ROUND_UP, ROUND_DOWN}:
        assert vat_rate.vat_in_gross(-gross, mode) == -vat
