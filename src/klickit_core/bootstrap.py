"""The composition root: builds a ready :class:`Shop` from a database URL or from parts.

Nothing is built at import time: an app calls :func:`build_shop` once at start-up (or once
per test) and passes the pieces of the returned :class:`Shop` to the use cases.

Supported URLs: ``memory://`` (the in-memory backend), ``sqlite:///shop.db`` (``sqlite://``
for a throw-away in-memory database) and ``postgresql+psycopg://user@host/db``. The SQL
adapter is imported only for a SQL URL, so a shop on memory never loads SQLAlchemy; a
missing optional dependency is a :class:`MissingExtraError` naming the extra to install,
and any other URL an :class:`UnsupportedDatabaseError`, never a silent fallback to memory.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol, Self

import attrs

from klickit_core.accounts.ports import AccountsUnitOfWork, PasswordHasher, SecurityUnitOfWork
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
from klickit_core.cart.domain import CartCookieCodec, PricingRules, SigningKey
from klickit_core.cart.ports import CartUnitOfWork
from klickit_core.catalogue.ports import CatalogueUnitOfWork
from klickit_core.checkout.ports import CheckoutUnitOfWork
from klickit_core.consents.ports import ConsentsUnitOfWork
from klickit_core.orders.ports import OrdersUnitOfWork
from klickit_core.payments.fraud import FraudScreen, default_fraud_screen
from klickit_core.payments.ports import PaymentGateway, PaymentsUnitOfWork
from klickit_core.payments.webhooks import WebhookVerifier
from klickit_core.privacy.ports import PrivacyRequestsUnitOfWork, PrivacyUnitOfWork
from klickit_core.privacy.registry import BoundRegistry, PrivacyRegistry
from klickit_core.privacy.settings import PrivacySettings
from klickit_core.sessions.ports import SessionUnitOfWork
from klickit_core.shared.clock import Clock, SystemClock
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


class ShopUnitOfWork(
    CheckoutUnitOfWork,
    CatalogueUnitOfWork,
    CartUnitOfWork,
    SessionUnitOfWork,
    OrdersUnitOfWork,
    SecurityUnitOfWork,  # before AccountsUnitOfWork, which it extends
    AccountsUnitOfWork,
    ConsentsUnitOfWork,
    PaymentsUnitOfWork,
    PrivacyRequestsUnitOfWork,  # before PrivacyUnitOfWork, which it extends
    PrivacyUnitOfWork,
    Protocol,
):
    """Every context's unit-of-work protocol at once: what ``Shop.unit_of_work()`` opens.

    Each context names only the repositories its use cases need; a shop's unit of work
    must serve all of them, so its type is their intersection. The memory and SQL units
    of work both satisfy it structurally (mypy checks it where :func:`build_shop` wires
    them), and any other backend is held to the same list. Account security's and the
    privacy engine's protocols are part of it, so the login, reset and lost-credentials
    use cases and the retention sweeps run on a SQL shop exactly as on memory.
    """

    def __enter__(self) -> Self:
        """The unit of work itself, so ``with shop.unit_of_work() as uow`` is typed."""
        ...


def _nothing_to_close() -> None:
    """The memory backend holds no connection."""


@attrs.frozen
class Shop:
    """Everything a use case may need, wired together.

    ``unit_of_work()`` opens a new transaction on the shop's store; the other attributes
    are the ports and configuration the services take as arguments.
    """

    unit_of_work: Callable[[], ShopUnitOfWork]
    clock: Clock
    ids: IdGenerator
    mailer: Mailer
    pricing: PricingRules
    shipping: ShippingTable
    cart_cookie: CartCookieCodec
    database_url: str = attrs.field(repr=redacted)  # a password stays out of logs
    gateway: PaymentGateway
    webhook_verifier: WebhookVerifier
    fraud: FraudScreen
    hasher: PasswordHasher
    #: Login limits, reset and confirmation link lifetimes, and the base URL of every
    #: emailed link (SEC-2, SEC-3, SEC-6).
    security: SecuritySettings = attrs.field(factory=SecuritySettings)
    #: The retention schedule, the erasure-ledger key, request deadlines and link lifetimes
    #: (PRV-1 … PRV-6).
    privacy: PrivacySettings = attrs.field(factory=PrivacySettings)
    #: Releases the store's connections (a SQL engine's pool); see :meth:`close`.
    closer: Callable[[], None] = attrs.field(default=_nothing_to_close, repr=False, eq=False)

    def close(self) -> None:
        """Release the database connections of a SQL shop (a no-op on memory). Call it
        when the app or the test is done with the shop."""
        self.closer()

    def privacy_registry(self) -> BoundRegistry[ShopUnitOfWork]:
        """:func:`default_privacy_registry` bound to this shop's retention schedule."""
        return default_privacy_registry().bind(self.privacy.schedule)


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


def _sql_store(url: str, backend: Backend) -> SqlStore:
    """A SQL store on ``url`` with its schema brought up to date.

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
        store.ensure_schema()
    except BaseException:
        store.close()
        raise
    return store


def build_shop(
    url: str = "memory://",
    *,
    cart_keys: Sequence[SigningKey] | None = None,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    mailer: Mailer | None = None,
    pricing: PricingRules | None = None,
    shipping: ShippingTable | None = None,
    cart_max_age: timedelta = timedelta(days=30),
    gateway: PaymentGateway | None = None,
    webhook_secrets: Sequence[bytes] | None = None,
    fraud: FraudScreen | None = None,
    hasher: PasswordHasher | None = None,
    security: SecuritySettings | None = None,
    privacy: PrivacySettings | None = None,
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
    erasures refuse to run until the shop configures one (PRV-6).
    """
    backend = backend_of(url)
    unit_of_work: Callable[[], ShopUnitOfWork]
    closer: Callable[[], None] = _nothing_to_close
    if backend is Backend.MEMORY:
        unit_of_work = MemoryStore().unit_of_work
    else:
        sql = _sql_store(url, backend)
        unit_of_work, closer = sql.unit_of_work, sql.close
    keys = list(cart_keys) if cart_keys else [SigningKey("ephemeral", secrets.token_bytes(32))]
    the_clock = clock or SystemClock()
    hook_secrets = list(webhook_secrets) if webhook_secrets else [secrets.token_bytes(32)]
    return Shop(
        unit_of_work=unit_of_work,
        clock=the_clock,
        ids=ids or RandomIdGenerator(),
        mailer=mailer if mailer is not None else InMemoryOutbox(),
        pricing=pricing or PricingRules(FRANCE_VAT),
        shipping=shipping or french_shipping_table(),
        cart_cookie=CartCookieCodec(keys, max_age=cart_max_age),
        database_url=url,
        gateway=gateway or SandboxGateway(hook_secrets[0], the_clock),
        webhook_verifier=WebhookVerifier(hook_secrets),
        fraud=fraud or default_fraud_screen(),
        hasher=hasher or Argon2PasswordHasher(),
        security=security or SecuritySettings(),
        privacy=privacy or PrivacySettings(),
        closer=closer,
    )
