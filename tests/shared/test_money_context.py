"""X-1: ``Money`` under any caller ``decimal`` context, and amounts read strictly from text.

Every input to ``Money.of`` gives a ``Money`` or an ``InvalidAmountError``, and the same
one whatever ``decimal`` context the caller has set (precision, traps, rounding, capitals,
exponent limits): the library computes in its own context (docs/money-and-vat.md).
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klickit_core.shared.money import InvalidAmountError, Money, money_from_minor
from klickit_core.testing import strategies as kst

ALL_SIGNALS = (
    decimal.Clamped,
    decimal.DivisionByZero,
    decimal.Inexact,
    decimal.InvalidOperation,
    decimal.Overflow,
    decimal.Rounded,
    decimal.Subnormal,
    decimal.Underflow,
    decimal.FloatOperation,
)
ROUNDING_MODES = (
    decimal.ROUND_05UP,
    decimal.ROUND_CEILING,
    decimal.ROUND_DOWN,
    decimal.ROUND_FLOOR,
    decimal.ROUND_HALF_DOWN,
    decimal.ROUND_HALF_EVEN,
    decimal.ROUND_HALF_UP,
    decimal.ROUND_UP,
)


@contextmanager
def caller_context(**fields: Any) -> Iterator[decimal.Context]:
    """The caller's ambient context, as an app might set it around a call to the library."""
    with decimal.localcontext(decimal.Context(**fields)) as context:
        yield context


# ---------------------------------------------------------------- one test per finding


def test_a_huge_exponent_is_out_of_range_not_a_decimal_overflow() -> None:
    """X-1: ``"1e9999999"`` raised ``decimal.Overflow`` (300 of 2,000 fuzzed inputs)."""
    with pytest.raises(InvalidAmountError) as refused:
        Money.of("1e9999999", "EUR")
    assert refused.value.details == {"reason": "out_of_range"}


def test_an_exponent_past_what_decimal_can_hold_is_out_of_range() -> None:
    """X-1: an exponent Decimal itself cannot represent is out of range, not garbage."""
    for text in ("1e99999999999999999999", "0e-99999999999999999999", "1E+0999999999999999999"):
        with pytest.raises(InvalidAmountError) as refused:
            Money.of(text, "EUR")
        assert refused.value.details == {"reason": "out_of_range"}, text


def test_a_narrow_caller_precision_does_not_refuse_a_valid_amount() -> None:
    """X-1: under ``prec=4`` the range check rounded 999…999.99 up to 10**18 and refused it."""
    with caller_context(prec=4):
        money = Money.of("999999999999999999.99", "EUR")
    assert money.amount.as_tuple() == Decimal("999999999999999999.99").as_tuple()


@pytest.mark.parametrize(
    ("compute", "expected"),
    [
        (lambda: -Money.of("123456.78", "EUR"), "-123456.78"),
        (lambda: abs(Money.of("-123456.78", "EUR")), "123456.78"),
    ],
    ids=["neg", "abs"],
)
def test_a_narrow_caller_precision_does_not_round_a_negation(
    compute: Callable[[], Money], expected: str
) -> None:
    """X-1: ``-money`` and ``abs(money)`` gave 1.235E+5 under ``prec=4``: a refund amount
    silently off by 22 cents."""
    with caller_context(prec=4):
        result = compute()
    assert result.amount.as_tuple() == Decimal(expected).as_tuple()


def test_a_trapped_inexact_does_not_escape() -> None:
    """X-1: a caller trapping ``Inexact`` (and ``Rounded``) got a bare ``decimal.Inexact``
    out of ``Money.of`` for a valid amount."""
    with caller_context(prec=4, traps=[decimal.Inexact, decimal.Rounded]):
        money = Money.of("123456.78", "EUR")
        parts = Money.of("100.00", "EUR").allocate([Decimal("1.2345"), Decimal("0.00001")])
    assert money.amount == Decimal("123456.78")
    assert parts == [Money.of("100.00", "EUR"), Money.of("0.00", "EUR")]


def test_an_untrapped_invalid_operation_does_not_turn_text_into_nan() -> None:
    """X-1: with ``InvalidOperation`` untrapped, ``Decimal("abc")`` is NaN: the reason said
    ``not_finite`` instead of ``not_a_number``, and huge exponents became NaN too."""
    with caller_context(traps=[]):
        with pytest.raises(InvalidAmountError) as garbage:
            Money.of("abc", "EUR")
        with pytest.raises(InvalidAmountError) as huge:
            Money.of("1e99999999999999999999", "EUR")
    assert garbage.value.details == {"reason": "not_a_number"}
    assert huge.value.details == {"reason": "out_of_range"}


def test_formatting_does_not_depend_on_the_caller_precision() -> None:
    """X-1: Babel formats in the current context: ``prec=4`` raised InvalidOperation."""
    with caller_context(prec=4):
        text = Money.of("123456.78", "EUR").format("fr_FR")
    assert text == "123\u202f456,78\xa0€"


def test_text_and_repr_do_not_depend_on_the_caller_capitals() -> None:
    """X-1: ``capitals=0`` turned ``1E+3 EUR`` into ``1e+3 EUR``."""
    with caller_context(capitals=0):
        money = Money.of("1E+3", "EUR")
        assert str(money) == "1E+3 EUR"
        assert repr(money) == "Money(amount=Decimal('1E+3'), currency='EUR')"


@pytest.mark.parametrize(
    "text",
    [
        "\u0661\u0662\u0663",  # Arabic-Indic ١٢٣
        "\u06f1\u06f2",  # extended Arabic-Indic (Persian)
        "\u0967\u0968",  # Devanagari
        "\uff11\uff12",  # full-width
        "1_000",
        "1_000.50",
        "\x0b12",  # vertical tab
        "\x0c12",  # form feed
        "\x1c12",  # file separator (str.strip removes it)
        "\x1f12",
        "\x8512",  # next line (C1)
        "\xa012",  # no-break space
        "12\u2003",  # em space
        "\u200b12",  # zero-width space
        "1 000",
        "1,000.00",
        "1.2.3",
        "--1",
        "+-1",
        "1e",
        "1e+",
        "e5",
        ".",
        "-.",
        "1.5e2.0",
        "0x10",
        "1e\u0665",  # an Arabic-Indic exponent
    ],
)
def test_only_ascii_digits_sign_dot_and_exponent_are_read(text: str) -> None:
    """X-1: Arabic-Indic digits, ``1_000`` and leading control characters were accepted
    (``Decimal()`` reads every Unicode digit and underscores, ``str.strip`` drops controls)."""
    with pytest.raises(InvalidAmountError) as refused:
        Money.of(text, "EUR")
    assert refused.value.details == {"reason": "not_a_number"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19.90", "19.90"),
        (" \t19.90\r\n", "19.90"),
        ("+5", "5"),
        ("-0", "-0"),
        (".5", "0.5"),
        ("5.", "5"),
        ("1E+3", "1E+3"),
        ("1e3", "1E+3"),
        ("-2.5e-2", "-0.025"),
        ("12345e-18", "1.2345E-14"),
        ("0.000000000000000001", "1E-18"),
        ("999999999999999999.999999999999999999", "999999999999999999.999999999999999999"),
        ("00000000000000000000000000000000000007", "7"),
        ("1E+17", "1E+17"),
        ("0E+17", "0E+17"),
    ],
)
def test_the_accepted_grammar(text: str, expected: str) -> None:
    """X-1: what ``Money.of`` reads, exactly (scale kept), as docs/money-and-vat.md says."""
    assert Money.of(text, "EUR").amount.as_tuple() == Decimal(expected).as_tuple()


@pytest.mark.parametrize(
    "text", ["NaN", "nan", "-NaN", "sNaN", "snan42", "Inf", "-inf", "+Infinity", "INFINITY"]
)
def test_non_finite_names_say_not_finite(text: str) -> None:
    """X-1: the names Decimal gives non-finite values keep their own reason."""
    with pytest.raises(InvalidAmountError) as refused:
        Money.of(text, "EUR")
    assert refused.value.details == {"reason": "not_finite"}


@pytest.mark.parametrize("text", ["\u0131nf", "\u0130nf", "na\u212a"])
def test_lookalike_letters_are_not_a_number(text: str) -> None:
    """X-1: case-insensitive matching stays ASCII (dotless ı, İ, Kelvin sign)."""
    with pytest.raises(InvalidAmountError) as refused:
        Money.of(text, "EUR")
    assert refused.value.details == {"reason": "not_a_number"}


# ---------------------------------------------------------------- under any caller context


@st.composite
def caller_contexts(draw: st.DrawFn) -> decimal.Context:
    """Any context an app could set: precision 1..50, any traps, any rounding, capitals and
    exponent limits (narrow ones included)."""
    return decimal.Context(
        prec=draw(st.integers(1, 50)),
        rounding=draw(st.sampled_from(ROUNDING_MODES)),
        traps=draw(st.lists(st.sampled_from(ALL_SIGNALS), unique=True)),
        Emax=draw(st.sampled_from([decimal.MAX_EMAX, 999999, 99, 20, 5, 0])),
        Emin=draw(st.sampled_from([decimal.MIN_EMIN, -999999, -99, -20, -5, 0])),
        capitals=draw(st.sampled_from([0, 1])),
        clamp=draw(st.sampled_from([0, 1])),
    )


def _digits(min_size: int = 1, max_size: int = 40) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=min_size, max_size=max_size)


@st.composite
def numeric_looking(draw: st.DrawFn) -> str:
    """Text built like a number, near the bounds, with a foreign piece now and then."""
    sign = draw(st.sampled_from(["", "+", "-"]))
    whole = draw(_digits(0, 25))
    fraction = draw(st.none() | _digits(0, 25))
    body = whole if fraction is None else f"{whole}.{fraction}"
    exponent = draw(
        st.none()
        | st.integers(-40, 40).map(str)
        | st.integers(-(10**25), 10**25).map(str)
        | st.sampled_from(["+17", "17", "-18", "+18", "-19", "9999999", "-9999999"])
    )
    text = f"{sign}{body}" if exponent is None else f"{sign}{body}{draw(st.sampled_from('eE'))}"
    if exponent is not None:
        text += exponent
    pad = st.text(" \t\r\n\x0b\x0c\x1c\xa0\u2003", max_size=2)
    text = draw(pad) + text + draw(pad)
    if draw(st.integers(0, 9)) == 0:  # one foreign character somewhere
        foreign = draw(st.sampled_from(["_", ",", "\u0661", "\uff11", "\x00", "\u200b", " "]))
        at = draw(st.integers(0, len(text)))
        text = text[:at] + foreign + text[at:]
    return text


def _bounds_text(coefficient: int, exponent: int) -> str:
    return f"{coefficient}E{exponent:+d}"


AMOUNT_TEXTS = (
    st.text()
    | numeric_looking()
    | st.decimals(allow_nan=True, allow_infinity=True).map(str)
    | st.builds(
        _bounds_text,
        st.sampled_from([0, 1, 9, 10**17, 10**18 - 1, 10**18, 10**36 - 1, -(10**18) + 1]),
        st.integers(-40, 20),
    )
    | st.text("0123456789.+-eE_ \t\n\x0b\u0660\u0661\uff10", max_size=30)
    | st.sampled_from(["NaN", "-sNaN7", "Infinity", "-inf", "1e9999999", "\x1c1"])
)


def _outcome(text: str, currency: str) -> tuple[object, ...]:
    try:
        money = Money.of(text, currency)
    except InvalidAmountError as error:
        return ("refused", error.code, error.details)
    assert type(money) is Money
    assert type(money.amount) is Decimal
    return ("money", money.amount.as_tuple(), money.currency, str(money), repr(money))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(text=AMOUNT_TEXTS, context=caller_contexts(), currency=kst.currencies)
def test_money_of_any_text_is_money_or_invalid_amount_under_any_context(
    text: str, context: decimal.Context, currency: str
) -> None:
    """X-1: for any text, under any caller context, ``Money.of`` returns a ``Money`` or
    raises ``InvalidAmountError`` (any other exception fails the test), and the outcome is
    the one under the default context."""
    with decimal.localcontext(decimal.Context()):
        expected = _outcome(text, currency)
    with decimal.localcontext(context):
        got = _outcome(text, currency)
    assert got == expected


def _operations(money: Money, other: Money, factor: int) -> tuple[object, ...]:
    """Every public computation on amounts, each to its outcome."""
    results: list[object] = []
    for compute in (
        lambda: money + other,
        lambda: money - other,
        lambda: -money,
        lambda: abs(money),
        lambda: money * factor,
        money.rounded,
        lambda: money.rounded(decimal.ROUND_HALF_EVEN),
        lambda: money.is_rounded,
        lambda: money.rounded().minor_units(),
        lambda: money.rounded().allocate([3, 1, 1]),
        lambda: money.rounded().allocate([Decimal("0.333"), Decimal("1E-9"), 7]),
        lambda: money.format("fr_FR"),
        lambda: money.format("en_GB"),
        lambda: str(money),
        lambda: repr(money),
        lambda: Money.zero(money.currency),
        lambda: Money.from_minor_units(factor, money.currency),
        lambda: repr(money_from_minor(factor, money.currency)),
        lambda: money < other,
        lambda: money == other,
        lambda: hash(money),
    ):
        try:
            value = compute()
        except InvalidAmountError as error:
            results.append(("refused", error.details))
        else:
            results.append(repr(value))
    return tuple(results)


_AMOUNTS = st.decimals(
    min_value=-(10**17), max_value=10**17, allow_nan=False, allow_infinity=False, places=6
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    amount=_AMOUNTS,
    other=_AMOUNTS,
    factor=st.integers(-(10**20), 10**20),
    currency=kst.currencies,
    context=caller_contexts(),
)
def test_every_computation_is_the_same_under_any_context(
    amount: Decimal, other: Decimal, factor: int, currency: str, context: decimal.Context
) -> None:
    """X-1: sums, negation, products, rounding, splitting, formatting and text give the
    same results, or the same typed refusal, whatever the caller's context."""
    with decimal.localcontext(decimal.Context()):
        money, second = Money(amount, currency), Money(other, currency)
        expected = _operations(money, second, factor)
    with decimal.localcontext(context):
        got = _operations(money, second, factor)
    assert got == expected
