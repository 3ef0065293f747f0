"""Catalogue use cases: browse, manage products, submit and moderate reviews.

Each function takes the ports it needs. Reads of the public catalogue need no actor and
carry no personal data (a review shows its author's display name only, CAT-2); anything
that changes data or touches reviewers' personal data names one, and staff reads of
reviews are written to the access log (SPEC X-6).
"""

from __future__ import annotations

from datetime import datetime

import attrs

from klickit_core.catalogue.domain import Product, Review, ReviewState
from klickit_core.catalogue.ports import (
    CatalogueUnitOfWork,
    DuplicateProductError,
    ProductNotFoundError,
    ReviewNotFoundError,
)
from klickit_core.shared.access_log import log_staff_read, log_staff_reads
from klickit_core.shared.actors import Actor
from klickit_core.shared.authorization import authorize
from klickit_core.shared.clock import Clock, SystemClock
from klickit_core.shared.emails import check_email
from klickit_core.shared.errors import FieldError, ValidationError
from klickit_core.shared.ids import IdGenerator, RandomIdGenerator

__all__ = ["PublicReview"]


@attrs.frozen(slots=True)
class PublicReview:
    """A review as visitors see it: no email, no account id (CAT-2)."""

    id: str
    sku: str
    rating: int
    text: str
    author_name: str  # the display name the author chose
    created_at: datetime

    @classmethod
    def of(cls, review: Review) -> PublicReview:
        """The public face of ``review``."""
        return cls(
            review.id, review.sku, review.rating, review.text, review.author_name, review.created_at
        )


def browse(uow: CatalogueUnitOfWork, category: str | None = None) -> list[Product]:
    """Published products, optionally of one category, ordered by SKU."""
    with uow:
        return uow.products.list(published_only=True, category=category)


def product_detail(uow: CatalogueUnitOfWork, sku: str) -> Product:
    """A published product; unpublished ones are as good as missing to visitors."""
    with uow:
        product = uow.products.get(sku)
    if product is None or not product.published:
        raise ProductNotFoundError(sku=sku[:40])
    return product


def add_product(uow: CatalogueUnitOfWork, actor: Actor, product: Product) -> None:
    """Add ``product`` to the catalogue (staff only)."""
    authorize(actor, "catalogue.services.add_product")
    with uow:
        if uow.products.get(product.sku) is not None:
            raise DuplicateProductError(sku=product.sku)
        uow.products.add(product)
        uow.commit()


def update_product(uow: CatalogueUnitOfWork, actor: Actor, product: Product) -> None:
    """Replace a product's data (price, stock, publication...)."""
    authorize(actor, "catalogue.services.update_product")
    with uow:
        if uow.products.get(product.sku) is None:
            raise ProductNotFoundError(sku=product.sku)
        uow.products.save(product)
        uow.commit()


def submit_review(
    uow: CatalogueUnitOfWork,
    actor: Actor,
    clock: Clock,
    ids: IdGenerator,
    *,
    sku: str,
    rating: int,
    text: str,
    author_name: str,
    author_email: str,
) -> Review:
    """Store a review for moderation (SPEC CAT-2). Every field problem is reported at once."""
    authorize(actor, "catalogue.services.submit_review")
    errors: list[FieldError] = Review.check_fields(rating, text, author_name)
    email = check_email(author_email, ("author_email",))
    if isinstance(email, FieldError):
        raise ValidationError([*errors, email])
    ValidationError.raise_if_any(errors)
    with uow:
        product = uow.products.get(sku)
        if product is None or not product.published:
            raise ProductNotFoundError(sku=sku[:40])
        review = Review(
            id=ids.new_id(),
            sku=sku,
            rating=rating,
            text=text.strip(),
            author_name=author_name.strip(),
            author_email=email,
            created_at=clock.now(),
            customer_id=actor.customer_id,
        )
        uow.reviews.add(review)
        uow.commit()
    return review


def moderate_review(
    uow: CatalogueUnitOfWork,
    actor: Actor,
    clock: Clock,
    review_id: str,
    *,
    approve: bool,
    ids: IdGenerator | None = None,
) -> Review:
    """Approve or reject a review (shop managers and administrators; written to the
    access log as ``reviews.moderate``, with an id from ``ids``, random by default)."""
    authorize(actor, "catalogue.services.moderate_review")
    with uow:
        review = uow.reviews.get(review_id)
        if review is None:
            raise ReviewNotFoundError(review_id=review_id[:40])
        target = ReviewState.APPROVED if approve else ReviewState.REJECTED
        moderated = review.moderated(target, by=actor.id, at=clock.now())
        uow.reviews.save(moderated)
        entry_id = (ids or RandomIdGenerator()).new_id()
        log_staff_read(uow.access_log, actor, "reviews.moderate", review.id, clock.now(), entry_id)
        uow.commit()
    return moderated


def moderation_queue(
    uow: CatalogueUnitOfWork,
    actor: Actor,
    *,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
) -> list[Review]:
    """Reviews waiting for moderation. They hold reviewers' names and emails: staff only,
    one access-log entry per review (``reviews.queue``)."""
    authorize(actor, "catalogue.services.moderation_queue")
    with uow:
        pending = uow.reviews.in_state(ReviewState.PENDING)
        subjects = (review.id for review in pending)
        now = (clock or SystemClock()).now()
        log_staff_reads(
            uow.access_log, actor, "reviews.queue", subjects, now, ids or RandomIdGenerator()
        )
        uow.commit()
    return pending


def approved_reviews(uow: CatalogueUnitOfWork, sku: str) -> list[PublicReview]:
    """The reviews visitors may see for ``sku``: display name, rating, text and date."""
    with uow:
        approved = uow.reviews.for_product(sku, ReviewState.APPROVED)
    return [PublicReview.of(review) for review in approved]
