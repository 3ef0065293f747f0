"""The mechanics every SQL repository shares: one connection, reads in autocommit, writes
collected and applied at commit in one short transaction, guarded by versions.

Why writes wait for ``commit()``
    Two units of work of one thread may be open at once (a use case reading while
    another writes), and the contract suites check exactly that. If a ``save`` wrote at
    once, the second writer would wait for the first one's row lock (PostgreSQL) or
    write lock (SQLite) held by the same thread: a deadlock. So, like the memory
    backend, a transaction keeps an *overlay* of its writes (the frozen domain values
    themselves), reads through it, and writes them all at commit. Each value is turned
    into rows and checked against the columns (:func:`~.errors.check_rows`) when it is
    staged, so a value that cannot be stored fails at the call that passed it.

Why that still loses no update
    The transaction remembers, for every key it reads, the first :class:`Loaded` state
    it saw: the value and the row's ``version``. At commit an aggregate is written with
    ``UPDATE … SET version = :seen + 1 WHERE id = :id AND version = :seen``; a row that
    changed (or vanished) since is touched by no statement, which becomes a
    :class:`~klickit_core.shared.errors.ConflictError` and rolls back the whole commit.
    Stock reservations need no version: they are a guarded ``stock = stock - :q WHERE
    stock >= :q`` (see :mod:`.catalogue`), so concurrent checkouts of one product all
    succeed while there is stock. Inserts clash on the primary or a unique key.

Statements in a commit run in a fixed order (by table, then deletes, updates, stock
changes and inserts, each by key), so two commits lock rows in the same order and do not
deadlock each other on PostgreSQL.
"""

from __future__ import annotations

import abc
import hashlib
import weakref
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from contextlib import ExitStack
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

import attrs
from sqlalchemy import Connection, Executable, Row, Table, delete, insert, select, text, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import CursorResult

from klickit_core.adapters.sql.engine import begin_reads, begin_writes, end_writes, statement_lock
from klickit_core.adapters.sql.errors import (
    Context,
    InactiveUnitOfWorkError,
    check_rows,
    translated,
)
from klickit_core.adapters.sql.key_lists import key_in
from klickit_core.adapters.sql.tables import counters
from klickit_core.shared.errors import ConflictError
from klickit_core.shared.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = [
    "MISSING",
    "Aggregate",
    "FamilyAggregate",
    "Loaded",
    "RowSet",
    "SqlTransaction",
    "Staged",
    "TableAggregate",
    "lock_key",
    "sync_children",
]

#: Marks an absent row (and, in the overlay, a deletion).
MISSING: Final[Any] = object()

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: The rows of one value, parent first: ``[(table, [row, …]), …]``.
RowSet = list[tuple[Table, list[dict[str, Any]]]]


@attrs.frozen(slots=True)
class Loaded(Generic[V]):
    """A row as a transaction first saw it: the value (or :data:`MISSING`) and its
    version (``None`` for tables without one)."""

    value: V
    version: int | None = None


@attrs.define(slots=True)
class Staged:
    """A pending write: the value (:data:`MISSING` deletes), its checked rows, and for a
    product whose stock alone changed, the stock delta to apply with a guarded update."""

    value: Any
    rows: RowSet | None
    delta: int | None = None


class Aggregate(abc.ABC, Generic[K, V]):
    """How one kind of aggregate maps to rows. One instance per kind, shared by every
    transaction (it holds no state)."""

    #: The root table; its name is the overlay's and the one ConflictError reports.
    table: Table
    #: The root table's key column.
    key_column: str
    #: Whether the root table has a ``version`` column.
    versioned: bool = True

    @property
    def name(self) -> str:
        """The root table's name."""
        return self.table.name

    @abc.abstractmethod
    def rows(self, value: V) -> RowSet:
        """The rows storing ``value``, parent first."""

    @abc.abstractmethod
    def load(self, tx: SqlTransaction, keys: Sequence[K]) -> dict[K, Loaded[V]]:
        """The stored values among ``keys`` (absent keys are left out), in one round trip
        per table, never one per key."""

    def context(self, value: V) -> Context:
        """Technical facts for the typed error of a clash (a SKU); none by default."""
        del value
        return {}

    # ------------------------------------------------------------------ writing
    def insert(self, tx: SqlTransaction, value: V, rows: RowSet) -> None:
        """Insert ``value``: the root row (version 1), then its children with executemany."""
        del value
        for table, table_rows in rows:
            written = table_rows
            if table is self.table and self.versioned:
                written = [{**row, "version": 1} for row in table_rows]
            if written:
                tx.execute(insert(table), written)

    def update(self, tx: SqlTransaction, seen: Loaded[V], value: V, rows: RowSet) -> bool:
        """Replace the stored value seen as ``seen``; ``False`` when it changed since."""
        (root_table, (root,)), *children = rows
        key = root[self.key_column]
        assert seen.version is not None  # noqa: S101 - versioned roots always have one
        changed = tx.execute(
            update(root_table)
            .where(root_table.c[self.key_column] == key, root_table.c.version == seen.version)
            .values({**root, "version": seen.version + 1})
        )
        if changed.rowcount != 1:
            return False
        before = dict(self.rows(seen.value)[1:])
        for table, new_rows in children:
            sync_children(tx, table, key, before.get(table, []), new_rows)
        return True

    def delete(self, tx: SqlTransaction, key: K, seen: Loaded[V]) -> bool:
        """Delete the stored value seen as ``seen`` (children cascade); ``False`` when it
        changed since."""
        where = [self.table.c[self.key_column] == key]
        if self.versioned:
            where.append(self.table.c.version == seen.version)
        return tx.execute(delete(self.table).where(*where)).rowcount == 1

    def apply_delta(self, tx: SqlTransaction, key: K, delta: int) -> None:  # pragma: no cover
        """Apply a stock delta. Only products stage deltas (``reserve_stock``); any other
        aggregate reaching here is a programming error in an adapter, said as such."""
        raise TypeError(f"{self.name} rows take no stock delta")


class TableAggregate(Aggregate[K, V]):
    """An aggregate stored as one row of one table."""

    @abc.abstractmethod
    def to_row(self, value: V) -> dict[str, Any]:
        """The row storing ``value``."""

    @abc.abstractmethod
    def from_row(self, row: Mapping[Any, Any]) -> V:
        """The value a row stores."""

    def key_of(self, row: Mapping[Any, Any]) -> K:
        """The key of a stored row."""
        key: K = row[self.key_column]
        return key

    def rows(self, value: V) -> RowSet:
        return [(self.table, [self.to_row(value)])]

    def load(self, tx: SqlTransaction, keys: Sequence[K]) -> dict[K, Loaded[V]]:
        return self.load_where(tx, self.table.c[self.key_column].in_(keys))

    def load_where(
        self,
        tx: SqlTransaction,
        *where: Any,
        order_by: Sequence[Any] = (),
        limit: int | None = None,
    ) -> dict[K, Loaded[V]]:
        """The stored values matching ``where``, in ``order_by`` order, in one query."""
        statement = select(self.table).where(*where).order_by(*order_by).limit(limit)
        found: dict[K, Loaded[V]] = {}
        for row in tx.fetch(statement):
            mapping = row._mapping
            version = mapping["version"] if self.versioned else None
            found[self.key_of(mapping)] = Loaded(self.from_row(mapping), version)
        return found


#: How many times a parent-and-children read is tried before it gives up (see below).
_READ_ATTEMPTS: Final = 5


class FamilyAggregate(Aggregate[K, V]):
    """An aggregate stored as a root row and child rows (an order and its lines).

    Reads run in autocommit, one statement per table, so a commit may land between the
    root's statement and its children's. When ``consistent`` is set, the versions of the
    roots are read again after the children: a version that moved means the children may
    belong to another state, and the read starts over. Every change of a child bumps its
    root's version, so equal versions prove the rows belong together. (Products skip
    this: a torn read only mixes categories from a newer state, which a save then
    refuses on the version anyway.)
    """

    #: The child tables, each with a foreign key to the root and a ``position`` column.
    children: tuple[Table, ...] = ()
    consistent: bool = True

    @abc.abstractmethod
    def build(
        self, root: Mapping[Any, Any], children: Mapping[Table, list[Mapping[Any, Any]]]
    ) -> V:
        """The value stored in ``root`` and its ``children`` rows (each in position order)."""

    def load(self, tx: SqlTransaction, keys: Sequence[K]) -> dict[K, Loaded[V]]:
        return self.load_where(tx, self.table.c[self.key_column].in_(keys))

    def load_where(
        self,
        tx: SqlTransaction,
        *where: Any,
        order_by: Sequence[Any] = (),
        limit: int | None = None,
    ) -> dict[K, Loaded[V]]:
        """The stored values matching ``where``: one query for the roots, one per child
        table (``IN`` the roots' keys), never one per aggregate."""
        key_column = self.table.c[self.key_column]
        for _attempt in range(_READ_ATTEMPTS):
            roots = [
                row._mapping
                for row in tx.fetch(
                    select(self.table).where(*where).order_by(*order_by).limit(limit)
                )
            ]
            if not roots:
                return {}
            keys = [root[self.key_column] for root in roots]
            grouped: dict[Table, dict[Any, list[Mapping[Any, Any]]]] = {}
            for table in self.children:
                parent = next(iter(table.foreign_keys)).parent
                by_parent: dict[Any, list[Mapping[Any, Any]]] = {key: [] for key in keys}
                statement = select(table).where(parent.in_(keys)).order_by(parent, table.c.position)
                for row in tx.fetch(statement):
                    by_parent[row._mapping[parent.name]].append(row._mapping)
                grouped[table] = by_parent
            if self.consistent and self.children:
                current = dict(
                    tuple(row)
                    for row in tx.fetch(
                        select(key_column, self.table.c.version).where(key_column.in_(keys))
                    )
                )
                if any(current.get(root[self.key_column]) != root["version"] for root in roots):
                    continue  # a commit landed in between: read again
            return {
                root[self.key_column]: Loaded(
                    self.build(
                        root,
                        {table: grouped[table][root[self.key_column]] for table in self.children},
                    ),
                    root["version"] if self.versioned else None,
                )
                for root in roots
            }
        raise ConflictError(table=self.name)


def sync_children(
    tx: SqlTransaction,
    table: Table,
    key: object,
    old_rows: list[dict[str, Any]],
    new_rows: list[dict[str, Any]],
) -> None:
    """Bring the child rows of ``key`` from ``old_rows`` to ``new_rows``: nothing when
    equal, only the new tail when rows were appended (an order's history), otherwise
    all replaced. The parent's version guard has already made sure ``old_rows`` are what
    is stored."""
    if old_rows == new_rows:
        return
    if len(new_rows) > len(old_rows) and new_rows[: len(old_rows)] == old_rows:
        tx.execute(insert(table), new_rows[len(old_rows) :])
        return
    parent_column = next(iter(table.foreign_keys)).parent
    tx.execute(delete(table).where(parent_column == key))
    if new_rows:
        tx.execute(insert(table), new_rows)


#: Takes a transaction-scoped advisory lock (PostgreSQL), released at commit or rollback.
_ADVISORY_LOCK: Final = text("SELECT pg_advisory_xact_lock(:key)")


def lock_key(name: str) -> int:
    """The signed 64-bit advisory lock key of a lock name (the first 8 bytes of its
    BLAKE2b digest): stable across processes and Python versions, unlike ``hash``."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


#: The schema each PostgreSQL engine works in, read once: lock names are scoped by it, so
#: shops in two schemas of one database never wait for each other's locks.
_SCHEMAS: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def _schema_of(engine: Engine, connection: Connection) -> str:
    schema = _SCHEMAS.get(engine)
    if schema is None:
        with translated():
            schema = str(connection.execute(text("SELECT current_schema()")).scalar_one())
        _SCHEMAS[engine] = schema
    return schema


class SqlTransaction(UnitOfWork):
    """One unit of work on an engine: one connection, the overlay, the seen states."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._engine = engine
        self._connection: Connection | None = None
        self._active = False
        self._staged: dict[Aggregate[Any, Any], dict[Any, Staged]] = {}
        self._seen: dict[tuple[str, Hashable], Loaded[Any]] = {}
        self._lookups: dict[Hashable, tuple[Hashable, ...]] = {}
        #: Answers of :meth:`load_once` and :meth:`fetch_once`, by lookup.
        self._answers: dict[Hashable, Any] = {}
        self._writing = False
        self._bulk: ExitStack | None = None  # open while set-based statements run (write_now)
        self._locked: set[int] = set()  # advisory lock keys held (PostgreSQL, serialise)

    @property
    def engine(self) -> Engine:
        """The engine this unit of work draws its connection from."""
        return self._engine

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    # ------------------------------------------------------------------ life cycle
    def _begin(self) -> None:
        if self._active:
            raise InactiveUnitOfWorkError(reason="already_entered")
        self._active = True
        self._forget()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self._end_bulk(commit=False)
            self._active = False
            connection, self._connection = self._connection, None
            if connection is not None:
                with statement_lock(self._engine):
                    connection.close()

    def _forget(self) -> None:
        self._staged = {}
        self._seen = {}
        self._lookups = {}
        self._answers = {}

    def _commit(self) -> None:
        """Write every staged change in one transaction, or none of them.

        Raises :class:`~klickit_core.shared.errors.ConflictError` (or a typed subclass:
        a duplicate, :class:`~klickit_core.catalogue.ports.OutOfStockError`) when the
        stored state no longer matches what this transaction read; nothing is written
        then, and the unit of work is ready for a new attempt.
        """
        self._require_active()
        staged = {agg: entries for agg, entries in self._staged.items() if entries}
        try:
            if self._bulk is not None:
                self._commit_bulk(staged)
            elif staged:
                self._write(staged)
        finally:
            self._forget()

    def _rollback(self) -> None:
        """Forget every staged change (nothing was written before commit), and undo the
        set-based statements of a :meth:`write_now` phase."""
        self._forget()
        self._end_bulk(commit=False)

    # ------------------------------------------------------------------ set-based work
    def write_now(self) -> Connection:
        """Open the write transaction at once and return its connection, for set-based
        statements whose results the caller needs before ``commit()`` (a retention
        sweep's batch, an erasure: ``DELETE … RETURNING``, ``UPDATE … WHERE id IN``).

        Staged writes (a sweep's checkpoint) still go at :meth:`commit`, in the *same*
        transaction, so a batch and its checkpoint commit or vanish together;
        :meth:`rollback` (or leaving the block) undoes both. The phase holds the write
        lock (SQLite) or the rows it touched (PostgreSQL) until then, so use it in a unit
        of work of its own, never beside another open writer of the same thread.
        """
        connection = self.connection()
        self._answers = {}  # set-based statements may change what they said
        if self._bulk is None:
            stack = ExitStack()
            stack.enter_context(statement_lock(self._engine))
            try:
                with translated():
                    begin_writes(connection)
            except BaseException:
                stack.close()
                raise
            self._bulk = stack
            self._writing = True
        return connection

    def serialise(self, *names: str) -> None:
        """Open the write phase at once (:meth:`write_now`) and hold the named locks.

        On SQLite the phase's ``BEGIN IMMEDIATE`` already holds the database's one write
        lock, which serialises every name at once. On PostgreSQL each name becomes a
        transaction-scoped advisory lock (``pg_advisory_xact_lock``) on a 64-bit digest of
        the name, taken in digest order so that two units never wait in a cycle; the
        ``READ COMMITTED`` statements that follow see every commit of earlier holders.
        Names are scoped by the engine's schema, so two shops sharing a database never
        wait for each other.
        Staged writes go at :meth:`commit`, before the locks are released.
        """
        connection = self.write_now()
        if self.dialect != "postgresql":
            return
        schema = _schema_of(self._engine, connection)
        keys = sorted({lock_key(f"{schema}:{name}") for name in names} - self._locked)
        for key in keys:
            with translated():
                connection.execute(_ADVISORY_LOCK, {"key": key})
            self._locked.add(key)

    def _commit_bulk(self, staged: dict[Aggregate[Any, Any], dict[Any, Staged]]) -> None:
        connection = self.connection()
        committed = False
        try:
            order = sorted(staged, key=lambda agg: _FLUSH_ORDER.get(agg.name, len(_FLUSH_ORDER)))
            for aggregate in order:
                self._flush(aggregate, staged[aggregate])
            with translated():
                end_writes(connection, commit=True)
            committed = True
        finally:
            self._end_bulk(commit=committed, ended=committed)

    def _end_bulk(self, *, commit: bool, ended: bool = False) -> None:
        """Close a :meth:`write_now` phase: roll back unless it was just committed."""
        stack, self._bulk = self._bulk, None
        self._locked = set()
        if stack is None:
            return
        self._writing = False
        try:
            connection = self._connection
            if not ended and not commit and connection is not None and not connection.closed:
                with translated():
                    end_writes(connection, commit=False)
        finally:
            stack.close()

    def _require_active(self) -> None:
        if not self._active:
            raise InactiveUnitOfWorkError(reason="not_entered")

    def _write(self, staged: dict[Aggregate[Any, Any], dict[Any, Staged]]) -> None:
        connection = self.connection()
        order = sorted(staged, key=lambda agg: _FLUSH_ORDER.get(agg.name, len(_FLUSH_ORDER)))
        with statement_lock(self._engine):
            committed = False
            self._writing = True
            try:
                with translated():
                    begin_writes(connection)  # SQLite may wait here for the write lock
                for aggregate in order:
                    self._flush(aggregate, staged[aggregate])
                with translated():
                    end_writes(connection, commit=True)
                committed = True
            finally:
                self._writing = False
                if not committed:
                    with translated():
                        end_writes(connection, commit=False)

    def _flush(self, aggregate: Aggregate[Any, Any], entries: dict[Any, Staged]) -> None:
        """Deletes, updates, stock deltas, then inserts, each in key order: a freed unique
        value (a changed email) is released before another row claims it."""
        deletes, updates, deltas, inserts = [], [], [], []
        for key in sorted(entries, key=str):
            entry = entries[key]
            seen = self._seen[(aggregate.name, key)]
            if entry.delta is not None:
                deltas.append((key, entry))
            elif entry.value is MISSING:
                if seen.value is not MISSING:
                    deletes.append((key, entry))
            elif seen.value is MISSING:
                inserts.append((key, entry))
            else:
                updates.append((key, entry))
        for key, _entry in deletes:
            with translated(aggregate.name):
                done = aggregate.delete(self, key, self._seen[(aggregate.name, key)])
            if not done:
                raise ConflictError(table=aggregate.name)
        for key, entry in updates:
            seen = self._seen[(aggregate.name, key)]
            with translated(aggregate.name, aggregate.context(entry.value)):
                done = aggregate.update(self, seen, entry.value, entry.rows or [])
            if not done:
                raise ConflictError(table=aggregate.name)
        for key, entry in deltas:
            with translated(aggregate.name):
                aggregate.apply_delta(self, key, entry.delta or 0)
        for _key, entry in inserts:
            with translated(aggregate.name, aggregate.context(entry.value)):
                aggregate.insert(self, entry.value, entry.rows or [])

    # ------------------------------------------------------------------ statements
    def connection(self) -> Connection:
        """This unit of work's connection, opened at its first statement."""
        self._require_active()
        if self._connection is None:
            # Not under the statement lock: waiting for a pooled connection while
            # holding it would stop the holders of every connection from giving theirs back.
            with translated():
                connection = self._engine.connect()
            begin_reads(connection)
            self._connection = connection
        return self._connection

    def execute(
        self, statement: Executable, parameters: Sequence[Mapping[str, Any]] | None = None
    ) -> CursorResult[Any]:
        """Run a write statement (inside :meth:`commit`)."""
        if parameters is None:
            return self.connection().execute(statement)
        return self.connection().execute(statement, list(parameters))

    def fetch(self, statement: Executable) -> Sequence[Row[Any]]:
        """Run a query and fetch every row, with driver errors typed.

        A value that no column can hold (a NUL character, which PostgreSQL refuses, or a
        lone surrogate, which no driver can encode) matches no stored row: looking it up
        finds nothing, as on every other backend, instead of failing. Such lookups come
        from outside (a session id read from a cookie).
        """
        connection = self.connection()
        with translated(), statement_lock(self._engine):
            try:
                return connection.execute(statement).all()
            except (sa_exc.DataError, UnicodeEncodeError):
                if connection.in_transaction() and not self._writing:
                    connection.rollback()
                return []

    def key_in(self, column: Any, keys: Collection[str]) -> Any:
        """``column IN keys`` with the keys bound as one parameter, so that a statement's
        SQL text is the same for every page of keys (:mod:`.key_lists`)."""
        return key_in(self.dialect, column, keys)

    def text_order(self, column: Any) -> Any:
        """``column`` ordered by code point, as Python sorts strings (PostgreSQL's default
        collation follows the locale instead)."""
        return column.collate("C") if self.dialect == "postgresql" else column

    # ------------------------------------------------------------------ the overlay
    def staged(self, aggregate: Aggregate[K, V]) -> dict[K, Staged]:
        """The pending writes of ``aggregate`` in this transaction."""
        return self._staged.setdefault(aggregate, {})

    def remember(self, aggregate: Aggregate[K, V], found: Mapping[K, Loaded[V]]) -> None:
        """Record what was read: a later write of these keys must still find it."""
        for key, loaded in found.items():
            self._seen.setdefault((aggregate.name, key), loaded)

    def find_once(self, aggregate: TableAggregate[K, V], column: Any, value: Hashable) -> list[V]:
        """The stored values whose ``column`` equals ``value`` (a unique column: an email,
        a username), queried once per unit of work like rows read by key: a second
        lookup returns the keys the first one found, in the state first read. Values this
        unit of work has staged are the caller's to check first."""
        lookup = (aggregate.name, column.key, value)
        keys = self._lookups.get(lookup)
        if keys is None:
            stored = aggregate.load_where(self, column == value)
            self.remember(aggregate, stored)
            keys = self._lookups[lookup] = tuple(stored)
        staged = self.staged(aggregate)
        found: list[V] = []
        for key in keys:
            if key not in staged:
                value_seen = self._seen[(aggregate.name, key)].value
                if value_seen is not MISSING:
                    found.append(value_seen)
        return found

    def load_once(
        self,
        aggregate: Aggregate[K, V],
        lookup: Hashable,
        load: Callable[[], dict[K, Loaded[V]]],
    ) -> dict[K, Loaded[V]]:
        """``load()`` (a query of ``aggregate``'s stored values, named by ``lookup``: the
        finder and its arguments) run once per unit of work: a person's export asks
        several providers for the same records (their consents, requests, reviews) and
        one query answers them all. A second call returns the values in the state first
        read, as :meth:`get` does for keys; :meth:`merge` lays this transaction's staged
        writes over them as over any query's answer. In a set-based write phase
        (:meth:`write_now`) every call queries: its statements change rows behind the
        overlay."""
        if self._bulk is not None:
            return load()
        answers = self._answers
        name = (aggregate.name, lookup)
        found: dict[K, Loaded[V]] | None = answers.get(name)
        if found is None:
            found = answers[name] = load()
        return dict(found)

    def fetch_once(self, lookup: Hashable, statement: Executable) -> Sequence[Row[Any]]:
        """:meth:`fetch` run once per unit of work for ``lookup``, as :meth:`load_once`:
        for a query of keys only (the ids of a person's orders), whose callers merge
        the staged writes themselves."""
        if self._bulk is not None:
            return self.fetch(statement)
        answers = self._answers
        name = ("rows", lookup)
        rows: Sequence[Row[Any]] | None = answers.get(name)
        if rows is None:
            rows = answers[name] = self.fetch(statement)
        return rows

    def seen(self, aggregate: Aggregate[K, V], key: K) -> Loaded[V] | None:
        """The state of ``key`` this transaction first read, if it read it."""
        return self._seen.get((aggregate.name, key))

    def get(self, aggregate: Aggregate[K, V], key: K) -> V | None:
        """``key``'s value as this transaction sees it, or ``None``."""
        return self.get_many(aggregate, [key]).get(key)

    def get_many(self, aggregate: Aggregate[K, V], keys: Iterable[K]) -> dict[K, V]:
        """The values among ``keys`` as this transaction sees them: its own writes, then
        what it already read (an identity map: a unit of work sees one state of a row,
        the one its commit's version check holds it to), then one query for the rest."""
        wanted = list(dict.fromkeys(keys))
        staged = self.staged(aggregate)
        seen = self._seen
        name = aggregate.name
        found: dict[K, V] = {}
        to_load = [key for key in wanted if key not in staged and (name, key) not in seen]
        loaded = aggregate.load(self, to_load) if to_load else {}
        self.remember(aggregate, {key: loaded.get(key, Loaded(MISSING)) for key in to_load})
        for key in wanted:
            value = staged[key].value if key in staged else seen[name, key].value
            if value is not MISSING:
                found[key] = value
        return found

    def exists(self, aggregate: Aggregate[K, V], key: K) -> bool:
        """Whether ``key`` exists as this transaction sees it, reading only the key."""
        if key in self.staged(aggregate):
            return self.staged(aggregate)[key].value is not MISSING
        seen = self.seen(aggregate, key)
        if seen is not None:
            return self.get(aggregate, key) is not None
        column = aggregate.table.c[aggregate.key_column]
        if self.fetch(select(column).where(column == key)):
            return True
        self.remember(aggregate, {key: Loaded(MISSING)})
        return False

    def stage(
        self, aggregate: Aggregate[K, V], key: K, value: V, *, delta: int | None = None
    ) -> None:
        """Stage ``value`` (:data:`MISSING` deletes) for commit, after checking its rows
        fit the columns. The key's stored state is read first if it was not yet."""
        if self.seen(aggregate, key) is None and key not in self.staged(aggregate):
            self.get(aggregate, key)
        rows: RowSet | None = None
        if value is not MISSING:
            rows = aggregate.rows(value)
            for table, table_rows in rows:
                check_rows(table, table_rows)
        self.staged(aggregate)[key] = Staged(value, rows, delta)

    def merge(
        self,
        aggregate: Aggregate[K, V],
        found: Mapping[K, Loaded[V]],
        keep: Callable[[V], bool],
        sort_key: Callable[[V], Any],
        *,
        reverse: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[V]:
        """A query's answer as this transaction sees it: the rows ``found`` (fetched with
        :meth:`window`), minus the keys it wrote, plus its written values that ``keep``
        accepts, sorted and sliced."""
        self.remember(aggregate, found)
        staged = self.staged(aggregate)
        values = [loaded.value for key, loaded in found.items() if key not in staged]
        values += [s.value for s in staged.values() if s.value is not MISSING and keep(s.value)]
        values.sort(key=sort_key, reverse=reverse)
        if limit is None:
            return values[offset:]
        return values[offset : offset + max(limit, 0)]

    def window(self, aggregate: Aggregate[K, V], limit: int, offset: int) -> int:
        """How many rows a paged query must fetch (from offset 0) so that :meth:`merge`
        can still fill the page after dropping the keys this transaction wrote."""
        return max(limit, 0) + max(offset, 0) + len(self.staged(aggregate))

    # ------------------------------------------------------------------ counters
    def next_in_sequence(self, name: str) -> int:
        """The next value of a named counter, committed at once on its own: like a SQL
        sequence it is never rolled back, so numbers may have gaps, never duplicates,
        and checkouts do not queue behind each other's transactions for it.

        The connection is in its autocommit read phase here, so the upsert is a
        transaction of its own, and the unit of work needs no second connection (a
        pool that every thread holds one connection of could not give one).
        """
        connection = self.connection()
        dialect_insert: Any
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert  # noqa: PLC0415
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert  # noqa: PLC0415
        statement = (
            dialect_insert(counters)
            .values(name=name, value=1)
            .on_conflict_do_update(
                index_elements=[counters.c.name], set_={"value": counters.c.value + 1}
            )
            .returning(counters.c.value)
        )
        with translated("counters"), statement_lock(self._engine):
            value: int = connection.execute(statement).scalar_one()
        return value


#: The order tables are written in at commit: parents before children that refer to
#: them (credentials after customers), then a fixed order for the rest, so that two
#: commits always lock rows in the same order.
_FLUSH_ORDER: Final = {
    name: position
    for position, name in enumerate(
        [
            "products",
            "stock_movements",
            "reviews",
            "saved_carts",
            "sessions",
            "customers",
            "credentials",
            "account_activity",
            "consents",
            "access_log",
            "orders",
            "support_requests",
            "payments",
            "processed_events",
            "lost_credentials",
            "login_attempts",
            "tokens",
            "security_events",
            "privacy_sweep_checkpoints",
            "privacy_audit",
        ]
    )
}
