"""Set-up of the application service tests: a shop's parts on every backend.

:func:`shop_parts` builds a shop with :func:`~klickit_core.bootstrap.build_shop` (memory, a
SQLite file, a PostgreSQL schema: X-5) and gathers its collaborators into one
:class:`~klickit_core.application.parts.ShopParts`, from which each test makes the
services it drives, with a frozen clock, predictable ids and a stocked catalogue.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from klickit_core.accounts.security import LoginSettings, SecuritySettings
from klickit_core.adapters.export import HtmlBundleRenderer
from klickit_core.adapters.gateways import SandboxGateway
from klickit_core.adapters.memory import InMemoryOutbox
from klickit_core.adapters.passwords import OWASP_MINIMUM, Argon2PasswordHasher
from klickit_core.application.checkout import CheckoutService
from klickit_core.application.parts import ShopParts
from klickit_core.bootstrap import build_shop, default_privacy_registry
from klickit_core.cart.domain import Cart
from klickit_core.catalogue.domain import Product
from klickit_core.checkout.domain import AddressForm, CheckoutForm
from klickit_core.checkout.services import CheckoutSettings, PlacedOrder
from klickit_core.privacy.settings import PrivacySettings
from klickit_core.shared.actors import Actor
from klickit_core.shared.money import Money
from klickit_core.shared.vat import VatClass
from klickit_core.testing import FixedClock, SequentialIds
from klickit_core.testing.contracts.sql import postgres_schema_url, postgres_url_or_skip

#: Argon2id at OWASP's minimum: compliant and quick.
HASHER = Argon2PasswordHasher(OWASP_MINIMUM)
#: The backends a test with the ``shop_parts`` fixture runs on.
BACKENDS = ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
#: Small login limits, so that the guest-lookup limit is reached in a few calls.
SECURITY = SecuritySettings(
    base_url="https://boutique.example.fr", login=LoginSettings(account_limit=3, ip_limit=4)
)
WEBHOOK_SECRET = b"w" * 32


def eur(value: str) -> Money:
    return Money(Decimal(value), "EUR")


PRODUCTS = (
    Product("MUG", "Mug Bordeaux", eur("14.90"), stock=5, weight_grams=350),
    Product("TEA", "Thé vert", eur("8.50"), VatClass.REDUCED, stock=3, weight_grams=120),
    Product("BOOK", "Livre", eur("24.00"), VatClass.REDUCED, weight_grams=700),
)


def _parts_of(url: str, clock: FixedClock, ids: SequentialIds) -> Iterator[ShopParts]:
    shop = build_shop(
        url,
        clock=clock,
        ids=ids,
        mailer=InMemoryOutbox(),
        hasher=HASHER,
        webhook_secrets=[WEBHOOK_SECRET],
    )
    privacy = PrivacySettings()
    parts = ShopParts(
        unit_of_work=shop.unit_of_work,
        clock=shop.clock,
        ids=shop.ids,
        mailer=shop.mailer,
        pricing=shop.pricing,
        shipping=shop.shipping,
        cart_cookie=shop.cart_cookie,
        gateway=shop.gateway,
        webhook_verifier=shop.webhook_verifier,
        fraud=shop.fraud,
        hasher=shop.hasher,
        security=SECURITY,
        privacy=privacy,
        checkout=CheckoutSettings(consent_versions={"newsletter": "news-2026-01"}),
        registry=default_privacy_registry().bind(privacy.schedule),
        renderer=HtmlBundleRenderer(),
    )
    try:
        with parts.unit_of_work() as uow:
            for product in PRODUCTS:
                uow.products.add(product)
            uow.commit()
        yield parts
    finally:
        shop.close()


@pytest.fixture(params=BACKENDS)
def shop_parts(
    request: pytest.FixtureRequest, clock: FixedClock, ids: SequentialIds, tmp_path: Path
) -> Iterator[ShopParts]:
    """A stocked shop's parts on each backend (memory, SQLite, PostgreSQL)."""
    if request.param == "memory":
        yield from _parts_of("memory://", clock, ids)
    elif request.param == "sqlite":
        yield from _parts_of(f"sqlite:///{tmp_path / 'shop.db'}", clock, ids)
    else:
        with postgres_schema_url(postgres_url_or_skip(), "klickit_services") as url:
            yield from _parts_of(url, clock, ids)


SUCCESS_CARD = "4242424242424242"
DECLINE_CARD = "4000000000000002"
IP = "203.0.113.7"


def valid_form(email: str = "alice@example.fr", **changes: object) -> CheckoutForm:
    """A checkout form without a single error, shipping to the billing address."""
    fields: dict[str, object] = {
        "first_name": "Alice",
        "last_name": "Martin",
        "email": email,
        "phone": "06 12 34 56 78",
        "billing": AddressForm(
            country="FR", street="1 rue Sainte-Catherine", postcode="33000", city="Bordeaux"
        ),
        "accept_terms": True,
    }
    fields.update(changes)
    return CheckoutForm(**fields)  # type: ignore[arg-type]


def card_token(parts: ShopParts, card: str = SUCCESS_CARD) -> str:
    """What the sandbox's card widget would give the app for ``card``."""
    gateway = parts.gateway
    assert isinstance(gateway, SandboxGateway)
    return gateway.tokenize(card, 12, 2030, "123")


def guest_order(parts: ShopParts, email: str = "alice@example.fr") -> PlacedOrder:
    """A guest's order for two mugs, placed through the checkout service."""
    cart = Cart().add("MUG", 2, None)
    checkout = CheckoutService(parts)
    return checkout.place_order(Actor.visitor(), valid_form(email), cart, "colissimo-fr")
