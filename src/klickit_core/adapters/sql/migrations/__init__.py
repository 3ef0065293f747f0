"""Alembic migrations shipped inside the package (SPEC X-5).

There is no ``alembic.ini``: :func:`upgrade` builds the Alembic configuration in code and
runs the revisions on a connection of the caller's engine, so an installed wheel can
migrate a database with nothing but ``klickit db upgrade --db URL`` (or
:func:`upgrade` from Python). ``tests/adapters/test_migrations.py`` checks that the
revisions produce exactly the tables of :mod:`klickit_core.adapters.sql.tables`.

Migrating is serialised between processes (four app workers starting at once on an
empty database, or a deployment's ``klickit db upgrade`` beside a starting app): on
PostgreSQL by an advisory lock held on a connection of its own around the whole
upgrade, on SQLite by the write lock of the one ``BEGIN IMMEDIATE`` transaction the
upgrade runs in. Whoever gets the lock reads the revision again, so the latecomers find
the work done. A database at a revision this version does not ship (a newer version
migrated it) is refused with :class:`~klickit_core.adapters.database.DatabaseTooNewError`,
and a database at the head gets back any index of the schema it lacks (``klickit seed``
drops them while it loads; see :func:`restore_indexes`). Why: decision record 0013.

To write a new revision after changing ``tables.py``::

    python -m klickit_core.adapters.sql.migrations revision "add something"

which autogenerates it against a scratch SQLite database at the current head; read it and
adjust it (Alembic cannot guess renames) before committing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Index, text
from sqlalchemy import exc as sa_exc

from klickit_core.adapters.database import DatabaseTooNewError, MigrationBusyError
from klickit_core.adapters.sql.engine import begin_reads
from klickit_core.adapters.sql.errors import first_connection, translated
from klickit_core.adapters.sql.tables import metadata

__all__ = [
    "ADVISORY_LOCK_KEY",
    "HERE",
    "MIGRATION_WAIT",
    "config",
    "current_revision",
    "head_revision",
    "restore_indexes",
    "upgrade",
]

#: The folder holding ``env.py`` and ``versions/``.
HERE = Path(__file__).resolve().parent

#: Seconds a process waits for another one's migration before it gives up with
#: :class:`~klickit_core.adapters.database.MigrationBusyError`.
MIGRATION_WAIT: Final = 600.0

#: The PostgreSQL advisory lock every klickit process takes to migrate (``klickit`` in
#: ASCII). Fixed, so that every version agrees on it; it is database-wide, so shops in
#: two schemas of one database take turns to migrate.
ADVISORY_LOCK_KEY: Final = 0x6B6C69636B6974


def config(engine: Engine | None = None, connection: Connection | None = None) -> Config:
    """An Alembic configuration for the shipped scripts, bound to ``engine`` if given;
    with ``connection``, the revisions run on it, in the transaction it is in."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("version_path_separator", "os")
    if engine is not None:
        cfg.attributes["engine"] = engine
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head", *, wait: float = MIGRATION_WAIT) -> str | None:
    """Bring the database of ``engine`` to ``revision`` (the newest by default); returns
    the revision it was at before (``None``: empty), read under the migration lock
    whenever there was something to do.

    The whole upgrade is one transaction, under the lock the module docstring describes
    (waited for up to ``wait`` seconds). On SQLite Alembic's batch mode rebuilds tables
    where ``ALTER`` cannot. Driver errors leave as the library's typed errors; a first
    connection that fails says why (:func:`~klickit_core.adapters.sql.errors.first_connection`).
    """
    script = ScriptDirectory.from_config(config())
    head = _head(script)
    with translated():
        if revision == "head" and _up_to_date(engine, script, head):
            return head  # the common start: nothing to do, no lock taken
        with _migration_lock(engine, wait) as connection:
            before = _current(connection)
            _check_shipped(script, before, head)
            if before != head or revision != "head":
                command.upgrade(config(engine, connection), revision)
            if _current(connection) == head:
                restore_indexes(connection)
            connection.commit()
    return before


def restore_indexes(connection: Connection) -> list[str]:
    """Create every index of the schema (at its head) that the database lacks; returns
    their names. ``klickit seed`` drops the secondary indexes while it loads and builds
    them again at the end: a seed killed in between leaves them missing, and the next
    upgrade (``klickit db upgrade``, ``klickit seed``, ``build_shop``) puts them back."""
    missing = _missing_indexes(connection)
    for index in missing:
        index.create(connection)
    return [str(index.name) for index in missing]


def _missing_indexes(connection: Connection) -> list[Index]:
    if connection.dialect.name == "sqlite":
        listed = "SELECT name FROM sqlite_master WHERE type = 'index'"
    else:
        listed = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    present = {row[0] for row in connection.execute(text(listed))}
    return [
        index
        for table in metadata.sorted_tables
        for index in sorted(table.indexes, key=lambda index: str(index.name))
        if index.name not in present
    ]


def _up_to_date(engine: Engine, script: ScriptDirectory, head: str) -> bool:
    """Whether the database is at ``head`` with every index, read without the lock (and,
    on SQLite, without the write lock): a database in that state stays so, so most
    starts need no lock. A revision this version does not ship is refused here."""
    with first_connection(engine) as connection:
        begin_reads(connection)
        current = _current(connection)
        _check_shipped(script, current, head)
        return current == head and not _missing_indexes(connection)


def _check_shipped(script: ScriptDirectory, revision: str | None, head: str) -> None:
    """:class:`DatabaseTooNewError` if ``revision`` is none of the shipped ones."""
    if revision is not None and not any(r.revision == revision for r in script.walk_revisions()):
        raise DatabaseTooNewError(revision=revision[:32], head=head)


def head_revision() -> str:
    """The newest revision shipped."""
    return _head(ScriptDirectory.from_config(config()))


def _head(script: ScriptDirectory) -> str:
    head = script.get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise LookupError("no migration revision shipped")
    return head


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def _migration_lock(engine: Engine, wait: float) -> Iterator[Connection]:
    """A connection in a transaction, held while no other process migrates."""
    if engine.dialect.name == "sqlite":
        with first_connection(engine) as connection, _sqlite_write_lock(connection, wait):
            yield connection
        return
    with (
        first_connection(engine) as holder,
        _advisory_lock(holder, wait),
        engine.connect() as connection,
    ):
        connection.begin()  # one transaction, committed by the caller
        yield connection


@contextmanager
def _advisory_lock(holder: Connection, wait: float) -> Iterator[None]:
    """PostgreSQL's session advisory lock :data:`ADVISORY_LOCK_KEY`, on ``holder`` (a
    connection used for nothing else, in autocommit), for the block."""
    holder = holder.execution_options(isolation_level="AUTOCOMMIT")
    holder.execute(text(f"SET lock_timeout = {max(1, int(wait * 1000))}"))  # 0: forever
    try:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    except sa_exc.OperationalError as error:
        if getattr(error.orig, "sqlstate", None) == "55P03":  # lock_timeout ran out
            raise MigrationBusyError(seconds=int(wait)) from None
        raise
    finally:
        holder.execute(text("RESET lock_timeout"))
    try:
        yield
    finally:
        try:
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
        except sa_exc.DBAPIError:  # the server dropped us: the lock went with the session
            holder.invalidate()


@contextmanager
def _sqlite_write_lock(connection: Connection, wait: float) -> Iterator[None]:
    """SQLite's write lock, taken by ``BEGIN IMMEDIATE`` on ``connection`` and held by the
    transaction the upgrade runs in; another process waits up to ``wait`` seconds."""
    raw: Any = connection.connection.driver_connection
    previous = raw.execute("PRAGMA busy_timeout").fetchone()[0]
    raw.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
    try:
        try:
            connection.begin()  # BEGIN IMMEDIATE on an engine of make_engine
            if not raw.in_transaction:  # another engine: pysqlite begins only before DML
                raw.execute("BEGIN IMMEDIATE")
        except (sa_exc.OperationalError, sqlite3.OperationalError) as error:
            orig = getattr(error, "orig", error)
            if str(getattr(orig, "sqlite_errorname", "")).startswith("SQLITE_BUSY"):
                raise MigrationBusyError(seconds=int(wait)) from None
            raise
        yield
    finally:
        raw.execute(f"PRAGMA busy_timeout = {previous}")


def current_revision(engine: Engine) -> str | None:
    """The revision the database of ``engine`` is at (``None``: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
