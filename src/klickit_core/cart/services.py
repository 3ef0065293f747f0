"""Cart use cases: change the cart, price it, restore it from its cookie, merge at login,
and estimate shipping before checkout (SPEC CRT-1, CRT-2, CRT-3, SES-2).

Carts are values: each use case takes a cart and returns a new one, and the app stores it
(in the cookie for guests, in :class:`~klickit_core.cart.ports.CartRepository` for
customers). Whenever a cart meets the catalogue it is reconciled: lines whose product is
gone, unpublished or out of stock are dropped, and the :class:`CartNotice` list says so.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from klickit_core.cart.domain import (
    Cart,
    CartCookieCodec,
    CartNotice,
    CartNoticeKind,
    InvalidCartCookieError,
    PricedCart,
    PricingRules,
    reconcile,
)
from klickit_core.cart.ports import CartUnitOfWork
from klickit_core.catalogue.domain import Product
from klickit_core.catalogue.ports import ProductNotFoundError
from klickit_core.shared.actors import Actor
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.authorization import authorize
from klickit_core.shipping.domain import ShippingOption, ShippingTable

__all__ = ["CartView"]


@attrs.frozen(slots=True)
class CartView:
    """A cart after it met the catalogue, with what changed and why."""

    cart: Cart
    notices: tuple[CartNotice, ...] = ()


def _sellable(uow: CartUnitOfWork, sku: str) -> Product:
    product = uow.products.get(sku)
    if product is None or not product.published:
        raise ProductNotFoundError(sku=sku[:40])
    return product


def add_to_cart(uow: CartUnitOfWork, cart: Cart, sku: str, quantity: int = 1) -> Cart:
    """``cart`` with ``quantity`` more of a published product, within its stock."""
    with uow:
        product = _sellable(uow, sku)
    return cart.add(sku, quantity, product.stock)


def change_quantity(uow: CartUnitOfWork, cart: Cart, sku: str, quantity: int) -> Cart:
    """``cart`` with ``sku`` at ``quantity`` (0 removes it), within its stock."""
    if type(quantity) is int and quantity == 0:
        return cart.remove(sku)
    with uow:
        product = _sellable(uow, sku)
    return cart.set_quantity(sku, quantity, product.stock)


def price(
    uow: CartUnitOfWork,
    cart: Cart,
    rules: PricingRules,
    shipping: ShippingOption | None = None,
) -> tuple[PricedCart, CartView]:
    """Reconcile ``cart`` with the catalogue and price what is left."""
    with uow:
        products = uow.products.get_many(line.sku for line in cart.lines)
    kept, notices = reconcile(cart, products)
    return rules.price(kept, products, shipping), CartView(kept, tuple(notices))


def restore_cart(
    uow: CartUnitOfWork, codec: CartCookieCodec, value: str | bytes | None, now: datetime
) -> CartView:
    """The cart from its cookie, re-checked against the catalogue (SPEC CRT-3).

    A missing cookie gives an empty cart; an untrusted one (tampered, expired, foreign...)
    gives an empty cart with a :attr:`CartNoticeKind.COOKIE_INVALID` notice, so the app
    never has to handle a crash here.
    """
    if value is None or value in ("", b""):
        return CartView(Cart())
    try:
        cart = codec.decode(value, now)
    except InvalidCartCookieError:
        return CartView(Cart(), (CartNotice(CartNoticeKind.COOKIE_INVALID),))
    with uow:
        products = uow.products.get_many(line.sku for line in cart.lines)
    kept, notices = reconcile(cart, products)
    return CartView(kept, tuple(notices))


def merge_at_login(uow: CartUnitOfWork, actor: Actor, guest_cart: Cart, now: datetime) -> CartView:
    """Merge the guest cart into the signed-in customer's own saved cart and save the
    result (CRT-1). Only a customer actor has a saved cart; anyone else is refused.

    The saved cart is written, with ``now`` as its last change, only when the merge
    changed it: the ``carts.saved`` retention clock counts from the cart's last change
    (PRV-2, issue #19), not from every login."""
    authorize(actor, "cart.services.merge_at_login", owner=actor.customer_id)
    customer_id = actor.customer_id
    assert customer_id is not None  # noqa: S101 - the rule above needs an own account
    with uow:
        saved = uow.carts.get(customer_id) or Cart()
        skus = {line.sku for line in saved.lines} | {line.sku for line in guest_cart.lines}
        products = uow.products.get_many(skus)
        # Merge against the catalogue first so unavailable lines are reported once.
        saved_kept, saved_notices = reconcile(saved, products)
        guest_kept, guest_notices = reconcile(guest_cart, products)

        def available(sku: str) -> int | None:
            return products[sku].stock

        merged, merge_notices = saved_kept.merged_with(guest_kept, available)
        if merged != saved:
            uow.carts.save(customer_id, merged, at=now)
            uow.commit()
    return CartView(merged, (*saved_notices, *guest_notices, *merge_notices))


def estimate_shipping(
    uow: CartUnitOfWork,
    cart: Cart,
    rules: PricingRules,
    table: ShippingTable,
    destination: PostalAddress,
) -> list[ShippingOption]:
    """Every way to ship ``cart`` to ``destination``, cheapest first (SPEC SES-2).

    Needs only a country and a postcode: it works before checkout and without an account.
    """
    priced, _ = price(uow, cart, rules)
    return table.options(destination, priced.items_total, priced.weight_grams)
