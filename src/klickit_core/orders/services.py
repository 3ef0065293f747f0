"""Order use cases for staff and customers (SPEC ORD-1, ORD-2, X-6).

Reads check the actor: customers see their own orders, staff see all, and every staff
read is written to the access log. An order that does not exist and one the actor may not
see give the same :class:`OrderNotFoundError`, so ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Sequence

from klickit_core.catalogue.domain import StockMovement, StockReason
from klickit_core.orders.domain import (
    Order,
    OrderStatus,
    SupportKind,
    SupportRequest,
    SupportStatus,
)
from klickit_core.orders.ports import (
    OrderNotFoundError,
    OrdersUnitOfWork,
    SupportRequestNotFoundError,
)
from klickit_core.shared.access_log import log_staff_read
from klickit_core.shared.actors import Actor, Permission, require
from klickit_core.shared.clock import Clock
from klickit_core.shared.errors import FieldError, ValidationError
from klickit_core.shared.i18n import N_
from klickit_core.shared.ids import IdGenerator
from klickit_core.shared.text import is_clean_text

__all__ = [
    "cancel_order",
    "close_support_request",
    "complete_order",
    "get_order",
    "list_orders",
    "move_order",
    "open_support_request",
    "release_stock",
    "support_requests",
]

MAX_SUPPORT_MESSAGE = 5_000


def _visible(actor: Actor, order: Order | None) -> Order:
    if order is None:
        raise OrderNotFoundError
    if actor.can(Permission.READ_ORDERS):
        return order
    if (
        actor.can(Permission.READ_OWN_DATA)
        and actor.customer_id is not None
        and order.customer_id == actor.customer_id
    ):
        return order
    raise OrderNotFoundError


def get_order(
    uow: OrdersUnitOfWork, clock: Clock, ids: IdGenerator, actor: Actor, order_id: str
) -> Order:
    """One order, for its customer or for staff (logged)."""
    with uow:
        order = _visible(actor, uow.orders.get(order_id))
        if actor.is_staff:
            log_staff_read(
                uow.access_log, actor, "orders.read", order.id, clock.now(), ids.new_id()
            )
            uow.commit()
    return order


def list_orders(
    uow: OrdersUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
    *,
    statuses: Sequence[OrderStatus] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Order]:
    """Orders: a customer's own, or everyone's for staff (the listing is logged)."""
    with uow:
        if actor.can(Permission.READ_ORDERS):
            orders = uow.orders.list(statuses=statuses, limit=limit, offset=offset)
            log_staff_read(uow.access_log, actor, "orders.list", "*", clock.now(), ids.new_id())
            uow.commit()
            return orders
        require(actor, Permission.READ_OWN_DATA)
        if actor.customer_id is None:
            return []
        return uow.orders.list(
            statuses=statuses, customer_id=actor.customer_id, limit=limit, offset=offset
        )


def release_stock(uow: OrdersUnitOfWork, ids: IdGenerator, order: Order, clock: Clock) -> None:
    """Give back the stock an unpaid order held (inside the caller's transaction)."""
    now = clock.now()
    for line in order.lines:
        uow.products.release_stock(line.sku, line.quantity)
        uow.stock_movements.add(
            StockMovement(
                ids.new_id(), line.sku, line.quantity, StockReason.ORDER_RELEASED, now, order.id
            )
        )


def move_order(
    uow: OrdersUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    order: Order,
    target: OrderStatus,
    actor_id: str,
    reason: str = "",
) -> Order:
    """Move ``order`` to ``target`` inside the caller's transaction, releasing held stock
    when an unpaid order ends (cancelled or failed)."""
    moved = order.moved_to(target, clock.now(), actor_id, reason)
    if order.holds_stock and target in (OrderStatus.CANCELLED, OrderStatus.FAILED):
        release_stock(uow, ids, order, clock)
    uow.orders.save(moved)
    return moved


def cancel_order(
    uow: OrdersUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
    order_id: str,
    reason: str = "",
) -> Order:
    """Cancel an unpaid order (its customer or staff); its stock comes back (ORD-1)."""
    with uow:
        order = _visible(actor, uow.orders.get(order_id))
        if not actor.can(Permission.MANAGE_ORDERS):
            require(actor, Permission.EDIT_OWN_DATA)
        moved = move_order(uow, clock, ids, order, OrderStatus.CANCELLED, actor.id, reason[:200])
        uow.commit()
    return moved


def complete_order(
    uow: OrdersUnitOfWork, clock: Clock, ids: IdGenerator, actor: Actor, order_id: str
) -> Order:
    """Mark a paid order as delivered (staff): its 10-year retention clock starts now."""
    require(actor, Permission.MANAGE_ORDERS)
    with uow:
        order = uow.orders.get(order_id)
        if order is None:
            raise OrderNotFoundError
        moved = move_order(uow, clock, ids, order, OrderStatus.COMPLETED, actor.id)
        uow.commit()
    return moved


def open_support_request(
    uow: OrdersUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
    order_id: str,
    kind: SupportKind,
    message: str,
) -> SupportRequest:
    """A request about an order: tracking, refund or complaint (ORD-2)."""
    errors: list[FieldError] = []
    raw_kind: object = kind  # untyped callers (forms) may pass anything
    if not isinstance(raw_kind, SupportKind):
        errors.append(FieldError(("kind",), "support.kind_invalid", N_("Choose a request type.")))
    raw_message: object = message
    if not isinstance(raw_message, str) or not message.strip():
        errors.append(FieldError(("message",), "support.message_required", N_("Write a message.")))
    elif not is_clean_text(message, multiline=True):
        errors.append(
            FieldError(
                ("message",), "support.message_invalid", N_("This text has invalid characters.")
            )
        )
    elif len(message) > MAX_SUPPORT_MESSAGE:
        errors.append(
            FieldError(
                ("message",),
                "support.message_too_long",
                N_("At most {max} characters."),
                {"max": MAX_SUPPORT_MESSAGE},
            )
        )
    ValidationError.raise_if_any(errors)
    with uow:
        order = _visible(actor, uow.orders.get(order_id))
        request = SupportRequest(
            id=ids.new_id(),
            order_id=order.id,
            kind=kind,
            message=message.strip(),
            created_at=clock.now(),
            customer_id=order.customer_id,
        )
        uow.support_requests.add(request)
        uow.commit()
    return request


def support_requests(
    uow: OrdersUnitOfWork, clock: Clock, ids: IdGenerator, actor: Actor, order_id: str
) -> list[SupportRequest]:
    """The requests about one order, for its customer or staff (logged)."""
    with uow:
        order = _visible(actor, uow.orders.get(order_id))
        requests = uow.support_requests.for_order(order.id)
        if actor.is_staff:
            log_staff_read(
                uow.access_log, actor, "support.read", order.id, clock.now(), ids.new_id()
            )
            uow.commit()
    return requests


def close_support_request(
    uow: OrdersUnitOfWork, clock: Clock, actor: Actor, request_id: str
) -> SupportRequest:
    """Close a request (staff)."""
    require(actor, Permission.MANAGE_ORDERS)
    with uow:
        request = uow.support_requests.get(request_id)
        if request is None:
            raise SupportRequestNotFoundError
        if request.status is SupportStatus.CLOSED:
            return request
        closed = request.closed(actor.id, clock.now())
        uow.support_requests.save(closed)
        uow.commit()
    return closed
