"""Strategies for carts (CRT-1..3): lines, carts, and cookie signing keys."""

from __future__ import annotations

from hypothesis import strategies as st

from klickit_core.cart.domain import MAX_LINE_QUANTITY, Cart, CartLine, SigningKey
from klickit_core.testing.strategies.catalogue import SKU_ALPHABET, skus

__all__ = [
    "cart_lines",
    "carts",
    "signing_keys",
]


def cart_lines(sku: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[CartLine]:
    """One valid line."""
    return st.builds(
        CartLine, sku if sku is not None else skus(), st.integers(1, MAX_LINE_QUANTITY)
    )


def carts(
    max_lines: int = 30, sku: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[Cart]:
    """Carts of up to ``max_lines`` distinct SKUs."""
    return st.lists(cart_lines(sku), max_size=max_lines, unique_by=lambda line: line.sku).map(
        lambda lines: Cart(tuple(lines))
    )


def signing_keys() -> st.SearchStrategy[SigningKey]:
    """Cart cookie signing keys with 32 to 64 byte secrets."""
    return st.builds(
        SigningKey,
        st.text(SKU_ALPHABET, min_size=1, max_size=16),
        st.binary(min_size=32, max_size=64),
    )
