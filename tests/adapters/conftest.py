"""Stores for the SQL contract and boundary tests.

SQLite: one database file per test module. PostgreSQL: one scratch schema per test
session in the ``test`` database (``KLICKIT_TEST_POSTGRES_URL``), dropped at the end;
without a reachable server the PostgreSQL tests are skipped locally and fail under CI.
Tests empty the tables they use instead of recreating them, which keeps the suites fast.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from klickit_core.adapters.sql import SqlStore
from klickit_core.testing.contracts import sql


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStore]:
    """A SQLite file database with every table, for one test module."""
    with sql.sqlite_store(tmp_path_factory.mktemp("sqlite") / "klickit.db") as store:
        yield store


@pytest.fixture(scope="session")
def postgres_store() -> Iterator[SqlStore]:
    """A scratch PostgreSQL schema with every table, for the whole session."""
    with sql.postgres_store(sql.postgres_url_or_skip(), prefix="klickit_contracts") as store:
        yield store
