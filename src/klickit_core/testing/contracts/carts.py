# ruff: noqa: S101 - test code: plain asserts
"""The saved-cart repository contract (X-5, CRT-1, PRV-2)."""

from __future__ import annotations

from datetime import timedelta, timezone

from klickit_core.cart.domain import Cart, SavedCart
from klickit_core.testing.contracts.base import ContractBase, MakeUow
from klickit_core.testing.contracts.builders import T0, at

__all__ = ["CartContract"]


class CartContract(ContractBase):
    """What every backend must do for signed-in customers' saved carts."""

    def test_carts_get_save_and_empty_removes(self, make_uow: MakeUow) -> None:
        """X-5, CRT-1: saved carts by customer id; saving an empty cart removes it."""
        with make_uow() as uow:
            assert uow.carts.get("c-1") is None
            uow.carts.save("c-1", Cart.of({"MUG": 1}), at=T0)
            uow.carts.save("c-2", Cart.of({"TEA": 2}), at=T0)
            uow.commit()
        with make_uow() as uow:
            assert uow.carts.get("c-1") == Cart.of({"MUG": 1})
            uow.carts.save("c-1", Cart.of({"MUG": 3, "TEA": 1}), at=at(5))
            uow.carts.save("c-2", Cart(), at=at(5))
            assert uow.carts.get("c-2") is None
            assert uow.carts.get_saved("c-2") is None
            uow.commit()
        with make_uow() as uow:
            assert uow.carts.get("c-1") == Cart.of({"MUG": 3, "TEA": 1})
            assert uow.carts.get("c-2") is None
            uow.carts.save("never-saved", Cart(), at=at(5))
            uow.commit()
        with make_uow() as uow:
            assert uow.carts.get("never-saved") is None

    def test_a_saved_cart_keeps_the_moment_of_its_last_change(self, make_uow: MakeUow) -> None:
        """CRT-1, PRV-2 (``carts.saved``, issue #19): the last change is stored in UTC with
        the lines in their order, read back whole, and moved by the next save."""
        paris = timezone(timedelta(hours=1))
        cart = Cart.of({"TEA": 2, "MUG": 1, "CUP": 3})
        with make_uow() as uow:
            uow.carts.save("c-1", cart, at=at(7).astimezone(paris))
            uow.commit()
        with make_uow() as uow:
            saved = uow.carts.get_saved("c-1")
            assert saved == SavedCart("c-1", cart, at(7))
            assert saved.updated_at.utcoffset() == timedelta(0)
            assert [line.sku for line in saved.cart.lines] == ["TEA", "MUG", "CUP"]
            uow.carts.save("c-1", Cart.of({"MUG": 1}), at=at(60))
            uow.commit()
        with make_uow() as uow:
            assert uow.carts.get_saved("c-1") == SavedCart("c-1", Cart.of({"MUG": 1}), at(60))
            assert uow.carts.get_saved("c-2") is None
