"""X-5: PostgreSQL (psycopg 3) passes every persistence contract suite.

Runs on a scratch schema of the ``test`` database; skipped without a server, failed
under CI (see ``conftest.py``).
"""

from __future__ import annotations

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
    SweepCheckpointContract,
    UnitOfWorkContract,
    security,
)
from klickit_core.testing.contracts.sql import empty

pytestmark = pytest.mark.postgres


class PostgresBackend:
    """The session's PostgreSQL schema, emptied before each test."""

    @pytest.fixture
    def make_uow(self, postgres_store: SqlStore) -> MakeUow:
        empty(postgres_store)
        return postgres_store.unit_of_work


class TestPostgresUnitOfWork(PostgresBackend, UnitOfWorkContract):
    pass


class TestPostgresCatalogue(PostgresBackend, CatalogueContract):
    pass


class TestPostgresCarts(PostgresBackend, CartContract):
    pass


class TestPostgresSessions(PostgresBackend, SessionContract):
    pass


class TestPostgresCustomerSessions(PostgresBackend, security.CustomerSessionsContract):
    pass


class TestPostgresOrders(PostgresBackend, OrderContract):
    pass


class TestPostgresAccounts(PostgresBackend, AccountContract):
    pass


class TestPostgresConsents(PostgresBackend, ConsentContract):
    pass


class TestPostgresAccessLog(PostgresBackend, AccessLogContract):
    pass


class TestPostgresPayments(PostgresBackend, PaymentContract):
    pass


class TestPostgresLoginAttempts(PostgresBackend, security.LoginAttemptRepositoryContract):
    pass


class TestPostgresOneTimeTokens(PostgresBackend, security.OneTimeTokenRepositoryContract):
    pass


class TestPostgresSecurityEvents(PostgresBackend, security.SecurityEventLogContract):
    pass


class TestPostgresLostCredentials(PostgresBackend, security.LostCredentialsRepositoryContract):
    pass


class TestPostgresSweepCheckpoints(PostgresBackend, SweepCheckpointContract):
    pass


class TestPostgresPrivacyAudit(PostgresBackend, PrivacyAuditLogContract):
    pass
