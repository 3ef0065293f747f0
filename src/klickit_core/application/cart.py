"""The cart as an app uses it (SPEC CRT-1, CRT-2, CRT-3, SES-2).

Carts are values: each method takes a cart and returns a new one; the app keeps it in the
signed cookie (:meth:`CartService.cookie`) for a guest.
"""

from __future__ import annotations

import attrs

from klickit_core.application.parts import ShopParts
from klickit_core.cart import services
from klickit_core.cart.domain import Cart, CartCookie, PricedCart
from klickit_core.cart.services import CartView
from klickit_core.shared.actors import Actor
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shipping.domain import NoShippingOptionError, ShippingOption

__all__ = ["CartService"]


@attrs.frozen
class CartService:
    """``shop.cart``: change, price and keep a shopper's cart."""

    _parts: ShopParts

    def restore(self, cookie_value: str | bytes | None) -> CartView:
        """The cart in the request's cookie, re-checked against the catalogue (CRT-3).

        No cookie gives an empty cart; an untrusted one (tampered, expired, signed with a
        retired key) an empty cart with a ``COOKIE_INVALID`` notice, never an error; lines
        whose product is gone or out of stock are dropped, with a notice each.

        Raises:
            DatabaseUnavailableError: the shop's SQL database cannot be reached.
        """
        parts = self._parts
        return services.restore_cart(
            parts.unit_of_work(), parts.cart_cookie, cookie_value, parts.clock.now()
        )

    def add(self, cart: Cart, sku: str, quantity: int = 1) -> Cart:
        """``cart`` with ``quantity`` more of a published product, within its stock.

        Raises:
            ProductNotFoundError: no published product has this SKU.
            InvalidQuantityError: ``quantity`` is not a whole number from 1 to 999.
            InsufficientStockError: the stock cannot cover the line.
        """
        return services.add_to_cart(self._parts.unit_of_work(), cart, sku, quantity)

    def change_quantity(self, cart: Cart, sku: str, quantity: int) -> Cart:
        """``cart`` with ``sku`` at ``quantity``; 0 removes the line.

        Raises:
            ProductNotFoundError: no published product has this SKU.
            InvalidQuantityError: ``quantity`` is not a whole number from 0 to 999.
            InsufficientStockError: the stock cannot cover the line.
        """
        return services.change_quantity(self._parts.unit_of_work(), cart, sku, quantity)

    def price(
        self,
        cart: Cart,
        shipping_method: str | None = None,
        destination: PostalAddress | None = None,
    ) -> tuple[PricedCart, CartView]:
        """Reconcile ``cart`` with the catalogue and price what is left (CRT-2): lines,
        VAT per rate, and, given a method and a destination, shipping and the total.

        Raises:
            NoShippingOptionError: the method cannot ship this cart to ``destination``,
                or a method was given without a destination.
        """
        parts = self._parts
        if shipping_method is None:
            return services.price(parts.unit_of_work(), cart, parts.pricing)
        if destination is None:
            raise NoShippingOptionError(reason="no_destination")
        goods, view = services.price(parts.unit_of_work(), cart, parts.pricing)
        option = parts.shipping.option(
            shipping_method, destination, goods.items_total, goods.weight_grams
        )
        products = {product.sku: product for product in goods.products}
        return parts.pricing.price(view.cart, products, option), view

    def estimate_shipping(self, cart: Cart, destination: PostalAddress) -> list[ShippingOption]:
        """Every way to ship ``cart`` to ``destination``, cheapest first, with its price
        (SES-2). A country and a postcode are enough: before checkout, without an account.

        Raises:
            NoShippingOptionError: no zone covers ``destination`` or no method can carry
                the parcel.
        """
        parts = self._parts
        return services.estimate_shipping(
            parts.unit_of_work(), cart, parts.pricing, parts.shipping, destination
        )

    def cookie(self, cart: Cart) -> CartCookie:
        """The signed cookie that keeps ``cart`` (SKUs and quantities only, CRT-3), as a
        value for the framework's ``set_cookie``; ``.header()`` gives the ``Set-Cookie``
        string. ``Secure`` unless the shop was built for plain-HTTP development.

        Raises:
            CartCookieTooLargeError: the cart does not fit in one cookie.
        """
        parts = self._parts
        return parts.cart_cookie.cookie(cart, parts.clock.now())

    def merge_at_login(self, actor: Actor, guest_cart: Cart) -> CartView:
        """Merge the guest's cart into the signed-in customer's saved cart and save the
        result (CRT-1); a cart the merge changed counts as changed now (``carts.saved``).

        Raises:
            PermissionDeniedError: ``actor`` is not a signed-in customer.
        """
        parts = self._parts
        return services.merge_at_login(parts.unit_of_work(), actor, guest_cart, parts.clock.now())
