"""The abstract unit of work.

A unit of work is a context manager around one transaction: changes made through its
repositories become visible to others only on :meth:`UnitOfWork.commit`, and leaving the
block without committing (or with an exception) rolls them back.

The kernel does not know any repository: each context declares, in its ``ports`` module, a
Protocol naming the repositories its use cases need (``CatalogueUnitOfWork`` has
``products`` and ``reviews``). One adapter class (memory, SQL) carries them all, so a use
case that spans contexts still runs in one transaction.
"""

from __future__ import annotations

import abc
from types import TracebackType
from typing import Protocol, Self

__all__ = ["Transaction", "UnitOfWork"]


class UnitOfWork(abc.ABC):
    """Transaction boundary shared by all contexts."""

    def __enter__(self) -> Self:
        self._begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Rolling back after a commit is a no-op in every adapter, so always roll back.
        self.rollback()

    @abc.abstractmethod
    def _begin(self) -> None:
        """Start the transaction."""

    @abc.abstractmethod
    def commit(self) -> None:
        """Make every change of this unit visible, atomically."""

    @abc.abstractmethod
    def rollback(self) -> None:
        """Forget every uncommitted change."""


class Transaction(Protocol):
    """The structural type of a unit of work, for the context protocols to extend.

    ``CatalogueUnitOfWork(Transaction, Protocol)`` adds the repositories it needs; any
    :class:`UnitOfWork` subclass that has them satisfies it.
    """

    def __enter__(self) -> object: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
