"""Fixtures for the payments tests: an in-test unit of work and the sandbox gateway.

:class:`FakePaymentsUnitOfWork` implements the payments repositories and the
``Transaction`` protocol with real transaction semantics (changes are visible only after
``commit``; leaving the block rolls back), so the "write before you call" rules of the
services are actually tested. It stands in until the memory adapter carries payment
repositories; then these fixtures can use ``MemoryStore`` instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Self

import pytest

from klickit_core.adapters.gateways import SandboxGateway
from klickit_core.payments.domain import Payment, PaymentRequest
from klickit_core.payments.ports import (
    DuplicateEventError,
    DuplicatePaymentError,
    PaymentNotFoundError,
    PaymentRepository,
    ProcessedEventRepository,
)
from klickit_core.payments.services import start_payment
from klickit_core.shared.actors import Actor
from klickit_core.shared.sweeps import SweepKey, SweepPage
from klickit_core.testing import FixedClock, SequentialIds

WEBHOOK_SECRET = b"w" * 32


class FakePaymentRepository(PaymentRepository):
    def __init__(self, rows: dict[str, Payment]) -> None:
        self.rows = rows

    def add(self, payment: Payment) -> None:
        if payment.id in self.rows:
            raise DuplicatePaymentError
        self.rows[payment.id] = payment

    def get(self, payment_id: str) -> Payment | None:
        return self.rows.get(payment_id)

    def save(self, payment: Payment) -> None:
        if payment.id not in self.rows:
            raise PaymentNotFoundError
        self.rows[payment.id] = payment

    def for_order(self, order_id: str) -> list[Payment]:
        found = [p for p in self.rows.values() if p.order_id == order_id]
        return sorted(found, key=lambda p: (p.created_at, p.id))

    def by_reference(self, reference: str) -> Payment | None:
        return next((p for p in self.rows.values() if p.gateway_reference == reference), None)

    # The privacy methods, as the memory backend answers them for a store that holds no
    # orders (this fake holds payments only): no payment belongs to a subject's orders,
    # and every payment whose order is gone is past its period (PRV-1).
    def for_subject(
        self, email: str, customer_id: str | None = None, *, paid_orders_only: bool = False
    ) -> list[Payment]:
        return []

    def sweep_details(
        self,
        before: datetime,
        *,
        anonymise: bool,
        after: SweepKey | None,
        limit: int,
        dry_run: bool,
    ) -> SweepPage:
        due = sorted(
            (
                p
                for p in self.rows.values()
                if p.holds_details
                and p.created_at < before
                and (after is None or after.is_after(p.created_at, p.id))
            ),
            key=lambda p: (p.created_at, p.id),
        )[: max(limit, 0)]
        if not dry_run:
            for payment in due:
                if anonymise:
                    self.rows[payment.id] = payment.anonymised()
                else:
                    del self.rows[payment.id]
        return SweepPage.of([SweepKey(p.created_at, p.id) for p in due])

    def forget_cards(self, payment_ids: Sequence[str]) -> int:
        changed = 0
        for payment_id in dict.fromkeys(payment_ids):
            payment = self.rows.get(payment_id)
            if payment is not None and payment.card is not None:
                self.rows[payment_id] = payment.without_card()
                changed += 1
        return changed


class FakeProcessedEvents(ProcessedEventRepository):
    def __init__(self, rows: dict[str, datetime]) -> None:
        self.rows = rows

    def seen(self, event_id: str) -> bool:
        return event_id in self.rows

    def record(self, event_id: str, at: datetime) -> None:
        if event_id in self.rows:
            raise DuplicateEventError
        self.rows[event_id] = at


class FakePaymentsUnitOfWork:
    """Snapshot isolation in a few lines: each block works on copies of the committed rows."""

    def __init__(self) -> None:
        self.committed_payments: dict[str, Payment] = {}
        self.committed_events: dict[str, datetime] = {}
        self.commits = 0
        self.payments = FakePaymentRepository({})
        self.processed_events = FakeProcessedEvents({})

    def __enter__(self) -> Self:
        self.payments = FakePaymentRepository(dict(self.committed_payments))
        self.processed_events = FakeProcessedEvents(dict(self.committed_events))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self.committed_payments = dict(self.payments.rows)
        self.committed_events = dict(self.processed_events.rows)
        self.commits += 1

    def rollback(self) -> None:
        self.payments = FakePaymentRepository(dict(self.committed_payments))
        self.processed_events = FakeProcessedEvents(dict(self.committed_events))

    def stored(self, payment_id: str) -> Payment:
        """The committed payment (what another process would read)."""
        return self.committed_payments[payment_id]


@pytest.fixture
def uow() -> FakePaymentsUnitOfWork:
    return FakePaymentsUnitOfWork()


@pytest.fixture
def pay_ids() -> SequentialIds:
    return SequentialIds("pay")


@pytest.fixture
def sandbox(clock: FixedClock) -> SandboxGateway:
    return SandboxGateway(WEBHOOK_SECRET, clock)


@pytest.fixture
def payment(uow: FakePaymentsUnitOfWork, clock: FixedClock, pay_ids: SequentialIds) -> Payment:
    """A pending 49.90 EUR payment through the sandbox, committed."""
    return start_payment(
        uow,
        clock,
        pay_ids,
        Actor.system("gateway"),
        order_id="order-1",
        provider_id="sandbox",
        amount_minor=4990,
        currency="EUR",
    )


def request_for(payment: Payment) -> PaymentRequest:
    return PaymentRequest.for_payment(
        payment,
        name="Camille Martin",
        email="camille@example.fr",
        address="12 rue des Lilas",
        phone="+33612345678",
        city="Lyon",
        state="",
        postcode="69003",
    )


@pytest.fixture
def make_request() -> Callable[[Payment], PaymentRequest]:
    """``make_request(payment)``: the gateway request for ``payment``."""
    return request_for
