"""CHK-1 … CHK-4, PAY-3, PAY-4, PAY-6, X-9: placing and paying orders end to end."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from klickit_core.adapters.gateways import SandboxGateway
from klickit_core.adapters.memory import MemoryStore
from klickit_core.cart.domain import Cart
from klickit_core.catalogue.domain import StockReason
from klickit_core.checkout import services as checkout
from klickit_core.checkout.domain import AccountForm
from klickit_core.consents.domain import TERMS_OF_SALE
from klickit_core.orders.domain import OrderStatus
from klickit_core.orders.ports import OrderNotFoundError
from klickit_core.payments.domain import InvalidPaymentDataError, PaymentStatus
from klickit_core.payments.fraud import (
    AmountThresholdRule,
    CountryMismatchRule,
    FraudScreen,
    default_fraud_screen,
)
from klickit_core.payments.ports import GatewayTimeoutError
from klickit_core.payments.webhooks import WebhookVerifier
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import PermissionDeniedError, ValidationError
from klickit_core.shared.sensitive import Secret
from klickit_core.testing import FixedClock, SequentialIds

from .conftest import (
    DECLINE_CARD,
    HASHER,
    INSUFFICIENT_CARD,
    RULES,
    SHIPPING,
    TIMEOUT_CARD,
    WEBHOOK_SECRET,
    token,
    valid_form,
)

STAFF = Actor("manager-1", Role.SHOP_MANAGER)
NO_FRAUD_RULES = FraudScreen([])


def place(store: MemoryStore, clock: FixedClock, ids: SequentialIds, **overrides: object):  # type: ignore[no-untyped-def]
    options: dict[str, object] = {
        "actor": Actor.visitor(),
        "form": valid_form(),
        "cart": Cart.of({"MUG": 2, "TEA": 1}),
        "rules": RULES,
        "shipping_table": SHIPPING,
        "shipping_method": "colissimo-fr",
        "provider_id": "sandbox",
        "ip_address": "203.0.113.7",
    }
    options.update(overrides)
    return checkout.place_order(store.unit_of_work(), clock, ids, HASHER, **options)  # type: ignore[arg-type]


def snapshot(store: MemoryStore) -> dict[str, dict[object, object]]:
    return {name: dict(rows) for name, rows in store.tables.items()}


def stock(store: MemoryStore, sku: str) -> int | None:
    with store.unit_of_work() as uow:
        product = uow.products.get(sku)
        assert product is not None
        return product.stock


def test_placing_an_order_snapshots_everything_atomically(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CHK-4: priced, stock reserved, snapshot, numbered, consent recorded, payment started."""
    placed = place(store, clock, ids)
    order = placed.order
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert order.number == "KL-2026-000001"
    assert [(line.sku, line.quantity, line.unit_price_minor) for line in order.lines] == [
        ("MUG", 2, 1490),
        ("TEA", 1, 850),
    ]
    # 2 × 14.90 + 8.50 = 38.30 of goods; Colissimo for 820 g is 8.95.
    assert order.total_minor == 3830 + 895
    assert order.shipping_method == "colissimo-fr"
    assert order.contact.email == "alice@example.fr"
    assert order.contact.phone == "+33612345678"
    assert order.billing_address.postcode == "33000"
    assert order.shipping_address == order.billing_address
    assert sum(v.gross_minor for v in order.vat) == order.total_minor
    assert stock(store, "MUG") == 3
    assert stock(store, "TEA") == 2
    with store.unit_of_work() as uow:
        moves = uow.stock_movements.for_order(order.id)
        assert sorted((m.sku, m.delta, m.reason) for m in moves) == [
            ("MUG", -2, StockReason.ORDER_RESERVED),
            ("TEA", -1, StockReason.ORDER_RESERVED),
        ]
        consents = uow.consents.for_subject("alice@example.fr")
        assert [(c.purpose, c.granted, c.text_version) for c in consents] == [
            (TERMS_OF_SALE, True, "cgv-2026-01")
        ]
        assert consents[0].at == clock.now()
        assert consents[0].channel == "checkout"
        (payment,) = uow.payments.for_order(order.id)
    assert payment.status is PaymentStatus.PENDING
    assert payment.amount_minor == order.total_minor
    assert len(payment.idempotency_key) >= 16
    second = place(store, clock, ids, cart=Cart.of({"BOOK": 1}))
    assert second.order.number == "KL-2026-000002"


def test_invalid_checkout_writes_nothing(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """X-9: every field error at once, and not a single row written."""
    before = snapshot(store)
    bad = valid_form(email="not-an-email", first_name="<script>", phone="12", accept_terms=False)
    with pytest.raises(ValidationError) as caught:
        place(store, clock, ids, form=bad)
    assert {"email", "first_name", "phone", "accept_terms"} <= set(caught.value.codes)
    assert snapshot(store) == before


def test_out_of_stock_at_checkout_writes_nothing(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    before = snapshot(store)
    with pytest.raises(checkout.CartChangedError) as caught:
        place(store, clock, ids, cart=Cart.of({"MUG": 9}))
    assert [n.kind for n in caught.value.notices] == ["quantity_reduced"]
    with pytest.raises(checkout.EmptyCartError):
        place(store, clock, ids, cart=Cart())
    assert snapshot(store) == before


def test_account_creation_keeps_the_password_out_of_the_customer(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CHK-1/CHK-3: the account is created; only an Argon2id hash is stored, apart."""
    form = valid_form(account=AccountForm("alice33", Secret("correct horse battery staple")))
    placed = place(store, clock, ids, form=form)
    assert placed.customer_id is not None
    with store.unit_of_work() as uow:
        customer = uow.customers.get(placed.customer_id)
        stored_hash = uow.credentials.password_hash(placed.customer_id)
    assert customer is not None
    assert (customer.email, customer.username, customer.phone) == (
        "alice@example.fr",
        "alice33",
        "+33612345678",
    )
    assert stored_hash is not None
    assert stored_hash.startswith("$argon2id$")
    assert "correct horse" not in repr(customer)
    assert HASHER.verify(stored_hash, Secret("correct horse battery staple"))
    assert placed.order.customer_id == placed.customer_id


@pytest.mark.parametrize(
    ("card", "failure"),
    [(DECLINE_CARD, "card_declined"), (INSUFFICIENT_CARD, "insufficient_funds")],
)
def test_a_declined_payment_fails_the_order_and_releases_stock(
    store: MemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    gateway: SandboxGateway,
    card: str,
    failure: str,
) -> None:
    placed = place(store, clock, ids)
    order = checkout.pay_order(
        store.unit_of_work(),
        clock,
        ids,
        gateway,
        NO_FRAUD_RULES,
        Actor.visitor(),
        placed.order.id,
        token(gateway, card),
    )
    assert order.status is OrderStatus.FAILED
    assert order.failed_at == clock.now()
    assert stock(store, "MUG") == 5
    with store.unit_of_work() as uow:
        (payment,) = uow.payments.for_order(order.id)
    assert (payment.status, payment.failure_code) == (PaymentStatus.FAILED, failure)


def test_a_successful_payment_moves_the_order_to_processing(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, gateway: SandboxGateway
) -> None:
    placed = place(store, clock, ids)
    order = checkout.pay_order(
        store.unit_of_work(),
        clock,
        ids,
        gateway,
        NO_FRAUD_RULES,
        Actor.visitor(),
        placed.order.id,
        token(gateway),
    )
    assert order.status is OrderStatus.PROCESSING
    assert order.paid_minor == order.total_minor
    assert stock(store, "MUG") == 3  # sold, not released
    assert [c.to_status for c in order.history] == [
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.PROCESSING,
    ]
    with pytest.raises(OrderNotFoundError):  # paid: staff read it with get_order (#18)
        checkout.pay_order(
            store.unit_of_work(), clock, ids, gateway, NO_FRAUD_RULES, STAFF, placed.order.id,
            token(gateway),
        )  # fmt: skip
    assert gateway.charges == 1


def test_a_timed_out_payment_is_retried_without_charging_twice(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, gateway: SandboxGateway
) -> None:
    """PAY-3: the first call charges then times out; the retry reuses the stored key."""
    placed = place(store, clock, ids)
    card_token = token(gateway, TIMEOUT_CARD)
    with pytest.raises(GatewayTimeoutError):
        checkout.pay_order(
            store.unit_of_work(),
            clock,
            ids,
            gateway,
            NO_FRAUD_RULES,
            Actor.visitor(),
            placed.order.id,
            card_token,
        )
    with store.unit_of_work() as uow:
        pending = uow.orders.get(placed.order.id)
    assert pending is not None
    assert pending.status is OrderStatus.PENDING_PAYMENT
    order = checkout.pay_order(
        store.unit_of_work(),
        clock,
        ids,
        gateway,
        NO_FRAUD_RULES,
        Actor.visitor(),
        placed.order.id,
        card_token,
    )
    assert order.status is OrderStatus.PROCESSING
    assert gateway.charges == 1
    with store.unit_of_work() as uow:
        (payment,) = uow.payments.for_order(order.id)
    assert payment.gateway_reference is not None
    assert gateway.captured_total(payment.gateway_reference) == order.total_minor


def test_fraud_review_holds_the_order_until_staff_approve(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, gateway: SandboxGateway
) -> None:
    """PAY-6: "review" only authorizes; staff approval captures."""
    form = valid_form(
        shipping=attrs.evolve(valid_form().billing, country="DE", postcode="10115", city="Berlin")
    )
    placed = place(store, clock, ids, form=form, shipping_method="colissimo-eu")
    screen = FraudScreen([CountryMismatchRule()])
    held = checkout.pay_order(
        store.unit_of_work(),
        clock,
        ids,
        gateway,
        screen,
        Actor.visitor(),
        placed.order.id,
        token(gateway),
    )
    assert held.status is OrderStatus.ON_HOLD
    assert held.paid_minor == 0
    assert held.holds_stock
    with pytest.raises(PermissionDeniedError):
        checkout.approve_held_order(
            store.unit_of_work(), clock, ids, gateway, Actor.visitor(), placed.order.id
        )
    approved = checkout.approve_held_order(
        store.unit_of_work(), clock, ids, gateway, STAFF, placed.order.id
    )
    assert approved.status is OrderStatus.PROCESSING
    assert approved.paid_minor == approved.total_minor


def test_fraud_deny_fails_the_order_without_calling_the_gateway(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, gateway: SandboxGateway
) -> None:
    from decimal import Decimal

    from klickit_core.payments.fraud import FraudVerdict
    from klickit_core.shared.money import Money

    placed = place(store, clock, ids)
    screen = FraudScreen(
        [AmountThresholdRule((Money(Decimal("10"), "EUR"),), verdict=FraudVerdict.DENY)]
    )
    order = checkout.pay_order(
        store.unit_of_work(),
        clock,
        ids,
        gateway,
        screen,
        Actor.visitor(),
        placed.order.id,
        token(gateway),
    )
    assert order.status is OrderStatus.FAILED
    assert gateway.calls == 0
    assert stock(store, "MUG") == 5


def test_default_fraud_screen_lets_an_ordinary_order_through(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, gateway: SandboxGateway
) -> None:
    placed = place(store, clock, ids)
    order = checkout.pay_order(
        store.unit_of_work(),
        clock,
        ids,
        gateway,
        default_fraud_screen(),
        Actor.visitor(),
        placed.order.id,
        token(gateway),
    )
    assert order.status is OrderStatus.PROCESSING


def test_webhooks_duplicates_and_reordering(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, gateway: SandboxGateway
) -> None:
    """PAY-4: a duplicate is ignored; an old 'captured' after a refund never moves back."""
    verifier = WebhookVerifier([WEBHOOK_SECRET])
    placed = place(store, clock, ids)
    checkout.pay_order(
        store.unit_of_work(),
        clock,
        ids,
        gateway,
        NO_FRAUD_RULES,
        Actor.visitor(),
        placed.order.id,
        token(gateway),
    )
    captured = gateway.outbox[-1]
    # The direct answer already captured the payment: the notification confirms it and
    # changes nothing, however often it comes.
    for _ in range(3):
        assert (
            checkout.handle_webhook(
                store.unit_of_work(), clock, ids, verifier, captured.header, captured.body
            )
            is None
        )
    clock.advance(timedelta(seconds=30))
    refunded = checkout.refund_order(
        store.unit_of_work(), clock, ids, gateway, STAFF, placed.order.id, 1000
    )
    assert refunded.status is OrderStatus.PARTIALLY_REFUNDED
    assert refunded.refunded_minor == 1000
    late = gateway.emit_webhook(
        payment_id=captured.event.payment_id,
        reference=captured.event.gateway_reference,
        status=PaymentStatus.CAPTURED,
        amount_minor=captured.event.amount_minor,
        currency="EUR",
    )
    assert (
        checkout.handle_webhook(store.unit_of_work(), clock, ids, verifier, late.header, late.body)
        is None
    )
    with store.unit_of_work() as uow:
        order = uow.orders.get(placed.order.id)
    assert order is not None
    assert order.status is OrderStatus.PARTIALLY_REFUNDED
    full = checkout.refund_order(
        store.unit_of_work(), clock, ids, gateway, STAFF, placed.order.id, order.total_minor - 1000
    )
    assert full.status is OrderStatus.REFUNDED
    assert gateway.refunded_total(captured.event.gateway_reference) == order.total_minor


def test_a_webhook_pays_an_order_whose_direct_answer_was_lost(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, gateway: SandboxGateway
) -> None:
    """PAY-3/PAY-4: the charge timed out and nobody retried; the gateway's notification
    alone moves the order to processing."""
    verifier = WebhookVerifier([WEBHOOK_SECRET])
    placed = place(store, clock, ids)
    with pytest.raises(GatewayTimeoutError):
        checkout.pay_order(
            store.unit_of_work(), clock, ids, gateway, NO_FRAUD_RULES, Actor.visitor(),
            placed.order.id, token(gateway, TIMEOUT_CARD),
        )  # fmt: skip
    delivery = gateway.outbox[-1]
    order = checkout.handle_webhook(
        store.unit_of_work(), clock, ids, verifier, delivery.header, delivery.body
    )
    assert order is not None
    assert order.status is OrderStatus.PROCESSING
    assert order.paid_minor == order.total_minor
    assert order.history[-1].actor == "system:gateway"  # the payment job


def test_refunds_need_staff_and_a_payment(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, gateway: SandboxGateway
) -> None:
    placed = place(store, clock, ids)
    with pytest.raises(PermissionDeniedError):
        checkout.refund_order(
            store.unit_of_work(), clock, ids, gateway, Actor.visitor(), placed.order.id, 100
        )
    with pytest.raises(checkout.NoPaymentError):
        checkout.refund_order(
            store.unit_of_work(), clock, ids, gateway, STAFF, placed.order.id, 100
        )


def test_checkout_is_prefilled_from_the_account(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CHK-3: the next checkout is pre-filled from the account, phone shown nationally."""
    form = valid_form(account=AccountForm("alice33", Secret("correct horse battery staple")))
    placed = place(store, clock, ids, form=form)
    assert placed.customer_id is not None
    alice = Actor("alice", Role.CUSTOMER, customer_id=placed.customer_id)
    prefilled = checkout.prefill_checkout(store.unit_of_work(), alice)
    assert (prefilled.first_name, prefilled.last_name, prefilled.email) == (
        "Alice",
        "Martin",
        "alice@example.fr",
    )
    assert prefilled.phone == "06 12 34 56 78"
    assert (prefilled.billing.postcode, prefilled.billing.city) == ("33000", "Bordeaux")
    assert prefilled.shipping is None  # same as billing
    # What was pre-filled validates as it is, once the terms are accepted.
    again = attrs.evolve(prefilled, accept_terms=True)
    second = place(store, clock, ids, actor=alice, form=again, cart=Cart.of({"BOOK": 1}))
    assert second.customer_id == placed.customer_id


def test_guest_checkout_is_prefilled_from_the_session(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """SES-1: the address typed for a shipping estimate comes back at checkout."""
    from klickit_core.sessions import services as sessions
    from klickit_core.sessions.domain import Location
    from klickit_core.shared.addresses import PostalAddress

    session = sessions.start_session(
        store.unit_of_work(), clock, ids, location=Location(country="BE")
    )
    blank = checkout.prefill_checkout(store.unit_of_work(), Actor.visitor(), session_id=session.id)
    assert (blank.billing.country, blank.billing.postcode, blank.email) == ("BE", "", "")
    sessions.remember_shipping_address(
        store.unit_of_work(), clock, session.id, PostalAddress("FR", "20000", "Ajaccio")
    )
    form = checkout.prefill_checkout(store.unit_of_work(), Actor.visitor(), session_id=session.id)
    assert (form.billing.country, form.billing.postcode, form.billing.city) == (
        "FR",
        "20000",
        "Ajaccio",
    )
    nothing = checkout.prefill_checkout(store.unit_of_work(), Actor.visitor())
    assert nothing.billing.country == "FR"


def test_optional_consents_carry_their_own_text_version(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CHK-2: each consent records the version of *its* text; undeclared ones are refused."""
    before = snapshot(store)
    form = valid_form(optional_consents={"newsletter": True})
    with pytest.raises(ValidationError) as caught:
        place(store, clock, ids, form=form)
    assert caught.value.codes == {"optional_consents.newsletter": "consent.unknown_purpose"}
    assert snapshot(store) == before
    settings = checkout.CheckoutSettings(consent_versions={"newsletter": "nl-2026-03"})
    place(store, clock, ids, form=form, settings=settings)
    with store.unit_of_work() as uow:
        records = {c.purpose: c for c in uow.consents.for_subject("alice@example.fr")}
    assert records[TERMS_OF_SALE].text_version == "cgv-2026-01"
    assert (records["newsletter"].text_version, records["newsletter"].granted) == (
        "nl-2026-03",
        True,
    )


def test_a_held_order_waits_for_staff_not_for_the_shopper(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, gateway: SandboxGateway
) -> None:
    form = valid_form(
        shipping=attrs.evolve(valid_form().billing, country="DE", postcode="10115", city="Berlin")
    )
    placed = place(store, clock, ids, form=form, shipping_method="colissimo-eu")
    screen = FraudScreen([CountryMismatchRule()])
    card = token(gateway)
    held = checkout.pay_order(
        store.unit_of_work(), clock, ids, gateway, screen, Actor.visitor(), placed.order.id, card
    )
    with pytest.raises(OrderNotFoundError):  # no longer pending: not the guest's to see
        checkout.pay_order(
            store.unit_of_work(), clock, ids, gateway, NO_FRAUD_RULES, Actor.visitor(),
            placed.order.id, card,
        )  # fmt: skip
    with pytest.raises(OrderNotFoundError):  # nor staff's, who read it with get_order (#18)
        checkout.pay_order(
            store.unit_of_work(), clock, ids, gateway, NO_FRAUD_RULES, STAFF, placed.order.id,
            card,
        )  # fmt: skip
    with store.unit_of_work() as uow:
        assert uow.orders.get(placed.order.id) == held
    assert gateway.charges == 0


def test_fraud_velocity_counts_other_orders_only(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, gateway: SandboxGateway
) -> None:
    """PAY-6: the order being paid is not counted against its own email's velocity."""
    from klickit_core.payments.fraud import EmailVelocityRule

    screen = FraudScreen([EmailVelocityRule()])
    statuses = []
    for _ in range(6):
        placed = place(store, clock, ids, cart=Cart.of({"BOOK": 1}))
        paid = checkout.pay_order(
            store.unit_of_work(),
            clock,
            ids,
            gateway,
            screen,
            Actor.visitor(),
            placed.order.id,
            token(gateway),
        )
        statuses.append(paid.status)
        clock.advance(timedelta(minutes=1))
    # Review starts when 5 *other* orders of the email were placed within the hour.
    assert statuses == [OrderStatus.PROCESSING] * 5 + [OrderStatus.ON_HOLD]


def test_staff_reject_a_held_order_releasing_authorization_and_stock(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, gateway: SandboxGateway
) -> None:
    """PAY-6: "review" then rejected: the authorization is voided, nothing was captured,
    the order is cancelled and its stock comes back. Rejecting twice changes nothing."""
    form = valid_form(
        shipping=attrs.evolve(valid_form().billing, country="DE", postcode="10115", city="Berlin")
    )
    placed = place(store, clock, ids, form=form, shipping_method="colissimo-eu")
    checkout.pay_order(
        store.unit_of_work(), clock, ids, gateway, FraudScreen([CountryMismatchRule()]),
        Actor.visitor(), placed.order.id, token(gateway),
    )  # fmt: skip
    assert stock(store, "MUG") == 3
    with pytest.raises(PermissionDeniedError):
        checkout.reject_held_order(
            store.unit_of_work(), clock, ids, gateway, Actor.visitor(), placed.order.id
        )
    rejected = checkout.reject_held_order(
        store.unit_of_work(), clock, ids, gateway, STAFF, placed.order.id, "address mismatch"
    )
    assert rejected.status is OrderStatus.CANCELLED
    assert rejected.history[-1].reason == "address mismatch"
    assert stock(store, "MUG") == 5
    with store.unit_of_work() as uow:
        (payment,) = uow.payments.for_order(placed.order.id)
    assert payment.status is PaymentStatus.VOIDED
    assert payment.gateway_reference is not None
    assert gateway.captured_total(payment.gateway_reference) == 0
    again = checkout.reject_held_order(
        store.unit_of_work(), clock, ids, gateway, STAFF, placed.order.id
    )
    assert again == rejected
    # X-6 (issue #18, finding 9): the cancelled order came back in full both times, so
    # both calls are in the access log.
    with store.unit_of_work() as uow:
        logged = [(e.actor_id, e.action, e.subject) for e in uow.access_log.entries()]
    assert logged == [("manager-1", "orders.reject", placed.order.id)] * 2


def test_customers_edit_their_details_with_the_checkout_rules(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CHK-3/X-9: "Mon compte > Détails du compte": checked like checkout, all errors at
    once, nothing written on error; a customer edits only their own account."""
    from klickit_core.checkout.domain import AccountDetailsForm

    form = valid_form(account=AccountForm("alice33", Secret("correct horse battery staple")))
    placed = place(store, clock, ids, form=form)
    assert placed.customer_id is not None
    alice = Actor("alice", Role.CUSTOMER, customer_id=placed.customer_id)
    before = snapshot(store)
    bad = AccountDetailsForm(first_name="<b>", last_name="", email="nope", phone="12")
    with pytest.raises(ValidationError) as caught:
        checkout.edit_account_details(store.unit_of_work(), clock, alice, placed.customer_id, bad)
    assert caught.value.codes == {
        "first_name": "name.invalid_characters",
        "last_name": "name.required",
        "email": "email.invalid",
        "phone": "phone.invalid",
    }
    assert snapshot(store) == before
    good = AccountDetailsForm(
        first_name="Alice", last_name="Martin-Durand", email="Alice@Example.FR", phone="",
        billing=valid_form().billing,
    )  # fmt: skip
    updated = checkout.edit_account_details(
        store.unit_of_work(), clock, alice, placed.customer_id, good
    )
    assert (updated.last_name, updated.email, updated.phone) == (
        "Martin-Durand",
        "alice@example.fr",
        None,
    )
    assert updated.billing_address is not None
    assert updated.billing_address.postcode == "33000"
    bob = Actor("bob", Role.CUSTOMER, customer_id="someone-else")
    with pytest.raises(PermissionDeniedError):
        checkout.edit_account_details(store.unit_of_work(), clock, bob, placed.customer_id, good)


def test_a_card_number_typed_in_the_street_never_reaches_the_gateway(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, gateway: SandboxGateway
) -> None:
    """PAY-1, PAY-2, X-9: a card number in the billing street is refused at checkout
    (``text.card_number``), nothing written; and an order that holds one (typed before
    the rule) is never paid with it: the gateway receives nothing."""
    before = snapshot(store)
    billing = attrs.evolve(
        valid_form().billing, street="1 rue Sainte-Catherine\n4242 4242 4242 4242"
    )
    with pytest.raises(ValidationError) as caught:
        place(store, clock, ids, form=valid_form(billing=billing))
    assert caught.value.codes == {"billing.street": "text.card_number"}
    assert snapshot(store) == before

    placed = place(store, clock, ids)
    with store.unit_of_work() as uow:  # as an older version stored it
        order = uow.orders.get(placed.order.id)
        assert order is not None
        legacy = attrs.evolve(order.billing_address, street=("4242 4242 4242 4242",))
        uow.orders.save(attrs.evolve(order, billing_address=legacy))
        uow.commit()
    card_token = token(gateway)
    calls = gateway.calls
    with pytest.raises(InvalidPaymentDataError) as refused:
        checkout.pay_order(
            store.unit_of_work(), clock, ids, gateway, NO_FRAUD_RULES,
            actor=Actor.visitor(), order_id=placed.order.id, token=card_token,
        )  # fmt: skip
    assert refused.value.reason == "address"
    assert gateway.calls == calls


def test_an_order_no_longer_pending_is_shown_only_to_whom_may_read_it(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, gateway: SandboxGateway
) -> None:
    """PAY-1, X-6 (issue #18, finding 5): paying a paid order again returns it, with its
    contact and addresses, to its customer only (syncing it: to staff and the payment
    job); anyone else gets the same OrderNotFoundError as for an id that does not exist,
    and nothing happens."""
    form = valid_form(account=AccountForm("alice33", Secret("correct horse battery staple")))
    placed = place(store, clock, ids, form=form)
    assert placed.account == Actor(
        placed.customer_id, Role.CUSTOMER, customer_id=placed.customer_id
    )
    alice = placed.account
    paid = checkout.pay_order(
        store.unit_of_work(), clock, ids, gateway, NO_FRAUD_RULES, alice, placed.order.id,
        token(gateway),
    )  # fmt: skip
    assert paid.status is OrderStatus.PROCESSING
    calls = gateway.calls
    bob = Actor("bob", Role.CUSTOMER, customer_id="someone-else")
    # Staff read orders with get_order; paying a customer's order is the customer's.
    for stranger in (Actor.visitor(), bob, Actor.system("nightly"), STAFF):
        for order_id in (placed.order.id, "no-such-order"):
            with pytest.raises(OrderNotFoundError) as hidden:
                checkout.pay_order(
                    store.unit_of_work(), clock, ids, gateway, NO_FRAUD_RULES, stranger,
                    order_id, token(gateway),
                )  # fmt: skip
            assert hidden.value.details == {}
    again = checkout.pay_order(
        store.unit_of_work(), clock, ids, gateway, NO_FRAUD_RULES, alice, placed.order.id,
        token(gateway),
    )  # fmt: skip
    assert again == paid
    assert gateway.calls == calls
    for nobody in (Actor.visitor(), bob, alice):
        with pytest.raises(PermissionDeniedError):
            checkout.sync_order(store.unit_of_work(), clock, ids, nobody, placed.order.id)
    assert checkout.sync_order(store.unit_of_work(), clock, ids, STAFF, placed.order.id) == paid


def test_a_customer_order_is_paid_by_its_customer_only(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, gateway: SandboxGateway
) -> None:
    """PAY-1, X-6: while pending, a guest's order is paid by whoever holds its id (the
    checkout's session), a customer's only by that customer."""
    form = valid_form(account=AccountForm("alice33", Secret("correct horse battery staple")))
    placed = place(store, clock, ids, form=form)
    with pytest.raises(OrderNotFoundError):
        checkout.pay_order(
            store.unit_of_work(), clock, ids, gateway, NO_FRAUD_RULES, Actor.visitor(),
            placed.order.id, token(gateway),
        )  # fmt: skip
    assert gateway.calls == 0
    assert placed.account is not None


@pytest.mark.parametrize("role", [Role.VISITOR, Role.SYSTEM, Role.SHOP_MANAGER])
def test_an_actor_that_is_not_a_customer_never_acts_as_one(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, role: Role
) -> None:
    """CHK-3, X-6 (issue #18, finding 8): a visitor, job or staff actor carrying Alice's
    account id neither gets her details pre-filled nor files an order into her account:
    such an actor cannot even be made."""
    form = valid_form(account=AccountForm("alice33", Secret("correct horse battery staple")))
    alice_id = place(store, clock, ids, form=form).customer_id
    assert alice_id is not None
    before = snapshot(store)
    with pytest.raises(PermissionDeniedError):
        checkout.prefill_checkout(store.unit_of_work(), Actor("x", role, customer_id=alice_id))
    with pytest.raises(PermissionDeniedError):
        place(store, clock, ids, actor=Actor("x", role, customer_id=alice_id))
    assert snapshot(store) == before
    guest = checkout.prefill_checkout(store.unit_of_work(), Actor("x", role))
    assert (guest.first_name, guest.email) == ("", "")


def _staff_log(store: MemoryStore) -> list[tuple[str, str, str]]:
    with store.unit_of_work() as uow:
        return [(e.actor_id, e.action, e.subject) for e in uow.access_log.entries()]


def test_staff_reach_a_guests_order_through_payments_only_with_a_log_entry(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, gateway: SandboxGateway
) -> None:
    """PAY-1, SEC-5, X-6 (issue #18, findings 5 and 9): a manager holding a guest's
    pending order id may pay it (the row's ``guests``), and that act on the guest's
    order is in the access log; once it is paid, ``pay_order`` answers not found to
    staff as to everyone but its customer (the table gives staff nothing there: they
    read orders with the logged ``get_order``), and writes nothing. ``sync_order`` is a
    staff use case: it returns the order and logs it. The guest's own export lists both
    staff entries."""
    from klickit_core.bootstrap import default_privacy_registry
    from klickit_core.personal_data import DataSubject
    from klickit_core.privacy.export import export_subject
    from klickit_core.privacy.retention import RetentionSchedule

    guest_order = place(store, clock, ids).order.id  # a guest's: no account owns it
    paid = checkout.pay_order(
        store.unit_of_work(), clock, ids, gateway, NO_FRAUD_RULES, STAFF, guest_order,
        token(gateway),
    )  # fmt: skip
    assert paid.status is OrderStatus.PROCESSING
    assert _staff_log(store) == [("manager-1", "orders.pay", guest_order)]
    before = snapshot(store)
    for anyone in (STAFF, Actor("admin-1", Role.ADMINISTRATOR), Actor.visitor()):
        with pytest.raises(OrderNotFoundError) as hidden:
            checkout.pay_order(
                store.unit_of_work(), clock, ids, gateway, NO_FRAUD_RULES, anyone,
                guest_order, token(gateway),
            )  # fmt: skip
        assert hidden.value.details == {}
    assert snapshot(store) == before
    assert checkout.sync_order(store.unit_of_work(), clock, ids, STAFF, guest_order) == paid
    assert sorted(_staff_log(store)) == [
        ("manager-1", "orders.pay", guest_order),
        ("manager-1", "orders.sync", guest_order),
    ]
    bound = default_privacy_registry().bind(RetentionSchedule.defaults())
    bundle = export_subject(
        bound, store.unit_of_work(), Actor.system("privacy-requests"),
        DataSubject.of("alice@example.fr"), now=clock.now(), ids=ids,
    )  # fmt: skip
    reads = [
        {field.key: field.value for field in record.fields}
        for section in bundle.sections
        if section.category_id == "staff.access_log"
        for record in section.records
    ]
    assert sorted((read["staff"], read["action"]) for read in reads) == [
        ("manager-1", "orders.pay"),
        ("manager-1", "orders.sync"),
    ]
