"""The composition root: builds a ready :class:`Shop` from a database URL or from parts.

Nothing is built at import time: an app calls :func:`build_shop` once at start-up (or once
per test) and passes the pieces of the returned :class:`Shop` to the use cases.

Supported URLs today: ``memory://`` (the in-memory backend). The SQL backend
(``sqlite:///shop.db``, ``postgresql+psycopg://…``) plugs in here when it lands; until then
such URLs raise :class:`UnsupportedDatabaseError` rather than silently using memory.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import timedelta

import attrs

from klickit_core.accounts.ports import PasswordHasher
from klickit_core.adapters.gateways import SandboxGateway
from klickit_core.adapters.memory import InMemoryOutbox, MemoryStore, MemoryUnitOfWork
from klickit_core.adapters.passwords import Argon2PasswordHasher
from klickit_core.cart.domain import CartCookieCodec, PricingRules, SigningKey
from klickit_core.payments.fraud import FraudScreen, default_fraud_screen
from klickit_core.payments.ports import PaymentGateway
from klickit_core.payments.webhooks import WebhookVerifier
from klickit_core.shared.clock import Clock, SystemClock
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_
from klickit_core.shared.ids import IdGenerator, RandomIdGenerator
from klickit_core.shared.mail import Mailer
from klickit_core.shared.vat import FRANCE_VAT
from klickit_core.shipping.domain import ShippingTable
from klickit_core.shipping.presets import french_shipping_table

__all__ = ["Shop", "UnsupportedDatabaseError", "build_shop"]


class UnsupportedDatabaseError(KlickitError):
    """The database URL names a backend this version cannot open."""

    code = "bootstrap.unsupported_database"
    message_template = N_("Unsupported database URL scheme {scheme}.")


@attrs.frozen
class Shop:
    """Everything a use case may need, wired together.

    ``unit_of_work()`` opens a new transaction on the shop's store; the other attributes
    are the ports and configuration the services take as arguments.
    """

    unit_of_work: Callable[[], MemoryUnitOfWork]
    clock: Clock
    ids: IdGenerator
    mailer: Mailer
    pricing: PricingRules
    shipping: ShippingTable
    cart_cookie: CartCookieCodec
    database_url: str
    gateway: PaymentGateway
    webhook_verifier: WebhookVerifier
    fraud: FraudScreen
    hasher: PasswordHasher


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
) -> Shop:
    """Build a shop on the database at ``url``.

    ``cart_keys`` sign the cart cookie, newest first. Without them an ephemeral random key
    is made: fine for a demo or a test, wrong for production, where carts must survive a
    restart and every worker must share the keys. Likewise the payment gateway defaults to
    the sandbox (test cards only) with a random webhook secret; a real shop passes its
    provider's adapter and ``webhook_secrets``.
    """
    scheme = url.split(":", 1)[0].lower()
    if scheme != "memory":
        raise UnsupportedDatabaseError(scheme=scheme[:32])
    store = MemoryStore()
    keys = list(cart_keys) if cart_keys else [SigningKey("ephemeral", secrets.token_bytes(32))]
    the_clock = clock or SystemClock()
    hook_secrets = list(webhook_secrets) if webhook_secrets else [secrets.token_bytes(32)]
    return Shop(
        unit_of_work=store.unit_of_work,
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
    )
