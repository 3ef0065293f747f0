"""Pricing a cart (SPEC CRT-2): line totals, shipping, VAT per rate and the total.

The rules, stated once:

1. Prices are tax-inclusive and already in minor units (cents), so a line total
   ``unit × quantity`` is exact: no rounding happens on lines.
2. Shipping is a tax-inclusive amount taxed at its method's VAT class.
3. VAT is extracted from the gross of each rate with the shop's
   :class:`~klickit_core.shared.vat.VatRounding` policy (``PER_RATE`` by default) and
   rounding mode (``ROUND_HALF_UP`` by default); the net of a rate is gross − VAT.
4. Hence ``Σ net + Σ VAT == total`` to the minor unit, whatever the rates and policy.

The inner loop runs on plain integers and only the results are wrapped in :class:`Money`
on access: building a ``Money`` per operation costs several times the arithmetic itself.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from klickit_core.cart.domain.cart import Cart, CartError
from klickit_core.catalogue.domain import Product
from klickit_core.shared.i18n import N_
from klickit_core.shared.money import CurrencyMismatchError, Money
from klickit_core.shared.rounding import DEFAULT_ROUNDING
from klickit_core.shared.vat import (
    UnknownVatClassError,
    VatRate,
    VatRounding,
    VatTable,
    vat_by_rate,
)
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


@attrs.frozen(slots=True)
class PricedLine:
    """One priced cart line."""

    sku: str
    name: str
    quantity: int
    unit_price: Money
    total: Money
    vat_rate: VatRate


@attrs.frozen(slots=True)
class VatLine:
    """The VAT breakdown of one rate: gross = net + vat."""

    rate: VatRate
    gross: Money
    vat: Money
    net: Money


_RawLine = tuple[str, str, int, int, int, VatRate]  # sku, name, qty, unit, total, rate


@attrs.frozen(slots=True)
class PricedCart:
    """A priced cart. Amounts are exposed as :class:`Money`, built on access."""

    currency: str
    policy: VatRounding
    raw_lines: tuple[_RawLine, ...] = attrs.field(repr=False)
    raw_vat: tuple[tuple[VatRate, int, int], ...] = attrs.field(repr=False)
    items_minor: int
    shipping: ShippingOption | None
    shipping_minor: int
    weight_grams: int

    def _money(self, minor: int) -> Money:
        return Money.from_minor_units(minor, self.currency)

    @property
    def lines(self) -> tuple[PricedLine, ...]:
        """The priced lines, in cart order."""
        return tuple(
            PricedLine(sku, name, qty, self._money(unit), self._money(total), rate)
            for sku, name, qty, unit, total, rate in self.raw_lines
        )

    @property
    def vat_lines(self) -> tuple[VatLine, ...]:
        """VAT per rate (shipping included in its rate), highest rate first."""
        ordered = sorted(self.raw_vat, key=lambda item: item[0].percent, reverse=True)
        return tuple(
            VatLine(rate, self._money(gross), self._money(vat), self._money(gross - vat))
            for rate, gross, vat in ordered
        )

    @property
    def items_total(self) -> Money:
        """Tax-inclusive total of the goods."""
        return self._money(self.items_minor)

    @property
    def shipping_total(self) -> Money:
        """Tax-inclusive shipping (zero without a chosen option)."""
        return self._money(self.shipping_minor)

    @property
    def total(self) -> Money:
        """What the shopper pays: goods + shipping, VAT included."""
        return self._money(self.items_minor + self.shipping_minor)

    @property
    def vat_total(self) -> Money:
        """All VAT together."""
        return self._money(sum(vat for _, _, vat in self.raw_vat))

    @property
    def net_total(self) -> Money:
        """Total without VAT."""
        return self._money(self.items_minor + self.shipping_minor) - self.vat_total


def price_cart(
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
    rates = vat_table.rates
    pairs: list[tuple[VatRate, int]] = []
    raw: list[_RawLine] = []
    items = 0
    weight = 0
    for line in cart.lines:
        product = products.get(line.sku)
        if product is None:
            raise UnpricedProductError(sku=line.sku)
        if product.price.currency != currency:
            raise CurrencyMismatchError(left=currency, right=product.price.currency)
        try:
            rate = rates[product.vat_class]
        except KeyError:
            raise UnknownVatClassError(vat_class=str(product.vat_class)) from None
        quantity = line.quantity
        total = product.price_minor * quantity
        raw.append((line.sku, product.name, quantity, product.price_minor, total, rate))
        pairs.append((rate, total))
        items += total
        weight += product.weight_grams * quantity
    shipping_minor = 0
    if shipping is not None:
        if shipping.price.currency != currency:
            raise CurrencyMismatchError(left=currency, right=shipping.price.currency)
        shipping_minor = shipping.price.minor_units()
        if shipping_minor:
            pairs.append((vat_table.rate(shipping.vat_class), shipping_minor))
    by_rate = vat_by_rate(pairs, policy, rounding)
    raw_vat = tuple((rate, g, v) for rate, (g, v) in by_rate.items())
    return PricedCart(
        currency=currency,
        policy=policy,
        raw_lines=tuple(raw),
        raw_vat=raw_vat,
        items_minor=items,
        shipping=shipping,
        shipping_minor=shipping_minor,
        weight_grams=weight,
    )


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
