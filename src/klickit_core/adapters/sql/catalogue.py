"""SQL repositories of the catalogue: products (with their categories and stock), the stock
journal and reviews.

Stock is taken without reading it under a lock: a reservation is written at commit as one
guarded statement, ``UPDATE products SET stock = stock - :q, version = version + 1 WHERE
sku = :sku AND stock >= :q``. Concurrent checkouts of one product therefore all succeed
while there is stock, queue for a few milliseconds on the row (PostgreSQL re-checks the
guard on the row as the previous checkout left it), and the one that finds too little
gets :class:`~klickit_core.catalogue.ports.OutOfStockError`: the stock can never go below
zero. The version bump makes a back-office edit based on an older read conflict instead
of overwriting the count.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, exists, literal_column, or_, select, update

from klickit_core.adapters.sql.base import (
    MISSING,
    FamilyAggregate,
    Loaded,
    RowSet,
    SqlTransaction,
    TableAggregate,
)
from klickit_core.adapters.sql.errors import Context
from klickit_core.adapters.sql.people import keyset_sweep
from klickit_core.adapters.sql.tables import (
    PUBLISHED_SIGNED,
    customers,
    product_categories,
    products,
    reviews,
    stock_movements,
)
from klickit_core.catalogue.domain import (
    InvalidProductError,
    Product,
    Review,
    ReviewState,
    StockMovement,
    StockReason,
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
from klickit_core.shared.money import Money
from klickit_core.shared.sweeps import SweepKey, SweepPage
from klickit_core.shared.vat import VatClass

__all__ = [
    "PRODUCTS",
    "REVIEWS",
    "STOCK_MOVEMENTS",
    "SqlProducts",
    "SqlReviews",
    "SqlStockMovements",
]


class _Products(FamilyAggregate[str, Product]):
    table = products
    key_column = "sku"
    children = (product_categories,)
    consistent = False  # see FamilyAggregate: a torn read only mixes in newer categories

    def rows(self, value: Product) -> RowSet:
        return [
            (
                products,
                [
                    {
                        "sku": value.sku,
                        "name": value.name,
                        "price_minor": value.price_minor,
                        "currency": value.price.currency,
                        "vat_class": value.vat_class.value,
                        "description": value.description,
                        "stock": value.stock,
                        "published": value.published,
                        "weight_grams": value.weight_grams,
                    }
                ],
            ),
            (
                product_categories,
                [
                    {"sku": value.sku, "position": position, "category": category}
                    for position, category in enumerate(value.categories)
                ],
            ),
        ]

    def build(
        self, root: Mapping[Any, Any], children: Mapping[Any, list[Mapping[Any, Any]]]
    ) -> Product:
        return Product(
            sku=root["sku"],
            name=root["name"],
            price=Money.from_minor_units(root["price_minor"], root["currency"]),
            vat_class=VatClass(root["vat_class"]),
            description=root["description"],
            stock=root["stock"],
            published=root["published"],
            categories=tuple(row["category"] for row in children[product_categories]),
            weight_grams=root["weight_grams"],
        )

    def context(self, value: Product) -> Context:
        return {"sku": value.sku}

    def apply_delta(self, tx: SqlTransaction, key: str, delta: int) -> None:
        """The guarded stock change of the module docstring; when the guard refuses,
        tell why as the memory backend would (gone, untracked, or too few left)."""
        if delta == 0:
            return
        statement = (
            update(products)
            .where(products.c.sku == key)
            .values(stock=products.c.stock + delta, version=products.c.version + 1)
        )
        if delta > 0:  # a release: only tracked stock comes back
            tx.execute(statement.where(products.c.stock.is_not(None)))
            return
        if tx.execute(statement.where(products.c.stock >= -delta)).rowcount == 1:
            return
        found = tx.fetch(select(products.c.stock).where(products.c.sku == key))
        if not found:
            raise ProductNotFoundError(sku=key[:40])
        stock = found[0].stock
        if stock is not None:  # an untracked stock has nothing to take
            raise OutOfStockError(sku=key, available=stock)


class _StockMovements(TableAggregate[str, StockMovement]):
    table = stock_movements
    key_column = "id"
    versioned = False

    def to_row(self, value: StockMovement) -> dict[str, Any]:
        return {
            "id": value.id,
            "sku": value.sku,
            "delta": value.delta,
            "reason": value.reason.value,
            "at": value.at,
            "order_id": value.order_id,
        }

    def from_row(self, row: Mapping[Any, Any]) -> StockMovement:
        return StockMovement(
            id=row["id"],
            sku=row["sku"],
            delta=row["delta"],
            reason=StockReason(row["reason"]),
            at=row["at"],
            order_id=row["order_id"],
        )


class _Reviews(TableAggregate[str, Review]):
    table = reviews
    key_column = "id"

    def to_row(self, value: Review) -> dict[str, Any]:
        return {
            "id": value.id,
            "sku": value.sku,
            "rating": value.rating,
            "text": value.text,
            "author_name": value.author_name,
            "author_email": value.author_email,
            "created_at": value.created_at,
            "customer_id": value.customer_id,
            "state": value.state.value,
            "moderated_at": value.moderated_at,
            "moderated_by": value.moderated_by,
        }

    def from_row(self, row: Mapping[Any, Any]) -> Review:
        return Review(
            id=row["id"],
            sku=row["sku"],
            rating=row["rating"],
            text=row["text"],
            author_name=row["author_name"],
            author_email=row["author_email"],
            created_at=row["created_at"],
            customer_id=row["customer_id"],
            state=ReviewState(row["state"]),
            moderated_at=row["moderated_at"],
            moderated_by=row["moderated_by"],
        )


PRODUCTS = _Products()
STOCK_MOVEMENTS = _StockMovements()
REVIEWS = _Reviews()
#: ``tables.PUBLISHED_SIGNED`` as a condition, written as the partial index has it: its
#: literals stay literals (bound parameters would keep SQLite from proving the index).
_PUBLISHED_SIGNED = literal_column(f"({PUBLISHED_SIGNED})", Boolean)
#: What ``Review.anonymised()`` leaves of a review's author: no name, no email, no account.
_UNSIGNED: Mapping[str, Any] = {"author_name": "", "author_email": "", "customer_id": None}


def _check_quantity(quantity: int) -> None:
    if type(quantity) is not int or quantity < 1:
        raise InvalidProductError(field="quantity")


class SqlProducts(ProductRepository):
    """Products in SQL; reservations become guarded updates at commit."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def get(self, sku: str) -> Product | None:
        return self._tx.get(PRODUCTS, sku)

    def get_many(self, skus: Iterable[str]) -> dict[str, Product]:
        return self._tx.get_many(PRODUCTS, skus)

    def add(self, product: Product) -> None:
        if self._tx.exists(PRODUCTS, product.sku):
            raise DuplicateProductError(sku=product.sku)
        self._tx.stage(PRODUCTS, product.sku, product)

    def save(self, product: Product) -> None:
        if self.get(product.sku) is None:
            raise ProductNotFoundError(sku=product.sku)
        self._tx.stage(PRODUCTS, product.sku, product)

    def list(self, *, published_only: bool = True, category: str | None = None) -> list[Product]:
        where: list[Any] = []
        if published_only:
            where.append(products.c.published.is_(True))
        if category is not None:
            where.append(
                exists().where(
                    product_categories.c.sku == products.c.sku,
                    product_categories.c.category == category,
                )
            )
        found = PRODUCTS.load_where(
            self._tx, *where, order_by=[self._tx.text_order(products.c.sku)]
        )
        return self._tx.merge(
            PRODUCTS,
            found,
            lambda p: (
                (p.published or not published_only)
                and (category is None or category in p.categories)
            ),
            lambda p: p.sku,
        )

    def _stage_stock(self, product: Product, change: int) -> None:
        """Stage ``product``'s new stock: as a full write if the product is already
        staged whole, otherwise as a delta applied by a guarded update."""
        updated = product.with_stock((product.stock or 0) + change)
        entry = self._tx.staged(PRODUCTS).get(product.sku)
        if entry is not None and entry.delta is None and entry.value is not MISSING:
            self._tx.stage(PRODUCTS, product.sku, updated)
        else:
            delta = (entry.delta or 0) if entry is not None else 0
            self._tx.stage(PRODUCTS, product.sku, updated, delta=delta + change)

    def reserve_stock(self, sku: str, quantity: int) -> None:
        _check_quantity(quantity)
        product = self.get(sku)
        if product is None:
            raise ProductNotFoundError(sku=sku[:40])
        if product.stock is None:
            return
        if product.stock < quantity:
            raise OutOfStockError(sku=sku, available=product.stock)
        self._stage_stock(product, -quantity)

    def release_stock(self, sku: str, quantity: int) -> None:
        _check_quantity(quantity)
        product = self.get(sku)
        if product is None or product.stock is None:
            return
        self._stage_stock(product, quantity)


class SqlStockMovements(StockMovementRepository):
    """The stock journal in SQL (append-only)."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def add(self, movement: StockMovement) -> None:
        if self._tx.exists(STOCK_MOVEMENTS, movement.id):
            raise ConflictError(table="stock_movements")
        self._tx.stage(STOCK_MOVEMENTS, movement.id, movement)

    def for_order(self, order_id: str) -> list[StockMovement]:
        found = STOCK_MOVEMENTS.load_where(
            self._tx,
            stock_movements.c.order_id == order_id,
            order_by=[stock_movements.c.at, self._tx.text_order(stock_movements.c.id)],
        )
        return self._tx.merge(
            STOCK_MOVEMENTS, found, lambda m: m.order_id == order_id, lambda m: (m.at, m.id)
        )


class SqlReviews(ReviewRepository):
    """Reviews in SQL."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def get(self, review_id: str) -> Review | None:
        return self._tx.get(REVIEWS, review_id)

    def add(self, review: Review) -> None:
        if self._tx.exists(REVIEWS, review.id):
            raise ConflictError(table="reviews")
        self._tx.stage(REVIEWS, review.id, review)

    def save(self, review: Review) -> None:
        if self.get(review.id) is None:
            raise ReviewNotFoundError(review_id=review.id[:40])
        self._tx.stage(REVIEWS, review.id, review)

    def _query(self, *where: Any, keep: Any, once: Hashable = None) -> list[Review]:
        """The reviews matching ``where`` (and ``keep``, for staged ones); queried once
        per unit of work for a ``once`` lookup (:meth:`SqlTransaction.load_once`)."""

        def load() -> dict[str, Loaded[Review]]:
            return REVIEWS.load_where(
                self._tx,
                *where,
                order_by=[reviews.c.created_at, self._tx.text_order(reviews.c.id)],
            )

        found = load() if once is None else self._tx.load_once(REVIEWS, once, load)
        return self._tx.merge(REVIEWS, found, keep, lambda r: (r.created_at, r.id))

    def for_product(self, sku: str, state: ReviewState | None = None) -> list[Review]:
        where: Sequence[Any] = [reviews.c.sku == sku]
        if state is not None:
            where = [*where, reviews.c.state == state.value]
        return self._query(
            *where, keep=lambda r: r.sku == sku and (state is None or r.state is state)
        )

    def in_state(self, state: ReviewState) -> list[Review]:
        return self._query(reviews.c.state == state.value, keep=lambda r: r.state is state)

    def by_author(self, email: str, customer_id: str | None = None) -> list[Review]:
        where: Any = reviews.c.author_email == email
        if customer_id is not None:
            where = or_(where, reviews.c.customer_id == customer_id)
        return self._query(
            where,
            keep=lambda r: (
                r.author_email == email
                or (customer_id is not None and r.customer_id == customer_id)
            ),
            once=("by_author", email, customer_id),
        )

    def delete(self, review_id: str) -> None:
        self._tx.stage(REVIEWS, review_id, MISSING)

    def sweep_orphan_authors(
        self,
        *,
        after: SweepKey | None,
        limit: int,
        anonymise: bool,
        dry_run: bool,
        published_before: datetime | None = None,
    ) -> SweepPage:
        due: list[Any] = [
            reviews.c.customer_id.is_not(None),
            ~exists().where(customers.c.id == reviews.c.customer_id),
        ]
        if published_before is not None:  # those are ``reviews.published``'s
            due.append(
                or_(
                    ~_PUBLISHED_SIGNED,
                    reviews.c.moderated_at.is_(None),
                    reviews.c.moderated_at >= published_before,
                )
            )
        return keyset_sweep(
            self._tx,
            reviews,
            clock=None,
            key="id",
            due=due,
            after=after,
            limit=limit,
            dry_run=dry_run,
            values=_UNSIGNED if anonymise else None,
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
        return keyset_sweep(
            self._tx,
            reviews,
            clock="moderated_at",
            key="id",
            # The partial index's predicate, as written there, then the cutoff.
            due=[_PUBLISHED_SIGNED, reviews.c.moderated_at < before],
            after=after,
            limit=limit,
            dry_run=dry_run,
            values=_UNSIGNED if anonymise else None,
        )
