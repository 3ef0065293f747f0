"""The SQL backend (SPEC X-5): SQLite and PostgreSQL through SQLAlchemy 2 Core.

Needs the ``sql`` extra (``postgres`` for PostgreSQL). :class:`SqlStore` opens units of
work that carry every context's repositories in one transaction, like the memory
backend, and passes the same contract suites (:mod:`klickit_core.testing.contracts`).
See ``docs/persistence.md`` for the choices behind it.
"""

from klickit_core.adapters.sql.engine import make_engine
from klickit_core.adapters.sql.errors import (
    DatabaseUnavailableError,
    InactiveUnitOfWorkError,
    UnstorableValueError,
)
from klickit_core.adapters.sql.store import SqlStore, SqlUnitOfWork

__all__ = [
    "DatabaseUnavailableError",
    "InactiveUnitOfWorkError",
    "SqlStore",
    "SqlUnitOfWork",
    "UnstorableValueError",
    "make_engine",
]
