"""What the cart needs from persistence.

A guest's cart lives only in its cookie. A signed-in customer's cart is also kept
server-side (:class:`CartRepository`) so it follows them across devices, and the guest cart
merges into it at login (SPEC CRT-1).
"""

from __future__ import annotations

import abc
from typing import Protocol

from klickit_core.cart.domain import Cart
from klickit_core.catalogue.ports import ProductRepository
from klickit_core.shared.sweeps import SweepKey, SweepPage
from klickit_core.shared.unit_of_work import Transaction

__all__ = ["CartRepository", "CartUnitOfWork"]


class CartRepository(abc.ABC):
    """Saved carts of signed-in customers, by customer id."""

    @abc.abstractmethod
    def get(self, customer_id: str) -> Cart | None:
        """The customer's saved cart, or ``None``."""

    @abc.abstractmethod
    def save(self, customer_id: str, cart: Cart) -> None:
        """Replace the customer's saved cart (an empty cart removes it)."""

    @abc.abstractmethod
    def delete(self, customer_id: str) -> bool:
        """Remove the customer's saved cart (erasure, PRV-4); whether there was one."""

    @abc.abstractmethod
    def sweep_orphans(self, *, after: SweepKey | None, limit: int, dry_run: bool) -> SweepPage:
        """Delete up to ``limit`` saved carts whose customer account no longer exists
        (PRV-2), keyset-paged on the customer id (``SweepKey.at`` is ``None``). A cart
        lives as long as its account: the account's own deletion removes it too, so this
        only catches carts left behind. A dry run only selects."""


class CartUnitOfWork(Transaction, Protocol):
    """The repositories the cart use cases need, in one transaction."""

    products: ProductRepository
    carts: CartRepository
