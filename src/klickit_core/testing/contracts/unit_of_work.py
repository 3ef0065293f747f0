# ruff: noqa: S101 - test code: plain asserts
"""The unit of work's contract (X-5): one transaction, whatever the backend.

Changes become visible to other units of work only on ``commit()``; leaving the block
without committing, or with an exception, leaves nothing behind; uncommitted work is
invisible to another unit of work while the writer reads its own writes; a write based on
a stale read is refused with :class:`~klickit_core.shared.errors.ConflictError` instead
of overwriting a concurrent change (read committed with lost-update protection); and one
transaction spans the repositories of every context.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from klickit_core.cart.domain import Cart
from klickit_core.shared.errors import ConflictError
from klickit_core.testing.contracts.base import ContractBase, MakeUow
from klickit_core.testing.contracts.builders import (
    T0,
    at,
    consent,
    customer,
    entry,
    movement,
    order,
    payment,
    product,
    review,
    support_request,
    visit,
)

__all__ = ["BoomError", "UnitOfWorkContract"]


class BoomError(Exception):
    """Raised inside a unit of work to check the rollback."""


class UnitOfWorkContract(ContractBase):
    """How every backend's unit of work behaves (SPEC X-5)."""

    def test_commit_makes_writes_visible(self, make_uow: MakeUow) -> None:
        """X-5: after commit another unit of work sees the change."""
        self.seed(make_uow, product("MUG"))
        assert self.read_product(make_uow, "MUG") == product("MUG")

    def test_uncommitted_writes_are_invisible_to_others(self, make_uow: MakeUow) -> None:
        """X-5: isolation: a transaction's writes stay private until commit, while the writer
        reads its own writes."""
        self.seed(make_uow, product("MUG"))
        with make_uow() as writer:
            writer.products.add(product("TEA"))
            writer.products.save(product("MUG", "99.00"))
            assert writer.products.get("TEA") == product("TEA")
            assert writer.products.get("MUG") == product("MUG", "99.00")
            assert [p.sku for p in writer.products.list()] == ["MUG", "TEA"]
            with make_uow() as reader:
                assert reader.products.get("TEA") is None
                assert reader.products.get("MUG") == product("MUG")
                assert reader.products.get_many(["MUG", "TEA"]) == {"MUG": product("MUG")}
                assert [p.sku for p in reader.products.list()] == ["MUG"]
            writer.commit()
        assert self.read_product(make_uow, "TEA") == product("TEA")
        assert self.read_product(make_uow, "MUG") == product("MUG", "99.00")

    def test_leaving_without_commit_rolls_back(self, make_uow: MakeUow) -> None:
        """X-5: a block left without commit changes nothing."""
        self.seed(make_uow, product("MUG"))
        with make_uow() as uow:
            uow.products.add(product("TEA"))
            uow.products.save(product("MUG", "1.00"))
            uow.sessions.add(visit("s-1"))
            uow.reviews.add(review("r-1"))
            uow.carts.save("c-1", Cart.of({"MUG": 1}), at=T0)
        with make_uow() as uow:
            assert uow.products.get("TEA") is None
            assert uow.products.get("MUG") == product("MUG")
            assert uow.sessions.get("s-1") is None
            assert uow.reviews.get("r-1") is None
            assert uow.carts.get("c-1") is None

    def test_exception_rolls_back(self, make_uow: MakeUow) -> None:
        """X-5, X-9: an exception inside the block leaves no half-written change."""
        self.seed(make_uow, product("MUG"))

        def fail_midway() -> None:
            with make_uow() as uow:
                uow.products.save(product("MUG", "1.00"))
                uow.products.add(product("TEA"))
                raise BoomError

        with pytest.raises(BoomError):
            fail_midway()
        assert self.read_product(make_uow, "MUG") == product("MUG")
        assert self.read_product(make_uow, "TEA") is None

    def test_explicit_rollback_forgets_pending_writes(self, make_uow: MakeUow) -> None:
        """X-5: rollback drops what was not committed; committed work stays."""
        with make_uow() as uow:
            uow.products.add(product("MUG"))
            uow.commit()
            uow.products.add(product("TEA"))
            uow.rollback()
            assert uow.products.get("TEA") is None
            uow.commit()
        assert self.read_product(make_uow, "MUG") == product("MUG")
        assert self.read_product(make_uow, "TEA") is None

    def test_commit_applies_every_write_of_every_repository(self, make_uow: MakeUow) -> None:
        """X-5: one commit covers products, reviews, carts and sessions together."""
        with make_uow() as uow:
            uow.products.add(product("MUG"))
            uow.reviews.add(review("r-1"))
            uow.carts.save("c-1", Cart.of({"MUG": 2}), at=T0)
            uow.sessions.add(visit("s-1", "MUG"))
            uow.commit()
        with make_uow() as uow:
            assert uow.products.get("MUG") == product("MUG")
            assert uow.reviews.get("r-1") == review("r-1")
            assert uow.carts.get("c-1") == Cart.of({"MUG": 2})
            assert uow.sessions.get("s-1") == visit("s-1", "MUG")

    def test_lost_update_is_refused(self, make_uow: MakeUow) -> None:
        """X-5: two transactions read the same product and both save; the second commit
        raises ConflictError and the first one's value stays."""
        self.seed(make_uow, product("MUG", stock=5))
        with make_uow() as first, make_uow() as second:
            seen_first = first.products.get("MUG")
            seen_second = second.products.get("MUG")
            assert seen_first == seen_second == product("MUG", stock=5)
            first.products.save(seen_first.with_stock(4))
            second.products.save(seen_second.with_stock(3))
            first.commit()
            with pytest.raises(ConflictError):
                second.commit()
        assert self.read_product(make_uow, "MUG") == product("MUG", stock=4)

    def test_lost_update_is_refused_after_reading_through_list(self, make_uow: MakeUow) -> None:
        """X-5: a product read through ``list`` (a back-office stock page) and saved after
        another transaction changed it must conflict too: the value the first transaction
        saw is the listed one, not whatever is current when it saves."""
        self.seed(make_uow, product("MUG", stock=5))
        with make_uow() as page, make_uow() as checkout:
            (listed,) = page.products.list()
            sold = checkout.products.get("MUG")
            checkout.products.save(sold.with_stock(sold.stock - 1))
            checkout.commit()
            page.products.save(listed.with_stock(listed.stock + 10))  # restock 5 -> 15
            with pytest.raises(ConflictError):
                page.commit()
        assert self.read_product(make_uow, "MUG") == product("MUG", stock=4)

    def test_conflicting_commit_is_atomic(self, make_uow: MakeUow) -> None:
        """X-5: when one write of a transaction conflicts, none of its writes is applied."""
        self.seed(make_uow, product("MUG"), product("TEA"))
        with make_uow() as loser, make_uow() as winner:
            loser.products.save(product("MUG", "1.00"))
            loser.products.add(product("BOOK"))
            loser.sessions.add(visit("s-1"))
            loser.products.save(product("TEA", "1.00"))
            winner.products.save(product("TEA", "2.00"))
            winner.commit()
            with pytest.raises(ConflictError):
                loser.commit()
        with make_uow() as uow:
            assert uow.products.get("MUG") == product("MUG")
            assert uow.products.get("BOOK") is None
            assert uow.products.get("TEA") == product("TEA", "2.00")
            assert uow.sessions.get("s-1") is None

    def test_concurrent_inserts_of_the_same_key_conflict(self, make_uow: MakeUow) -> None:
        """X-5: two transactions adding the same new SKU: the second commit conflicts."""
        with make_uow() as first, make_uow() as second:
            first.products.add(product("MUG", "1.00"))
            second.products.add(product("MUG", "2.00"))
            first.commit()
            with pytest.raises(ConflictError):
                second.commit()
        assert self.read_product(make_uow, "MUG") == product("MUG", "1.00")

    def test_save_after_a_concurrent_delete_conflicts(self, make_uow: MakeUow) -> None:
        """X-5: saving a session another transaction ended meanwhile does not resurrect it."""
        with make_uow() as uow:
            uow.sessions.add(visit("s-1"))
            uow.commit()
        with make_uow() as late, make_uow() as logout:
            late.sessions.save(visit("s-1", "MUG"))
            logout.sessions.delete("s-1")
            logout.commit()
            with pytest.raises(ConflictError):
                late.commit()
        with make_uow() as uow:
            assert uow.sessions.get("s-1") is None

    def test_disjoint_transactions_both_commit(self, make_uow: MakeUow) -> None:
        """X-5: only writes to the same key conflict."""
        self.seed(make_uow, product("MUG"), product("TEA"))
        with make_uow() as first, make_uow() as second:
            first.products.save(product("MUG", "1.00"))
            second.products.save(product("TEA", "2.00"))
            first.commit()
            second.commit()
        assert self.read_product(make_uow, "MUG") == product("MUG", "1.00")
        assert self.read_product(make_uow, "TEA") == product("TEA", "2.00")

    def test_a_unit_of_work_can_be_reused(self, make_uow: MakeUow) -> None:
        """X-5: the same object runs several transactions one after the other."""
        uow = make_uow()
        with uow:
            uow.products.add(product("MUG"))
            uow.commit()
        with uow:
            uow.products.add(product("TEA"))
        with uow:
            assert uow.products.get("MUG") == product("MUG")
            assert uow.products.get("TEA") is None

    def test_parallel_stock_decrements_never_lose_an_update(self, make_uow: MakeUow) -> None:
        """X-5: threads decrementing one stock with retry-on-conflict end at exactly zero."""
        self.seed(make_uow, product("MUG", stock=40))
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                for _ in range(10):
                    while True:
                        try:
                            with make_uow() as uow:
                                current = uow.products.get("MUG")
                                uow.products.save(current.with_stock(current.stock - 1))
                                uow.commit()
                            break
                        except ConflictError:
                            continue
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert self.read_product(make_uow, "MUG") == product("MUG", stock=0)

    def test_one_transaction_spans_every_new_repository(self, make_uow: MakeUow) -> None:
        """X-5, CHK-4: placing an order writes many repositories; they commit together or
        roll back together."""

        def write_everything(uow: Any) -> None:
            uow.products.reserve_stock("MUG", 2)
            uow.stock_movements.add(movement("m-1", "order-1", 0, -2))
            uow.orders.add(order("order-1"))
            uow.support_requests.add(support_request("r-1", "order-1"))
            uow.customers.add(customer("c-1", "camille@example.fr"))
            uow.credentials.set_password_hash("c-1", "$argon2id$x")
            uow.consents.add(consent("k-1", "camille@example.fr", 0))
            uow.access_log.add(entry("e-1", "manager-1", "c-1", 0))
            uow.payments.add(payment("pay-1"))
            uow.processed_events.record("evt_1", at(0))

        def everything(uow: Any) -> list[object]:
            return [
                uow.products.get("MUG").stock,
                uow.stock_movements.for_order("order-1"),
                uow.orders.get("order-1"),
                uow.support_requests.get("r-1"),
                uow.customers.get("c-1"),
                uow.credentials.password_hash("c-1"),
                uow.consents.for_subject("camille@example.fr"),
                uow.access_log.entries(),
                uow.payments.get("pay-1"),
                uow.processed_events.seen("evt_1"),
            ]

        self.seed(make_uow, product("MUG", stock=10))
        nothing: list[object] = [10, [], None, None, None, None, [], [], None, False]
        with make_uow() as uow:
            write_everything(uow)
        with make_uow() as uow:
            assert everything(uow) == nothing
        with make_uow() as uow:
            write_everything(uow)
            uow.commit()
        with make_uow() as uow:
            assert everything(uow) == [
                8,
                [movement("m-1", "order-1", 0, -2)],
                order("order-1"),
                support_request("r-1", "order-1"),
                customer("c-1", "camille@example.fr"),
                "$argon2id$x",
                [consent("k-1", "camille@example.fr", 0)],
                [entry("e-1", "manager-1", "c-1", 0)],
                payment("pay-1"),
                True,
            ]
