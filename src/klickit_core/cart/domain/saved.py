"""A signed-in customer's cart kept by the shop (SPEC CRT-1, PRV-1, PRV-2).

A guest's cart lives only in its signed cookie. A customer's cart is also saved with their
account so that it follows them from one device to another; Klickit's policy names only
the cookie, so the saved cart is a declared category of its own (``carts.saved``, issue
#19) with its own retention rule, counted from the cart's **last change**: the moment
the shop last saved a different cart for the customer. :class:`SavedCart` carries that
moment, so every backend can sweep a cart left unchanged past its period.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from klickit_core.cart.domain.cart import Cart
from klickit_core.shared.clock import ensure_utc

__all__ = ["SavedCart"]


@attrs.frozen(slots=True)
class SavedCart:
    """The cart saved for ``customer_id``, last changed at ``updated_at`` (aware; kept in
    UTC, a naive datetime is a :class:`~klickit_core.shared.clock.NaiveDatetimeError`)."""

    customer_id: str
    cart: Cart
    updated_at: datetime = attrs.field(converter=ensure_utc)
