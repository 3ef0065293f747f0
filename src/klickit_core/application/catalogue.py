"""The catalogue as an app uses it: browse, products, reviews and their moderation
(SPEC CAT-1, CAT-2; staff reads of reviewers' data logged, X-6)."""

from __future__ import annotations

import attrs

from klickit_core.application.parts import ShopParts
from klickit_core.catalogue import services
from klickit_core.catalogue.domain import Product, Review
from klickit_core.catalogue.services import PublicReview
from klickit_core.shared.actors import Actor

__all__ = ["CatalogueService"]


@attrs.frozen
class CatalogueService:
    """``shop.catalogue``: what visitors browse and what staff manage."""

    _parts: ShopParts

    def browse(self, category: str | None = None) -> list[Product]:
        """Published products, optionally of one category, ordered by SKU (CAT-1).

        Raises:
            DatabaseUnavailableError: the shop's SQL database cannot be reached.
        """
        return services.browse(self._parts.unit_of_work(), category)

    def product(self, sku: str) -> Product:
        """A published product; an unpublished one is as good as missing to visitors.

        Raises:
            ProductNotFoundError: no published product has this SKU.
        """
        return services.product_detail(self._parts.unit_of_work(), sku)

    def add_product(self, actor: Actor, product: Product) -> None:
        """Add ``product`` to the catalogue (staff).

        Raises:
            PermissionDeniedError: ``actor`` may not manage the catalogue.
            DuplicateProductError: a product already has this SKU.
        """
        services.add_product(self._parts.unit_of_work(), actor, product)

    def update_product(self, actor: Actor, product: Product) -> None:
        """Replace a product's data: price, stock, publication... (staff).

        Raises:
            PermissionDeniedError: ``actor`` may not manage the catalogue.
            ProductNotFoundError: no product has this SKU.
        """
        services.update_product(self._parts.unit_of_work(), actor, product)

    def submit_review(
        self,
        actor: Actor,
        sku: str,
        *,
        rating: int,
        text: str,
        author_name: str,
        author_email: str,
    ) -> Review:
        """Store a review for moderation (CAT-2); it is shown once approved.

        Raises:
            PermissionDeniedError: ``actor`` may not write reviews.
            ValidationError: every field problem at once (rating, text, name, email).
            ProductNotFoundError: no published product has this SKU.
        """
        parts = self._parts
        return services.submit_review(
            parts.unit_of_work(),
            actor,
            parts.clock,
            parts.ids,
            sku=sku,
            rating=rating,
            text=text,
            author_name=author_name,
            author_email=author_email,
        )

    def moderate_review(self, actor: Actor, review_id: str, approve: bool) -> Review:
        """Approve or reject a review (shop managers, administrators; logged as
        ``reviews.moderate``).

        Raises:
            PermissionDeniedError: ``actor`` may not moderate reviews.
            ReviewNotFoundError: no review has this id.
            IllegalReviewTransitionError: the review was already moderated that way.
        """
        parts = self._parts
        return services.moderate_review(
            parts.unit_of_work(), actor, parts.clock, review_id, approve=approve, ids=parts.ids
        )

    def moderation_queue(self, actor: Actor) -> list[Review]:
        """Reviews waiting for moderation, with their authors' names and emails (staff;
        one access-log entry per review, ``reviews.queue``).

        Raises:
            PermissionDeniedError: ``actor`` may not moderate reviews.
        """
        parts = self._parts
        return services.moderation_queue(
            parts.unit_of_work(), actor, clock=parts.clock, ids=parts.ids
        )

    def reviews(self, sku: str) -> list[PublicReview]:
        """The approved reviews of ``sku`` as visitors see them: display name, rating,
        text and date, never the email (CAT-2).

        Raises:
            DatabaseUnavailableError: the shop's SQL database cannot be reached.
        """
        return services.approved_reviews(self._parts.unit_of_work(), sku)
