"""klickit_core: the domain library of a shop that keeps its privacy promises.

This namespace re-exports the types most apps need. Use cases live in each context's
``services`` module (``klickit_core.cart.services``, ``klickit_core.catalogue.services``,
``klickit_core.sessions.services``) and take the ports of a :class:`Shop` as arguments.

Internal modules never import from here: this file is for users only, so moving an
internal module does not break the public names below.
"""

from klickit_core.accounts.domain import Customer
from klickit_core.bootstrap import Shop, UnsupportedDatabaseError, build_shop
from klickit_core.cart.domain import (
    Cart,
    CartCookieCodec,
    CartCookieTooLargeError,
    CartError,
    CartLine,
    CartNotice,
    CartNoticeKind,
    InsufficientStockError,
    InvalidCartCookieError,
    InvalidQuantityError,
    PricedCart,
    PricingRules,
    SigningKey,
    price_cart,
)
from klickit_core.catalogue.domain import Product, Review, ReviewState
from klickit_core.checkout.domain import (
    AccountForm,
    AddressForm,
    CheckoutForm,
    ValidatedCheckout,
    validate_checkout,
)
from klickit_core.consents.domain import ConsentRecord
from klickit_core.orders.domain import Order, OrderStatus
from klickit_core.payments.domain import Payment, PaymentRequest, PaymentStatus
from klickit_core.sessions.domain import Location, VisitorSession
from klickit_core.shared.actors import Actor, Permission, Role
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.clock import Clock, SystemClock
from klickit_core.shared.errors import (
    ConflictError,
    FieldError,
    KlickitError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from klickit_core.shared.ids import IdGenerator
from klickit_core.shared.mail import Mailer, MailMessage, MailTemplate
from klickit_core.shared.money import CurrencyMismatchError, Money, MoneyError
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.vat import FRANCE_VAT, VatClass, VatRate, VatRounding, VatTable
from klickit_core.shipping.domain import ShippingMethod, ShippingOption, ShippingTable, Zone

__version__ = "0.1.0.dev0"

__all__ = [
    "FRANCE_VAT",
    "AccountForm",
    "Actor",
    "AddressForm",
    "Cart",
    "CartCookieCodec",
    "CartCookieTooLargeError",
    "CartError",
    "CartLine",
    "CartNotice",
    "CartNoticeKind",
    "CheckoutForm",
    "Clock",
    "ConflictError",
    "ConsentRecord",
    "CurrencyMismatchError",
    "Customer",
    "FieldError",
    "IdGenerator",
    "InsufficientStockError",
    "InvalidCartCookieError",
    "InvalidQuantityError",
    "KlickitError",
    "Location",
    "MailMessage",
    "MailTemplate",
    "Mailer",
    "Money",
    "MoneyError",
    "NotFoundError",
    "Order",
    "OrderStatus",
    "Payment",
    "PaymentRequest",
    "PaymentStatus",
    "Permission",
    "PermissionDeniedError",
    "PostalAddress",
    "PricedCart",
    "PricingRules",
    "Product",
    "Review",
    "ReviewState",
    "Role",
    "Secret",
    "ShippingMethod",
    "ShippingOption",
    "ShippingTable",
    "Shop",
    "SigningKey",
    "SystemClock",
    "UnsupportedDatabaseError",
    "ValidatedCheckout",
    "ValidationError",
    "VatClass",
    "VatRate",
    "VatRounding",
    "VatTable",
    "VisitorSession",
    "Zone",
    "__version__",
    "build_shop",
    "price_cart",
    "validate_checkout",
]
