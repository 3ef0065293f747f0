"""X-5: the repository + unit-of-work contract, run against the in-memory backend.

:class:`RepositoryContract` holds every test and needs one fixture, ``make_uow``: a callable
that opens a new unit of work on one shared, initially empty store. A backend's test module
subclasses it (``class TestSqliteRepositories(RepositoryContract)``) and provides that
fixture; the tests only use the ports (``products``, ``reviews``, ``carts``, ``sessions``,
``commit``, ``rollback`` and the context manager), never the backend's internals.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from klickit_core.adapters.memory import MemoryStore, MemoryUnitOfWork
from klickit_core.cart.domain import Cart
from klickit_core.catalogue.domain import Product, Review, ReviewState
from klickit_core.catalogue.ports import (
    DuplicateProductError,
    ProductNotFoundError,
    ReviewNotFoundError,
)
from klickit_core.sessions.domain import VisitorSession
from klickit_core.sessions.ports import SessionNotFoundError
from klickit_core.shared.errors import ConflictError
from klickit_core.shared.money import Money
from klickit_core.testing import memory_uow

from .contract_base import ContractBase, MakeUow

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def product(sku: str, price: str = "10.00", **kw: object) -> Product:
    return Product(sku, f"Produit {sku}", Money(Decimal(price), "EUR"), **kw)  # type: ignore[arg-type]


def review(
    review_id: str,
    sku: str = "MUG",
    minutes: int = 0,
    state: ReviewState = ReviewState.PENDING,
) -> Review:
    return Review(
        id=review_id,
        sku=sku,
        rating=4,
        text="Bien",
        author_name="Alice",
        author_email="alice@example.com",
        created_at=T0 + timedelta(minutes=minutes),
        state=state,
    )


def visit(session_id: str, *recent: str) -> VisitorSession:
    return VisitorSession(session_id, T0, T0, recently_viewed=recent)


class BoomError(Exception):
    """Raised inside a unit of work to check the rollback."""


class RepositoryContract(ContractBase):
    """The behaviour every persistence adapter must have (SPEC X-5)."""

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def read_product(make_uow: MakeUow, sku: str) -> Product | None:
        with make_uow() as uow:
            result: Product | None = uow.products.get(sku)
            return result

    # ------------------------------------------------------------------ transactions
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
            uow.carts.save("c-1", Cart.of({"MUG": 1}))
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
            uow.carts.save("c-1", Cart.of({"MUG": 2}))
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

    # ------------------------------------------------------------------ products
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

    # ------------------------------------------------------------------ reviews
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

    # ------------------------------------------------------------------ carts
    def test_carts_get_save_and_empty_removes(self, make_uow: MakeUow) -> None:
        """X-5, CRT-1: saved carts by customer id; saving an empty cart removes it."""
        with make_uow() as uow:
            assert uow.carts.get("c-1") is None
            uow.carts.save("c-1", Cart.of({"MUG": 1}))
            uow.carts.save("c-2", Cart.of({"TEA": 2}))
            uow.commit()
        with make_uow() as uow:
            assert uow.carts.get("c-1") == Cart.of({"MUG": 1})
            uow.carts.save("c-1", Cart.of({"MUG": 3, "TEA": 1}))
            uow.carts.save("c-2", Cart())
            assert uow.carts.get("c-2") is None
            uow.commit()
        with make_uow() as uow:
            assert uow.carts.get("c-1") == Cart.of({"MUG": 3, "TEA": 1})
            assert uow.carts.get("c-2") is None
            uow.carts.save("never-saved", Cart())
            uow.commit()
        with make_uow() as uow:
            assert uow.carts.get("never-saved") is None

    # ------------------------------------------------------------------ sessions
    def test_sessions_add_get_save_delete(self, make_uow: MakeUow) -> None:
        """X-5, SES-1: add (duplicate id conflicts), save (missing raises), delete (idempotent)."""
        with make_uow() as uow:
            assert uow.sessions.get("s-1") is None
            uow.sessions.add(visit("s-1"))
            with pytest.raises(ConflictError):
                uow.sessions.add(visit("s-1", "MUG"))
            with pytest.raises(SessionNotFoundError):
                uow.sessions.save(visit("s-2"))
            uow.sessions.add(visit("s-3"))
            uow.commit()
        with make_uow() as uow:
            assert uow.sessions.get("s-1") == visit("s-1")
            assert uow.sessions.get("s-2") is None
            uow.sessions.save(visit("s-1", "MUG"))
            uow.sessions.delete("s-3")
            uow.sessions.delete("never-existed")
            assert uow.sessions.get("s-3") is None
            uow.commit()
        with make_uow() as uow:
            assert uow.sessions.get("s-1") == visit("s-1", "MUG")
            assert uow.sessions.get("s-3") is None
            with pytest.raises(SessionNotFoundError):
                uow.sessions.save(visit("s-3"))

    def test_deleted_session_can_be_added_again(self, make_uow: MakeUow) -> None:
        """X-5, SES-1: after a delete the id is free in the same transaction."""
        with make_uow() as uow:
            uow.sessions.add(visit("s-1"))
            uow.commit()
        with make_uow() as uow:
            uow.sessions.delete("s-1")
            uow.sessions.add(visit("s-1", "TEA"))
            uow.commit()
        with make_uow() as uow:
            assert uow.sessions.get("s-1") == visit("s-1", "TEA")


class TestMemoryRepositories(RepositoryContract):
    """The contract on :class:`MemoryStore`."""

    @pytest.fixture
    def make_uow(self) -> MakeUow:
        return MemoryStore().unit_of_work


def test_memory_uow_helper_opens_a_fresh_store_by_default() -> None:
    """X-5, X-7: ``memory_uow()`` gives a unit of work on a new store, or on the one given."""
    first, second = memory_uow(), memory_uow()
    assert isinstance(first, MemoryUnitOfWork)
    with first:
        first.products.add(product("MUG"))
        first.commit()
    with second:
        assert second.products.get("MUG") is None
    store = MemoryStore()
    with memory_uow(store) as uow:
        uow.products.add(product("TEA"))
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.products.get("TEA") == product("TEA")
