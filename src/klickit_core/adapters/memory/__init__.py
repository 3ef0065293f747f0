"""The in-memory backend: a first-class store for tests, demos and small tools.

It honours the same contract as the SQL backend: transactions are isolated until commit,
rolled back on exception, and a commit that would overwrite a concurrent change raises
:class:`~klickit_core.shared.errors.ConflictError` instead of losing it.
"""

from klickit_core.adapters.memory.mail import InMemoryOutbox
from klickit_core.adapters.memory.store import MemoryStore, MemoryUnitOfWork

__all__ = ["InMemoryOutbox", "MemoryStore", "MemoryUnitOfWork"]
