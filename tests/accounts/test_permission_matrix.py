"""X-6, SEC-5, PRV-3 (issue #18): the authorization matrix, run as a whole.

Every public use case of the service modules has a row in the one table
(``shared/authorization.py``); a new one without a row fails here. Every use case that
takes an actor is then called as every kind of actor — an anonymous visitor, the customer
who owns the data, another customer, a shop manager, an administrator, a system job — on
the owner's records and, where ownership is at stake, on a guest's, on memory, SQLite and
PostgreSQL. The expected answer of each cell is computed from ``USE_CASES`` and
``ROLE_PERMISSIONS``, never written by hand. A refused cell raises the typed error (the
not-found error where the rule hides ids) and writes nothing; an allowed staff call on the
owner's records writes the access log, and the owner's own export lists every such entry.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from klickit_core.accounts import lost_credentials as recovery
from klickit_core.accounts import reset
from klickit_core.accounts import services as accounts
from klickit_core.accounts.domain import Customer
from klickit_core.accounts.security import SecuritySettings
from klickit_core.adapters.export import HtmlBundleRenderer
from klickit_core.adapters.gateways import SandboxGateway
from klickit_core.adapters.memory import InMemoryOutbox, MemoryStore
from klickit_core.bootstrap import default_privacy_registry
from klickit_core.cart import services as carts
from klickit_core.cart.domain import Cart, PricingRules
from klickit_core.catalogue import services as catalogue
from klickit_core.catalogue.domain import Product, Review
from klickit_core.checkout import services as checkout
from klickit_core.checkout.domain import AccountDetailsForm, AddressForm, CheckoutForm
from klickit_core.consents import services as consents
from klickit_core.consents.domain import ConsentRecord
from klickit_core.orders import services as orders
from klickit_core.orders.domain import (
    Contact,
    Order,
    OrderLine,
    OrderStatus,
    SupportKind,
    SupportRequest,
    VatSnapshot,
)
from klickit_core.payments import services as payments
from klickit_core.payments.domain import (
    Payment,
    PaymentRequest,
    PaymentStatus,
    WebhookEvent,
    new_idempotency_key,
)
from klickit_core.payments.fraud import FraudScreen
from klickit_core.personal_data import DataSubject
from klickit_core.privacy import erasure, export, ledger, requests, sweep
from klickit_core.privacy.records import (
    ErasureKey,
    ExtensionReason,
    PrivacyRequest,
    RequestChannel,
    RequestKind,
    RequestStatus,
)
from klickit_core.privacy.settings import PrivacySettings
from klickit_core.sessions import services as sessions
from klickit_core.sessions.domain import VisitorSession
from klickit_core.shared.access_log import AccessLogEntry
from klickit_core.shared.actors import ROLE_PERMISSIONS, Actor, Role
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.authorization import SERVICE_MODULES, USE_CASES, Rule
from klickit_core.shared.errors import NotFoundError, PermissionDeniedError
from klickit_core.shared.money import Money
from klickit_core.shared.security_events import SecurityEvent, SecurityEventKind
from klickit_core.shared.vat import FRANCE_VAT
from klickit_core.shipping.presets import french_shipping_table
from klickit_core.testing import FixedClock, SequentialIds
from klickit_core.testing.contracts import sql

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
OWNER, OTHER = "cust-owner", "cust-other"
OWNER_EMAIL, OTHER_EMAIL = "camille@example.fr", "bob@example.fr"
KEY = ErasureKey.from_text("k" * 40)
SECURITY = SecuritySettings(base_url="https://boutique.example.fr")
PRIVACY = PrivacySettings(erasure_key=KEY)
HOME = PostalAddress("FR", "33000", "Bordeaux", ("1 rue Sainte-Catherine",))
JOB = checkout.PAYMENTS_JOB

#: The kinds of actor of the audit: one per role, and the customer who owns the data.
ACTORS: dict[str, Actor] = {
    "visitor": Actor.visitor(),
    "owner": Actor("owner-login", Role.CUSTOMER, customer_id=OWNER),
    "other_customer": Actor("other-login", Role.CUSTOMER, customer_id=OTHER),
    "shop_manager": Actor("manager-1", Role.SHOP_MANAGER),
    "administrator": Actor("admin-1", Role.ADMINISTRATOR),
    "system": Actor.system("nightly"),
}
#: Whose record a cell acts on: the owner's, or a guest's (no account owns it).
OWNERS_RECORD, GUESTS_RECORD = "owner's", "guest's"


# ---------------------------------------------------------------------------- the world
@attrs.define
class World:
    """A shop holding the owner's account, orders (pending, paid, held for review), a
    support request, a review, a consent, a lost-credentials request, a confirmed access
    request and a security event; another customer's account; a guest's pending order."""

    opener: Callable[[], Any]
    clock: FixedClock = attrs.field(factory=lambda: FixedClock(NOW))
    ids: SequentialIds = attrs.field(factory=lambda: SequentialIds("m"))
    outbox: InMemoryOutbox = attrs.field(factory=InMemoryOutbox)
    gateway: SandboxGateway = attrs.field(init=False)
    recovery_id: str = ""

    def __attrs_post_init__(self) -> None:
        self.gateway = SandboxGateway(b"w" * 32, self.clock)

    @property
    def bound(self) -> Any:
        return default_privacy_registry().bind(PRIVACY.schedule)

    def uow(self) -> Any:
        return self.opener()

    @property
    def owner_keys(self) -> set[str]:
        """Every id the access log may name the owner by."""
        return {
            OWNER, "o-pending", "o-paid", "o-held", "r-1", "k-1", "pr-1", self.recovery_id,
        }  # fmt: skip


def _order(order_id: str, customer_id: str | None, email: str = OWNER_EMAIL) -> Order:
    return Order(
        id=order_id,
        number=f"KL-2026-{order_id}",
        currency="EUR",
        contact=Contact("Camille", "Martin", email, "+33612345678"),
        billing_address=HOME,
        shipping_address=HOME,
        lines=(OrderLine("MUG", "Mug", 1, 1490, 1490, "20"),),
        vat=(VatSnapshot("20", 1490, 248),),
        shipping_method=None,
        shipping_minor=0,
        total_minor=1490,
        placed_at=NOW - timedelta(hours=1),
        customer_id=customer_id,
    )


def _payment(payment_id: str, order_id: str) -> Payment:
    at = NOW - timedelta(hours=1)
    return Payment(payment_id, order_id, "sandbox", 1490, "EUR", at, at, new_idempotency_key())


def _request(payment: Payment) -> PaymentRequest:
    return PaymentRequest.for_payment(
        payment, name="Camille Martin", email=OWNER_EMAIL, address="1 rue Sainte-Catherine",
        phone="+33612345678", city="Bordeaux", state="", postcode="33000",
    )  # fmt: skip


def _card(world: World) -> str:
    return world.gateway.tokenize("4242424242424242", 12, 2030, "123")


def build_world(opener: Callable[[], Any]) -> World:
    world = World(opener)
    at = NOW - timedelta(hours=1)
    with world.uow() as uow:
        uow.products.add(Product("MUG", "Mug", Money.of("14.90", "EUR"), stock=10))
        for customer_id, email, username in ((OWNER, OWNER_EMAIL, "camille"),
                                             (OTHER, OTHER_EMAIL, "bob")):  # fmt: skip
            uow.customers.add(
                Customer(customer_id, email, "Camille", "Martin", at, at, username=username)
            )
            uow.credentials.set_password_hash(customer_id, "$argon2id$v=19$not-a-real-hash")
        for order in (
            _order("o-pending", OWNER),
            _order("o-paid", OWNER),
            _order("o-held", OWNER),
            _order("o-guest", None, "guest@example.org"),
        ):
            uow.orders.add(order)
            uow.payments.add(_payment(f"p-{order.id[2:]}", order.id))
        uow.support_requests.add(
            SupportRequest("s-1", "o-paid", SupportKind.TRACKING, "Où est-il ?", at, OWNER)
        )
        uow.reviews.add(Review("r-1", "MUG", 5, "Très joli", "Camille", OWNER_EMAIL, at, OWNER))
        uow.consents.add(
            ConsentRecord("k-1", OWNER_EMAIL, "newsletter", "nl-1", True, at, "account", OWNER)
        )
        uow.privacy_requests.add(
            PrivacyRequest(
                "pr-1", RequestKind.ACCESS, RequestChannel.ACCOUNT, OWNER_EMAIL, "fr", at,
                NOW.date() + timedelta(days=30), NOW + timedelta(days=7), OWNER,
                status=RequestStatus.CONFIRMED, confirmed_at=at,
            )
        )  # fmt: skip
        uow.security_events.add(
            SecurityEvent("ev-1", SecurityEventKind.PASSWORD_RESET, at, customer_id=OWNER)
        )
        uow.sessions.add(VisitorSession("sess-1", NOW, NOW))
        uow.commit()
    with world.uow() as uow:
        paid, held = uow.payments.get("p-paid"), uow.payments.get("p-held")
    card = _card(world)
    payments.charge_payment(
        world.uow(), world.clock, world.gateway, JOB, paid.id, _request(paid), card
    )
    payments.authorize_payment(
        world.uow(), world.clock, world.gateway, JOB, held.id, _request(held), _card(world)
    )
    for order_id in ("o-paid", "o-held"):
        checkout.sync_order(world.uow(), world.clock, world.ids, JOB, order_id)
    lost = recovery.open_lost_credentials_request(
        world.uow(), world.clock, world.ids, Actor.visitor(),
        name="Camille Martin", email=OWNER_EMAIL, message="Je n'ai plus accès à mon compte.",
    )  # fmt: skip
    world.recovery_id = lost.id
    world.clock.advance(timedelta(minutes=5))
    return world


# ---------------------------------------------------------------------------- the recipes
@attrs.frozen
class UseCase:
    """How to call a use case as ``actor`` on a target, and whose record it is."""

    name: str
    call: Callable[[World, Actor, str], object]
    #: The targets of its cells: the owner's record, and a guest's where ownership counts.
    targets: tuple[str, ...] = (OWNERS_RECORD,)
    #: Whose record the table sees: the target's owner, or (``self``) the actor's own.
    self_only: bool = False
    #: An allowed staff call reads the owner's data: the access log must say so.
    reads: bool = False
    #: The call erases the owner: there is no export to check afterwards.
    erases: bool = False


def _in_transaction(world: World, step: Callable[[Any], object]) -> object:
    with world.uow() as uow:
        result = step(uow)
        uow.commit()
    return result


def _order_of(target: str, owner_order: str = "o-pending") -> str:
    return owner_order if target == OWNERS_RECORD else "o-guest"


def _move(world: World, actor: Actor, target: str) -> object:
    def step(uow: Any) -> object:
        order = uow.orders.get(_order_of(target))
        return orders.move_order(uow, world.clock, world.ids, actor, order, OrderStatus.CANCELLED)

    return _in_transaction(world, step)


def _pay(world: World, actor: Actor, target: str) -> object:
    return checkout.pay_order(
        world.uow(), world.clock, world.ids, world.gateway, FraudScreen([]), actor,
        _order_of(target), _card(world),
    )  # fmt: skip


def _charge(world: World, actor: Actor, step: Callable[..., Payment]) -> object:
    with world.uow() as uow:
        payment = uow.payments.get("p-pending")
    return step(world.uow(), world.clock, world.gateway, actor, payment.id, _request(payment),
                _card(world))  # fmt: skip


def _webhook(world: World, actor: Actor, _target: str) -> object:
    event = WebhookEvent(
        "evt-1", "payment.captured", "p-pending", "ref-1", PaymentStatus.CAPTURED, 1490, "EUR",
        NOW,
    )  # fmt: skip
    return payments.apply_webhook(world.uow(), actor, event, NOW)


def _checkout_form() -> CheckoutForm:
    return CheckoutForm(
        first_name="Alice", last_name="Martin", email="alice@example.fr",
        phone="06 12 34 56 78", billing=AddressForm("FR", "2 rue Vital Carles", "33000",
        "Bordeaux"), accept_terms=True,    )  # fmt: skip


def _place(world: World, actor: Actor, _target: str) -> object:
    return checkout.place_order(
        world.uow(), world.clock, world.ids, None,  # type: ignore[arg-type] - no account made
        actor=actor, form=_checkout_form(), cart=Cart.of({"MUG": 1}),
        rules=PricingRules(FRANCE_VAT), shipping_table=french_shipping_table(),
        shipping_method="colissimo-fr", provider_id=world.gateway.provider_id,
    )  # fmt: skip


def _subject() -> DataSubject:
    return DataSubject(OWNER_EMAIL, OWNER)


def _ledger_line() -> Any:
    """A ledger entry from another store's copy (someone this shop does not hold)."""
    gone = DataSubject("gone@example.org")
    return ledger.ledger_entry(KEY, gone, at=NOW, entry_id="led-1", reference="ref-1")


def _answer_args(world: World) -> tuple[Any, ...]:
    return (
        world.opener, world.clock, world.ids, world.outbox, PRIVACY, SECURITY.links,
        world.bound, HtmlBundleRenderer(),
    )  # fmt: skip


BOTH = (OWNERS_RECORD, GUESTS_RECORD)
W, A, T = World, Actor, str

RECIPES: list[UseCase] = [
    # accounts
    UseCase(
        "accounts.services.access_log_entries",
        lambda w, a, t: accounts.access_log_entries(w.uow(), a),
    ),
    UseCase(
        "accounts.services.find_customer",
        lambda w, a, t: accounts.find_customer(w.uow(), w.clock, w.ids, a, "camille"),
        reads=True,
    ),
    UseCase(
        "accounts.services.get_customer",
        lambda w, a, t: accounts.get_customer(w.uow(), w.clock, w.ids, a, OWNER),
        reads=True,
    ),
    UseCase(
        "accounts.services.security_events",
        lambda w, a, t: accounts.security_events(w.uow(), a, clock=w.clock, ids=w.ids),
        reads=True,
    ),
    UseCase(
        "accounts.services.update_details",
        lambda w, a, t: accounts.update_details(
            w.uow(),
            w.clock,
            a,
            OWNER,
            accounts.AccountDetails(OWNER_EMAIL, "Camille", "Martin-Dupont"),
            ids=w.ids,
        ),
        reads=True,
    ),
    UseCase(
        "accounts.reset.new_reset_link",
        lambda w, a, t: _in_transaction(
            w, lambda uow: reset.new_reset_link(uow, w.clock, SECURITY, a, OWNER, ids=w.ids)
        ),
        reads=True,
    ),
    UseCase(
        "accounts.lost_credentials.open_lost_credentials_request",
        lambda w, a, t: recovery.open_lost_credentials_request(
            w.uow(), w.clock, w.ids, a, name="Camille", email=OWNER_EMAIL, message="Perdu"
        ),
    ),
    UseCase(
        "accounts.lost_credentials.lost_credentials_requests",
        lambda w, a, t: recovery.lost_credentials_requests(w.uow(), w.clock, w.ids, a),
        reads=True,
    ),
    UseCase(
        "accounts.lost_credentials.get_lost_credentials_request",
        lambda w, a, t: recovery.get_lost_credentials_request(
            w.uow(), w.clock, w.ids, a, w.recovery_id
        ),
        reads=True,
    ),
    UseCase(
        "accounts.lost_credentials.resolve_lost_credentials_request",
        lambda w, a, t: recovery.resolve_lost_credentials_request(
            w.uow(), w.clock, w.ids, w.outbox, SECURITY, a, w.recovery_id, OWNER
        ),
        reads=True,
    ),
    UseCase(
        "accounts.lost_credentials.reject_lost_credentials_request",
        lambda w, a, t: recovery.reject_lost_credentials_request(
            w.uow(), w.clock, a, w.recovery_id, ids=w.ids
        ),
        reads=True,
    ),
    # cart
    UseCase(
        "cart.services.merge_at_login",
        lambda w, a, t: carts.merge_at_login(w.uow(), a, Cart.of({"MUG": 1}), w.clock.now()),
        self_only=True,
    ),
    # catalogue
    UseCase(
        "catalogue.services.add_product",
        lambda w, a, t: catalogue.add_product(
            w.uow(), a, Product("TEA", "Thé", Money.of("6.50", "EUR"), stock=3)
        ),
    ),
    UseCase(
        "catalogue.services.update_product",
        lambda w, a, t: catalogue.update_product(
            w.uow(), a, Product("MUG", "Mug", Money.of("12.90", "EUR"), stock=10)
        ),
    ),
    UseCase(
        "catalogue.services.submit_review",
        lambda w, a, t: catalogue.submit_review(
            w.uow(),
            a,
            w.clock,
            w.ids,
            sku="MUG",
            rating=4,
            text="Bien",
            author_name="Camille",
            author_email=OWNER_EMAIL,
        ),
    ),
    UseCase(
        "catalogue.services.moderation_queue",
        lambda w, a, t: catalogue.moderation_queue(w.uow(), a, clock=w.clock, ids=w.ids),
        reads=True,
    ),
    UseCase(
        "catalogue.services.moderate_review",
        lambda w, a, t: catalogue.moderate_review(
            w.uow(), a, w.clock, "r-1", approve=True, ids=w.ids
        ),
        reads=True,
    ),
    # checkout
    UseCase(
        "checkout.services.prefill_checkout",
        lambda w, a, t: checkout.prefill_checkout(w.uow(), a, session_id="sess-1"),
        self_only=True,
    ),
    UseCase("checkout.services.place_order", _place, self_only=True),
    UseCase(
        "checkout.services.edit_account_details",
        lambda w, a, t: checkout.edit_account_details(
            w.uow(), w.clock, a, OWNER, AccountDetailsForm("Camille", "Martin", OWNER_EMAIL)
        ),
        reads=True,
    ),
    UseCase("checkout.services.pay_order", _pay, targets=BOTH),
    UseCase(
        "checkout.services.approve_held_order",
        lambda w, a, t: checkout.approve_held_order(
            w.uow(), w.clock, w.ids, w.gateway, a, "o-held"
        ),
        reads=True,
    ),
    UseCase(
        "checkout.services.reject_held_order",
        lambda w, a, t: checkout.reject_held_order(w.uow(), w.clock, w.ids, w.gateway, a, "o-held"),
        reads=True,
    ),
    UseCase(
        "checkout.services.refund_order",
        lambda w, a, t: checkout.refund_order(w.uow(), w.clock, w.ids, w.gateway, a, "o-paid", 100),
        reads=True,
    ),
    UseCase(
        "checkout.services.sync_order",
        lambda w, a, t: checkout.sync_order(w.uow(), w.clock, w.ids, a, "o-paid"),
        reads=True,
    ),
    # consents
    UseCase(
        "consents.services.current_consents",
        lambda w, a, t: consents.current_consents(w.uow(), w.clock, w.ids, a, OWNER_EMAIL),
        reads=True,
    ),
    UseCase(
        "consents.services.withdraw_consent",
        lambda w, a, t: consents.withdraw_consent(
            w.uow(), w.clock, w.ids, a, OWNER_EMAIL, "newsletter"
        ),
        reads=True,
    ),
    # orders
    UseCase(
        "orders.services.get_order",
        lambda w, a, t: orders.get_order(w.uow(), w.clock, w.ids, a, _order_of(t, "o-paid")),
        targets=BOTH,
        reads=True,
    ),
    UseCase(
        "orders.services.list_orders",
        lambda w, a, t: orders.list_orders(w.uow(), w.clock, w.ids, a),
        self_only=True,
        reads=True,
    ),
    UseCase(
        "orders.services.cancel_order",
        lambda w, a, t: orders.cancel_order(w.uow(), w.clock, w.ids, a, _order_of(t)),
        targets=BOTH,
        reads=True,
    ),
    UseCase(
        "orders.services.complete_order",
        lambda w, a, t: orders.complete_order(w.uow(), w.clock, w.ids, a, "o-paid"),
        reads=True,
    ),
    UseCase("orders.services.move_order", _move, targets=BOTH),
    UseCase(
        "orders.services.open_support_request",
        lambda w, a, t: orders.open_support_request(
            w.uow(), w.clock, w.ids, a, _order_of(t, "o-paid"), SupportKind.REFUND, "Bonjour"
        ),
        targets=BOTH,
        reads=True,
    ),
    UseCase(
        "orders.services.support_requests",
        lambda w, a, t: orders.support_requests(w.uow(), w.clock, w.ids, a, _order_of(t, "o-paid")),
        targets=BOTH,
        reads=True,
    ),
    UseCase(
        "orders.services.close_support_request",
        lambda w, a, t: orders.close_support_request(w.uow(), w.clock, a, "s-1", ids=w.ids),
        reads=True,
    ),
    # payments: steps the checkout runs as its payment job
    UseCase(
        "payments.services.start_payment",
        lambda w, a, t: payments.start_payment(
            w.uow(),
            w.clock,
            w.ids,
            a,
            order_id="o-pending",
            provider_id="sandbox",
            amount_minor=1490,
            currency="EUR",
        ),
    ),
    UseCase(
        "payments.services.charge_payment",
        lambda w, a, t: _charge(w, a, payments.charge_payment),
    ),
    UseCase(
        "payments.services.authorize_payment",
        lambda w, a, t: _charge(w, a, payments.authorize_payment),
    ),
    UseCase(
        "payments.services.capture_payment",
        lambda w, a, t: payments.capture_payment(w.uow(), w.clock, w.gateway, a, "p-held"),
    ),
    UseCase(
        "payments.services.void_payment",
        lambda w, a, t: payments.void_payment(w.uow(), w.clock, w.gateway, a, "p-held"),
    ),
    UseCase(
        "payments.services.refund_payment",
        lambda w, a, t: payments.refund_payment(
            w.uow(), w.clock, w.ids, w.gateway, a, "p-paid", 100
        ),
    ),
    UseCase("payments.services.apply_webhook", _webhook),
    # sessions
    UseCase(
        "sessions.services.sign_in_session",
        lambda w, a, t: sessions.sign_in_session(w.uow(), w.clock, "sess-1", a),
        self_only=True,
    ),
    # privacy
    UseCase(
        "privacy.export.export_subject",
        lambda w, a, t: export.export_subject(w.bound, w.uow(), a, _subject(), now=NOW, ids=w.ids),
        reads=True,
    ),
    UseCase(
        "privacy.export.export_own_data",
        lambda w, a, t: export.export_own_data(w.bound, w.uow(), a, now=NOW, ids=w.ids),
        self_only=True,
    ),
    UseCase(
        "privacy.erasure.erase_subject",
        lambda w, a, t: erasure.erase_subject(w.bound, w.uow(), a, _subject(), now=NOW, ids=w.ids),
        erases=True,
    ),
    UseCase(
        "privacy.ledger.erase_and_record",
        lambda w, a, t: ledger.erase_and_record(
            w.bound, w.uow(), a, _subject(), key=KEY, now=NOW, ids=w.ids
        ),
        erases=True,
    ),
    UseCase(
        "privacy.ledger.export_ledger",
        lambda w, a, t: list(ledger.export_ledger(w.opener, a)),
    ),
    UseCase(
        "privacy.ledger.import_ledger",
        lambda w, a, t: ledger.import_ledger(w.opener, a, [_ledger_line()]),
    ),
    UseCase(
        "privacy.ledger.reapply_erasures",
        lambda w, a, t: ledger.reapply_erasures(w.bound, w.opener, a, key=KEY, now=NOW, ids=w.ids),
    ),
    UseCase(
        "privacy.requests.open_request",
        lambda w, a, t: requests.open_request(
            w.uow(),
            w.clock,
            w.ids,
            w.outbox,
            PRIVACY,
            SECURITY.links,
            a,
            kind="access",
            email=OWNER_EMAIL,
        ),
    ),
    UseCase(
        "privacy.requests.answer_request",
        lambda w, a, t: requests.answer_request(*_answer_args(w), a, "pr-1"),
    ),
    UseCase(
        "privacy.requests.answer_confirmed_requests",
        lambda w, a, t: requests.answer_confirmed_requests(*_answer_args(w), a),
    ),
    UseCase(
        "privacy.requests.list_requests",
        lambda w, a, t: requests.list_requests(w.uow(), w.clock, w.ids, a),
        reads=True,
    ),
    UseCase(
        "privacy.requests.get_request",
        lambda w, a, t: requests.get_request(w.uow(), w.clock, w.ids, a, "pr-1"),
        reads=True,
    ),
    UseCase(
        "privacy.requests.extend_request",
        lambda w, a, t: requests.extend_request(
            w.uow(), w.clock, w.ids, w.outbox, PRIVACY, a, "pr-1", ExtensionReason.COMPLEXITY
        ),
        reads=True,
    ),
    UseCase(
        "privacy.requests.operator_export",
        lambda w, a, t: requests.operator_export(
            w.opener, w.clock, w.ids, w.bound, HtmlBundleRenderer(), a, OWNER_EMAIL
        ),
        reads=True,
    ),
    UseCase(
        "privacy.requests.operator_erase",
        lambda w, a, t: requests.operator_erase(
            w.opener, w.clock, w.ids, PRIVACY, w.bound, a, OWNER_EMAIL
        ),
        erases=True,
    ),
    UseCase(
        "privacy.sweep.run_sweep",
        lambda w, a, t: sweep.run_sweep(w.bound, w.opener, a, now=NOW, ids=w.ids),
    ),
]
BY_NAME = {case.name: case for case in RECIPES}


def allowed(rule: Rule, actor: Actor, owner: str | None) -> bool:
    """The table's answer, read straight from ``ROLE_PERMISSIONS`` and the rule."""
    holds = ROLE_PERMISSIONS[actor.role]
    if rule.any_of & holds:
        return True
    if rule.own in holds and owner is not None and actor.customer_id == owner:
        return True
    if rule.guests and owner is None:
        return True
    return rule.proof is not None


def _owner(case: UseCase, actor: Actor, target: str) -> str | None:
    if case.self_only:
        return actor.customer_id
    return OWNER if target == OWNERS_RECORD else None


CELLS = [(case, kind, target) for case in RECIPES for kind in ACTORS for target in case.targets]


# ---------------------------------------------------------------------------- backends
@attrs.define
class Backend:
    """Fresh, empty stores for one backend: a new memory store, or an emptied SQL one."""

    name: str
    sql_store: Any = None
    memory: MemoryStore | None = None

    def fresh(self) -> Callable[[], Any]:
        if self.sql_store is None:
            self.memory = MemoryStore()
            return self.memory.unit_of_work
        sql.empty(self.sql_store)
        return self.sql_store.unit_of_work  # type: ignore[no-any-return]

    def snapshot(self) -> dict[str, Any]:
        """Every row of every table, to show that a refused call wrote nothing."""
        if self.memory is not None and self.sql_store is None:
            return {name: dict(rows) for name, rows in self.memory.tables.items()}
        from sqlalchemy import select

        from klickit_core.adapters.sql.tables import metadata

        with self.sql_store.engine.connect() as connection:
            return {
                table.name: sorted(map(repr, connection.execute(select(table)).all()))
                for table in metadata.sorted_tables
            }


@pytest.fixture(scope="module")
def backends(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The SQL stores, made once for the module (emptied before each cell)."""
    made: dict[str, Any] = {}
    with sql.sqlite_store(Path(tmp_path_factory.mktemp("matrix")) / "shop.db") as store:
        made["sqlite"] = store
        yield made


@pytest.fixture(scope="module")
def postgres_store() -> Iterator[Any]:
    """A scratch PostgreSQL schema for the module (emptied before each cell)."""
    with sql.postgres_store(sql.postgres_url_or_skip(), prefix="klickit_matrix") as store:
        yield store


@pytest.fixture
def backend(request: pytest.FixtureRequest, backends: dict[str, Any]) -> Backend:
    name = request.param
    if name == "memory":
        return Backend(name)
    if name == "sqlite":
        return Backend(name, backends["sqlite"])
    return Backend(name, request.getfixturevalue("postgres_store"))


BACKENDS = ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


# ---------------------------------------------------------------------------- the tests
def _public_functions() -> set[str]:
    """The functions a service module defines without a leading underscore: the use cases
    the application services call (decision 0014 took them out of ``__all__``, the
    public API, but not out of the table)."""
    found = set()
    for module_name in SERVICE_MODULES:
        module = importlib.import_module(f"klickit_core.{module_name}")
        for name, value in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(value):
                continue
            if value.__module__ == module.__name__:
                found.add(f"{module_name}.{name}")
    return found


def test_every_public_use_case_has_a_row_and_no_row_is_stale() -> None:
    """X-6, SEC-5: the table names exactly the use-case functions of the service modules,
    so a new use case without a row fails here."""
    assert _public_functions() == set(USE_CASES)


def test_a_use_case_takes_an_actor_exactly_when_its_row_says_so() -> None:
    """X-6: a row that needs an actor is a function that takes one (and is in the matrix
    below); an open row takes none, or takes one only to file what it writes."""
    for name, rule in USE_CASES.items():
        module_name, function = name.rsplit(".", 1)
        module = importlib.import_module(f"klickit_core.{module_name}")
        parameters = inspect.signature(getattr(module, function)).parameters
        assert ("actor" in parameters) is rule.needs_actor, name
    assert set(BY_NAME) == {name for name, rule in USE_CASES.items() if rule.needs_actor}


def test_the_matrix_covers_every_role() -> None:
    """A new role must be added to the actor kinds above (and so to every cell)."""
    assert {actor.role for actor in ACTORS.values()} == set(Role)


def _staff_entries(world: World, actor: Actor) -> list[AccessLogEntry]:
    with world.uow() as uow:
        return [
            entry
            for entry in uow.access_log.entries(actor_id=actor.id)
            if entry.subject in world.owner_keys
        ]


def _exported_reads(world: World) -> list[tuple[str, str, datetime]]:
    bundle = export.export_own_data(world.bound, world.uow(), ACTORS["owner"], now=NOW,
                                    ids=SequentialIds("x"))  # fmt: skip
    found = []
    for section in bundle.sections:
        if section.category_id != "staff.access_log":
            continue
        for record in section.records:
            values = {field.key: field.value for field in record.fields}
            found.append((str(values["staff"]), str(values["action"]), values["at"]))
    return sorted(found, key=repr)


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
@pytest.mark.parametrize(
    ("case", "kind", "target"),
    CELLS,
    ids=[f"{case.name}-{kind}-{target[:-2]}" for case, kind, target in CELLS],
)
def test_the_permission_matrix(backend: Backend, case: UseCase, kind: str, target: str) -> None:
    """X-6, SEC-5, PRV-3: allowed cells run; refused ones raise the typed error (not found
    where the rule hides ids) and write nothing; an allowed staff call on the owner's data
    is in the access log, and the owner's own export lists it."""
    world = build_world(backend.fresh())
    actor = ACTORS[kind]
    rule = USE_CASES[case.name]
    if not allowed(rule, actor, _owner(case, actor, target)):
        before = backend.snapshot()
        with pytest.raises(NotFoundError if rule.hides else PermissionDeniedError):
            case.call(world, actor, target)
        assert backend.snapshot() == before
        return
    logged_before = _staff_entries(world, actor) if actor.is_staff else []
    case.call(world, actor, target)
    if not actor.is_staff or case.erases:
        return
    written = _staff_entries(world, actor)
    if case.reads and target == OWNERS_RECORD:
        assert len(written) > len(logged_before), "a staff read of the owner's data is logged"
    staff_reads = sorted(((e.actor_id, e.action, e.at) for e in written), key=repr)
    assert [read for read in _exported_reads(world) if read[0] == actor.id] == staff_reads
