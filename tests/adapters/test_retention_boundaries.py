"""PRV-1, PRV-2, X-5 (issue #19, break 1): every category of the default registry is swept
a day and a microsecond past its cutoff and kept at it and a day inside, on memory,
SQLite and PostgreSQL (the PostgreSQL store skips locally without a server, fails under
CI)."""

from __future__ import annotations

import pytest

from klickit_core.adapters.memory import MemoryStore
from klickit_core.adapters.sql import SqlStore
from klickit_core.testing.contracts.base import MakeUow
from klickit_core.testing.contracts.retention_boundaries import RetentionBoundaryContract
from klickit_core.testing.contracts.sql import empty


class TestMemoryRetentionBoundaries(RetentionBoundaryContract):
    @pytest.fixture
    def make_uow(self) -> MakeUow:
        return MemoryStore().unit_of_work


class TestSqliteRetentionBoundaries(RetentionBoundaryContract):
    @pytest.fixture
    def make_uow(self, sqlite_store: SqlStore) -> MakeUow:
        empty(sqlite_store)
        return sqlite_store.unit_of_work


@pytest.mark.postgres
class TestPostgresRetentionBoundaries(RetentionBoundaryContract):
    @pytest.fixture
    def make_uow(self, postgres_store: SqlStore) -> MakeUow:
        empty(postgres_store)
        return postgres_store.unit_of_work
