"""CRT-3: the cart cookie at its limits: size to the byte, ASCII, headers exactly.

The size limit is pinned on both sides: a ``Set-Cookie`` value of 4,095 bytes is sent, one
of 4,096 is refused, and the decoder reads a value of 4,095 characters and refuses one of
4,096. That budget is stricter than browsers need (Chromium keeps a cookie whose name and
value take 4,096 bytes and drops one of 4,097; attributes come on top of that).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from klickit_core.cart.domain import (
    COOKIE_SIZE_LIMIT,
    Cart,
    CartCookieCodec,
    CartCookieTooLargeError,
    CartLine,
    InvalidCartCookieError,
    InvalidSigningKeyError,
    SigningKey,
)

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
KEY = SigningKey("k2", b"n" * 32)
# "klickit_cart=" + value + the default attributes; value = "1.k2." + 10-digit time + "."
# + body + "." + 43-character signature.
ATTRIBUTES = "; Path=/; Max-Age=2592000; Secure; HttpOnly; SameSite=Lax"
VALUE_OVERHEAD = len("1.k2.") + 10 + 1 + 1 + 43
HEADER_OVERHEAD = len("klickit_cart=") + VALUE_OVERHEAD + len(ATTRIBUTES)


def codec(**options: object) -> CartCookieCodec:
    return CartCookieCodec([KEY], **options)  # type: ignore[arg-type]


def cart_with_body_of(length: int) -> Cart:
    """A cart whose cookie body (``SKU:1~SKU:1…``) is exactly ``length`` characters."""
    lines: list[CartLine] = []
    left = length
    while left > 0:
        # A line "SKU:1" costs len(SKU) + 2, plus 1 for the "~" before every line but the first.
        separator = 1 if lines else 0
        sku_length = min(32, left - 2 - separator)
        if left - separator - 2 - sku_length == 1:  # never leave a remainder no line fits
            sku_length -= 1
        lines.append(CartLine(f"{len(lines):0{sku_length}d}"[-sku_length:], 1))
        left -= separator + sku_length + 2
    cart = Cart(tuple(lines))
    assert len("~".join(f"{line.sku}:{line.quantity}" for line in cart.lines)) == length
    return cart


def test_the_size_arithmetic_of_this_module() -> None:
    """The overheads used below are the codec's (so the boundary tests test the codec)."""
    header = codec().set_cookie_header(cart_with_body_of(100), NOW)
    assert header.endswith(ATTRIBUTES)
    assert len(header) == HEADER_OVERHEAD + 100
    assert len(codec().encode(cart_with_body_of(100), NOW)) == VALUE_OVERHEAD + 100


def test_a_header_of_4095_bytes_is_sent_and_one_of_4096_is_refused() -> None:
    """CRT-3: the whole Set-Cookie value stays strictly below 4,096 bytes, to the byte."""
    fits = codec().set_cookie_header(cart_with_body_of(4095 - HEADER_OVERHEAD), NOW)
    assert len(fits.encode("ascii")) == 4095 == COOKIE_SIZE_LIMIT - 1
    with pytest.raises(CartCookieTooLargeError) as refused:
        codec().set_cookie_header(cart_with_body_of(4096 - HEADER_OVERHEAD), NOW)
    assert refused.value.details == {"size": 4096}


def test_the_decoder_reads_4095_characters_and_refuses_4096() -> None:
    """CRT-3: a signed value of 4,095 characters decodes; one of 4,096 is ``malformed``."""
    largest = cart_with_body_of(4095 - VALUE_OVERHEAD)
    value = codec().encode(largest, NOW)
    assert len(value) == 4095
    assert codec().decode(value, NOW) == largest
    too_long = codec().encode(cart_with_body_of(4096 - VALUE_OVERHEAD), NOW)
    assert len(too_long) == 4096
    with pytest.raises(InvalidCartCookieError) as refused:
        codec().decode(too_long, NOW)
    assert refused.value.details == {"reason": "malformed"}


@pytest.mark.parametrize("character", ["é", "\u0661", "\x80", "\udcff", "😀"])
def test_non_ascii_text_is_malformed_not_a_unicode_error(character: str) -> None:
    """CRT-3: a well-shaped value with one non-ASCII character, under a known key, is
    refused as ``malformed`` before the signature is computed (which would raise
    ``UnicodeEncodeError`` on it)."""
    value = f"1.k2.{int(NOW.timestamp())}.A:1{character}." + "x" * 43
    with pytest.raises(InvalidCartCookieError) as refused:
        codec().decode(value, NOW)
    assert refused.value.details == {"reason": "malformed"}
    assert refused.value.reason == "malformed"


def test_non_ascii_bytes_are_malformed() -> None:
    value = codec().encode(Cart.of({"A": 1}), NOW).encode("ascii") + "é".encode()
    with pytest.raises(InvalidCartCookieError) as refused:
        codec().decode(value, NOW)
    assert refused.value.details == {"reason": "malformed"}


def test_a_value_with_extra_dots_is_checked_by_its_signature() -> None:
    """CRT-3: the value splits into exactly four signed parts and a signature; dots in the
    body (which a real cart never has) are the body's, so a forgery fails its signature."""
    value = f"1.k2.{int(NOW.timestamp())}.A:1.B:2." + "x" * 43
    with pytest.raises(InvalidCartCookieError) as refused:
        codec().decode(value, NOW)
    assert refused.value.details == {"reason": "signature"}


@pytest.mark.parametrize(
    ("issued_at", "digits"),
    [
        (datetime(1970, 1, 1, tzinfo=UTC), 1),  # issued "0"
        (datetime(5138, 11, 16, 9, 46, 40, tzinfo=UTC), 12),  # 10**11 seconds
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), 12),  # the last second there is
    ],
)
def test_issue_times_of_one_to_twelve_digits_are_read(issued_at: datetime, digits: int) -> None:
    """CRT-3: ``0`` is a time (only other leading zeros are refused), and the decoder reads
    the twelve digits a time takes up to the year 9999."""
    value = codec().encode(Cart.of({"A": 1}), issued_at)
    assert len(value.split(".")[2]) == digits
    assert codec().decode(value, issued_at) == Cart.of({"A": 1})


# ---------------------------------------------------------------- headers and options


def test_the_clear_cookie_header_exactly() -> None:
    """CRT-3: the same name and attributes, an empty value and ``Max-Age=0``."""
    assert codec().clear_cookie_header() == (
        "klickit_cart=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax"
    )
    custom = codec(
        name="Panier_2",
        max_age=timedelta(hours=2),
        path="/boutique",
        domain="shop.example",
        secure=False,
        same_site="Strict",
    )
    assert custom.clear_cookie_header() == (
        "Panier_2=; Path=/boutique; Max-Age=0; Domain=shop.example; HttpOnly; SameSite=Strict"
    )
    assert custom.set_cookie_header(Cart(), NOW) == (
        f"Panier_2={custom.encode(Cart(), NOW)}; Path=/boutique; Max-Age=7200; "
        "Domain=shop.example; HttpOnly; SameSite=Strict"
    )


def test_cookie_names_may_use_capitals() -> None:
    """CRT-3: a cookie name is letters of either case, digits, ``_`` and ``-``."""
    upper = codec(name="KLICKIT-Cart")
    value = upper.encode(Cart.of({"A": 1}), NOW)
    assert upper.decode(value, NOW) == Cart.of({"A": 1})
    assert upper.set_cookie_header(Cart(), NOW).startswith("KLICKIT-Cart=1.k2.")


@pytest.mark.parametrize("max_age", [timedelta(seconds=1), timedelta(hours=23)])
def test_any_positive_max_age_is_accepted(max_age: timedelta) -> None:
    """CRT-3: a shop may keep carts for less than a day; only zero or less is refused."""
    short = codec(max_age=max_age)
    assert short.max_age == max_age
    value = short.encode(Cart.of({"A": 1}), NOW)
    assert short.decode(value, NOW + max_age) == Cart.of({"A": 1})


@pytest.mark.parametrize("max_age", [timedelta(0), timedelta(seconds=-1)])
def test_a_max_age_of_zero_or_less_is_refused(max_age: timedelta) -> None:
    with pytest.raises(InvalidSigningKeyError) as refused:
        codec(max_age=max_age)
    assert refused.value.details == {"reason": "max_age"}


def test_the_cookie_value_is_refused_at_4096_bytes_as_its_header_is() -> None:
    """CRT-3 (issue #13, mutation testing): ``cookie()`` — the value object an app hands to
    its framework — keeps the same budget as ``set_cookie_header``: a header of 4,095
    bytes is made, one of 4,096 refused, with its size in the error."""
    made = codec().cookie(cart_with_body_of(4095 - HEADER_OVERHEAD), NOW)
    assert len(made.header()) == 4095
    with pytest.raises(CartCookieTooLargeError) as refused:
        codec().cookie(cart_with_body_of(4096 - HEADER_OVERHEAD), NOW)
    assert refused.value.details == {"size": 4096}


def test_the_cookie_value_carries_every_setting_of_the_codec() -> None:
    """CRT-3 (issue #13, mutation testing): the cookie value and the clearing one carry the
    codec's own path, domain, ``Secure`` and ``SameSite``, never the defaults."""
    custom = codec(
        name="Panier_2",
        max_age=timedelta(hours=2),
        path="/boutique",
        domain="shop.example",
        secure=False,
        same_site="Strict",
    )
    for made in (custom.cookie(Cart.of({"A": 1}), NOW), custom.cleared_cookie()):
        assert (made.name, made.path, made.domain) == ("Panier_2", "/boutique", "shop.example")
        assert (made.secure, made.httponly, made.samesite) == (False, True, "Strict")
    assert custom.cookie(Cart(), NOW).header() == custom.set_cookie_header(Cart(), NOW)
    assert custom.cleared_cookie().header() == custom.clear_cookie_header()
