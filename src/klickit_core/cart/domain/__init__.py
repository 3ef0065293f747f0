"""The cart's pure domain: the cart value, its pricing, its cookie format and the cart
saved with a customer account."""

from klickit_core.cart.domain.cart import (
    MAX_LINE_QUANTITY,
    Cart,
    CartError,
    CartLine,
    CartNotice,
    CartNoticeKind,
    InsufficientStockError,
    InvalidQuantityError,
    reconcile,
)
from klickit_core.cart.domain.cookie import (
    COOKIE_SIZE_LIMIT,
    CartCookie,
    CartCookieCodec,
    CartCookieTooLargeError,
    InvalidCartCookieError,
    InvalidSigningKeyError,
    SigningKey,
)
from klickit_core.cart.domain.pricing import (
    PricedCart,
    PricedLine,
    PricingRules,
    UnpricedProductError,
    VatLine,
    price_cart,
)
from klickit_core.cart.domain.saved import SavedCart

__all__ = [
    "COOKIE_SIZE_LIMIT",
    "MAX_LINE_QUANTITY",
    "Cart",
    "CartCookie",
    "CartCookieCodec",
    "CartCookieTooLargeError",
    "CartError",
    "CartLine",
    "CartNotice",
    "CartNoticeKind",
    "InsufficientStockError",
    "InvalidCartCookieError",
    "InvalidQuantityError",
    "InvalidSigningKeyError",
    "PricedCart",
    "PricedLine",
    "PricingRules",
    "SavedCart",
    "SigningKey",
    "UnpricedProductError",
    "VatLine",
    "price_cart",
    "reconcile",
]
