"""The cart: SKUs and quantities, nothing else (SPEC CRT-1).

A :class:`Cart` is an immutable value: every change returns a new cart. It holds no prices
(prices come from the catalogue each time the cart is shown, SPEC CRT-3) and no personal
data, which is what lets it travel in a cookie.

Stock awareness is explicit: operations that raise a quantity take the quantity available
(``None`` when stock is not tracked) and refuse to go past it with
:class:`InsufficientStockError`, which says how many are available.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs

from klickit_core.catalogue.domain import Product, is_valid_sku
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_, translate

__all__ = [
    "MAX_LINE_QUANTITY",
    "Cart",
    "CartError",
    "CartLine",
    "CartNotice",
    "CartNoticeKind",
    "InsufficientStockError",
    "InvalidQuantityError",
    "reconcile",
]

#: Per-line ceiling: a shop cart, not a wholesale order. It also bounds the cookie size.
MAX_LINE_QUANTITY = 999


class CartError(KlickitError):
    """Base of the cart's errors."""

    code = "cart.error"
    message_template = N_("The cart cannot be changed this way.")


class InvalidQuantityError(CartError):
    """A quantity outside 1..999 (0 only where it means "remove"), or a malformed SKU."""

    code = "cart.invalid_quantity"
    message_template = N_("Choose a quantity from 1 to {max}.")

    def __init__(self) -> None:
        super().__init__(max=MAX_LINE_QUANTITY)


class InsufficientStockError(CartError):
    """Not enough stock for the requested quantity."""

    code = "cart.insufficient_stock"
    message_template = N_("Only {available} left in stock for {sku}.")


def _check_line(instance: CartLine, _attribute: Any, _value: Any) -> None:
    if not is_valid_sku(instance.sku):
        raise InvalidQuantityError
    quantity = instance.quantity
    if type(quantity) is not int or not 1 <= quantity <= MAX_LINE_QUANTITY:
        raise InvalidQuantityError


@attrs.frozen(slots=True)
class CartLine:
    """A SKU and how many of it."""

    sku: str
    quantity: int = attrs.field(validator=_check_line)


def _check_lines(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, tuple) or not all(type(line) is CartLine for line in value):
        raise InvalidQuantityError
    if len({line.sku for line in value}) != len(value):
        raise InvalidQuantityError


@attrs.frozen(slots=True)
class Cart:
    """An ordered set of lines, one per SKU, in the order they were first added."""

    lines: tuple[CartLine, ...] = attrs.field(default=(), validator=_check_lines)

    @classmethod
    def of(cls, items: Mapping[str, int] | None = None) -> Cart:
        """Build from ``{sku: quantity}`` (insertion order is kept)."""
        return cls(tuple(CartLine(sku, qty) for sku, qty in (items or {}).items()))

    # ------------------------------------------------------------------ reading
    def __iter__(self) -> Iterator[CartLine]:
        return iter(self.lines)

    def __len__(self) -> int:
        return len(self.lines)

    @property
    def is_empty(self) -> bool:
        """Whether the cart has no line."""
        return not self.lines

    @property
    def total_quantity(self) -> int:
        """Number of items, all lines together."""
        return sum(line.quantity for line in self.lines)

    def quantity_of(self, sku: str) -> int:
        """Quantity of ``sku`` in the cart (0 when absent)."""
        for line in self.lines:
            if line.sku == sku:
                return line.quantity
        return 0

    # ------------------------------------------------------------------ changing
    def set_quantity(self, sku: str, quantity: int, available: int | None = None) -> Cart:
        """The cart with ``sku`` at ``quantity`` (0 removes it); new SKUs go last."""
        if type(quantity) is not int or not 0 <= quantity <= MAX_LINE_QUANTITY:
            raise InvalidQuantityError
        if available is not None and quantity > available:
            raise InsufficientStockError(sku=sku, available=max(available, 0))
        if quantity == 0:
            return self.remove(sku)
        new_line = CartLine(sku, quantity)
        lines = list(self.lines)
        for index, line in enumerate(lines):
            if line.sku == sku:
                lines[index] = new_line
                return Cart(tuple(lines))
        return Cart((*lines, new_line))

    def add(self, sku: str, quantity: int = 1, available: int | None = None) -> Cart:
        """The cart with ``quantity`` more of ``sku``."""
        if type(quantity) is not int or quantity < 1:
            raise InvalidQuantityError
        return self.set_quantity(sku, self.quantity_of(sku) + quantity, available)

    def remove(self, sku: str) -> Cart:
        """The cart without ``sku`` (unchanged if it was not there)."""
        return Cart(tuple(line for line in self.lines if line.sku != sku))

    def merged_with(
        self, other: Cart, available: Callable[[str], int | None]
    ) -> tuple[Cart, list[CartNotice]]:
        """This cart with ``other``'s lines added, capped by stock and the line maximum.

        Used at login: the guest cart (``other``) merges into the account's cart (SPEC
        CRT-1). Quantities add up; where stock or the maximum caps a line, a
        :attr:`CartNoticeKind.QUANTITY_REDUCED` notice says so.
        """
        merged = {line.sku: line.quantity for line in self.lines}
        notices: list[CartNotice] = []
        for line in other.lines:
            wanted = merged.get(line.sku, 0) + line.quantity
            limit = available(line.sku)
            cap = MAX_LINE_QUANTITY if limit is None else min(limit, MAX_LINE_QUANTITY)
            kept = min(wanted, cap)
            if kept < wanted:
                notices.append(CartNotice(CartNoticeKind.QUANTITY_REDUCED, line.sku, wanted, kept))
            if kept > 0:
                merged[line.sku] = kept
            else:
                merged.pop(line.sku, None)
        return Cart.of(merged), notices


class CartNoticeKind(enum.StrEnum):
    """Why a cart was changed behind the shopper's back."""

    PRODUCT_UNAVAILABLE = "product_unavailable"  # gone from the catalogue or unpublished
    OUT_OF_STOCK = "out_of_stock"
    QUANTITY_REDUCED = "quantity_reduced"
    COOKIE_INVALID = "cookie_invalid"  # the cart cookie could not be read: empty cart


_NOTICE_MESSAGES = {
    CartNoticeKind.PRODUCT_UNAVAILABLE: N_(
        "A product in your cart is no longer available and was removed ({sku})."
    ),
    CartNoticeKind.OUT_OF_STOCK: N_(
        "A product in your cart is out of stock and was removed ({sku})."
    ),
    CartNoticeKind.QUANTITY_REDUCED: N_(
        "Only {kept} of {sku} can be kept in your cart (you asked for {requested})."
    ),
    CartNoticeKind.COOKIE_INVALID: N_("Your saved cart could not be restored; it is now empty."),
}


@attrs.frozen(slots=True)
class CartNotice:
    """A message the app can show: what changed in the cart and why."""

    kind: CartNoticeKind
    sku: str | None = None
    requested: int = 0
    kept: int = 0

    def message(self, locale: str = "fr") -> str:
        """The notice in ``locale``."""
        return translate(_NOTICE_MESSAGES[self.kind], locale).format(
            sku=self.sku or "", requested=self.requested, kept=self.kept
        )


def reconcile(cart: Cart, products: Mapping[str, Product]) -> tuple[Cart, list[CartNotice]]:
    """Keep only what the catalogue can supply now, with a notice for each change.

    A line is dropped when its product is gone or unpublished, or has no stock left; its
    quantity is lowered to the stock when the stock is short.
    """
    kept: list[CartLine] = []
    notices: list[CartNotice] = []
    for line in cart.lines:
        product = products.get(line.sku)
        if product is None or not product.published:
            notices.append(
                CartNotice(CartNoticeKind.PRODUCT_UNAVAILABLE, line.sku, line.quantity, 0)
            )
        elif product.stock is not None and product.stock < line.quantity:
            if product.stock <= 0:
                notices.append(CartNotice(CartNoticeKind.OUT_OF_STOCK, line.sku, line.quantity, 0))
            else:
                notices.append(
                    CartNotice(
                        CartNoticeKind.QUANTITY_REDUCED, line.sku, line.quantity, product.stock
                    )
                )
                kept.append(CartLine(line.sku, min(product.stock, MAX_LINE_QUANTITY)))
        else:
            kept.append(line)
    if not notices:
        return cart, notices
    return Cart(tuple(kept)), notices
