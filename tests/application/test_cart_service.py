"""``shop.cart`` (CRT-1, CRT-2, CRT-3, SES-2): the cart service on every backend, and the
cart cookie as a structured value with ``Secure`` configurable (issue 14)."""

from __future__ import annotations

import attrs
import pytest

from klickit_core.application.cart import CartService
from klickit_core.application.parts import ShopParts
from klickit_core.cart.domain import (
    Cart,
    CartCookie,
    CartCookieCodec,
    CartNoticeKind,
    InsufficientStockError,
    SigningKey,
)
from klickit_core.catalogue.ports import ProductNotFoundError
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shipping.domain import NoShippingOptionError
from klickit_core.testing import FixedClock

from .conftest import eur

KEY = SigningKey("k1", b"s" * 32)
BORDEAUX = PostalAddress(country="FR", postcode="33000", city="Bordeaux", street=("1 rue",))


def _with_codec(parts: ShopParts, **options: object) -> CartService:
    return CartService(attrs.evolve(parts, cart_cookie=CartCookieCodec([KEY], **options)))  # type: ignore[arg-type]


def test_cookie_is_a_value_whose_header_is_the_codecs(
    shop_parts: ShopParts, clock: FixedClock
) -> None:
    """CRT-3: every attribute as a field; ``header()`` is the ``Set-Cookie`` string the
    codec has always written, ``Secure`` on by default."""
    cart_service = _with_codec(shop_parts)
    cart = Cart().add("MUG", 2).add("TEA", 1)
    cookie = cart_service.cookie(cart)
    codec = CartCookieCodec([KEY])
    assert cookie == CartCookie(
        name="klickit_cart",
        value=codec.encode(cart, clock.now()),
        max_age=2_592_000,
        path="/",
        secure=True,
        httponly=True,
        samesite="Lax",
    )
    assert cookie.value == f"1.k1.{int(clock.now().timestamp())}.MUG:2~TEA:1.{cookie.value[-43:]}"
    assert cookie.header() == codec.set_cookie_header(cart, clock.now())
    assert cookie.header() == (
        f"klickit_cart={cookie.value}; Path=/; Max-Age=2592000; Secure; HttpOnly; SameSite=Lax"
    )


def test_cookie_without_secure_for_plain_http_development(
    shop_parts: ShopParts, clock: FixedClock
) -> None:
    """Issue 14: ``Secure`` can be turned off (``build_shop(cookie_secure=False)``); the
    rest of the cookie is unchanged."""
    cookie = _with_codec(shop_parts, secure=False, domain="shop.test").cookie(Cart().add("MUG"))
    assert cookie.secure is False
    assert cookie.domain == "shop.test"
    assert cookie.header() == (
        f"klickit_cart={cookie.value}; Path=/; Max-Age=2592000; Domain=shop.test; "
        "HttpOnly; SameSite=Lax"
    )
    assert CartCookieCodec([KEY], secure=False).secure is False


def test_cleared_cookie_deletes_the_cart_cookie() -> None:
    """CRT-3: the deleting cookie is the codec's ``clear_cookie_header`` as a value."""
    codec = CartCookieCodec([KEY])
    cleared = codec.cleared_cookie()
    assert (cleared.value, cleared.max_age) == ("", 0)
    assert cleared.header() == codec.clear_cookie_header()


def test_restore_reads_back_the_cookie_and_reconciles(
    shop_parts: ShopParts, clock: FixedClock
) -> None:
    """CRT-3: the cookie's value restores the cart; a tampered one gives an empty cart
    with a notice, no cookie an empty cart; a vanished product is dropped with a notice."""
    cart_service = CartService(shop_parts)
    cart = cart_service.add(cart_service.add(Cart(), "MUG", 2), "TEA")
    value = cart_service.cookie(cart).value
    assert cart_service.restore(value).cart == cart
    assert cart_service.restore(None).cart == Cart()
    tampered = cart_service.restore(value[:-1] + ("A" if value[-1] != "A" else "B"))
    assert tampered.cart == Cart()
    assert [n.kind for n in tampered.notices] == [CartNoticeKind.COOKIE_INVALID]
    with shop_parts.unit_of_work() as uow:
        tea = uow.products.get("TEA")
        assert tea is not None
        uow.products.save(attrs.evolve(tea, published=False))
        uow.commit()
    restored = cart_service.restore(value)
    assert restored.cart == Cart().add("MUG", 2)
    assert [n.sku for n in restored.notices] == ["TEA"]


def test_add_and_change_quantity_within_stock(shop_parts: ShopParts) -> None:
    """CRT-1: lines stay within stock; 0 removes a line; unknown SKUs are refused."""
    cart_service = CartService(shop_parts)
    cart = cart_service.add(Cart(), "TEA", 2)
    with pytest.raises(InsufficientStockError):
        cart_service.add(cart, "TEA", 2)  # 3 in stock
    assert cart_service.change_quantity(cart, "TEA", 3) == Cart().add("TEA", 3)
    assert cart_service.change_quantity(cart, "TEA", 0) == Cart()
    with pytest.raises(ProductNotFoundError):
        cart_service.add(cart, "NOPE")


def test_price_with_shipping_to_a_destination(shop_parts: ShopParts) -> None:
    """CRT-2, SES-2: the goods alone, then with a method to an address: 2 × 14.90 + 8.50
    = 38.30, 820 g by Colissimo (6.95 up to 500 g, 8.95 up to 1 kg) = 47.25."""
    cart_service = CartService(shop_parts)
    cart = Cart().add("MUG", 2).add("TEA")
    goods, view = cart_service.price(cart)
    assert (goods.total, view.cart, view.notices) == (eur("38.30"), cart, ())
    priced, _ = cart_service.price(cart, "colissimo-fr", BORDEAUX)
    assert (priced.shipping_total, priced.total) == (eur("8.95"), eur("47.25"))
    with pytest.raises(NoShippingOptionError):
        cart_service.price(cart, "colissimo-fr")  # no destination
    with pytest.raises(NoShippingOptionError):
        cart_service.price(cart, "colissimo-eu", BORDEAUX)
    options = cart_service.estimate_shipping(cart, BORDEAUX)
    assert [(o.method, o.price) for o in options] == [
        ("relay-fr", eur("3.90")),
        ("colissimo-fr", eur("8.95")),
    ]


def test_merge_at_login_saves_the_customers_cart(shop_parts: ShopParts) -> None:
    """CRT-1: the guest's lines join the customer's saved cart."""
    customer = Actor("c-1", Role.CUSTOMER, customer_id="c-1")
    merged = CartService(shop_parts).merge_at_login(customer, Cart().add("MUG"))
    assert merged.cart == Cart().add("MUG")
    with shop_parts.unit_of_work() as uow:
        assert uow.carts.get("c-1") == Cart().add("MUG")
