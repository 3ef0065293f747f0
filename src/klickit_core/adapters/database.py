"""Database URLs: which backend a URL names, and the errors for URLs that cannot be opened.

This module imports no database library, so the composition root can tell a shop which
extra to install *before* importing SQLAlchemy or psycopg, and the SQL adapter raises
the same typed error as :func:`~klickit_core.bootstrap.build_shop` for a URL it does not
know. The errors of a database's life cycle (no shop there yet, a schema newer than the
library, a migration that waits too long) live here too (decision record 0013).
"""

from __future__ import annotations

import enum

from klickit_core.shared.errors import ConflictError, KlickitError
from klickit_core.shared.i18n import N_

__all__ = [
    "Backend",
    "DatabaseTooNewError",
    "MigrationBusyError",
    "MissingExtraError",
    "NoShopError",
    "UnsupportedDatabaseError",
    "backend_of",
    "normalised",
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


class NoShopError(KlickitError):
    """The URL names a database that holds no shop: a SQLite file that does not exist,
    or a database (schema) never migrated. Raised where a shop is opened but must not be
    created (``build_shop(url, create=False)``, every ``klickit`` command but
    ``db upgrade``, ``seed`` and ``demo``), so a mistyped path is not a new, empty shop.
    ``backend`` is ``"sqlite"`` or ``"postgresql"``; the path stays out of the error."""

    code = "storage.no_shop"
    message_template = N_(
        "There is no shop at this database URL ({backend}); check it, or create the shop "
        "with klickit db upgrade."
    )


class DatabaseTooNewError(KlickitError):
    """The database is at a schema revision this version of the library does not ship:
    a newer version migrated it. Nothing is changed; install the newer library.
    ``revision`` is the database's, ``head`` the newest this version knows."""

    code = "storage.database_too_new"
    message_template = N_(
        "The database is at revision {revision}, newer than this version of klickit-core "
        "knows (up to {head}); upgrade klickit-core."
    )


class MigrationBusyError(ConflictError):
    """Another process held the migration lock for longer than the wait allowed
    (``seconds``); nothing was changed. Start again once it is done."""

    code = "storage.migration_busy"
    message_template = N_(
        "Another process has been migrating the database for over {seconds} s; try again "
        "when it is done."
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
#: through psycopg 3 only: ``postgresql://`` and ``postgres://`` mean it too (see
#: :func:`normalised`); another driver (``postgresql+psycopg2://``) is refused.
_SCHEMES = {
    "memory": Backend.MEMORY,
    "sqlite": Backend.SQLITE,
    "sqlite+pysqlite": Backend.SQLITE,
    "postgresql+psycopg": Backend.POSTGRESQL,
    "postgresql": Backend.POSTGRESQL,
    "postgres": Backend.POSTGRESQL,
}

#: Schemes spelled without their driver, and the one they stand for.
_DRIVERS = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


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


def normalised(url: str) -> str:
    """``url`` with its scheme spelled the way the SQL adapter opens it:
    ``postgres://`` and ``postgresql://`` become ``postgresql+psycopg://`` (SQLAlchemy
    would otherwise pick psycopg2, which the library does not use). Other URLs are
    returned unchanged; :func:`backend_of` still decides which are supported."""
    scheme, separator, rest = url.partition("://")
    driver = _DRIVERS.get(scheme.lower())
    return f"{driver}://{rest}" if separator and driver else url


def redacted(url: str) -> str:
    """``url`` with its password, if any, replaced by ``***`` (for ``repr`` and logs)."""
    scheme, separator, rest = url.partition("://")
    credentials, at, location = rest.rpartition("@")
    if not separator or not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{location}"
