"""The composition root: ``build_shop`` wires the memory backend and the shop's
configuration (X-5), and refuses backends it cannot open (X-9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from klickit_core.adapters.memory import InMemoryOutbox, MemoryUnitOfWork
from klickit_core.bootstrap import Shop, UnsupportedDatabaseError, build_shop
from klickit_core.cart.domain import (
    Cart,
    CartCookieCodec,
    InvalidCartCookieError,
    PricingRules,
    SigningKey,
)
from klickit_core.catalogue.domain import Product
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.money import Money
from klickit_core.shared.vat import FRANCE_VAT
from klickit_core.shipping.presets import french_shipping_table
from klickit_core.testing import FixedClock, SequentialIds

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
KEY = SigningKey("k2026", b"k" * 32)
OLD_KEY = SigningKey("k2025", b"o" * 32)


def test_build_shop_defaults() -> None:
    """X-5: ``memory://`` by default, French VAT and shipping, an in-memory outbox."""
    shop = build_shop()
    assert isinstance(shop, Shop)
    assert shop.database_url == "memory://"
    assert isinstance(shop.unit_of_work(), MemoryUnitOfWork)
    assert isinstance(shop.mailer, InMemoryOutbox)
    assert shop.pricing == PricingRules(FRANCE_VAT)
    assert shop.shipping == french_shipping_table()
    assert shop.clock.now().tzinfo is not None
    assert shop.ids.new_id() != shop.ids.new_id()


def test_unit_of_work_shares_one_store_per_shop() -> None:
    """X-5: every unit of work of a shop sees the same data; two shops are independent."""
    shop, other = build_shop(), build_shop("memory://")
    with shop.unit_of_work() as uow:
        uow.products.add(Product("MUG", "Mug", Money(Decimal("1.00"), "EUR")))
        uow.commit()
    with shop.unit_of_work() as uow:
        assert uow.products.get("MUG") is not None
    with other.unit_of_work() as uow:
        assert uow.products.get("MUG") is None


def test_given_ports_are_used() -> None:
    """X-3, X-5: clock, ids, mailer, pricing and shipping passed in are the ones wired."""
    clock, ids, mailer = FixedClock(NOW), SequentialIds("t"), InMemoryOutbox()
    pricing = PricingRules(FRANCE_VAT, currency="EUR")
    shipping = french_shipping_table()
    shop = build_shop(clock=clock, ids=ids, mailer=mailer, pricing=pricing, shipping=shipping)
    assert shop.clock is clock
    assert shop.ids is ids
    assert shop.mailer is mailer
    assert shop.pricing is pricing
    assert shop.shipping is shipping
    assert shop.ids.new_id() == "t-1"


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("sqlite:///x.db", "sqlite"),
        ("postgresql+psycopg://shop@localhost/shop", "postgresql+psycopg"),
        ("mysql://x", "mysql"),
        ("memoryx://", "memoryx"),
        ("", ""),
    ],
)
def test_unsupported_database_urls_are_refused(url: str, scheme: str) -> None:
    """X-5, X-9: a backend this version cannot open is a typed error, never a silent
    fallback to memory."""
    with pytest.raises(UnsupportedDatabaseError) as caught:
        build_shop(url)
    assert caught.value.code == "bootstrap.unsupported_database"
    assert caught.value.details == {"scheme": scheme}
    assert isinstance(caught.value, KlickitError)


def test_given_cart_keys_sign_the_cookie() -> None:
    """CRT-3, X-5: the first key signs; the others still verify (rotation)."""
    shop = build_shop(cart_keys=[KEY, OLD_KEY], cart_max_age=timedelta(days=2))
    cart = Cart.of({"MUG": 2})
    value = shop.cart_cookie.encode(cart, NOW)
    assert value.split(".")[1] == "k2026"
    assert CartCookieCodec([KEY]).decode(value, NOW) == cart
    with pytest.raises(InvalidCartCookieError):
        CartCookieCodec([SigningKey("k2026", b"x" * 32)]).decode(value, NOW)
    old_value = CartCookieCodec([OLD_KEY]).encode(cart, NOW)
    assert shop.cart_cookie.decode(old_value, NOW) == cart
    assert shop.cart_cookie.max_age == timedelta(days=2)
    with pytest.raises(InvalidCartCookieError):
        shop.cart_cookie.decode(value, NOW + timedelta(days=3))


def test_without_cart_keys_an_ephemeral_key_is_made() -> None:
    """CRT-3: fine for a demo: two shops do not accept each other's cookies."""
    first, second = build_shop(), build_shop()
    value = first.cart_cookie.encode(Cart.of({"MUG": 1}), NOW)
    assert first.cart_cookie.decode(value, NOW) == Cart.of({"MUG": 1})
    with pytest.raises(InvalidCartCookieError):
        second.cart_cookie.decode(value, NOW)
