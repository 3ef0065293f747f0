"""The in-memory store and the transaction mechanics every memory repository uses.

Values are the frozen domain objects themselves, so a transaction needs no copies: it
keeps an overlay of its writes, reads through it, and at commit checks that every key it
wrote still holds the value it first saw (an identity check), then applies the overlay
atomically under the store's lock. That gives read-committed isolation with lost-update
protection, which is what the SQL backend provides with row locks and guarded updates.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Hashable, Iterator
from typing import Any, Final

from klickit_core.shared.errors import ConflictError
from klickit_core.shared.unit_of_work import UnitOfWork

__all__ = ["MISSING", "MemoryStore", "MemoryTransaction"]

# ``store.MemoryStore`` adds ``unit_of_work()``; this base holds only the state.

#: Marks an absent key (and, in a write overlay, a deletion).
MISSING: Final = object()


class MemoryStore:
    """The committed state: one dict per table, guarded by a lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tables: defaultdict[str, dict[Hashable, object]] = defaultdict(dict)
        self.counters: defaultdict[str, int] = defaultdict(int)
        #: The named locks of :meth:`MemoryTransaction.serialise`, made on first use.
        self.named_locks: dict[str, threading.Lock] = {}

    def named_lock(self, name: str) -> threading.Lock:
        """The lock called ``name`` (one per name for the store's life)."""
        with self.lock:
            return self.named_locks.setdefault(name, threading.Lock())


class MemoryTransaction(UnitOfWork):
    """One transaction on a :class:`MemoryStore`; repositories read and write through it."""

    def __init__(self, store: MemoryStore) -> None:
        super().__init__()
        self._store = store
        self._writes: dict[str, dict[Hashable, object]] = {}
        self._seen: dict[tuple[str, Hashable], object] = {}
        self._held: dict[str, threading.Lock] = {}

    @property
    def store(self) -> MemoryStore:
        """The store this transaction works on."""
        return self._store

    def _begin(self) -> None:
        self._writes = {}
        self._seen = {}

    def serialise(self, *names: str) -> None:
        """Take the store's named locks, in name order (so two units asking for the
        same names never wait for each other in a cycle)."""
        for name in sorted(set(names) - self._held.keys()):
            lock = self._store.named_lock(name)
            lock.acquire()
            self._held[name] = lock

    def _release(self) -> None:
        held, self._held = self._held, {}
        for lock in held.values():
            lock.release()

    def _commit(self) -> None:
        try:
            self._apply()
        finally:
            self._release()

    def _apply(self) -> None:
        with self._store.lock:
            for table, writes in self._writes.items():
                current = self._store.tables[table]
                for key in writes:
                    if current.get(key, MISSING) is not self._seen[(table, key)]:
                        raise ConflictError(table=table)
            for table, writes in self._writes.items():
                target = self._store.tables[table]
                for key, value in writes.items():
                    if value is MISSING:
                        target.pop(key, None)
                    else:
                        target[key] = value
        self._writes = {}
        self._seen = {}

    def _rollback(self) -> None:
        self._writes = {}
        self._seen = {}
        self._release()

    def read(self, table: str, key: Hashable) -> Any:
        """The value of ``key`` as this transaction sees it, or :data:`MISSING`."""
        writes = self._writes.get(table)
        if writes is not None and key in writes:
            return writes[key]
        with self._store.lock:
            value = self._store.tables[table].get(key, MISSING)
        # The first value seen is what a later write of this key must still find at commit.
        self._seen.setdefault((table, key), value)
        return value

    def write(self, table: str, key: Hashable, value: object) -> None:
        """Stage ``value`` (:data:`MISSING` deletes) for commit."""
        with self._store.lock:
            current = self._store.tables[table].get(key, MISSING)
        self._seen.setdefault((table, key), current)
        self._writes.setdefault(table, {})[key] = value

    def scan(self, table: str) -> Iterator[Any]:
        """Every live value of ``table`` as this transaction sees it."""
        with self._store.lock:
            merged = dict(self._store.tables[table])
        for key, value in merged.items():  # what was read may not be overwritten unseen
            self._seen.setdefault((table, key), value)
        merged.update(self._writes.get(table, {}))
        return (value for value in merged.values() if value is not MISSING)

    def scan_items(self, table: str) -> Iterator[tuple[Hashable, Any]]:
        """Every live ``(key, value)`` of ``table`` as this transaction sees it (for
        tables whose values do not carry their key, such as saved carts)."""
        with self._store.lock:
            merged = dict(self._store.tables[table])
        for key, value in merged.items():
            self._seen.setdefault((table, key), value)
        merged.update(self._writes.get(table, {}))
        return ((key, value) for key, value in merged.items() if value is not MISSING)

    def next_in_sequence(self, name: str) -> int:
        """The next value of a named counter. Like a SQL sequence it is not rolled back:
        numbers may have gaps, never duplicates."""
        with self._store.lock:
            self._store.counters[name] += 1
            return self._store.counters[name]
