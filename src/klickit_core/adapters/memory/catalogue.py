"""Memory repositories of the catalogue context."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from klickit_core.adapters.memory.base import MISSING, MemoryTransaction
from klickit_core.adapters.memory.people import keyset_sweep
from klickit_core.catalogue.domain import (
    InvalidProductError,
    Product,
    Review,
    ReviewState,
    StockMovement,
)
from klickit_core.catalogue.ports import (
    DuplicateProductError,
    OutOfStockError,
    ProductNotFoundError,
    ProductRepository,
    ReviewNotFoundError,
    ReviewRepository,
    StockMovementRepository,
)
from klickit_core.shared.errors import ConflictError
from klickit_core.shared.sweeps import SweepKey, SweepPage

__all__ = ["MemoryProducts", "MemoryReviews", "MemoryStockMovements"]


def _check_quantity(quantity: int) -> None:
    if type(quantity) is not int or quantity < 1:
        raise InvalidProductError(field="quantity")


class MemoryProducts(ProductRepository):
    """Products in memory."""

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def get(self, sku: str) -> Product | None:
        value = self._tx.read("products", sku)
        return None if value is MISSING else value

    def get_many(self, skus: Iterable[str]) -> dict[str, Product]:
        found: dict[str, Product] = {}
        for sku in skus:
            product = self.get(sku)
            if product is not None:
                found[sku] = product
        return found

    def add(self, product: Product) -> None:
        if self._tx.read("products", product.sku) is not MISSING:
            raise DuplicateProductError(sku=product.sku)
        self._tx.write("products", product.sku, product)

    def save(self, product: Product) -> None:
        if self._tx.read("products", product.sku) is MISSING:
            raise ProductNotFoundError(sku=product.sku)
        self._tx.write("products", product.sku, product)

    def list(self, *, published_only: bool = True, category: str | None = None) -> list[Product]:
        products = [
            p
            for p in self._tx.scan("products")
            if (p.published or not published_only)
            and (category is None or category in p.categories)
        ]
        return sorted(products, key=lambda p: p.sku)

    def reserve_stock(self, sku: str, quantity: int) -> None:
        _check_quantity(quantity)
        product = self.get(sku)
        if product is None:
            raise ProductNotFoundError(sku=sku[:40])
        if product.stock is None:
            return
        if product.stock < quantity:
            raise OutOfStockError(sku=sku, available=product.stock)
        self._tx.write("products", sku, product.with_stock(product.stock - quantity))

    def release_stock(self, sku: str, quantity: int) -> None:
        _check_quantity(quantity)
        product = self.get(sku)
        if product is None or product.stock is None:
            return
        self._tx.write("products", sku, product.with_stock(product.stock + quantity))


class MemoryStockMovements(StockMovementRepository):
    """The stock journal in memory."""

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def add(self, movement: StockMovement) -> None:
        if self._tx.read("stock_movements", movement.id) is not MISSING:
            raise ConflictError(table="stock_movements")
        self._tx.write("stock_movements", movement.id, movement)

    def for_order(self, order_id: str) -> list[StockMovement]:
        moves = [m for m in self._tx.scan("stock_movements") if m.order_id == order_id]
        return sorted(moves, key=lambda m: (m.at, m.id))


class MemoryReviews(ReviewRepository):
    """Reviews in memory."""

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def get(self, review_id: str) -> Review | None:
        value = self._tx.read("reviews", review_id)
        return None if value is MISSING else value

    def add(self, review: Review) -> None:
        if self._tx.read("reviews", review.id) is not MISSING:
            raise ConflictError(table="reviews")
        self._tx.write("reviews", review.id, review)

    def save(self, review: Review) -> None:
        if self._tx.read("reviews", review.id) is MISSING:
            raise ReviewNotFoundError(review_id=review.id[:40])
        self._tx.write("reviews", review.id, review)

    def _all(self) -> list[Review]:
        return sorted(self._tx.scan("reviews"), key=lambda r: (r.created_at, r.id))

    def for_product(self, sku: str, state: ReviewState | None = None) -> list[Review]:
        return [r for r in self._all() if r.sku == sku and (state is None or r.state is state)]

    def in_state(self, state: ReviewState) -> list[Review]:
        return [r for r in self._all() if r.state is state]

    def by_author(self, email: str, customer_id: str | None = None) -> list[Review]:
        return [
            r
            for r in self._all()
            if r.author_email == email or (customer_id is not None and r.customer_id == customer_id)
        ]

    def delete(self, review_id: str) -> None:
        self._tx.write("reviews", review_id, MISSING)

    def sweep_orphan_authors(
        self,
        *,
        after: SweepKey | None,
        limit: int,
        anonymise: bool,
        dry_run: bool,
        published_before: datetime | None = None,
    ) -> SweepPage:
        def apply(review: Review) -> None:
            self._tx.write("reviews", review.id, review.anonymised() if anonymise else MISSING)

        def published_due(review: Review) -> bool:  # ``reviews.published``'s, not ours
            return published_before is not None and _published_before(review, published_before)

        return keyset_sweep(
            [
                r
                for r in self._tx.scan("reviews")
                if r.customer_id is not None
                and self._tx.read("customers", r.customer_id) is MISSING
                and not published_due(r)
            ],
            lambda r: SweepKey(None, r.id),
            apply,
            after=after,
            limit=limit,
            dry_run=dry_run,
        )

    def sweep_published(
        self,
        before: datetime,
        *,
        after: SweepKey | None,
        limit: int,
        anonymise: bool,
        dry_run: bool,
    ) -> SweepPage:
        def apply(review: Review) -> None:
            self._tx.write("reviews", review.id, review.anonymised() if anonymise else MISSING)

        due = [r for r in self._tx.scan("reviews") if _published_before(r, before)]
        return keyset_sweep(
            due,
            lambda r: SweepKey(r.moderated_at, r.id),
            apply,
            after=after,
            limit=limit,
            dry_run=dry_run,
        )


def _published_before(review: Review, cutoff: datetime) -> bool:
    """Whether ``review`` is published, published before ``cutoff`` and still signed."""
    return (
        review.state is ReviewState.APPROVED
        and review.moderated_at is not None
        and review.moderated_at < cutoff
        and not review.is_anonymised
    )
