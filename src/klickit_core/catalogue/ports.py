"""What the catalogue needs from persistence.

Repositories have a small surface so every backend (memory, SQLite, PostgreSQL) can pass
the same contract suite. They store and return the frozen domain values as they are.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from klickit_core.catalogue.domain import Product, Review, ReviewState, StockMovement
from klickit_core.shared.access_log import AccessLog
from klickit_core.shared.errors import ConflictError, NotFoundError
from klickit_core.shared.i18n import N_
from klickit_core.shared.sweeps import SweepKey, SweepPage
from klickit_core.shared.unit_of_work import Transaction

__all__ = [
    "CatalogueUnitOfWork",
    "DuplicateProductError",
    "OutOfStockError",
    "ProductNotFoundError",
    "ProductRepository",
    "ReviewNotFoundError",
    "ReviewRepository",
    "StockMovementRepository",
]


class ProductNotFoundError(NotFoundError):
    """No published product has this SKU."""

    code = "catalogue.product_not_found"
    message_template = N_("Product {sku} was not found.")


class DuplicateProductError(ConflictError):
    """A product with this SKU already exists."""

    code = "catalogue.duplicate_product"
    message_template = N_("A product with SKU {sku} already exists.")


class OutOfStockError(ConflictError):
    """The stock left is lower than the quantity to reserve; nothing was reserved."""

    code = "catalogue.out_of_stock"
    message_template = N_("Only {available} left in stock for {sku}.")


class ReviewNotFoundError(NotFoundError):
    """No review has this id."""

    code = "catalogue.review_not_found"
    message_template = N_("Review {review_id} was not found.")


class ProductRepository(abc.ABC):
    """Products by SKU."""

    @abc.abstractmethod
    def get(self, sku: str) -> Product | None:
        """The product, published or not, or ``None``."""

    @abc.abstractmethod
    def get_many(self, skus: Iterable[str]) -> dict[str, Product]:
        """The products among ``skus`` that exist, by SKU (one round trip on SQL)."""

    @abc.abstractmethod
    def add(self, product: Product) -> None:
        """Store a new product; :class:`DuplicateProductError` if the SKU is taken."""

    @abc.abstractmethod
    def save(self, product: Product) -> None:
        """Replace an existing product; :class:`ProductNotFoundError` if there is none."""

    @abc.abstractmethod
    def list(self, *, published_only: bool = True, category: str | None = None) -> list[Product]:
        """Products ordered by SKU, optionally only published ones of one category."""

    @abc.abstractmethod
    def reserve_stock(self, sku: str, quantity: int) -> None:
        """Take ``quantity`` from a tracked stock, never below zero (CHK-4).

        A guarded decrement: :class:`OutOfStockError` when fewer are left, so concurrent
        checkouts can never oversell. Untracked stock (``None``) is left as it is. A
        quantity below 1 is refused (``InvalidProductError``, field ``quantity``).
        """

    @abc.abstractmethod
    def release_stock(self, sku: str, quantity: int) -> None:
        """Give ``quantity`` back to a tracked stock (a cancelled or failed order)."""


class StockMovementRepository(abc.ABC):
    """The journal of stock changes."""

    @abc.abstractmethod
    def add(self, movement: StockMovement) -> None:
        """Record a movement."""

    @abc.abstractmethod
    def for_order(self, order_id: str) -> list[StockMovement]:
        """The movements an order caused, oldest first."""


class ReviewRepository(abc.ABC):
    """Reviews by id and by product."""

    @abc.abstractmethod
    def get(self, review_id: str) -> Review | None:
        """The review or ``None``."""

    @abc.abstractmethod
    def add(self, review: Review) -> None:
        """Store a new review."""

    @abc.abstractmethod
    def save(self, review: Review) -> None:
        """Replace an existing review; :class:`ReviewNotFoundError` if there is none."""

    @abc.abstractmethod
    def for_product(self, sku: str, state: ReviewState | None = None) -> list[Review]:
        """Reviews of ``sku`` (optionally in one state), oldest first."""

    @abc.abstractmethod
    def in_state(self, state: ReviewState) -> list[Review]:
        """All reviews in ``state``, oldest first (the moderation queue)."""

    @abc.abstractmethod
    def by_author(self, email: str, customer_id: str | None = None) -> list[Review]:
        """Reviews written under the normalised ``email`` or by the account
        ``customer_id``, oldest first (PRV-3 export, PRV-4 erasure)."""

    @abc.abstractmethod
    def delete(self, review_id: str) -> None:
        """Forget a review (erasure of one never published); no error if it is gone."""

    @abc.abstractmethod
    def sweep_orphan_authors(
        self,
        *,
        after: SweepKey | None,
        limit: int,
        anonymise: bool,
        dry_run: bool,
        published_before: datetime | None = None,
    ) -> SweepPage:
        """Up to ``limit`` reviews still linked to a customer account that no longer
        exists (deleted for inactivity or erased), keyset-paged on the review id: their
        author is anonymised (:meth:`~klickit_core.catalogue.domain.Review.anonymised`,
        which also drops the link) or, when ``anonymise`` is false, the review is deleted.
        Either way it is never selected again. A dry run only selects.

        ``published_before`` is the ``reviews.published`` cutoff of the same run: a review
        published before it that still names its author is that category's
        (:meth:`sweep_published`) and is left alone here. The two categories then never
        take the same review, and what each counts does not depend on whether the
        accounts were deleted before or after the reviews were swept (workers)."""

    @abc.abstractmethod
    def sweep_published(
        self,
        before: datetime,
        *,
        after: SweepKey | None,
        limit: int,
        anonymise: bool,
        dry_run: bool,
    ) -> SweepPage:
        """Up to ``limit`` published (approved) reviews published before ``before`` (the
        ``reviews.published`` cutoff, counted from ``moderated_at``) that still name their
        author, keyset-paged on (publication, id): their author is anonymised (the text and
        rating stay) or, when ``anonymise`` is false, the review is deleted. Either way it
        is never selected again (PRV-2, issue #19). Whether the author's account still
        exists does not matter here: the review is this category's, not the erased
        authors' (see :meth:`sweep_orphan_authors`). A dry run only selects."""


class CatalogueUnitOfWork(Transaction, Protocol):
    """The repositories the catalogue use cases need, in one transaction."""

    products: ProductRepository
    reviews: ReviewRepository
    access_log: AccessLog  # staff reads of reviewers' data (X-6)
