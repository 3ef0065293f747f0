"""Engines for SQLite and PostgreSQL, configured the way the SQL unit of work relies on.

:func:`make_engine` is the only place that knows the two databases apart; the unit of
work asks it, through :func:`begin_reads` and :func:`begin_writes`, to move a connection
between its two phases:

**Reads** run in autocommit: every ``SELECT`` sees what is committed at that moment (read
committed, as in the memory backend) and no lock is held while a use case thinks, or
waits for a payment gateway.

**Writes** are collected by the unit of work and applied at ``commit()`` in one short
transaction:

* on SQLite it starts with ``BEGIN IMMEDIATE``, which takes the database's write lock at
  once. Concurrent writers then queue on that lock (the busy timeout, 30 s by default)
  instead of starting as readers and failing with "database is locked" when they try to
  upgrade. pysqlite's own transaction handling is switched off for that
  (``isolation_level = None`` on every DBAPI connection, SQLAlchemy's ``begin`` event
  emits our ``BEGIN``), as the SQLAlchemy documentation recommends. File databases use
  the WAL journal, so readers never wait for the writer, and every connection enforces
  foreign keys.
* on PostgreSQL (psycopg 3) it is a ``READ COMMITTED`` transaction: stock is taken by a
  guarded ``UPDATE … WHERE stock >= :quantity``, aggregates are saved with
  ``WHERE version = :seen``, so row locks held for a few milliseconds are all the
  coordination needed. ``pool_pre_ping`` replaces connections the server closed.

``sqlite://`` (no path) is an in-memory database for tests and demos: a named, shared-cache
memory database that every pooled connection sees, kept alive as long as the engine.
Shared-cache connections lock whole tables without waiting, so the engine serialises its
statements with a lock of its own (:func:`statement_lock`): correct with threads, but not
made for load.

Every engine hides statement parameters from its log lines and error messages: they
hold names, emails and addresses.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
import weakref
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Final

from sqlalchemy import Connection, Engine, create_engine, event, pool
from sqlalchemy.engine import URL, make_url

from klickit_core.adapters.database import (
    Backend,
    UnsupportedDatabaseError,
    backend_of,
    normalised,
)

__all__ = [
    "DEFAULT_BUSY_TIMEOUT",
    "begin_reads",
    "begin_writes",
    "end_writes",
    "make_engine",
    "statement_lock",
]

#: Seconds a SQLite writer waits for the write lock before giving up (then a
#: retryable :class:`~klickit_core.shared.errors.ConflictError`).
DEFAULT_BUSY_TIMEOUT: Final = 30.0

#: Execution option read by the SQLite ``begin`` listener: ``"IMMEDIATE"`` (the default,
#: for every writer, migrations included) or ``"NONE"`` (autocommit reads).
_BEGIN_OPTION: Final = "klickit_sqlite_begin"

#: Locks serialising the statements of in-memory SQLite engines (see the module docstring).
_STATEMENT_LOCKS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()


def make_engine(url: str | URL, **options: Any) -> Engine:
    """An engine for ``sqlite:///path``, ``sqlite://`` (in memory) or
    ``postgresql+psycopg://…`` (``postgresql://`` and ``postgres://`` mean the same),
    set up as the module docstring says.

    ``options`` go to :func:`sqlalchemy.create_engine` and win over the defaults (a
    ``pool_size``, ``connect_args={"options": "-csearch_path=…"}``…). Any other URL raises
    :class:`~klickit_core.adapters.database.UnsupportedDatabaseError`.
    """
    text = url.render_as_string(hide_password=False) if isinstance(url, URL) else url
    text = normalised(text)
    backend = backend_of(text)
    parsed = make_url(text)
    if backend is Backend.SQLITE:
        return _sqlite_engine(parsed, options)
    if backend is Backend.POSTGRESQL:
        return _postgres_engine(parsed, options)
    raise UnsupportedDatabaseError(scheme=parsed.drivername[:32])


def _sqlite_engine(url: URL, options: dict[str, Any]) -> Engine:
    in_memory = not url.database or url.database == ":memory:"
    connect_args: dict[str, Any] = {"timeout": DEFAULT_BUSY_TIMEOUT, "check_same_thread": False}
    defaults: dict[str, Any] = {"hide_parameters": True, "poolclass": pool.QueuePool}
    if in_memory:
        # A name of its own, so two in-memory engines never share a database.
        url = url.set(
            database=f"file:klickit-{uuid.uuid4().hex}?mode=memory&cache=shared",
            query={"uri": "true"},
        )
    connect_args.update(options.pop("connect_args", {}))
    engine = create_engine(url, connect_args=connect_args, **{**defaults, **options})
    event.listen(engine, "connect", _sqlite_on_connect(wal=not in_memory))
    event.listen(engine, "begin", _sqlite_on_begin)
    if in_memory:
        _keep_alive(engine, url)
    return engine


def _sqlite_on_connect(*, wal: bool) -> Any:
    def on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            if wal:
                cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    return on_connect


def _sqlite_on_begin(connection: Connection) -> None:
    mode = connection.get_execution_options().get(_BEGIN_OPTION, "IMMEDIATE")
    if mode != "NONE":
        connection.exec_driver_sql(f"BEGIN {mode}")


def _keep_alive(engine: Engine, url: URL) -> None:
    """Hold one connection open for the engine's life: a shared-cache memory database
    disappears with its last connection, and a pool may close all of its own."""
    keeper = sqlite3.connect(url.database or "", uri=True, check_same_thread=False)
    _STATEMENT_LOCKS[engine] = threading.RLock()

    def close_keeper(_engine: Engine) -> None:
        keeper.close()

    event.listen(engine, "engine_disposed", close_keeper)


def _postgres_engine(url: URL, options: dict[str, Any]) -> Engine:
    defaults: dict[str, Any] = {
        "isolation_level": "READ COMMITTED",
        "pool_pre_ping": True,
        "hide_parameters": True,
    }
    return create_engine(url, **{**defaults, **options})


# ---------------------------------------------------------------------- phases


def statement_lock(engine: Engine) -> AbstractContextManager[object]:
    """The lock every statement of ``engine`` must hold (in-memory SQLite only)."""
    lock = _STATEMENT_LOCKS.get(engine)
    return lock if lock is not None else nullcontext()


def begin_reads(connection: Connection) -> None:
    """Put a fresh connection (or one just committed or rolled back) in autocommit."""
    if connection.dialect.name == "sqlite":
        connection.execution_options(**{_BEGIN_OPTION: "NONE"})
    else:
        connection.execution_options(isolation_level="AUTOCOMMIT")


def begin_writes(connection: Connection) -> None:
    """End the read phase and open the write transaction (``BEGIN IMMEDIATE`` on SQLite,
    ``READ COMMITTED`` on PostgreSQL)."""
    connection.commit()  # the read phase's implicit transaction holds nothing
    if connection.dialect.name == "sqlite":
        connection.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
    else:
        connection.execution_options(isolation_level="READ COMMITTED")
    connection.begin()


def end_writes(connection: Connection, *, commit: bool) -> None:
    """Commit or roll back the write transaction, then go back to autocommit reads."""
    try:
        if commit:
            connection.commit()
        else:
            connection.rollback()
    finally:
        if not connection.closed and not connection.invalidated:
            if connection.in_transaction():  # a failed COMMIT leaves it open
                connection.rollback()
            begin_reads(connection)
