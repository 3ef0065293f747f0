"""Checkout to paid order (SPEC CHK-1 … CHK-4, ORD-1, PAY-1 … PAY-6).

The checkout context orchestrates its siblings through their ports; none of them knows
the others.

* :func:`place_order` is **one transaction**: validate every field at once, re-check the
  cart against the catalogue, price it with the chosen shipping, reserve the stock
  (guarded, never below zero), create the account if asked, snapshot everything into the
  order with its number, record the consents (CGV required), and create the payment with
  its idempotency key. Any failure leaves nothing written.
* :func:`pay_order` screens for fraud, then charges (or, on "review", only authorizes and
  holds the order for staff). A gateway timeout propagates and leaves the order pending:
  calling again reuses the stored idempotency key, so nobody is charged twice.
* :func:`handle_webhook` verifies a gateway notification, applies it at most once and only
  forwards, then brings the order in line with its payments.

Order status always *follows* payments through :func:`sync_order` — one function, used by
every path (direct result, webhook, refund, approval) — so the two cannot disagree for
long, whatever order events arrive in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

import attrs

from klickit_core.accounts.domain import Customer
from klickit_core.accounts.ports import PasswordHasher
from klickit_core.accounts.services import AccountDetails, create_account, update_details
from klickit_core.cart.domain import Cart, CartNotice, PricingRules, reconcile
from klickit_core.catalogue.domain import StockMovement, StockReason
from klickit_core.checkout.domain import (
    AccountDetailsForm,
    AddressForm,
    CheckoutForm,
    ValidatedCheckout,
    validate_account_details,
    validate_checkout,
)
from klickit_core.checkout.ports import CheckoutUnitOfWork
from klickit_core.consents.domain import TERMS_OF_SALE, ConsentRecord
from klickit_core.orders.domain import (
    Contact,
    Order,
    OrderLine,
    OrderStatus,
    StatusChange,
    VatSnapshot,
)
from klickit_core.orders.ports import OrderNotFoundError
from klickit_core.orders.services import checked_reason, move_order
from klickit_core.payments import services as payments
from klickit_core.payments.domain import (
    Payment,
    PaymentRequest,
    PaymentStatus,
    new_idempotency_key,
)
from klickit_core.payments.fraud import FraudContext, FraudScreen, FraudVerdict
from klickit_core.payments.ports import PaymentGateway
from klickit_core.payments.tokens import check_payment_token
from klickit_core.payments.webhooks import WebhookVerifier
from klickit_core.shared.access_log import log_staff_read
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.authorization import authorize
from klickit_core.shared.clock import Clock
from klickit_core.shared.errors import ConflictError, FieldError, KlickitError, ValidationError
from klickit_core.shared.events import DomainEvent, OrderPaid, OrderPlaced, OrderRefunded
from klickit_core.shared.i18n import N_
from klickit_core.shared.ids import IdGenerator
from klickit_core.shared.phones import format_national, phone_region
from klickit_core.shipping.domain import ShippingTable

__all__ = [
    "PAYMENTS_JOB",
    "CartChangedError",
    "CheckoutSettings",
    "EmptyCartError",
    "NoPaymentError",
    "PlacedOrder",
    "StoreFraudHistory",
]


class EmptyCartError(KlickitError):
    """There is nothing to order."""

    code = "checkout.empty_cart"
    message_template = N_("Your cart is empty.")


class CartChangedError(KlickitError):
    """The catalogue changed since the cart was shown; the shopper must look again.

    ``notices`` says what changed (the app shows them, with the updated cart).
    """

    code = "checkout.cart_changed"
    message_template = N_("Your cart changed since you last saw it; please check it again.")

    def __init__(self, notices: Sequence[CartNotice]) -> None:
        self.notices = tuple(notices)
        super().__init__(count=len(self.notices))


#: The job the payment steps run as, once the checkout has authorized the shopper or the
#: staff member (it holds ``payments.process``); order histories name it.
PAYMENTS_JOB = Actor.system("gateway")


class NoPaymentError(KlickitError):
    """The order has no payment in a state that allows this operation."""

    code = "checkout.no_payment"
    message_template = N_("This order has no payment that allows this.")


@attrs.frozen(slots=True)
class CheckoutSettings:
    """Per-shop checkout settings: the text version of every consent asked (the CGV and
    each optional purpose, CHK-2), the order number prefix, the channel recorded."""

    terms_version: str = "cgv-2026-01"
    #: Optional consent purposes the checkout asks, with the version of the text shown.
    #: An answer for a purpose not listed here is refused: its proof would be worthless.
    consent_versions: Mapping[str, str] = attrs.field(factory=dict)
    order_prefix: str = "KL"
    channel: str = "checkout"
    currency: str = "EUR"
    #: The shop's region: reads a phone typed without a country code when neither address
    #: gives a country phonenumbers knows (CHK-1).
    default_region: str = "FR"

    def unknown_consents(self, purposes: Iterable[object]) -> list[FieldError]:
        """An error at ``optional_consents.<purpose>`` for each purpose the shop does not
        ask (an answer to it would be a worthless proof, CHK-2); other values are
        validation's."""
        return [
            FieldError(
                ("optional_consents", purpose[:40]),
                "consent.unknown_purpose",
                N_("This consent is not asked by the shop."),
            )
            for purpose in purposes
            if isinstance(purpose, str) and purpose not in self.consent_versions
        ]


@attrs.frozen(slots=True)
class PlacedOrder:
    """The result of :func:`place_order`.

    ``account`` is the actor of the account the checkout just created, if it did: the
    shopper chose its password in this very call, a sign-up as good as a login, so the app
    may sign the session in with it (and pay the order as its owner).
    """

    order: Order
    payment: Payment
    customer_id: str | None
    account: Actor | None = None


def _payment_request(order: Order, payment: Payment) -> PaymentRequest:
    """Exactly what the policy says the gateway receives (PAY-1)."""
    contact, billing = order.contact, order.billing_address
    return PaymentRequest.for_payment(
        payment,
        name=contact.full_name,
        email=contact.email,
        address=", ".join(billing.street),
        phone=contact.phone,
        city=billing.city,
        state=billing.region,
        postcode=billing.postcode,
    )


def edit_account_details(
    uow: CheckoutUnitOfWork,
    clock: Clock,
    actor: Actor,
    customer_id: str,
    form: AccountDetailsForm,
) -> Customer:
    """The customer edits their own details (CHK-3), checked with the checkout's rules:
    every field error at once, nothing written on error."""
    authorize(actor, "checkout.services.edit_account_details", owner=customer_id)
    details = validate_account_details(form)
    return update_details(
        uow,
        clock,
        actor,
        customer_id,
        AccountDetails(
            email=details.email,
            first_name=details.first_name,
            last_name=details.last_name,
            phone=details.phone,
            billing_address=details.billing,
            shipping_address=details.shipping,
        ),
    )


def _address_form(address: PostalAddress | None, fallback_country: str) -> AddressForm:
    if address is None:
        return AddressForm(country=fallback_country, street="", postcode="", city="")
    return AddressForm(
        country=address.country,
        street="\n".join(address.street),
        postcode=address.postcode,
        city=address.city,
        region=address.region,
        company=address.company,
    )


def prefill_checkout(
    uow: CheckoutUnitOfWork,
    actor: Actor,
    *,
    session_id: str | None = None,
    default_country: str = "FR",
) -> CheckoutForm:
    """A checkout form filled with what the shop already knows (CHK-3, SES-1).

    A signed-in customer gets their account's name, email, phone (in national format)
    and addresses. A guest gets the address typed for a shipping estimate during the
    visit ("pour vous éviter de ressaisir vos informations d'adresse"), or at least the
    country of their location. Nothing is validated here: the shopper reviews the form.
    Only a customer actor carries an account (decision 0011), so no one else gets one's.
    """
    authorize(actor, "checkout.services.prefill_checkout")
    with uow:
        customer = uow.customers.get(actor.customer_id) if actor.customer_id else None
        session = uow.sessions.get(session_id) if session_id and customer is None else None
    if customer is not None:
        billing = _address_form(customer.billing_address, default_country)
        shipping = None
        if customer.shipping_address not in (None, customer.billing_address):
            shipping = _address_form(customer.shipping_address, default_country)
        # Shown as dialled in the region validation will read it in (CHK-1).
        countries = (billing.country, shipping.country if shipping else None)
        region = phone_region(*countries, default=default_country)
        phone = format_national(customer.phone, region) if customer.phone else ""
        return CheckoutForm(
            first_name=customer.first_name,
            last_name=customer.last_name,
            email=customer.email,
            phone=phone,
            billing=billing,
            shipping=shipping,
        )
    country = default_country
    address = None
    if session is not None:
        address = session.shipping_address
        if session.location is not None and session.location.country:
            country = session.location.country
    return CheckoutForm(
        first_name="",
        last_name="",
        email="",
        phone="",
        billing=_address_form(address, country),
    )


def place_order(
    uow: CheckoutUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    hasher: PasswordHasher,
    *,
    actor: Actor,
    form: CheckoutForm | ValidatedCheckout,
    cart: Cart,
    rules: PricingRules,
    shipping_table: ShippingTable,
    shipping_method: str,
    provider_id: str,
    ip_address: str | None = None,
    settings: CheckoutSettings = CheckoutSettings(),
) -> PlacedOrder:
    """Turn a cart and a checkout form into a pending order with its payment (CHK-4).

    A customer actor's order is filed under their own account; anyone else's is a guest's
    (or the new account's, when the form asks for one). A :class:`ValidatedCheckout` (a
    quote's, whose consents were checked against ``settings``) is not validated again; the
    cart is still re-read and re-priced under the transaction, as stock and prices may have
    moved since."""
    authorize(actor, "checkout.services.place_order")
    if isinstance(form, ValidatedCheckout):
        checkout = form
    else:
        checkout = validate_checkout(form, default_region=settings.default_region)
        purposes = (purpose for purpose, _ in checkout.optional_consents)
        ValidationError.raise_if_any(settings.unknown_consents(purposes))
    return _place_validated(
        uow,
        clock,
        ids,
        hasher,
        actor=actor,
        checkout=checkout,
        cart=cart,
        rules=rules,
        shipping_table=shipping_table,
        shipping_method=shipping_method,
        provider_id=provider_id,
        ip_address=ip_address,
        settings=settings,
    )


def _place_validated(
    uow: CheckoutUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    hasher: PasswordHasher,
    *,
    actor: Actor,
    checkout: ValidatedCheckout,
    cart: Cart,
    rules: PricingRules,
    shipping_table: ShippingTable,
    shipping_method: str,
    provider_id: str,
    ip_address: str | None = None,
    settings: CheckoutSettings = CheckoutSettings(),
) -> PlacedOrder:
    """:func:`place_order`'s work once the checkout is valid."""
    if cart.is_empty:
        raise EmptyCartError
    now = clock.now()
    with uow:
        products = uow.products.get_many(line.sku for line in cart.lines)
        kept, notices = reconcile(cart, products)
        if notices:
            raise CartChangedError(notices)
        goods = rules.price(kept, products)
        option = shipping_table.option(
            shipping_method, checkout.shipping, goods.items_total, goods.weight_grams
        )
        priced = rules.price(kept, products, option)
        order_id = ids.new_id()
        for line in kept.lines:
            uow.products.reserve_stock(line.sku, line.quantity)
            uow.stock_movements.add(
                StockMovement(
                    ids.new_id(),
                    line.sku,
                    -line.quantity,
                    StockReason.ORDER_RESERVED,
                    now,
                    order_id,
                )
            )
        customer_id = _customer_for(uow, clock, ids, hasher, actor, checkout)
        number = uow.orders.next_number(now.year)
        order = Order(
            id=order_id,
            number=f"{settings.order_prefix}-{now.year}-{number:06d}",
            currency=priced.currency,
            contact=Contact(
                checkout.contact.first_name,
                checkout.contact.last_name,
                checkout.contact.email,
                checkout.contact.phone,
            ),
            billing_address=checkout.billing,
            shipping_address=checkout.shipping,
            lines=tuple(
                OrderLine(
                    line.sku,
                    line.name,
                    line.quantity,
                    line.unit_price.minor_units(),
                    line.total.minor_units(),
                    f"{line.vat_rate.percent.normalize():f}",
                )
                for line in priced.lines
            ),
            vat=tuple(
                VatSnapshot(
                    f"{v.rate.percent.normalize():f}", v.gross.minor_units(), v.vat.minor_units()
                )
                for v in priced.vat_lines
            ),
            shipping_method=option.method,
            shipping_minor=priced.shipping_minor,
            total_minor=priced.items_minor + priced.shipping_minor,
            placed_at=now,
            history=(StatusChange(None, OrderStatus.PENDING_PAYMENT, now, actor.id, "placed"),),
            customer_id=customer_id,
            ip_address=ip_address,
        )
        uow.orders.add(order)
        _record_consents(uow, ids, checkout, settings, now, customer_id, order_id)
        payment = Payment(
            id=ids.new_id(),
            order_id=order_id,
            provider_id=provider_id,
            amount_minor=order.total_minor,
            currency=order.currency,
            created_at=now,
            updated_at=now,
            idempotency_key=new_idempotency_key(),
        )
        uow.payments.add(payment)
        uow.record(
            OrderPlaced(
                order.id,
                order.number,
                customer_id,
                order.total_minor,
                order.currency,
                occurred_at=now,
            )
        )
        uow.commit()
    account = None
    if customer_id is not None and actor.customer_id is None:  # the account made above
        account = Actor(customer_id, Role.CUSTOMER, customer_id=customer_id)
    return PlacedOrder(order, payment, customer_id, account)


def _customer_for(
    uow: CheckoutUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    hasher: PasswordHasher,
    actor: Actor,
    checkout: ValidatedCheckout,
) -> str | None:
    if actor.customer_id is not None:
        return actor.customer_id
    if checkout.account is None:
        return None
    contact = checkout.contact
    details = AccountDetails(
        email=contact.email,
        first_name=contact.first_name,
        last_name=contact.last_name,
        phone=contact.phone,
        billing_address=checkout.billing,
        shipping_address=checkout.shipping,
    )
    customer = create_account(
        uow, clock, ids, hasher, details, checkout.account.username, checkout.account.password
    )
    return customer.id


def _record_consents(
    uow: CheckoutUnitOfWork,
    ids: IdGenerator,
    checkout: ValidatedCheckout,
    settings: CheckoutSettings,
    now: datetime,
    customer_id: str | None,
    order_id: str,
) -> None:
    email = checkout.contact.email
    choices = ((TERMS_OF_SALE, True), *checkout.optional_consents)
    versions = {TERMS_OF_SALE: settings.terms_version, **settings.consent_versions}
    for purpose, granted in choices:
        uow.consents.add(
            ConsentRecord(
                id=ids.new_id(),
                subject_email=email,
                purpose=purpose,
                text_version=versions[purpose],
                granted=granted,
                at=now,
                channel=settings.channel,
                customer_id=customer_id,
                order_id=order_id,
            )
        )


# ---------------------------------------------------------------------- payment


class StoreFraudHistory:
    """:class:`~klickit_core.payments.fraud.FraudHistory` answered from the store."""

    def __init__(
        self, uow: CheckoutUnitOfWork, *, exclude_order: str | None = None, lookback: int = 1000
    ) -> None:
        self._uow = uow
        self._exclude = exclude_order
        self._lookback = lookback

    def _recent(self, email: str | None, since: datetime) -> list[Order]:
        """Orders since ``since`` — not counting the one being screened, so a rule's
        threshold means "this many *other* orders", as if screened before placing."""
        orders = self._uow.orders.list(email=email, limit=self._lookback)
        return [o for o in orders if o.placed_at >= since and o.id != self._exclude]

    def orders_since(
        self, *, email: str | None = None, ip_address: str | None = None, since: datetime
    ) -> int:
        recent = self._recent(email, since)
        return sum(1 for o in recent if ip_address is None or o.ip_address == ip_address)

    def failed_payments_since(
        self, *, email: str | None = None, ip_address: str | None = None, since: datetime
    ) -> int:
        count = 0
        for order in self._recent(email, since - timedelta(days=1)):
            if ip_address is not None and order.ip_address != ip_address:
                continue
            for payment in self._uow.payments.for_order(order.id):
                if payment.status is PaymentStatus.FAILED and payment.updated_at >= since:
                    count += 1
        return count


def _pending_payment(uow: CheckoutUnitOfWork, order_id: str) -> tuple[Order, Payment]:
    order = uow.orders.get(order_id)
    if order is None:
        raise OrderNotFoundError
    for payment in reversed(uow.payments.for_order(order_id)):
        if payment.status in (PaymentStatus.PENDING, PaymentStatus.AUTHORIZED):
            return order, payment
    raise NoPaymentError


def pay_order(
    uow: CheckoutUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    gateway: PaymentGateway,
    fraud: FraudScreen,
    actor: Actor,
    order_id: str,
    token: str,
) -> Order:
    """Screen and pay a pending order with a gateway token (PAY-3, PAY-6).

    Allow → charge; review → authorize only, order on hold for staff; deny → the payment
    fails and the order with it (stock released). A :class:`GatewayTimeoutError` leaves
    everything pending: call again with the same token, the stored key prevents a second
    charge.

    The customer who owns the order pays it; a guest's order (no account) is paid by
    whoever holds its id, the checkout's session (a staff member who does is written to
    the access log, ``orders.pay``). An order no longer pending (paid, failed, cancelled,
    on hold for staff) is returned as it is to its customer only: a guest sees it again
    through ``lookup_guest_order``, staff read it with the logged ``get_order``. Anyone
    else gets, as for an unknown id or someone else's order,
    :class:`~klickit_core.orders.ports.OrderNotFoundError` (X-6). A token that cannot be a
    provider's (missing, malformed, card digits) is a :class:`ValidationError` on
    ``payment_token`` before anything is read, written or sent (PAY-2).
    """
    token = check_payment_token(token)
    with uow:
        order = uow.orders.get(order_id)
        if order is None:
            raise OrderNotFoundError
        try:
            authorize(actor, "checkout.services.pay_order", owner=order.customer_id)
        except KlickitError:
            raise OrderNotFoundError from None
        if order.status is not OrderStatus.PENDING_PAYMENT:
            # Paid, failed or cancelled: nothing to do (idempotent). On hold: the payment
            # is authorized and waits for staff (approve_held_order), not for the shopper.
            # The row lets a guest's order be paid by whoever holds its id, not read: once
            # it is not pending, only its own customer gets it back (issue #18).
            if order.customer_id is None or actor.customer_id != order.customer_id:
                raise OrderNotFoundError
            return order
        order, payment = _pending_payment(uow, order_id)
        context = FraudContext(
            email=order.contact.email,
            ip_address=order.ip_address,
            billing_country=order.billing_address.country,
            shipping_country=order.shipping_address.country,
            amount=order.total,
            at=clock.now(),
        )
        assessment = fraud.assess(context, StoreFraudHistory(uow, exclude_order=order.id))
        if assessment.verdict is FraudVerdict.DENY:
            uow.payments.save(payment.failed("fraud_denied", at=clock.now()))
        if actor.is_staff:  # staff holding a guest's order id: an act on their records
            log_staff_read(uow.access_log, actor, "orders.pay", order.id, clock.now(), ids.new_id())
        if assessment.verdict is FraudVerdict.DENY or actor.is_staff:
            uow.commit()
    request = _payment_request(order, payment)
    if assessment.verdict is FraudVerdict.ALLOW:
        payments.charge_payment(uow, clock, gateway, PAYMENTS_JOB, payment.id, request, token)
    elif assessment.verdict is FraudVerdict.REVIEW:
        payments.authorize_payment(uow, clock, gateway, PAYMENTS_JOB, payment.id, request, token)
    return _sync(uow, clock, ids, PAYMENTS_JOB, order_id)


def approve_held_order(
    uow: CheckoutUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    gateway: PaymentGateway,
    actor: Actor,
    order_id: str,
) -> Order:
    """Staff release an order held for review: its authorized payment is captured
    (logged: ``orders.approve``)."""
    authorize(actor, "checkout.services.approve_held_order")
    with uow:
        _, payment = _pending_payment(uow, order_id)
    if payment.status is not PaymentStatus.AUTHORIZED:
        raise NoPaymentError
    payments.capture_payment(uow, clock, gateway, PAYMENTS_JOB, payment.id)
    return _sync(uow, clock, ids, actor, order_id, logged="orders.approve")


def reject_held_order(
    uow: CheckoutUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    gateway: PaymentGateway,
    actor: Actor,
    order_id: str,
    reason: str = "",
) -> Order:
    """Staff turn down an order held for review: the card authorization is released
    (voided, nothing was captured) and the order is cancelled, giving its stock back.
    Rejecting it again changes nothing; either way the call is logged (``orders.reject``).
    """
    authorize(actor, "checkout.services.reject_held_order")
    reason = checked_reason(reason)
    with uow:
        order = uow.orders.get(order_id)
        if order is None:
            raise OrderNotFoundError
        if order.status is OrderStatus.CANCELLED:  # already rejected: idempotent
            log_staff_read(
                uow.access_log, actor, "orders.reject", order.id, clock.now(), ids.new_id()
            )
            uow.commit()
            return order
        authorized = [
            p for p in uow.payments.for_order(order_id) if p.status is PaymentStatus.AUTHORIZED
        ]
    for payment in authorized:
        payments.void_payment(uow, clock, gateway, PAYMENTS_JOB, payment.id)
    with uow:
        current = uow.orders.get(order_id)
        if current is None:  # pragma: no cover - orders are never deleted here
            raise OrderNotFoundError
        cancelled = move_order(uow, clock, ids, actor, current, OrderStatus.CANCELLED, reason)
        log_staff_read(uow.access_log, actor, "orders.reject", order.id, clock.now(), ids.new_id())
        uow.commit()
    return cancelled


def refund_order(
    uow: CheckoutUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    gateway: PaymentGateway,
    actor: Actor,
    order_id: str,
    amount_minor: int,
) -> Order:
    """Refund part or all of a paid order (staff, logged: ``orders.refund``); never more
    than was paid."""
    authorize(actor, "checkout.services.refund_order")
    with uow:
        order = uow.orders.get(order_id)
        if order is None:
            raise OrderNotFoundError
        paid = [p for p in uow.payments.for_order(order_id) if p.captured_minor > p.refunded_minor]
    if not paid:
        raise NoPaymentError
    payments.refund_payment(uow, clock, ids, gateway, PAYMENTS_JOB, paid[-1].id, amount_minor)
    return _sync(uow, clock, ids, actor, order_id, logged="orders.refund")


def handle_webhook(
    uow: CheckoutUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    verifier: WebhookVerifier,
    header: str,
    raw_body: bytes,
) -> Order | None:
    """Verify and apply a gateway notification, then sync its order (PAY-4).

    Returns the order, or ``None`` when the event changed nothing (duplicate or stale).
    The signature is the proof: the payment steps run as :data:`PAYMENTS_JOB`.
    """
    now = clock.now()
    event = verifier.verify(header, raw_body, now)
    payment = payments.apply_webhook(uow, PAYMENTS_JOB, event, now)
    if payment is None:
        return None
    # The event is recorded; a redelivery would now be a duplicate, so the order must
    # catch up here: retry the sync when a concurrent writer got there first.
    for attempt in range(_SYNC_ATTEMPTS):
        try:
            return _sync(uow, clock, ids, PAYMENTS_JOB, payment.order_id)
        except ConflictError:
            if attempt == _SYNC_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


_SYNC_ATTEMPTS = 5


def sync_order(
    uow: CheckoutUnitOfWork, clock: Clock, ids: IdGenerator, actor: Actor, order_id: str
) -> Order:
    """Bring an order in line with its payments, forwards only. Idempotent.

    For staff (``orders.manage``, logged: ``orders.sync``) and the payment job
    (``payments.process``); a status change names ``actor``.
    """
    authorize(actor, "checkout.services.sync_order")
    return _sync(uow, clock, ids, actor, order_id, logged="orders.sync")


def _sync(
    uow: CheckoutUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
    order_id: str,
    *,
    logged: str | None = None,
) -> Order:
    """:func:`sync_order` for a caller that authorized ``actor``; ``logged`` names the
    staff use case to write to the access log in the same transaction."""
    with uow:
        order = uow.orders.get(order_id)
        if order is None:
            raise OrderNotFoundError
        found = uow.payments.for_order(order_id)
        captured = sum(p.captured_minor for p in found)
        refunded = sum(p.refunded_minor for p in found)
        updated = order
        if captured > updated.paid_minor:
            updated = updated.with_payment(min(captured, updated.total_minor) - updated.paid_minor)
        if refunded > updated.refunded_minor:
            updated = updated.with_refund(refunded - updated.refunded_minor, at=clock.now())
        target = _target_status(updated, found, captured, refunded)
        if target is not None and updated.can_move_to(target):
            uow.orders.save(updated)  # amounts first, then the move (which saves again)
            updated = move_order(uow, clock, ids, actor, updated, target)
        elif updated is not order:
            uow.orders.save(updated)
        if logged is not None:
            log_staff_read(uow.access_log, actor, logged, order.id, clock.now(), ids.new_id())
        for event in _payment_events(order, updated, found, clock.now()):
            uow.record(event)
        uow.commit()
    return updated


def _payment_events(
    before: Order, after: Order, found: list[Payment], now: datetime
) -> list[DomainEvent]:
    """What a sync tells the shop: the order became paid, money went back."""
    events: list[DomainEvent] = []
    if after.status is OrderStatus.PROCESSING and before.status is not OrderStatus.PROCESSING:
        payer = [p for p in found if p.captured_minor][-1]
        events.append(
            OrderPaid(after.id, payer.id, after.paid_minor, after.currency, occurred_at=now)
        )
    if after.refunded_minor > before.refunded_minor:
        amount = after.refunded_minor - before.refunded_minor
        events.append(OrderRefunded(after.id, amount, after.currency, occurred_at=now))
    return events


def _target_status(
    order: Order, found: list[Payment], captured: int, refunded: int
) -> OrderStatus | None:
    if refunded:
        return OrderStatus.REFUNDED if refunded >= captured else OrderStatus.PARTIALLY_REFUNDED
    if captured and captured >= order.total_minor:
        return OrderStatus.PROCESSING
    if any(p.status is PaymentStatus.AUTHORIZED for p in found):
        return OrderStatus.ON_HOLD
    if found and all(p.status in (PaymentStatus.FAILED, PaymentStatus.VOIDED) for p in found):
        return OrderStatus.FAILED
    return None
