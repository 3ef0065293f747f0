# ruff: noqa: S101 - test code: plain asserts
"""The domain events' contract (decision 0014): a backend's ``commit()`` keeps their order.

What a handler writes commits exactly when the change does (a handler's error leaves
neither behind); subscribers run after the commit, see it from a new unit of work, and
their failures are reported without undoing it; a rollback, a refused commit or a block
left without commit forgets the recorded events. The tests set ``uow.events`` on the
units of work they open, as :func:`~klickit_core.bootstrap.build_shop` does.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

from klickit_core.shared.errors import ConflictError
from klickit_core.shared.events import (
    MAX_HANDLER_ROUNDS,
    DomainEvent,
    EventBus,
    EventCascadeError,
    OrderCancelled,
    OrderPlaced,
)
from klickit_core.testing.contracts.base import ContractBase, MakeUow
from klickit_core.testing.contracts.builders import product
from klickit_core.testing.contracts.unit_of_work import BoomError

__all__ = ["EventsContract"]

AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
PLACED = OrderPlaced("order-1", "KL-2026-000001", None, 2980, "EUR", occurred_at=AT)


@attrs.frozen
class _Noted(DomainEvent):
    """A test event whose handler records the next one, ``depth`` times."""

    depth: int


class _Heard:
    """What the subscribers and the error hook were told, in order."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []
        self.errors: list[tuple[DomainEvent, Exception]] = []

    def subscriber(self, event: DomainEvent) -> None:
        self.events.append(event)

    def on_error(self, event: DomainEvent, error: Exception) -> None:
        self.errors.append((event, error))


def _write_note(sku: str) -> Any:
    """A handler that adds product ``sku`` in the change's transaction."""

    def handler(_event: DomainEvent, uow: Any) -> None:
        uow.products.add(product(sku))

    return handler


class EventsContract(ContractBase):
    """How every backend's commit runs handlers and subscribers (decision 0014)."""

    @staticmethod
    def opened(make_uow: MakeUow, bus: EventBus[Any]) -> Any:
        uow = make_uow()
        uow.events = bus
        return uow

    def test_event_handler_writes_commit_with_the_change(self, make_uow: MakeUow) -> None:
        """X-5: a handler runs inside the transaction: its write and the change commit
        together, and it sees the change's own uncommitted writes."""
        seen: list[object] = []

        def handler(event: DomainEvent, uow: Any) -> None:
            seen.append(uow.products.get("MUG"))
            uow.products.add(product("NOTE"))

        bus = EventBus[Any](handlers={OrderPlaced: [handler]})
        with self.opened(make_uow, bus) as uow:
            uow.products.add(product("MUG"))
            uow.record(PLACED)
            with make_uow() as other:  # nothing is visible before commit
                assert other.products.get("MUG") is None
            uow.commit()
        assert seen == [product("MUG")]
        assert self.read_product(make_uow, "MUG") == product("MUG")
        assert self.read_product(make_uow, "NOTE") == product("NOTE")

    def test_event_handler_error_rolls_the_change_back(self, make_uow: MakeUow) -> None:
        """X-5: a handler's error propagates from ``commit()``; neither the change nor
        what any handler wrote is stored, and no subscriber hears the event."""
        heard = _Heard()

        def failing(_event: DomainEvent, uow: Any) -> None:
            uow.products.add(product("HALF"))
            raise BoomError

        bus = EventBus[Any](
            handlers={OrderPlaced: [_write_note("NOTE"), failing]},
            subscribers={DomainEvent: [heard.subscriber]},
        )
        with self.opened(make_uow, bus) as uow:
            uow.products.add(product("MUG"))
            uow.record(PLACED)
            with pytest.raises(BoomError):
                uow.commit()
            uow.commit()  # the unit of work was rolled back: nothing is left to commit
        for sku in ("MUG", "NOTE", "HALF"):
            assert self.read_product(make_uow, sku) is None
        assert heard.events == []

    def test_event_subscribers_run_after_commit_and_see_it(self, make_uow: MakeUow) -> None:
        """X-5: a subscriber runs once the change is committed: a new unit of work it
        opens reads it, and may write (and serialise) without waiting for the first."""
        found: list[object] = []

        def subscriber(_event: DomainEvent) -> None:
            with make_uow() as reader:
                found.append(reader.products.get("MUG"))
                reader.serialise("events-contract")
                reader.products.add(product("AFTER"))
                reader.commit()

        bus = EventBus[Any](subscribers={OrderPlaced: [subscriber]})
        outcome: list[BaseException | None] = []

        def place() -> None:
            try:
                with self.opened(make_uow, bus) as uow:
                    uow.serialise("events-contract")
                    uow.products.add(product("MUG"))
                    uow.record(PLACED)
                    uow.commit()
            except BaseException as error:  # reported to the test's thread
                outcome.append(error)
            else:
                outcome.append(None)

        worker = threading.Thread(target=place, daemon=True)
        worker.start()
        worker.join(timeout=30)
        assert outcome == [None], "the subscriber waited for the committed unit of work"
        assert found == [product("MUG")]
        assert self.read_product(make_uow, "AFTER") == product("AFTER")

    def test_event_subscriber_failure_keeps_the_commit_and_is_reported(
        self, make_uow: MakeUow
    ) -> None:
        """X-5: a failing subscriber never undoes the commit: ``commit()`` returns, the
        error goes to ``on_subscriber_error`` and the next subscribers still run."""
        heard = _Heard()
        error = BoomError("subscriber down")

        def failing(_event: DomainEvent) -> None:
            raise error

        bus = EventBus[Any](
            subscribers={OrderPlaced: [failing], DomainEvent: [heard.subscriber]},
            on_subscriber_error=heard.on_error,
        )
        with self.opened(make_uow, bus) as uow:
            uow.products.add(product("MUG"))
            uow.record(PLACED)
            uow.commit()
        assert self.read_product(make_uow, "MUG") == product("MUG")
        assert heard.errors == [(PLACED, error)]
        assert heard.events == [PLACED]

    def test_event_rollback_and_leaving_the_block_drop_events(self, make_uow: MakeUow) -> None:
        """X-5: events recorded before a rollback, or in a block left without commit,
        reach no handler and no subscriber, not even at the unit's next commit."""
        heard = _Heard()
        bus = EventBus[Any](
            handlers={DomainEvent: [_write_note("NOTE")]},
            subscribers={DomainEvent: [heard.subscriber]},
        )
        uow = self.opened(make_uow, bus)
        with uow:
            uow.record(PLACED)
            uow.rollback()
            uow.products.add(product("MUG"))
            uow.commit()
        with uow:
            uow.record(PLACED)
        with uow:
            uow.products.add(product("TEA"))
            uow.commit()
        assert heard.events == []
        assert self.read_product(make_uow, "NOTE") is None
        assert self.read_product(make_uow, "TEA") == product("TEA")

    def test_event_each_commit_delivers_its_own_events(self, make_uow: MakeUow) -> None:
        """X-5: a unit that commits twice delivers each event once, after its commit."""
        heard = _Heard()
        bus = EventBus[Any](subscribers={DomainEvent: [heard.subscriber]})
        cancelled = OrderCancelled("order-1", occurred_at=AT)
        with self.opened(make_uow, bus) as uow:
            uow.record(PLACED)
            uow.commit()
            assert heard.events == [PLACED]
            uow.record(cancelled)
            uow.commit()
            uow.commit()
        assert heard.events == [PLACED, cancelled]

    def test_event_handlers_may_record_more_events(self, make_uow: MakeUow) -> None:
        """X-5: an event a handler records gets its own handlers in the same
        transaction, and reaches the subscribers after the first, in order."""
        heard = _Heard()

        def chain(event: _Noted, uow: Any) -> None:
            uow.products.add(product(f"NOTE-{event.depth}"))
            if event.depth < 2:
                uow.record(_Noted(event.depth + 1, occurred_at=AT))

        bus = EventBus[Any](
            handlers={_Noted: [chain]}, subscribers={DomainEvent: [heard.subscriber]}
        )
        with self.opened(make_uow, bus) as uow:
            uow.record(_Noted(0, occurred_at=AT))
            uow.commit()
        assert [e.depth for e in heard.events if isinstance(e, _Noted)] == [0, 1, 2]
        for depth in range(3):
            assert self.read_product(make_uow, f"NOTE-{depth}") == product(f"NOTE-{depth}")

    def test_event_handler_cycles_are_refused(self, make_uow: MakeUow) -> None:
        """X-5: handlers that keep recording events stop with
        :class:`EventCascadeError` after ``MAX_HANDLER_ROUNDS`` rounds; nothing commits."""
        rounds: list[int] = []

        def forever(event: _Noted, uow: Any) -> None:
            rounds.append(event.depth)
            uow.record(_Noted(event.depth + 1, occurred_at=AT))

        bus = EventBus[Any](handlers={_Noted: [forever]})
        with self.opened(make_uow, bus) as uow:
            uow.products.add(product("MUG"))
            uow.record(_Noted(0, occurred_at=AT))
            with pytest.raises(EventCascadeError):
                uow.commit()
        assert rounds == list(range(MAX_HANDLER_ROUNDS))
        assert self.read_product(make_uow, "MUG") is None

    def test_event_refused_commit_delivers_nothing(self, make_uow: MakeUow) -> None:
        """X-5: a commit refused for a conflict stores no handler write and calls no
        subscriber; the events are forgotten, so the unit's next commit sends none."""
        self.seed(make_uow, product("MUG"))
        heard = _Heard()
        bus = EventBus[Any](
            handlers={DomainEvent: [_write_note("NOTE")]},
            subscribers={DomainEvent: [heard.subscriber]},
        )
        with self.opened(make_uow, bus) as loser:
            assert loser.products.get("MUG") == product("MUG")
            with make_uow() as winner:
                winner.products.save(product("MUG", "1.00"))
                winner.commit()
            loser.products.save(product("MUG", "2.00"))
            loser.record(PLACED)
            with pytest.raises(ConflictError):
                loser.commit()
        with loser:
            loser.commit()
        assert heard.events == []
        assert self.read_product(make_uow, "NOTE") is None
        assert self.read_product(make_uow, "MUG") == product("MUG", "1.00")
