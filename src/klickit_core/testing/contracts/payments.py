# ruff: noqa: S101 - test code: plain asserts
"""The payments' repository contract (X-5, PAY-3, PAY-4): payments and the ids of the
gateway notifications already applied."""

from __future__ import annotations

import pytest

from klickit_core.payments.ports import (
    DuplicateEventError,
    DuplicatePaymentError,
    PaymentNotFoundError,
)
from klickit_core.shared.errors import ConflictError
from klickit_core.testing.contracts.base import ContractBase, MakeUow
from klickit_core.testing.contracts.builders import at, payment

__all__ = ["PaymentContract"]


class PaymentContract(ContractBase):
    """What every backend must do for payments and processed events."""

    def test_payments_add_get_save(self, make_uow: MakeUow) -> None:
        """PAY-3: add, get (None when unknown), save replaces; a duplicate id is
        DuplicatePaymentError (committed or pending); saving a missing one is
        PaymentNotFoundError."""
        first = payment("pay-1")
        with make_uow() as uow:
            assert uow.payments.get("pay-1") is None
            uow.payments.add(first)
            uow.payments.add(payment("pay-2"))
            with pytest.raises(DuplicatePaymentError):
                uow.payments.add(payment("pay-2"))
            with pytest.raises(PaymentNotFoundError):
                uow.payments.save(payment("pay-9"))
            uow.commit()
        captured = first.captured(2980, at=at(5), reference="ch_1")
        with make_uow() as uow:
            assert uow.payments.get("pay-1") == first
            with pytest.raises(DuplicatePaymentError):
                uow.payments.add(payment("pay-1"))
            uow.payments.save(captured)
            uow.commit()
        with make_uow() as uow:
            assert uow.payments.get("pay-1") == captured
            assert uow.payments.get("pay-9") is None

    def test_payments_for_order_oldest_first_and_by_reference(self, make_uow: MakeUow) -> None:
        """PAY-3, PAY-4: an order's payments oldest first; a payment found by its gateway
        reference once it has one."""
        with make_uow() as uow:
            uow.payments.add(payment("pay-c", "order-1", 30))
            uow.payments.add(payment("pay-a", "order-1", 10))
            uow.payments.add(payment("pay-b", "order-2", 20))
            uow.commit()
        with make_uow() as uow:
            assert [p.id for p in uow.payments.for_order("order-1")] == ["pay-a", "pay-c"]
            assert [p.id for p in uow.payments.for_order("order-2")] == ["pay-b"]
            assert uow.payments.for_order("order-3") == []
            assert uow.payments.by_reference("ch_1") is None
            authorized = uow.payments.get("pay-c").authorized(reference="ch_1", at=at(40))
            uow.payments.save(authorized)
            assert uow.payments.by_reference("ch_1") == authorized
            uow.commit()
        with make_uow() as uow:
            assert uow.payments.by_reference("ch_1") == authorized
            assert uow.payments.by_reference("ch_2") is None

    def test_processed_events_are_recorded_once(self, make_uow: MakeUow) -> None:
        """PAY-4: an event id is recorded once: a second record is DuplicateEventError,
        in the same transaction or after commit; ``seen`` tells; a rollback forgets."""
        with make_uow() as uow:
            assert uow.processed_events.seen("evt_1") is False
            uow.processed_events.record("evt_1", at(0))
            assert uow.processed_events.seen("evt_1") is True
            with pytest.raises(DuplicateEventError):
                uow.processed_events.record("evt_1", at(1))
            uow.commit()
        with make_uow() as uow:
            assert uow.processed_events.seen("evt_1") is True
            with pytest.raises(DuplicateEventError):
                uow.processed_events.record("evt_1", at(2))
            uow.processed_events.record("evt_2", at(3))
        with make_uow() as uow:
            assert uow.processed_events.seen("evt_2") is False

    def test_concurrent_deliveries_of_one_event_cannot_both_commit(self, make_uow: MakeUow) -> None:
        """PAY-4: two deliveries of the same notification processed at once: one commits,
        the other's commit is refused (a ConflictError)."""
        with make_uow() as first, make_uow() as second:
            first.processed_events.record("evt_1", at(0))
            second.processed_events.record("evt_1", at(0))
            first.commit()
            with pytest.raises(ConflictError):
                second.commit()
