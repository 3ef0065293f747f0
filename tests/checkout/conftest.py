"""Builders for checkout tests: a stocked shop, a valid form, the sandbox gateway."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from klickit_core.adapters.gateways import SandboxGateway
from klickit_core.adapters.memory import MemoryStore
from klickit_core.adapters.passwords import OWASP_MINIMUM, Argon2PasswordHasher
from klickit_core.cart.domain import PricingRules
from klickit_core.catalogue.domain import Product
from klickit_core.checkout.domain import AddressForm, CheckoutForm
from klickit_core.shared.money import Money
from klickit_core.shared.vat import FRANCE_VAT, VatClass
from klickit_core.shipping.presets import french_shipping_table
from klickit_core.testing import FixedClock

WEBHOOK_SECRET = b"w" * 32
SUCCESS_CARD = "4242424242424242"
DECLINE_CARD = "4000000000000002"
INSUFFICIENT_CARD = "4000000000009995"
TIMEOUT_CARD = "4000000000000119"
RULES = PricingRules(FRANCE_VAT)
SHIPPING = french_shipping_table()
HASHER = Argon2PasswordHasher(OWASP_MINIMUM)
INITIAL_STOCK = {"MUG": 5, "TEA": 3}


def eur(value: str) -> Money:
    return Money(Decimal(value), "EUR")


def stocked_store() -> MemoryStore:
    store = MemoryStore()
    with store.unit_of_work() as uow:
        uow.products.add(Product("MUG", "Mug Bordeaux", eur("14.90"), stock=5, weight_grams=350))
        uow.products.add(
            Product("TEA", "Thé vert", eur("8.50"), VatClass.REDUCED, stock=3, weight_grams=120)
        )
        uow.products.add(Product("BOOK", "Livre", eur("24.00"), VatClass.REDUCED, weight_grams=700))
        uow.commit()
    return store


def valid_form(email: str = "alice@example.fr", **changes: object) -> CheckoutForm:
    address = AddressForm(
        country="FR", street="1 rue Sainte-Catherine", postcode="33000", city="Bordeaux"
    )
    form = CheckoutForm(
        first_name="Alice",
        last_name="Martin",
        email=email,
        phone="06 12 34 56 78",
        billing=address,
        shipping=None,
        accept_terms=True,
    )
    return attrs.evolve(form, **changes) if changes else form


@pytest.fixture
def store() -> MemoryStore:
    return stocked_store()


@pytest.fixture
def gateway(clock: FixedClock) -> SandboxGateway:
    return SandboxGateway(WEBHOOK_SECRET, clock)


def token(gateway: SandboxGateway, card: str = SUCCESS_CARD) -> str:
    return gateway.tokenize(card, 12, 2030, "123")
