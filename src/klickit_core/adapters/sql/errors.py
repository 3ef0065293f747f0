"""Driver exceptions become the library's typed errors here, at the adapter boundary (X-9).

An app catches :class:`~klickit_core.shared.errors.KlickitError` and its families, never a
``sqlalchemy``, ``psycopg`` or ``sqlite3`` exception, so every statement the SQL backend
runs goes through :func:`translated`:

* a unique-key clash becomes the port's own error (:class:`DuplicateProductError`,
  :class:`DuplicateAccountError`, :class:`DuplicatePaymentError`,
  :class:`DuplicateEventError`), or :class:`~klickit_core.shared.errors.ConflictError`
  naming the table;
* a serialization failure, a deadlock or a lock wait that ran out (PostgreSQL 40001,
  40P01, 55P03; SQLite "database is locked") becomes a plain ``ConflictError``: the
  transaction was rolled back and may be retried as a whole
  (:func:`~klickit_core.shared.retry.retry_on_conflict`);
* a lost connection becomes :class:`DatabaseUnavailableError`; the first connection of a
  job (:func:`first_connection`) says why it failed instead: no server at that address
  (:class:`ServerUnreachableError`), no such database (:class:`DatabaseMissingError`), the
  login refused (:class:`AuthenticationFailedError`), a SQLite file that cannot be opened
  (:class:`CannotOpenDatabaseError`).

Values that do not fit a column are refused *before* anything is written, by
:func:`check_row`, one generic rule read from the :class:`~sqlalchemy.Table` itself (SQLite
would store a 300-character email in a ``VARCHAR(254)``; PostgreSQL would refuse it, and
refuse NUL characters): one behaviour on both backends.

Nothing a person typed reaches these errors. Driver messages quote the rejected values
("Key (email)=(alice@example.fr) already exists"), so they are never chained into the
typed error (``raise … from None``) and the engine hides statement parameters.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import PurePath
from typing import Any, Final

from sqlalchemy import BigInteger, Connection, Engine, Integer, SmallInteger, String, Table
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL

from klickit_core.accounts.ports import CustomerNotFoundError, DuplicateAccountError
from klickit_core.adapters.sql.tables import metadata
from klickit_core.catalogue.ports import DuplicateProductError
from klickit_core.payments.ports import DuplicateEventError, DuplicatePaymentError
from klickit_core.shared.errors import (
    ConflictError,
    DetailValue,
    FieldError,
    KlickitError,
    ValidationError,
)
from klickit_core.shared.i18n import N_

__all__ = [
    "AuthenticationFailedError",
    "CannotOpenDatabaseError",
    "DatabaseMissingError",
    "DatabaseUnavailableError",
    "InactiveUnitOfWorkError",
    "ServerUnreachableError",
    "UnstorableValueError",
    "Violation",
    "check_row",
    "check_rows",
    "connection_error",
    "first_connection",
    "integrity_error",
    "translated",
    "violation_of",
]


class UnstorableValueError(ValidationError):
    """A value does not fit its column (too long, out of range, or a character the
    database cannot hold). Raised before anything is written; each field error names the
    column (``"orders.contact_email"``), never the value."""

    code = "storage.unstorable_value"
    message_template = N_("Some values cannot be stored ({count}).")


class InactiveUnitOfWorkError(KlickitError):
    """A SQL unit of work was used outside its ``with`` block, or entered twice.

    The SQL unit of work holds a database connection only inside ``with``; outside it
    there is no transaction to read or write through (``reason``: ``not_entered`` or
    ``already_entered``).
    """

    code = "storage.inactive_unit_of_work"
    message_template = N_("The unit of work cannot be used here ({reason}).")


class DatabaseUnavailableError(KlickitError):
    """The database could not be reached or failed (connection lost, disk error).

    Nothing was committed. The cause stays in the driver's own logs: its message may
    quote data.
    """

    code = "storage.unavailable"
    message_template = N_("The database is unavailable; try again later.")


class ServerUnreachableError(DatabaseUnavailableError):
    """No database server answers at ``host``:``port`` (refused, timed out, or a host
    name that does not resolve)."""

    code = "storage.server_unreachable"
    message_template = N_("No database server answers at {host}:{port}.")


class DatabaseMissingError(DatabaseUnavailableError):
    """The server at ``host``:``port`` answers but has no database called ``database``
    (the library creates tables, never databases)."""

    code = "storage.database_missing"
    message_template = N_("The database {database} does not exist on the server at {host}:{port}.")


class AuthenticationFailedError(DatabaseUnavailableError):
    """The server at ``host``:``port`` refused the login: wrong password, unknown user,
    or no ``pg_hba.conf`` entry. Neither the user nor the password is repeated."""

    code = "storage.authentication_failed"
    message_template = N_(
        "The database server at {host}:{port} refused the login (check the user and password)."
    )


class CannotOpenDatabaseError(DatabaseUnavailableError):
    """The SQLite file ``file`` (its name only) cannot be opened or created: its folder
    is missing, or not readable or writable."""

    code = "storage.cannot_open"
    message_template = N_(
        "The database file {file} cannot be opened (check that its folder exists and "
        "may be written)."
    )


# ---------------------------------------------------------------------- checking rows

#: The largest value each integer column type holds on PostgreSQL (SQLite holds more).
_INTEGER_LIMITS: Final = ((SmallInteger, 2**15 - 1), (BigInteger, 2**63 - 1), (Integer, 2**31 - 1))


def _integer_limit(column_type: object) -> int | None:
    for kind, limit in _INTEGER_LIMITS:
        if isinstance(column_type, kind):
            return limit
    return None


def _storable_text(value: str) -> bool:
    """PostgreSQL text cannot hold NUL, and neither driver can encode lone surrogates."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_row(table: Table, row: Mapping[str, object]) -> list[FieldError]:
    """Every value of ``row`` that ``table``'s columns cannot hold, as field errors
    (a datetime without a time zone included: it would be stored as a guess).

    Lengths and integer ranges are read from the column types, so a column widened in
    ``tables.py`` is checked with its new size at once.
    """
    errors: list[FieldError] = []
    for name, value in row.items():
        column = table.c[name]
        path = (table.name, name)
        if isinstance(value, str):
            length = column.type.length if isinstance(column.type, String) else None
            if length is not None and len(value) > length:
                errors.append(
                    FieldError(
                        path, "storage.too_long", N_("At most {max} characters."), {"max": length}
                    )
                )
            elif not _storable_text(value):
                errors.append(
                    FieldError(
                        path, "storage.invalid_text", N_("This text has invalid characters.")
                    )
                )
        elif isinstance(value, datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                errors.append(
                    FieldError(
                        path, "storage.naive_datetime", N_("Datetimes must carry a timezone.")
                    )
                )
        elif isinstance(value, int) and not isinstance(value, bool):
            limit = _integer_limit(column.type)
            if limit is not None and not -limit - 1 <= value <= limit:
                errors.append(
                    FieldError(path, "storage.out_of_range", N_("This number is out of range."))
                )
    return errors


def check_rows(table: Table, rows: Sequence[Mapping[str, object]]) -> None:
    """Raise :class:`UnstorableValueError` if any of ``rows`` does not fit ``table``."""
    errors = [error for row in rows for error in check_row(table, row)]
    if errors:
        raise UnstorableValueError(errors)


# ---------------------------------------------------------------------- integrity errors


class Violation(enum.Enum):
    """Which kind of constraint a statement broke."""

    UNIQUE = "unique"
    FOREIGN_KEY = "foreign_key"
    CHECK = "check"
    NOT_NULL = "not_null"


_PG_VIOLATIONS: Final = {
    "23505": Violation.UNIQUE,
    "23503": Violation.FOREIGN_KEY,
    "23514": Violation.CHECK,
    "23502": Violation.NOT_NULL,
}
_SQLITE_VIOLATIONS: Final = {
    "SQLITE_CONSTRAINT_PRIMARYKEY": Violation.UNIQUE,
    "SQLITE_CONSTRAINT_UNIQUE": Violation.UNIQUE,
    "SQLITE_CONSTRAINT_FOREIGNKEY": Violation.FOREIGN_KEY,
    "SQLITE_CONSTRAINT_CHECK": Violation.CHECK,
    "SQLITE_CONSTRAINT_NOTNULL": Violation.NOT_NULL,
}


def _constraint_names() -> dict[tuple[str, frozenset[str]], str]:
    """``(table, columns) -> constraint name`` for every primary key and unique
    constraint, to name the constraint behind a SQLite message ("UNIQUE constraint
    failed: customers.email") as PostgreSQL does."""
    names: dict[tuple[str, frozenset[str]], str] = {}
    for table in metadata.tables.values():
        names[(table.name, frozenset(table.primary_key.columns.keys()))] = f"pk_{table.name}"
        for constraint in table.constraints:
            columns = getattr(constraint, "columns", None)
            if constraint.name and columns is not None and constraint is not table.primary_key:
                names.setdefault((table.name, frozenset(columns.keys())), str(constraint.name))
    return names


_NAMES_BY_COLUMNS: Final = _constraint_names()


def violation_of(error: sa_exc.IntegrityError) -> tuple[Violation | None, str | None]:
    """The kind of constraint broken and its name (``"uq_customers_email"``), as far as
    the driver tells."""
    orig: Any = error.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:  # psycopg
        diag = getattr(orig, "diag", None)
        return _PG_VIOLATIONS.get(sqlstate), getattr(diag, "constraint_name", None)
    kind = _SQLITE_VIOLATIONS.get(getattr(orig, "sqlite_errorname", ""))
    message = str(orig)
    if kind is Violation.UNIQUE and ": " in message:
        qualified = [part.strip() for part in message.split(": ", 1)[1].split(",")]
        tables = {part.split(".", 1)[0] for part in qualified}
        columns = frozenset(part.split(".", 1)[-1] for part in qualified)
        if len(tables) == 1:
            return kind, _NAMES_BY_COLUMNS.get((tables.pop(), columns))
    if kind is Violation.CHECK and ": " in message:
        return kind, message.split(": ", 1)[1].strip()
    return kind, None


Context = Mapping[str, DetailValue]

#: The typed error each named constraint stands for. ``context`` carries the technical
#: facts of the row being written (a SKU), never personal data.
_CONSTRAINT_ERRORS: Final[dict[str, Callable[[Context], KlickitError]]] = {
    "pk_products": lambda context: DuplicateProductError(sku=context.get("sku")),
    "pk_customers": lambda _context: DuplicateAccountError(),
    "uq_customers_email": lambda _context: DuplicateAccountError(),
    "uq_customers_username_folded": lambda _context: DuplicateAccountError(),
    "fk_credentials_customer_id_customers": lambda _context: CustomerNotFoundError(),
    "pk_payments": lambda _context: DuplicatePaymentError(),
    "pk_processed_events": lambda _context: DuplicateEventError(),
}


def integrity_error(
    error: sa_exc.IntegrityError, table: str, context: Context | None = None
) -> KlickitError:
    """The typed error for a constraint ``error`` broke while writing ``table``.

    A constraint without an entry of its own (the primary key of an append-only table,
    a gateway reference, a credential without its customer on SQLite, which does not
    name foreign keys) is a :class:`ConflictError` naming the table: the current state
    refused the change.
    """
    kind, name = violation_of(error)
    if name is not None and name in _CONSTRAINT_ERRORS:
        return _CONSTRAINT_ERRORS[name](context or {})
    if kind is Violation.FOREIGN_KEY and table == "credentials":
        return CustomerNotFoundError()
    return ConflictError(table=table)


# ---------------------------------------------------------------------- everything else

#: PostgreSQL states after which the whole transaction may simply be run again.
_PG_RETRYABLE: Final = frozenset({"40001", "40P01", "55P03"})
#: SQLite result codes meaning another connection holds a lock we waited for in vain.
_SQLITE_RETRYABLE: Final = ("SQLITE_BUSY", "SQLITE_LOCKED")


def _retryable(error: sa_exc.DBAPIError) -> bool:
    orig: Any = error.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _PG_RETRYABLE
    name: str = getattr(orig, "sqlite_errorname", "") or ""
    return name.startswith(_SQLITE_RETRYABLE)  # SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED_SHAREDCACHE…


def translate(
    error: sa_exc.SQLAlchemyError, table: str | None = None, context: Context | None = None
) -> KlickitError | None:
    """The typed error for ``error``, or ``None`` for a programming error (a bug in a
    statement), which is left to propagate as it is."""
    if isinstance(error, sa_exc.IntegrityError):
        return integrity_error(error, table or "?", context)
    if isinstance(error, sa_exc.DBAPIError):
        if _retryable(error):
            return ConflictError(table=table) if table else ConflictError()
        if isinstance(error, sa_exc.DataError):
            return UnstorableValueError(
                [FieldError((table or "?",), "storage.invalid_value", N_("Invalid value."))]
            )
        if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError) or (
            error.connection_invalidated
        ):
            return DatabaseUnavailableError()
        return None
    if isinstance(error, sa_exc.TimeoutError | sa_exc.DisconnectionError):
        return DatabaseUnavailableError()  # no connection left in the pool, or none at all
    return None


@contextmanager
def translated(table: str | None = None, context: Context | None = None) -> Iterator[None]:
    """Run a block of statements; driver errors leave it as typed errors (see above)."""
    try:
        yield
    except sa_exc.SQLAlchemyError as error:
        typed = translate(error, table, context)
        if typed is None:
            raise
        raise typed from None


# ---------------------------------------------------------------------- connecting

#: libpq's words for a login the server refused (it gives no SQLSTATE for a failed
#: connection, only its message, in the server's ``lc_messages`` language; English is
#: the default). Anything else that fails before a session exists is "unreachable".
_PG_LOGIN_REFUSED: Final = re.compile(
    r'authentication failed|no password supplied|pg_hba\.conf|role "[^"]*" does not exist'
    r"|not permitted to log in",
)
_PG_NO_DATABASE: Final = re.compile(r'database "[^"]*" does not exist')


def connection_error(error: sa_exc.DBAPIError, url: URL) -> KlickitError:
    """The typed error for a connection to ``url`` that could not be opened. It names the
    host, port and database of the URL, never its user or password."""
    if url.get_backend_name() == "sqlite":
        return CannotOpenDatabaseError(file=PurePath(url.database or "").name)
    host = url.host or url.query.get("host") or "localhost"  # ?host=/run/postgresql: a socket
    where: dict[str, DetailValue] = {"host": str(host), "port": url.port or 5432}
    reason = str(getattr(error, "orig", None) or error)
    if _PG_NO_DATABASE.search(reason):
        return DatabaseMissingError(database=url.database, **where)
    if _PG_LOGIN_REFUSED.search(reason):
        return AuthenticationFailedError(**where)
    return ServerUnreachableError(**where)


@contextmanager
def first_connection(engine: Engine) -> Iterator[Connection]:
    """A connection of ``engine`` for a job's first statements; if it cannot be opened,
    :func:`connection_error` says why (X-9). Closed when the block ends."""
    try:
        connection = engine.connect()
    except (sa_exc.OperationalError, sa_exc.InterfaceError) as error:
        raise connection_error(error, engine.url) from None
    with connection:
        yield connection
