"""X-5, PRV-2 … PRV-5, SES-1: memory, SQLite and PostgreSQL pass the people-side privacy
contract suites (sweeps, export lookups, erasure helpers), and on PostgreSQL concurrent
sweep workers skip each other's rows instead of waiting (``FOR UPDATE SKIP LOCKED``)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from klickit_core.adapters.memory import MemoryStore
from klickit_core.adapters.sql import SqlStore
from klickit_core.sessions.domain import VisitorSession
from klickit_core.shared.sweeps import SweepPage
from klickit_core.testing.contracts import MakeUow
from klickit_core.testing.contracts.builders import T0
from klickit_core.testing.contracts.people_sweeps import PeopleSweepsContract
from klickit_core.testing.contracts.sql import empty


class TestMemoryPeopleSweeps(PeopleSweepsContract):
    @pytest.fixture
    def make_uow(self) -> MakeUow:
        return MemoryStore().unit_of_work


class TestSqlitePeopleSweeps(PeopleSweepsContract):
    @pytest.fixture
    def make_uow(self, sqlite_store: SqlStore) -> MakeUow:
        empty(sqlite_store)
        return sqlite_store.unit_of_work


@pytest.mark.postgres
class TestPostgresPeopleSweeps(PeopleSweepsContract):
    @pytest.fixture
    def make_uow(self, postgres_store: SqlStore) -> MakeUow:
        empty(postgres_store)
        return postgres_store.unit_of_work


@pytest.mark.postgres
def test_concurrent_sweep_workers_skip_each_others_rows(postgres_store: SqlStore) -> None:
    """PRV-2: a second worker takes the next due sessions while the first one's batch is
    still open, and neither waits for the other."""
    empty(postgres_store)
    with postgres_store.unit_of_work() as uow:
        for index in range(6):
            moment = T0 + timedelta(minutes=index)
            uow.sessions.add(VisitorSession(f"s-{index}", moment, moment))
        uow.commit()
    cutoff = T0 + timedelta(days=1)
    first = postgres_store.unit_of_work()
    second_pages: list[SweepPage] = []

    def second_worker() -> None:
        with postgres_store.unit_of_work() as uow:
            second_pages.append(uow.sessions.sweep_idle(cutoff, after=None, limit=3, dry_run=False))
            uow.commit()

    with first:
        page = first.sessions.sweep_idle(cutoff, after=None, limit=3, dry_run=False)
        assert page.last is not None
        assert page.last.id == "s-2"
        worker = threading.Thread(target=second_worker)
        worker.start()
        worker.join(timeout=20)
        assert not worker.is_alive(), "the second worker waited for the first one's rows"
        first.commit()
    (second,) = second_pages
    assert second.examined == 3
    assert second.last is not None
    assert second.last.id == "s-5"
    with postgres_store.unit_of_work() as uow:
        assert all(uow.sessions.get(f"s-{index}") is None for index in range(6))
    empty(postgres_store)
