"""What orders need from persistence."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Protocol

from klickit_core.catalogue.ports import ProductRepository, StockMovementRepository
from klickit_core.orders.domain import Order, OrderStatus, SupportRequest
from klickit_core.shared.access_log import AccessLog
from klickit_core.shared.errors import NotFoundError
from klickit_core.shared.i18n import N_
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


class OrdersUnitOfWork(Transaction, Protocol):
    """The repositories the order use cases need, in one transaction."""

    orders: OrderRepository
    support_requests: SupportRequestRepository
    products: ProductRepository
    stock_movements: StockMovementRepository
    access_log: AccessLog
