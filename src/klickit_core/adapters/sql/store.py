"""The SQL store and its unit of work: one connection and one transaction carrying every
context's repositories, like :class:`~klickit_core.adapters.memory.store.MemoryUnitOfWork`.

Unlike the memory unit of work, a :class:`SqlUnitOfWork` holds a database connection,
and only inside its ``with`` block: it is taken at the first statement and given back to
the pool when the block ends. Using a repository outside the block (or entering the block
twice at once) raises :class:`~klickit_core.adapters.sql.errors.InactiveUnitOfWorkError`.
After ``commit()`` the block may go on: what follows is a new transaction, as with the
memory backend.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect

from klickit_core.accounts.ports import (
    CredentialRepository,
    CustomerRepository,
    LoginAttemptRepository,
    LostCredentialsRepository,
)
from klickit_core.adapters.database import NoShopError
from klickit_core.adapters.sql.accounts import (
    SqlAccessLog,
    SqlConsents,
    SqlCredentials,
    SqlCustomers,
)
from klickit_core.adapters.sql.base import SqlTransaction
from klickit_core.adapters.sql.cart_sessions import SqlCarts, SqlSessions
from klickit_core.adapters.sql.catalogue import SqlProducts, SqlReviews, SqlStockMovements
from klickit_core.adapters.sql.engine import begin_reads, make_engine
from klickit_core.adapters.sql.errors import first_connection, translated
from klickit_core.adapters.sql.orders import SqlOrders, SqlSupportRequests
from klickit_core.adapters.sql.payments import SqlPayments, SqlProcessedEvents
from klickit_core.adapters.sql.privacy import SqlPrivacyAuditLog, SqlSweepCheckpoints
from klickit_core.adapters.sql.privacy_requests import (
    SqlBundleStore,
    SqlErasureLedger,
    SqlPrivacyRequests,
    SqlSubjectDirectory,
)
from klickit_core.adapters.sql.security import (
    SqlLoginAttempts,
    SqlLostCredentials,
    SqlOneTimeTokens,
    SqlSecurityEvents,
)
from klickit_core.adapters.sql.tables import metadata
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

__all__ = ["SqlStore", "SqlUnitOfWork"]

#: The module the schema migrations live in (``upgrade(engine, revision="head")``).
MIGRATIONS_MODULE = "klickit_core.adapters.sql.migrations"


class SqlStore:
    """A database reached through one SQLAlchemy engine.

    The store does not own an engine it is given: whoever made it disposes of it. One
    made by :meth:`from_url` is the store's, and :meth:`close` disposes of it.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._owns_engine = False

    @classmethod
    def from_url(cls, url: str, **options: Any) -> SqlStore:
        """A store on a new engine for ``url`` (see
        :func:`~klickit_core.adapters.sql.engine.make_engine`), closed by :meth:`close`."""
        store = cls(make_engine(url, **options))
        store._owns_engine = True
        return store

    @property
    def engine(self) -> Engine:
        """The engine of this store."""
        return self._engine

    def unit_of_work(self) -> SqlUnitOfWork:
        """A new unit of work on this store."""
        return SqlUnitOfWork(self._engine)

    def create_schema(self) -> None:
        """Create every table that does not exist yet, straight from the metadata (for
        tests and throw-away databases: it records no migration)."""
        with translated():
            metadata.create_all(self._engine)

    def ensure_schema(self, *, create: bool = True) -> None:
        """Bring the database to the schema of this version of the library.

        With the migrations module present, this runs its ``upgrade(engine)``: a
        database created by an older version is migrated, a new one built from scratch.
        Without it (a build that ships no migrations), the tables are created from the
        metadata. With ``create=False`` a database that holds no shop yet (a SQLite file
        that does not exist, which is then not created, or a database or schema without
        the tables) raises :class:`~klickit_core.adapters.database.NoShopError` instead.
        """
        if not create:
            self._require_a_shop()
        try:
            migrations = importlib.import_module(MIGRATIONS_MODULE)
        except ModuleNotFoundError as missing:
            if missing.name != MIGRATIONS_MODULE:
                raise
            self.create_schema()
            return
        with translated():
            migrations.upgrade(self._engine)

    def _require_a_shop(self) -> None:
        """:class:`NoShopError` unless the database already holds a shop's tables."""
        url = self._engine.url
        backend = "sqlite" if url.get_backend_name() == "sqlite" else "postgresql"
        in_memory = not url.database or url.database == ":memory:" or "uri" in url.query
        if backend == "sqlite" and not in_memory and not Path(url.database or "").is_file():
            raise NoShopError(backend=backend)  # before connecting, which would create it
        with translated(), first_connection(self._engine) as connection:
            begin_reads(connection)  # a read: no write lock on SQLite
            if not inspect(connection).has_table("products"):
                raise NoShopError(backend=backend)

    def close(self) -> None:
        """Dispose of the engine if this store made it; pooled connections close."""
        if self._owns_engine:
            self._engine.dispose()


class SqlUnitOfWork(SqlTransaction):
    """A transaction on a :class:`SqlStore`, with a repository per aggregate."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.products: ProductRepository = SqlProducts(self)
        self.stock_movements: StockMovementRepository = SqlStockMovements(self)
        self.reviews: ReviewRepository = SqlReviews(self)
        self.carts: CartRepository = SqlCarts(self)
        self.sessions: SessionRepository = SqlSessions(self)
        self.orders: OrderRepository = SqlOrders(self)
        self.support_requests: SupportRequestRepository = SqlSupportRequests(self)
        self.customers: CustomerRepository = SqlCustomers(self)
        self.credentials: CredentialRepository = SqlCredentials(self)
        self.consents: ConsentRepository = SqlConsents(self)
        self.access_log: AccessLog = SqlAccessLog(self)
        self.payments: PaymentRepository = SqlPayments(self)
        self.processed_events: ProcessedEventRepository = SqlProcessedEvents(self)
        self.login_attempts: LoginAttemptRepository = SqlLoginAttempts(self)
        self.lost_credentials: LostCredentialsRepository = SqlLostCredentials(self)
        self.tokens: OneTimeTokenRepository = SqlOneTimeTokens(self)
        self.security_events: SecurityEventLog = SqlSecurityEvents(self)
        self.sweep_checkpoints: SweepCheckpoints = SqlSweepCheckpoints(self)
        self.privacy_audit: PrivacyAuditLog = SqlPrivacyAuditLog(self)
        self.privacy_requests: PrivacyRequestRepository = SqlPrivacyRequests(self)
        self.export_bundles: BundleStore = SqlBundleStore(self)
        self.erasure_ledger: ErasureLedger = SqlErasureLedger(self)
        self.privacy_subjects: SubjectDirectory = SqlSubjectDirectory(self)
