"""What orders need from persistence.

Besides the use cases' reads and writes, the repositories answer the privacy provider
(:mod:`klickit_core.orders.personal_data`, SPEC PRV-2 … PRV-4) with bounded, set-based
methods: a sweep selects due orders by their retention stage and clock
(:attr:`~klickit_core.orders.domain.Order.retention_stage`,
:attr:`~klickit_core.orders.domain.Order.retention_clock`), keyset-paged on
``(clock, id)``, and deletes or anonymises them in a few statements; an erasure finds a
person's orders through the email and customer indexes, never by scanning.
"""

from __future__ import annotations

import abc
import builtins
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from klickit_core.catalogue.ports import ProductRepository, StockMovementRepository
from klickit_core.orders.domain import Order, OrderStatus, RetentionStage, SupportRequest
from klickit_core.shared.access_log import AccessLog
from klickit_core.shared.errors import NotFoundError
from klickit_core.shared.i18n import N_
from klickit_core.shared.sweeps import SweepKey, SweepPage
from klickit_core.shared.unit_of_work import Transaction

__all__ = [
    "OrderNotFoundError",
    "OrderRepository",
    "OrdersUnitOfWork",
    "SupportRequestNotFoundError",
    "SupportRequestRepository",
]


class OrderNotFoundError(NotFoundError):
    """No order has this id, or the actor may not see it (the two are not told apart)."""

    code = "orders.not_found"
    message_template = N_("The order was not found.")


class SupportRequestNotFoundError(NotFoundError):
    """No support request has this id."""

    code = "orders.support_request_not_found"
    message_template = N_("The support request was not found.")


class OrderRepository(abc.ABC):
    """Orders by id, number, customer and email."""

    @abc.abstractmethod
    def get(self, order_id: str) -> Order | None:
        """The order or ``None``."""

    @abc.abstractmethod
    def add(self, order: Order) -> None:
        """Store a new order."""

    @abc.abstractmethod
    def save(self, order: Order) -> None:
        """Replace an existing order; :class:`OrderNotFoundError` if there is none."""

    @abc.abstractmethod
    def by_number(self, number: str) -> Order | None:
        """The order with this number (``KL-2026-000042``) or ``None``."""

    @abc.abstractmethod
    def next_number(self, year: int) -> int:
        """The next order number of ``year``: increasing and never reused, like a SQL
        sequence, so a rolled-back checkout may leave a gap. (Invoices, which French law
        wants continuous, get their own numbering when they are issued.)"""

    @abc.abstractmethod
    def list(
        self,
        *,
        statuses: Sequence[OrderStatus] | None = None,
        customer_id: str | None = None,
        email: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Order]:
        """Orders matching every given filter, newest first."""

    # ------------------------------------------------------------------ privacy (PRV-2..4)
    @abc.abstractmethod
    def for_subject(self, email: str, customer_id: str | None = None) -> builtins.list[Order]:
        """Every order placed under the normalised contact ``email`` or by the account
        ``customer_id``, oldest first (PRV-3 export, PRV-4 erasure). Anonymised orders are
        no longer anybody's. Found through the email and customer indexes."""

    def ids_for_subject(self, email: str, customer_id: str | None = None) -> builtins.list[str]:
        """The ids of :meth:`for_subject`'s orders, sorted: what an export needs to find
        the records that name an order (the staff access log), without loading them.

        This default loads the orders; the SQL repository reads the ids alone."""
        return sorted(order.id for order in self.for_subject(email, customer_id))

    @abc.abstractmethod
    def sweep(
        self,
        stage: RetentionStage,
        before: datetime,
        *,
        anonymise: bool,
        at: datetime,
        after: SweepKey | None,
        limit: int,
        dry_run: bool,
    ) -> SweepPage:
        """Up to ``limit`` orders in ``stage`` whose retention clock started before
        ``before``, keyset-paged on ``(clock, id)`` strictly after ``after``, in that order:
        anonymised (:meth:`anonymise`) or deleted (:meth:`delete`) at ``at``. Either way
        they are never selected again. A dry run only selects.

        On SQL: one ``SELECT … ORDER BY clock, id LIMIT`` on the retention index (``FOR
        UPDATE SKIP LOCKED`` on PostgreSQL, so several workers share a sweep), then one
        statement per table, ``… WHERE id IN (…)``, in the unit of work's write phase.
        """

    @abc.abstractmethod
    def sweep_after_sales(
        self,
        before: datetime,
        *,
        at: datetime,
        after: SweepKey | None,
        limit: int,
        dry_run: bool,
        accounting_cutoffs: Mapping[RetentionStage, datetime] | None = None,
    ) -> SweepPage:
        """Up to ``limit`` paid orders (stage ``completed`` or ``cancelled_after_payment``)
        not yet stripped whose retention clock started before ``before``, keyset-paged on
        ``(clock, id)`` strictly after ``after``: replaced by :meth:`Order.stripped(at)
        <klickit_core.orders.domain.Order.stripped>` (issue #19, ``orders.after_sales``),
        and their terms of sale unlinked from the account as by :meth:`restrict`. A
        stripped order is never selected again (until a status move records new staff
        history); an anonymised one never is. A dry run only selects.

        ``accounting_cutoffs`` gives a paid stage's own cutoff: an order of that stage
        whose clock is before it is past its accounting years, due for anonymisation by
        its own category, and left to it (never stripped first), so the two categories
        never take the same order and their counts do not depend on which runs first.

        On SQL: one page ``SELECT`` on the partial index of the orders not yet stripped
        (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), then one statement per table, each
        through its own key index.
        """

    @abc.abstractmethod
    def delete(self, order_ids: Sequence[str], *, at: datetime) -> int:
        """Delete these orders with everything recorded for them: lines, VAT, history,
        support requests, payments and their refunds, and their terms of sale (PRV-5;
        the other consents given at their checkout only lose the link). Their stock
        movements stay (they hold no personal data, and the stock journal must still add
        up) without the link to the order; the stock an unpaid order still held comes
        back, journalled at ``at`` as a release. Returns how many orders were deleted."""

    @abc.abstractmethod
    def anonymise(self, order_ids: Sequence[str], *, at: datetime) -> int:
        """Replace these orders by :meth:`Order.anonymised(at)
        <klickit_core.orders.domain.Order.anonymised>`; returns how many changed (an order
        already anonymised is left as it is). Their support requests lose the link to the
        account too, and those never closed are deleted: a request left open on an order
        ten years old is abandoned, and its own clock (the closing) would never start.
        Their terms of sale are deleted and the other consents of their checkout unlinked,
        as by :meth:`delete`: a proof naming the buyer must not outlive the order's
        personal data."""

    @abc.abstractmethod
    def restrict(self, order_ids: Sequence[str], *, at: datetime) -> int:
        """Replace these orders by :meth:`Order.restricted(at)
        <klickit_core.orders.domain.Order.restricted>` (stripped of their after-sales
        data: no account link, IP address, phone, nor who moved them and why); their terms
        of sale lose the account link too. Returns how many orders changed."""


class SupportRequestRepository(abc.ABC):
    """Support requests by id and by order."""

    @abc.abstractmethod
    def get(self, request_id: str) -> SupportRequest | None:
        """The request or ``None``."""

    @abc.abstractmethod
    def add(self, request: SupportRequest) -> None:
        """Store a new request."""

    @abc.abstractmethod
    def save(self, request: SupportRequest) -> None:
        """Replace an existing request."""

    @abc.abstractmethod
    def for_order(self, order_id: str) -> list[SupportRequest]:
        """The requests about one order, oldest first."""

    # ------------------------------------------------------------------ privacy (PRV-2..4)
    @abc.abstractmethod
    def for_orders(self, order_ids: Sequence[str]) -> list[SupportRequest]:
        """The requests about any of these orders, oldest first (through the order index)."""

    @abc.abstractmethod
    def sweep_closed(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        """Delete up to ``limit`` requests closed before ``before``, keyset-paged on
        ``(closed_at, id)`` strictly after ``after``, in that order (``FOR UPDATE SKIP
        LOCKED`` on PostgreSQL). A dry run only selects."""

    @abc.abstractmethod
    def delete(self, request_ids: Sequence[str]) -> int:
        """Delete these requests; returns how many there were."""

    @abc.abstractmethod
    def restrict(self, request_ids: Sequence[str]) -> int:
        """Unlink these requests from the customer account (kept for a legal reason after
        the customer's erasure); returns how many changed."""


class OrdersUnitOfWork(Transaction, Protocol):
    """The repositories the order use cases need, in one transaction."""

    orders: OrderRepository
    support_requests: SupportRequestRepository
    products: ProductRepository
    stock_movements: StockMovementRepository
    access_log: AccessLog
