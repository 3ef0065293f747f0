"""X-5, PRV-3, PRV-4, PRV-6: every backend passes the contracts of the request flows'
repositories, the erasure ledger and the subject directory."""

from __future__ import annotations

import pytest

from klickit_core.adapters.memory import MemoryStore
from klickit_core.adapters.sql import SqlStore
from klickit_core.testing.contracts import MakeUow
from klickit_core.testing.contracts.privacy_requests import PrivacyRequestsContract
from klickit_core.testing.contracts.sql import empty


class TestMemoryPrivacyRequests(PrivacyRequestsContract):
    @pytest.fixture
    def make_uow(self) -> MakeUow:
        return MemoryStore().unit_of_work


class TestSqlitePrivacyRequests(PrivacyRequestsContract):
    @pytest.fixture
    def make_uow(self, sqlite_store: SqlStore) -> MakeUow:
        empty(sqlite_store)
        return sqlite_store.unit_of_work


@pytest.mark.postgres
class TestPostgresPrivacyRequests(PrivacyRequestsContract):
    @pytest.fixture
    def make_uow(self, postgres_store: SqlStore) -> MakeUow:
        empty(postgres_store)
        return postgres_store.unit_of_work
