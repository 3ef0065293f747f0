# ruff: noqa: S101 - test code: plain asserts
"""The catalogue's repository contract (X-5, CAT-1, CAT-2, CHK-4): products, stock
reservations and their journal, reviews."""

from __future__ import annotations

import threading
import time

import pytest

from klickit_core.catalogue.domain import ReviewState
from klickit_core.catalogue.ports import (
    DuplicateProductError,
    OutOfStockError,
    ProductNotFoundError,
    ReviewNotFoundError,
)
from klickit_core.shared.errors import ConflictError
from klickit_core.testing.contracts.base import ContractBase, MakeUow
from klickit_core.testing.contracts.builders import T0, movement, product, review

__all__ = ["CatalogueContract"]


class CatalogueContract(ContractBase):
    """What every backend must do for products, stock and reviews."""

    def test_products_get_unknown_is_none(self, make_uow: MakeUow) -> None:
        """X-5, CAT-1: get returns None for an unknown SKU."""
        with make_uow() as uow:
            assert uow.products.get("NOPE") is None

    def test_products_get_returns_unpublished_too(self, make_uow: MakeUow) -> None:
        """X-5, CAT-1: the repository does not filter publication; services do."""
        self.seed(make_uow, product("HIDDEN", published=False))
        assert self.read_product(make_uow, "HIDDEN") == product("HIDDEN", published=False)

    def test_products_get_many(self, make_uow: MakeUow) -> None:
        """X-5, CAT-1: the existing products among the SKUs, by SKU; repeats and unknown SKUs
        are fine; any iterable works."""
        self.seed(make_uow, product("MUG"), product("TEA"), product("BOOK", published=False))
        with make_uow() as uow:
            found = uow.products.get_many(iter(["TEA", "NOPE", "BOOK", "TEA"]))
            assert found == {"TEA": product("TEA"), "BOOK": product("BOOK", published=False)}
            assert uow.products.get_many([]) == {}

    def test_products_add_duplicate(self, make_uow: MakeUow) -> None:
        """X-5, CAT-1: adding an existing SKU raises DuplicateProductError (committed or
        pending)."""
        self.seed(make_uow, product("MUG"))
        with make_uow() as uow:
            with pytest.raises(DuplicateProductError):
                uow.products.add(product("MUG", "2.00"))
            uow.products.add(product("TEA"))
            with pytest.raises(DuplicateProductError):
                uow.products.add(product("TEA", "2.00"))
            uow.commit()
        assert self.read_product(make_uow, "MUG") == product("MUG")
        assert self.read_product(make_uow, "TEA") == product("TEA")

    def test_products_save_missing(self, make_uow: MakeUow) -> None:
        """X-5, CAT-1: saving a product that does not exist raises ProductNotFoundError."""
        with make_uow() as uow:
            with pytest.raises(ProductNotFoundError):
                uow.products.save(product("NOPE"))
            uow.commit()
        assert self.read_product(make_uow, "NOPE") is None

    def test_products_list_filters_and_orders(self, make_uow: MakeUow) -> None:
        """X-5, CAT-1: ordered by SKU; published only by default; category filter."""
        self.seed(
            make_uow,
            product("ZED", categories=("maison",)),
            product("ABC", categories=("livres", "maison")),
            product("MID", categories=("livres",), published=False),
            product("NOCAT"),
        )
        with make_uow() as uow:
            assert [p.sku for p in uow.products.list()] == ["ABC", "NOCAT", "ZED"]
            assert [p.sku for p in uow.products.list(published_only=False)] == [
                "ABC",
                "MID",
                "NOCAT",
                "ZED",
            ]
            assert [p.sku for p in uow.products.list(category="maison")] == ["ABC", "ZED"]
            assert [p.sku for p in uow.products.list(category="livres")] == ["ABC"]
            assert [p.sku for p in uow.products.list(published_only=False, category="livres")] == [
                "ABC",
                "MID",
            ]
            assert uow.products.list(category="jouets") == []

    def test_reserve_stock_takes_from_tracked_stock(self, make_uow: MakeUow) -> None:
        """CHK-4: reservations decrement the stock; the transaction sees its own
        reservations add up; commit makes them visible."""
        self.seed(make_uow, product("MUG", stock=10))
        with make_uow() as uow:
            uow.products.reserve_stock("MUG", 3)
            uow.products.reserve_stock("MUG", 2)
            assert uow.products.get("MUG").stock == 5
            uow.commit()
        assert self.stock(make_uow, "MUG") == 5

    def test_reserve_stock_may_take_the_last_unit_but_never_below_zero(
        self, make_uow: MakeUow
    ) -> None:
        """CHK-4: the whole stock may go; one more is OutOfStockError, which says how many
        are left, and changes nothing (not even within the transaction)."""
        self.seed(make_uow, product("MUG", stock=3), product("TEA", stock=5))
        with make_uow() as uow:
            uow.products.reserve_stock("TEA", 1)
            with pytest.raises(OutOfStockError) as raised:
                uow.products.reserve_stock("MUG", 4)
            assert raised.value.details == {"sku": "MUG", "available": 3}
            assert uow.products.get("MUG").stock == 3
            uow.products.reserve_stock("MUG", 3)
            with pytest.raises(OutOfStockError):
                uow.products.reserve_stock("MUG", 1)
            assert uow.products.get("MUG").stock == 0
            uow.commit()
        assert self.stock(make_uow, "MUG") == 0
        assert self.stock(make_uow, "TEA") == 4

    def test_failed_reservation_in_a_fresh_transaction_leaves_stock_alone(
        self, make_uow: MakeUow
    ) -> None:
        """CHK-4, X-9: a refused reservation followed by a commit writes nothing."""
        self.seed(make_uow, product("MUG", stock=2))
        with make_uow() as uow:
            with pytest.raises(OutOfStockError):
                uow.products.reserve_stock("MUG", 3)
            uow.commit()
        assert self.stock(make_uow, "MUG") == 2

    def test_untracked_stock_is_left_untouched(self, make_uow: MakeUow) -> None:
        """CHK-4: a product without stock tracking is always available and stays
        untracked through reservations and releases."""
        self.seed(make_uow, product("EBOOK", stock=None))
        with make_uow() as uow:
            uow.products.reserve_stock("EBOOK", 10_000)
            uow.products.release_stock("EBOOK", 3)
            assert uow.products.get("EBOOK").stock is None
            uow.commit()
        assert self.stock(make_uow, "EBOOK") is None

    def test_reserving_an_unknown_product_is_not_found(self, make_uow: MakeUow) -> None:
        """X-9: ProductNotFoundError, not a crash."""
        with make_uow() as uow, pytest.raises(ProductNotFoundError):
            uow.products.reserve_stock("NOPE", 1)

    def test_release_stock_gives_units_back(self, make_uow: MakeUow) -> None:
        """ORD-1: a cancelled or failed order's units come back."""
        self.seed(make_uow, product("MUG", stock=10))
        with make_uow() as uow:
            uow.products.reserve_stock("MUG", 4)
            uow.commit()
        with make_uow() as uow:
            uow.products.release_stock("MUG", 4)
            uow.products.release_stock("MUG", 1)
            assert uow.products.get("MUG").stock == 11
            uow.commit()
        assert self.stock(make_uow, "MUG") == 11

    def test_reservations_roll_back_with_their_transaction(self, make_uow: MakeUow) -> None:
        """CHK-4, X-5: a checkout that fails after reserving leaves the stock as it was."""
        self.seed(make_uow, product("MUG", stock=10))
        with make_uow() as uow:
            uow.products.reserve_stock("MUG", 4)
            uow.stock_movements.add(movement("m-1", "order-1", 0, -4))
        assert self.stock(make_uow, "MUG") == 10
        with make_uow() as uow:
            assert uow.stock_movements.for_order("order-1") == []

    def test_concurrent_reservations_of_the_same_stock_conflict(self, make_uow: MakeUow) -> None:
        """CHK-4: two transactions reserving the last units: the second commit conflicts
        instead of overselling."""
        self.seed(make_uow, product("MUG", stock=1))
        with make_uow() as first, make_uow() as second:
            first.products.reserve_stock("MUG", 1)
            second.products.reserve_stock("MUG", 1)
            first.commit()
            with pytest.raises(ConflictError):
                second.commit()
        assert self.stock(make_uow, "MUG") == 0

    def test_twenty_threads_never_oversell_ten_units(self, make_uow: MakeUow) -> None:
        """CHK-4: "never oversell, also under concurrent checkouts": 20 threads each
        reserve one unit of a stock of 10 in their own unit of work, retrying on conflict:
        exactly 10 succeed, 10 are told it is sold out, the stock ends at 0 and the journal
        holds 10 reservations."""
        self.seed(make_uow, product("MUG", stock=10))
        workers = 20
        max_attempts = 200
        barrier = threading.Barrier(workers)
        lock = threading.Lock()
        outcomes: list[str] = []
        errors: list[BaseException] = []

        def checkout(number: int) -> None:
            try:
                barrier.wait(timeout=10)
                for _attempt in range(max_attempts):
                    try:
                        with make_uow() as uow:
                            uow.products.reserve_stock("MUG", 1)
                            time.sleep(0.001)  # the rest of the checkout: others run now
                            uow.stock_movements.add(movement(f"m-{number}", f"order-{number}", 0))
                            uow.commit()
                        result = "sold"
                    except OutOfStockError:
                        result = "sold_out"
                    except ConflictError:
                        continue  # someone else won this round: try again
                    with lock:
                        outcomes.append(result)
                    return
                with lock:
                    outcomes.append("gave_up")
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=checkout, args=(n,)) for n in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        assert not any(thread.is_alive() for thread in threads)
        assert sorted(outcomes) == ["sold"] * 10 + ["sold_out"] * 10
        assert self.stock(make_uow, "MUG") == 0
        with make_uow() as uow:
            journal = [
                m for n in range(workers) for m in uow.stock_movements.for_order(f"order-{n}")
            ]
        assert len(journal) == 10
        assert sum(m.delta for m in journal) == -10

    def test_stock_movements_for_an_order_oldest_first(self, make_uow: MakeUow) -> None:
        """CHK-4, ORD-1: the journal of one order, oldest first whatever the insertion
        order; other orders' and unattached movements are left out."""
        with make_uow() as uow:
            uow.stock_movements.add(movement("m-3", "order-1", 30, +2))
            uow.stock_movements.add(movement("m-1", "order-1", 10, -2))
            uow.stock_movements.add(movement("m-2", "order-2", 20))
            uow.stock_movements.add(movement("m-0", None, 0, +5))
            uow.commit()
        with make_uow() as uow:
            assert [m.id for m in uow.stock_movements.for_order("order-1")] == ["m-1", "m-3"]
            assert uow.stock_movements.for_order("order-1")[0] == movement("m-1", "order-1", 10, -2)
            assert [m.id for m in uow.stock_movements.for_order("order-2")] == ["m-2"]
            assert uow.stock_movements.for_order("order-3") == []

    def test_reviews_get_add_save(self, make_uow: MakeUow) -> None:
        """X-5, CAT-2: add, get, save (moderation), duplicate id and missing review."""
        with make_uow() as uow:
            uow.reviews.add(review("r-1"))
            with pytest.raises(ConflictError):
                uow.reviews.add(review("r-1", sku="TEA"))
            with pytest.raises(ReviewNotFoundError):
                uow.reviews.save(review("r-2"))
            uow.commit()
        approved = review("r-1").moderated(ReviewState.APPROVED, by="m", at=T0)
        with make_uow() as uow:
            assert uow.reviews.get("r-1") == review("r-1")
            assert uow.reviews.get("r-2") is None
            uow.reviews.save(approved)
            uow.commit()
        with make_uow() as uow:
            assert uow.reviews.get("r-1") == approved

    def test_reviews_for_product_and_in_state_oldest_first(self, make_uow: MakeUow) -> None:
        """X-5, CAT-2: for_product (optionally by state) and in_state, oldest first whatever
        the insertion order."""
        with make_uow() as uow:
            uow.reviews.add(review("c", "MUG", minutes=30))
            uow.reviews.add(review("a", "MUG", minutes=10, state=ReviewState.APPROVED))
            uow.reviews.add(review("d", "TEA", minutes=5))
            uow.reviews.add(review("b", "MUG", minutes=20, state=ReviewState.REJECTED))
            uow.reviews.add(review("e", "MUG", minutes=0, state=ReviewState.APPROVED))
            uow.commit()
        with make_uow() as uow:
            assert [r.id for r in uow.reviews.for_product("MUG")] == ["e", "a", "b", "c"]
            assert [r.id for r in uow.reviews.for_product("MUG", ReviewState.APPROVED)] == [
                "e",
                "a",
            ]
            assert [r.id for r in uow.reviews.for_product("MUG", ReviewState.PENDING)] == ["c"]
            assert uow.reviews.for_product("NOPE") == []
            assert [r.id for r in uow.reviews.in_state(ReviewState.PENDING)] == ["d", "c"]
            assert [r.id for r in uow.reviews.in_state(ReviewState.REJECTED)] == ["b"]

    def test_reviews_listing_sees_pending_writes(self, make_uow: MakeUow) -> None:
        """X-5, CAT-2: queries run on what this transaction sees (its own moderation)."""
        with make_uow() as uow:
            uow.reviews.add(review("r-1"))
            uow.commit()
        with make_uow() as uow:
            uow.reviews.save(review("r-1").moderated(ReviewState.REJECTED, by="m", at=T0))
            assert uow.reviews.in_state(ReviewState.PENDING) == []
            assert [r.id for r in uow.reviews.in_state(ReviewState.REJECTED)] == ["r-1"]
