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

Retention (PRV-1, PRV-2, PRV-4): :attr:`Order.retention_stage` says which retention rule
governs an order *now* and :attr:`Order.retention_clock` when that rule's clock started.
Both are derived from the order alone, so the memory backend, the SQL columns that index
them and the privacy provider can never disagree. An order the sweep anonymised
(:meth:`Order.anonymised`) is in no stage any more, so it is never selected again. A paid
order keeps its after-sales data (phone, client IP address, account link, who moved it
and why) only while returns and warranty claims may come: :meth:`Order.stripped` removes
them and stamps :attr:`Order.stripped_at`, and the invoice data stays for the accounting
years (issue #19).
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
    "PAID_STAGES",
    "STATUS_LABELS",
    "TERMINAL",
    "TRANSITIONS",
    "Contact",
    "IllegalTransitionError",
    "Order",
    "OrderAmountError",
    "OrderLine",
    "OrderStatus",
    "RetentionStage",
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
#: Statuses of an order that was paid and delivered, then perhaps refunded.
_SETTLED = frozenset({_S.COMPLETED, _S.PARTIALLY_REFUNDED, _S.REFUNDED})


class RetentionStage(enum.StrEnum):
    """Which retention rule governs an order now (PRV-1); the value is the rule's suffix.

    * ``UNPAID``: pending payment or on hold with nothing captured; the clock is the
      placement (``orders.unpaid``).
    * ``COMPLETED``: the order is an accounting record: completed or (partly) refunded.
      The clock is the *later* of its completion and its last refund (a refund is an
      accounting entry of its own, whose supporting record is the order: counting from
      the completion would end its ten years early) (``orders.completed``).
    * ``CANCELLED_AFTER_PAYMENT``: cancelled, or its payment failed, *after* money was
      captured. It is an accounting record like any paid order, kept as long, so it is
      not one of the policy's « opérations annulées » kept ten days; a stage of its own
      lets the notice say so (issue #19). The clock is the latest of its cancellation or
      failure, last refund and completion (``orders.cancelled_after_payment``).
    * ``CANCELLED`` / ``FAILED``: ended without money; the clock is that end.

    An open order (processing, or unpaid with money captured) has no stage: its clock has
    not started, and no sweep touches it. Nor has an anonymised order: it left every
    category.
    """

    UNPAID = "unpaid"
    COMPLETED = "completed"
    CANCELLED_AFTER_PAYMENT = "cancelled_after_payment"
    CANCELLED = "cancelled"
    FAILED = "failed"


#: The stages of the orders that took money: accounting records, whose after-sales data
#: (phone, IP address, account link, staff history) goes before the rest (issue #19).
PAID_STAGES = frozenset({RetentionStage.COMPLETED, RetentionStage.CANCELLED_AFTER_PAYMENT})


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
    #: When the last refund was recorded (a retention clock, see :class:`RetentionStage`).
    refunded_at: datetime | None = None
    #: When the retention sweep (or an erasure) anonymised the order (PRV-2, PRV-4).
    anonymised_at: datetime | None = None
    #: When an erasure restricted the order to staff: it is kept for the accounting
    #: obligation, but no longer linked to (nor listed in) the customer's account, and
    #: stripped of its after-sales data (PRV-4).
    restricted_at: datetime | None = None
    #: When the after-sales data went (:meth:`stripped`: phone, IP address, account link,
    #: who moved the order and why), by the ``orders.after_sales`` sweep, an erasure's
    #: restriction or the anonymisation; ``None`` while the order may still hold some
    #: (issue #19). A later status move records a new history entry, so it clears it.
    stripped_at: datetime | None = None

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

    # ------------------------------------------------------------------ retention
    @property
    def retention_stage(self) -> RetentionStage | None:
        """The retention rule that governs the order now (``None``: open or anonymised)."""
        if self.anonymised_at is not None or self.status is OrderStatus.PROCESSING:
            return None
        if self.status in HOLDS_STOCK:
            return RetentionStage.UNPAID if self.paid_minor == 0 else None
        if self.status in _SETTLED:
            return RetentionStage.COMPLETED
        if self.paid_minor > 0:  # cancelled or failed once money was captured
            return RetentionStage.CANCELLED_AFTER_PAYMENT
        if self.status is OrderStatus.CANCELLED:
            return RetentionStage.CANCELLED
        return RetentionStage.FAILED

    @property
    def retention_clock(self) -> datetime | None:
        """When the clock of :attr:`retention_stage` started (``None`` without a stage).

        An order recorded without the stamp its stage needs (data from an older version)
        falls back to its last status change, then to its placement: a clock that starts
        too early would remove the order too soon, so the latest known moment is taken.
        """
        stage = self.retention_stage
        if stage is None:
            return None
        if stage is RetentionStage.UNPAID:
            return self.placed_at
        stamps: tuple[datetime | None, ...]
        if stage in PAID_STAGES:
            stamps = (self.completed_at, self.refunded_at, self.cancelled_at, self.failed_at)
        elif stage is RetentionStage.CANCELLED:
            stamps = (self.cancelled_at,)
        else:
            stamps = (self.failed_at,)
        known = [stamp for stamp in stamps if stamp is not None]
        if known:
            return max(known)
        return self.history[-1].at if self.history else self.placed_at

    def anonymised(self, at: datetime) -> Order:
        """The order with its personal data removed (decision 0007): the contact, every
        address part but the country, the IP address, the customer link, and who moved it
        and why. Lines, amounts, VAT, currency, status and dates stay (ANA-1 reports).
        Everything :meth:`stripped` removes is gone too, so it is stamped ``stripped_at``
        (the first time only)."""
        blank = Contact("", "", "", "")
        return attrs.evolve(
            self,
            contact=blank,
            billing_address=_country_only(self.billing_address),
            shipping_address=_country_only(self.shipping_address),
            history=_faceless(self.history),
            customer_id=None,
            ip_address=None,
            anonymised_at=at,
            stripped_at=self.stripped_at if self.stripped_at is not None else at,
        )

    def stripped(self, at: datetime) -> Order:
        """The order without its after-sales data (issue #19, ``orders.after_sales``): the
        phone, the client IP address, the customer link, and who moved it and why (the
        history keeps its statuses and times), as :meth:`anonymised` removes them. What
        the accounting obligation needs stays for its ten years: name, email, both
        addresses, lines, amounts, VAT, dates and status. Stamped ``stripped_at`` the
        first time; stripping again changes nothing."""
        return attrs.evolve(
            self,
            contact=attrs.evolve(self.contact, phone=""),
            history=_faceless(self.history),
            customer_id=None,
            ip_address=None,
            stripped_at=self.stripped_at if self.stripped_at is not None else at,
        )

    def restricted(self, at: datetime) -> Order:
        """The order kept for the accounting obligation after its customer's erasure
        (PRV-4): unlinked from the account (so it is no longer listed there), readable by
        staff only, restricted since the first time, and :meth:`stripped` of what that
        obligation does not need (the phone, the client IP address, who moved it and why:
        the policy keeps name, email and both addresses ten years)."""
        since = self.restricted_at if self.restricted_at is not None else at
        return attrs.evolve(self.stripped(at), restricted_at=since)

    # ------------------------------------------------------------------ life cycle
    def can_move_to(self, target: OrderStatus) -> bool:
        """Whether ``target`` is reachable from the current status in one move."""
        return target in TRANSITIONS[self.status]

    def moved_to(self, target: OrderStatus, at: datetime, actor: str, reason: str = "") -> Order:
        """The order in ``target``, with the move in its history.

        A refund may be recorded several times while partial, so ``PARTIALLY_REFUNDED``
        to itself is accepted as "still partially refunded" without a history entry (the
        further refund's time is kept as :attr:`refunded_at`).
        """
        if target is self.status is OrderStatus.PARTIALLY_REFUNDED:
            return attrs.evolve(self, refunded_at=_latest(self.refunded_at, at))
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
        elif target in (OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED):
            stamps["refunded_at"] = _latest(self.refunded_at, at)
        # The move names who made it and why: after-sales data again, which the next
        # ``orders.after_sales`` sweep takes once the (new) clock is old enough.
        return attrs.evolve(
            self, status=target, history=(*self.history, change), stripped_at=None, **stamps
        )

    def with_payment(self, amount_minor: int) -> Order:
        """The order after ``amount_minor`` was captured; never more than the total."""
        if amount_minor <= 0 or self.paid_minor + amount_minor > self.total_minor:
            raise OrderAmountError(reason="overpayment")
        return attrs.evolve(self, paid_minor=self.paid_minor + amount_minor)

    def with_refund(self, amount_minor: int, *, at: datetime | None = None) -> Order:
        """The order after ``amount_minor`` was refunded; never more than was paid.

        ``at`` (when the refund was recorded) moves :attr:`refunded_at`, which starts the
        ten-year clock again: a further partial refund has no status move of its own.
        """
        if amount_minor <= 0 or self.refunded_minor + amount_minor > self.paid_minor:
            raise OrderAmountError(reason="over_refund")
        refunded_at = self.refunded_at if at is None else _latest(self.refunded_at, at)
        return attrs.evolve(
            self, refunded_minor=self.refunded_minor + amount_minor, refunded_at=refunded_at
        )


def _latest(first: datetime | None, second: datetime) -> datetime:
    return second if first is None or second > first else first


def _country_only(address: PostalAddress) -> PostalAddress:
    return PostalAddress(address.country)


def _faceless(history: tuple[StatusChange, ...]) -> tuple[StatusChange, ...]:
    """The history without who made each move nor why (statuses and times stay)."""
    return tuple(attrs.evolve(change, actor="", reason="") for change in history)


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
