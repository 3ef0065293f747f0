"""Strategies for orders (ORD-1, ORD-2): lines, orders reached by legal moves, support
requests."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from klickit_core.cart.domain import MAX_LINE_QUANTITY
from klickit_core.orders.domain import (
    TRANSITIONS,
    Contact,
    Order,
    OrderLine,
    OrderStatus,
    StatusChange,
    SupportKind,
    SupportRequest,
    VatSnapshot,
)
from klickit_core.shared.vat import FRANCE_VAT, VatRate
from klickit_core.testing.strategies._common import (
    EMAILS,
    IDS,
    NAMES,
    OPTIONAL_IDS,
    PHONES,
    STARTS,
    STEP,
    clean_text,
    closure,
    next_status,
)
from klickit_core.testing.strategies.amounts import currencies
from klickit_core.testing.strategies.catalogue import skus
from klickit_core.testing.strategies.kernel import addresses

__all__ = [
    "order_lines",
    "orders",
    "support_requests",
]


_SHIPPING_METHODS = ("flat_rate", "free_shipping", "by_weight", "pickup")
#: The French rates as an order snapshots them (``"20"``, ``"5.5"``, ``"0"``).
_VAT_PERCENTS = tuple(f"{rate.percent.normalize():f}" for rate in FRANCE_VAT.rates.values())
#: What moved an order or a payment: the gateway, a job, or a person's id.
_MOVERS = st.sampled_from(["gateway", "system:retention-sweep"]) | IDS


_ORDER_REACHABLE = closure(TRANSITIONS)


def order_lines(
    sku: st.SearchStrategy[str] | None = None, max_unit_minor: int = 10**6
) -> st.SearchStrategy[OrderLine]:
    """Order lines as sold: ``total_minor = quantity * unit_price_minor`` and a French VAT
    rate as text."""

    def build(sku: str, name: str, quantity: int, unit: int, vat_percent: str) -> OrderLine:
        return OrderLine(sku, name, quantity, unit, quantity * unit, vat_percent)

    return st.builds(
        build,
        sku if sku is not None else skus(),
        clean_text(1, 60),
        st.integers(1, MAX_LINE_QUANTITY),
        st.integers(0, max_unit_minor),
        st.sampled_from(_VAT_PERCENTS),
    )


def _vat_snapshots(
    lines: list[OrderLine], shipping_minor: int, shipping_percent: str
) -> tuple[VatSnapshot, ...]:
    """VAT per rate as pricing computes it: the gross of each rate (shipping in its own),
    and the VAT inside it, rounded half up."""
    gross: dict[str, int] = {}
    for line in lines:
        gross[line.vat_percent] = gross.get(line.vat_percent, 0) + line.total_minor
    if shipping_minor:
        gross[shipping_percent] = gross.get(shipping_percent, 0) + shipping_minor
    return tuple(
        VatSnapshot(percent, amount, VatRate(Decimal(percent)).vat_in_gross(amount))
        for percent, amount in sorted(gross.items(), key=lambda item: -Decimal(item[0]))
    )


# Strategies the composite below draws from, built once: building a strategy is far more
# costly than drawing from it, and a composite runs for every example.
_ADDRESSES = addresses()
_CONTACTS = st.builds(Contact, NAMES, NAMES, EMAILS, PHONES)
_ORDER_NUMBERS = st.integers(1, 999_999)
_SHIPPING = st.none() | st.sampled_from(_SHIPPING_METHODS)
_SHIPPING_PRICES = st.integers(0, 5_000)
_SHIPPING_PERCENTS = st.sampled_from(_VAT_PERCENTS)
_IPS = st.none() | st.ip_addresses().map(str)
_REASONS = clean_text(max_size=40)


def _order_move_possible(order: Order, target: OrderStatus) -> bool:
    """Whether the money allows ``target``: a refund needs something left to refund."""
    left = order.total_minor - order.refunded_minor  # paid == total once processing
    if target is OrderStatus.PARTIALLY_REFUNDED:
        return left >= 2
    if target is OrderStatus.REFUNDED:
        return left >= 1
    return True


def _move_order(draw: st.DrawFn, order: Order, target: OrderStatus, at: datetime) -> Order:
    """``order`` moved to ``target`` with the money the move implies: paid in full on
    processing, part of the rest refunded on a partial refund, all of it on a refund."""
    if target is OrderStatus.PROCESSING and order.paid_minor < order.total_minor:
        order = order.with_payment(order.total_minor - order.paid_minor)
    elif target is OrderStatus.PARTIALLY_REFUNDED:
        left = order.paid_minor - order.refunded_minor
        order = order.with_refund(draw(st.integers(1, left - 1)))
    elif target is OrderStatus.REFUNDED:
        order = order.with_refund(order.paid_minor - order.refunded_minor)
    return order.moved_to(target, at, draw(_MOVERS), draw(_REASONS))


@st.composite
def _orders(
    draw: st.DrawFn,
    status: OrderStatus | None,
    currency: st.SearchStrategy[str],
    lines_strategy: st.SearchStrategy[list[OrderLine]],
) -> Order:
    lines = draw(lines_strategy)
    method = draw(_SHIPPING)
    shipping_minor = 0 if method is None else draw(_SHIPPING_PRICES)
    vat = _vat_snapshots(lines, shipping_minor, draw(_SHIPPING_PERCENTS))
    placed = draw(STARTS)
    billing = draw(_ADDRESSES)
    order = Order(
        id=draw(IDS),
        number=f"KL-{placed.year}-{draw(_ORDER_NUMBERS):06d}",
        currency=draw(currency),
        contact=draw(_CONTACTS),
        billing_address=billing,
        shipping_address=billing if draw(st.booleans()) else draw(_ADDRESSES),
        lines=tuple(lines),
        vat=vat,
        shipping_method=method,
        shipping_minor=shipping_minor,
        total_minor=sum(line.total_minor for line in lines) + shipping_minor,
        placed_at=placed,
        history=(StatusChange(None, OrderStatus.PENDING_PAYMENT, placed, draw(_MOVERS), "placed"),),
        customer_id=draw(OPTIONAL_IDS),
        ip_address=draw(_IPS),
    )
    at = placed
    while True:
        options = [s for s in TRANSITIONS[order.status] if _order_move_possible(order, s)]
        if order.status is OrderStatus.PARTIALLY_REFUNDED and _order_move_possible(
            order, OrderStatus.PARTIALLY_REFUNDED
        ):
            options.append(OrderStatus.PARTIALLY_REFUNDED)  # a further partial refund
        target = next_status(draw, order.status, options, status, _ORDER_REACHABLE)
        if target is None:
            return order
        at += draw(STEP)
        order = _move_order(draw, order, target, at)


def orders(
    status: OrderStatus | None = None,
    currency: st.SearchStrategy[str] = currencies,
    max_lines: int = 8,
) -> st.SearchStrategy[Order]:
    """Orders in any status reachable through :data:`~klickit_core.orders.domain.TRANSITIONS`
    (or in ``status``), reached by legal moves at increasing times.

    Totals agree: ``total_minor`` is the lines plus shipping, the VAT snapshots' gross sums
    to it; an order is paid in full from ``processing`` on, and its refunds match its
    status (none, part, all). History and the completion, cancellation and failure times
    tell the path taken.
    """
    lines = st.lists(order_lines(), min_size=1, max_size=max_lines, unique_by=lambda line: line.sku)
    return _orders(status, currency, lines)


def support_requests(
    order_id: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[SupportRequest]:
    """Support requests (ORD-2), open, or closed by a staff member after they were made."""

    def build(
        request_id: str,
        about: str,
        kind: SupportKind,
        message: str,
        created: datetime,
        customer_id: str | None,
        closed_after: timedelta | None,
        closed_by: str,
    ) -> SupportRequest:
        request = SupportRequest(request_id, about, kind, message, created, customer_id)
        if closed_after is None:
            return request
        return request.closed(closed_by, created + closed_after)

    return st.builds(
        build,
        IDS,
        order_id if order_id is not None else IDS,
        st.sampled_from(list(SupportKind)),
        clean_text(1, 500, multiline=True).map(str.strip),
        STARTS,
        OPTIONAL_IDS,
        st.none() | STEP,
        IDS,
    )
