"""In-memory fakes: the memory backend (a real adapter, not a mock) and predictable ids."""

from __future__ import annotations

import itertools
import threading

from klickit_core.adapters.memory import InMemoryOutbox, MemoryStore, MemoryUnitOfWork

__all__ = ["InMemoryOutbox", "MemoryStore", "SequentialIds", "memory_uow"]


class SequentialIds:
    """``prefix-1``, ``prefix-2``…: readable ids for assertions and snapshots."""

    def __init__(self, prefix: str = "id") -> None:
        self._prefix = prefix
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def new_id(self) -> str:
        """The next id."""
        with self._lock:
            return f"{self._prefix}-{next(self._counter)}"


def memory_uow(store: MemoryStore | None = None) -> MemoryUnitOfWork:
    """A unit of work on ``store`` (a new empty store by default)."""
    return (store or MemoryStore()).unit_of_work()
