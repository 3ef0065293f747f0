"""X-7: every strategy of ``klickit_core.testing.strategies`` yields valid values.

The module's ``__all__`` is walked: every name that is a strategy, or a function whose
return type is a strategy, is drawn from and its values are checked against the
invariants of their type. A strategy added without a check here fails
:func:`test_every_strategy_has_a_check`, so the list cannot silently fall behind.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import attrs
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from klickit_core.accounts.domain import Customer
from klickit_core.accounts.password_policy import check_password
from klickit_core.accounts.security import (
    AttemptOutcome,
    LoginAttempt,
    LostCredentialsRequest,
    RecoveryStatus,
    SecuritySettings,
    network_key,
)
from klickit_core.cart.domain import MAX_LINE_QUANTITY, Cart, CartLine, SigningKey
from klickit_core.catalogue.domain import Product, Review, is_valid_sku
from klickit_core.consents.domain import ConsentRecord
from klickit_core.orders.domain import (
    TRANSITIONS,
    Order,
    OrderLine,
    OrderStatus,
    SupportKind,
    SupportRequest,
    SupportStatus,
)
from klickit_core.orders.services import MAX_SUPPORT_MESSAGE
from klickit_core.payments.domain import (
    REACHABLE,
    CardSummary,
    Payment,
    PaymentError,
    PaymentRequest,
    PaymentStatus,
    RefundStatus,
    WebhookEvent,
)
from klickit_core.payments.webhooks import WebhookVerifier, encode_webhook_body, sign_webhook
from klickit_core.sessions.domain import RECENTLY_VIEWED_LIMIT, Location, VisitorSession
from klickit_core.shared.access_log import AccessLogEntry
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.addresses import PostalAddress, is_known_country
from klickit_core.shared.emails import check_email
from klickit_core.shared.money import Money, is_known_currency
from klickit_core.shared.phones import check_phone
from klickit_core.shared.security_events import SecurityEvent, SecurityEventKind
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.text import is_clean_text
from klickit_core.shared.tokens import OneTimeToken, is_valid_purpose
from klickit_core.shared.vat import FRANCE_VAT, VatClass, VatRate
from klickit_core.testing import strategies as kst

S = OrderStatus
P = PaymentStatus
FRENCH_PERCENTS = {f"{rate.percent.normalize():f}" for rate in FRANCE_VAT.rates.values()}
PAID_ORDER = {S.PROCESSING, S.COMPLETED, S.PARTIALLY_REFUNDED, S.REFUNDED}
CAPTURED_PAYMENT = {P.CAPTURED, P.PARTIALLY_REFUNDED, P.REFUNDED}
STAFF_ACTIONS = {"customers.read", "orders.read", "orders.list", "support.read"}
USERNAME = re.compile(r"[A-Za-z0-9._@-]{3,60}")
CONSENT_PURPOSE = re.compile(r"[a-z0-9][a-z0-9_.-]*")
ORDER_NUMBER = re.compile(r"KL-([0-9]{4})-[0-9]{6}")
WEBHOOK_SECRET = b"s" * 32


# ---------------------------------------------------------------------- the walk
def returns_strategy(value: object) -> bool:
    """Whether ``value`` is a function annotated to return a ``SearchStrategy``."""
    if not callable(value) or isinstance(value, type | SearchStrategy):
        return False
    returned = typing.get_type_hints(value).get("return")
    origin = typing.get_origin(returned) or returned
    return isinstance(origin, type) and issubclass(origin, SearchStrategy)


def strategy_names() -> list[str]:
    """The names in ``__all__`` that are strategies or make one."""
    return [
        name
        for name in kst.__all__
        if isinstance(getattr(kst, name), SearchStrategy) or returns_strategy(getattr(kst, name))
    ]


def strategy(name: str) -> SearchStrategy[Any]:
    """The strategy ``name`` names, built with its defaults when it is a function."""
    value = getattr(kst, name)
    return value if isinstance(value, SearchStrategy) else value()


STRATEGIES = strategy_names()


# ---------------------------------------------------------------------- shared checks
def check_utc(moment: object) -> None:
    assert isinstance(moment, datetime)
    assert moment.utcoffset() == timedelta(0)
    assert moment.microsecond == 0


def check_email_value(email: str) -> None:
    """The address is one checkout would store as it is (already normalised)."""
    assert check_email(email, ("email",)) == email


def check_phone_value(phone: str) -> None:
    """The number is E.164 and checkout would store it as it is."""
    assert check_phone(phone, ("phone",)) == phone


def check_name(name: str) -> None:
    assert name
    assert name == name.strip()
    assert is_clean_text(name)


# ---------------------------------------------------------------------- per type
def check_access_log_entry(entry: object) -> None:
    assert isinstance(entry, AccessLogEntry)
    assert entry.actor_role in {str(Role.SHOP_MANAGER), str(Role.ADMINISTRATOR)}
    assert entry.action in STAFF_ACTIONS
    assert (entry.subject == "*") == (entry.action == "orders.list")
    assert entry.id
    assert entry.actor_id
    check_utc(entry.at)


def check_actor(actor: object) -> None:
    assert isinstance(actor, Actor)
    if actor.role is Role.CUSTOMER:
        assert actor.customer_id == actor.id
    else:
        assert actor.customer_id is None


def check_address(address: object) -> None:
    assert isinstance(address, PostalAddress)
    assert is_known_country(address.country)
    assert re.fullmatch(r"[0-9]{5}", address.postcode)


def check_card_summary(card: object) -> None:
    assert isinstance(card, CardSummary)
    assert re.fullmatch(r"[0-9]{4}", card.last4, re.ASCII)
    assert not any(char.isdigit() for char in card.brand)
    assert card.masked.endswith(card.last4)


def check_cart_line(line: object) -> None:
    assert isinstance(line, CartLine)
    assert is_valid_sku(line.sku)
    assert 1 <= line.quantity <= MAX_LINE_QUANTITY


def check_cart(cart: object) -> None:
    assert isinstance(cart, Cart)
    for line in cart.lines:
        check_cart_line(line)
    assert len({line.sku for line in cart.lines}) == len(cart.lines)


def check_catalogue(catalogue: object) -> None:
    assert isinstance(catalogue, dict)
    assert catalogue
    for sku, product in catalogue.items():
        check_product(product)
        assert product.sku == sku


def check_clean_text(text: object) -> None:
    assert isinstance(text, str)
    assert is_clean_text(text)


def check_consent_record(record: object) -> None:
    assert isinstance(record, ConsentRecord)
    check_email_value(record.subject_email)
    assert CONSENT_PURPOSE.fullmatch(record.purpose)
    assert record.text_version
    assert record.channel in {"checkout", "account", "contact_form"}
    assert isinstance(record.granted, bool)
    check_utc(record.at)


def check_currency(code: object) -> None:
    assert isinstance(code, str)
    assert is_known_currency(code)


def check_customer(customer: object) -> None:
    assert isinstance(customer, Customer)
    assert customer.id
    check_email_value(customer.email)
    check_name(customer.first_name)
    check_name(customer.last_name)
    check_utc(customer.created_at)
    check_utc(customer.updated_at)
    assert customer.updated_at >= customer.created_at
    if customer.phone is not None:
        check_phone_value(customer.phone)
    for address in (customer.billing_address, customer.shipping_address):
        if address is not None:
            check_address(address)
    if customer.username is not None:
        assert USERNAME.fullmatch(customer.username)
    assert customer.email not in repr(customer)


def check_location(location: object) -> None:
    assert isinstance(location, Location)


def check_money(amount: object) -> None:
    assert isinstance(amount, Money)
    assert is_known_currency(amount.currency)


def check_order_line(line: object) -> None:
    assert isinstance(line, OrderLine)
    assert is_valid_sku(line.sku)
    assert line.name.strip()  # a product name: not blank, clean, at most 200 characters
    assert is_clean_text(line.name)
    assert len(line.name) <= 200
    assert 1 <= line.quantity <= MAX_LINE_QUANTITY
    assert line.unit_price_minor >= 0
    assert line.total_minor == line.quantity * line.unit_price_minor
    assert line.vat_percent in FRENCH_PERCENTS


def check_order(order: object) -> None:
    """Totals, VAT, history and money agree with each other and with the status."""
    assert isinstance(order, Order)
    assert order.lines
    for line in order.lines:
        check_order_line(line)
    assert len({line.sku for line in order.lines}) == len(order.lines)
    assert is_known_currency(order.currency)
    # Totals and VAT.
    items = sum(line.total_minor for line in order.lines)
    assert order.shipping_minor >= 0
    if order.shipping_method is None:
        assert order.shipping_minor == 0
    assert order.total_minor == items + order.shipping_minor
    assert sum(v.gross_minor for v in order.vat) == order.total_minor
    assert len({v.vat_percent for v in order.vat}) == len(order.vat)
    assert {line.vat_percent for line in order.lines} <= {v.vat_percent for v in order.vat}
    for snapshot in order.vat:
        assert 0 <= snapshot.vat_minor <= snapshot.gross_minor
        rate = VatRate(Decimal(snapshot.vat_percent))
        assert snapshot.vat_minor == rate.vat_in_gross(snapshot.gross_minor)
    assert order.total == Money.from_minor_units(order.total_minor, order.currency)
    # Who and when.
    check_utc(order.placed_at)
    number = ORDER_NUMBER.fullmatch(order.number)
    assert number is not None
    assert int(number.group(1)) == order.placed_at.year
    check_name(order.contact.first_name)
    check_name(order.contact.last_name)
    check_email_value(order.contact.email)
    check_phone_value(order.contact.phone)
    check_address(order.billing_address)
    check_address(order.shipping_address)
    # The history is a legal path at increasing times, ending in the status.
    first = order.history[0]
    assert (first.from_status, first.to_status, first.at) == (
        None,
        S.PENDING_PAYMENT,
        order.placed_at,
    )
    for before, after in pairwise(order.history):
        assert after.from_status is before.to_status
        assert after.to_status in TRANSITIONS[before.to_status]
        assert after.at > before.at
    assert order.history[-1].to_status is order.status
    reached = {change.to_status: change.at for change in order.history}
    assert order.completed_at == reached.get(S.COMPLETED)
    assert order.cancelled_at == reached.get(S.CANCELLED)
    assert order.failed_at == reached.get(S.FAILED)
    # Money follows the status.
    if order.status in PAID_ORDER:
        assert order.paid_minor == order.total_minor
        assert order.is_fully_paid
    else:
        assert order.paid_minor == 0
    if order.status is S.REFUNDED:
        assert 0 < order.refunded_minor == order.paid_minor
    elif order.status is S.PARTIALLY_REFUNDED:
        assert 0 < order.refunded_minor < order.paid_minor
    else:
        assert order.refunded_minor == 0
    assert order.holds_stock == (order.status in {S.PENDING_PAYMENT, S.ON_HOLD})


def check_payment_request(request: object) -> None:
    assert isinstance(request, PaymentRequest)
    for text in (request.name, request.address, request.city, request.state, request.postcode):
        assert is_clean_text(text)
        assert len(text) <= 200
    check_email_value(request.email)
    check_phone_value(request.phone)
    assert type(request.amount) is Decimal
    assert request.amount > 0
    assert request.money.is_rounded
    assert request.amount_minor >= 1
    for personal in (request.name, request.email, request.phone):
        assert personal not in repr(request)


def check_payment(payment: object) -> None:
    """A payment as the strategy makes it: the domain's invariants, and a gateway call
    (counted in ``attempts``) before any move, at a later time."""
    check_payment_invariants(payment)
    assert isinstance(payment, Payment)
    if payment.status is not P.PENDING:
        assert payment.attempts >= 1
        assert payment.updated_at > payment.created_at


def check_payment_invariants(payment: object) -> None:
    """``0 <= refunded <= captured <= amount`` as the status says, and refunds that agree."""
    assert isinstance(payment, Payment)
    assert payment.amount_minor >= 1
    assert 0 <= payment.refunded_minor <= payment.captured_minor <= payment.amount_minor
    captured, refunded = payment.captured_minor, payment.refunded_minor
    if payment.status is P.CAPTURED:
        assert captured > 0
        assert refunded == 0
    elif payment.status is P.PARTIALLY_REFUNDED:
        assert 0 < refunded < captured
    elif payment.status is P.REFUNDED:
        assert 0 < refunded == captured
    else:
        assert captured == refunded == 0
    assert payment.is_paid == (payment.status in CAPTURED_PAYMENT)
    # Refund records: unique, at most one pending, successes within the refunded total.
    assert len({r.id for r in payment.refunds}) == len(payment.refunds)
    pending = [r for r in payment.refunds if r.status is RefundStatus.PENDING]
    assert len(pending) <= 1
    succeeded = sum(r.amount_minor for r in payment.refunds if r.status is RefundStatus.SUCCEEDED)
    assert succeeded <= refunded
    if payment.refunds:
        assert payment.status in CAPTURED_PAYMENT
    if pending:
        assert pending[0].amount_minor <= captured - refunded
    for record in payment.refunds:
        assert (record.failure_code is not None) == (record.status is RefundStatus.FAILED)
    # Times, attempts, references, codes.
    check_utc(payment.created_at)
    check_utc(payment.updated_at)
    assert payment.created_at <= payment.updated_at
    assert all(payment.created_at <= r.at <= payment.updated_at for r in payment.refunds)
    if payment.status in CAPTURED_PAYMENT | {P.AUTHORIZED}:
        assert payment.gateway_reference is not None
    assert (payment.failure_code is not None) == (payment.status is P.FAILED)
    if payment.card is not None:
        check_card_summary(payment.card)
    assert payment.amount == Money.from_minor_units(payment.amount_minor, payment.currency)
    assert payment.idempotency_key not in repr(payment)
    # The constructor's own checks accept it again.
    assert attrs.evolve(payment) == payment


def check_product(product: object) -> None:
    assert isinstance(product, Product)
    assert product.price.is_rounded
    assert product.price.amount >= 0
    assert product.stock is None or 0 <= product.stock <= 500


def check_review(review: object) -> None:
    assert isinstance(review, Review)
    assert 1 <= review.rating <= 5


def check_rounded_money(amount: object) -> None:
    check_money(amount)
    assert isinstance(amount, Money)
    assert amount.is_rounded


def check_signing_key(key: object) -> None:
    assert isinstance(key, SigningKey)
    assert 32 <= len(key.secret) <= 64


def check_sku(sku: object) -> None:
    assert is_valid_sku(sku)


def check_support_request(request: object) -> None:
    assert isinstance(request, SupportRequest)
    assert isinstance(request.kind, SupportKind)
    assert request.message
    assert request.message == request.message.strip()
    assert len(request.message) <= MAX_SUPPORT_MESSAGE
    assert is_clean_text(request.message, multiline=True)
    check_utc(request.created_at)
    if request.status is SupportStatus.OPEN:
        assert request.closed_at is None
        assert request.closed_by is None
    else:
        assert request.closed_by
        assert request.closed_at is not None
        assert request.closed_at > request.created_at


def check_vat_class(value: object) -> None:
    assert isinstance(value, VatClass)


def check_vat_rate(rate: object) -> None:
    assert isinstance(rate, VatRate)
    assert 0 <= rate.percent < 100


def check_visitor_session(session: object) -> None:
    assert isinstance(session, VisitorSession)
    assert session.last_activity_at >= session.started_at
    assert len(set(session.recently_viewed)) == len(session.recently_viewed)
    assert len(session.recently_viewed) <= RECENTLY_VIEWED_LIMIT


def check_webhook_event(event: object) -> None:
    """A well-formed notification that survives its signed wire format unchanged."""
    assert isinstance(event, WebhookEvent)
    assert event.type == f"payment.{event.status}"
    assert event.amount_minor >= 1
    assert (event.failure_code is not None) == (event.status is P.FAILED)
    check_utc(event.created_at)
    body = encode_webhook_body(event)
    header = sign_webhook(WEBHOOK_SECRET, body, event.created_at)
    assert WebhookVerifier([WEBHOOK_SECRET]).verify(header, body, event.created_at) == event


# ---------------------------------------------------------------------- account security
def check_password_value(password: object) -> None:
    """A Secret the policy accepts, whose repr hides it."""
    assert isinstance(password, Secret)
    assert check_password(password) is password
    assert password.reveal() not in repr(password)


def check_network_key(network: str | None) -> None:
    if network is not None:
        assert network_key(network.split("/")[0]) == network


def check_one_time_token(token: object) -> None:
    assert isinstance(token, OneTimeToken)
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", token.id)
    assert is_valid_purpose(token.purpose)
    assert re.fullmatch(r"[0-9a-f]{64}", token.verifier_hash)
    assert token.verifier_hash not in repr(token)
    check_utc(token.created_at)
    check_utc(token.expires_at)
    assert token.created_at < token.expires_at
    if token.used_at is not None:
        check_utc(token.used_at)
        assert token.created_at <= token.used_at < token.expires_at


def check_security_event(event: object) -> None:
    assert isinstance(event, SecurityEvent)
    assert event.kind in set(SecurityEventKind)
    check_utc(event.at)
    check_network_key(event.ip_address)
    if event.ip_address is not None:
        assert event.ip_address not in repr(event)
    if event.kind is SecurityEventKind.ACCOUNT_RECOVERY:
        assert event.actor_id is not None
    if event.kind is SecurityEventKind.LOGIN_LOCKOUT_IP:
        assert event.customer_id is None


def check_login_attempt(attempt: object) -> None:
    assert isinstance(attempt, LoginAttempt)
    assert isinstance(attempt.outcome, AttemptOutcome)
    check_utc(attempt.at)
    check_network_key(attempt.ip_address)
    if attempt.outcome is not AttemptOutcome.FAILED:
        assert attempt.customer_id is not None


def check_lost_credentials_request(request: object) -> None:
    assert isinstance(request, LostCredentialsRequest)
    check_utc(request.created_at)
    check_name(request.name)
    check_email_value(request.contact_email)
    assert request.message
    assert request.message == request.message.strip()
    for field in ("name=", "contact_email=", "message="):  # personal data stays out of repr
        assert field not in repr(request).replace("customer_id=", "")
    if request.status is RecoveryStatus.OPEN:
        assert (request.reviewed_by, request.reviewed_at, request.customer_id) == (None,) * 3
    else:
        assert request.reviewed_by
        assert request.reviewed_at is not None
        assert request.reviewed_at > request.created_at
        assert (request.customer_id is not None) == (request.status is RecoveryStatus.RESOLVED)


def check_security_settings(settings: object) -> None:
    assert isinstance(settings, SecuritySettings)
    assert settings.base_url.startswith("https://")
    assert settings.login.account_limit >= 1
    assert settings.login.window > timedelta(0)
    assert settings.reset.token_ttl > timedelta(0)
    link = settings.links.link(settings.reset_path, Secret("t"))
    assert link.startswith(settings.base_url + settings.reset_path + "?token=")


CHECKS: dict[str, Callable[[Any], None]] = {
    "access_log_entries": check_access_log_entry,
    "actors": check_actor,
    "addresses": check_address,
    "aware_datetimes": check_utc,
    "card_summaries": check_card_summary,
    "cart_lines": check_cart_line,
    "carts": check_cart,
    "catalogues": check_catalogue,
    "clean_text": check_clean_text,
    "consent_records": check_consent_record,
    "currencies": check_currency,
    "customers": check_customer,
    "locations": check_location,
    "money": check_money,
    "order_lines": check_order_line,
    "orders": check_order,
    "payment_requests": check_payment_request,
    "payments": check_payment,
    "products": check_product,
    "reviews": check_review,
    "rounded_money": check_rounded_money,
    "signing_keys": check_signing_key,
    "skus": check_sku,
    "support_requests": check_support_request,
    "vat_classes": check_vat_class,
    "vat_rates": check_vat_rate,
    "visitor_sessions": check_visitor_session,
    "webhook_events": check_webhook_event,
    "passwords": check_password_value,
    "one_time_tokens": check_one_time_token,
    "security_events": check_security_event,
    "login_attempts": check_login_attempt,
    "lost_credentials_requests": check_lost_credentials_request,
    "security_settings": check_security_settings,
}


# ---------------------------------------------------------------------- tests
def test_the_walk_keeps_strategies_and_skips_other_names() -> None:
    """X-7: constants and helpers are not taken for strategies; both kinds of strategy
    (a strategy object, a function returning one) are."""
    assert "SKU_ALPHABET" in kst.__all__
    assert "SKU_ALPHABET" not in STRATEGIES
    assert not returns_strategy(kst.currency_quantum)  # a helper returning a Decimal
    assert not returns_strategy(kst.SKU_ALPHABET)
    assert "currencies" in STRATEGIES  # a strategy object
    assert "orders" in STRATEGIES  # a function returning one
    assert set(STRATEGIES) <= set(kst.__all__)


def test_every_strategy_has_a_check() -> None:
    """X-7: each strategy of ``__all__`` has its invariants checked here, and each check
    belongs to a strategy that exists."""
    assert set(STRATEGIES) == set(CHECKS)


def test_the_new_domain_types_have_strategies() -> None:
    """X-7: accounts, consents, orders, payments and the access log are covered."""
    assert {
        "customers",
        "consent_records",
        "order_lines",
        "orders",
        "support_requests",
        "card_summaries",
        "payments",
        "payment_requests",
        "webhook_events",
        "access_log_entries",
    } <= set(STRATEGIES)


def test_the_security_types_have_strategies() -> None:
    """X-7: account security (SEC-1 … SEC-6) is covered: passwords, tokens, events,
    login attempts, lost-credentials requests and settings."""
    assert {
        "passwords",
        "one_time_tokens",
        "security_events",
        "login_attempts",
        "lost_credentials_requests",
        "security_settings",
    } <= set(STRATEGIES)


@pytest.mark.parametrize("name", STRATEGIES)
@settings(max_examples=60)
@given(data=st.data())
def test_every_strategy_yields_valid_values(name: str, data: st.DataObject) -> None:
    """X-7: whatever a strategy yields satisfies the invariants of its type."""
    CHECKS[name](data.draw(strategy(name), label=name))


@pytest.mark.parametrize("status", list(OrderStatus))
@settings(max_examples=15)
@given(data=st.data())
def test_orders_reach_the_status_asked_for(status: OrderStatus, data: st.DataObject) -> None:
    """X-7, ORD-1: ``orders(status)`` gives orders in that status, still consistent."""
    order = data.draw(kst.orders(status=status))
    assert order.status is status
    check_order(order)


@pytest.mark.parametrize("status", list(PaymentStatus))
@settings(max_examples=15)
@given(data=st.data())
def test_payments_reach_the_status_asked_for(status: PaymentStatus, data: st.DataObject) -> None:
    """X-7, PAY-4: ``payments(status)`` gives payments in that status, still consistent."""
    payment = data.draw(kst.payments(status=status))
    assert payment.status is status
    check_payment(payment)


#: Generation only (no shrinking): the first example found is enough.
_SEARCH = settings(max_examples=5_000, database=None, derandomize=True, phases=[Phase.generate])


def test_the_default_walks_reach_every_status() -> None:
    """X-7: without a status, the random walks still reach every order and payment status
    (a walk stuck near the start would leave most of the life cycle untested).

    Each status is searched for until found. The rarest (a completed order, about 1 walk
    in 100) used to be expected in a fixed batch of 300 walks, where it showed up 0 to 3
    times: derandomized, but Hypothesis also draws from a pool of constants read from
    every module imported so far, so the batch changed with the tests run before (it
    failed after the privacy tests). A budget of 5,000 walks per status leaves that to
    chance less than once in 10**9."""
    for order_status in OrderStatus:
        order = find(
            kst.orders(max_lines=1), lambda o, s=order_status: o.status is s, settings=_SEARCH
        )
        assert order.status is order_status
    for payment_status in PaymentStatus:
        payment = find(kst.payments(), lambda p, s=payment_status: p.status is s, settings=_SEARCH)
        assert payment.status is payment_status


@settings(max_examples=60)
@given(kst.order_lines(sku=st.just("MUG"), max_unit_minor=100))
def test_order_lines_take_their_parameters(line: OrderLine) -> None:
    """X-7: the SKU and the price bound are honoured."""
    assert line.sku == "MUG"
    assert 0 <= line.unit_price_minor <= 100


@settings(max_examples=30)
@given(kst.orders(currency=st.just("JPY"), max_lines=2))
def test_orders_take_their_parameters(order: Order) -> None:
    """X-7: the currency and the number of lines are honoured."""
    assert order.currency == "JPY"
    assert 1 <= len(order.lines) <= 2


@settings(max_examples=30)
@given(kst.payments(currency=st.just("EUR"), order_id=st.just("order-1"), max_amount_minor=500))
def test_payments_take_their_parameters(payment: Payment) -> None:
    """X-7: currency, order id and the amount bound are honoured."""
    assert (payment.currency, payment.order_id) == ("EUR", "order-1")
    assert payment.amount_minor <= 500


@settings(max_examples=30)
@given(kst.support_requests(order_id=st.just("order-1")))
def test_support_requests_take_the_order(request: SupportRequest) -> None:
    """X-7: support requests can be tied to one order."""
    assert request.order_id == "order-1"


@settings(max_examples=100)
@given(data=st.data())
def test_webhook_events_about_a_payment_never_move_it_backwards(data: st.DataObject) -> None:
    """X-7, PAY-4: events drawn for a payment name it (id, currency, reference), and
    applying one either ignores it, moves the payment forwards (keeping its invariants),
    or raises a typed payment error."""
    payment = data.draw(kst.payments())
    event = data.draw(kst.webhook_events(payment))
    check_webhook_event(event)
    assert (event.payment_id, event.currency) == (payment.id, payment.currency)
    if payment.gateway_reference is not None:
        assert event.gateway_reference == payment.gateway_reference
    if event.status is P.AUTHORIZED:
        assert event.amount_minor == payment.amount_minor
    assert event.amount_minor <= payment.amount_minor
    later = payment.updated_at + timedelta(seconds=1)
    try:
        applied = payment.applying(event, at=later)
    except PaymentError:
        return
    if applied is not None:
        check_payment_invariants(applied)
        assert applied.status is payment.status or applied.status in REACHABLE[payment.status]
        assert applied.captured_minor >= payment.captured_minor
        assert applied.refunded_minor >= payment.refunded_minor


# ---------------------------------------------------------------------- privacy (PRV-1..4)
def check_data_subject(subject: object) -> None:
    from klickit_core.personal_data import DataSubject

    assert isinstance(subject, DataSubject)
    check_email_value(subject.email)
    assert subject.email not in repr(subject)


def check_retention_period(period: object) -> None:
    from klickit_core.privacy.retention import Period

    assert isinstance(period, Period)
    assert period.amount >= 0
    assert Period.parse(period.iso) == period


def check_retention_rule(rule: object) -> None:
    from klickit_core.privacy.retention import RetentionRule

    assert isinstance(rule, RetentionRule)
    assert rule.zero_allowed or not rule.period.is_zero
    check_retention_period(rule.period)


def check_retention_schedule(schedule: object) -> None:
    from klickit_core.privacy.retention import RetentionSchedule

    assert isinstance(schedule, RetentionSchedule)
    assert set(RetentionSchedule.defaults().ids) <= set(schedule.ids)
    for rule in schedule.rules:
        check_retention_rule(rule)
        if rule.minimum is not None:
            assert rule.period.at_least(rule.minimum)


def check_data_category(category: object) -> None:
    from klickit_core.personal_data import DataCategory, is_identifier

    assert isinstance(category, DataCategory)
    assert is_identifier(category.id)
    assert category.actions
    assert len({field.key for field in category.fields}) == len(category.fields) >= 1


def check_export_field(field: object) -> None:
    from klickit_core.personal_data import ExportField, FieldKind

    assert isinstance(field, ExportField)
    assert not isinstance(field.value, float)
    if isinstance(field.value, datetime):
        assert field.value.utcoffset() == timedelta(0)
    assert (field.currency is not None) == (field.kind is FieldKind.MONEY)


def check_export_record(record: object) -> None:
    from klickit_core.personal_data import ExportRecord

    assert isinstance(record, ExportRecord)
    assert len({field.key for field in record.fields}) == len(record.fields)
    for field in record.fields:
        check_export_field(field)
    for child in record.children:
        check_export_record(child)


def check_export_section(section: object) -> None:
    from klickit_core.personal_data import ExportSection

    assert isinstance(section, ExportSection)
    for record in section.records:
        check_export_record(record)


def check_export_bundle(bundle: object) -> None:
    import json

    import jsonschema

    from klickit_core.privacy.bundle import ExportBundle, bundle_to_json, export_schema

    assert isinstance(bundle, ExportBundle)
    declared = {notice.category.id for notice in bundle.categories}
    assert {section.category_id for section in bundle.sections} <= declared
    jsonschema.validate(json.loads(bundle_to_json(bundle)), export_schema())


def check_sweep_cursor(cursor: object) -> None:
    from klickit_core.personal_data import SweepCursor

    assert isinstance(cursor, SweepCursor)
    assert cursor.value.isprintable()
    assert "@" not in cursor.value


def check_sweep_batch(batch: object) -> None:
    from klickit_core.personal_data import SweepBatch

    assert isinstance(batch, SweepBatch)
    assert batch.examined == batch.deleted + batch.anonymised + batch.kept_total
    assert (batch.last is None) == (batch.examined == 0)


CHECKS.update(
    {
        "data_categories": check_data_category,
        "data_subjects": check_data_subject,
        "export_bundles": check_export_bundle,
        "export_fields": check_export_field,
        "export_records": check_export_record,
        "export_sections": check_export_section,
        "retention_periods": check_retention_period,
        "retention_rules": check_retention_rule,
        "retention_schedules": check_retention_schedule,
        "sweep_batches": check_sweep_batch,
        "sweep_cursors": check_sweep_cursor,
    }
)


# ---------------------------------------------------------------------- people-side privacy
def check_account_activity(activity: object) -> None:
    from klickit_core.accounts.domain import AccountActivity

    assert isinstance(activity, AccountActivity)
    assert activity.customer_id
    for moment in (activity.last_login_at, activity.inactivity_notice_at):
        if moment is not None:
            check_utc(moment)


def check_sweep_key(key: object) -> None:
    from klickit_core.shared.sweeps import SweepKey

    assert isinstance(key, SweepKey)
    assert key.id
    if key.at is not None:
        check_utc(key.at)
    assert SweepKey.from_cursor(key.cursor()) == key


CHECKS.update({"account_activities": check_account_activity, "sweep_keys": check_sweep_key})
