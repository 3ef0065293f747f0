"""Pricing a cart (SPEC CRT-2): line totals, shipping, VAT per rate and the total.

The rules, stated once:

1. Prices are tax-inclusive and already in minor units (cents), so a line total
   ``unit × quantity`` is exact: no rounding happens on lines.
2. Shipping is a tax-inclusive amount taxed at its method's VAT class.
3. VAT is extracted from the gross of each rate with the shop's
   :class:`~klickit_core.shared.vat.VatRounding` policy (``PER_RATE`` by default) and
   rounding mode (``ROUND_HALF_UP`` by default); the net of a rate is gross − VAT.
4. Hence ``Σ net + Σ VAT == total`` to the minor unit, whatever the rates and policy.

Performance: the inner loop runs on plain integers and keeps references, nothing more;
priced lines, weights and :class:`Money` values are built when read. A 20-line cart
prices in about the time of a bare ``Decimal`` loop computing the same totals (see
``benchmarks/``, ``cart_pricing``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple, cast

import attrs

from klickit_core.cart.domain.cart import Cart, CartError, CartLine
from klickit_core.catalogue.domain import Product
from klickit_core.shared.i18n import N_
from klickit_core.shared.money import (
    _SHIFTS,
    CurrencyMismatchError,
    Money,
    _minor_shift,
    _scaleb,
    currency_exponent,
    money_from_minor,
)
from klickit_core.shared.rounding import (
    DEFAULT_ROUNDING,
    SUPPORTED_ROUNDINGS,
    UnsupportedRoundingError,
)
from klickit_core.shared.vat import UnknownVatClassError, VatClass, VatRate, VatRounding, VatTable
from klickit_core.shipping.domain import ShippingOption

__all__ = [
    "PricedCart",
    "PricedLine",
    "PricingRules",
    "UnpricedProductError",
    "VatLine",
    "price_cart",
]


class UnpricedProductError(CartError):
    """A cart line's product is missing from the catalogue given to the pricer.

    Reconcile the cart first (:func:`~klickit_core.cart.domain.cart.reconcile`).
    """

    code = "cart.unpriced_product"
    message_template = N_("Product {sku} cannot be priced.")


class PricedLine(NamedTuple):
    """One priced cart line (a named tuple: cheap to build, unpacks in templates)."""

    sku: str
    name: str
    quantity: int
    unit_price: Money
    total: Money
    vat_rate: VatRate


class VatLine(NamedTuple):
    """The VAT breakdown of one rate: gross = net + vat (``rate, gross, vat, net``)."""

    rate: VatRate
    gross: Money
    vat: Money
    net: Money


class PricedCart(NamedTuple):
    """A priced cart. Amounts are exposed as :class:`Money`, built on access.

    A named tuple, like its :class:`PricedLine` and :class:`VatLine`: pricing builds one
    per call in the hot path, and a tuple is built in one step where a frozen class
    pays a descriptor call per field (most of the fixed cost of pricing a small cart).
    ``cart_lines`` and ``products`` are the inputs, kept in step (``products[i]`` prices
    ``cart_lines[i]``); ``raw_vat`` holds ``(rate, gross_minor, vat_minor)`` per rate,
    highest rate first.
    """

    currency: str
    policy: VatRounding
    cart_lines: tuple[CartLine, ...]
    products: tuple[Product, ...]
    vat_table: VatTable
    raw_vat: tuple[tuple[VatRate, int, int], ...]
    items_minor: int
    shipping: ShippingOption | None
    shipping_minor: int

    def __repr__(self) -> str:
        return (
            f"PricedCart(currency={self.currency!r}, policy={self.policy!r}, "
            f"lines={len(self.cart_lines)}, total={self.total})"
        )

    @property
    def exponent(self) -> int:
        """Minor-unit digits of the currency."""
        return currency_exponent(self.currency)

    @property
    def lines(self) -> tuple[PricedLine, ...]:
        """The priced lines, in cart order."""
        currency, rates = self.currency, self.vat_table.rates
        return tuple(
            PricedLine(
                line.sku,
                product.name,
                line.quantity,
                money_from_minor(product.price_minor, currency),
                money_from_minor(product.price_minor * line.quantity, currency),
                rates[product.vat_class],
            )
            for line, product in zip(self.cart_lines, self.products, strict=True)
        )

    @property
    def weight_grams(self) -> int:
        """Weight of the goods, for shipping."""
        return sum(
            product.weight_grams * line.quantity
            for line, product in zip(self.cart_lines, self.products, strict=True)
        )

    @property
    def vat_lines(self) -> tuple[VatLine, ...]:
        """VAT per rate (shipping included in its rate), in the VAT table's order
        (highest rate first)."""
        # The hot read of every priced cart: Money and VatLine built inline (no call per
        # amount), as money_from_minor and VatLine(...) would.
        currency = self.currency
        shift = _SHIFTS.get(currency)
        if shift is None:
            shift = _minor_shift(currency)
        found = []
        for rate, gross, vat in self.raw_vat:
            gross_money = _new(Money)
            _set_money_amount(gross_money, _scaleb(gross, shift))
            _set_money_minor(gross_money, gross)
            _set_money_currency(gross_money, currency)
            vat_money = _new(Money)
            _set_money_amount(vat_money, _scaleb(vat, shift))
            _set_money_minor(vat_money, vat)
            _set_money_currency(vat_money, currency)
            net = gross - vat
            net_money = _new(Money)
            _set_money_amount(net_money, _scaleb(net, shift))
            _set_money_minor(net_money, net)
            _set_money_currency(net_money, currency)
            found.append(_new_tuple(VatLine, (rate, gross_money, vat_money, net_money)))
        return tuple(found)

    @property
    def items_total(self) -> Money:
        """Tax-inclusive total of the goods."""
        return money_from_minor(self.items_minor, self.currency)

    @property
    def shipping_total(self) -> Money:
        """Tax-inclusive shipping (zero without a chosen option)."""
        return money_from_minor(self.shipping_minor, self.currency)

    @property
    def total(self) -> Money:
        """What the shopper pays: goods + shipping, VAT included."""
        return money_from_minor(self.items_minor + self.shipping_minor, self.currency)

    @property
    def vat_total(self) -> Money:
        """All VAT together."""
        return money_from_minor(sum(vat for _, _, vat in self.raw_vat), self.currency)

    @property
    def net_total(self) -> Money:
        """Total without VAT."""
        vat = sum(vat for _, _, vat in self.raw_vat)
        return money_from_minor(self.items_minor + self.shipping_minor - vat, self.currency)


def price_cart(  # noqa: PLR0915 - one flat hot path: a call per step would cost more
    cart: Cart,
    products: Mapping[str, Product],
    vat_table: VatTable,
    *,
    currency: str = "EUR",
    shipping: ShippingOption | None = None,
    policy: VatRounding = VatRounding.PER_RATE,
    rounding: str = DEFAULT_ROUNDING,
) -> PricedCart:
    """Price ``cart`` from ``products`` (SKU → product) with the shop's VAT table."""
    if rounding not in SUPPORTED_ROUNDINGS:
        raise UnsupportedRoundingError(rounding=str(rounding)[:20])
    currency_exponent(currency)  # an unknown currency fails here, even for an empty cart
    rates = vat_table.rates
    gross: dict[VatClass, int] = {}
    used: list[Product] = []
    # A missing SKU gives None, whose missing ``pricing_terms`` the loop turns into
    # UnpricedProductError: no ``is None`` test per line.
    get_product = cast("Callable[[str], Product]", products.get)  # a string: no alias per call
    get_gross = gross.get
    keep = used.append
    lines = cart.lines
    try:
        for line in lines:
            product = get_product(line.sku)
            keep(product)
            vat_class, minor, product_currency = product.pricing_terms  # None: no attribute
            if product_currency != currency:
                raise CurrencyMismatchError(left=currency, right=product_currency)
            gross[vat_class] = get_gross(vat_class, 0) + minor * line.quantity
    except AttributeError:
        missing = next((line.sku for line in lines if line.sku not in products), None)
        if missing is None:  # not a missing product: a broken catalogue entry, a bug
            raise
        raise UnpricedProductError(sku=missing) from None
    items = sum(gross.values())  # before shipping joins its rate
    shipping_minor = 0
    if shipping is not None:
        if shipping.price.currency != currency:
            raise CurrencyMismatchError(left=currency, right=shipping.price.currency)
        shipping_minor = shipping.price_minor
        if shipping_minor:
            gross[shipping.vat_class] = get_gross(shipping.vat_class, 0) + shipping_minor
    per_line = None
    if policy is _PER_LINE:
        taxed = [
            (p.vat_class, p.price_minor * line.quantity)
            for p, line in zip(used, lines, strict=True)
        ]
        if shipping is not None and shipping_minor:
            taxed.append((shipping.vat_class, shipping_minor))
        per_line = _vat_per_line(taxed, rates, rounding)
    half_up = per_line is None and rounding is _HALF_UP
    found = []
    # Highest rate first, in the table's precomputed order: no sort per call.
    for vat_class, rate in vat_table.ranked_rates:
        amount = get_gross(vat_class)
        if amount is None:
            continue
        if per_line is not None:
            vat = per_line[vat_class]
        elif half_up and amount >= 0:
            # The default rule inlined: round(gross × p / (100 + p)), halves up.
            denominator = rate.share_denominator
            vat, remainder = divmod(amount * rate.share_numerator, denominator)
            if 2 * remainder >= denominator:
                vat += 1
        else:
            vat = rate.vat_in_gross(amount, rounding)
        found.append((rate, amount, vat))
    if len(found) != len(gross):
        unknown = next(c for c in gross if c not in rates)
        raise UnknownVatClassError(vat_class=str(unknown))
    raw_vat = tuple(found)
    return _new_tuple(
        PricedCart,
        (currency, policy, lines, tuple(used), vat_table, raw_vat, items, shipping, shipping_minor),
    )


def _vat_per_line(
    taxed: list[tuple[VatClass, int]], rates: Mapping[VatClass, VatRate], rounding: str
) -> dict[VatClass, int]:
    """VAT per class under :attr:`VatRounding.PER_LINE`: each line's VAT rounded, then
    summed (an unknown class is skipped here and reported by the caller)."""
    vat = dict.fromkeys((vat_class for vat_class, _ in taxed), 0)
    for vat_class, amount in taxed:
        rate = rates.get(vat_class)
        if rate is not None:
            vat[vat_class] += rate.vat_in_gross(amount, rounding)
    return vat


_PER_LINE = VatRounding.PER_LINE  # an enum member read through its class costs a lookup
_HALF_UP = DEFAULT_ROUNDING

# Builders for the hot paths: a tuple subclass from a tuple, a Money through its slots
# (its amount made as money_from_minor makes it: ``_scaleb(minor, _SHIFTS[currency])``).
_new = object.__new__
_new_tuple = tuple.__new__
_set_money_amount = Money.__dict__["amount"].__set__
_set_money_minor = Money.__dict__["_minor"].__set__
_set_money_currency = Money.__dict__["currency"].__set__


@attrs.frozen(slots=True)
class PricingRules:
    """A shop's pricing configuration in one value: VAT table, currency and rounding."""

    vat_table: VatTable
    currency: str = "EUR"
    policy: VatRounding = VatRounding.PER_RATE
    rounding: str = DEFAULT_ROUNDING

    def price(
        self,
        cart: Cart,
        products: Mapping[str, Product],
        shipping: ShippingOption | None = None,
    ) -> PricedCart:
        """:func:`price_cart` with these rules."""
        return price_cart(
            cart,
            products,
            self.vat_table,
            currency=self.currency,
            shipping=shipping,
            policy=self.policy,
            rounding=self.rounding,
        )
