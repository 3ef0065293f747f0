"""PRV-1 … PRV-4 for payments (PAY-2): a payment follows its order.

Its card summary and gateway reference are its personal part: exported (never an
idempotency key), the card stripped at once by an erasure, both removed by the sweep once
the order's ten accounting years are over — whichever provider the shop registered first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest

from klickit_core.adapters.memory import MemoryStore
from klickit_core.orders.domain import OrderStatus
from klickit_core.orders.personal_data import OrdersProvider
from klickit_core.payments.domain import CardSummary, Payment
from klickit_core.payments.personal_data import PAYMENTS_DETAILS, PaymentsProvider
from klickit_core.personal_data import (
    DataSubject,
    InvalidSweepDataError,
    RetentionAction,
    SweepTask,
)
from klickit_core.privacy.bundle import bundle_to_json
from klickit_core.privacy.erasure import erase_subject
from klickit_core.privacy.export import export_subject
from klickit_core.privacy.registry import PrivacyRegistry
from klickit_core.privacy.retention import RetentionSchedule
from klickit_core.privacy.sweep import run_sweep
from klickit_core.shared.actors import Actor
from klickit_core.testing import SequentialIds
from klickit_core.testing.contracts.builders import T0
from klickit_core.testing.contracts.order_sweeps import (
    DAY,
    cancelled,
    completed,
    paid_payment,
    unpaid,
)

NOW = T0
JOB = Actor.system("retention-sweep")
IDS = SequentialIds("pay")
ALICE = DataSubject.of("alice@example.fr", "cust-1")
MakeUow = Callable[[], Any]


def _store(*items: Any) -> MakeUow:
    make: MakeUow = MemoryStore().unit_of_work
    with make() as uow:
        for item in items:
            (uow.payments if isinstance(item, Payment) else uow.orders).add(item)
        uow.commit()
    return make


def _refunded(payment: Payment) -> Payment:
    asked = payment.refund_requested("ref-1", 500, "r" * 24, at=payment.created_at + DAY)
    return asked.refunded(500, at=payment.created_at + DAY, refund_id="ref-1")


def test_the_export_gives_amounts_card_and_refunds_never_a_key() -> None:
    """PRV-3, PAY-2, PAY-3: every payment of the person's orders, with its refunds;
    never the idempotency key of the payment or of a refund."""
    order = completed("o-1", NOW - 100 * DAY)
    paid = _refunded(paid_payment("pay-1", order))
    make = _store(order, paid, unpaid("o-2", NOW, email="bob@example.fr", customer_id=None))
    registry = PrivacyRegistry([PaymentsProvider()]).bind(RetentionSchedule.defaults())
    bundle = export_subject(registry, make(), JOB, ALICE, now=NOW, ids=IDS)
    (section,) = bundle.sections
    assert section.category_id == PAYMENTS_DETAILS
    (record,) = section.records
    fields = {item.key: item.value for item in record.fields}
    assert fields["card_brand"] == "visa"
    assert fields["card_last4"] == "4242"
    assert fields["gateway_reference"] == "ch_pay-1"
    assert fields["amount"] == order.total.amount
    (refund,) = record.children
    assert {item.key: item.value for item in refund.fields}["status"] == "succeeded"
    text = bundle_to_json(bundle)
    assert paid.idempotency_key not in text
    assert paid.refunds[0].idempotency_key not in text


def test_an_erasure_strips_the_card_and_keeps_the_reference_once() -> None:
    """PRV-4: accounting needs the amounts and the gateway reference, not the card; the
    payments of an order deleted with it are not counted twice; erasing again changes
    nothing."""
    kept = completed("o-1", NOW - 100 * DAY)
    gone = cancelled("o-2", NOW - DAY)
    declined = attrs.evolve(paid_payment("pay-2", gone), card=CardSummary("visa", "0002"))
    make = _store(kept, gone, paid_payment("pay-1", kept), declined)
    registry = PrivacyRegistry([PaymentsProvider()]).bind(RetentionSchedule.defaults())
    dry = erase_subject(registry, make(), JOB, ALICE, now=NOW, ids=IDS, dry_run=True)
    first = erase_subject(registry, make(), JOB, ALICE, now=NOW, ids=IDS)
    assert dry.anonymised == first.anonymised == 1
    with make() as uow:
        stripped = uow.payments.get("pay-1")
        assert stripped.card is None
        assert stripped.gateway_reference == "ch_pay-1"
        assert uow.payments.get("pay-2").card is not None  # goes with its order
    again = erase_subject(registry, make(), JOB, ALICE, now=NOW, ids=IDS)
    assert not again.changed


@pytest.mark.parametrize("payments_first", [False, True])
def test_the_sweep_follows_the_order_whichever_provider_runs_first(payments_first: bool) -> None:
    """PRV-2: once the order's ten years are over its payments lose card and reference
    (anonymised orders too); a cancelled order's payment goes with the order; a recent
    order's stays as it is."""
    old = completed("o-old", NOW - 3700 * DAY)
    recent = completed("o-new", NOW - 100 * DAY)
    gone = cancelled("o-gone", NOW - 30 * DAY)
    make = _store(
        old,
        recent,
        gone,
        paid_payment("pay-old", old),
        paid_payment("pay-new", recent),
        paid_payment("pay-gone", gone),
    )
    providers = [OrdersProvider(), PaymentsProvider()]
    if payments_first:
        providers.reverse()
    registry = PrivacyRegistry(providers).bind(RetentionSchedule.defaults())
    report = run_sweep(registry, make, JOB, now=NOW, ids=IDS, batch_size=1)
    assert report.category(PAYMENTS_DETAILS).tally.anonymised == 1
    with make() as uow:
        swept = uow.payments.get("pay-old")
        assert (swept.card, swept.gateway_reference) == (None, None)
        assert uow.payments.get("pay-new").card is not None
        assert uow.payments.get("pay-gone") is None
        assert uow.orders.get("o-old").status is OrderStatus.COMPLETED


def test_a_task_for_another_category_is_refused_and_nothing_is_written() -> None:
    """X-9: the engine only ever asks for the provider's own category; anything else is
    a typed error before any write."""
    old = completed("o-old", NOW - 3700 * DAY)
    make = _store(old, paid_payment("pay-old", old))
    task = SweepTask("orders.completed", "orders.completed", NOW, RetentionAction.ANONYMISE, NOW)
    with make() as uow, pytest.raises(InvalidSweepDataError):
        PaymentsProvider().sweep_batch(uow, task, after=None, limit=5, dry_run=False)
    with make() as uow:
        assert uow.payments.get("pay-old").card is not None


def test_the_in_test_fake_sweeps_like_a_store_without_orders() -> None:
    """PRV-1: tests/payments' fake answers the privacy methods as the memory backend does
    for a store that holds no orders: nobody's payments, and every payment with card
    details is past its period; a dry run changes nothing."""
    from datetime import timedelta

    from klickit_core.payments.domain import PaymentStatus
    from klickit_core.shared.sweeps import SweepKey

    from .conftest import FakePaymentRepository

    made = [
        Payment(
            id=f"pay-{n}",
            order_id=f"order-{n}",
            provider_id="sandbox",
            amount_minor=990,
            currency="EUR",
            created_at=T0 + timedelta(minutes=n),
            updated_at=T0 + timedelta(minutes=n),
            idempotency_key=f"key-{n:016d}",
            status=PaymentStatus.CAPTURED,
            gateway_reference=f"ref-{n}",
            card=CardSummary("visa", "4242"),
            captured_minor=990,
        )
        for n in range(3)
    ]
    fake = FakePaymentRepository({p.id: p for p in made})
    assert fake.for_subject("alice@example.fr", "cust-1") == []
    later = T0 + timedelta(days=1)
    dry = fake.sweep_details(later, anonymise=True, after=None, limit=2, dry_run=True)
    assert (dry.examined, fake.rows["pay-0"]) == (2, made[0])
    page = fake.sweep_details(later, anonymise=True, after=None, limit=2, dry_run=False)
    assert page.examined == page.changed == 2
    assert page.last == SweepKey(made[1].created_at, "pay-1")
    assert not fake.rows["pay-0"].holds_details
    rest = fake.sweep_details(later, anonymise=False, after=page.last, limit=2, dry_run=False)
    assert rest.examined == 1
    assert "pay-2" not in fake.rows
    assert fake.forget_cards(["pay-0", "pay-1", "missing"]) == 0
