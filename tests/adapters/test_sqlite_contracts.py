"""X-5: SQLite passes every persistence contract suite, on a WAL file database and on
the in-memory ``sqlite://`` database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from klickit_core.adapters.sql import SqlStore
from klickit_core.testing.contracts import (
    AccessLogContract,
    AccountContract,
    CartContract,
    CatalogueContract,
    ConsentContract,
    MakeUow,
    OrderContract,
    PaymentContract,
    PrivacyAuditLogContract,
    SessionContract,
    ShopContract,
    SweepCheckpointContract,
    UnitOfWorkContract,
    security,
)
from klickit_core.testing.contracts.sql import empty


class SqliteBackend:
    """The module's SQLite file database, emptied before each test."""

    @pytest.fixture
    def make_uow(self, sqlite_store: SqlStore) -> MakeUow:
        empty(sqlite_store)
        return sqlite_store.unit_of_work


class TestSqliteUnitOfWork(SqliteBackend, UnitOfWorkContract):
    pass


class TestSqliteCatalogue(SqliteBackend, CatalogueContract):
    pass


class TestSqliteCarts(SqliteBackend, CartContract):
    pass


class TestSqliteSessions(SqliteBackend, SessionContract):
    pass


class TestSqliteCustomerSessions(SqliteBackend, security.CustomerSessionsContract):
    pass


class TestSqliteOrders(SqliteBackend, OrderContract):
    pass


class TestSqliteAccounts(SqliteBackend, AccountContract):
    pass


class TestSqliteConsents(SqliteBackend, ConsentContract):
    pass


class TestSqliteAccessLog(SqliteBackend, AccessLogContract):
    pass


class TestSqlitePayments(SqliteBackend, PaymentContract):
    pass


class TestSqliteLoginAttempts(SqliteBackend, security.LoginAttemptRepositoryContract):
    pass


class TestSqliteOneTimeTokens(SqliteBackend, security.OneTimeTokenRepositoryContract):
    pass


class TestSqliteSecurityEvents(SqliteBackend, security.SecurityEventLogContract):
    pass


class TestSqliteLostCredentials(SqliteBackend, security.LostCredentialsRepositoryContract):
    pass


class TestSqliteSweepCheckpoints(SqliteBackend, SweepCheckpointContract):
    pass


class TestSqlitePrivacyAudit(SqliteBackend, PrivacyAuditLogContract):
    pass


@pytest.fixture(scope="module")
def in_memory_store() -> Iterator[SqlStore]:
    store = SqlStore.from_url("sqlite://")
    store.create_schema()
    yield store
    store.close()


class TestSqliteInMemory(ShopContract):
    """``sqlite://``: a shared-cache memory database, statements serialised by the engine."""

    @pytest.fixture
    def make_uow(self, in_memory_store: SqlStore) -> MakeUow:
        empty(in_memory_store)
        return in_memory_store.unit_of_work
