"""Domain events: what the use cases tell the rest of a shop (decision 0014).

A use case records an event on its unit of work (``uow.record(OrderPlaced(...))``) right
before it commits; the unit of work's ``commit()`` hands it to an :class:`EventBus`:

* **handlers** run *inside* the transaction, before it commits, with the unit of work:
  what they write exists exactly when the change does (a mail in an outbox, a sales
  ledger entry), and a handler's error rolls the whole change back;
* **subscribers** run *after* the commit, with the event only: a failing subscriber is
  logged (the event's type only) and reported to ``on_subscriber_error``, and never
  undoes a change that is already committed.

Events carry ids, amounts and states, never personal data (no name, email, address,
phone, free text): they end up in queues, logs and other systems the erasure of a person
cannot reach. A handler that needs more reads it through the unit of work it is given.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Generic, TypeVar

import attrs

from klickit_core.shared.clock import ensure_utc
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_

__all__ = [
    "MAX_HANDLER_ROUNDS",
    "AccountCreated",
    "DataExportReady",
    "DomainEvent",
    "ErasureDone",
    "EventBus",
    "EventCascadeError",
    "Handler",
    "OrderCancelled",
    "OrderPaid",
    "OrderPlaced",
    "OrderRefunded",
    "OrderShipped",
    "PasswordChanged",
    "Subscriber",
    "SubscriberErrorHook",
]

_log = logging.getLogger("klickit_core.events")

U = TypeVar("U")

#: An in-transaction handler: ``handler(event, uow)``. The event parameter is typed
#: loosely so that a handler registered for ``OrderPlaced`` may declare ``OrderPlaced``.
Handler = Callable[[Any, U], None]
#: An after-commit subscriber: ``subscriber(event)``.
Subscriber = Callable[[Any], None]
#: Told of each subscriber failure, after it was logged: ``hook(event, error)``.
SubscriberErrorHook = Callable[["DomainEvent", Exception], None]

#: How many rounds of handlers one commit runs (handlers may record new events, whose
#: handlers run in the next round): a cycle of handlers must fail, not spin for ever.
MAX_HANDLER_ROUNDS: Final = 16


class EventCascadeError(KlickitError):
    """Handlers kept recording new events for :data:`MAX_HANDLER_ROUNDS` rounds (a cycle
    among them); the change was rolled back."""

    code = "events.cascade"
    message_template = N_("Event handlers kept raising new events; the change was not saved.")


@attrs.frozen(slots=True)
class DomainEvent:
    """Something that happened to the shop. ``occurred_at`` is aware (converted to UTC; a
    naive datetime is :class:`~klickit_core.shared.clock.NaiveDatetimeError`)."""

    occurred_at: datetime = attrs.field(kw_only=True, converter=ensure_utc)


@attrs.frozen(slots=True)
class OrderPlaced(DomainEvent):
    """An order was placed and awaits its payment (CHK-4). ``customer_id`` is ``None`` for
    a guest's order."""

    order_id: str
    number: str
    customer_id: str | None
    total_minor: int
    currency: str


@attrs.frozen(slots=True)
class OrderPaid(DomainEvent):
    """An order's payments now cover its total: it moved to processing (PAY-3, PAY-4),
    whichever path captured the money (a direct charge, a webhook, a staff approval).
    ``payment_id`` is the payment that completed it."""

    order_id: str
    payment_id: str
    amount_minor: int
    currency: str


@attrs.frozen(slots=True)
class OrderCancelled(DomainEvent):
    """An unpaid order was cancelled (by its customer, by staff, or a held order rejected);
    its stock came back (ORD-1). The reason is free text, so it is not carried."""

    order_id: str


@attrs.frozen(slots=True)
class OrderRefunded(DomainEvent):
    """Money went back to the customer: ``amount_minor`` is this refund's amount, not the
    running total, whichever path recorded it (staff or a gateway webhook)."""

    order_id: str
    amount_minor: int
    currency: str


@attrs.frozen(slots=True)
class OrderShipped(DomainEvent):
    """An order was completed. As in WooCommerce, whose states the shop follows,
    "completed" means fulfilled and shipped: there is no separate shipped state, so this
    event is raised when staff complete the order."""

    order_id: str


@attrs.frozen(slots=True)
class AccountCreated(DomainEvent):
    """A customer account was made (a sign-up, or an account asked for at checkout)."""

    customer_id: str


@attrs.frozen(slots=True)
class PasswordChanged(DomainEvent):
    """A customer's password was replaced (through a reset link, SEC-3). A hash upgraded
    at login keeps the same password and raises nothing."""

    customer_id: str


@attrs.frozen(slots=True)
class DataExportReady(DomainEvent):
    """The bundle of a subject-access request can be downloaded (PRV-3)."""

    request_id: str


@attrs.frozen(slots=True)
class ErasureDone(DomainEvent):
    """A person was erased (PRV-4): ``reference`` is the request's id, or the operator's
    erasure reference (the ledger entry's); never the email."""

    reference: str
    deleted: int
    anonymised: int


def _table(
    value: Mapping[type[DomainEvent], Iterable[Callable[..., None]]],
) -> Mapping[type[DomainEvent], tuple[Callable[..., None], ...]]:
    return {event_type: tuple(listeners) for event_type, listeners in value.items()}


def _matching(
    table: Mapping[type[DomainEvent], Sequence[Callable[..., None]]], event: DomainEvent
) -> list[Callable[..., None]]:
    return [fn for event_type, fns in table.items() if isinstance(event, event_type) for fn in fns]


@attrs.frozen(slots=True)
class EventBus(Generic[U]):
    """Who hears which event: ``handlers`` and ``subscribers`` by event type.

    A key matches its subclasses too (``DomainEvent`` hears every event); listeners run in
    the order of the mapping, then of each list. Built by
    :func:`~klickit_core.bootstrap.build_shop` from its ``handlers=``, ``subscribers=`` and
    ``on_subscriber_error=``; an empty bus (the default) does nothing.
    """

    handlers: Mapping[type[DomainEvent], tuple[Handler[U], ...]] = attrs.field(
        factory=dict, converter=_table
    )
    subscribers: Mapping[type[DomainEvent], tuple[Subscriber, ...]] = attrs.field(
        factory=dict, converter=_table
    )
    on_subscriber_error: SubscriberErrorHook | None = None

    def handle(self, event: DomainEvent, uow: U) -> None:
        """Run the handlers of ``event`` in ``uow``'s transaction; an error propagates."""
        for handler in _matching(self.handlers, event):
            handler(event, uow)

    def publish(self, event: DomainEvent) -> None:
        """Call the subscribers of ``event``. Each failure is logged (the event's type and
        the error's type: an error's message may hold personal data) and reported to
        :attr:`on_subscriber_error`; it never stops the other subscribers."""
        for subscriber in _matching(self.subscribers, event):
            try:
                subscriber(event)
            except Exception as error:  # any app failure is reported, never raised
                self._report(event, error)

    def _report(self, event: DomainEvent, error: Exception) -> None:
        _log.warning(
            "event subscriber failed on %s (%s)", type(event).__name__, type(error).__name__
        )
        if self.on_subscriber_error is None:
            return
        try:
            self.on_subscriber_error(event, error)
        except Exception as hook_error:  # the change is committed already
            _log.warning(
                "on_subscriber_error failed on %s (%s)",
                type(event).__name__,
                type(hook_error).__name__,
            )
