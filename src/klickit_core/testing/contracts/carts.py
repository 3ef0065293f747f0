# ruff: noqa: S101 - test code: plain asserts
"""The saved-cart repository contract (X-5, CRT-1)."""

from __future__ import annotations

from klickit_core.cart.domain import Cart
from klickit_core.testing.contracts.base import ContractBase, MakeUow

__all__ = ["CartContract"]


class CartContract(ContractBase):
    """What every backend must do for signed-in customers' saved carts."""

    def test_carts_get_save_and_empty_removes(self, make_uow: MakeUow) -> None:
        """X-5, CRT-1: saved carts by customer id; saving an empty cart removes it."""
        with make_uow() as uow:
            assert uow.carts.get("c-1") is None
            uow.carts.save("c-1", Cart.of({"MUG": 1}))
            uow.carts.save("c-2", Cart.of({"TEA": 2}))
            uow.commit()
        with make_uow() as uow:
            assert uow.carts.get("c-1") == Cart.of({"MUG": 1})
            uow.carts.save("c-1", Cart.of({"MUG": 3, "TEA": 1}))
            uow.carts.save("c-2", Cart())
            assert uow.carts.get("c-2") is None
            uow.commit()
        with make_uow() as uow:
            assert uow.carts.get("c-1") == Cart.of({"MUG": 3, "TEA": 1})
            assert uow.carts.get("c-2") is None
            uow.carts.save("never-saved", Cart())
            uow.commit()
        with make_uow() as uow:
            assert uow.carts.get("never-saved") is None
