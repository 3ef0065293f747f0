"""The abstract unit of work.

A unit of work is a context manager around one transaction: changes made through its
repositories become visible to others only on :meth:`UnitOfWork.commit`, and leaving the
block without committing (or with an exception) rolls them back.

The kernel does not know any repository: each context declares, in its ``ports`` module, a
Protocol naming the repositories its use cases need (``CatalogueUnitOfWork`` has
``products`` and ``reviews``). One adapter class (memory, SQL) carries them all, so a use
case that spans contexts still runs in one transaction.

A use case that checks a count and then writes (a login limit, a mail cap) calls
:meth:`UnitOfWork.serialise` first, so that no interleaving of concurrent callers can slip
between its check and its write (SEC-2, SEC-3).

A use case records its domain events (:mod:`klickit_core.shared.events`) with
:meth:`UnitOfWork.record`; :meth:`UnitOfWork.commit` runs the shop's handlers inside the
transaction, commits, then calls the subscribers. The adapters implement only
``_commit`` and ``_rollback``, so no backend can skip that order.
"""

from __future__ import annotations

import abc
from types import TracebackType
from typing import Any, Protocol, Self

from klickit_core.shared.events import (
    MAX_HANDLER_ROUNDS,
    DomainEvent,
    EventBus,
    EventCascadeError,
)

__all__ = ["Transaction", "UnitOfWork"]

_NO_EVENTS: EventBus[Any] = EventBus()


class UnitOfWork(abc.ABC):
    """Transaction boundary shared by all contexts.

    ``events`` is the bus :meth:`commit` hands recorded events to; the shop sets it on each
    unit of work it opens (an empty bus by default). A subclass's ``__init__`` calls
    ``super().__init__()``.
    """

    def __init__(self) -> None:
        self.events: EventBus[Any] = _NO_EVENTS
        self._recorded: list[DomainEvent] = []

    def __enter__(self) -> Self:
        self._recorded = []
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

    def record(self, event: DomainEvent) -> None:
        """Remember ``event`` for the next :meth:`commit` (a rollback forgets it)."""
        self._recorded.append(event)

    def commit(self) -> None:
        """Make every change of this unit visible, atomically, then tell the subscribers.

        First the handlers of every recorded event run in this transaction (the events
        they record get their handlers in turn, up to
        :data:`~klickit_core.shared.events.MAX_HANDLER_ROUNDS` rounds, then
        :class:`~klickit_core.shared.events.EventCascadeError`). A handler's error rolls
        everything back and propagates. A refused commit propagates too, with nothing
        written and the events forgotten. Once committed, each event goes to its
        subscribers; their failures are reported, never raised.
        """
        bus = self.events
        try:
            committed = self._handled(bus)
        except BaseException:
            self.rollback()
            raise
        try:
            self._commit()
        finally:
            self._recorded = []
        for event in committed:
            bus.publish(event)

    def _handled(self, bus: EventBus[Any]) -> list[DomainEvent]:
        """Every event of this commit, once the handlers have run over each of them."""
        done = 0
        for _round in range(MAX_HANDLER_ROUNDS):
            pending = self._recorded[done:]
            if not pending:
                return list(self._recorded)
            done = len(self._recorded)
            for event in pending:
                bus.handle(event, self)
        if len(self._recorded) > done:
            raise EventCascadeError(rounds=MAX_HANDLER_ROUNDS)
        return list(self._recorded)

    @abc.abstractmethod
    def _commit(self) -> None:
        """Write every staged change atomically (the backend's part of :meth:`commit`)."""

    @abc.abstractmethod
    def serialise(self, *names: str) -> None:
        """Hold the exclusive locks ``names`` until this unit commits or rolls back.

        From the call on, reads see everything committed by earlier holders of any of
        these names, and this unit's writes are visible before the next holder reads: a
        count checked after ``serialise`` still holds when the commit writes. Other units
        asking for one of the names wait. Use it in a unit of its own, for a few reads and
        writes (never around slow work such as a password hash), and never while the same
        thread holds another open unit that asked for one of the names.
        """

    def rollback(self) -> None:
        """Forget every uncommitted change and every event recorded since the last commit."""
        self._recorded = []
        self._rollback()

    @abc.abstractmethod
    def _rollback(self) -> None:
        """Forget every staged change (the backend's part of :meth:`rollback`)."""


class Transaction(Protocol):
    """The structural type of a unit of work, for the context protocols to extend.

    ``CatalogueUnitOfWork(Transaction, Protocol)`` adds the repositories it needs; any
    :class:`UnitOfWork` subclass that has them satisfies it.
    """

    #: The bus :meth:`commit` hands recorded events to (set by the shop).
    events: EventBus[Any]

    def __enter__(self) -> object: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def record(self, event: DomainEvent) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def serialise(self, *names: str) -> None: ...
