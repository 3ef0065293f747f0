"""Building blocks for fixtures that run the contract suites on SQL stores (X-5, X-7).

* :func:`sqlite_store`: a store on a SQLite file, with its tables created.
* :func:`postgres_store`: a store on a scratch schema of a PostgreSQL database
  (``klickit_<random>``, first on every connection's ``search_path``), dropped afterwards,
  so test runs never see each other's rows.
* :func:`postgres_schema_url`: the same scratch schema as a URL, for code that opens
  its own engine (``build_shop(url)``, a subprocess).
* :func:`postgres_url_or_skip`: the server's URL, or a skipped test when it cannot be
  reached. Under CI (the ``CI`` variable set) that is a *failure* instead: a PostgreSQL
  adapter that was never exercised must not pass as green.
* :func:`empty`: delete every row between tests (much faster than new tables).

Typical fixtures::

    @pytest.fixture(scope="session")
    def pg_store():
        with postgres_store(postgres_url_or_skip()) as store:
            yield store


    @pytest.fixture
    def make_uow(pg_store):
        empty(pg_store)
        return pg_store.unit_of_work

Needs the ``sql`` extra (``postgres`` for PostgreSQL) and pytest.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, text
from sqlalchemy.exc import SQLAlchemyError

from klickit_core.adapters.sql import SqlStore, make_engine
from klickit_core.adapters.sql.tables import metadata

__all__ = [
    "DEFAULT_POSTGRES_URL",
    "empty",
    "postgres_schema_url",
    "postgres_store",
    "postgres_url_or_skip",
    "sqlite_store",
]

#: The test server, unless ``KLICKIT_TEST_POSTGRES_URL`` names another one.
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@cache
def _unreachable(url: str) -> str | None:
    """Why ``url`` cannot be reached (the driver error's class name), or ``None``."""
    engine = make_engine(url, pool_pre_ping=False)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return type(getattr(error, "orig", None) or error).__name__
    finally:
        engine.dispose()
    return None


def postgres_url_or_skip(url: str | None = None) -> str:
    """``url`` (by default ``KLICKIT_TEST_POSTGRES_URL`` or :data:`DEFAULT_POSTGRES_URL`)
    if a server answers there; otherwise skip the test, or fail it under CI."""
    url = url or os.environ.get("KLICKIT_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    problem = _unreachable(url)
    if problem is not None:
        where = url.rsplit("@", 1)[-1]  # never the password
        message = f"PostgreSQL at {where} unreachable ({problem})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return url


@contextmanager
def sqlite_store(path: str | Path, **options: Any) -> Iterator[SqlStore]:
    """A store on the SQLite file ``path`` with every table created; closed afterwards."""
    store = SqlStore.from_url(f"sqlite:///{path}", **options)
    try:
        store.create_schema()
        yield store
    finally:
        store.close()


@contextmanager
def _scratch_schema(url: str, prefix: str) -> Iterator[str]:
    """A new schema of the database at ``url``, dropped with its content afterwards."""
    schema = f"{prefix}_{secrets.token_hex(6)}"
    admin = make_engine(url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        yield schema
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


@contextmanager
def postgres_schema_url(url: str, prefix: str = "klickit") -> Iterator[str]:
    """``url`` on a new, empty schema (first on every connection's ``search_path``),
    dropped afterwards. The tables are not created: ``build_shop`` does that."""
    with _scratch_schema(url, prefix) as schema:
        separator = "&" if "?" in url else "?"
        yield f"{url}{separator}options=-csearch_path%3D{schema}"


@contextmanager
def postgres_store(url: str, prefix: str = "klickit", **options: Any) -> Iterator[SqlStore]:
    """A store on a new schema of the database at ``url``, with every table created;
    the schema and everything in it are dropped afterwards."""
    with _scratch_schema(url, prefix) as schema:
        connect_args = {"options": f"-csearch_path={schema}", **options.pop("connect_args", {})}
        store = SqlStore.from_url(url, connect_args=connect_args, **options)
        try:
            store.create_schema()
            yield store
        finally:
            store.close()


def empty(store: SqlStore) -> None:
    """Delete every row of every table (children first), counters included."""
    with store.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(delete(table))
