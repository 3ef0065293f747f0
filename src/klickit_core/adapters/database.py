"""Database URLs: which backend a URL names, and the errors for URLs that cannot be opened.

This module imports no database library, so the composition root can tell a shop which
extra to install *before* importing SQLAlchemy or psycopg, and the SQL adapter raises
the same typed error as :func:`~klickit_core.bootstrap.build_shop` for a URL it does not
know.
"""

from __future__ import annotations

import enum

from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_

__all__ = [
    "Backend",
    "MissingExtraError",
    "UnsupportedDatabaseError",
    "backend_of",
    "redacted",
    "scheme_of",
]


class UnsupportedDatabaseError(KlickitError):
    """The database URL names a backend this version cannot open."""

    code = "bootstrap.unsupported_database"
    message_template = N_("Unsupported database URL scheme {scheme}.")


class MissingExtraError(KlickitError):
    """The URL names a backend whose optional dependencies are not installed.

    ``extra`` is the name to install (``pip install "klickit-core[postgres]"``).
    """

    code = "bootstrap.missing_extra"
    message_template = N_(
        'This database needs the {extra} extra: pip install "klickit-core[{extra}]".'
    )


class Backend(enum.StrEnum):
    """The backends a URL can name, with the extra each one needs."""

    MEMORY = "memory"
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"

    @property
    def extra(self) -> str | None:
        """The optional dependency group to install for this backend, if any."""
        return {Backend.SQLITE: "sql", Backend.POSTGRESQL: "postgres"}.get(self)


#: URL schemes (before ``://``) and the backend each one opens. PostgreSQL is reached
#: through psycopg 3 only: ``postgresql://`` alone would let SQLAlchemy pick psycopg2.
_SCHEMES = {
    "memory": Backend.MEMORY,
    "sqlite": Backend.SQLITE,
    "sqlite+pysqlite": Backend.SQLITE,
    "postgresql+psycopg": Backend.POSTGRESQL,
}


def scheme_of(url: str) -> str:
    """The scheme of ``url``, lower-cased (``"postgresql+psycopg"``)."""
    return url.split(":", 1)[0].lower()


def backend_of(url: str) -> Backend:
    """The backend ``url`` names; :class:`UnsupportedDatabaseError` for any other scheme.

    Only the scheme is shown in the error: the rest of a URL may hold a password.
    """
    scheme = scheme_of(url)
    backend = _SCHEMES.get(scheme)
    if backend is None or (backend is not Backend.MEMORY and "://" not in url):
        raise UnsupportedDatabaseError(scheme=scheme[:32])
    return backend


def redacted(url: str) -> str:
    """``url`` with its password, if any, replaced by ``***`` (for ``repr`` and logs)."""
    scheme, separator, rest = url.partition("://")
    credentials, at, location = rest.rpartition("@")
    if not separator or not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{location}"
