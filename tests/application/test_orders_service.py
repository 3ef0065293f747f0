"""``shop.orders`` (ORD-1, ORD-2, X-6): reading and managing orders, and a guest's
lookup by order number and email, the same answer for every miss and limited per
network in the login limits' window (SEC-2, issue 14)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from klickit_core.accounts.security import InvalidNetworkAddressError
from klickit_core.application.orders import OrderService, TooManyLookupsError
from klickit_core.application.parts import ShopParts
from klickit_core.orders.domain import OrderStatus, SupportKind
from klickit_core.orders.ports import OrderNotFoundError
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import KlickitError
from klickit_core.testing import FixedClock

from .conftest import IP, SECURITY, guest_order

ADMIN = Actor("staff-1", Role.ADMINISTRATOR)
LIMIT = SECURITY.login.ip_limit


def _miss(orders: OrderService, number: str, email: str, ip: str = IP) -> KlickitError:
    with pytest.raises(OrderNotFoundError) as raised:
        orders.lookup_guest(number, email, ip)
    return raised.value


def test_a_guest_finds_their_order_by_number_and_email(shop_parts: ShopParts) -> None:
    """ORD-1: the number and the email it was placed with; the email's case and spaces
    do not matter."""
    placed = guest_order(shop_parts)
    orders = OrderService(shop_parts)
    found = orders.lookup_guest(placed.order.number, " Alice@Example.fr ", IP)
    assert found == placed.order


def test_every_miss_gives_the_same_answer(shop_parts: ShopParts) -> None:
    """X-6: an unknown number, a wrong email, a malformed one, a number of another
    guest's order and an empty number are told apart by nothing."""
    placed = guest_order(shop_parts)
    other = guest_order(shop_parts, "bob@example.fr")
    orders = OrderService(shop_parts)
    number = placed.order.number
    misses = [
        _miss(orders, "KL-2026-999999", "alice@example.fr"),
        _miss(orders, number, "bob@example.fr"),
        _miss(orders, number, "not an email"),
        _miss(orders, other.order.number, "alice@example.fr"),
    ]
    assert {(type(m), m.code, str(m), repr(m.details)) for m in misses} == {
        (OrderNotFoundError, "orders.not_found", str(misses[0]), "{}")
    }


def test_lookups_that_miss_are_limited_per_network(
    shop_parts: ShopParts, clock: FixedClock
) -> None:
    """SEC-2: past the network's limit of misses in the window, even the right number and
    email are refused, with an error that says nothing of the order; another network is
    not affected; once the window has passed, the lookup works again."""
    placed = guest_order(shop_parts)
    orders = OrderService(shop_parts)
    for attempt in range(LIMIT):
        _miss(orders, f"KL-2026-{900_000 + attempt:06d}", "alice@example.fr")
    with pytest.raises(TooManyLookupsError) as raised:
        orders.lookup_guest(placed.order.number, "alice@example.fr", IP)
    assert (raised.value.code, raised.value.details) == ("orders.too_many_lookups", {})
    assert raised.value.message("en") == (
        "Too many attempts to find an order. Please try again later."
    )
    assert raised.value.message("fr") != raised.value.message("en")
    with pytest.raises(TooManyLookupsError):  # a wrong guess gets the same refusal
        orders.lookup_guest("KL-2026-999999", "alice@example.fr", IP)
    assert orders.lookup_guest(placed.order.number, "alice@example.fr", "198.51.100.1")
    clock.advance(SECURITY.login.window + timedelta(seconds=1))
    assert orders.lookup_guest(placed.order.number, "alice@example.fr", IP) == placed.order


def test_found_orders_do_not_count_against_the_limit(shop_parts: ShopParts) -> None:
    """SEC-2: a guest looking at their own order again and again is never refused; an
    IPv6 client is counted by its /64 network."""
    placed = guest_order(shop_parts)
    orders = OrderService(shop_parts)
    for _ in range(LIMIT + 2):
        assert orders.lookup_guest(placed.order.number, "alice@example.fr", "2001:db8::1")
    for host in range(LIMIT):
        _miss(orders, "KL-2026-999999", "alice@example.fr", f"2001:db8::{host + 2:x}")
    with pytest.raises(TooManyLookupsError):
        orders.lookup_guest(placed.order.number, "alice@example.fr", "2001:db8::ff")


def test_a_lookup_needs_the_clients_address(shop_parts: ShopParts) -> None:
    """SEC-2: without a valid client address the limit could not hold: the app's bug."""
    orders = OrderService(shop_parts)
    for bad in ("", "localhost", None):
        with pytest.raises(InvalidNetworkAddressError):
            orders.lookup_guest("KL-2026-000001", "alice@example.fr", bad)  # type: ignore[arg-type]


def test_staff_read_list_and_complete_customers_cancel(shop_parts: ShopParts) -> None:
    """ORD-1, X-6: staff see every order (logged); a visitor sees none of them by id;
    an unpaid order is cancelled and a request about it opened and closed (ORD-2)."""
    placed = guest_order(shop_parts)
    orders = OrderService(shop_parts)
    assert orders.get(ADMIN, placed.order.id) == placed.order
    with pytest.raises(OrderNotFoundError):
        orders.get(Actor.visitor(), placed.order.id)
    assert [o.id for o in orders.list(ADMIN, statuses=[OrderStatus.PENDING_PAYMENT])] == [
        placed.order.id
    ]
    assert orders.list(ADMIN, statuses=[OrderStatus.CANCELLED]) == []
    request = orders.open_support_request(
        ADMIN, placed.order.id, SupportKind.TRACKING, "Où en est ma commande ?"
    )
    assert orders.support_requests(ADMIN, placed.order.id) == [request]
    assert orders.close_support_request(ADMIN, request.id).closed_at is not None
    cancelled = orders.cancel(ADMIN, placed.order.id, "stock error")
    assert cancelled.status is OrderStatus.CANCELLED
    with shop_parts.unit_of_work() as uow:
        logged = {entry.action for entry in uow.access_log.entries()}
    assert {"orders.read", "orders.list", "support.close", "orders.cancel"} <= logged
