"""The composition root: builds a ready :class:`Shop` from a database URL or from parts.

Nothing is built at import time: an app calls :func:`build_shop` once at start-up (or once
per test) and passes the pieces of the returned :class:`Shop` to the use cases.

Supported URLs: ``memory://`` (the in-memory backend), ``sqlite:///shop.db`` (``sqlite://``
for a throw-away in-memory database) and ``postgresql+psycopg://user@host/db``
(``postgresql://`` and ``postgres://`` mean psycopg 3 too). The SQL
adapter is imported only for a SQL URL, so a shop on memory never loads SQLAlchemy; a
missing optional dependency is a :class:`MissingExtraError` naming the extra to install,
and any other URL an :class:`UnsupportedDatabaseError`, never a silent fallback to memory.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import attrs

from klickit_core.accounts.ports import PasswordHasher
from klickit_core.accounts.security import SecuritySettings
from klickit_core.adapters.database import (
    Backend,
    MissingExtraError,
    UnsupportedDatabaseError,
    backend_of,
    redacted,
)
from klickit_core.adapters.gateways import SandboxGateway
from klickit_core.adapters.memory import InMemoryOutbox, MemoryStore
from klickit_core.adapters.passwords import Argon2PasswordHasher
from klickit_core.application.accounts import AccountService
from klickit_core.application.cart import CartService
from klickit_core.application.catalogue import CatalogueService
from klickit_core.application.checkout import CheckoutService
from klickit_core.application.consents import ConsentService
from klickit_core.application.orders import OrderService
from klickit_core.application.parts import ShopParts
from klickit_core.application.payments import PaymentService
from klickit_core.application.privacy import PrivacyService
from klickit_core.application.sessions import SessionService
from klickit_core.application.unit_of_work import ShopUnitOfWork
from klickit_core.cart.domain import CartCookieCodec, PricingRules, SigningKey
from klickit_core.checkout.services import CheckoutSettings
from klickit_core.payments.fraud import FraudScreen, default_fraud_screen
from klickit_core.payments.ports import PaymentGateway
from klickit_core.payments.webhooks import WebhookVerifier
from klickit_core.privacy.ports import BundleRenderer
from klickit_core.privacy.registry import BoundRegistry, PrivacyRegistry
from klickit_core.privacy.settings import PrivacySettings
from klickit_core.shared.clock import Clock, SystemClock
from klickit_core.shared.events import (
    DomainEvent,
    EventBus,
    Handler,
    Subscriber,
    SubscriberErrorHook,
)
from klickit_core.shared.ids import IdGenerator, RandomIdGenerator
from klickit_core.shared.mail import Mailer
from klickit_core.shared.vat import FRANCE_VAT
from klickit_core.shipping.domain import ShippingTable
from klickit_core.shipping.presets import french_shipping_table

if TYPE_CHECKING:
    from klickit_core.adapters.sql import SqlStore

__all__ = [
    "MissingExtraError",
    "Shop",
    "ShopUnitOfWork",
    "UnsupportedDatabaseError",
    "build_shop",
    "default_privacy_registry",
]


@functools.cache
def _html_renderer() -> BundleRenderer:
    """The export's HTML renderer, made once per process: building its Jinja2 environment
    costs about 25 ms, and it holds no state between renderings (thread-safe)."""
    from klickit_core.adapters.export import HtmlBundleRenderer  # noqa: PLC0415 - loads Jinja2

    return HtmlBundleRenderer()


def _nothing_to_close() -> None:
    """The memory backend holds no connection."""


@attrs.frozen
class Shop:
    """One shop, wired: its application services and the parts they are built on.

    An app calls the services (``shop.checkout.place_order(...)``, ``shop.orders.get(...)``):
    each method opens its own unit of work and takes only what the caller decides
    (decision 0014). The collaborators stay readable (``shop.clock``, ``shop.mailer``, …)
    for configuration and tests; ``shop.unit_of_work()`` opens a transaction for an app's
    own reads.
    """

    parts: ShopParts = attrs.field(repr=False)
    database_url: str = attrs.field(repr=redacted)  # a password stays out of logs
    #: Products, reviews and their moderation (CAT-1 … CAT-3).
    catalogue: CatalogueService
    #: The cart in its signed cookie: restore, change, price, estimate shipping (CRT-1 … CRT-3).
    cart: CartService
    #: Prefill, quote and place an order (CHK-1 … CHK-4).
    checkout: CheckoutService
    #: Pay with the token the provider's widget gave, refunds, webhooks (PAY-1 … PAY-4).
    payments: PaymentService
    #: Orders for customers, guests and staff (ORD-1, ORD-2).
    orders: OrderService
    #: Accounts, login, password reset, staff searches (SEC-1 … SEC-6).
    accounts: AccountService
    #: Visitor sessions (SES-1, SES-2).
    sessions: SessionService
    #: Marketing consents (CHK-2).
    consents: ConsentService
    #: Access and erasure requests, exports, retention sweeps (PRV-1 … PRV-6).
    privacy: PrivacyService
    #: Releases the store's connections (a SQL engine's pool); see :meth:`close`.
    closer: Callable[[], None] = attrs.field(default=_nothing_to_close, repr=False, eq=False)

    @property
    def unit_of_work(self) -> Callable[[], ShopUnitOfWork]:
        """Opens a new unit of work (transaction) on the shop's store."""
        return self.parts.unit_of_work

    @property
    def clock(self) -> Clock:
        """The shop's clock."""
        return self.parts.clock

    @property
    def ids(self) -> IdGenerator:
        """The shop's id generator."""
        return self.parts.ids

    @property
    def mailer(self) -> Mailer:
        """Where the shop's mails go (an :class:`InMemoryOutbox` unless configured)."""
        return self.parts.mailer

    @property
    def pricing(self) -> PricingRules:
        """VAT table and rounding."""
        return self.parts.pricing

    @property
    def shipping(self) -> ShippingTable:
        """Shipping zones and methods."""
        return self.parts.shipping

    @property
    def cart_cookie(self) -> CartCookieCodec:
        """Signs and reads the cart cookie."""
        return self.parts.cart_cookie

    @property
    def gateway(self) -> PaymentGateway:
        """The payment provider's adapter (the sandbox unless configured)."""
        return self.parts.gateway

    @property
    def webhook_verifier(self) -> WebhookVerifier:
        """Checks the provider's webhook signatures."""
        return self.parts.webhook_verifier

    @property
    def fraud(self) -> FraudScreen:
        """The fraud screen run before a payment."""
        return self.parts.fraud

    @property
    def hasher(self) -> PasswordHasher:
        """The password hasher (Argon2id unless configured)."""
        return self.parts.hasher

    @property
    def security_settings(self) -> SecuritySettings:
        """Login limits, reset and confirmation link lifetimes, and the base URL of every
        emailed link (SEC-2, SEC-3, SEC-6)."""
        return self.parts.security

    @property
    def privacy_settings(self) -> PrivacySettings:
        """The retention schedule, the erasure-ledger key, request deadlines and link
        lifetimes (PRV-1 … PRV-6)."""
        return self.parts.privacy

    def with_parts(self, **changes: Any) -> Shop:
        """This shop with some of its parts replaced (``unit_of_work=``, ``privacy=``,
        ``registry=``, … the fields of :class:`ShopParts`) and every service rebuilt on
        them: for tests and tools that wrap the store or change a setting. A new
        ``privacy`` does not rebind the registry; pass ``registry=`` for a new schedule."""
        return _assemble(attrs.evolve(self.parts, **changes), self.database_url, self.closer)

    def close(self) -> None:
        """Release the database connections of a SQL shop (a no-op on memory). Call it
        when the app or the test is done with the shop."""
        self.closer()

    def privacy_registry(self) -> BoundRegistry[ShopUnitOfWork]:
        """The privacy registry the shop runs on: :func:`default_privacy_registry` bound
        to this shop's retention schedule."""
        return self.parts.registry


def default_privacy_registry() -> PrivacyRegistry[ShopUnitOfWork]:
    """Every personal-data provider of the library, in the order of exports and reports
    (PRV-1 … PRV-5): payments, orders, visitor sessions, accounts and their security
    records, the staff access log, carts, reviews, consents, and the privacy requests
    themselves. A new registry at each call: an app adds its own providers to it
    (``registry.register(...)``) before binding it to a schedule.
    """
    from klickit_core.accounts.personal_data import (  # noqa: PLC0415 - built on demand
        AccessLogProvider,
        AccountSecurityProvider,
        AccountsProvider,
    )
    from klickit_core.cart.personal_data import CartsProvider  # noqa: PLC0415
    from klickit_core.catalogue.personal_data import ReviewsProvider  # noqa: PLC0415
    from klickit_core.consents.personal_data import ConsentsProvider  # noqa: PLC0415
    from klickit_core.orders.personal_data import OrdersProvider  # noqa: PLC0415
    from klickit_core.payments.personal_data import PaymentsProvider  # noqa: PLC0415
    from klickit_core.privacy.personal_data import PrivacyRequestsProvider  # noqa: PLC0415
    from klickit_core.sessions.personal_data import SessionsProvider  # noqa: PLC0415

    return PrivacyRegistry[ShopUnitOfWork](
        [
            # The order matters where one provider's data depends on another's within one
            # erasure or one sweep run. Payments first: an erasure finds a person's
            # payments through their orders, which the orders provider then anonymises or
            # unlinks. Sessions before accounts: a signed-in session is account activity,
            # so an account made inactive by the session sweep goes in the same run.
            PaymentsProvider(),
            OrdersProvider(),
            SessionsProvider(),
            AccountsProvider(),
            AccountSecurityProvider(),
            AccessLogProvider(),
            CartsProvider(),
            ReviewsProvider(),
            ConsentsProvider(),
            PrivacyRequestsProvider(),
        ]
    )


def _sql_store(url: str, backend: Backend, *, create: bool) -> SqlStore:
    """A SQL store on ``url`` with its schema brought up to date (made if ``create``).

    The adapter is imported here, not at the top: a memory shop must not need SQLAlchemy.
    """
    try:
        from klickit_core.adapters.sql import SqlStore  # noqa: PLC0415 - optional extra

        if backend is Backend.POSTGRESQL:
            import psycopg  # noqa: F401, PLC0415 - fail now, not at the first query
    except ModuleNotFoundError as missing:
        if (missing.name or "").split(".")[0] in {"sqlalchemy", "alembic", "psycopg"}:
            raise MissingExtraError(extra=backend.extra) from None
        raise
    store = SqlStore.from_url(url)
    try:
        store.ensure_schema(create=create)
    except BaseException:
        store.close()
        raise
    return store


def _with_events(
    factory: Callable[[], ShopUnitOfWork], bus: EventBus[ShopUnitOfWork]
) -> Callable[[], ShopUnitOfWork]:
    """``factory`` whose units of work hand their recorded events to ``bus``."""

    def unit_of_work() -> ShopUnitOfWork:
        uow = factory()
        uow.events = bus
        return uow

    return unit_of_work


def build_shop(
    url: str = "memory://",
    *,
    create: bool = True,
    cart_keys: Sequence[SigningKey] | None = None,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    mailer: Mailer | None = None,
    pricing: PricingRules | None = None,
    shipping: ShippingTable | None = None,
    cart_max_age: timedelta = timedelta(days=30),
    cart_session_cookie: bool = False,
    gateway: PaymentGateway | None = None,
    webhook_secrets: Sequence[bytes] | None = None,
    fraud: FraudScreen | None = None,
    hasher: PasswordHasher | None = None,
    security: SecuritySettings | None = None,
    privacy: PrivacySettings | None = None,
    checkout: CheckoutSettings | None = None,
    privacy_registry: PrivacyRegistry[ShopUnitOfWork] | None = None,
    cookie_secure: bool = True,
    handlers: Mapping[type[DomainEvent], Sequence[Handler[ShopUnitOfWork]]] | None = None,
    subscribers: Mapping[type[DomainEvent], Sequence[Subscriber]] | None = None,
    on_subscriber_error: SubscriberErrorHook | None = None,
) -> Shop:
    """Build a shop on the database at ``url``.

    ``cart_keys`` sign the cart cookie, newest first. Without them an ephemeral random key
    is made: fine for a demo or a test, wrong for production, where carts must survive a
    restart and every worker must share the keys. Likewise the payment gateway defaults to
    the sandbox (test cards only) with a random webhook secret; a real shop passes its
    provider's adapter and ``webhook_secrets``. ``security`` defaults to the policy's limits
    with links to ``http://localhost:8000``: a real shop passes its own base URL
    (``SecuritySettings(base_url="https://boutique.example.fr")``). ``privacy`` defaults to
    the default retention schedule and the law's deadlines, without an erasure-ledger key:
    erasures refuse to run until the shop configures one (PRV-6). ``checkout`` holds the
    consent texts asked at checkout and the order number prefix. ``cookie_secure=False``
    drops the cart cookie's ``Secure`` flag, for plain-HTTP development only.
    ``cart_max_age`` is how long a signed cart cookie stays valid after the cart's last
    change; ``cart_session_cookie=True`` sends it without ``Max-Age`` (a session cookie,
    gone when the browser closes, as Klickit's policy says: « pendant que vous visitez
    notre site »), the server still refusing it ``cart_max_age`` after that change (CRT-3).
    A bad value is an :class:`~klickit_core.cart.domain.cookie.InvalidSigningKeyError`.
    ``privacy_registry`` replaces :func:`default_privacy_registry` (an app registers its own
    providers on it first: ``registry = default_privacy_registry();
    registry.register(MyProvider())``); ``shop.privacy`` then sweeps, exports and erases
    with them, bound to ``privacy.schedule``.

    A SQL database is brought to this version's schema (the shipped migrations, one
    process at a time). ``create=False`` opens an existing shop only: a SQLite file that
    does not exist (a mistyped path) or a database without the shop's tables raises
    :class:`~klickit_core.adapters.database.NoShopError`, and no file is created. Pass it
    in production once ``klickit db upgrade`` has made the shop; the default, ``True``,
    makes the shop on first use (tests, demos, a first start).

    ``handlers`` and ``subscribers`` hear the domain events of :mod:`klickit_core.shared.events`
    by type (``{OrderPlaced: [fn]}``; ``DomainEvent`` hears all): a handler
    (``fn(event, uow)``) runs inside the change's transaction, so what it writes commits
    with the change or not at all; a subscriber (``fn(event)``) runs after the commit, and
    its failure is logged and passed to ``on_subscriber_error(event, error)``.
    """
    backend = backend_of(url)
    unit_of_work: Callable[[], ShopUnitOfWork]
    closer: Callable[[], None] = _nothing_to_close
    if backend is Backend.MEMORY:
        unit_of_work = MemoryStore().unit_of_work
    else:
        sql = _sql_store(url, backend, create=create)
        unit_of_work, closer = sql.unit_of_work, sql.close
    if handlers or subscribers:
        bus = EventBus[ShopUnitOfWork](handlers or {}, subscribers or {}, on_subscriber_error)
        unit_of_work = _with_events(unit_of_work, bus)
    keys = list(cart_keys) if cart_keys else [SigningKey("ephemeral", secrets.token_bytes(32))]
    the_clock = clock or SystemClock()
    hook_secrets = list(webhook_secrets) if webhook_secrets else [secrets.token_bytes(32)]
    the_privacy = privacy or PrivacySettings()
    parts = ShopParts(
        unit_of_work=unit_of_work,
        clock=the_clock,
        ids=ids or RandomIdGenerator(),
        mailer=mailer if mailer is not None else InMemoryOutbox(),
        pricing=pricing or PricingRules(FRANCE_VAT),
        shipping=shipping or french_shipping_table(),
        cart_cookie=CartCookieCodec(
            keys,
            max_age=cart_max_age,
            session_cookie=cart_session_cookie,
            secure=cookie_secure,
        ),
        gateway=gateway or SandboxGateway(hook_secrets[0], the_clock),
        webhook_verifier=WebhookVerifier(hook_secrets),
        fraud=fraud or default_fraud_screen(),
        hasher=hasher or Argon2PasswordHasher(),
        security=security or SecuritySettings(),
        privacy=the_privacy,
        checkout=checkout or CheckoutSettings(),
        registry=(privacy_registry or default_privacy_registry()).bind(the_privacy.schedule),
        renderer=_html_renderer(),
    )
    return _assemble(parts, url, closer)


def _assemble(parts: ShopParts, url: str, closer: Callable[[], None]) -> Shop:
    """The shop whose every service is built on ``parts``."""
    return Shop(
        parts=parts,
        database_url=url,
        catalogue=CatalogueService(parts),
        cart=CartService(parts),
        checkout=CheckoutService(parts),
        payments=PaymentService(parts),
        orders=OrderService(parts),
        accounts=AccountService(parts),
        sessions=SessionService(parts),
        consents=ConsentService(parts),
        privacy=PrivacyService(parts),
        closer=closer,
    )
