"""A Hypothesis state machine over carts, orders, payments and webhooks (CHK-4, ORD-1,
PAY-2 … PAY-4).

Shoppers place orders, pay with every test card (timeouts retried), gateways deliver
webhooks — duplicated and in any order —, staff cancel, complete and refund. After every
step the invariants hold: stock never negative and conserved; paid never above the total;
refunds never above payments; no order state goes backwards; the sandbox never captured
more than a payment's amount; nothing card-like is stored anywhere.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import attrs
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule

from klickit_core.adapters.gateways import SandboxGateway
from klickit_core.adapters.gateways.sandbox import luhn_valid
from klickit_core.cart.domain import Cart
from klickit_core.checkout import services as checkout
from klickit_core.orders import services as orders
from klickit_core.orders.domain import HOLDS_STOCK, PROGRESS, OrderStatus
from klickit_core.payments.fraud import FraudScreen
from klickit_core.payments.ports import GatewayTimeoutError
from klickit_core.payments.webhooks import WebhookVerifier
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import KlickitError
from klickit_core.testing import SequentialIds
from klickit_core.testing.clocks import FixedClock

from .conftest import (
    DECLINE_CARD,
    HASHER,
    INITIAL_STOCK,
    INSUFFICIENT_CARD,
    RULES,
    SHIPPING,
    SUCCESS_CARD,
    TIMEOUT_CARD,
    WEBHOOK_SECRET,
    stocked_store,
    valid_form,
)

STAFF = Actor("manager-1", Role.SHOP_MANAGER)
#: 13 to 19 digits, optionally grouped by spaces or dashes, not inside a longer word (a
#: random hex id may hold a run of digits; a stored card number stands on its own).
CARD_LIKE = re.compile(r"(?<![0-9A-Za-z])\d(?:[ -]?\d){12,18}(?![0-9A-Za-z])")
SOLD = frozenset(set(OrderStatus) - {OrderStatus.CANCELLED, OrderStatus.FAILED})


def _strings(value: object) -> list[str]:
    """Every string inside a stored value (attrs objects, tuples, dicts), recursively."""
    if isinstance(value, str):
        return [value]
    if attrs.has(type(value)):
        return [
            s for field in attrs.fields(type(value)) for s in _strings(getattr(value, field.name))
        ]
    if isinstance(value, tuple | list | frozenset | set):
        return [s for item in value for s in _strings(item)]
    if isinstance(value, dict):
        return [s for pair in value.items() for item in pair for s in _strings(item)]
    return [str(value)]


class CheckoutMachine(RuleBasedStateMachine):
    orders_bundle = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
        self.ids = SequentialIds("x")
        self.store = stocked_store()
        self.gateway = SandboxGateway(WEBHOOK_SECRET, self.clock)
        self.verifier = WebhookVerifier([WEBHOOK_SECRET])
        self.fraud = FraudScreen([])
        self.seen: dict[str, OrderStatus] = {}

    def uow(self):  # type: ignore[no-untyped-def]
        return self.store.unit_of_work()

    def tick(self) -> None:
        self.clock.advance(timedelta(seconds=7))

    @rule(
        target=orders_bundle,
        lines=st.dictionaries(
            st.sampled_from(["MUG", "TEA", "BOOK"]), st.integers(1, 3), min_size=1
        ),
        shopper=st.integers(0, 3),
    )
    def place(self, lines: dict[str, int], shopper: int) -> str:
        self.tick()
        try:
            placed = checkout.place_order(
                self.uow(), self.clock, self.ids, HASHER,
                actor=Actor.visitor(), form=valid_form(f"shopper{shopper}@example.fr"),
                cart=Cart.of(lines), rules=RULES, shipping_table=SHIPPING,
                shipping_method="colissimo-fr", provider_id=self.gateway.provider_id,
                ip_address="203.0.113.7",
            )  # fmt: skip
        except KlickitError as refused:  # out of stock: the typed error, nothing written
            assert refused.code in {"catalogue.out_of_stock", "checkout.cart_changed"}, refused.code
            return "none"
        self.seen[placed.order.id] = placed.order.status
        return placed.order.id

    @rule(
        order_id=orders_bundle,
        card=st.sampled_from([SUCCESS_CARD, DECLINE_CARD, INSUFFICIENT_CARD, TIMEOUT_CARD]),
    )
    def pay(self, order_id: str, card: str) -> None:
        if order_id == "none":
            return
        self.tick()
        token = self.gateway.tokenize(card, 12, 2030, "123")
        for _attempt in range(2):
            try:
                checkout.pay_order(
                    self.uow(),
                    self.clock,
                    self.ids,
                    self.gateway,
                    self.fraud,
                    Actor.visitor(),
                    order_id,
                    token,
                )
            except GatewayTimeoutError:
                continue  # the retry reuses the stored idempotency key
            except KlickitError as refused:
                # A guest's order once it left "pending" is not theirs to see.
                assert refused.code in {"checkout.no_payment", "orders.not_found"}, refused.code
            break
        with self.uow() as uow:
            order = uow.orders.get(order_id)
            assert order is not None
            event(f"paid order is {order.status}")

    @rule(data=st.data())
    @precondition(lambda self: bool(self.gateway.outbox))
    def deliver_webhook(self, data: st.DataObject) -> None:
        """Any past notification, again: duplicates and reordering included."""
        delivery = data.draw(st.sampled_from(self.gateway.outbox))
        try:
            checkout.handle_webhook(
                self.uow(), self.clock, self.ids, self.verifier, delivery.header, delivery.body
            )
        except KlickitError as refused:
            assert refused.code in {"payments.webhook_out_of_order"}, refused.code

    @rule(order_id=orders_bundle)
    def cancel(self, order_id: str) -> None:
        if order_id == "none":
            return
        try:
            orders.cancel_order(self.uow(), self.clock, self.ids, STAFF, order_id)
        except KlickitError as refused:
            assert refused.code == "orders.illegal_transition", refused.code

    @rule(order_id=orders_bundle)
    def complete(self, order_id: str) -> None:
        if order_id == "none":
            return
        try:
            orders.complete_order(self.uow(), self.clock, self.ids, STAFF, order_id)
        except KlickitError as refused:
            assert refused.code == "orders.illegal_transition", refused.code

    @rule(order_id=orders_bundle, amount=st.integers(1, 6000))
    def refund(self, order_id: str, amount: int) -> None:
        if order_id == "none":
            return
        self.tick()
        try:
            checkout.refund_order(
                self.uow(), self.clock, self.ids, self.gateway, STAFF, order_id, amount
            )
        except KlickitError as refused:
            assert refused.code in {"checkout.no_payment", "payments.amount"}, refused.code

    # ------------------------------------------------------------------ invariants
    @invariant()
    def stock_is_never_negative_and_is_conserved(self) -> None:
        with self.uow() as uow:
            every = uow.orders.list(limit=10_000)
            for sku, initial in INITIAL_STOCK.items():
                product = uow.products.get(sku)
                assert product is not None
                assert product.stock is not None
                assert product.stock >= 0
                held = sum(
                    ln.quantity
                    for o in every
                    if o.status in SOLD
                    for ln in o.lines
                    if ln.sku == sku
                )
                assert product.stock + held == initial

    @invariant()
    def money_never_exceeds_what_it_should(self) -> None:
        with self.uow() as uow:
            for order in uow.orders.list(limit=10_000):
                assert 0 <= order.refunded_minor <= order.paid_minor <= order.total_minor
                for payment in uow.payments.for_order(order.id):
                    assert payment.refunded_minor <= payment.captured_minor <= payment.amount_minor
                    if payment.gateway_reference is not None:
                        assert (
                            self.gateway.captured_total(payment.gateway_reference)
                            <= payment.amount_minor
                        )

    @invariant()
    def no_order_goes_backwards(self) -> None:
        with self.uow() as uow:
            for order in uow.orders.list(limit=10_000):
                before = self.seen.get(order.id, order.status)
                assert PROGRESS[order.status] >= PROGRESS[before], (before, order.status)
                self.seen[order.id] = order.status
                assert order.holds_stock == (order.status in HOLDS_STOCK)

    @invariant()
    def nothing_card_like_is_stored(self) -> None:
        for table in self.store.tables.values():
            for value in table.values():
                for text in _strings(value):
                    for match in CARD_LIKE.findall(text):
                        digits = re.sub(r"[ -]", "", match)
                        assert not luhn_valid(digits), "a card number was stored"


CheckoutMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)


def test_the_card_detector_finds_stored_numbers() -> None:
    """The invariant above can fail: it sees plain and grouped card numbers."""
    found = [re.sub(r"[ -]", "", m) for m in CARD_LIKE.findall("n=4242 4242 4242 4242;x")]
    assert found == ["4242424242424242"]
    assert luhn_valid(found[0])
    assert CARD_LIKE.findall("evt_4242424242424242ab") == []


TestCheckoutLifecycle = CheckoutMachine.TestCase
