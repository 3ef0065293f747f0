"""Strategies for the catalogue (CAT-1, CAT-2): SKUs, products, catalogues, reviews."""

from __future__ import annotations

from hypothesis import strategies as st

from klickit_core.catalogue.domain import MAX_SKU_LENGTH, Product, Review, ReviewState
from klickit_core.testing.strategies._common import aware_datetimes, clean_text
from klickit_core.testing.strategies.amounts import rounded_money, vat_classes

__all__ = [
    "SKU_ALPHABET",
    "catalogues",
    "products",
    "reviews",
    "skus",
]


SKU_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


_ALNUM = SKU_ALPHABET[:62]


def skus(max_length: int = MAX_SKU_LENGTH) -> st.SearchStrategy[str]:
    """Valid SKUs: a letter or digit, then letters, digits, ``-`` or ``_``."""
    return st.builds(
        lambda head, tail: head + tail,
        st.sampled_from(_ALNUM),
        st.text(SKU_ALPHABET, max_size=max_length - 1),
    )


def products(
    sku: st.SearchStrategy[str] | None = None,
    currency: str = "EUR",
    max_price_minor: int = 10**6,
) -> st.SearchStrategy[Product]:
    """Valid products; stock is ``None`` (untracked) or 0..500."""
    return st.builds(
        Product,
        sku=sku if sku is not None else skus(),
        name=clean_text(1, 60),
        price=rounded_money(st.just(currency), 0, max_price_minor),
        vat_class=vat_classes,
        description=clean_text(max_size=200, multiline=True),
        stock=st.none() | st.integers(0, 500),
        published=st.booleans(),
        categories=st.lists(st.sampled_from(["maison", "livres", "epicerie"]), unique=True).map(
            tuple
        ),
        weight_grams=st.integers(0, 20_000),
    )


def catalogues(
    min_size: int = 1, max_size: int = 30, currency: str = "EUR"
) -> st.SearchStrategy[dict[str, Product]]:
    """``{sku: product}`` mappings with distinct SKUs."""
    return st.lists(
        products(currency=currency), min_size=min_size, max_size=max_size, unique_by=lambda p: p.sku
    ).map(lambda items: {p.sku: p for p in items})


def reviews(sku: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Review]:
    """Reviews in any moderation state."""
    return st.builds(
        Review,
        id=st.uuids().map(lambda u: u.hex),
        sku=sku if sku is not None else skus(),
        rating=st.integers(1, 5),
        text=clean_text(1, 300, multiline=True),
        author_name=clean_text(1, 60),
        author_email=st.emails(),
        created_at=aware_datetimes(),
        state=st.sampled_from(list(ReviewState)),
    )
