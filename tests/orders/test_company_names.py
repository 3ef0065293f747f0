"""CHK-1, CHK-3, CHK-4, PRV-2, PRV-3: the company typed with an address is never lost.

It is kept with the order's billing and shipping addresses, with the account's addresses,
shown in the person's export (as the first line of its address, as on an envelope), and
follows the billing name's retention: kept while the order is kept for the accounting
obligation (restricted included), gone when the order is anonymised. Run on memory, SQLite
and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from klickit_core.accounts.personal_data import ACCOUNTS_CATEGORY, AccountsProvider
from klickit_core.adapters.memory import MemoryStore
from klickit_core.adapters.passwords import OWASP_MINIMUM, Argon2PasswordHasher
from klickit_core.adapters.sql import SqlStore
from klickit_core.adapters.sql import tables as t
from klickit_core.cart.domain import Cart, PricingRules
from klickit_core.catalogue.domain import Product
from klickit_core.checkout import services as checkout
from klickit_core.checkout.domain import AccountForm, AddressForm, CheckoutForm
from klickit_core.orders.personal_data import ORDERS_UNPAID, OrdersProvider
from klickit_core.personal_data import DataSubject, ExportRecord
from klickit_core.privacy.export import export_subject
from klickit_core.privacy.registry import PrivacyRegistry
from klickit_core.privacy.retention import RetentionSchedule
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.money import Money
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.vat import FRANCE_VAT
from klickit_core.shipping.presets import french_shipping_table
from klickit_core.testing import FixedClock, SequentialIds
from klickit_core.testing.contracts import sql
from klickit_core.testing.contracts.builders import T0

MakeUow = Callable[[], Any]
ADMIN = Actor("admin-1", Role.ADMINISTRATOR)
BILLING = AddressForm("FR", "1 rue Sainte-Catherine", "33000", "Bordeaux", company=" ACME SARL ")
SHIPPING = AddressForm("FR", "3 cours Napoléon", "20000", "Ajaccio", company="Atelier Corse")
FORM = CheckoutForm(
    first_name="Alice",
    last_name="Martin",
    email="alice@example.fr",
    phone="06 12 34 56 78",
    billing=BILLING,
    shipping=SHIPPING,
    account=AccountForm("alice33", Secret("correct horse battery staple")),
    accept_terms=True,
)
ACME = PostalAddress("FR", "33000", "Bordeaux", ("1 rue Sainte-Catherine",), company="ACME SARL")
CORSE = PostalAddress("FR", "20000", "Ajaccio", ("3 cours Napoléon",), company="Atelier Corse")


@pytest.fixture(scope="module")
def sqlite_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStore]:
    with sql.sqlite_store(tmp_path_factory.mktemp("companies") / "shop.db") as store:
        yield store


@pytest.fixture(scope="module")
def postgres_shop() -> Iterator[SqlStore]:
    with sql.postgres_store(sql.postgres_url_or_skip(), prefix="klickit_companies") as store:
        yield store


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shop(request: pytest.FixtureRequest) -> MemoryStore | SqlStore:
    if request.param == "memory":
        return MemoryStore()
    store: SqlStore = request.getfixturevalue(f"{request.param}_shop")
    sql.empty(store)
    return store


def _place(shop: MemoryStore | SqlStore) -> checkout.PlacedOrder:
    with shop.unit_of_work() as uow:
        uow.products.add(Product("MUG", "Mug", Money(Decimal("14.90"), "EUR"), stock=5))
        uow.commit()
    return checkout.place_order(
        shop.unit_of_work(),
        FixedClock(T0),
        SequentialIds(),
        Argon2PasswordHasher(OWASP_MINIMUM),
        actor=Actor.visitor(),
        form=FORM,
        cart=Cart.of({"MUG": 1}),
        rules=PricingRules(FRANCE_VAT),
        shipping_table=french_shipping_table(),
        shipping_method="colissimo-corsica",
        provider_id="sandbox",
    )


def _fields(record: ExportRecord) -> dict[str, object]:
    return {item.key: item.value for item in record.fields}


def test_a_placed_order_and_its_account_keep_both_companies(
    shop: MemoryStore | SqlStore,
) -> None:
    """CHK-4, CHK-3: the order's billing and shipping snapshots keep their company, so
    does the account created at checkout, and the next checkout is pre-filled with them."""
    placed = _place(shop)
    assert (placed.order.billing_address, placed.order.shipping_address) == (ACME, CORSE)
    assert placed.customer_id is not None
    with shop.unit_of_work() as uow:
        stored = uow.orders.get(placed.order.id)
        account = uow.customers.get(placed.customer_id)
    assert stored == placed.order
    assert account is not None
    assert (account.billing_address, account.shipping_address) == (ACME, CORSE)
    alice = Actor("alice", Role.CUSTOMER, customer_id=placed.customer_id)
    prefilled = checkout.prefill_checkout(shop.unit_of_work(), alice)
    assert prefilled.shipping is not None
    assert (prefilled.billing.company, prefilled.shipping.company) == ("ACME SARL", "Atelier Corse")


def test_the_export_shows_both_companies(shop: MemoryStore | SqlStore) -> None:
    """PRV-3: the person's export shows each company as the first line of its address, in
    the order and in the account."""
    placed = _place(shop)
    registry = PrivacyRegistry([OrdersProvider(), AccountsProvider()])
    bound = registry.bind(RetentionSchedule.defaults())
    subject = DataSubject.of("alice@example.fr", placed.customer_id)
    bundle = export_subject(
        bound, shop.unit_of_work(), ADMIN, subject, now=T0, ids=SequentialIds("e")
    )
    sections = {section.category_id: section for section in bundle.sections}
    (order,) = sections[ORDERS_UNPAID].records
    (account,) = sections[ACCOUNTS_CATEGORY].records
    for record in (order, account):
        fields = _fields(record)
        assert fields["billing_address"] == "ACME SARL\n1 rue Sainte-Catherine\n33000 Bordeaux\nFR"
        assert fields["shipping_address"] == "Atelier Corse\n3 cours Napoléon\n20000 Ajaccio\nFR"


def test_the_company_follows_the_billing_name_when_the_order_is_anonymised(
    shop: MemoryStore | SqlStore,
) -> None:
    """PRV-2, PRV-4: restricted for the accounting obligation, the order keeps its
    billing name and companies; anonymised, it loses both, and no row holds them."""
    placed = _place(shop)
    order_id = placed.order.id
    with shop.unit_of_work() as uow:
        uow.orders.restrict([order_id], at=T0)
        uow.commit()
    with shop.unit_of_work() as uow:
        kept = uow.orders.get(order_id)
        assert kept is not None
        assert kept.contact.last_name == "Martin"
        assert (kept.billing_address.company, kept.shipping_address.company) == (
            "ACME SARL",
            "Atelier Corse",
        )
        uow.orders.anonymise([order_id], at=T0)
        uow.commit()
    with shop.unit_of_work() as uow:
        faded = uow.orders.get(order_id)
    assert faded is not None
    assert (faded.contact.last_name, faded.billing_address.company) == ("", "")
    assert (faded.billing_address, faded.shipping_address) == (PostalAddress("FR"),) * 2
    if isinstance(shop, SqlStore):
        with shop.engine.connect() as connection:
            row = connection.execute(
                select(t.orders.c.billing_company, t.orders.c.shipping_company).where(
                    t.orders.c.id == order_id
                )
            ).one()
        assert tuple(row) == ("", "")


def test_the_domain_drops_the_company_with_the_name() -> None:
    """PRV-2 (decision 0007): an anonymised order keeps only the country of each address."""
    placed = _place(MemoryStore())
    faded = placed.order.anonymised(T0)
    assert (faded.contact.full_name.strip(), faded.billing_address, faded.shipping_address) == (
        "",
        PostalAddress("FR"),
        PostalAddress("FR"),
    )
    restricted = placed.order.restricted(T0)
    assert (restricted.contact.full_name, restricted.billing_address) == ("Alice Martin", ACME)
    assert restricted.shipping_address == CORSE
