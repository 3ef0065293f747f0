"""Order use cases for staff and customers (SPEC ORD-1, ORD-2, X-6).

Every use case asks the authorization table (:mod:`klickit_core.shared.authorization`):
customers see their own orders, staff see all, and every staff use case on an order is
written to the access log. An order that does not exist and one the actor may not see
give the same :class:`OrderNotFoundError`, so ids cannot be probed. A guest finds their
order with its number and their email (:func:`lookup_guest_order`).
"""

from __future__ import annotations

import hmac
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
from klickit_core.shared.access_log import log_staff_read, log_staff_reads
from klickit_core.shared.actors import Actor, Permission
from klickit_core.shared.authorization import authorize
from klickit_core.shared.clock import Clock
from klickit_core.shared.emails import check_email
from klickit_core.shared.errors import FieldError, PermissionDeniedError, ValidationError
from klickit_core.shared.events import OrderCancelled, OrderShipped
from klickit_core.shared.i18n import N_
from klickit_core.shared.ids import IdGenerator, RandomIdGenerator
from klickit_core.shared.text import INVALID_CHARACTERS, free_text_error

__all__ = ["MAX_REASON", "checked_reason"]

MAX_SUPPORT_MESSAGE = 5_000
#: Longest reason kept with a status change; longer ones are cut.
MAX_REASON = 200


def _visible(actor: Actor, order: Order | None, use_case: str) -> Order:
    """``order`` if the table lets ``actor`` run ``use_case`` on it; else, as for a
    missing order, :class:`OrderNotFoundError`."""
    if order is None:
        raise OrderNotFoundError
    try:
        authorize(actor, use_case, owner=order.customer_id)
    except PermissionDeniedError:
        raise OrderNotFoundError from None
    return order


def get_order(
    uow: OrdersUnitOfWork, clock: Clock, ids: IdGenerator, actor: Actor, order_id: str
) -> Order:
    """One order, for its customer or for staff (logged)."""
    with uow:
        order = _visible(actor, uow.orders.get(order_id), "orders.services.get_order")
        if actor.is_staff:
            log_staff_read(
                uow.access_log, actor, "orders.read", order.id, clock.now(), ids.new_id()
            )
            uow.commit()
    return order


def lookup_guest_order(uow: OrdersUnitOfWork, order_number: str, email: str) -> Order:
    """A guest's order, for whoever gives its number and the email it was placed with.

    An unknown number, a wrong email, a malformed one and an order placed from an account
    (its customer signs in to see it) all raise the same :class:`OrderNotFoundError`; the
    email is compared in constant time. The app should limit how often one client may
    try (numbers follow each other).
    """
    given: object = order_number  # from a form: may be anything
    number = given.strip() if isinstance(given, str) else ""
    address = check_email(email, ("email",))
    with uow:
        order = uow.orders.by_number(number[:40]) if number else None
    expected = order.contact.email if order is not None else "-"
    typed = address if isinstance(address, str) else ""
    same = hmac.compare_digest(expected.encode(), typed.encode())
    if order is None or not same or order.customer_id is not None:
        raise OrderNotFoundError
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
    """Orders: a customer's own, or everyone's for staff (one access-log entry per order
    listed)."""
    authorize(actor, "orders.services.list_orders", owner=actor.customer_id)
    with uow:
        if actor.can(Permission.READ_ORDERS):
            orders = uow.orders.list(statuses=statuses, limit=limit, offset=offset)
            subjects = (order.id for order in orders)
            log_staff_reads(uow.access_log, actor, "orders.list", subjects, clock.now(), ids)
            uow.commit()
            return orders
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
    actor: Actor,
    order: Order,
    target: OrderStatus,
    reason: str = "",
) -> Order:
    """Move ``order`` to ``target`` inside the caller's transaction, releasing held stock
    when an unpaid order ends (cancelled or failed). The history names ``actor``: its
    customer, staff, or the payment job (``payments.process``). Every cancellation and
    completion passes here, so here they are recorded (``OrderCancelled``,
    ``OrderShipped``)."""
    authorize(actor, "orders.services.move_order", owner=order.customer_id)
    now = clock.now()
    moved = order.moved_to(target, now, actor.id, reason)
    if order.holds_stock and target in (OrderStatus.CANCELLED, OrderStatus.FAILED):
        release_stock(uow, ids, order, clock)
    uow.orders.save(moved)
    if target is OrderStatus.CANCELLED:
        uow.record(OrderCancelled(order.id, occurred_at=now))
    elif target is OrderStatus.COMPLETED:
        uow.record(OrderShipped(order.id, occurred_at=now))
    return moved


def checked_reason(reason: str) -> str:
    """A status change's reason as kept (at most :data:`MAX_REASON` characters), or a
    :class:`ValidationError` at ``reason`` for control characters or a card number (PAY-2).
    """
    raw: object = reason  # untyped callers may pass anything
    problem = (
        free_text_error(raw, ("reason",), invalid_code="order.reason_invalid")
        if isinstance(raw, str)
        else FieldError(("reason",), "order.reason_invalid", INVALID_CHARACTERS)
    )
    ValidationError.raise_if_any([] if problem is None else [problem])
    return reason[:MAX_REASON]


def cancel_order(
    uow: OrdersUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
    order_id: str,
    reason: str = "",
) -> Order:
    """Cancel an unpaid order (its customer or staff); its stock comes back (ORD-1)."""
    reason = checked_reason(reason)
    with uow:
        order = _visible(actor, uow.orders.get(order_id), "orders.services.cancel_order")
        moved = move_order(uow, clock, ids, actor, order, OrderStatus.CANCELLED, reason)
        log_staff_read(uow.access_log, actor, "orders.cancel", order.id, clock.now(), ids.new_id())
        uow.commit()
    return moved


def complete_order(
    uow: OrdersUnitOfWork, clock: Clock, ids: IdGenerator, actor: Actor, order_id: str
) -> Order:
    """Mark a paid order as delivered (staff, logged): its 10-year retention clock starts."""
    authorize(actor, "orders.services.complete_order")
    with uow:
        order = uow.orders.get(order_id)
        if order is None:
            raise OrderNotFoundError
        moved = move_order(uow, clock, ids, actor, order, OrderStatus.COMPLETED)
        log_staff_read(
            uow.access_log, actor, "orders.complete", order.id, clock.now(), ids.new_id()
        )
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
    elif problem := free_text_error(
        message, ("message",), invalid_code="support.message_invalid", multiline=True
    ):
        errors.append(problem)
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
        order = _visible(actor, uow.orders.get(order_id), "orders.services.open_support_request")
        request = SupportRequest(
            id=ids.new_id(),
            order_id=order.id,
            kind=kind,
            message=message.strip(),
            created_at=clock.now(),
            customer_id=order.customer_id,
        )
        uow.support_requests.add(request)
        log_staff_read(uow.access_log, actor, "support.open", order.id, clock.now(), ids.new_id())
        uow.commit()
    return request


def support_requests(
    uow: OrdersUnitOfWork, clock: Clock, ids: IdGenerator, actor: Actor, order_id: str
) -> list[SupportRequest]:
    """The requests about one order, for its customer or staff (logged)."""
    with uow:
        order = _visible(actor, uow.orders.get(order_id), "orders.services.support_requests")
        requests = uow.support_requests.for_order(order.id)
        if actor.is_staff:
            log_staff_read(
                uow.access_log, actor, "support.read", order.id, clock.now(), ids.new_id()
            )
            uow.commit()
    return requests


def close_support_request(
    uow: OrdersUnitOfWork,
    clock: Clock,
    actor: Actor,
    request_id: str,
    *,
    ids: IdGenerator | None = None,
) -> SupportRequest:
    """Close a request (staff). Closing it again changes nothing; either way the call is
    written to the access log (``support.close``, the order's id), with an id from ``ids``
    (random by default)."""
    authorize(actor, "orders.services.close_support_request")
    with uow:
        request = uow.support_requests.get(request_id)
        if request is None:
            raise SupportRequestNotFoundError
        done = request
        if request.status is not SupportStatus.CLOSED:
            done = request.closed(actor.id, clock.now())
            uow.support_requests.save(done)
        entry_id = (ids or RandomIdGenerator()).new_id()
        log_staff_read(
            uow.access_log, actor, "support.close", request.order_id, clock.now(), entry_id
        )
        uow.commit()
    return done
