"""Orders and support requests as personal data (SPEC PRV-1 … PRV-4, ORD-1, ORD-2).

The policy: « nous stockons les informations de commande pendant 10 ans (obligation
légale en vigueur) pour le calcul du chiffre d'affaires et la comptabilité. Ceci inclut
votre nom, e-mail et adresses de facturation et livraison. Mais seulement 10 jours, pour
les opérations qui ont été annulées pour diverses raisons. » :class:`OrdersProvider`
declares one category per retention rule of an order, and one for support requests:

* ``orders.completed`` — paid orders (completed, refunded in part or in full): ten years
  from the completion *or the last refund, whichever is later* (a refund is an accounting
  entry whose supporting record is the order), then **anonymised** (decision 0007: lines,
  amounts, VAT, currency, status, dates and country stay for the reports, ANA-1; the
  contact, the rest of both addresses, the IP address, the account link and who moved
  the order and why go);
* ``orders.cancelled_after_payment`` — orders cancelled, or whose payment failed, after
  money was captured: an accounting record like any paid order, ten years from that end,
  then anonymised the same way. Not one of the policy's operations « annulées » kept ten
  days: the category says so in the notice (issue #19);
* ``orders.after_sales`` — what a paid order (of either category above) holds beyond the
  invoice: the phone, the client IP address, the account link and who moved it and why.
  Needed while returns and warranty claims may come (the legal guarantee of conformity,
  Code de la consommation L217-3, runs two years from delivery), then removed
  (:meth:`~klickit_core.orders.domain.Order.stripped`); the name, email, addresses, lines,
  amounts, VAT, dates and status stay for the accounting years, as the policy says;
* ``orders.cancelled`` — ten days from the cancellation, then deleted;
* ``orders.failed`` — ten days from the failure, then deleted;
* ``orders.unpaid`` — orders never paid nor cancelled, from their placement, then deleted
  (the stock they still hold comes back);
* ``orders.support_requests`` — five years from the closing of the request (Code civil
  2224: a complaint may become a claim), then deleted.

Deleting an order deletes everything recorded for it: lines, VAT, history, support
requests, payments and their refunds, and its terms of sale (PRV-5: they follow their
order; anonymising deletes them too). Its stock movements stay, unlinked from it: they
hold no personal data and the stock journal must still add up; the stock an unpaid order
still held comes back. Anonymising an order unlinks its support requests from the account
and deletes those never closed (abandoned: their own clock would never start). Which
stage an order is in and when its clock started are derived from the order itself
(:attr:`~klickit_core.orders.domain.Order.retention_stage`); the repositories index them,
so the sweep is set-based on SQL (:meth:`~klickit_core.orders.ports.OrderRepository.sweep`).

An erasure (PRV-4) deletes the person's unpaid, cancelled and failed orders at once,
anonymises paid orders past their ten years, and *keeps* the others — each reported under
its category with the Code de commerce L123-22 and its last day — restricted to staff:
unlinked from the customer's account, so the account no longer lists them (and an account
deleted meanwhile takes nothing of them along), and stripped of their after-sales data,
which that obligation does not need. Their support requests are kept too while their own five
years run (restricted the same way), those past it deleted. Erasing twice changes nothing
the second time and reports the same kept orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from klickit_core.orders.domain import (
    STATUS_LABELS,
    Order,
    OrderStatus,
    RetentionStage,
    SupportKind,
    SupportRequest,
    SupportStatus,
)
from klickit_core.orders.ports import OrderRepository, SupportRequestRepository
from klickit_core.personal_data import (
    ACCOUNTING_OBLIGATION,
    CIVIL_LIMITATION,
    CONTRACT,
    CategoryErasure,
    ClockEvent,
    DataCategory,
    DataSubject,
    ErasureOutcome,
    ExportField,
    ExportRecord,
    ExportSection,
    FieldKind,
    InvalidSweepDataError,
    KeptRecord,
    PersonalDataProvider,
    PersonalField,
    RetentionAction,
    RetentionTerms,
    Shown,
    SweepBatch,
    SweepCursor,
    SweepTask,
    account_shown,
    address_shown,
    shown_code,
)
from klickit_core.shared.export_values import address_text
from klickit_core.shared.i18n import N_
from klickit_core.shared.money import Money
from klickit_core.shared.sweeps import SweepKey, SweepPage
from klickit_core.shared.unit_of_work import Transaction
from klickit_core.shipping.presets import METHOD_LABELS

__all__ = [
    "ORDERS_AFTER_SALES",
    "ORDERS_CANCELLED",
    "ORDERS_CANCELLED_AFTER_PAYMENT",
    "ORDERS_COMPLETED",
    "ORDERS_FAILED",
    "ORDERS_UNPAID",
    "SUPPORT_REQUESTS",
    "OrdersPrivacyUnitOfWork",
    "OrdersProvider",
    "category_of",
]

#: The categories, named after the retention rules that govern them.
ORDERS_COMPLETED = "orders.completed"
ORDERS_CANCELLED_AFTER_PAYMENT = "orders.cancelled_after_payment"
ORDERS_AFTER_SALES = "orders.after_sales"
ORDERS_CANCELLED = "orders.cancelled"
ORDERS_FAILED = "orders.failed"
ORDERS_UNPAID = "orders.unpaid"
SUPPORT_REQUESTS = "orders.support_requests"

_STAGES: dict[str, RetentionStage] = {
    ORDERS_COMPLETED: RetentionStage.COMPLETED,
    ORDERS_CANCELLED_AFTER_PAYMENT: RetentionStage.CANCELLED_AFTER_PAYMENT,
    ORDERS_CANCELLED: RetentionStage.CANCELLED,
    ORDERS_FAILED: RetentionStage.FAILED,
    ORDERS_UNPAID: RetentionStage.UNPAID,
}
_CATEGORY_OF_STAGE = {stage: category for category, stage in _STAGES.items()}
#: The categories an order is exported and erased under (one per stage), in that order.
_ORDER_CATEGORIES = (
    ORDERS_COMPLETED,
    ORDERS_CANCELLED_AFTER_PAYMENT,
    ORDERS_CANCELLED,
    ORDERS_FAILED,
    ORDERS_UNPAID,
)
#: The categories of orders kept for the accounting obligation (one per paid stage).
_PAID_CATEGORIES = (ORDERS_COMPLETED, ORDERS_CANCELLED_AFTER_PAYMENT)

_TITLES = {
    ORDERS_COMPLETED: N_("Orders"),
    ORDERS_CANCELLED_AFTER_PAYMENT: N_("Orders cancelled or failed after payment"),
    ORDERS_AFTER_SALES: N_(
        "After-sales data of orders (phone, IP address, account link, staff history)"
    ),
    ORDERS_CANCELLED: N_("Cancelled orders"),
    ORDERS_FAILED: N_("Orders whose payment failed"),
    ORDERS_UNPAID: N_("Unpaid orders"),
    SUPPORT_REQUESTS: N_("Support requests"),
}

#: What an invoice needs, kept as long as the accounting obligation (issue #19: the
#: policy's « nom, e-mail et adresses de facturation et livraison »).
_INVOICE_FIELDS = (
    PersonalField("name", N_("Name")),
    PersonalField("email", N_("Email")),
    PersonalField("billing_address", N_("Billing address")),
    PersonalField("shipping_address", N_("Shipping address")),
)
#: What a paid order holds beyond the invoice, removed after the after-sales period.
_AFTER_SALES_FIELDS = (
    PersonalField("phone", N_("Phone")),
    PersonalField("ip_address", N_("IP address")),
    PersonalField("customer_account", N_("Customer account")),
    PersonalField("staff_history", N_("Who changed the order's status, and why")),
)
#: Everything an order holds (unpaid, cancelled and failed orders go whole).
_ORDER_FIELDS = (
    PersonalField("name", N_("Name")),
    PersonalField("email", N_("Email")),
    PersonalField("phone", N_("Phone")),
    PersonalField("billing_address", N_("Billing address")),
    PersonalField("shipping_address", N_("Shipping address")),
    PersonalField("ip_address", N_("IP address")),
    PersonalField("customer_account", N_("Customer account")),
)


class OrdersPrivacyUnitOfWork(Transaction, Protocol):
    """What :class:`OrdersProvider` needs from the shop's unit of work."""

    @property
    def orders(self) -> OrderRepository:
        """The orders."""
        ...

    @property
    def support_requests(self) -> SupportRequestRepository:
        """The support requests."""
        ...


def category_of(order: Order) -> str:
    """The category an order is exported and erased under: its retention stage's, or for
    an open order (processing, or unpaid with money captured), ``orders.completed`` when
    money was captured and ``orders.unpaid`` otherwise."""
    stage = order.retention_stage
    if stage is not None:
        return _CATEGORY_OF_STAGE[stage]
    paid = order.paid_minor > 0 or order.status is OrderStatus.PROCESSING
    return ORDERS_COMPLETED if paid else ORDERS_UNPAID


# ---------------------------------------------------------------------------- export
#: What the person reads for the codes an order holds (the JSON keeps the codes; PRV-3,
#: issue #16). A shop's own shipping method has no label here and is shown by its code.
_STATUS_LABELS: dict[str, str] = {str(status): label for status, label in STATUS_LABELS.items()}
_SUPPORT_KIND_LABELS: dict[str, str] = {
    SupportKind.TRACKING: N_("Where is my parcel?"),
    SupportKind.REFUND: N_("Refund request"),
    SupportKind.COMPLAINT: N_("Complaint"),
}
_SUPPORT_STATUS_LABELS: dict[str, str] = {
    SupportStatus.OPEN: N_("Open"),
    SupportStatus.CLOSED: N_("Closed"),
}
#: The reasons the library itself writes in an order's history; staff write theirs.
_REASON_LABELS: dict[str, str] = {"placed": N_("Order placed")}


def _money(key: str, label: str, minor: int, currency: str) -> ExportField:
    amount: Decimal = Money.from_minor_units(minor, currency).amount
    return ExportField(key, label, amount, FieldKind.MONEY, currency=currency)


def _order_record(order: Order) -> ExportRecord:
    currency = order.currency
    fields = (
        ExportField("number", N_("Order number"), order.number, FieldKind.IDENTIFIER),
        ExportField("placed_at", N_("Placed on"), order.placed_at),
        ExportField(
            "status",
            N_("Status"),
            order.status.value,
            shown=shown_code(_STATUS_LABELS, order.status),
        ),
        ExportField("name", N_("Name"), order.contact.full_name),
        ExportField("email", N_("Email"), order.contact.email, FieldKind.EMAIL),
        ExportField("phone", N_("Phone"), order.contact.phone, FieldKind.PHONE),
        ExportField(
            "billing_address",
            N_("Billing address"),
            address_text(order.billing_address),
            FieldKind.ADDRESS,
            shown=address_shown(order.billing_address),
        ),
        ExportField(
            "shipping_address",
            N_("Shipping address"),
            address_text(order.shipping_address),
            FieldKind.ADDRESS,
            shown=address_shown(order.shipping_address),
        ),
        ExportField(
            "shipping_method",
            N_("Shipping method"),
            order.shipping_method,
            shown=shown_code(METHOD_LABELS, order.shipping_method),
        ),
        _money("shipping", N_("Shipping"), order.shipping_minor, currency),
        _money("total", N_("Total"), order.total_minor, currency),
        _money("vat_total", N_("VAT included"), sum(v.vat_minor for v in order.vat), currency),
        _money("paid", N_("Paid"), order.paid_minor, currency),
        _money("refunded", N_("Refunded"), order.refunded_minor, currency),
        ExportField("ip_address", N_("IP address"), order.ip_address, FieldKind.IP_ADDRESS),
        ExportField(
            "customer_account",
            N_("Customer account"),
            order.customer_id,
            FieldKind.IDENTIFIER,
            shown=account_shown(order.customer_id),
        ),
        ExportField("completed_at", N_("Completed on"), order.completed_at),
        ExportField("cancelled_at", N_("Cancelled on"), order.cancelled_at),
        ExportField("failed_at", N_("Payment failed on"), order.failed_at),
        ExportField("refunded_at", N_("Last refund on"), order.refunded_at),
        ExportField("restricted_at", N_("Restricted to staff since"), order.restricted_at),
        ExportField("stripped_at", N_("After-sales data removed on"), order.stripped_at),
    )
    lines = tuple(
        ExportRecord(
            N_("Order line"),
            str(position),
            (
                ExportField("sku", N_("Product reference"), line.sku, FieldKind.IDENTIFIER),
                ExportField("product", N_("Product"), line.name),
                ExportField("quantity", N_("Quantity"), line.quantity),
                _money("unit_price", N_("Unit price"), line.unit_price_minor, currency),
                _money("line_total", N_("Line total"), line.total_minor, currency),
                ExportField("vat_rate", N_("VAT rate (%)"), line.vat_percent),
            ),
        )
        for position, line in enumerate(order.lines, 1)
    )
    vat = tuple(
        ExportRecord(
            N_("VAT"),
            f"{snapshot.vat_percent} %",
            (
                ExportField("vat_rate", N_("VAT rate (%)"), snapshot.vat_percent),
                _money("gross", N_("Amount including VAT"), snapshot.gross_minor, currency),
                _money("vat", N_("VAT"), snapshot.vat_minor, currency),
            ),
        )
        for snapshot in order.vat
    )
    # Who moved the order is left out: staff and system ids are not the person's data.
    history = tuple(
        ExportRecord(
            N_("Status change"),
            str(position),
            (
                ExportField("at", N_("Changed on"), change.at),
                ExportField(
                    "from_status",
                    N_("From"),
                    change.from_status.value if change.from_status else None,
                    shown=shown_code(_STATUS_LABELS, change.from_status),
                ),
                ExportField(
                    "to_status",
                    N_("To"),
                    change.to_status.value,
                    shown=shown_code(_STATUS_LABELS, change.to_status),
                ),
                ExportField(
                    "reason",
                    N_("Reason"),
                    change.reason or None,
                    FieldKind.MULTILINE,
                    shown=shown_code(_REASON_LABELS, change.reason or None),
                ),
            ),
        )
        for position, change in enumerate(order.history, 1)
    )
    return ExportRecord(N_("Order"), order.number, fields, (*lines, *vat, *history), key=order.id)


def _request_reference(request: SupportRequest, numbers: dict[str, str]) -> str:
    # What the person knows a request by: the order and the day, never an internal id.
    number = numbers.get(request.order_id, "")
    return f"{number} {request.created_at.date().isoformat()}".strip()


def _request_shown(request: SupportRequest, numbers: dict[str, str]) -> tuple[Shown, ...]:
    # The same, with the day in Paris time, as every time the page shows.
    number = numbers.get(request.order_id)
    return (*((Shown.plain(f"{number}, "),) if number else ()), Shown.day(request.created_at))


def _request_record(request: SupportRequest, numbers: dict[str, str]) -> ExportRecord:
    return ExportRecord(
        N_("Support request"),
        _request_reference(request, numbers),
        (
            ExportField(
                "order_number",
                N_("Order number"),
                numbers.get(request.order_id),
                FieldKind.IDENTIFIER,
            ),
            ExportField(
                "kind",
                N_("Request"),
                request.kind.value,
                shown=shown_code(_SUPPORT_KIND_LABELS, request.kind),
            ),
            ExportField("message", N_("Message"), request.message, FieldKind.MULTILINE),
            ExportField("created_at", N_("Sent on"), request.created_at),
            ExportField(
                "status",
                N_("Status"),
                request.status.value,
                shown=shown_code(_SUPPORT_STATUS_LABELS, request.status),
            ),
            ExportField("closed_at", N_("Closed on"), request.closed_at),
        ),
        shown=_request_shown(request, numbers),
    )


# ---------------------------------------------------------------------------- provider
class OrdersProvider(PersonalDataProvider[OrdersPrivacyUnitOfWork]):
    """The orders context's declaration of its personal data, its exporter, eraser and
    sweeper (see the module docstring for what each category holds and why)."""

    @property
    def name(self) -> str:
        return "orders"

    def categories(self) -> Sequence[DataCategory]:
        delete_only = frozenset({RetentionAction.DELETE})
        return (
            # First: a sweep's categories run in this order, and an order deleted later
            # takes its requests along, so a dry run counts what the real run does.
            DataCategory(
                SUPPORT_REQUESTS,
                _TITLES[SUPPORT_REQUESTS],
                N_("Delivery tracking, refund and complaint requests about an order."),
                (
                    PersonalField("message", N_("Message")),
                    PersonalField("customer_account", N_("Customer account")),
                ),
                SUPPORT_REQUESTS,
                ClockEvent.CLOSURE,
                CIVIL_LIMITATION,
                delete_only,
            ),
            # Then the paid orders past their accounting years, anonymised: they leave
            # every stage, so the after-sales sweep that follows never takes them too
            # (a dry run counts each order once, as the real run does).
            DataCategory(
                ORDERS_COMPLETED,
                _TITLES[ORDERS_COMPLETED],
                N_(
                    "Paid orders: what was bought, when, for how much, who placed it and "
                    "where it was sent. Kept ten years from completion or the last refund "
                    "for the shop's accounts, then anonymised."
                ),
                _INVOICE_FIELDS,
                ORDERS_COMPLETED,
                ClockEvent.COMPLETION,
                ACCOUNTING_OBLIGATION,
                frozenset({RetentionAction.ANONYMISE, RetentionAction.DELETE}),
            ),
            DataCategory(
                ORDERS_CANCELLED_AFTER_PAYMENT,
                _TITLES[ORDERS_CANCELLED_AFTER_PAYMENT],
                N_(
                    "Orders cancelled, or whose payment failed, after money was taken: an "
                    "accounting record like any paid order, kept ten years, then anonymised."
                ),
                _INVOICE_FIELDS,
                ORDERS_CANCELLED_AFTER_PAYMENT,
                ClockEvent.CANCELLATION,
                ACCOUNTING_OBLIGATION,
                frozenset({RetentionAction.ANONYMISE, RetentionAction.DELETE}),
            ),
            DataCategory(
                ORDERS_AFTER_SALES,
                _TITLES[ORDERS_AFTER_SALES],
                N_(
                    "What a paid order holds beyond the invoice: your phone number, the IP "
                    "address it was placed from, the link to your account, and which staff "
                    "member changed its status and why. Kept while returns and warranty "
                    "claims may come, then removed; the invoice data stays."
                ),
                _AFTER_SALES_FIELDS,
                ORDERS_AFTER_SALES,
                ClockEvent.COMPLETION,
                CONTRACT,
                frozenset({RetentionAction.ANONYMISE}),
            ),
            DataCategory(
                ORDERS_CANCELLED,
                _TITLES[ORDERS_CANCELLED],
                N_("Orders cancelled before payment, with their contact and addresses."),
                _ORDER_FIELDS,
                ORDERS_CANCELLED,
                ClockEvent.CANCELLATION,
                CONTRACT,
                delete_only,
            ),
            DataCategory(
                ORDERS_FAILED,
                _TITLES[ORDERS_FAILED],
                N_("Orders whose payment failed, with their contact and addresses."),
                _ORDER_FIELDS,
                ORDERS_FAILED,
                ClockEvent.FAILURE,
                CONTRACT,
                delete_only,
            ),
            DataCategory(
                ORDERS_UNPAID,
                _TITLES[ORDERS_UNPAID],
                N_("Orders never paid nor cancelled, with their contact and addresses."),
                _ORDER_FIELDS,
                ORDERS_UNPAID,
                ClockEvent.CREATION,
                CONTRACT,
                delete_only,
            ),
        )

    # ------------------------------------------------------------------ export (PRV-3)
    def export(self, uow: OrdersPrivacyUnitOfWork, subject: DataSubject) -> Sequence[ExportSection]:
        mine = uow.orders.for_subject(subject.email, subject.customer_id)
        sections = []
        for category in _ORDER_CATEGORIES:
            records = tuple(_order_record(o) for o in mine if category_of(o) == category)
            if records:
                sections.append(ExportSection(self.name, category, _TITLES[category], records))
        numbers = {order.id: order.number for order in mine}
        requests = uow.support_requests.for_orders(list(numbers)) if numbers else []
        if requests:
            records = tuple(_request_record(r, numbers) for r in requests)
            sections.append(
                ExportSection(self.name, SUPPORT_REQUESTS, _TITLES[SUPPORT_REQUESTS], records)
            )
        return sections

    # ------------------------------------------------------------------ erasure (PRV-4)
    def erase(
        self,
        uow: OrdersPrivacyUnitOfWork,
        subject: DataSubject,
        *,
        now: datetime,
        retention: RetentionTerms,
        dry_run: bool,
    ) -> ErasureOutcome:
        mine = uow.orders.for_subject(subject.email, subject.customer_id)
        deleted: dict[str, list[Order]] = {category: [] for category in _ORDER_CATEGORIES}
        anonymised: dict[str, list[Order]] = {category: [] for category in _PAID_CATEGORIES}
        kept: dict[str, list[tuple[Order, KeptRecord]]] = {c: [] for c in _PAID_CATEGORIES}
        for order in mine:
            category = category_of(order)  # an open order took money: a paid one
            clock = order.retention_clock
            if category not in _PAID_CATEGORIES:
                deleted[category].append(order)
            elif clock is not None and retention.is_due(category, clock, now):
                anonymised[category].append(order)
            else:  # inside its ten years, or open (its clock has not started: from now)
                until = retention.keep_until(category, clock or now)
                record = KeptRecord(category, order.number, ACCOUNTING_OBLIGATION, until)
                kept[category].append((order, record))
        gone = {order.id for orders in deleted.values() for order in orders}
        faded = {order.id for orders in anonymised.values() for order in orders}
        restricted = [order.id for held in kept.values() for order, _record in held]
        numbers = {order.id: order.number for order in mine}
        requests = uow.support_requests.for_orders(list(numbers)) if numbers else []
        doomed = {
            r.id
            for r in requests
            if r.order_id in gone
            or (r.order_id in faded and r.closed_at is None)  # as anonymise() does
            or _closed_due(r, retention, now)
        }
        requests_deleted = [r for r in requests if r.id in doomed]
        requests_kept = [r for r in requests if r.id not in doomed]
        if not dry_run:
            uow.support_requests.delete([r.id for r in requests_deleted if r.order_id not in gone])
            uow.support_requests.restrict([r.id for r in requests_kept])
            uow.orders.delete(sorted(gone), at=now)
            uow.orders.anonymise(sorted(faded), at=now)
            uow.orders.restrict(restricted, at=now)
        kept_requests = tuple(
            KeptRecord(
                SUPPORT_REQUESTS,
                _request_reference(request, numbers),
                CIVIL_LIMITATION,
                retention.keep_until(SUPPORT_REQUESTS, request.closed_at or now),
            )
            for request in requests_kept
        )
        return ErasureOutcome(
            self.name,
            (
                *(
                    CategoryErasure(
                        category,
                        anonymised=len(anonymised[category]),
                        kept=tuple(record for _order, record in kept[category]),
                    )
                    for category in _PAID_CATEGORIES
                ),
                *(
                    CategoryErasure(category, deleted=len(deleted[category]))
                    for category in _ORDER_CATEGORIES
                    if category not in _PAID_CATEGORIES
                ),
                CategoryErasure(
                    SUPPORT_REQUESTS, deleted=len(requests_deleted), kept=kept_requests
                ),
            ),
        )

    # ------------------------------------------------------------------ sweep (PRV-2)
    def sweep_batch(
        self,
        uow: OrdersPrivacyUnitOfWork,
        task: SweepTask,
        *,
        after: SweepCursor | None,
        limit: int,
        dry_run: bool,
    ) -> SweepBatch:
        position = SweepKey.from_cursor(after)
        anonymise = task.action is RetentionAction.ANONYMISE
        page: SweepPage
        if task.category_id == SUPPORT_REQUESTS:
            page = uow.support_requests.sweep_closed(
                task.cutoff, after=position, limit=limit, dry_run=dry_run
            )
            anonymise = False
        elif task.category_id == ORDERS_AFTER_SALES:
            # Orders past their accounting years go with their category's anonymisation,
            # not here: the engine gives that category's cutoff (SweepTask.rule_cutoffs).
            accounting = {
                _STAGES[category]: at
                for category in _PAID_CATEGORIES
                if (at := task.cutoff_of(category)) is not None
            }
            page = uow.orders.sweep_after_sales(
                task.cutoff,
                at=task.now,
                after=position,
                limit=limit,
                dry_run=dry_run,
                accounting_cutoffs=accounting,
            )
            anonymise = True  # the after-sales data goes, the order stays
        elif task.category_id in _STAGES:
            page = uow.orders.sweep(
                _STAGES[task.category_id],
                task.cutoff,
                anonymise=anonymise,
                at=task.now,
                after=position,
                limit=limit,
                dry_run=dry_run,
            )
        else:
            raise InvalidSweepDataError(reason="category")
        return _batch(task.category_id, page, anonymise=anonymise)


def _closed_due(request: SupportRequest, retention: RetentionTerms, now: datetime) -> bool:
    closed = request.closed_at
    return closed is not None and retention.is_due(SUPPORT_REQUESTS, closed, now)


def _batch(category_id: str, page: SweepPage, *, anonymise: bool) -> SweepBatch:
    """The engine's view of a repository's sweep step (no row is ever kept here)."""
    changed = page.changed
    return SweepBatch(
        category_id,
        page.examined,
        deleted=0 if anonymise else changed,
        anonymised=changed if anonymise else 0,
        last=page.last.cursor() if page.last is not None else None,
    )
