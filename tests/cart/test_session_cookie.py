"""CRT-3, PRV-8 (issue #19, item 7): the cart cookie's lifetime is configuration, and a
session cookie is one choice.

Klickit's policy keeps the cart « pendant que vous visitez notre site »: a session cookie
(no ``Max-Age`` nor ``Expires``, so the browser drops it when it closes). The server keeps
its own bound: a value signed more than ``max_age`` ago is refused whatever the browser
did, and the cart is re-signed at each change, so the bound counts from the last change.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from klickit_core import build_shop
from klickit_core.cart.domain import (
    Cart,
    CartCookie,
    CartCookieCodec,
    InvalidCartCookieError,
    InvalidSigningKeyError,
    SigningKey,
)
from klickit_core.testing import FixedClock

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
KEY = SigningKey("k1", b"s" * 32)
DAY = timedelta(days=1)


def session_codec(**options: object) -> CartCookieCodec:
    return CartCookieCodec([KEY], max_age=DAY, session_cookie=True, **options)  # type: ignore[arg-type]


def test_a_session_cookie_carries_no_max_age_nor_expires() -> None:
    """CRT-3 (#19): the header and the structured value both say "session": no
    ``Max-Age``, no ``Expires``; every other attribute as for a persistent cookie."""
    codec = session_codec()
    header = codec.set_cookie_header(Cart.of({"MUG": 1}), NOW)
    attributes = header.split("; ")[1:]
    assert attributes == ["Path=/", "Secure", "HttpOnly", "SameSite=Lax"]
    assert "Expires" not in header
    cookie = codec.cookie(Cart.of({"MUG": 1}), NOW)
    assert cookie.max_age is None
    assert cookie.is_session
    assert cookie.header() == header
    assert codec.session_cookie is True
    assert codec.max_age == DAY


def test_a_persistent_cookie_still_sends_its_max_age() -> None:
    """CRT-3: the default is unchanged: ``Max-Age`` is the codec's ``max_age``."""
    codec = CartCookieCodec([KEY], max_age=DAY)
    cookie = codec.cookie(Cart.of({"MUG": 1}), NOW)
    assert cookie.max_age == 86_400
    assert not cookie.is_session
    assert "Max-Age=86400" in cookie.header().split("; ")
    assert codec.session_cookie is False


def test_the_server_refuses_a_session_cookie_signed_more_than_max_age_ago() -> None:
    """CRT-3 (#19): a browser left open keeps a session cookie for ever; the signature's
    age check still ends the cart ``max_age`` after its last change."""
    codec = session_codec()
    value = codec.encode(Cart.of({"MUG": 1}), NOW)
    assert codec.decode(value, NOW + DAY) == Cart.of({"MUG": 1})
    with pytest.raises(InvalidCartCookieError) as expired:
        codec.decode(value, NOW + DAY + timedelta(seconds=1))
    assert expired.value.reason == "expired"
    # Re-signed at a change: the bound counts from the last change.
    changed = codec.encode(Cart.of({"MUG": 2}), NOW + DAY)
    assert codec.decode(changed, NOW + 2 * DAY) == Cart.of({"MUG": 2})


def test_clearing_a_session_cookie_sends_max_age_zero() -> None:
    """CRT-3: deleting needs ``Max-Age=0`` even when the cookie itself has none."""
    codec = session_codec(domain="shop.example")
    cleared = codec.cleared_cookie()
    assert (cleared.value, cleared.max_age) == ("", 0)
    assert cleared.header() == (
        "klickit_cart=; Path=/; Max-Age=0; Domain=shop.example; Secure; HttpOnly; SameSite=Lax"
    )
    assert codec.clear_cookie_header() == cleared.header()


def test_build_shop_passes_the_lifetime_to_the_codec() -> None:
    """CRT-3 (#19): ``build_shop(cart_max_age=…, cart_session_cookie=True)`` is how a shop
    chooses; ``shop.cart.cookie`` then gives the session cookie."""
    shop = build_shop(
        cart_keys=[KEY],
        clock=FixedClock(NOW),
        cart_max_age=DAY,
        cart_session_cookie=True,
    )
    assert shop.cart_cookie.session_cookie is True
    assert shop.cart_cookie.max_age == DAY
    cookie = shop.cart.cookie(Cart())
    assert cookie.max_age is None
    assert "Max-Age" not in cookie.header()
    default = build_shop(cart_keys=[KEY], clock=FixedClock(NOW))
    assert default.cart_cookie.session_cookie is False
    assert default.cart.cookie(Cart()).max_age == 30 * 86_400


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"session_cookie": "yes"}, "session_cookie"),
        ({"session_cookie": 1}, "session_cookie"),
        ({"session_cookie": None}, "session_cookie"),
        ({"max_age": 86_400}, "max_age"),  # seconds, not a timedelta
        ({"max_age": timedelta(milliseconds=500)}, "max_age"),
        ({"max_age": timedelta(days=-1)}, "max_age"),
        ({"name": 42}, "cookie_name"),
    ],
)
def test_bad_lifetime_settings_are_typed_errors(options: dict[str, object], reason: str) -> None:
    """CRT-3 (#19): every bad setting is an :class:`InvalidSigningKeyError` naming it,
    never a ``TypeError`` half-way."""
    with pytest.raises(InvalidSigningKeyError) as caught:
        CartCookieCodec([KEY], **options)  # type: ignore[arg-type]
    assert caught.value.details == {"reason": reason}


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"cart_session_cookie": "true"}, "session_cookie"),
        ({"cart_max_age": timedelta(0)}, "max_age"),
        ({"cart_max_age": 3_600}, "max_age"),
    ],
)
def test_build_shop_refuses_bad_lifetime_settings(options: dict[str, object], reason: str) -> None:
    """CRT-3 (#19): the same typed errors from ``build_shop``."""
    with pytest.raises(InvalidSigningKeyError) as caught:
        build_shop(cart_keys=[KEY], **options)  # type: ignore[arg-type]
    assert caught.value.details == {"reason": reason}


@pytest.mark.parametrize("max_age", [-1, 1.5, True, "0"])
def test_a_cookie_value_refuses_a_bad_max_age(max_age: object) -> None:
    """CRT-3: :class:`CartCookie` takes seconds (``>= 0``) or ``None``, nothing else."""
    with pytest.raises(InvalidSigningKeyError) as caught:
        CartCookie("klickit_cart", "", max_age)  # type: ignore[arg-type]
    assert caught.value.details == {"reason": "max_age"}
