"""klickit_core: the domain library of a shop that keeps its privacy promises.

This namespace re-exports what an app needs: :func:`build_shop`, the :class:`Shop` it
returns, whose services are the use cases (``shop.cart.add(...)``,
``shop.checkout.place_order(...)``, ``shop.privacy.open_request(...)``; decision 0014), the
values they take and return, their typed errors, the settings, the domain events and the
converter that serialises every value.

Internal modules never import from here: this file is for users only, so moving an
internal module does not break the public names below.
"""

from klickit_core.accounts.domain import Customer
from klickit_core.accounts.login import LoginRefused, LoginSucceeded
from klickit_core.accounts.security import SecuritySettings
from klickit_core.application.accounts import AccountService
from klickit_core.application.cart import CartService
from klickit_core.application.catalogue import CatalogueService
from klickit_core.application.checkout import CheckoutQuote, CheckoutService
from klickit_core.application.consents import ConsentService
from klickit_core.application.orders import OrderService, TooManyLookupsError
from klickit_core.application.payments import PaymentService
from klickit_core.application.privacy import PrivacyService
from klickit_core.application.sessions import SessionService
from klickit_core.bootstrap import Shop, UnsupportedDatabaseError, build_shop
from klickit_core.cart.domain import (
    Cart,
    CartCookie,
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
from klickit_core.cart.services import CartView
from klickit_core.catalogue.domain import Product, Review, ReviewState
from klickit_core.checkout.domain import (
    AccountDetailsForm,
    AccountForm,
    AddressForm,
    CheckoutForm,
    ValidatedCheckout,
    validate_checkout,
)
from klickit_core.checkout.services import CheckoutSettings, PlacedOrder
from klickit_core.consents.domain import ConsentRecord
from klickit_core.orders.domain import Order, OrderStatus
from klickit_core.orders.labels import order_status_label
from klickit_core.payments.domain import Payment, PaymentRequest, PaymentStatus
from klickit_core.payments.labels import payment_status_label
from klickit_core.privacy.records import ErasureKey, ExportFormat, RequestKind
from klickit_core.privacy.settings import PrivacySettings
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
from klickit_core.shared.events import (
    AccountCreated,
    DataExportReady,
    DomainEvent,
    ErasureDone,
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    OrderRefunded,
    OrderShipped,
    PasswordChanged,
)
from klickit_core.shared.ids import IdGenerator
from klickit_core.shared.locales import UnsupportedLocaleError, normalise_locale
from klickit_core.shared.mail import Mailer, MailMessage, MailTemplate
from klickit_core.shared.money import CurrencyMismatchError, Money, MoneyError
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.serialisation import from_json, structure, to_json, unstructure
from klickit_core.shared.vat import FRANCE_VAT, VatClass, VatRate, VatRounding, VatTable
from klickit_core.shipping.domain import ShippingMethod, ShippingOption, ShippingTable, Zone

__version__ = "0.1.0.dev0"

__all__ = [
    "FRANCE_VAT",
    "AccountCreated",
    "AccountDetailsForm",
    "AccountForm",
    "AccountService",
    "Actor",
    "AddressForm",
    "Cart",
    "CartCookie",
    "CartCookieCodec",
    "CartCookieTooLargeError",
    "CartError",
    "CartLine",
    "CartNotice",
    "CartNoticeKind",
    "CartService",
    "CartView",
    "CatalogueService",
    "CheckoutForm",
    "CheckoutQuote",
    "CheckoutService",
    "CheckoutSettings",
    "Clock",
    "ConflictError",
    "ConsentRecord",
    "ConsentService",
    "CurrencyMismatchError",
    "Customer",
    "DataExportReady",
    "DomainEvent",
    "ErasureDone",
    "ErasureKey",
    "ExportFormat",
    "FieldError",
    "IdGenerator",
    "InsufficientStockError",
    "InvalidCartCookieError",
    "InvalidQuantityError",
    "KlickitError",
    "Location",
    "LoginRefused",
    "LoginSucceeded",
    "MailMessage",
    "MailTemplate",
    "Mailer",
    "Money",
    "MoneyError",
    "NotFoundError",
    "Order",
    "OrderCancelled",
    "OrderPaid",
    "OrderPlaced",
    "OrderRefunded",
    "OrderService",
    "OrderShipped",
    "OrderStatus",
    "PasswordChanged",
    "Payment",
    "PaymentRequest",
    "PaymentService",
    "PaymentStatus",
    "Permission",
    "PermissionDeniedError",
    "PlacedOrder",
    "PostalAddress",
    "PricedCart",
    "PricingRules",
    "PrivacyService",
    "PrivacySettings",
    "Product",
    "RequestKind",
    "Review",
    "ReviewState",
    "Role",
    "Secret",
    "SecuritySettings",
    "SessionService",
    "ShippingMethod",
    "ShippingOption",
    "ShippingTable",
    "Shop",
    "SigningKey",
    "SystemClock",
    "TooManyLookupsError",
    "UnsupportedDatabaseError",
    "UnsupportedLocaleError",
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
    "from_json",
    "normalise_locale",
    "order_status_label",
    "payment_status_label",
    "price_cart",
    "structure",
    "to_json",
    "unstructure",
    "validate_checkout",
]
