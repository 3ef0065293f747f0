"""What checkout needs: every repository of the contexts it orchestrates, in one
transaction (placing an order touches stock, orders, accounts, consents and payments)."""

from __future__ import annotations

from typing import Protocol

from klickit_core.accounts.ports import CredentialRepository, CustomerRepository
from klickit_core.catalogue.ports import ProductRepository, StockMovementRepository
from klickit_core.consents.ports import ConsentRepository
from klickit_core.orders.ports import OrderRepository, SupportRequestRepository
from klickit_core.payments.ports import PaymentRepository, ProcessedEventRepository
from klickit_core.sessions.ports import SessionRepository
from klickit_core.shared.access_log import AccessLog
from klickit_core.shared.unit_of_work import Transaction

__all__ = ["CheckoutUnitOfWork"]


class CheckoutUnitOfWork(Transaction, Protocol):
    """The repositories checkout use cases need."""

    products: ProductRepository
    stock_movements: StockMovementRepository
    orders: OrderRepository
    support_requests: SupportRequestRepository
    customers: CustomerRepository
    credentials: CredentialRepository
    consents: ConsentRepository
    payments: PaymentRepository
    processed_events: ProcessedEventRepository
    sessions: SessionRepository
    access_log: AccessLog
