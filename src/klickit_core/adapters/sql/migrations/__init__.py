"""Alembic migrations shipped inside the package (SPEC X-5).

There is no ``alembic.ini``: :func:`upgrade` builds the Alembic configuration in code and
runs the revisions on a connection of the caller's engine, so an installed wheel can
migrate a database with nothing but ``klickit db upgrade --db URL`` (or
:func:`upgrade` from Python). ``tests/adapters/test_migrations.py`` checks that the
revisions produce exactly the tables of :mod:`klickit_core.adapters.sql.tables`.

To write a new revision after changing ``tables.py``::

    python -m klickit_core.adapters.sql.migrations revision "add something"

which autogenerates it against a scratch SQLite database at the current head; read it and
adjust it (Alembic cannot guess renames) before committing.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

__all__ = ["HERE", "config", "current_revision", "head_revision", "upgrade"]

#: The folder holding ``env.py`` and ``versions/``.
HERE = Path(__file__).resolve().parent


def config(engine: Engine | None = None) -> Config:
    """An Alembic configuration for the shipped scripts, bound to ``engine`` if given."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("version_path_separator", "os")
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database of ``engine`` to ``revision`` (the newest by default).

    Each revision runs in one transaction on PostgreSQL (transactional DDL); on SQLite
    Alembic's batch mode rebuilds tables where ``ALTER`` cannot.
    """
    command.upgrade(config(engine), revision)


def head_revision() -> str:
    """The newest revision shipped."""
    head = ScriptDirectory.from_config(config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise LookupError("no migration revision shipped")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database of ``engine`` is at (``None``: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
