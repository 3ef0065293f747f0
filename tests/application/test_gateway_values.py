"""What checkout sends the payment gateway, value by value (PAY-1; issue 19, break 2).

The policy says the gateway receives the name, email, address, phone, city, state and
postcode, and the type :class:`~klickit_core.payments.domain.PaymentRequest` lists exactly
those fields. A type does not say what goes *into* them: the client IP copied into
``state`` still passed. These tests pay orders through the public services with a
:class:`~klickit_core.testing.RecordingGateway` in the shop and compare every field sent
with the value it must hold, for French and foreign billing addresses, with and without
a separate shipping address, the shop knowing the client's IP, browser and location all
along. The last test puts the break back by hand and shows these tests catch it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from decimal import Decimal

import attrs
import pytest

from klickit_core.adapters.gateways import SandboxGateway
from klickit_core.application.checkout import CheckoutService
from klickit_core.application.parts import ShopParts
from klickit_core.application.payments import PaymentService
from klickit_core.cart.domain import Cart
from klickit_core.checkout import services as checkout_services
from klickit_core.checkout.domain import AddressForm, CheckoutForm
from klickit_core.checkout.services import PlacedOrder
from klickit_core.orders.domain import Order
from klickit_core.payments.domain import Payment, PaymentRequest
from klickit_core.payments.ports import GatewayTimeoutError
from klickit_core.sessions.domain import Location, VisitorSession
from klickit_core.shared.actors import Actor
from klickit_core.testing import FixedClock, RecordingGateway, SequentialIds

from ..conftest import NOW
from .conftest import SUCCESS_CARD, _parts_of, valid_form

#: The browser type and place the shop's session knows: none may reach the gateway.
BROWSER = "Firefox 132"
PLACE = Location("FR", "Nouvelle-Aquitaine", "Talence")
CART = Cart().add("MUG", 2)


@attrs.frozen
class Case:
    """One checkout, and what the gateway must receive for it (``payment_id`` and
    ``provider_id`` aside: they come from the payment)."""

    form: CheckoutForm
    method: str
    ip: str
    expected: dict[str, object]


def _sent(**changes: object) -> dict[str, object]:
    """Alice's request values for a French address, with ``changes``."""
    values: dict[str, object] = {
        "name": "Alice Martin",
        "email": "alice@example.fr",
        "address": "1 rue Sainte-Catherine",
        "phone": "+33612345678",
        "city": "Bordeaux",
        "state": "",
        "postcode": "33000",
        "amount": Decimal("38.75"),  # 2 x 14.90 + 8.95 (Colissimo)
        "currency": "EUR",
    }
    values.update(changes)
    return values


PARIS = AddressForm(country="FR", street="5 place de la Bourse", postcode="75002", city="Paris")
CASES = {
    "fr-billing-only": Case(valid_form(), "colissimo-fr", "203.0.113.7", _sent()),
    "fr-billing-fr-shipping": Case(
        valid_form(
            billing=AddressForm(
                country="FR",
                street="12 cours de l'Intendance\nAppartement 4",
                postcode="33000",
                city="Bordeaux",
            ),
            shipping=PARIS,
        ),
        "relay-fr",
        "2001:db8::7",
        _sent(
            address="12 cours de l'Intendance, Appartement 4",
            amount=Decimal("33.70"),  # 29.80 + 3.90 (relay)
        ),
    ),
    "it-billing-only": Case(
        valid_form(
            billing=AddressForm(
                country="IT", street="Via Roma 1", postcode="20121", city="Milano", region="MI"
            ),
            phone="02 1234 5678",
        ),
        "colissimo-eu",
        "198.51.100.23",
        _sent(
            address="Via Roma 1",
            phone="+390212345678",
            city="Milano",
            state="MI",
            postcode="20121",
            amount=Decimal("45.70"),  # 29.80 + 15.90 (Colissimo Europe)
        ),
    ),
    "us-billing-fr-shipping": Case(
        valid_form(
            billing=AddressForm(
                country="US",
                street="1600 Amphitheatre Pkwy",
                postcode="94043",
                city="Mountain View",
                region="CA",
            ),
            phone="(650) 253-0000",
            shipping=PARIS,
        ),
        "colissimo-fr",
        "203.0.113.7",
        _sent(
            address="1600 Amphitheatre Pkwy",
            phone="+16502530000",
            city="Mountain View",
            state="CA",
            postcode="94043",
        ),
    ),
}


def _pay_recorded(parts: ShopParts, case: Case) -> tuple[PlacedOrder, Payment, PaymentRequest]:
    """Place ``case``'s order as a guest whose visit the shop has on file (IP, browser,
    location, the address typed for an estimate), pay it, and return the one request the
    gateway received."""
    gateway = RecordingGateway(parts.gateway)
    parts = attrs.evolve(parts, gateway=gateway)
    with parts.unit_of_work() as uow:
        uow.sessions.add(
            VisitorSession(
                f"visit-{case.ip}",
                NOW,
                NOW,
                ip_address=case.ip,
                browser=BROWSER,
                location=PLACE,
                customer_id=None,
            )
        )
        uow.commit()
    placed = CheckoutService(parts).place_order(
        Actor.visitor(), case.form, CART, case.method, ip_address=case.ip
    )
    sandbox = gateway.inner
    assert isinstance(sandbox, SandboxGateway)
    token = sandbox.tokenize(SUCCESS_CARD, 12, 2030, "123")
    PaymentService(parts).pay(Actor.visitor(), placed.order.id, token)
    assert [entry.request.payment_id for entry in gateway.recorded] == [placed.payment.id]
    with parts.unit_of_work() as uow:
        payment = uow.payments.get(placed.payment.id)
    assert payment is not None
    return placed, payment, gateway.requests[0]


def _leaks(request: PaymentRequest, order: Order, payment: Payment, ip: str) -> list[str]:
    """What the request holds that PAY-1 does not send: the IP, the browser, the session's
    place, and order data beyond the billing contact and the amount."""
    texts = [v for v in attrs.astuple(request) if isinstance(v, str)]
    found = [
        what
        for what, needle in (
            ("ip", ip),
            ("browser", BROWSER),
            ("session region", PLACE.region),
            ("session city", PLACE.city),
            ("product name", "Mug Bordeaux"),
        )
        if needle and any(needle in text for text in texts)
    ]
    if order.shipping_address != order.billing_address:
        shipping = order.shipping_address
        parts = (*shipping.street, shipping.postcode, shipping.city)
        found += [f"shipping {p}" for p in parts if any(p in text for text in texts)]
    whole = {
        "order id": order.id,
        "order number": order.number,
        "idempotency key": payment.idempotency_key,
        "shipping method": order.shipping_method,
        "sku": "MUG",
    }
    found += [what for what, value in whole.items() if value in texts]
    return found


def check_case(parts: ShopParts, case: Case) -> None:
    """PAY-1: every field sent holds exactly its value, and nothing else leaks."""
    placed, payment, request = _pay_recorded(parts, case)
    assert attrs.asdict(request) == {
        **case.expected,
        "payment_id": placed.payment.id,
        "provider_id": "sandbox",
    }
    assert _leaks(request, placed.order, payment, case.ip) == []


@pytest.mark.parametrize("name", list(CASES))
def test_the_gateway_receives_exactly_the_policys_values(shop_parts: ShopParts, name: str) -> None:
    """PAY-1: name, email, billing street lines, phone in E.164 (read in the billing
    country), city, state = the billing region (empty in France, never the IP), postcode,
    the payment's id and provider, the amount and currency; never the client IP, the
    browser, the session's location, the shipping address or other order data."""
    check_case(shop_parts, CASES[name])


def test_the_request_fields_are_the_policys_list() -> None:
    """PAY-1: the values above cover every field; a new field must be added there too."""
    assert {f.name for f in attrs.fields(PaymentRequest)} == set(
        next(iter(CASES.values())).expected
    ) | {"payment_id", "provider_id"}


# -------------------------------------------------------------- the recording gateway
def test_the_recording_gateway_forwards_and_records_even_a_lost_call(
    shop_parts: ShopParts,
) -> None:
    """PAY-1, PAY-3: a call that times out was still sent, so it is recorded; the retry
    with the same token and key is recorded again and the sandbox charges once."""
    gateway = RecordingGateway(parts_gateway := shop_parts.gateway)
    assert isinstance(parts_gateway, SandboxGateway)
    parts = attrs.evolve(shop_parts, gateway=gateway)
    assert gateway.provider_id == "sandbox"
    placed = CheckoutService(parts).place_order(
        Actor.visitor(), valid_form(), CART, "colissimo-fr", ip_address="203.0.113.7"
    )
    token = parts_gateway.tokenize(SUCCESS_CARD, 12, 2030, "123")
    parts_gateway.timeout_next_call()
    with pytest.raises(GatewayTimeoutError):
        PaymentService(parts).pay(Actor.visitor(), placed.order.id, token)
    PaymentService(parts).pay(Actor.visitor(), placed.order.id, token)
    first, retry = gateway.recorded
    assert (first.call, first.request, first.token) == ("charge", retry.request, token)
    assert first.idempotency_key == retry.idempotency_key
    assert parts_gateway.charges == 1
    assert "Alice" not in repr(gateway) + repr(first)
    gateway.clear()
    assert gateway.requests == ()


# -------------------------------------------------------------- the break, put back
def _state_is_the_ip(order: Order, payment: Payment) -> PaymentRequest:
    return attrs.evolve(REAL(order, payment), state=order.ip_address or "")


def _state_carries_the_ip(order: Order, payment: Payment) -> PaymentRequest:
    real = REAL(order, payment)
    return attrs.evolve(real, state=f"{real.state} {order.ip_address}".strip())


def _state_is_the_shipping_region(order: Order, payment: Payment) -> PaymentRequest:
    return attrs.evolve(REAL(order, payment), state=order.shipping_address.region)


REAL = checkout_services._payment_request
_Mutant = Callable[[Order, Payment], PaymentRequest]


def _fresh_parts() -> contextlib.AbstractContextManager[ShopParts]:
    """A new stocked memory shop, so each run starts with no order history."""
    return contextlib.contextmanager(_parts_of)("memory://", FixedClock(NOW), SequentialIds())


def _caught_by(mutant: _Mutant | None, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The cases whose check fails (``AssertionError``) with ``mutant`` as checkout's
    request builder (``None``: the real one)."""
    caught = set()
    with monkeypatch.context() as patch:
        if mutant is not None:
            patch.setattr(checkout_services, "_payment_request", mutant)
        for name, case in CASES.items():
            with _fresh_parts() as parts:
                try:
                    check_case(parts, case)
                except AssertionError:
                    caught.add(name)
    return caught


@pytest.mark.parametrize(
    ("mutant", "caught"),
    [
        (_state_is_the_ip, set(CASES)),
        (_state_carries_the_ip, set(CASES)),
        (_state_is_the_shipping_region, {"us-billing-fr-shipping"}),
    ],
    ids=["state-is-the-ip", "state-carries-the-ip", "state-is-the-shipping-region"],
)
def test_the_value_checks_catch_a_request_built_wrong(
    mutant: _Mutant, caught: set[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """PAY-1 (issue 19, break 2): checkout putting the client IP into ``state`` (or the
    wrong address's region) fails these checks, run in-process; the real builder passes."""
    assert _caught_by(mutant, monkeypatch) == caught
    assert _caught_by(None, monkeypatch) == set()
