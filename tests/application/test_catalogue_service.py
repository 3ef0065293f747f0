"""``shop.catalogue`` (CAT-1, CAT-2, X-6): browsing, managing products, reviews and their
moderation through the service, on every backend."""

from __future__ import annotations

import attrs
import pytest

from klickit_core.application.catalogue import CatalogueService
from klickit_core.application.parts import ShopParts
from klickit_core.catalogue.domain import Product, ReviewState
from klickit_core.catalogue.ports import DuplicateProductError, ProductNotFoundError
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import PermissionDeniedError, ValidationError

from .conftest import PRODUCTS, eur

MANAGER = Actor("staff-1", Role.SHOP_MANAGER)
CUSTOMER = Actor("c-1", Role.CUSTOMER, customer_id="c-1")


def test_browse_and_manage_products(shop_parts: ShopParts) -> None:
    """CAT-1: published products by SKU; staff add and update them; an unpublished one
    is missing to visitors."""
    catalogue = CatalogueService(shop_parts)
    assert [p.sku for p in catalogue.browse()] == ["BOOK", "MUG", "TEA"]
    catalogue.add_product(MANAGER, Product("PEN", "Stylo", eur("2.50")))
    with pytest.raises(DuplicateProductError):
        catalogue.add_product(MANAGER, Product("PEN", "Stylo", eur("2.50")))
    with pytest.raises(PermissionDeniedError):
        catalogue.add_product(CUSTOMER, Product("INK", "Encre", eur("5.00")))
    catalogue.update_product(MANAGER, attrs.evolve(PRODUCTS[0], published=False))
    assert [p.sku for p in catalogue.browse()] == ["BOOK", "PEN", "TEA"]
    with pytest.raises(ProductNotFoundError):
        catalogue.product("MUG")
    assert catalogue.product("PEN").price == eur("2.50")


def test_reviews_are_shown_once_approved_without_the_email(shop_parts: ShopParts) -> None:
    """CAT-2: a review waits for moderation (the queue, staff only, is logged); once
    approved visitors see its display name, never its email."""
    catalogue = CatalogueService(shop_parts)
    with pytest.raises(ValidationError) as raised:
        catalogue.submit_review(
            CUSTOMER, "MUG", rating=9, text="", author_name="Cam", author_email="x"
        )
    assert set(raised.value.codes) == {"rating", "text", "author_email"}
    review = catalogue.submit_review(
        CUSTOMER,
        "MUG",
        rating=5,
        text="Parfait pour le café.",
        author_name="Camille",
        author_email="camille@example.fr",
    )
    assert catalogue.reviews("MUG") == []
    assert [r.id for r in catalogue.moderation_queue(MANAGER)] == [review.id]
    approved = catalogue.moderate_review(MANAGER, review.id, True)
    assert approved.state is ReviewState.APPROVED
    public = catalogue.reviews("MUG")
    assert [(r.id, r.author_name, r.rating) for r in public] == [(review.id, "Camille", 5)]
    assert not hasattr(public[0], "author_email")
    with shop_parts.unit_of_work() as uow:
        actions = sorted(entry.action for entry in uow.access_log.entries())
    assert actions == ["reviews.moderate", "reviews.queue"]
