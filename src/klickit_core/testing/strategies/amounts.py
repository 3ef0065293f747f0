"""Strategies for amounts: currencies, exact and rounded money, VAT classes and rates."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from klickit_core.shared.money import Money, currency_exponent
from klickit_core.shared.vat import FRANCE_VAT, VatClass, VatRate

__all__ = [
    "currencies",
    "currency_quantum",
    "money",
    "rounded_money",
    "vat_classes",
    "vat_rates",
]


#: Currencies with 2 (EUR, USD, GBP, CHF), 0 (JPY, KRW) and 3 (BHD, KWD, TND) minor digits.
currencies = st.sampled_from(["EUR", "USD", "GBP", "CHF", "JPY", "KRW", "BHD", "KWD", "TND"])


def money(
    currency: st.SearchStrategy[str] = currencies, max_units: int = 10**9
) -> st.SearchStrategy[Money]:
    """Exact amounts, possibly with digits below the minor unit, possibly negative."""
    return st.builds(
        lambda units, places, cur: Money(Decimal(units).scaleb(-places), cur),
        st.integers(-max_units, max_units),
        st.integers(0, 6),
        currency,
    )


def rounded_money(
    currency: st.SearchStrategy[str] = currencies,
    min_minor: int = 0,
    max_minor: int = 10**8,
) -> st.SearchStrategy[Money]:
    """Amounts already at the currency's minor unit (prices, payments)."""
    return st.builds(
        Money.from_minor_units,
        st.integers(min_minor, max_minor),
        currency,
    )


vat_classes = st.sampled_from(list(VatClass))


def vat_rates() -> st.SearchStrategy[VatRate]:
    """French rates and arbitrary ones with up to two decimals in [0, 100)."""
    return st.one_of(
        st.sampled_from(list(FRANCE_VAT.rates.values())),
        st.integers(0, 9999).map(lambda hundredths: VatRate(Decimal(hundredths).scaleb(-2))),
    )


def currency_quantum(currency: str) -> Decimal:
    """The minor unit of ``currency`` as a Decimal (helper for property tests)."""
    return Decimal(1).scaleb(-currency_exponent(currency))
