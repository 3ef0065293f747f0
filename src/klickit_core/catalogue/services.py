"""Catalogue use cases: browse, manage products, submit and moderate reviews.

Each function takes the ports it needs. Reads of the public catalogue need no actor;
anything that changes data or touches reviewers' personal data names one (SPEC X-6).
"""

from __future__ import annotations

from klickit_core.catalogue.domain import Product, Review, ReviewState
from klickit_core.catalogue.ports import (
    CatalogueUnitOfWork,
    DuplicateProductError,
    ProductNotFoundError,
    ReviewNotFoundError,
)
from klickit_core.shared.actors import Actor, Permission, require
from klickit_core.shared.clock import Clock
from klickit_core.shared.emails import check_email
from klickit_core.shared.errors import FieldError, ValidationError
from klickit_core.shared.ids import IdGenerator

__all__ = [
    "add_product",
    "approved_reviews",
    "browse",
    "moderate_review",
    "moderation_queue",
    "product_detail",
    "submit_review",
    "update_product",
]


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
    require(actor, Permission.MANAGE_CATALOGUE)
    with uow:
        if uow.products.get(product.sku) is not None:
            raise DuplicateProductError(sku=product.sku)
        uow.products.add(product)
        uow.commit()


def update_product(uow: CatalogueUnitOfWork, actor: Actor, product: Product) -> None:
    """Replace a product's data (price, stock, publication...)."""
    require(actor, Permission.MANAGE_CATALOGUE)
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
    require(actor, Permission.SUBMIT_REVIEW)
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
    uow: CatalogueUnitOfWork, actor: Actor, clock: Clock, review_id: str, *, approve: bool
) -> Review:
    """Approve or reject a review (shop managers and administrators)."""
    require(actor, Permission.MODERATE_REVIEWS)
    with uow:
        review = uow.reviews.get(review_id)
        if review is None:
            raise ReviewNotFoundError(review_id=review_id[:40])
        target = ReviewState.APPROVED if approve else ReviewState.REJECTED
        moderated = review.moderated(target, by=actor.id, at=clock.now())
        uow.reviews.save(moderated)
        uow.commit()
    return moderated


def moderation_queue(uow: CatalogueUnitOfWork, actor: Actor) -> list[Review]:
    """Reviews waiting for moderation (they hold reviewers' personal data: staff only)."""
    require(actor, Permission.MODERATE_REVIEWS)
    with uow:
        return uow.reviews.in_state(ReviewState.PENDING)


def approved_reviews(uow: CatalogueUnitOfWork, sku: str) -> list[Review]:
    """The reviews visitors may see for ``sku``."""
    with uow:
        return uow.reviews.for_product(sku, ReviewState.APPROVED)
