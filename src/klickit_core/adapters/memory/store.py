"""The in-memory store and its unit of work.

Values are the frozen domain objects themselves, so a transaction needs no copies: it
keeps an overlay of its writes, reads through it, and at commit checks that every key it
wrote still holds the value it saw first (identity check), then applies the overlay
atomically under the store's lock. That gives read-committed isolation with lost-update
protection, which is what the SQL backend provides with row locks.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterable, Iterator
from typing import Any, Final, cast

from klickit_core.cart.domain import Cart
from klickit_core.cart.ports import CartRepository
from klickit_core.catalogue.domain import Product, Review, ReviewState
from klickit_core.catalogue.ports import (
    DuplicateProductError,
    ProductNotFoundError,
    ProductRepository,
    ReviewNotFoundError,
    ReviewRepository,
)
from klickit_core.sessions.domain import VisitorSession
from klickit_core.sessions.ports import SessionNotFoundError, SessionRepository
from klickit_core.shared.errors import ConflictError
from klickit_core.shared.unit_of_work import UnitOfWork

__all__ = ["MemoryStore", "MemoryUnitOfWork"]

_MISSING: Final = object()
_TABLES = ("products", "reviews", "carts", "sessions")


class MemoryStore:
    """The committed state: one dict per table, guarded by a lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tables: dict[str, dict[Hashable, object]] = {name: {} for name in _TABLES}

    def unit_of_work(self) -> MemoryUnitOfWork:
        """A new unit of work on this store."""
        return MemoryUnitOfWork(self)


class MemoryUnitOfWork(UnitOfWork):
    """One transaction on a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._writes: dict[str, dict[Hashable, object]] = {}
        self._seen: dict[tuple[str, Hashable], object] = {}
        self.products: ProductRepository = _Products(self)
        self.reviews: ReviewRepository = _Reviews(self)
        self.carts: CartRepository = _Carts(self)
        self.sessions: SessionRepository = _Sessions(self)

    # ------------------------------------------------------------------ transaction
    def _begin(self) -> None:
        self._writes = {}
        self._seen = {}

    def commit(self) -> None:
        with self._store.lock:
            for table, writes in self._writes.items():
                current = self._store.tables[table]
                for key in writes:
                    if current.get(key, _MISSING) is not self._seen[(table, key)]:
                        raise ConflictError(table=table)
            for table, writes in self._writes.items():
                target = self._store.tables[table]
                for key, value in writes.items():
                    if value is _MISSING:
                        target.pop(key, None)
                    else:
                        target[key] = value
        self._writes = {}
        self._seen = {}

    def rollback(self) -> None:
        self._writes = {}
        self._seen = {}

    # ------------------------------------------------------------------ table access
    def read(self, table: str, key: Hashable) -> object:
        """The value of ``key`` as this transaction sees it, or ``_MISSING``."""
        writes = self._writes.get(table)
        if writes is not None and key in writes:
            return writes[key]
        value = self._store.tables[table].get(key, _MISSING)
        # The first value seen is what a later write of this key must still find at commit.
        self._seen.setdefault((table, key), value)
        return value

    def write(self, table: str, key: Hashable, value: object) -> None:
        """Stage ``value`` (``_MISSING`` deletes) for commit."""
        self._seen.setdefault((table, key), self._store.tables[table].get(key, _MISSING))
        self._writes.setdefault(table, {})[key] = value

    def scan(self, table: str) -> Iterator[Any]:
        """Every live value of ``table`` as this transaction sees it."""
        with self._store.lock:
            merged = dict(self._store.tables[table])
        for key, value in merged.items():  # what was read may not be overwritten unseen
            self._seen.setdefault((table, key), value)
        merged.update(self._writes.get(table, {}))
        return (value for value in merged.values() if value is not _MISSING)


class _Products(ProductRepository):
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def get(self, sku: str) -> Product | None:
        value = self._uow.read("products", sku)
        return None if value is _MISSING else cast(Product, value)

    def get_many(self, skus: Iterable[str]) -> dict[str, Product]:
        found: dict[str, Product] = {}
        for sku in skus:
            product = self.get(sku)
            if product is not None:
                found[sku] = product
        return found

    def add(self, product: Product) -> None:
        if self._uow.read("products", product.sku) is not _MISSING:
            raise DuplicateProductError(sku=product.sku)
        self._uow.write("products", product.sku, product)

    def save(self, product: Product) -> None:
        if self._uow.read("products", product.sku) is _MISSING:
            raise ProductNotFoundError(sku=product.sku)
        self._uow.write("products", product.sku, product)

    def list(self, *, published_only: bool = True, category: str | None = None) -> list[Product]:
        products = [
            p
            for p in cast(Iterator[Product], self._uow.scan("products"))
            if (p.published or not published_only)
            and (category is None or category in p.categories)
        ]
        return sorted(products, key=lambda p: p.sku)


class _Reviews(ReviewRepository):
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def get(self, review_id: str) -> Review | None:
        value = self._uow.read("reviews", review_id)
        return None if value is _MISSING else cast(Review, value)

    def add(self, review: Review) -> None:
        if self._uow.read("reviews", review.id) is not _MISSING:
            raise ConflictError(table="reviews")
        self._uow.write("reviews", review.id, review)

    def save(self, review: Review) -> None:
        if self._uow.read("reviews", review.id) is _MISSING:
            raise ReviewNotFoundError(review_id=review.id[:40])
        self._uow.write("reviews", review.id, review)

    def _all(self) -> list[Review]:
        reviews = cast(Iterator[Review], self._uow.scan("reviews"))
        return sorted(reviews, key=lambda r: (r.created_at, r.id))

    def for_product(self, sku: str, state: ReviewState | None = None) -> list[Review]:
        return [r for r in self._all() if r.sku == sku and (state is None or r.state is state)]

    def in_state(self, state: ReviewState) -> list[Review]:
        return [r for r in self._all() if r.state is state]


class _Carts(CartRepository):
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def get(self, customer_id: str) -> Cart | None:
        value = self._uow.read("carts", customer_id)
        return None if value is _MISSING else cast(Cart, value)

    def save(self, customer_id: str, cart: Cart) -> None:
        self._uow.write("carts", customer_id, _MISSING if cart.is_empty else cart)


class _Sessions(SessionRepository):
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def get(self, session_id: str) -> VisitorSession | None:
        value = self._uow.read("sessions", session_id)
        return None if value is _MISSING else cast(VisitorSession, value)

    def add(self, session: VisitorSession) -> None:
        if self._uow.read("sessions", session.id) is not _MISSING:
            raise ConflictError(table="sessions")
        self._uow.write("sessions", session.id, session)

    def save(self, session: VisitorSession) -> None:
        if self._uow.read("sessions", session.id) is _MISSING:
            raise SessionNotFoundError
        self._uow.write("sessions", session.id, session)

    def delete(self, session_id: str) -> None:
        self._uow.write("sessions", session_id, _MISSING)
