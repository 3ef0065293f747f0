"""Decision 0014: the domain events and their bus (X-9 for the errors, PRV-1 for what an
event may carry). The backends' side (handlers in the transaction, subscribers after the
commit) is the contract suite ``klickit_core.testing.contracts.events``, run on every
backend in ``tests/adapters/test_event_contracts.py``; each use case's event is checked
in ``tests/adapters/test_use_case_events.py``."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, cast

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klickit_core.adapters.gateways import SandboxGateway
from klickit_core.bootstrap import build_shop
from klickit_core.cart.domain import Cart
from klickit_core.catalogue.domain import Product
from klickit_core.checkout.domain import AccountForm, AddressForm, CheckoutForm
from klickit_core.checkout.services import PlacedOrder
from klickit_core.payments.fraud import FraudScreen
from klickit_core.privacy.records import ErasureKey, RequestKind
from klickit_core.privacy.settings import PrivacySettings
from klickit_core.shared import events
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.clock import NaiveDatetimeError
from klickit_core.shared.events import (
    DomainEvent,
    EventBus,
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
)
from klickit_core.shared.money import Money
from klickit_core.shared.sensitive import Secret
from klickit_core.testing import FixedClock, InMemoryOutbox, SequentialIds

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
PLACED = OrderPlaced("order-1", "KL-2026-000001", None, 2980, "EUR", occurred_at=NOW)
EVENT_TYPES = [
    value
    for name in events.__all__
    if isinstance(value := getattr(events, name), type)
    and issubclass(value, DomainEvent)
    and value is not DomainEvent
]
#: Every field an event may have: ids, amounts, counts, a currency, an order number.
ALLOWED_FIELDS: dict[str, object] = {
    "occurred_at": datetime,
    "order_id": str,
    "number": str,
    "customer_id": (str, str | None),
    "total_minor": int,
    "amount_minor": int,
    "currency": str,
    "payment_id": str,
    "request_id": str,
    "reference": str,
    "deleted": int,
    "anonymised": int,
}


def test_every_listed_event_exists() -> None:
    """Decision 0014, issue #14: at least these events, and every one in ``__all__``."""
    assert {cls.__name__ for cls in EVENT_TYPES} == {
        "OrderPlaced",
        "OrderPaid",
        "OrderCancelled",
        "OrderRefunded",
        "OrderShipped",
        "AccountCreated",
        "PasswordChanged",
        "DataExportReady",
        "ErasureDone",
    }


@pytest.mark.parametrize("event_type", EVENT_TYPES, ids=lambda cls: cls.__name__)
def test_events_hold_only_ids_and_facts(event_type: type[DomainEvent]) -> None:
    """PRV-1: an event's fields are ids, amounts and counts of known names and types,
    never a name, an email, an address or free text (a reason); and it is frozen."""
    hints = attrs.resolve_types(event_type)
    for field in attrs.fields(hints):
        assert field.name in ALLOWED_FIELDS, field.name
        allowed = ALLOWED_FIELDS[field.name]
        assert field.type in (allowed if isinstance(allowed, tuple) else (allowed,)), field.name
    assert attrs.fields_dict(event_type)["occurred_at"].kw_only


def test_occurred_at_is_aware_and_kept_in_utc() -> None:
    """X-9: a naive moment is refused with a typed error; an aware one is kept in UTC."""
    with pytest.raises(NaiveDatetimeError):
        OrderCancelled("order-1", occurred_at=datetime(2026, 11, 24, 10, 0))  # noqa: DTZ001
    paris = timezone(timedelta(hours=1))
    event = OrderCancelled("order-1", occurred_at=datetime(2026, 11, 24, 10, 0, tzinfo=paris))
    assert event.occurred_at == NOW
    assert event.occurred_at.tzinfo is UTC
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.order_id = "order-2"  # type: ignore[misc]


def test_a_key_hears_its_subclasses_in_registration_order() -> None:
    """Decision 0014: ``DomainEvent`` hears every event; listeners run in the order of
    the mapping, then of each list; an event without a listener reaches nobody."""
    calls: list[str] = []

    def listener(name: str) -> Any:
        return lambda *_args: calls.append(name)

    bus = EventBus[object](
        handlers={DomainEvent: [listener("all-1")], OrderPlaced: [listener("placed")]},
        subscribers={OrderPlaced: [listener("sub-placed")], DomainEvent: [listener("sub-all")]},
    )
    bus.handle(PLACED, object())
    bus.publish(PLACED)
    assert calls == ["all-1", "placed", "sub-placed", "sub-all"]
    calls.clear()
    paid = OrderPaid("order-1", "pay-1", 2980, "EUR", occurred_at=NOW)
    bus.handle(paid, object())
    bus.publish(paid)
    assert calls == ["all-1", "sub-all"]
    calls.clear()
    EventBus[object]().handle(paid, object())
    EventBus[object]().publish(paid)
    assert calls == []


def test_a_subscriber_failure_is_logged_by_type_only_and_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """PRV-1, decision 0014: the warning names the event's and the error's types, never
    the error's message (it may hold personal data); the hook gets the error itself; a
    hook that fails is logged too, and neither stops the next subscriber."""
    reported: list[tuple[DomainEvent, Exception]] = []
    heard: list[DomainEvent] = []
    error = RuntimeError("mail to camille@example.fr refused")

    def failing(_event: DomainEvent) -> None:
        raise error

    def hook(event: DomainEvent, problem: Exception) -> None:
        reported.append((event, problem))
        raise ValueError("camille@example.fr")

    bus = EventBus[object](
        subscribers={DomainEvent: [failing, heard.append]}, on_subscriber_error=hook
    )
    with caplog.at_level(logging.DEBUG, logger="klickit_core.events"):
        bus.publish(PLACED)
    assert reported == [(PLACED, error)]
    assert heard == [PLACED]
    assert [(r.levelno, r.name, r.getMessage(), r.exc_info) for r in caplog.records] == [
        (
            logging.WARNING,
            "klickit_core.events",
            "event subscriber failed on OrderPlaced (RuntimeError)",
            None,
        ),
        (
            logging.WARNING,
            "klickit_core.events",
            "on_subscriber_error failed on OrderPlaced (ValueError)",
            None,
        ),
    ]


def test_build_shop_attaches_its_bus_to_every_unit_of_work() -> None:
    """Decision 0014: ``build_shop(handlers=, subscribers=, on_subscriber_error=)`` gives
    each unit of work it opens the same bus; without listeners the bus is empty."""

    def handler(_event: DomainEvent, _uow: object) -> None: ...

    def subscriber(_event: DomainEvent) -> None: ...

    def hook(_event: DomainEvent, _error: Exception) -> None: ...

    shop = build_shop(
        handlers={OrderPlaced: [handler]},
        subscribers={DomainEvent: [subscriber]},
        on_subscriber_error=hook,
    )
    first, second = shop.unit_of_work(), shop.unit_of_work()
    assert first is not second
    assert first.events is second.events
    assert first.events == EventBus(
        handlers={OrderPlaced: (handler,)},
        subscribers={DomainEvent: (subscriber,)},
        on_subscriber_error=hook,
    )
    assert build_shop().unit_of_work().events == EventBus()


# ---------------------------------------------------------------------------- no personal data
class _QuickHasher:
    """A stand-in for Argon2 (the property runs many checkouts; hashing is not its subject)."""

    def hash(self, password: Secret) -> str:
        return "$quick$" + str(len(password.reveal()))

    def verify(self, password_hash: str, password: Secret) -> bool:
        return password_hash == self.hash(password)

    def needs_rehash(self, password_hash: str) -> bool:
        return False


_LOWER = "abcdefghijklmnopqrstuvwxyzéèàçëô"
_names = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZÉ"),
    st.text(alphabet=_LOWER, min_size=2, max_size=12),
)
_locals = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=12)
STAFF = Actor("manager-1", Role.SHOP_MANAGER)
KEY = ErasureKey.from_text("une clé de registre d'effacement bien assez longue")


def _run_every_use_case(first_name: str, last_name: str, email: str) -> list[DomainEvent]:
    """Every event a customer's life in the shop records: an order with an account, paid,
    completed, refunded; a second order cancelled; a password reset; an export; an
    erasure."""
    heard: list[DomainEvent] = []
    outbox = InMemoryOutbox()
    shop = build_shop(
        clock=FixedClock(NOW),
        ids=SequentialIds("id"),
        mailer=outbox,
        hasher=_QuickHasher(),
        privacy=PrivacySettings(erasure_key=KEY),
        fraud=FraudScreen([]),
        subscribers={DomainEvent: [heard.append]},
    )
    with shop.unit_of_work() as uow:
        uow.products.add(Product("MUG", "Mug", Money(Decimal("14.90"), "EUR"), stock=9))
        uow.commit()
    gateway = cast("SandboxGateway", shop.gateway)

    def last_token() -> str:
        return outbox.messages[-1].body.split("token=")[1].split()[0]

    def place(account: AccountForm | None, actor: Actor) -> PlacedOrder:
        form = CheckoutForm(
            first_name=first_name, last_name=last_name, email=email, phone="06 12 34 56 78",
            billing=AddressForm(country="FR", street=f"1 rue {last_name}", postcode="33000",
                                city="Bordeaux", company=f"{first_name} SARL"),
            shipping=None, accept_terms=True, account=account,
        )  # fmt: skip
        return shop.checkout.place_order(actor, form, Cart.of({"MUG": 1}), "colissimo-fr")

    username = email.split("@", maxsplit=1)[0]
    first = place(AccountForm(username, Secret("correct horse battery staple")), Actor.visitor())
    customer = cast("Actor", first.account)
    card = gateway.tokenize("4242424242424242", 12, 2030, "123")
    shop.payments.pay(customer, first.order.id, card)
    shop.orders.complete(STAFF, first.order.id)
    shop.payments.refund(STAFF, first.order.id, 100)
    second = place(None, customer)
    shop.orders.cancel(customer, second.order.id, email)
    shop.accounts.request_password_reset(email)
    shop.accounts.reset_password(last_token(), Secret("another horse battery staple"))
    shop.privacy.open_request(Actor.visitor(), kind=RequestKind.ACCESS, email=email)
    shop.privacy.confirm_export(last_token())
    shop.privacy.open_request(Actor.visitor(), kind=RequestKind.ERASURE, email=email)
    shop.privacy.confirm_erasure(last_token())
    return heard


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(first_name=_names, last_name=_names, local=_locals)
def test_no_event_carries_the_persons_data(first_name: str, last_name: str, local: str) -> None:
    """PRV-1, PRV-4: through a whole customer life (every event type), no field of any
    event holds the person's email, its local part, their first or last name, or the
    free text they typed (a reason, a company, a street)."""
    email = f"{local}@example.fr"
    heard = _run_every_use_case(first_name, last_name, email)
    assert {type(event).__name__ for event in heard} == {cls.__name__ for cls in EVENT_TYPES}
    personal = (email, local, first_name, last_name, first_name.lower(), last_name.lower())
    for event in heard:
        for name, value in attrs.asdict(event).items():
            text = str(value)
            for secret in personal:
                assert secret not in text, (type(event).__name__, name)
