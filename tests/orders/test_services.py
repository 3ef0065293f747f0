"""ORD-1, ORD-2, X-6: order use cases, visibility, stock release and the access log."""

from __future__ import annotations

import pytest

from klickit_core.adapters.memory import MemoryStore
from klickit_core.catalogue.domain import StockReason
from klickit_core.orders import services
from klickit_core.orders.domain import IllegalTransitionError, OrderStatus, SupportKind
from klickit_core.orders.ports import OrderNotFoundError, SupportRequestNotFoundError
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import PermissionDeniedError, ValidationError
from klickit_core.testing import FixedClock, SequentialIds

from .conftest import make_order

ALICE = Actor("alice", Role.CUSTOMER, customer_id="cust-1")
BOB = Actor("bob", Role.CUSTOMER, customer_id="cust-2")
MANAGER = Actor("manager-1", Role.SHOP_MANAGER)
ADMIN = Actor("admin-1", Role.ADMINISTRATOR)


def _log(store: MemoryStore) -> list[tuple[str, str, str]]:
    with store.unit_of_work() as uow:
        return [(e.actor_id, e.action, e.subject) for e in uow.access_log.entries()]


def test_customer_reads_own_order_without_a_log_entry(
    shop_store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    order = services.get_order(shop_store.unit_of_work(), clock, ids, ALICE, "order-1")
    assert order.id == "order-1"
    assert _log(shop_store) == []


@pytest.mark.parametrize("actor", [BOB, Actor.visitor(), Actor.system("job")])
def test_others_cannot_tell_an_order_exists(
    shop_store: MemoryStore, clock: FixedClock, ids: SequentialIds, actor: Actor
) -> None:
    with pytest.raises(OrderNotFoundError):
        services.get_order(shop_store.unit_of_work(), clock, ids, actor, "order-1")
    with pytest.raises(OrderNotFoundError):
        services.get_order(shop_store.unit_of_work(), clock, ids, actor, "missing")


@pytest.mark.parametrize("staff", [MANAGER, ADMIN])
def test_staff_reads_are_logged(
    shop_store: MemoryStore, clock: FixedClock, ids: SequentialIds, staff: Actor
) -> None:
    services.get_order(shop_store.unit_of_work(), clock, ids, staff, "order-1")
    assert _log(shop_store) == [(staff.id, "orders.read", "order-1")]
    services.list_orders(shop_store.unit_of_work(), clock, ids, staff)
    assert (staff.id, "orders.list", "order-1") in _log(shop_store)  # one entry per order
    services.list_orders(
        shop_store.unit_of_work(), clock, ids, staff, statuses=[OrderStatus.REFUNDED]
    )
    assert (staff.id, "orders.list", "*") in _log(shop_store)  # a listing that found none


def test_listing_orders(shop_store: MemoryStore, clock: FixedClock, ids: SequentialIds) -> None:
    with shop_store.unit_of_work() as uow:
        uow.orders.add(make_order("order-2", customer_id="cust-2"))
        uow.orders.add(make_order("order-3", customer_id=None, status=OrderStatus.FAILED))
        uow.commit()
    mine = services.list_orders(shop_store.unit_of_work(), clock, ids, ALICE)
    assert [o.id for o in mine] == ["order-1"]
    everyone = services.list_orders(shop_store.unit_of_work(), clock, ids, MANAGER)
    assert {o.id for o in everyone} == {"order-1", "order-2", "order-3"}
    failed = services.list_orders(
        shop_store.unit_of_work(), clock, ids, MANAGER, statuses=[OrderStatus.FAILED]
    )
    assert [o.id for o in failed] == ["order-3"]
    no_account = Actor("guest", Role.CUSTOMER)
    with pytest.raises(PermissionDeniedError):
        services.list_orders(shop_store.unit_of_work(), clock, ids, no_account)
    with pytest.raises(PermissionDeniedError):
        services.list_orders(shop_store.unit_of_work(), clock, ids, Actor.visitor())


def test_cancelling_an_unpaid_order_releases_its_stock(
    shop_store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """ORD-1/CHK-4: cancelling gives the held stock back, with a stock movement."""
    cancelled = services.cancel_order(
        shop_store.unit_of_work(), clock, ids, ALICE, "order-1", "changed my mind"
    )
    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.cancelled_at == clock.now()
    with shop_store.unit_of_work() as uow:
        product = uow.products.get("MUG")
        assert product is not None
        assert product.stock == 10
        moves = uow.stock_movements.for_order("order-1")
    assert [(m.sku, m.delta, m.reason) for m in moves] == [("MUG", 2, StockReason.ORDER_RELEASED)]
    with pytest.raises(IllegalTransitionError):
        services.cancel_order(shop_store.unit_of_work(), clock, ids, ALICE, "order-1")


def test_a_paid_order_cannot_be_cancelled(
    shop_store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    with shop_store.unit_of_work() as uow:
        uow.orders.add(make_order("paid", status=OrderStatus.PROCESSING))
        uow.commit()
    with pytest.raises(IllegalTransitionError):
        services.cancel_order(shop_store.unit_of_work(), clock, ids, MANAGER, "paid")


def test_completing_needs_staff_and_a_paid_order(
    shop_store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    with pytest.raises(PermissionDeniedError):
        services.complete_order(shop_store.unit_of_work(), clock, ids, ALICE, "order-1")
    with pytest.raises(IllegalTransitionError):
        services.complete_order(shop_store.unit_of_work(), clock, ids, MANAGER, "order-1")
    with shop_store.unit_of_work() as uow:
        uow.orders.add(make_order("paid", status=OrderStatus.PROCESSING))
        uow.commit()
    done = services.complete_order(shop_store.unit_of_work(), clock, ids, MANAGER, "paid")
    assert done.status is OrderStatus.COMPLETED
    assert done.completed_at == clock.now()
    with pytest.raises(OrderNotFoundError):
        services.complete_order(shop_store.unit_of_work(), clock, ids, MANAGER, "nope")


def test_support_requests_life_cycle(
    shop_store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """ORD-2: tracking, refund and complaint requests linked to an order."""
    request = services.open_support_request(
        shop_store.unit_of_work(), clock, ids, ALICE, "order-1", SupportKind.TRACKING, " Où ? "
    )
    assert (request.order_id, request.kind, request.message) == ("order-1", "tracking", "Où ?")
    assert "Où" not in repr(request)
    listed = services.support_requests(shop_store.unit_of_work(), clock, ids, MANAGER, "order-1")
    assert [r.id for r in listed] == [request.id]
    assert (MANAGER.id, "support.read", "order-1") in _log(shop_store)
    with pytest.raises(PermissionDeniedError):
        services.close_support_request(shop_store.unit_of_work(), clock, ALICE, request.id)
    closed = services.close_support_request(shop_store.unit_of_work(), clock, MANAGER, request.id)
    assert (closed.status, closed.closed_by) == ("closed", MANAGER.id)
    again = services.close_support_request(shop_store.unit_of_work(), clock, MANAGER, request.id)
    assert again == closed
    with pytest.raises(SupportRequestNotFoundError):
        services.close_support_request(shop_store.unit_of_work(), clock, MANAGER, "nope")
    with pytest.raises(OrderNotFoundError):
        services.open_support_request(
            shop_store.unit_of_work(), clock, ids, BOB, "order-1", SupportKind.REFUND, "x"
        )


@pytest.mark.parametrize(
    ("kind", "message", "codes"),
    [
        (SupportKind.COMPLAINT, "", {"message": "support.message_required"}),
        (SupportKind.COMPLAINT, "a\ud800", {"message": "support.message_invalid"}),
        (SupportKind.COMPLAINT, "x" * 5001, {"message": "support.message_too_long"}),
        ("nonsense", "ok", {"kind": "support.kind_invalid"}),
        ("nonsense", None, {"kind": "support.kind_invalid", "message": "support.message_required"}),
    ],
)
def test_bad_support_requests_are_refused_and_nothing_is_written(
    shop_store: MemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    kind: object,
    message: object,
    codes: dict[str, str],
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.open_support_request(
            shop_store.unit_of_work(),
            clock,
            ids,
            ALICE,
            "order-1",
            kind,
            message,  # type: ignore[arg-type]
        )
    assert caught.value.codes == codes
    with shop_store.unit_of_work() as uow:
        assert uow.support_requests.for_order("order-1") == []


def test_a_card_number_is_refused_in_a_support_request_and_a_cancellation_reason(
    shop_store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """ORD-1, ORD-2, PAY-2: a card number in a support message or a cancellation reason is
    refused (``text.card_number``); nothing is written, the order stays pending."""
    before = {name: dict(rows) for name, rows in shop_store.tables.items()}
    with pytest.raises(ValidationError) as caught:
        services.open_support_request(
            shop_store.unit_of_work(), clock, ids, ALICE, "order-1", SupportKind.REFUND,
            "Remboursez la carte\n4242-4242-4242-4242 svp",
        )  # fmt: skip
    assert caught.value.codes == {"message": "text.card_number"}
    with pytest.raises(ValidationError) as caught:
        services.cancel_order(
            shop_store.unit_of_work(), clock, ids, ALICE, "order-1", "carte 378282246310005"
        )
    assert caught.value.codes == {"reason": "text.card_number"}
    assert {name: dict(rows) for name, rows in shop_store.tables.items()} == before
    fine = services.open_support_request(
        shop_store.unit_of_work(), clock, ids, ALICE, "order-1", SupportKind.REFUND,
        "IBAN FR76 3000 6000 0112 3456 7890 189, tél. +33 6 12 34 56 78",
    )  # fmt: skip
    assert fine.message == "IBAN FR76 3000 6000 0112 3456 7890 189, tél. +33 6 12 34 56 78"


@pytest.mark.parametrize("reason", ["changed my mind\x00", "\ud800", None, 42])
def test_a_cancellation_reason_must_be_clean_text(
    shop_store: MemoryStore, clock: FixedClock, ids: SequentialIds, reason: object
) -> None:
    """ORD-1, X-9: a reason with control characters, or not text at all, is a typed field
    error; the order stays pending."""
    with pytest.raises(ValidationError) as caught:
        services.cancel_order(
            shop_store.unit_of_work(),
            clock,
            ids,
            ALICE,
            "order-1",
            reason,  # type: ignore[arg-type]
        )
    assert caught.value.codes == {"reason": "order.reason_invalid"}
    with shop_store.unit_of_work() as uow:
        order = uow.orders.get("order-1")
    assert order is not None
    assert order.status is OrderStatus.PENDING_PAYMENT


def test_moving_an_order_takes_the_actor_and_records_it(
    shop_store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """ORD-1, X-6 (issue #18, finding 10): the history names the actor that moved the
    order, never a string the caller chose; a customer may not move another's order."""
    with shop_store.unit_of_work() as uow:
        order = uow.orders.get("order-1")
        assert order is not None
        with pytest.raises(PermissionDeniedError):
            services.move_order(uow, clock, ids, BOB, order, OrderStatus.CANCELLED)
        moved = services.move_order(uow, clock, ids, ALICE, order, OrderStatus.CANCELLED)
        uow.commit()
    assert moved.history[-1].actor == "alice"
    for nobody in (Actor.visitor(), Actor("alice", Role.CUSTOMER)):
        with shop_store.unit_of_work() as uow, pytest.raises(PermissionDeniedError):
            services.move_order(uow, clock, ids, nobody, moved, OrderStatus.FAILED)


def test_closing_a_closed_request_is_still_a_logged_staff_read(
    shop_store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """ORD-2, X-6 (issue #18, finding 9): the closed request comes back in full either way,
    so closing it again is written to the access log too (by the order's id)."""
    request = services.open_support_request(
        shop_store.unit_of_work(), clock, ids, ALICE, "order-1", SupportKind.TRACKING, "Où ?"
    )
    for _ in range(2):
        services.close_support_request(shop_store.unit_of_work(), clock, MANAGER, request.id)
    assert _log(shop_store) == [
        ("manager-1", "support.close", "order-1"),
        ("manager-1", "support.close", "order-1"),
    ]


@pytest.fixture
def guest_store(shop_store: MemoryStore) -> MemoryStore:
    with shop_store.unit_of_work() as uow:
        uow.orders.add(make_order("order-9", customer_id=None, email="gus@example.org"))
        uow.commit()
    return shop_store


def test_a_guest_finds_their_order_with_its_number_and_email(guest_store: MemoryStore) -> None:
    """ORD-1, X-6: the number and the email together show a guest their order (the
    email as typed, any case)."""
    found = services.lookup_guest_order(
        guest_store.unit_of_work(), " KL-2026-order-9 ", " Gus@Example.org "
    )
    assert found.id == "order-9"


@pytest.mark.parametrize(
    ("number", "email"),
    [
        ("KL-2026-order-9", "alice@example.fr"),  # the number, another email
        ("KL-2026-order-8", "gus@example.org"),  # the email, another number
        ("KL-2026-order-1", "alice@example.fr"),  # an account's order: sign in instead
        ("KL-2026-order-9", "not an email"),
        ("", "gus@example.org"),
        (None, None),
    ],
    ids=["wrong email", "wrong number", "account order", "malformed email", "empty", "none"],
)
def test_a_lookup_that_does_not_match_tells_nothing(
    guest_store: MemoryStore, number: str, email: str
) -> None:
    """ORD-1, X-6: every miss is the same OrderNotFoundError, with the same details."""
    with pytest.raises(OrderNotFoundError) as missed:
        services.lookup_guest_order(guest_store.unit_of_work(), number, email)
    assert (missed.value.code, missed.value.details) == ("orders.not_found", {})
