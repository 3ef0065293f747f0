"""Tests of the tests (issue #19, breaks 1 and 4): the contracts catch the bugs that once
passed the suite.

Each break is re-applied by hand with ``monkeypatch`` and the contract's own check is run
in-process against the patched backend: it must raise :class:`AssertionError`; the same
check passes on the real code (so a failure is the break's, not the fixture's).

* Break 1, cancelled orders kept eleven days instead of ten: the sweep's cutoff moved one
  day back, in the SQL repository (SQLite, PostgreSQL), in the memory one, or in the
  orders provider. Caught by :func:`check_boundaries` (a record one day and one
  microsecond past the cutoff must be gone).
* Break 4, an anonymised order keeping its email: in the domain's ``Order.anonymised``
  (which the memory adapter calls, so comparing with it proved nothing) or in the memory
  repository's ``anonymise``. Caught by :func:`assert_order_anonymised`, which every
  backend's order contract and the boundary contract use.

The anonymised checks are also tested field by field: each personal field left in place
fails with its name (and never its value).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import attrs
import pytest

from klickit_core.adapters.memory import MemoryStore
from klickit_core.adapters.memory.orders_accounts import MemoryOrders
from klickit_core.adapters.sql import SqlStore
from klickit_core.adapters.sql.orders import SqlOrders
from klickit_core.orders.domain import Order, RetentionStage
from klickit_core.orders.personal_data import OrdersProvider
from klickit_core.payments.domain import CardSummary
from klickit_core.personal_data import RetentionAction, SweepTask
from klickit_core.shared.addresses import PostalAddress
from klickit_core.testing.contracts import sql
from klickit_core.testing.contracts.anonymised import (
    ANONYMISED_CHECKS,
    assert_order_anonymised,
    assert_order_stripped,
    assert_payment_anonymised,
    assert_review_anonymised,
)
from klickit_core.testing.contracts.base import MakeUow
from klickit_core.testing.contracts.builders import T0, review
from klickit_core.testing.contracts.order_sweeps import (
    DAY,
    OrderRetentionContract,
    cancelled_after_payment,
    completed,
    paid_payment,
)
from klickit_core.testing.contracts.retention_boundaries import (
    check_boundaries,
    default_bound_registry,
)

Patch = Callable[[pytest.MonkeyPatch], None]


# ---------------------------------------------------------------------------- backends
@pytest.fixture(scope="module")
def sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStore]:
    with sql.sqlite_store(tmp_path_factory.mktemp("mutants") / "klickit.db") as store:
        yield store


@pytest.fixture(scope="module")
def postgres() -> Iterator[SqlStore]:
    with sql.postgres_store(sql.postgres_url_or_skip(), prefix="klickit_mutants") as store:
        yield store


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> tuple[str, MakeUow]:
    """A fresh store of each backend: ``(name, make_uow)``; call it again for a new one."""
    if request.param == "memory":
        return "memory", MemoryStore().unit_of_work
    store: SqlStore = request.getfixturevalue(request.param)
    sql.empty(store)
    return request.param, store.unit_of_work


def _fresh(name: str, make_uow: MakeUow) -> MakeUow:
    """An empty store of the same backend."""
    if name == "memory":
        return MemoryStore().unit_of_work
    sql.empty(make_uow.__self__)  # type: ignore[attr-defined]
    return make_uow


# ---------------------------------------------------------------------------- break 1
def _eleven_days(repository: type[Any]) -> Patch:
    """Break 1 in ``repository.sweep``: cancelled orders kept a day longer."""

    def patch(monkeypatch: pytest.MonkeyPatch) -> None:
        real = repository.sweep

        def sweep(self: Any, stage: RetentionStage, before: datetime, **options: Any) -> Any:
            if stage is RetentionStage.CANCELLED:
                before -= DAY
            return real(self, stage, before, **options)

        monkeypatch.setattr(repository, "sweep", sweep)

    return patch


def _eleven_days_in_the_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    """Break 1 one layer up: the orders provider moves its task's cutoff back a day."""
    real = OrdersProvider.sweep_batch

    def sweep_batch(self: Any, uow: Any, task: SweepTask, **options: Any) -> Any:
        if task.category_id == "orders.cancelled":
            task = attrs.evolve(task, cutoff=task.cutoff - DAY)
        return real(self, uow, task, **options)

    monkeypatch.setattr(OrdersProvider, "sweep_batch", sweep_batch)


_BREAK_1 = {
    "memory": _eleven_days(MemoryOrders),
    "sqlite": _eleven_days(SqlOrders),
    "postgres": _eleven_days(SqlOrders),
}


def test_break_1_cancelled_orders_kept_eleven_days_is_caught(
    backend: tuple[str, MakeUow], monkeypatch: pytest.MonkeyPatch
) -> None:
    """PRV-1, PRV-2 (issue #19, break 1): the boundary contract passes on the real sweep
    and fails on each backend's sweep that keeps cancelled orders a day too long, naming
    the category and the record."""
    name, make_uow = backend
    check_boundaries(make_uow, "orders.cancelled")
    _BREAK_1[name](monkeypatch)
    with pytest.raises(AssertionError, match=r"orders\.cancelled: the record 'due'.* was kept"):
        check_boundaries(_fresh(name, make_uow), "orders.cancelled")


def test_break_1_in_the_provider_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """PRV-2: the contract sweeps through the category's provider with the engine's
    task, so a cutoff moved above the repositories is caught too (which the repository
    contracts, given their cutoff directly, cannot see)."""
    check_boundaries(MemoryStore().unit_of_work, "orders.cancelled")
    _eleven_days_in_the_provider(monkeypatch)
    with pytest.raises(AssertionError, match=r"record 'due'.* was kept"):
        check_boundaries(MemoryStore().unit_of_work, "orders.cancelled")


def test_break_1_is_caught_however_small_the_shift(monkeypatch: pytest.MonkeyPatch) -> None:
    """PRV-1: the record one microsecond before the cutoff catches any late cutoff, not
    only a whole day."""
    real = MemoryOrders.sweep

    def sweep(self: Any, stage: RetentionStage, before: datetime, **options: Any) -> Any:
        return real(self, stage, before - before.resolution, **options)

    monkeypatch.setattr(MemoryOrders, "sweep", sweep)
    with pytest.raises(AssertionError, match=r"record 'last'.* was kept"):
        check_boundaries(MemoryStore().unit_of_work, "orders.cancelled")


# ---------------------------------------------------------------------------- break 4
def _keeps_the_email_in_the_domain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Break 4 as it happened: ``Order.anonymised`` keeps the email (memory calls it)."""
    real = Order.anonymised

    def anonymised(self: Order, at: datetime) -> Order:
        blank = real(self, at)
        return attrs.evolve(blank, contact=attrs.evolve(blank.contact, email=self.contact.email))

    monkeypatch.setattr(Order, "anonymised", anonymised)


def _keeps_the_email_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Break 4 in the memory repository: its ``anonymise`` writes the email back."""
    real = MemoryOrders.anonymise

    def anonymise(self: MemoryOrders, order_ids: Any, *, at: datetime) -> int:
        emails = {o: found.contact.email for o in order_ids if (found := self.get(o)) is not None}
        changed = real(self, order_ids, at=at)
        for order_id, email in emails.items():
            done = self.get(order_id)
            assert done is not None
            kept = attrs.evolve(done, contact=attrs.evolve(done.contact, email=email))
            self._tx.write("orders", order_id, kept)
        return changed

    monkeypatch.setattr(MemoryOrders, "anonymise", anonymise)


def _sweep_contract(make_uow: MakeUow) -> None:
    OrderRetentionContract().test_anonymising_reads_back_as_the_domain_says(make_uow)


def _erasure_contract(make_uow: MakeUow) -> None:
    OrderRetentionContract().test_erasure_deletes_and_anonymises_by_id(make_uow)


def _boundary_contract(make_uow: MakeUow) -> None:
    check_boundaries(make_uow, "orders.completed")


@pytest.mark.parametrize(
    "contract", [_sweep_contract, _erasure_contract, _boundary_contract], ids=lambda f: f.__name__
)
@pytest.mark.parametrize(
    "mutant",
    [_keeps_the_email_in_the_domain, _keeps_the_email_in_memory],
    ids=lambda f: f.__name__,
)
def test_break_4_an_anonymised_order_keeping_its_email_is_caught_on_memory(
    contract: Callable[[MakeUow], None], mutant: Patch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PRV-2, decision 0007 (issue #19, break 4): the memory backend's sweep, erasure and
    boundary contracts pass on the real code and fail, naming the email field, when an
    anonymised order keeps its email, wherever the break is."""
    contract(MemoryStore().unit_of_work)
    mutant(monkeypatch)
    with pytest.raises(AssertionError, match=r"contact\.email"):
        contract(MemoryStore().unit_of_work)


# ---------------------------------------------------------------------------- the checks
def test_every_anonymising_category_has_a_check() -> None:
    """PRV-2: walking the default registry, each category whose action is ``anonymise``
    has its definition of anonymised, and no check names another category."""
    bound = default_bound_registry()
    anonymising = {
        entry.category.id
        for entry in bound.entries()
        if bound.rule_for(entry.category.id).action is RetentionAction.ANONYMISE
    }
    assert anonymising == set(ANONYMISED_CHECKS)
    assert anonymising == {
        "orders.completed",
        "orders.cancelled_after_payment",
        "orders.after_sales",  # stripped, issue #19
        "payments.details",
        "reviews.authors",
        "reviews.published",  # unsigned three years after publication, issue #19
    }


_OLD = completed("o-1", T0 - 4000 * DAY, customer_id="cust-1")
_DONE = _OLD.anonymised(T0)
_BLANK = _DONE.contact


@pytest.mark.parametrize(
    ("left", "field"),
    [
        ({"contact": attrs.evolve(_BLANK, email="alice@example.fr")}, "contact.email"),
        ({"contact": attrs.evolve(_BLANK, phone="+33612345678")}, "contact.phone"),
        ({"contact": attrs.evolve(_BLANK, first_name="Alice")}, "contact.first_name"),
        ({"contact": attrs.evolve(_BLANK, last_name="Martin")}, "contact.last_name"),
        ({"billing_address": _OLD.billing_address}, "billing_address.postcode"),
        ({"shipping_address": PostalAddress("FR", city="Lyon")}, "shipping_address.city"),
        ({"shipping_address": PostalAddress("FR", street=("1 rue",))}, "shipping_address.street"),
        ({"billing_address": PostalAddress("BE")}, "billing_address.country"),
        ({"ip_address": "192.0.2.7"}, "ip_address"),
        ({"customer_id": "cust-1"}, "customer_id"),
        ({"history": _OLD.history}, r"history\[0\]\.actor"),
        ({"history": _OLD.history}, r"history\[2\]\.reason"),
        ({"anonymised_at": None}, "anonymised_at"),
        ({"total_minor": 0}, "total_minor"),
        ({"shipping_method": "alice@example.fr"}, "a value of the original"),
    ],
)
def test_each_personal_field_an_order_keeps_is_named(left: dict[str, Any], field: str) -> None:
    """PRV-2, decision 0007: the order check names each field still holding personal data
    (or an accounting field lost), and finds an identifying value moved to any field."""
    assert_order_anonymised(_OLD, _DONE)
    with pytest.raises(AssertionError, match=field) as caught:
        assert_order_anonymised(_OLD, attrs.evolve(_DONE, **left))
    assert "alice@example.fr" not in str(caught.value)  # field names, never values


def test_an_order_anonymised_by_deleting_it_is_refused() -> None:
    """PRV-2: anonymising keeps the record (the accounts need it)."""
    with pytest.raises(AssertionError, match="gone"):
        assert_order_anonymised(_OLD, None)


_PAID = paid_payment("pay-1", _OLD)


@pytest.mark.parametrize(
    ("left", "field"),
    [
        ({"card": CardSummary("visa", "4242")}, "card"),
        ({"gateway_reference": "ch_pay-1"}, "gateway_reference"),
        ({"created_at": T0}, "created_at"),
    ],
)
def test_each_detail_a_payment_keeps_is_named(left: dict[str, Any], field: str) -> None:
    """PRV-2: no card brand, no last four digits, no gateway reference; amounts stay."""
    assert_payment_anonymised(_PAID, _PAID.anonymised())
    with pytest.raises(AssertionError, match=field):
        assert_payment_anonymised(_PAID, attrs.evolve(_PAID.anonymised(), **left))


_REVIEW = attrs.evolve(review("r-1"), customer_id="c-1")


@pytest.mark.parametrize(
    ("left", "field"),
    [
        ({"author_name": "Alice"}, "author_name"),
        ({"author_email": "alice@example.com"}, "author_email"),
        ({"customer_id": "c-1"}, "customer_id"),
        ({"text": ""}, "text"),
    ],
)
def test_each_author_detail_a_review_keeps_is_named(left: dict[str, Any], field: str) -> None:
    """PRV-2, PRV-4: the author goes, what they wrote stays."""
    assert_review_anonymised(_REVIEW, _REVIEW.anonymised())
    with pytest.raises(AssertionError, match=field):
        assert_review_anonymised(_REVIEW, attrs.evolve(_REVIEW.anonymised(), **left))


# ---------------------------------------------------------------------------- after-sales
_PAID_OLD = completed("o-1", T0 - 1000 * DAY, refunded_at=T0 - 900 * DAY)
_STRIPPED = _PAID_OLD.stripped(T0)


@pytest.mark.parametrize(
    ("left", "field"),
    [
        ({"contact": _PAID_OLD.contact}, "contact.phone"),
        ({"ip_address": "192.0.2.7"}, "ip_address"),
        ({"customer_id": "cust-1"}, "customer_id"),
        ({"history": _PAID_OLD.history}, r"history\[0\]\.actor"),
        ({"history": _PAID_OLD.history}, r"history\[3\]\.reason"),
        ({"history": _STRIPPED.history[:-1]}, r"history \(statuses or times"),
        ({"stripped_at": None}, "stripped_at"),
        ({"contact": attrs.evolve(_STRIPPED.contact, email="")}, "contact.email"),
        ({"contact": attrs.evolve(_STRIPPED.contact, last_name="")}, "contact.last_name"),
        ({"billing_address": PostalAddress("FR")}, "billing_address"),
        ({"shipping_address": PostalAddress("FR")}, "shipping_address"),
        ({"refunded_minor": 0}, "refunded_minor"),
        ({"anonymised_at": T0}, "anonymised_at"),
        ({"shipping_method": "+33612345678"}, "a value of the original"),
    ],
)
def test_each_after_sales_field_a_stripped_order_keeps_or_loses_is_named(
    left: dict[str, Any], field: str
) -> None:
    """PRV-1 (issue #19): the stripped check names each after-sales field still there
    (phone, IP, account, who moved the order and why), and each invoice field lost or
    changed (name, email, addresses, amounts), and finds a removed value moved to any
    field; field names only, never values."""
    assert_order_stripped(_PAID_OLD, _STRIPPED)
    with pytest.raises(AssertionError, match=field) as caught:
        assert_order_stripped(_PAID_OLD, attrs.evolve(_STRIPPED, **left))
    assert "+33612345678" not in str(caught.value)


def _strip_keeps_the_history(monkeypatch: pytest.MonkeyPatch) -> None:
    """``Order.stripped`` forgets who moved the order (memory calls it)."""
    real = Order.stripped

    def stripped(self: Order, at: datetime) -> Order:
        return attrs.evolve(real(self, at), history=self.history)

    monkeypatch.setattr(Order, "stripped", stripped)


def _strip_a_day_late(repository: type[Any]) -> Patch:
    """The after-sales sweep keeps paid orders' phone and IP a day longer."""

    def patch(monkeypatch: pytest.MonkeyPatch) -> None:
        real = repository.sweep_after_sales

        def sweep_after_sales(self: Any, before: datetime, **options: Any) -> Any:
            return real(self, before - DAY, **options)

        monkeypatch.setattr(repository, "sweep_after_sales", sweep_after_sales)

    return patch


_LATE_STRIP = {
    "memory": _strip_a_day_late(MemoryOrders),
    "sqlite": _strip_a_day_late(SqlOrders),
    "postgres": _strip_a_day_late(SqlOrders),
}


def test_a_late_after_sales_sweep_is_caught_on_every_backend(
    backend: tuple[str, MakeUow], monkeypatch: pytest.MonkeyPatch
) -> None:
    """PRV-2 (issue #19): the boundary contract of ``orders.after_sales`` passes on the
    real sweep and fails on each backend's sweep that strips a day late."""
    name, make_uow = backend
    check_boundaries(make_uow, "orders.after_sales")
    _LATE_STRIP[name](monkeypatch)
    with pytest.raises(AssertionError, match=r"orders\.after_sales: the record 'due'"):
        check_boundaries(_fresh(name, make_uow), "orders.after_sales")


def test_a_strip_that_keeps_the_history_is_caught_on_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PRV-1 (issue #19): the memory backend calls ``Order.stripped``; the boundary and
    sweep contracts judge its result field by field, not against that method, so a
    stripping that keeps who moved the order fails them, naming the history."""
    check_boundaries(MemoryStore().unit_of_work, "orders.after_sales")
    contract = OrderRetentionContract()
    contract.test_paid_orders_past_their_after_sales_period_are_stripped(MemoryStore().unit_of_work)
    _strip_keeps_the_history(monkeypatch)
    with pytest.raises(AssertionError, match=r"history\[\d\]\.actor"):
        check_boundaries(MemoryStore().unit_of_work, "orders.after_sales")
    with pytest.raises(AssertionError, match=r"history\[\d\]\.actor"):
        contract.test_paid_orders_past_their_after_sales_period_are_stripped(
            MemoryStore().unit_of_work
        )


def test_an_order_ended_after_payment_swept_as_cancelled_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PRV-1 (issue #19): an order cancelled after payment is not one of the « opérations
    annulées » of ten days. Put back among the cancelled orders (the mistake the new
    stage prevents), the ten-day sweep deletes it and the boundary contract of
    ``orders.cancelled_after_payment`` fails: its records past ten years were not
    anonymised, and its sweep found nothing."""
    check_boundaries(MemoryStore().unit_of_work, "orders.cancelled_after_payment")
    real = Order.retention_stage

    def as_cancelled(self: Order) -> RetentionStage | None:
        stage = real.fget(self)  # type: ignore[attr-defined]
        if stage is RetentionStage.CANCELLED_AFTER_PAYMENT:
            return RetentionStage.CANCELLED
        return stage  # type: ignore[no-any-return]

    monkeypatch.setattr(Order, "retention_stage", property(as_cancelled))
    assert cancelled_after_payment("o-1", T0).retention_stage is RetentionStage.CANCELLED
    with pytest.raises(AssertionError, match=r"orders\.cancelled_after_payment"):
        check_boundaries(MemoryStore().unit_of_work, "orders.cancelled_after_payment")
