"""The memory unit of work: one transaction carrying every context's repositories."""

from __future__ import annotations

from klickit_core.accounts.ports import (
    CredentialRepository,
    CustomerRepository,
    LoginAttemptRepository,
    LostCredentialsRepository,
)
from klickit_core.adapters.memory.base import MemoryStore as _BaseStore
from klickit_core.adapters.memory.base import MemoryTransaction
from klickit_core.adapters.memory.cart_sessions import MemoryCarts, MemorySessions
from klickit_core.adapters.memory.catalogue import (
    MemoryProducts,
    MemoryReviews,
    MemoryStockMovements,
)
from klickit_core.adapters.memory.orders_accounts import (
    MemoryAccessLog,
    MemoryConsents,
    MemoryCredentials,
    MemoryCustomers,
    MemoryOrders,
    MemorySupportRequests,
)
from klickit_core.adapters.memory.payments import MemoryPayments, MemoryProcessedEvents
from klickit_core.adapters.memory.privacy import MemoryPrivacyAuditLog, MemorySweepCheckpoints
from klickit_core.adapters.memory.privacy_requests import (
    MemoryBundleStore,
    MemoryErasureLedger,
    MemoryPrivacyRequests,
    MemorySubjectDirectory,
)
from klickit_core.adapters.memory.security import (
    MemoryLoginAttempts,
    MemoryLostCredentials,
    MemoryOneTimeTokens,
    MemorySecurityEvents,
)
from klickit_core.cart.ports import CartRepository
from klickit_core.catalogue.ports import (
    ProductRepository,
    ReviewRepository,
    StockMovementRepository,
)
from klickit_core.consents.ports import ConsentRepository
from klickit_core.orders.ports import OrderRepository, SupportRequestRepository
from klickit_core.payments.ports import PaymentRepository, ProcessedEventRepository
from klickit_core.privacy.ports import (
    BundleStore,
    ErasureLedger,
    PrivacyAuditLog,
    PrivacyRequestRepository,
    SubjectDirectory,
    SweepCheckpoints,
)
from klickit_core.sessions.ports import SessionRepository
from klickit_core.shared.access_log import AccessLog
from klickit_core.shared.security_events import SecurityEventLog
from klickit_core.shared.tokens import OneTimeTokenRepository

__all__ = ["MemoryStore", "MemoryUnitOfWork"]


class MemoryStore(_BaseStore):
    """The in-memory store; :meth:`unit_of_work` opens a transaction on it."""

    def unit_of_work(self) -> MemoryUnitOfWork:
        """A new unit of work on this store."""
        return MemoryUnitOfWork(self)


class MemoryUnitOfWork(MemoryTransaction):
    """A transaction on a :class:`MemoryStore`, with a repository per aggregate."""

    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store)
        self.products: ProductRepository = MemoryProducts(self)
        self.stock_movements: StockMovementRepository = MemoryStockMovements(self)
        self.reviews: ReviewRepository = MemoryReviews(self)
        self.carts: CartRepository = MemoryCarts(self)
        self.sessions: SessionRepository = MemorySessions(self)
        self.orders: OrderRepository = MemoryOrders(self)
        self.support_requests: SupportRequestRepository = MemorySupportRequests(self)
        self.customers: CustomerRepository = MemoryCustomers(self)
        self.credentials: CredentialRepository = MemoryCredentials(self)
        self.consents: ConsentRepository = MemoryConsents(self)
        self.access_log: AccessLog = MemoryAccessLog(self)
        self.payments: PaymentRepository = MemoryPayments(self)
        self.processed_events: ProcessedEventRepository = MemoryProcessedEvents(self)
        self.login_attempts: LoginAttemptRepository = MemoryLoginAttempts(self)
        self.lost_credentials: LostCredentialsRepository = MemoryLostCredentials(self)
        self.tokens: OneTimeTokenRepository = MemoryOneTimeTokens(self)
        self.security_events: SecurityEventLog = MemorySecurityEvents(self)
        self.sweep_checkpoints: SweepCheckpoints = MemorySweepCheckpoints(self)
        self.privacy_audit: PrivacyAuditLog = MemoryPrivacyAuditLog(self)
        self.privacy_requests: PrivacyRequestRepository = MemoryPrivacyRequests(self)
        self.export_bundles: BundleStore = MemoryBundleStore(self)
        self.erasure_ledger: ErasureLedger = MemoryErasureLedger(self)
        self.privacy_subjects: SubjectDirectory = MemorySubjectDirectory(self)
