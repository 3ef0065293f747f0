"""The order and its life cycle (SPEC CHK-4, ORD-1, ORD-2).

An :class:`Order` is a *snapshot*: prices, VAT, addresses and contact details are copied
into it when it is placed, so later catalogue or account changes never rewrite history
(the accounting obligation behind the 10-year retention, PRV-1, is about exactly these
values).

The life cycle is an explicit state machine (:data:`TRANSITIONS`). It only moves forward:
no status can be reached again once left, terminal statuses (cancelled, failed,
refunded) have no way out, and every move is recorded with who, when and why. The moments
that start a retention clock (completion, cancellation, failure) are kept on the order.

Money on the order is held in integer minor units with the currency beside it, because an
order is summed, compared and indexed far more often than it is displayed.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs

from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_
from klickit_core.shared.money import Money

__all__ = [
    "STATUS_LABELS",
    "TERMINAL",
    "TRANSITIONS",
    "Contact",
    "IllegalTransitionError",
    "Order",
    "OrderAmountError",
    "OrderLine",
    "OrderStatus",
    "StatusChange",
    "SupportKind",
    "SupportRequest",
    "SupportStatus",
    "VatSnapshot",
]


class OrderStatus(enum.StrEnum):
    """WooCommerce's statuses, which Klickit's staff already know."""

    PENDING_PAYMENT = "pending_payment"
    ON_HOLD = "on_hold"
    PROCESSING = "processing"
    COMPLETED = "completed"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"
    FAILED = "failed"


_S = OrderStatus

#: Labels shoppers and staff read (translate with ``translate(label, locale)``, X-2).
STATUS_LABELS: dict[OrderStatus, str] = {
    _S.PENDING_PAYMENT: N_("Pending payment"),
    _S.ON_HOLD: N_("On hold"),
    _S.PROCESSING: N_("Processing"),
    _S.COMPLETED: N_("Completed"),
    _S.PARTIALLY_REFUNDED: N_("Partially refunded"),
    _S.REFUNDED: N_("Refunded"),
    _S.CANCELLED: N_("Cancelled"),
    _S.FAILED: N_("Failed"),
}
#: Allowed moves. Cancelling is for unpaid orders; a paid order is refunded instead.
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    _S.PENDING_PAYMENT: frozenset({_S.ON_HOLD, _S.PROCESSING, _S.CANCELLED, _S.FAILED}),
    _S.ON_HOLD: frozenset({_S.PROCESSING, _S.CANCELLED, _S.FAILED}),
    _S.PROCESSING: frozenset({_S.COMPLETED, _S.PARTIALLY_REFUNDED, _S.REFUNDED}),
    _S.COMPLETED: frozenset({_S.PARTIALLY_REFUNDED, _S.REFUNDED}),
    _S.PARTIALLY_REFUNDED: frozenset({_S.REFUNDED}),
    _S.REFUNDED: frozenset(),
    _S.CANCELLED: frozenset(),
    _S.FAILED: frozenset(),
}
TERMINAL = frozenset(status for status, moves in TRANSITIONS.items() if not moves)
#: Position of each status along the life cycle: every allowed move increases it.
PROGRESS: dict[OrderStatus, int] = {
    _S.PENDING_PAYMENT: 0,
    _S.ON_HOLD: 1,
    _S.PROCESSING: 2,
    _S.COMPLETED: 3,
    _S.PARTIALLY_REFUNDED: 4,
    _S.REFUNDED: 5,
    _S.CANCELLED: 5,
    _S.FAILED: 5,
}
#: Statuses in which stock is held for the order (released on cancel / fail).
HOLDS_STOCK = frozenset({_S.PENDING_PAYMENT, _S.ON_HOLD})


class IllegalTransitionError(KlickitError):
    """The order's current status does not allow the requested move."""

    code = "orders.illegal_transition"
    message_template = N_("An order cannot go from {current} to {target}.")


class OrderAmountError(KlickitError):
    """A payment or refund would break the order's money invariants."""

    code = "orders.amount"
    message_template = N_("This amount is not possible for the order ({reason}).")


@attrs.frozen(slots=True)
class Contact:
    """Who placed the order, as typed at checkout (already validated and normalised)."""

    first_name: str
    last_name: str
    email: str
    phone: str  # E.164

    @property
    def full_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}"


@attrs.frozen(slots=True)
class OrderLine:
    """One line as sold: the price and VAT rate of that day."""

    sku: str
    name: str
    quantity: int
    unit_price_minor: int
    total_minor: int
    vat_percent: str  # e.g. "5.5", kept as text: a snapshot, never recomputed


@attrs.frozen(slots=True)
class VatSnapshot:
    """VAT of one rate as charged: gross = net + vat."""

    vat_percent: str
    gross_minor: int
    vat_minor: int


@attrs.frozen(slots=True)
class StatusChange:
    """One move of the life cycle: who, when, why."""

    from_status: OrderStatus | None
    to_status: OrderStatus
    at: datetime
    actor: str
    reason: str = ""


@attrs.frozen(slots=True)
class Order:
    """A placed order."""

    id: str
    number: str
    currency: str
    contact: Contact = attrs.field(repr=False)
    billing_address: PostalAddress = attrs.field(repr=False)
    shipping_address: PostalAddress = attrs.field(repr=False)
    lines: tuple[OrderLine, ...]
    vat: tuple[VatSnapshot, ...]
    shipping_method: str | None
    shipping_minor: int
    total_minor: int
    placed_at: datetime
    status: OrderStatus = OrderStatus.PENDING_PAYMENT
    history: tuple[StatusChange, ...] = ()
    customer_id: str | None = None
    ip_address: str | None = attrs.field(default=None, repr=False)
    paid_minor: int = 0
    refunded_minor: int = 0
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    failed_at: datetime | None = None

    # ------------------------------------------------------------------ money views
    def _money(self, minor: int) -> Money:
        return Money.from_minor_units(minor, self.currency)

    @property
    def total(self) -> Money:
        """What the customer pays, VAT and shipping included."""
        return self._money(self.total_minor)

    @property
    def paid(self) -> Money:
        """Captured so far."""
        return self._money(self.paid_minor)

    @property
    def refunded(self) -> Money:
        """Refunded so far."""
        return self._money(self.refunded_minor)

    @property
    def vat_total(self) -> Money:
        """All VAT of the order."""
        return self._money(sum(v.vat_minor for v in self.vat))

    @property
    def holds_stock(self) -> bool:
        """Whether stock is reserved for this order and must be released if it ends."""
        return self.status in HOLDS_STOCK

    @property
    def is_fully_paid(self) -> bool:
        """Whether captured payments cover the total."""
        return self.paid_minor >= self.total_minor

    # ------------------------------------------------------------------ life cycle
    def can_move_to(self, target: OrderStatus) -> bool:
        """Whether ``target`` is reachable from the current status in one move."""
        return target in TRANSITIONS[self.status]

    def moved_to(self, target: OrderStatus, at: datetime, actor: str, reason: str = "") -> Order:
        """The order in ``target``, with the move in its history.

        A refund may be recorded several times while partial, so ``PARTIALLY_REFUNDED``
        to itself is accepted as "still partially refunded" without a history entry.
        """
        if target is self.status is OrderStatus.PARTIALLY_REFUNDED:
            return self
        if not self.can_move_to(target):
            raise IllegalTransitionError(current=str(self.status), target=str(target))
        change = StatusChange(self.status, target, at, actor, reason)
        stamps: dict[str, Any] = {}
        if target is OrderStatus.COMPLETED:
            stamps["completed_at"] = at
        elif target is OrderStatus.CANCELLED:
            stamps["cancelled_at"] = at
        elif target is OrderStatus.FAILED:
            stamps["failed_at"] = at
        return attrs.evolve(self, status=target, history=(*self.history, change), **stamps)

    def with_payment(self, amount_minor: int) -> Order:
        """The order after ``amount_minor`` was captured; never more than the total."""
        if amount_minor <= 0 or self.paid_minor + amount_minor > self.total_minor:
            raise OrderAmountError(reason="overpayment")
        return attrs.evolve(self, paid_minor=self.paid_minor + amount_minor)

    def with_refund(self, amount_minor: int) -> Order:
        """The order after ``amount_minor`` was refunded; never more than was paid."""
        if amount_minor <= 0 or self.refunded_minor + amount_minor > self.paid_minor:
            raise OrderAmountError(reason="over_refund")
        return attrs.evolve(self, refunded_minor=self.refunded_minor + amount_minor)


class SupportKind(enum.StrEnum):
    """What the policy lists: "suivi de livraison, remboursements et plaintes"."""

    TRACKING = "tracking"
    REFUND = "refund"
    COMPLAINT = "complaint"


class SupportStatus(enum.StrEnum):
    """A request is open until staff close it."""

    OPEN = "open"
    CLOSED = "closed"


@attrs.frozen(slots=True)
class SupportRequest:
    """A customer's request about one order (SPEC ORD-2)."""

    id: str
    order_id: str
    kind: SupportKind
    message: str = attrs.field(repr=False)
    created_at: datetime
    customer_id: str | None = None
    status: SupportStatus = SupportStatus.OPEN
    closed_at: datetime | None = None
    closed_by: str | None = None

    def closed(self, by: str, at: datetime) -> SupportRequest:
        """The request closed by staff member ``by``."""
        return attrs.evolve(self, status=SupportStatus.CLOSED, closed_at=at, closed_by=by)
