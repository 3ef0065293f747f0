"""Alembic's entry point for the shipped migrations: runs them on the caller's connection
or engine.

Only online migrations are supported (the library always has a database at hand); the
connection or engine comes from :func:`klickit_core.adapters.sql.migrations.config`. Importing this
module outside an Alembic run (tools that walk every module of the package do) does
nothing: Alembic's ``context`` only has a ``config`` while it runs an environment.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from klickit_core.adapters.sql.tables import metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite rebuilds tables for ALTERs it cannot do
        compare_type=True,
        compare_server_default=True,
    )


def run_migrations() -> None:
    """Run the pending revisions: on the bound connection, in the transaction its owner
    opened and will commit (:func:`~klickit_core.adapters.sql.migrations.upgrade`, under
    the migration lock), or else in one transaction on a connection of the bound engine."""
    given = context.config.attributes.get("connection")
    if isinstance(given, Connection):
        _configure(given)
        with context.begin_transaction():  # the caller's: Alembic opens none of its own
            context.run_migrations()
        return
    engine = context.config.attributes.get("engine")
    if not isinstance(engine, Engine):  # pragma: no cover - misuse of the developer tool
        raise RuntimeError("run the migrations through klickit_core.adapters.sql.migrations")
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if hasattr(context, "config"):  # inside an Alembic run
    run_migrations()
