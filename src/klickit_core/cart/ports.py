"""What the cart needs from persistence.

A guest's cart lives only in its cookie. A signed-in customer's cart is also kept
server-side (:class:`CartRepository`) so it follows them across devices, and the guest cart
merges into it at login (SPEC CRT-1). Each saved cart carries the moment of its last
change, from which the ``carts.saved`` retention rule counts (PRV-2, issue #19).
"""

from __future__ import annotations

import abc
from datetime import datetime
from typing import Protocol

from klickit_core.cart.domain import Cart, SavedCart
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
    def get_saved(self, customer_id: str) -> SavedCart | None:
        """The customer's saved cart with the moment of its last change, or ``None``."""

    @abc.abstractmethod
    def save(self, customer_id: str, cart: Cart, *, at: datetime) -> None:
        """Replace the customer's saved cart, changed at ``at`` (an empty cart removes it).
        ``at`` starts the ``carts.saved`` retention clock again: pass the moment the cart
        changed, and do not save a cart that did not change."""

    @abc.abstractmethod
    def delete(self, customer_id: str) -> bool:
        """Remove the customer's saved cart (erasure, PRV-4); whether there was one."""

    @abc.abstractmethod
    def sweep_due(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        """Delete up to ``limit`` saved carts that are due (PRV-2): last changed before
        ``before`` (the ``carts.saved`` cutoff), or whose customer account no longer exists
        (the account's own deletion removes its cart; this catches carts left behind).
        Keyset-paged on (last change, customer id). A dry run only selects."""


class CartUnitOfWork(Transaction, Protocol):
    """The repositories the cart use cases need, in one transaction."""

    products: ProductRepository
    carts: CartRepository
