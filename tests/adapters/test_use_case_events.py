"""Decision 0014: each use case records its domain event once, with the right ids, on
every backend; the handlers get the shop's unit of work and the subscribers hear the
event after the commit (``build_shop(handlers=..., subscribers=...)``).

CHK-4 (order placed), PAY-3/PAY-4 (paid, directly or by webhook), PAY-6 (held order
approved or rejected), ORD-1 (cancelled), ORD-2 (completed: shipped), PAY-5 (refunded),
SEC-3 (password changed), PRV-3 (export ready), PRV-4 (erasure done).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import cast

import attrs
import pytest

from klickit_core.adapters.gateways import SandboxGateway
from klickit_core.adapters.passwords import OWASP_MINIMUM, Argon2PasswordHasher
from klickit_core.adapters.sql import SqlStore
from klickit_core.bootstrap import Shop, ShopUnitOfWork, build_shop
from klickit_core.cart.domain import Cart
from klickit_core.catalogue.domain import Product
from klickit_core.checkout.domain import AccountDetailsForm, AccountForm, AddressForm, CheckoutForm
from klickit_core.checkout.services import PlacedOrder
from klickit_core.orders.domain import Order, OrderStatus
from klickit_core.payments.fraud import AmountThresholdRule, FraudScreen
from klickit_core.payments.ports import GatewayTimeoutError
from klickit_core.privacy.records import ErasureKey, RequestKind
from klickit_core.privacy.requests import REQUESTS_JOB
from klickit_core.privacy.settings import PrivacySettings
from klickit_core.shared.actors import Actor, Role
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
from klickit_core.shared.money import Money
from klickit_core.shared.sensitive import Secret
from klickit_core.testing import FixedClock, InMemoryOutbox, SequentialIds
from klickit_core.testing.contracts import sql

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
SECRET = b"w" * 32
KEY = ErasureKey.from_text("une clé de registre d'effacement bien assez longue")
STAFF = Actor("manager-1", Role.SHOP_MANAGER)
#: Orders of 50 EUR or more wait for staff: one mug goes through, four are held.
REVIEW_LARGE = FraudScreen([AmountThresholdRule((Money(Decimal("50"), "EUR"),))])
SUCCESS_CARD, TIMEOUT_CARD = "4242424242424242", "4000000000000119"
PASSWORD = Secret("correct horse battery staple")
EMAIL = "camille@example.fr"


class LedgerDownError(Exception):
    """A handler's or subscriber's failure, made on purpose."""


class Heard:
    """Every event the handlers and the subscribers got, in order; each fails on the
    event type it is told to."""

    def __init__(self) -> None:
        self.handled: list[DomainEvent] = []
        self.published: list[DomainEvent] = []
        self.units: list[object] = []
        self.errors: list[tuple[DomainEvent, Exception]] = []
        self.handler_fails_on: type[DomainEvent] | None = None
        self.subscriber_fails_on: type[DomainEvent] | None = None

    def handler(self, event: DomainEvent, uow: ShopUnitOfWork) -> None:
        if self.handler_fails_on is not None and isinstance(event, self.handler_fails_on):
            raise LedgerDownError
        self.handled.append(event)
        self.units.append(uow)

    def subscriber(self, event: DomainEvent) -> None:
        if self.subscriber_fails_on is not None and isinstance(event, self.subscriber_fails_on):
            raise LedgerDownError
        self.published.append(event)

    def on_error(self, event: DomainEvent, error: Exception) -> None:
        self.errors.append((event, error))

    def take(self) -> list[DomainEvent]:
        """What both heard since the last call (they must agree)."""
        assert self.handled == self.published
        taken = list(self.published)
        self.handled.clear()
        self.published.clear()
        return taken


@attrs.define
class Bench:
    shop: Shop
    heard: Heard
    outbox: InMemoryOutbox

    @property
    def gateway(self) -> SandboxGateway:
        return cast("SandboxGateway", self.shop.gateway)

    def token(self, card: str = SUCCESS_CARD) -> str:
        return self.gateway.tokenize(card, 12, 2030, "123")

    def place(self, *, account: bool = False, email: str = EMAIL, mugs: int = 1) -> PlacedOrder:
        form = CheckoutForm(
            first_name="Camille",
            last_name="Dupont",
            email=email,
            phone="06 12 34 56 78",
            billing=AddressForm(country="FR", street="1 rue Sainte-Catherine", postcode="33000",
                                city="Bordeaux"),
            shipping=None,
            accept_terms=True,
            account=AccountForm("camille", PASSWORD) if account else None,
        )  # fmt: skip
        return self.shop.checkout.place_order(
            Actor.visitor(), form, Cart.of({"MUG": mugs}), "colissimo-fr"
        )

    def pay(self, order_id: str, card: str = SUCCESS_CARD) -> Order:
        return self.shop.payments.pay(Actor.visitor(), order_id, self.token(card))

    def last_token(self) -> str:
        return self.outbox.messages[-1].body.split("token=")[1].split()[0]


def _empty(url: str) -> None:
    store = SqlStore.from_url(url)
    try:
        sql.empty(store)
    finally:
        store.close()


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("events") / "shop.db"
    build_shop(f"sqlite:///{path}").close()  # the schema, once for the module
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with sql.postgres_schema_url(sql.postgres_url_or_skip(), "klickit_events") as url:
        build_shop(url).close()
        yield url


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def bench(request: pytest.FixtureRequest) -> Iterator[Bench]:
    url = "memory://"
    if request.param != "memory":
        url = request.getfixturevalue(f"{request.param}_url")
        _empty(url)
    heard, outbox = Heard(), InMemoryOutbox()
    shop = build_shop(
        url,
        clock=FixedClock(NOW),
        ids=SequentialIds("id"),
        mailer=outbox,
        webhook_secrets=[SECRET],
        hasher=Argon2PasswordHasher(OWASP_MINIMUM),
        privacy=PrivacySettings(erasure_key=KEY),
        fraud=REVIEW_LARGE,
        handlers={DomainEvent: [heard.handler]},
        subscribers={DomainEvent: [heard.subscriber]},
        on_subscriber_error=heard.on_error,
    )
    with shop.unit_of_work() as uow:
        uow.products.add(Product("MUG", "Mug", Money(Decimal("14.90"), "EUR"), stock=9))
        uow.commit()
    try:
        yield Bench(shop, heard, outbox)
    finally:
        shop.close()


def test_placing_an_order_records_order_placed(bench: Bench) -> None:
    """CHK-4: one ``OrderPlaced`` with the order's id, number, total; no customer for a
    guest. The handler gets the shop's unit of work, the one the use case opened."""
    placed = bench.place()
    order = placed.order
    assert bench.heard.take() == [
        OrderPlaced(order.id, order.number, None, order.total_minor, "EUR", occurred_at=NOW)
    ]
    (unit,) = bench.heard.units
    assert type(unit) is type(bench.shop.unit_of_work())


def test_an_account_made_at_checkout_records_account_created(bench: Bench) -> None:
    """CHK-4: an account asked for at checkout: ``AccountCreated`` then ``OrderPlaced``
    under that customer, in the order's transaction."""
    placed = bench.place(account=True)
    assert placed.customer_id is not None
    order = placed.order
    assert bench.heard.take() == [
        AccountCreated(placed.customer_id, occurred_at=NOW),
        OrderPlaced(
            order.id, order.number, placed.customer_id, order.total_minor, "EUR", occurred_at=NOW
        ),
    ]


def test_registering_records_account_created(bench: Bench) -> None:
    """CHK-3: a sign-up records ``AccountCreated`` for the new customer, once."""
    details = AccountDetailsForm(first_name="Camille", last_name="Dupont", email=EMAIL)
    customer = bench.shop.accounts.register(details, "camille", PASSWORD)
    assert bench.heard.take() == [AccountCreated(customer.id, occurred_at=NOW)]


def test_paying_records_order_paid_once(bench: Bench) -> None:
    """PAY-3: a captured payment records ``OrderPaid`` with its payment; syncing the
    order again (idempotent) records nothing."""
    placed = bench.place()
    bench.heard.take()
    paid = bench.pay(placed.order.id)
    assert bench.heard.take() == [
        OrderPaid(placed.order.id, placed.payment.id, paid.total_minor, "EUR", occurred_at=NOW)
    ]
    bench.shop.payments.sync(STAFF, placed.order.id)
    assert bench.heard.take() == []


def test_a_webhook_that_pays_records_order_paid(bench: Bench) -> None:
    """PAY-4: the gateway's notification, not the lost direct answer, pays the order:
    ``OrderPaid`` comes from the webhook, once, and a redelivery records nothing."""
    placed = bench.place()
    with pytest.raises(GatewayTimeoutError):
        bench.pay(placed.order.id, card=TIMEOUT_CARD)
    bench.heard.take()
    delivery = bench.gateway.outbox[-1]
    for _ in range(2):
        bench.shop.payments.handle_webhook(delivery.header, delivery.body)
    total = placed.order.total_minor
    assert bench.heard.take() == [
        OrderPaid(placed.order.id, placed.payment.id, total, "EUR", occurred_at=NOW)
    ]


def test_approving_a_held_order_records_order_paid(bench: Bench) -> None:
    """PAY-6: a held order (authorized only) is paid when staff approve it."""
    placed = bench.place(mugs=4)
    bench.heard.take()
    assert bench.pay(placed.order.id).status is OrderStatus.ON_HOLD
    assert bench.heard.take() == []
    approved = bench.shop.payments.approve_held(STAFF, placed.order.id)
    assert bench.heard.take() == [
        OrderPaid(placed.order.id, placed.payment.id, approved.total_minor, "EUR", occurred_at=NOW)
    ]


def test_rejecting_a_held_order_records_order_cancelled(bench: Bench) -> None:
    """PAY-6, ORD-1: a rejected held order is cancelled: ``OrderCancelled``, once."""
    placed = bench.place(mugs=4)
    assert bench.pay(placed.order.id).status is OrderStatus.ON_HOLD
    bench.heard.take()
    for _ in range(2):
        bench.shop.payments.reject_held(STAFF, placed.order.id)
    assert bench.heard.take() == [OrderCancelled(placed.order.id, occurred_at=NOW)]


def test_cancelling_records_order_cancelled(bench: Bench) -> None:
    """ORD-1: a customer or staff cancellation records ``OrderCancelled``."""
    placed = bench.place()
    bench.heard.take()
    bench.shop.orders.cancel(STAFF, placed.order.id, "doublon")
    assert bench.heard.take() == [OrderCancelled(placed.order.id, occurred_at=NOW)]


def test_completing_records_order_shipped_and_refunding_order_refunded(bench: Bench) -> None:
    """ORD-2, PAY-5: completing a paid order records ``OrderShipped``; each refund
    records ``OrderRefunded`` with that refund's amount."""
    placed = bench.place()
    paid = bench.pay(placed.order.id)
    bench.heard.take()
    bench.shop.orders.complete(STAFF, placed.order.id)
    assert bench.heard.take() == [OrderShipped(placed.order.id, occurred_at=NOW)]
    bench.shop.payments.refund(STAFF, placed.order.id, 500)
    rest = paid.total_minor - 500
    bench.shop.payments.refund(STAFF, placed.order.id, rest)
    assert bench.heard.take() == [
        OrderRefunded(placed.order.id, 500, "EUR", occurred_at=NOW),
        OrderRefunded(placed.order.id, rest, "EUR", occurred_at=NOW),
    ]


def test_a_password_reset_records_password_changed(bench: Bench) -> None:
    """SEC-3: asking for a link records nothing; using it records ``PasswordChanged``."""
    placed = bench.place(account=True)
    bench.heard.take()
    bench.shop.accounts.request_password_reset(EMAIL)
    assert bench.heard.take() == []
    bench.shop.accounts.reset_password(bench.last_token(), Secret("another horse battery staple"))
    assert bench.heard.take() == [PasswordChanged(cast("str", placed.customer_id), occurred_at=NOW)]


def test_an_answered_access_request_records_data_export_ready(bench: Bench) -> None:
    """PRV-3: the bundle stored and its link issued: ``DataExportReady`` for the request."""
    bench.place(account=True)
    bench.shop.privacy.open_request(Actor.visitor(), kind=RequestKind.ACCESS, email=EMAIL)
    bench.heard.take()
    outcome = bench.shop.privacy.confirm_export(bench.last_token())
    assert bench.heard.take() == [DataExportReady(outcome.request.id, occurred_at=NOW)]


def test_an_erasure_records_erasure_done(bench: Bench) -> None:
    """PRV-4: an erasure request answered records ``ErasureDone`` with the request's id
    and the counts; an operator's erasure too, with its own reference."""
    bench.place(account=True)
    bench.shop.privacy.open_request(Actor.visitor(), kind=RequestKind.ERASURE, email=EMAIL)
    bench.heard.take()
    outcome = bench.shop.privacy.confirm_erasure(bench.last_token())
    report = outcome.erasure
    assert report is not None
    assert report.changed
    assert bench.heard.take() == [
        ErasureDone(outcome.request.id, report.deleted, report.anonymised, occurred_at=NOW)
    ]
    bench.place(email="bob@example.com")
    bench.heard.take()
    manual = bench.shop.privacy.erase(Actor.system(REQUESTS_JOB), "bob@example.com")
    assert bench.heard.take() == [
        ErasureDone(manual.reference, manual.deleted, manual.anonymised, occurred_at=NOW)
    ]


def test_a_failing_handler_leaves_no_order(bench: Bench) -> None:
    """CHK-4, decision 0014: a handler that fails rolls the order back with it: no order,
    no payment, no account, the stock untouched; the error reaches the caller and no
    subscriber hears anything."""
    bench.heard.handler_fails_on = OrderPlaced
    with pytest.raises(LedgerDownError):
        bench.place(account=True)
    assert bench.heard.published == []
    with bench.shop.unit_of_work() as uow:
        assert uow.orders.list() == []
        assert uow.customers.by_email(EMAIL) is None
        mug = uow.products.get("MUG")
        assert mug is not None
        assert mug.stock == 9


def test_a_failing_subscriber_leaves_the_order_placed(bench: Bench) -> None:
    """CHK-4, decision 0014: a subscriber that fails after the commit changes nothing for
    the shopper: the order is placed and returned; the failure is reported."""
    bench.heard.subscriber_fails_on = OrderPlaced
    placed = bench.place()
    ((event, error),) = bench.heard.errors
    assert event == OrderPlaced(
        placed.order.id, placed.order.number, None, placed.order.total_minor, "EUR",
        occurred_at=NOW,
    )  # fmt: skip
    assert isinstance(error, LedgerDownError)
    with bench.shop.unit_of_work() as uow:
        assert uow.orders.get(placed.order.id) == placed.order
