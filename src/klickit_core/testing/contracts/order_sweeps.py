# ruff: noqa: S101 - test code: plain asserts
"""The retention contract of orders, support requests and payments (X-5, PRV-2 … PRV-4).

What every backend's repositories must do for the orders and payments providers
(:mod:`klickit_core.orders.personal_data`, :mod:`klickit_core.payments.personal_data`):

* a **sweep** selects only due records, in ``(clock, id)`` order strictly after a keyset
  cursor (ties on the clock broken by the id), at most ``limit`` of them; what it deleted
  or anonymised is never selected again; a dry run and a rolled-back unit of work change
  nothing;
* **deleting** an order deletes its lines, VAT, history, support requests, payments,
  refunds and terms of sale, keeps its stock movements without the link, and gives back
  the stock an unpaid order held (journalled as a release);
* **anonymising** an order gives exactly :meth:`Order.anonymised
  <klickit_core.orders.domain.Order.anonymised>` when read back, unlinks its support
  requests and deletes the ones never closed, and deletes its terms of sale (the other
  consents of its checkout only lose the link, either way);
* **stripping** a paid order past its after-sales period (issue #19) gives exactly
  :meth:`Order.stripped <klickit_core.orders.domain.Order.stripped>` (as
  :func:`~klickit_core.testing.contracts.anonymised.assert_order_stripped` defines it),
  takes its terms of sale off the account, and selects it never again;
* the **erasure** helpers find a person's orders and payments by email or account,
  restrict what must be kept (without its IP address and phone), and strip a payment's
  card summary.

:class:`OrderRetentionContract`, :class:`SupportRequestRetentionContract` and
:class:`PaymentRetentionContract` are subclassed once per backend, like every contract.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs
import pytest

from klickit_core.catalogue.domain import StockMovement, StockReason
from klickit_core.consents.domain import TERMS_OF_SALE, ConsentRecord
from klickit_core.orders.domain import (
    Order,
    OrderStatus,
    RetentionStage,
    StatusChange,
    SupportKind,
    SupportRequest,
    SupportStatus,
)
from klickit_core.payments.domain import CardSummary, Payment
from klickit_core.shared.errors import ConflictError
from klickit_core.shared.sweeps import SweepKey, SweepPage
from klickit_core.testing.contracts.anonymised import (
    assert_order_anonymised,
    assert_order_stripped,
    assert_payment_anonymised,
)
from klickit_core.testing.contracts.base import ContractBase, MakeUow
from klickit_core.testing.contracts.builders import T0, movement, order, payment, product

__all__ = [
    "DAY",
    "OrderRetentionContract",
    "PaymentRetentionContract",
    "SupportRequestRetentionContract",
    "cancelled",
    "cancelled_after_payment",
    "checkout_consent",
    "completed",
    "failed",
    "paid_payment",
    "unpaid",
]

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
S = OrderStatus
Stage = RetentionStage


# ---------------------------------------------------------------------------- builders
def unpaid(order_id: str, placed_at: datetime, **fields: object) -> Order:
    """An order of two mugs placed at ``placed_at``, never paid (holding its stock)."""
    placed = attrs.evolve(order(order_id, **fields), placed_at=placed_at)  # type: ignore[arg-type]
    history = (StatusChange(None, S.PENDING_PAYMENT, placed_at, "checkout", "placed"),)
    return attrs.evolve(placed, history=history, ip_address="192.0.2.7")


def cancelled(order_id: str, at: datetime, **fields: object) -> Order:
    """An unpaid order cancelled by its customer at ``at``."""
    return unpaid(order_id, at - HOUR, **fields).moved_to(S.CANCELLED, at, "cust-1", "oops")


def failed(order_id: str, at: datetime, **fields: object) -> Order:
    """An order whose payment failed at ``at``."""
    return unpaid(order_id, at - HOUR, **fields).moved_to(S.FAILED, at, "gateway", "declined")


def cancelled_after_payment(
    order_id: str, at: datetime, *, failed: bool = False, **fields: object
) -> Order:
    """An order of which 10.00 (of 29.80) was captured, then cancelled by staff at ``at``
    (or, with ``failed``, whose payment failed then): an accounting record (issue #19)."""
    deposit = unpaid(order_id, at - HOUR, **fields).with_payment(1000)
    if failed:
        return deposit.moved_to(S.FAILED, at, "gateway", "second payment declined")
    return deposit.moved_to(S.CANCELLED, at, "staff-1", "out of stock, Alice Martin told")


def completed(
    order_id: str, at: datetime, *, refunded_at: datetime | None = None, **fields: object
) -> Order:
    """An order paid, then delivered at ``at`` (and partly refunded at ``refunded_at``)."""
    placed = unpaid(order_id, at - 3 * DAY, **fields)
    done = (
        placed.with_payment(placed.total_minor)
        .moved_to(S.PROCESSING, at - 2 * DAY, "gateway")
        .moved_to(S.COMPLETED, at, "staff-1", "delivered to Alice Martin")
    )
    if refunded_at is not None:
        done = done.with_refund(500, at=refunded_at).moved_to(
            S.PARTIALLY_REFUNDED, refunded_at, "staff-1", "a broken mug"
        )
    return done


def paid_payment(payment_id: str, order: Order, *, card: bool = True) -> Payment:
    """A captured payment of ``order``, created when it was placed, with a gateway
    reference (and a card summary)."""
    started = attrs.evolve(
        payment(payment_id, order.id), created_at=order.placed_at, updated_at=order.placed_at
    )
    return started.captured(
        started.amount_minor,
        at=order.placed_at + HOUR,
        reference=f"ch_{payment_id}",
        card=CardSummary("visa", "4242") if card else None,
    )


def request(
    request_id: str, order_id: str, at: datetime, *, closed: datetime | None = None
) -> SupportRequest:
    """A tracking request about ``order_id`` sent at ``at`` (closed at ``closed``)."""
    sent = SupportRequest(
        request_id,
        order_id,
        SupportKind.TRACKING,
        "Mon colis n'est pas arrivé. Alice",
        at,
        "cust-1",
    )
    return sent.closed("staff-1", closed) if closed is not None else sent


def checkout_consent(
    record_id: str, placed: Order, purpose: str = TERMS_OF_SALE, *, granted: bool = True
) -> ConsentRecord:
    """The consent to ``purpose`` recorded when ``placed`` was placed, by its contact."""
    return ConsentRecord(
        record_id,
        placed.contact.email,
        purpose,
        "cgv-2026-01",
        granted,
        placed.placed_at,
        "checkout",
        placed.customer_id,
        placed.id,
    )


class _Retention(ContractBase):
    """Helpers shared by the three contracts."""

    @staticmethod
    def store(make_uow: MakeUow, *items: object) -> None:
        """Commit orders, support requests, payments and stock movements."""
        with make_uow() as uow:
            for item in items:
                if isinstance(item, Order):
                    uow.orders.add(item)
                elif isinstance(item, SupportRequest):
                    uow.support_requests.add(item)
                elif isinstance(item, Payment):
                    uow.payments.add(item)
                elif isinstance(item, StockMovement):
                    uow.stock_movements.add(item)
                elif isinstance(item, ConsentRecord):
                    uow.consents.add(item)
                else:
                    uow.products.add(item)
            uow.commit()

    @staticmethod
    def sweep_orders(
        make_uow: MakeUow,
        stage: RetentionStage,
        before: datetime,
        *,
        after: SweepKey | None = None,
        limit: int = 100,
        anonymise: bool = False,
        dry_run: bool = False,
    ) -> SweepPage:
        with make_uow() as uow:
            page: SweepPage = uow.orders.sweep(
                stage,
                before,
                anonymise=anonymise,
                at=T0,
                after=after,
                limit=limit,
                dry_run=dry_run,
            )
            uow.commit()
        return page

    @staticmethod
    def strip_orders(
        make_uow: MakeUow,
        before: datetime,
        *,
        after: SweepKey | None = None,
        limit: int = 100,
        dry_run: bool = False,
        accounting: dict[RetentionStage, datetime] | None = None,
    ) -> SweepPage:
        with make_uow() as uow:
            page: SweepPage = uow.orders.sweep_after_sales(
                before,
                at=T0,
                after=after,
                limit=limit,
                dry_run=dry_run,
                accounting_cutoffs=accounting,
            )
            uow.commit()
        return page

    @classmethod
    def due(cls, make_uow: MakeUow, stage: RetentionStage, before: datetime) -> list[SweepKey]:
        """Every due order's key, walked with a dry run one order per page."""
        keys: list[SweepKey] = []
        while True:
            page = cls.sweep_orders(
                make_uow, stage, before, after=keys[-1] if keys else None, limit=1, dry_run=True
            )
            if page.last is None:
                return keys
            keys.append(page.last)

    @staticmethod
    def order_ids(make_uow: MakeUow) -> list[str]:
        with make_uow() as uow:
            return sorted(o.id for o in uow.orders.list(limit=10_000))

    @staticmethod
    def consents_of(make_uow: MakeUow, email: str) -> dict[str, ConsentRecord]:
        """The consent records of ``email``, by id."""
        with make_uow() as uow:
            return {r.id: r for r in uow.consents.for_subject(email)}


# ---------------------------------------------------------------------------- orders
class OrderRetentionContract(_Retention):
    """What every backend must do for the orders' retention (PRV-2, PRV-4)."""

    def test_due_orders_come_in_clock_then_id_order_page_by_page(self, make_uow: MakeUow) -> None:
        """PRV-2: keyset pages on (clock, id), strictly after the cursor, ties broken by
        the id; nothing still inside its period is selected; the last page is short."""
        base = T0 - 40 * DAY
        self.store(
            make_uow,
            cancelled("o-3", base + 2 * HOUR),
            cancelled("o-1", base),
            cancelled("o-2b", base + HOUR),
            cancelled("o-2a", base + HOUR),
            cancelled("o-9", T0 - DAY),  # inside its ten days
            completed("o-5", base),  # another stage
        )
        before = T0 - 10 * DAY
        first = self.sweep_orders(make_uow, Stage.CANCELLED, before, limit=2)
        assert (first.examined, first.changed) == (2, 2)
        assert first.last == SweepKey(base + HOUR, "o-2a")
        second = self.sweep_orders(make_uow, Stage.CANCELLED, before, after=first.last, limit=2)
        assert second.last == SweepKey(base + 2 * HOUR, "o-3")
        third = self.sweep_orders(make_uow, Stage.CANCELLED, before, after=second.last, limit=2)
        assert (third.examined, third.last) == (0, None)
        assert self.order_ids(make_uow) == ["o-5", "o-9"]

    def test_a_cursor_skips_what_it_has_passed_even_when_still_there(
        self, make_uow: MakeUow
    ) -> None:
        """PRV-2: a dry run's pages walk the category once; each page starts after the
        cursor, never at the beginning."""
        base = T0 - 40 * DAY
        self.store(make_uow, *(failed(f"o-{n}", base + n * HOUR) for n in range(5)))
        seen: list[SweepKey] = []
        after = None
        while True:
            page = self.sweep_orders(make_uow, Stage.FAILED, T0, after=after, limit=2, dry_run=True)
            if page.last is None:
                break
            seen.append(page.last)
            after = page.last
        assert [key.id for key in seen] == ["o-1", "o-3", "o-4"]
        assert len(self.order_ids(make_uow)) == 5  # a dry run deletes nothing

    def test_each_stage_selects_its_own_orders_and_open_orders_none(
        self, make_uow: MakeUow
    ) -> None:
        """PRV-1: unpaid orders by placement, cancelled and failed by their end, paid ones
        by completion; processing orders and unpaid ones with money captured have no clock
        and are never selected."""
        old = T0 - 4000 * DAY
        part_paid = unpaid("o-part", old)
        self.store(
            make_uow,
            unpaid("o-unpaid", old),
            cancelled("o-cancelled", old),
            failed("o-failed", old),
            cancelled_after_payment("o-cap", old),
            cancelled_after_payment("o-fap", old, failed=True),
            completed("o-completed", old),
            completed("o-processing", old).moved_to(S.REFUNDED, old + DAY, "staff-1"),
            attrs.evolve(
                unpaid("o-open", old).with_payment(2980).moved_to(S.PROCESSING, old, "gateway"),
                id="o-open",
            ),
            part_paid.with_payment(1000),
        )
        found = {stage: [key.id for key in self.due(make_uow, stage, T0)] for stage in Stage}
        assert found == {
            Stage.UNPAID: ["o-unpaid"],
            Stage.CANCELLED: ["o-cancelled"],
            Stage.FAILED: ["o-failed"],
            Stage.COMPLETED: ["o-completed", "o-processing"],
            Stage.CANCELLED_AFTER_PAYMENT: ["o-cap", "o-fap"],  # issue #19: took money
        }

    def test_a_refund_restarts_the_ten_years(self, make_uow: MakeUow) -> None:
        """PRV-1: a paid order's clock is its completion or its last refund, whichever is
        later (a further partial refund included)."""
        done = T0 - 3700 * DAY
        refund = T0 - 3000 * DAY
        later = refund + 30 * DAY
        twice = completed("o-2", done, refunded_at=refund).with_refund(100, at=later)
        self.store(
            make_uow, completed("o-1", done), completed("o-3", done, refunded_at=refund), twice
        )
        assert self.due(make_uow, Stage.COMPLETED, refund + DAY) == [
            SweepKey(done, "o-1"),
            SweepKey(refund, "o-3"),
        ]
        assert self.due(make_uow, Stage.COMPLETED, later + DAY)[-1] == SweepKey(later, "o-2")

    def test_deleting_an_order_takes_everything_recorded_for_it(self, make_uow: MakeUow) -> None:
        """PRV-2: lines, VAT and history go with the order, and so do its support
        requests, payments and refunds; its stock movements stay, unlinked."""
        gone = cancelled("o-1", T0 - 30 * DAY)
        kept = cancelled("o-2", T0 - DAY)
        settled = paid_payment("pay-1", gone)
        refunded = settled.refund_requested("ref-1", 500, "k" * 20, at=T0 - 29 * DAY).refunded(
            500, at=T0 - 29 * DAY
        )
        self.store(
            make_uow,
            gone,
            kept,
            refunded,
            paid_payment("pay-2", kept),
            request("r-1", "o-1", T0 - 30 * DAY),
            request("r-2", "o-2", T0 - DAY),
            movement("m-1", "o-1", 0),
            movement("m-2", "o-2", 0),
        )
        page = self.sweep_orders(make_uow, Stage.CANCELLED, T0 - 10 * DAY)
        assert (page.examined, page.changed) == (1, 1)
        with make_uow() as uow:
            assert uow.orders.get("o-1") is None
            assert uow.orders.get("o-2") == kept
            assert uow.support_requests.get("r-1") is None
            assert uow.support_requests.get("r-2") is not None
            assert uow.payments.get("pay-1") is None
            assert uow.payments.for_order("o-1") == []
            assert [p.id for p in uow.payments.for_order("o-2")] == ["pay-2"]
            assert uow.stock_movements.for_order("o-1") == []
            assert [m.id for m in uow.stock_movements.for_order("o-2")] == ["m-2"]
            with pytest.raises(ConflictError):  # still in the journal, under its id
                uow.stock_movements.add(movement("m-1", None, 0))

    def test_deleting_an_unpaid_order_gives_its_stock_back(self, make_uow: MakeUow) -> None:
        """PRV-2, CHK-4: an unpaid order still holds its stock; deleting it releases it,
        journalled as a release without the order link (untracked stock stays untracked)."""
        old = unpaid("o-1", T0 - 40 * DAY)
        self.store(make_uow, product("MUG", stock=3), old, unpaid("o-2", T0 - DAY))
        page = self.sweep_orders(make_uow, Stage.UNPAID, T0 - 30 * DAY)
        assert page.changed == 1
        assert self.stock(make_uow, "MUG") == 5
        with make_uow() as uow:  # journalled under a key of its own
            assert uow.stock_movements.for_order("o-1") == []
            release = StockMovement(
                f"retention-{old.number}-0", "MUG", 2, StockReason.ORDER_RELEASED, T0
            )
            with pytest.raises(ConflictError):
                uow.stock_movements.add(release)
        cancelled_order = cancelled("o-3", T0 - 40 * DAY)
        self.store(make_uow, cancelled_order)
        self.sweep_orders(make_uow, Stage.CANCELLED, T0)  # a cancelled order held nothing
        assert self.stock(make_uow, "MUG") == 5

    def test_anonymising_reads_back_as_the_domain_says(self, make_uow: MakeUow) -> None:
        """PRV-2, decision 0007: the contact, the address parts but the country, the IP,
        the account link and who moved it and why go; lines, amounts, VAT, status, dates
        stay. Its requests lose the account link; those never closed are deleted. It is
        never selected again, nor found as the person's."""
        old = completed("o-1", T0 - 4000 * DAY, customer_id="cust-1")
        self.store(
            make_uow,
            old,
            request("r-open", "o-1", T0 - 4001 * DAY),
            request("r-closed", "o-1", T0 - 4001 * DAY, closed=T0 - 3000 * DAY),
        )
        page = self.sweep_orders(make_uow, Stage.COMPLETED, T0 - 3650 * DAY, anonymise=True)
        assert (page.examined, page.changed) == (1, 1)
        expected = old.anonymised(T0)
        with make_uow() as uow:
            # What anonymised means, field by field, before the domain's own answer: a
            # domain method that kept a field would make both sides wrong (issue #19).
            assert_order_anonymised(old, uow.orders.get("o-1"))
            assert uow.orders.get("o-1") == expected
            assert uow.support_requests.get("r-open") is None
            closed = uow.support_requests.get("r-closed")
            assert closed is not None
            assert closed.customer_id is None
            assert uow.orders.for_subject("alice@example.fr", "cust-1") == []
            assert uow.orders.anonymise(["o-1"], at=T0 + DAY) == 0
            uow.commit()
        assert expected.retention_stage is None
        assert expected.billing_address.country == "FR"
        again = self.sweep_orders(make_uow, Stage.COMPLETED, T0, anonymise=True)
        assert again.examined == 0
        with make_uow() as uow:
            assert uow.orders.get("o-1") == expected

    def test_paid_orders_past_their_after_sales_period_are_stripped(
        self, make_uow: MakeUow
    ) -> None:
        """PRV-1, PRV-2 (issue #19): the paid orders (completed or refunded, cancelled or
        failed after payment) whose clock started before the cutoff lose their phone, IP
        address, account link and who moved them and why, in (clock, id) order page by
        page; the invoice data stays; their terms of sale leave the account; orders inside
        the period, orders of other stages and anonymised orders are never selected, nor
        is a stripped order again."""
        before = T0 - 730 * DAY
        stripped = [
            completed("o-1", before - 3 * DAY),
            completed("o-2", before - 2 * DAY, refunded_at=before - DAY),
            cancelled_after_payment("o-3", before - DAY),
            cancelled_after_payment("o-4", before - HOUR, failed=True),
        ]
        kept = [
            completed("o-inside", before + DAY),
            completed("o-refunded-since", before - 9 * DAY, refunded_at=before + HOUR),
            cancelled("o-cancelled", before - 3 * DAY),
            unpaid("o-unpaid", before - 3 * DAY),
        ]
        faded = completed("o-faded", before - 4000 * DAY).anonymised(T0 - DAY)
        self.store(
            make_uow,
            *stripped,
            *kept,
            faded,
            *(checkout_consent(f"k-{o.id}", o) for o in (*stripped, *kept)),
        )
        dry = self.strip_orders(make_uow, before, dry_run=True)
        assert (dry.examined, dry.changed) == (4, 4)
        first = self.strip_orders(make_uow, before, limit=3)
        assert (first.examined, first.last) == (3, SweepKey(before - DAY, "o-3"))
        rest = self.strip_orders(make_uow, before, after=first.last, limit=3)
        assert (rest.examined, rest.last) == (1, SweepKey(before - HOUR, "o-4"))
        with make_uow() as uow:
            for original in stripped:
                found = uow.orders.get(original.id)
                assert_order_stripped(original, found)
                assert found == original.stripped(T0)
                assert found.retention_stage is original.retention_stage  # its ten years go on
            for original in (*kept, faded):
                assert uow.orders.get(original.id) == original
            assert [o.id for o in uow.orders.for_subject("alice@example.fr", "cust-1")] == [
                *(o.id for o in sorted((*stripped, *kept), key=lambda o: (o.placed_at, o.id)))
            ]  # still the person's: found by the email they keep
        terms = self.consents_of(make_uow, "alice@example.fr")
        for original in stripped:
            assert terms[f"k-{original.id}"] == attrs.evolve(
                checkout_consent(f"k-{original.id}", original), customer_id=None
            )
        for original in kept:
            assert terms[f"k-{original.id}"] == checkout_consent(f"k-{original.id}", original)
        again = self.strip_orders(make_uow, T0)
        assert (again.examined, again.changed) == (2, 2)  # o-inside, o-refunded-since: now due
        assert self.strip_orders(make_uow, T0).examined == 0

    def test_orders_past_their_accounting_years_are_left_to_their_anonymisation(
        self, make_uow: MakeUow
    ) -> None:
        """PRV-2 (issue #19): given each paid stage's own cutoff, the after-sales sweep
        leaves the orders past it (their category anonymises them, in the same run), so
        the two categories never take the same order, whichever runs first; orders inside
        their accounting years are stripped; each stage is held to its own cutoff."""
        before = T0 - 730 * DAY
        completed_edge, ended_edge = T0 - 3650 * DAY, T0 - 3000 * DAY
        left = [
            completed("o-old", completed_edge - DAY),
            cancelled_after_payment("o-old-ended", ended_edge - DAY),
        ]
        taken = [
            completed("o-mid", completed_edge + DAY),  # before the other stage's cutoff
            cancelled_after_payment("o-mid-ended", ended_edge + DAY, failed=True),
        ]
        self.store(make_uow, *left, *taken)
        accounting = {Stage.COMPLETED: completed_edge, Stage.CANCELLED_AFTER_PAYMENT: ended_edge}
        page = self.strip_orders(make_uow, before, limit=1, accounting=accounting)
        rest = self.strip_orders(make_uow, before, after=page.last, accounting=accounting)
        assert [page.last, rest.last] == [
            SweepKey(completed_edge + DAY, "o-mid"),
            SweepKey(ended_edge + DAY, "o-mid-ended"),
        ]
        assert rest.examined == 1
        with make_uow() as uow:
            for original in left:
                assert uow.orders.get(original.id) == original
            for original in taken:
                assert_order_stripped(original, uow.orders.get(original.id))
        assert self.strip_orders(make_uow, before).examined == 2  # without them: all

    def test_a_move_after_stripping_is_stripped_in_turn(self, make_uow: MakeUow) -> None:
        """PRV-2 (issue #19): a refund recorded after the order was stripped names who made
        it and why, and restarts the clock: the order is selected again once that clock
        is past the cutoff, not before, and its new move is stripped too."""
        before = T0 - 730 * DAY
        old = completed("o-1", before - 30 * DAY)
        self.store(make_uow, old)
        assert self.strip_orders(make_uow, before).changed == 1
        with make_uow() as uow:
            found = uow.orders.get("o-1")
            assert found is not None
            refunded = found.with_refund(2980, at=before - DAY).moved_to(
                S.REFUNDED, before - DAY, "staff-2", "returned broken"
            )
            assert refunded.stripped_at is None
            uow.orders.save(refunded)
            uow.commit()
        assert self.strip_orders(make_uow, before - DAY).examined == 0  # its new clock
        assert self.strip_orders(make_uow, before).changed == 1
        with make_uow() as uow:
            assert_order_stripped(refunded, uow.orders.get("o-1"))

    def test_a_sweep_in_a_rolled_back_unit_of_work_changes_nothing(self, make_uow: MakeUow) -> None:
        """PRV-2, X-9: a batch commits with its checkpoint or not at all."""
        self.store(
            make_uow,
            product("MUG", stock=3),
            unpaid("o-1", T0 - 40 * DAY),
            completed("o-2", T0 - 4000 * DAY),
        )
        with make_uow() as uow:
            uow.orders.sweep(
                Stage.UNPAID, T0, anonymise=False, at=T0, after=None, limit=10, dry_run=False
            )
            uow.orders.sweep(
                Stage.COMPLETED, T0, anonymise=True, at=T0, after=None, limit=10, dry_run=False
            )
        assert self.order_ids(make_uow) == ["o-1", "o-2"]
        assert self.stock(make_uow, "MUG") == 3
        with make_uow() as uow:
            assert uow.orders.get("o-2").anonymised_at is None

    def test_a_limit_below_one_selects_nothing(self, make_uow: MakeUow) -> None:
        """X-9: a page of nothing, and nothing written."""
        self.store(make_uow, cancelled("o-1", T0 - 40 * DAY))
        assert self.sweep_orders(make_uow, Stage.CANCELLED, T0, limit=0).examined == 0
        assert self.order_ids(make_uow) == ["o-1"]

    def test_a_persons_orders_are_found_by_email_or_account(self, make_uow: MakeUow) -> None:
        """PRV-3, PRV-4: by normalised contact email or by customer id, oldest first;
        somebody else's orders and anonymised ones are not."""
        self.store(
            make_uow,
            unpaid("o-2", T0 - DAY, customer_id="cust-1", email="alice@example.fr"),
            unpaid("o-1", T0 - 2 * DAY, customer_id=None, email="alice@example.fr"),
            unpaid("o-3", T0, customer_id="cust-1", email="old@example.fr"),
            unpaid("o-4", T0, customer_id="cust-2", email="bob@example.fr"),
            completed("o-5", T0 - 4000 * DAY).anonymised(T0),
        )
        with make_uow() as uow:
            assert [o.id for o in uow.orders.for_subject("alice@example.fr")] == ["o-1", "o-2"]
            both = uow.orders.for_subject("alice@example.fr", "cust-1")
            assert [o.id for o in both] == ["o-1", "o-2", "o-3"]
            assert uow.orders.for_subject("nobody@example.fr") == []

    def test_a_persons_order_ids_are_those_of_their_orders(self, make_uow: MakeUow) -> None:
        """PRV-3 (the export's access-log lookup): ``ids_for_subject`` names exactly the
        orders ``for_subject`` finds, sorted, this transaction's writes included: an order
        placed, one anonymised and one deleted in it."""
        self.store(
            make_uow,
            unpaid("o-2", T0 - DAY, customer_id="cust-1", email="alice@example.fr"),
            unpaid("o-1", T0 - 2 * DAY, customer_id=None, email="alice@example.fr"),
            unpaid("o-3", T0, customer_id="cust-1", email="old@example.fr"),
            unpaid("o-4", T0, customer_id="cust-2", email="bob@example.fr"),
            completed("o-6", T0 - 9 * DAY, customer_id="cust-1"),
            completed("o-5", T0 - 4000 * DAY).anonymised(T0),
        )
        with make_uow() as uow:
            assert uow.orders.ids_for_subject("alice@example.fr") == ["o-1", "o-2", "o-6"]
            assert uow.orders.ids_for_subject("alice@example.fr", "cust-1") == [
                "o-1",
                "o-2",
                "o-3",
                "o-6",
            ]
            assert uow.orders.ids_for_subject("nobody@example.fr") == []
            uow.orders.add(unpaid("o-0", T0, customer_id="cust-1", email="new@example.fr"))
            six = uow.orders.get("o-6")
            assert six is not None
            uow.orders.save(six.anonymised(T0))
            both = uow.orders.ids_for_subject("alice@example.fr", "cust-1")
            assert both == ["o-0", "o-1", "o-2", "o-3"]
            found = uow.orders.for_subject("alice@example.fr", "cust-1")
            assert both == sorted(order.id for order in found)

    def test_restricting_unlinks_the_account_once(self, make_uow: MakeUow) -> None:
        """PRV-4: a kept order leaves the customer's account; restricting again changes
        nothing (and keeps the first date)."""
        kept = completed("o-1", T0 - 100 * DAY, customer_id="cust-1")
        self.store(make_uow, kept)
        with make_uow() as uow:
            assert uow.orders.restrict(["o-1", "o-9"], at=T0) == 1
            uow.commit()
        with make_uow() as uow:
            assert uow.orders.restrict(["o-1"], at=T0 + DAY) == 0
            uow.commit()
        with make_uow() as uow:
            assert uow.orders.get("o-1") == kept.restricted(T0)
            assert uow.orders.list(customer_id="cust-1") == []
            assert [o.id for o in uow.orders.for_subject("alice@example.fr", "cust-1")] == ["o-1"]

    def test_restricting_keeps_neither_the_ip_nor_the_phone(self, make_uow: MakeUow) -> None:
        """PRV-4 (issue #12, #19): an order kept for the accounting obligation after its
        customer's erasure loses what that obligation does not need, its after-sales data
        (the client IP address, the phone number, who moved it and why), stamped
        ``stripped_at`` as the after-sales sweep does; name, email and addresses stay. Its
        terms of sale leave the account with it; other orders are untouched."""
        kept = completed("o-1", T0 - 100 * DAY, customer_id="cust-1")
        other = completed("o-2", T0 - 100 * DAY, customer_id="cust-1")
        assert kept.ip_address is not None
        assert kept.contact.phone
        self.store(make_uow, kept, other, checkout_consent("k-1", kept))
        with make_uow() as uow:
            assert uow.orders.restrict(["o-1"], at=T0) == 1
            uow.commit()
        with make_uow() as uow:
            found = uow.orders.get("o-1")
            assert_order_stripped(kept, attrs.evolve(found, restricted_at=None))
            assert found.ip_address is None
            assert found.contact.phone == ""
            assert found.contact == attrs.evolve(kept.contact, phone="")
            assert found.billing_address == kept.billing_address
            assert found.shipping_address == kept.shipping_address
            assert uow.orders.get("o-2") == other
            assert uow.orders.restrict(["o-1"], at=T0 + DAY) == 0
        (terms,) = self.consents_of(make_uow, kept.contact.email).values()
        assert terms == attrs.evolve(checkout_consent("k-1", kept), customer_id=None)

    def test_a_deleted_orders_terms_of_sale_go_with_it(self, make_uow: MakeUow) -> None:
        """PRV-1, PRV-5 (issue #12): an order swept a day past its cutoff takes its terms
        of sale along, and the other consents given at its checkout (the person's own,
        which outlive it) lose the order link; an order a day inside its period keeps its
        own."""
        before = T0 - 10 * DAY
        gone = cancelled("o-1", before - DAY)
        kept = cancelled("o-2", before + DAY)
        self.store(
            make_uow,
            gone,
            kept,
            checkout_consent("k-1", gone),
            checkout_consent("k-2", gone, "newsletter"),
            checkout_consent("k-3", kept),
        )
        assert self.sweep_orders(make_uow, Stage.CANCELLED, before).changed == 1
        left = self.consents_of(make_uow, gone.contact.email)
        assert left == {
            "k-2": attrs.evolve(checkout_consent("k-2", gone, "newsletter"), order_id=None),
            "k-3": checkout_consent("k-3", kept),
        }
        with make_uow() as uow:
            assert uow.orders.delete(["o-2"], at=T0) == 1
            uow.commit()
        assert set(self.consents_of(make_uow, gone.contact.email)) == {"k-2"}

    def test_an_anonymised_orders_terms_of_sale_go(self, make_uow: MakeUow) -> None:
        """PRV-1, PRV-5 (issue #12): anonymising an order (a day past its ten years)
        deletes its terms of sale, which named its buyer and linked back to it, and
        unlinks the other consents of its checkout; an order a day inside keeps its own."""
        before = T0 - 3650 * DAY
        old = completed("o-1", before - DAY)
        recent = completed("o-2", before + DAY)
        self.store(
            make_uow,
            old,
            recent,
            checkout_consent("k-1", old),
            checkout_consent("k-2", old, "newsletter", granted=False),
            checkout_consent("k-3", recent),
        )
        page = self.sweep_orders(make_uow, Stage.COMPLETED, before, anonymise=True)
        assert page.changed == 1
        with make_uow() as uow:
            assert_order_anonymised(old, uow.orders.get("o-1"))
            assert uow.orders.get("o-2") == recent
        left = self.consents_of(make_uow, old.contact.email)
        assert left == {
            "k-2": attrs.evolve(
                checkout_consent("k-2", old, "newsletter", granted=False), order_id=None
            ),
            "k-3": checkout_consent("k-3", recent),
        }
        with make_uow() as uow:
            assert uow.orders.anonymise(["o-1"], at=T0) == 0  # already: nothing more
            uow.commit()
        assert set(self.consents_of(make_uow, old.contact.email)) == {"k-2", "k-3"}

    def test_erasure_deletes_and_anonymises_by_id(self, make_uow: MakeUow) -> None:
        """PRV-4: delete and anonymise take ids (unknown ones are ignored) and say how many
        changed; an erasure's anonymised order means what a sweep's does."""
        old = completed("o-2", T0 - 4000 * DAY)
        self.store(make_uow, unpaid("o-1", T0), old)
        with make_uow() as uow:
            assert uow.orders.delete(["o-1", "o-9"], at=T0) == 1
            assert uow.orders.anonymise(["o-2", "o-9"], at=T0) == 1
            assert uow.orders.delete([], at=T0) == 0
            uow.commit()
        assert self.order_ids(make_uow) == ["o-2"]
        with make_uow() as uow:
            assert_order_anonymised(old, uow.orders.get("o-2"))


# ---------------------------------------------------------------------------- support
class SupportRequestRetentionContract(_Retention):
    """What every backend must do for the support requests' retention (PRV-2, PRV-4)."""

    def test_closed_requests_are_swept_in_closing_order(self, make_uow: MakeUow) -> None:
        """PRV-2: five years from the closing; open requests never; keyset pages."""
        base = T0 - 2000 * DAY
        self.store(
            make_uow,
            request("r-2", "o-1", base, closed=base + 2 * DAY),
            request("r-1", "o-1", base, closed=base + DAY),
            request("r-3", "o-1", base, closed=T0 - DAY),
            request("r-open", "o-1", base),
        )
        before = T0 - 1826 * DAY
        with make_uow() as uow:
            first = uow.support_requests.sweep_closed(before, after=None, limit=1, dry_run=False)
            uow.commit()
        assert first.last == SweepKey(base + DAY, "r-1")
        with make_uow() as uow:
            dry = uow.support_requests.sweep_closed(before, after=first.last, limit=5, dry_run=True)
            assert (dry.examined, dry.last) == (1, SweepKey(base + 2 * DAY, "r-2"))
            rest = uow.support_requests.sweep_closed(
                before, after=first.last, limit=5, dry_run=False
            )
            uow.commit()
        assert rest.changed == 1
        with make_uow() as uow:
            left = uow.support_requests.for_orders(["o-1"])
            assert sorted(r.id for r in left) == ["r-3", "r-open"]
            assert uow.support_requests.sweep_closed(
                T0 + DAY, after=None, limit=0, dry_run=False
            ) == SweepPage(0, 0)

    def test_requests_of_orders_deleted_restricted(self, make_uow: MakeUow) -> None:
        """PRV-4: found by their orders, oldest first; deleted or unlinked by id."""
        self.store(
            make_uow,
            request("r-2", "o-1", T0),
            request("r-1", "o-2", T0 - DAY),
            request("r-3", "o-3", T0),
        )
        with make_uow() as uow:
            found = uow.support_requests.for_orders(["o-1", "o-2", "o-9"])
            assert [r.id for r in found] == ["r-1", "r-2"]
            assert uow.support_requests.for_orders([]) == []
            assert uow.support_requests.delete(["r-1", "r-9"]) == 1
            assert uow.support_requests.restrict(["r-2"]) == 1
            uow.commit()
        with make_uow() as uow:
            assert uow.support_requests.restrict(["r-2"]) == 0
            assert uow.support_requests.get("r-1") is None
            kept = uow.support_requests.get("r-2")
            assert kept is not None
            assert kept.customer_id is None
            assert kept.status is SupportStatus.OPEN


# ---------------------------------------------------------------------------- payments
class PaymentRetentionContract(_Retention):
    """What every backend must do for the payments' retention (PRV-2, PRV-4)."""

    def test_payments_of_orders_past_their_ten_years_lose_card_and_reference(
        self, make_uow: MakeUow
    ) -> None:
        """PRV-2: due when the order's clock started before the cutoff, when the order was
        anonymised, or when it is gone; never before; payments without details never."""
        old = completed("o-old", T0 - 4000 * DAY)
        young = completed("o-young", T0 - 100 * DAY)
        faded = completed("o-faded", T0 - 3000 * DAY).anonymised(T0 - DAY)
        # the order of an orphan is gone; a bare payment holds nothing personal
        orphan = paid_payment("pay-orphan", unpaid("o-gone", T0 - 4000 * DAY))
        bare = attrs.evolve(paid_payment("pay-bare", old, card=False), gateway_reference=None)
        # an old order in another stage is not this category's: its own sweep deletes it
        dropped = cancelled("o-dropped", T0 - 4000 * DAY)
        self.store(
            make_uow,
            old,
            young,
            faded,
            dropped,
            paid_payment("pay-dropped", dropped),
            paid_payment("pay-old", old),
            paid_payment("pay-young", young),
            paid_payment("pay-faded", faded),
            orphan,
            bare,
        )
        before = T0 - 3650 * DAY
        with make_uow() as uow:
            dry = uow.payments.sweep_details(
                before, anonymise=True, after=None, limit=10, dry_run=True
            )
            first = uow.payments.sweep_details(
                before, anonymise=True, after=None, limit=1, dry_run=False
            )
            rest = uow.payments.sweep_details(
                before, anonymise=True, after=first.last, limit=10, dry_run=False
            )
            uow.commit()
        assert dry.examined == 2  # the faded order's payment was created after the cutoff
        assert first.examined == 1
        assert rest.examined == 1
        with make_uow() as uow:
            for original in (paid_payment("pay-old", old), orphan):
                swept = uow.payments.get(original.id)
                assert_payment_anonymised(original, swept)
                assert swept.captured_minor == 2980
            assert uow.payments.get("pay-young").card is not None
            assert uow.payments.get("pay-faded").card is not None
            assert uow.payments.get("pay-dropped").card is not None
            assert uow.payments.get("pay-bare") == bare
            later = uow.payments.sweep_details(
                T0 - 2000 * DAY, anonymise=True, after=None, limit=10, dry_run=False
            )
            uow.commit()
        assert later.examined == 1  # the anonymised order's payment, once old enough
        with make_uow() as uow:
            assert uow.payments.get("pay-faded").gateway_reference is None
            assert uow.payments.get("pay-young").card is not None
            again = uow.payments.sweep_details(
                T0 - 2000 * DAY, anonymise=True, after=None, limit=10, dry_run=False
            )
        assert again.examined == 0

    def test_a_shop_that_deletes_deletes_the_payments(self, make_uow: MakeUow) -> None:
        """PRV-2: the ``delete`` action of ``orders.completed`` deletes them instead."""
        old = completed("o-old", T0 - 4000 * DAY)
        self.store(make_uow, old, paid_payment("pay-old", old))
        with make_uow() as uow:
            page = uow.payments.sweep_details(
                T0, anonymise=False, after=None, limit=10, dry_run=False
            )
            uow.commit()
        assert page.changed == 1
        with make_uow() as uow:
            assert uow.payments.get("pay-old") is None

    def test_a_persons_payments_and_their_cards(self, make_uow: MakeUow) -> None:
        """PRV-3, PRV-4: found through the person's orders (email or account); the card
        summary can be forgotten on its own, once."""
        mine = unpaid("o-1", T0 - DAY, customer_id="cust-1")
        theirs = unpaid("o-2", T0 - DAY, customer_id=None, email="bob@example.fr")
        self.store(
            make_uow,
            mine,
            theirs,
            paid_payment("pay-2", mine),
            attrs.evolve(paid_payment("pay-1", mine), created_at=mine.placed_at - HOUR),
            paid_payment("pay-3", theirs),
        )
        with make_uow() as uow:
            found = uow.payments.for_subject("alice@example.fr")
            assert [p.id for p in found] == ["pay-1", "pay-2"]
            assert [p.id for p in uow.payments.for_subject("x@example.fr", "cust-1")] == [
                "pay-1",
                "pay-2",
            ]
            assert uow.payments.forget_cards(["pay-1", "pay-9"]) == 1
            uow.commit()
        with make_uow() as uow:
            assert uow.payments.forget_cards(["pay-1"]) == 0
            stripped = uow.payments.get("pay-1")
            assert stripped is not None
            assert (stripped.card, stripped.gateway_reference) == (None, "ch_pay-1")
            assert uow.payments.get("pay-3").card is not None
