"""CRT-3: the cart in a signed, versioned, time-limited cookie under 4,096 bytes."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
from klickit_core.shared.clock import NaiveDatetimeError
from klickit_core.testing import strategies as kst

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
KEY = SigningKey("k2", b"n" * 32)
OLD_KEY = SigningKey("k1", b"o" * 32)


def codec(*keys: SigningKey, **options: object) -> CartCookieCodec:
    return CartCookieCodec(list(keys) or [KEY], **options)  # type: ignore[arg-type]


def worst_case_cart(lines: int) -> Cart:
    """``lines`` lines with 32-character SKUs and quantity 999: the largest possible lines."""
    return Cart(tuple(CartLine(f"{i:032d}", 999) for i in range(lines)))


def sign(secret: bytes, name: str, signed: str) -> str:
    """The documented signature, computed independently of the codec."""
    digest = hmac.new(secret, name.encode() + b"\0" + signed.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


# ---------------------------------------------------------------- round trips


@given(kst.carts(max_lines=100), kst.signing_keys())
def test_any_cart_round_trips_unchanged(cart: Cart, key: SigningKey) -> None:
    """CRT-3: decode(encode(cart)) == cart, for any cart and key."""
    c = CartCookieCodec([key])
    assert c.decode(c.encode(cart, NOW), NOW) == cart


@given(kst.carts(max_lines=100))
def test_value_holds_skus_and_quantities_only(cart: Cart) -> None:
    """CRT-3: the body is exactly ``SKU:qty`` joined by ``~``: no price, nothing personal."""
    value = codec().encode(cart, NOW)
    body = value.rsplit(".", 1)[0].split(".", 3)[3]
    assert body == "~".join(f"{line.sku}:{line.quantity}" for line in cart.lines)


def test_wire_format_matches_the_documentation() -> None:
    cart = Cart.of({"MUG-BDX": 2, "THE_VERT": 1})
    value = codec().encode(cart, NOW)
    signed, signature = value.rsplit(".", 1)
    assert signed == f"1.k2.{int(NOW.timestamp())}.MUG-BDX:2~THE_VERT:1"
    assert signature == sign(KEY.secret, "klickit_cart", signed)


def test_empty_cart_round_trips() -> None:
    assert codec().decode(codec().encode(Cart(), NOW), NOW) == Cart()


def test_bytes_values_are_accepted() -> None:
    value = codec().encode(Cart.of({"A": 1}), NOW)
    assert codec().decode(value.encode("ascii"), NOW) == Cart.of({"A": 1})


# ---------------------------------------------------------------- tampering


@given(kst.carts(max_lines=20), st.data())
def test_any_byte_mutation_is_rejected(cart: Cart, data: st.DataObject) -> None:
    """CRT-3: changing, inserting or deleting any single byte gives the typed error."""
    raw = codec().encode(cart, NOW).encode("ascii")
    position = data.draw(st.integers(0, len(raw) - 1))
    kind = data.draw(st.sampled_from(["replace", "insert", "delete"]))
    if kind == "replace":
        byte = data.draw(st.integers(0, 255).filter(lambda b: b != raw[position]))
        mutated = raw[:position] + bytes([byte]) + raw[position + 1 :]
    elif kind == "insert":
        byte = data.draw(st.integers(0, 255))
        mutated = raw[:position] + bytes([byte]) + raw[position:]
    else:
        mutated = raw[:position] + raw[position + 1 :]
    with pytest.raises(InvalidCartCookieError):
        codec().decode(mutated, NOW)


@given(kst.carts(max_lines=20), st.data())
def test_any_truncation_is_rejected(cart: Cart, data: st.DataObject) -> None:
    value = codec().encode(cart, NOW)
    cut = data.draw(st.integers(0, len(value) - 1))
    with pytest.raises(InvalidCartCookieError):
        codec().decode(value[:cut], NOW)


def test_quantity_changed_by_hand_is_a_signature_error() -> None:
    value = codec().encode(Cart.of({"MUG": 1}), NOW)
    with pytest.raises(InvalidCartCookieError) as caught:
        codec().decode(value.replace("MUG:1", "MUG:9"), NOW)
    assert caught.value.reason == "signature"
    assert caught.value.code == "cart.invalid_cookie"


def test_value_from_another_cookie_name_is_rejected() -> None:
    """The cookie name is inside the MAC: no replay under another cookie with the same key."""
    other = codec(name="other_cookie").encode(Cart.of({"MUG": 1}), NOW)
    with pytest.raises(InvalidCartCookieError) as caught:
        codec().decode(other, NOW)
    assert caught.value.reason == "signature"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "malformed"),
        ("garbage", "malformed"),
        ("1.k2.123.A:1.short", "malformed"),
        ("2.k2.123.A:1." + "x" * 43, "version"),
        ("1.zz.123.A:1." + "x" * 43, "unknown_key"),
        ("1.k2.123.A:1." + "x" * 43, "signature"),
        ("é" * 50, "malformed"),
        ("1.k2." + "9" * 5000, "malformed"),
    ],
)
def test_untrusted_values_give_one_error_class_with_a_reason(value: str, reason: str) -> None:
    with pytest.raises(InvalidCartCookieError) as caught:
        codec().decode(value, NOW)
    assert caught.value.reason == reason
    assert value[:20] not in str(caught.value) or value == ""  # no cookie content echoed


@pytest.mark.parametrize("value", [None, 42, 3.5, ["1"], b"\xff\xfe"])
def test_values_of_the_wrong_type_are_rejected(value: object) -> None:
    with pytest.raises(InvalidCartCookieError):
        codec().decode(value, NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "body",
    [
        "A:0",  # zero quantity
        "A:01",  # leading zero
        "A:1000",  # over the line maximum
        "A:1~A:2",  # duplicate SKU
        "A:1~",  # trailing separator
        "-A:1",  # SKU must start with a letter or digit
        "A",  # no quantity
        "A:+1",
        "A:1~~B:1",
    ],
)
def test_non_canonical_bodies_are_refused_even_when_signed(body: str) -> None:
    """A correctly signed but non-canonical body (our bug, an old format) is still refused."""
    signed = f"1.k2.{int(NOW.timestamp())}.{body}"
    value = f"{signed}.{sign(KEY.secret, 'klickit_cart', signed)}"
    with pytest.raises(InvalidCartCookieError) as caught:
        codec().decode(value, NOW)
    assert caught.value.reason == "body"


@pytest.mark.parametrize("issued", ["0123", "", "12a", "1" * 13])
def test_malformed_issue_times_are_refused_even_when_signed(issued: str) -> None:
    signed = f"1.k2.{issued}.A:1"
    value = f"{signed}.{sign(KEY.secret, 'klickit_cart', signed)}"
    with pytest.raises(InvalidCartCookieError) as caught:
        codec().decode(value, NOW)
    assert caught.value.reason == "malformed"


# ---------------------------------------------------------------- time


def test_cookie_is_valid_up_to_max_age_and_expired_after() -> None:
    c = codec(max_age=timedelta(days=30))
    value = c.encode(Cart.of({"A": 1}), NOW)
    assert c.decode(value, NOW + timedelta(days=30)) == Cart.of({"A": 1})
    with pytest.raises(InvalidCartCookieError) as caught:
        c.decode(value, NOW + timedelta(days=30, seconds=1))
    assert caught.value.reason == "expired"


def test_future_dated_cookie_is_rejected_beyond_the_allowed_skew() -> None:
    c = codec(clock_skew=timedelta(minutes=5))
    value = c.encode(Cart.of({"A": 1}), NOW + timedelta(minutes=5))
    assert c.decode(value, NOW) == Cart.of({"A": 1})
    later = c.encode(Cart.of({"A": 1}), NOW + timedelta(minutes=5, seconds=1))
    with pytest.raises(InvalidCartCookieError) as caught:
        c.decode(later, NOW)
    assert caught.value.reason == "future"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        codec().encode(Cart(), datetime(2026, 1, 1))  # noqa: DTZ001


# ---------------------------------------------------------------- key rotation


def test_newest_key_signs_and_every_key_verifies() -> None:
    """CRT-3 rotation: the first key signs; older keys still verify until removed."""
    old_value = codec(OLD_KEY).encode(Cart.of({"A": 1}), NOW)
    rotated = codec(KEY, OLD_KEY)
    assert rotated.decode(old_value, NOW) == Cart.of({"A": 1})
    assert rotated.encode(Cart(), NOW).split(".")[1] == "k2"
    with pytest.raises(InvalidCartCookieError) as caught:
        codec(KEY).decode(old_value, NOW)
    assert caught.value.reason == "unknown_key"


def test_a_key_id_with_another_secret_does_not_verify() -> None:
    value = codec(SigningKey("k2", b"x" * 32)).encode(Cart.of({"A": 1}), NOW)
    with pytest.raises(InvalidCartCookieError) as caught:
        codec(KEY).decode(value, NOW)
    assert caught.value.reason == "signature"


@pytest.mark.parametrize(
    ("key_id", "secret", "reason"),
    [("k1", b"short", "secret_too_short"), ("bad id", b"s" * 32, "id"), ("", b"s" * 32, "id")],
)
def test_signing_keys_are_validated(key_id: str, secret: bytes, reason: str) -> None:
    with pytest.raises(InvalidSigningKeyError) as caught:
        SigningKey(key_id, secret)
    assert caught.value.details["reason"] == reason


def test_signing_key_repr_hides_the_secret() -> None:
    assert "nnnn" not in repr(KEY)


@pytest.mark.parametrize(
    ("keys", "options", "reason"),
    [
        ([], {}, "no_key"),
        ([KEY, SigningKey("k2", b"z" * 32)], {}, "duplicate_id"),
        ([KEY], {"name": "bad name;"}, "cookie_name"),
        ([KEY], {"max_age": timedelta(0)}, "max_age"),
    ],
)
def test_codec_configuration_is_validated(
    keys: list[SigningKey], options: dict[str, object], reason: str
) -> None:
    with pytest.raises(InvalidSigningKeyError) as caught:
        CartCookieCodec(keys, **options)  # type: ignore[arg-type]
    assert caught.value.details["reason"] == reason


# ---------------------------------------------------------------- size


def test_worst_case_100_lines_fit_with_a_16_character_key_id() -> None:
    """CRT-3: 100 distinct lines of 32-character SKUs at quantity 999 stay under 4,096 bytes."""
    c = CartCookieCodec([SigningKey("k" * 16, b"s" * 32)])
    header = c.set_cookie_header(worst_case_cart(100), NOW)
    assert len(header.encode("ascii")) < COOKIE_SIZE_LIMIT
    assert header.startswith("klickit_cart=")


@given(kst.carts(max_lines=100))
def test_every_cart_of_at_most_100_lines_fits(cart: Cart) -> None:
    assert len(codec().set_cookie_header(cart, NOW)) < COOKIE_SIZE_LIMIT


def test_too_large_cart_raises_instead_of_truncating() -> None:
    with pytest.raises(CartCookieTooLargeError) as caught:
        codec().set_cookie_header(worst_case_cart(120), NOW)
    size = caught.value.details["size"]
    assert isinstance(size, int)
    assert size >= COOKIE_SIZE_LIMIT


def test_largest_cart_that_fits_is_exactly_at_the_limit() -> None:
    """Adding lines one by one: the first refusal happens when the header reaches 4,096."""
    c = codec()
    lines = 100
    while True:
        try:
            header = c.set_cookie_header(worst_case_cart(lines + 1), NOW)
        except CartCookieTooLargeError:
            break
        assert len(header) < COOKIE_SIZE_LIMIT
        lines += 1
    fitting = len(c.header_for_value(c.encode(worst_case_cart(lines), NOW)))
    refused = len(c.header_for_value(c.encode(worst_case_cart(lines + 1), NOW)))
    assert fitting < COOKIE_SIZE_LIMIT <= refused


def test_header_attributes() -> None:
    header = codec().set_cookie_header(Cart.of({"A": 1}), NOW)
    attributes = header.split("; ")[1:]
    assert attributes == ["Path=/", "Max-Age=2592000", "Secure", "HttpOnly", "SameSite=Lax"]
    custom = CartCookieCodec([KEY], domain="shop.example", secure=False, same_site="Strict")
    assert "Domain=shop.example" in custom.set_cookie_header(Cart(), NOW)
    assert "Secure" not in custom.set_cookie_header(Cart(), NOW).split("; ")


def test_clear_cookie_header_expires_the_cookie_now() -> None:
    cleared = codec().clear_cookie_header()
    assert cleared.startswith("klickit_cart=;")
    assert "Max-Age=0" in cleared
    assert "Max-Age=2592000" not in cleared


def test_codec_exposes_its_name_and_max_age() -> None:
    c = codec(name="panier", max_age=timedelta(days=7))
    assert c.name == "panier"
    assert c.max_age == timedelta(days=7)
