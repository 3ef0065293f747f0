"""A stocked shop on a real database, for the concurrency, crash and benchmark checks."""

from __future__ import annotations

from decimal import Decimal

from klickit_core.bootstrap import Shop
from klickit_core.cart.domain import Cart, CartLine
from klickit_core.catalogue.domain import Product
from klickit_core.checkout import services as checkout
from klickit_core.checkout.domain import AddressForm, CheckoutForm
from klickit_core.shared.actors import Actor
from klickit_core.shared.money import Money
from klickit_core.shared.vat import VatClass

__all__ = ["FORM", "place_one", "stock_the_shop"]

FORM = CheckoutForm(
    first_name="Alice",
    last_name="Martin",
    email="alice@example.fr",
    phone="06 12 34 56 78",
    billing=AddressForm(
        country="FR", street="1 rue Sainte-Catherine", postcode="33000", city="Bordeaux"
    ),
    shipping=None,
    accept_terms=True,
)


def stock_the_shop(shop: Shop, *, last_units: int, other_stock: int | None = None) -> None:
    """``LAST`` with ``last_units`` in stock, and ``TEA`` (``other_stock``, untracked if None)."""
    with shop.unit_of_work() as uow:
        uow.products.add(
            Product("LAST", "Affiche dernière série", Money(Decimal("19.99"), "EUR"),
                    stock=last_units, weight_grams=200)
        )  # fmt: skip
        uow.products.add(
            Product("TEA", "Thé vert", Money(Decimal("8.50"), "EUR"), VatClass.REDUCED,
                    stock=other_stock, weight_grams=120)
        )  # fmt: skip
        uow.commit()


def place_one(shop: Shop, cart: Cart | None = None) -> checkout.PlacedOrder:
    """Place a guest order for ``cart`` (one ``LAST`` by default) through the use case."""
    return checkout.place_order(
        shop.unit_of_work(), shop.clock, shop.ids, shop.hasher,
        actor=Actor.visitor(), form=FORM, cart=cart or Cart((CartLine("LAST", 1),)),
        rules=shop.pricing, shipping_table=shop.shipping, shipping_method="colissimo-fr",
        provider_id=shop.gateway.provider_id, ip_address="203.0.113.7",
    )  # fmt: skip
