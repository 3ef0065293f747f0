"""The cart in a signed cookie (SPEC CRT-3).

The policy: "Nous utilisons des cookies pour enregistrer les contenus du panier sur votre
navigateur". The cookie holds SKUs and quantities only — never prices, never personal data
— so the server can re-price it from the catalogue and nothing is lost if it leaks.

Wire format (version 1), all cookie-safe ASCII, no base64 expansion of the payload::

    1.<key id>.<issued at, unix seconds>.<SKU>:<qty>~<SKU>:<qty>~....<signature>

* ``<signature>`` is HMAC-SHA256 over ``cookie name + NUL + everything before the last
  dot``, base64url without padding (43 characters). The cookie name is bound into the MAC
  so a value cannot be replayed under another cookie signed with the same key.
* Key rotation: the codec holds a list of :class:`SigningKey`; the first (newest) signs,
  every one verifies, chosen by its id. Retire a key by removing it after ``max_age``.
* Lifetime: ``max_age`` is how long a signed value stays valid after it was issued (the
  server's check, in every mode; the cart is re-signed at each change, so it counts from
  the last change). The browser is told the same ``Max-Age``, unless the codec makes a
  *session cookie* (``session_cookie=True``): then the header carries no ``Max-Age`` nor
  ``Expires`` and the browser drops the cookie when it closes, which is what Klickit's
  policy says (« pendant que vous visitez notre site », CRT-3, issue #19), while a
  browser left open still loses the cart ``max_age`` after its last change.
* Decoding checks, in order: type and size, ASCII, shape, version, key id, signature
  (constant-time, on the text so non-canonical base64 cannot alias), issue time not in the
  future beyond the allowed skew, age not past ``max_age``, and a canonical body. Every
  failure raises :class:`InvalidCartCookieError` — one class, with a ``reason`` for logs.

Size: the whole ``Set-Cookie`` value (name, value and attributes) must stay under 4,096
bytes, the limit browsers guarantee (Chromium drops a cookie whose name + value exceeds
4,096 bytes). With the default name and attributes the header takes
``128 + len(key id) + len(body)`` bytes, and each line adds ``len(SKU) + len(str(qty)) + 2``
bytes (its ``:`` and ``~``), so 100 lines always fit when SKUs are at most 32 characters and
quantities at most 999, which is exactly where they are capped: 100 worst-case lines with a
16-character key id take 3,843 bytes, and 106 of them fit (measured in the docs' "cart
cookie" page, whose example re-checks it). Past the limit
:meth:`CartCookieCodec.set_cookie_header` raises :class:`CartCookieTooLargeError`; a cookie
is never silently truncated.
"""

from __future__ import annotations

import base64
import hmac
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from klickit_core.cart.domain.cart import Cart, CartError, CartLine
from klickit_core.catalogue.domain import SKU_PATTERN
from klickit_core.shared.clock import ensure_utc
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_

__all__ = [
    "COOKIE_SIZE_LIMIT",
    "FORMAT_VERSION",
    "CartCookie",
    "CartCookieCodec",
    "CartCookieTooLargeError",
    "InvalidCartCookieError",
    "InvalidSigningKeyError",
    "SigningKey",
]

FORMAT_VERSION = "1"
#: The whole Set-Cookie value must be strictly below this many bytes.
COOKIE_SIZE_LIMIT = 4096
_MIN_SECRET_BYTES = 32
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")
_SIGNATURE_LENGTH = 43  # base64url of 32 bytes, unpadded
_MAX_ISSUED_DIGITS = 12


class InvalidCartCookieError(CartError):
    """The cart cookie cannot be trusted; the app should show an empty cart.

    ``reason`` (also in ``details``) is one of ``malformed``, ``version``, ``unknown_key``,
    ``signature``, ``future``, ``expired``, ``body``; it holds no cookie content.
    """

    code = "cart.invalid_cookie"
    message_template = N_("The saved cart could not be read ({reason}).")

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason=reason)


class CartCookieTooLargeError(CartError):
    """The cart does not fit in one cookie; the app should keep fewer lines."""

    code = "cart.cookie_too_large"
    message_template = N_("The cart is too large to be saved ({size} bytes).")


class InvalidSigningKeyError(KlickitError):
    """A signing key is too short or badly named, no key was given, or another setting
    of the codec is invalid (``reason``: ``no_key``, ``duplicate_id``, ``id``,
    ``secret_too_short``, ``cookie_name``, ``max_age``, ``session_cookie``)."""

    code = "cart.invalid_signing_key"
    message_template = N_("Invalid cart signing key ({reason}).")


def _check_key_id(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, str) or _KEY_ID.fullmatch(value) is None:
        raise InvalidSigningKeyError(reason="id")


def _check_secret(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, bytes) or len(value) < _MIN_SECRET_BYTES:
        raise InvalidSigningKeyError(reason="secret_too_short")


@attrs.frozen(slots=True)
class SigningKey:
    """A named HMAC key. ``secret`` needs at least 32 random bytes (``secrets.token_bytes``).

    The secret never appears in ``repr``.
    """

    id: str = attrs.field(validator=_check_key_id)
    secret: bytes = attrs.field(validator=_check_secret, repr=False)


def _check_max_age(_instance: Any, _attribute: Any, value: Any) -> None:
    if value is not None and (type(value) is not int or value < 0):
        raise InvalidSigningKeyError(reason="max_age")


@attrs.frozen(slots=True)
class CartCookie:
    """The cart cookie as a value: what a web framework's ``set_cookie`` takes, field by
    field, with :meth:`header` as the ``Set-Cookie`` rendering.

    ``max_age`` is in seconds (0 deletes the cookie), or ``None`` for a session cookie:
    no ``Max-Age`` is sent and the browser drops the cookie when it closes (Flask's and
    Django's ``set_cookie(max_age=None)`` mean the same). Anything else (a negative or
    non-integer value) is an :class:`InvalidSigningKeyError` with reason ``max_age``.
    ``secure`` is on unless the shop was built for plain-HTTP development; the value holds
    SKUs and quantities only, so it may be logged.
    """

    name: str
    value: str
    max_age: int | None = attrs.field(validator=_check_max_age)
    path: str = "/"
    secure: bool = True
    httponly: bool = True
    samesite: str = "Lax"
    domain: str | None = None

    @property
    def is_session(self) -> bool:
        """Whether this is a session cookie (no ``Max-Age``: gone when the browser closes)."""
        return self.max_age is None

    def header(self) -> str:
        """The whole ``Set-Cookie`` header value, attributes in the codec's order
        (``Max-Age`` left out for a session cookie)."""
        attributes = _attributes(
            self.path, self.max_age, self.domain, self.secure, self.httponly, self.samesite
        )
        return f"{self.name}={self.value}; {attributes}"


def _attributes(
    path: str, max_age: int | None, domain: str | None, secure: bool, httponly: bool, same_site: str
) -> str:
    """The ``Set-Cookie`` attributes in the codec's one order: ``Path``, ``Max-Age``
    (unless a session cookie), ``Domain``, ``Secure``, ``HttpOnly``, ``SameSite``."""
    attributes = [f"Path={path}"]
    if max_age is not None:
        attributes.append(f"Max-Age={max_age}")
    if domain:
        attributes.append(f"Domain={domain}")
    if secure:
        attributes.append("Secure")
    if httponly:
        attributes.append("HttpOnly")
    attributes.append(f"SameSite={same_site}")
    return "; ".join(attributes)


# Quantities: 1 to 3 digits without a leading zero, i.e. 1..999 == MAX_LINE_QUANTITY.
_BODY = re.compile(
    rf"(?:{SKU_PATTERN.pattern}:[1-9][0-9]{{0,2}}(?:~{SKU_PATTERN.pattern}:[1-9][0-9]{{0,2}})*)?"
)


class CartCookieCodec:
    """Turns a :class:`Cart` into a signed cookie value and back.

    ``max_age`` (a :class:`~datetime.timedelta` of at least one second) is how long a
    value stays valid after it was signed; ``session_cookie=True`` leaves ``Max-Age`` out
    of the header, so the browser keeps the cookie only until it closes, and ``max_age``
    still bounds a cookie kept in a browser left open. A bad setting is an
    :class:`InvalidSigningKeyError` naming it (``max_age``, ``session_cookie``, …).
    """

    def __init__(
        self,
        keys: Sequence[SigningKey],
        *,
        name: str = "klickit_cart",
        max_age: timedelta = timedelta(days=30),
        session_cookie: bool = False,
        clock_skew: timedelta = timedelta(minutes=5),
        path: str = "/",
        domain: str | None = None,
        secure: bool = True,
        same_site: str = "Lax",
    ) -> None:
        if not keys:
            raise InvalidSigningKeyError(reason="no_key")
        if len({key.id for key in keys}) != len(keys):
            raise InvalidSigningKeyError(reason="duplicate_id")
        given: tuple[object, object, object] = (name, max_age, session_cookie)  # apps pass anything
        if not isinstance(given[0], str) or re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name) is None:
            raise InvalidSigningKeyError(reason="cookie_name")
        if not isinstance(given[1], timedelta) or max_age < timedelta(seconds=1):
            raise InvalidSigningKeyError(reason="max_age")
        if not isinstance(given[2], bool):
            raise InvalidSigningKeyError(reason="session_cookie")
        self._signer = keys[0]
        self._keys = {key.id: key.secret for key in keys}
        self._name = name
        self._name_prefix = name.encode("ascii") + b"\0"
        self._max_age = int(max_age.total_seconds())
        self._session = session_cookie
        self._skew = int(clock_skew.total_seconds())
        self._path, self._domain = path, domain
        self._secure, self._same_site = secure, same_site
        sent_max_age = None if session_cookie else self._max_age
        self._attributes = "; " + self._attributes_for(sent_max_age)

    def _attributes_for(self, max_age: int | None) -> str:
        return _attributes(self._path, max_age, self._domain, self._secure, True, self._same_site)

    @property
    def name(self) -> str:
        """The cookie name."""
        return self._name

    @property
    def max_age(self) -> timedelta:
        """How long a cookie stays valid after it was issued (checked by :meth:`decode`,
        session cookie or not)."""
        return timedelta(seconds=self._max_age)

    @property
    def session_cookie(self) -> bool:
        """Whether the cookie is a session cookie: no ``Max-Age``, so the browser drops it
        when it closes (and :meth:`decode` still refuses it ``max_age`` after issue)."""
        return self._session

    @property
    def secure(self) -> bool:
        """Whether the cookie carries ``Secure`` (off only for plain-HTTP development)."""
        return self._secure

    # ------------------------------------------------------------------ encoding
    def _sign(self, secret: bytes, signed: str) -> str:
        digest = hmac.digest(secret, self._name_prefix + signed.encode("ascii"), "sha256")
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def encode(self, cart: Cart, now: datetime) -> str:
        """The cookie value for ``cart`` issued at ``now``."""
        issued = int(ensure_utc(now).timestamp())
        body = "~".join([f"{line.sku}:{line.quantity}" for line in cart.lines])
        signed = f"{FORMAT_VERSION}.{self._signer.id}.{issued}.{body}"
        return f"{signed}.{self._sign(self._signer.secret, signed)}"

    def header_for_value(self, value: str) -> str:
        """The whole ``Set-Cookie`` value for an encoded cookie value."""
        return f"{self._name}={value}{self._attributes}"

    def set_cookie_header(self, cart: Cart, now: datetime) -> str:
        """The whole ``Set-Cookie`` header value; :class:`CartCookieTooLargeError` if too big."""
        header = self.header_for_value(self.encode(cart, now))
        if len(header) >= COOKIE_SIZE_LIMIT:  # ASCII only: characters == bytes
            raise CartCookieTooLargeError(size=len(header))
        return header

    def cookie(self, cart: Cart, now: datetime) -> CartCookie:
        """The cookie for ``cart`` issued at ``now``, as a value;
        :class:`CartCookieTooLargeError` if its header would be too big."""
        made = self._cookie(self.encode(cart, now), None if self._session else self._max_age)
        size = len(made.header())
        if size >= COOKIE_SIZE_LIMIT:  # ASCII only: characters == bytes
            raise CartCookieTooLargeError(size=size)
        return made

    def cleared_cookie(self) -> CartCookie:
        """A cookie that deletes the cart cookie (empty value, ``max_age`` 0)."""
        return self._cookie("", 0)

    def _cookie(self, value: str, max_age: int | None) -> CartCookie:
        return CartCookie(
            name=self._name,
            value=value,
            max_age=max_age,
            path=self._path,
            secure=self._secure,
            httponly=True,
            samesite=self._same_site,
            domain=self._domain,
        )

    def clear_cookie_header(self) -> str:
        """A ``Set-Cookie`` value that deletes the cookie (empty cart, logout): ``Max-Age=0``,
        a session cookie included."""
        return f"{self._name}=; {self._attributes_for(0)}"

    # ------------------------------------------------------------------ decoding
    def decode(self, value: str | bytes, now: datetime) -> Cart:
        """The cart in ``value``; :class:`InvalidCartCookieError` for anything untrusted."""
        if isinstance(value, bytes):
            try:
                value = value.decode("ascii")
            except UnicodeDecodeError:
                raise InvalidCartCookieError("malformed") from None
        text: object = value  # callers outside the type checker may pass anything
        if not isinstance(text, str) or len(text) >= COOKIE_SIZE_LIMIT or not text.isascii():
            raise InvalidCartCookieError("malformed")
        signed, dot, signature = value.rpartition(".")
        parts = signed.split(".", 3)
        if not dot or len(parts) != 4 or len(signature) != _SIGNATURE_LENGTH:
            raise InvalidCartCookieError("malformed")
        version, key_id, issued_text, body = parts
        if version != FORMAT_VERSION:
            raise InvalidCartCookieError("version")
        secret = self._keys.get(key_id)
        if secret is None:
            raise InvalidCartCookieError("unknown_key")
        expected = self._sign(secret, signed)
        if not hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii")):
            raise InvalidCartCookieError("signature")
        # Signed by us from here on: the checks below guard against our own bugs and old
        # cookies, not forgeries.
        if (
            not issued_text.isdigit()
            or len(issued_text) > _MAX_ISSUED_DIGITS
            or (issued_text[0] == "0" and issued_text != "0")
        ):
            raise InvalidCartCookieError("malformed")
        issued = int(issued_text)
        current = int(ensure_utc(now).timestamp())
        if issued > current + self._skew:
            raise InvalidCartCookieError("future")
        if current - issued > self._max_age:
            raise InvalidCartCookieError("expired")
        return _parse_body(body)


def _parse_body(body: str) -> Cart:
    if not body:
        return Cart()
    if _BODY.fullmatch(body) is None:
        raise InvalidCartCookieError("body")
    lines = []
    seen: set[str] = set()
    for item in body.split("~"):
        sku, _, quantity = item.partition(":")
        if sku in seen:
            raise InvalidCartCookieError("body")
        seen.add(sku)
        lines.append(CartLine(sku, int(quantity)))
    return Cart(tuple(lines))
