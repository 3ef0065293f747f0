"""Alembic's entry point for the shipped migrations: runs them on the caller's engine.

Only online migrations are supported (the library always has a database at hand); the
engine comes from :func:`klickit_core.adapters.sql.migrations.config`. Importing this
module outside an Alembic run (tools that walk every module of the package do) does
nothing: Alembic's ``context`` only has a ``config`` while it runs an environment.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from klickit_core.adapters.sql.tables import metadata


def run_migrations() -> None:
    """Run the pending revisions in one transaction on a connection of the bound engine."""
    engine = context.config.attributes.get("engine")
    if not isinstance(engine, Engine):  # pragma: no cover - misuse of the developer tool
        raise RuntimeError("run the migrations through klickit_core.adapters.sql.migrations")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=True,  # SQLite rebuilds tables for ALTERs it cannot do
            compare_type=True,
            compare_server_default=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if hasattr(context, "config"):  # inside an Alembic run
    run_migrations()
