"""X-5, decision 0014: every backend's commit runs the event handlers inside the
transaction and the subscribers after it: memory, SQLite (a WAL file) and PostgreSQL."""

from __future__ import annotations

import pytest

from klickit_core.adapters.memory import MemoryStore
from klickit_core.adapters.sql import SqlStore
from klickit_core.testing.contracts import EventsContract, MakeUow
from klickit_core.testing.contracts.sql import empty


class TestMemoryEvents(EventsContract):
    @pytest.fixture
    def make_uow(self) -> MakeUow:
        return MemoryStore().unit_of_work


class TestSqliteEvents(EventsContract):
    @pytest.fixture
    def make_uow(self, sqlite_store: SqlStore) -> MakeUow:
        empty(sqlite_store)
        return sqlite_store.unit_of_work


@pytest.mark.postgres
class TestPostgresEvents(EventsContract):
    @pytest.fixture
    def make_uow(self, postgres_store: SqlStore) -> MakeUow:
        empty(postgres_store)
        return postgres_store.unit_of_work
