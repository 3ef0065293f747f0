"""The common ground of the backend contract suites (X-5).

A contract class states what every persistence backend must do; a backend's test class
subclasses it and overrides the :meth:`ContractBase.make_uow` fixture. The contract
classes are not named ``Test…``, so importing one into a test module does not run it
twice, and a backend that forgets the fixture fails loudly instead of testing nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from klickit_core.catalogue.domain import Product

__all__ = ["ContractBase", "MakeUow"]

#: A unit-of-work factory on one shared, initially empty store: ``make_uow()`` opens a
#: new transaction. Typed loosely (``Any``) so that a contract can use the repositories
#: of every context without naming a backend class.
MakeUow = Callable[[], Any]


class ContractBase:
    """The ``make_uow`` fixture every backend provides, and helpers shared by the suites."""

    @pytest.fixture
    def make_uow(self) -> MakeUow:  # pragma: no cover - every backend overrides it
        pytest.fail(f"{type(self).__name__} must override the make_uow fixture")

    @staticmethod
    def seed(make_uow: MakeUow, *products: Product) -> None:
        """Commit ``products`` through a fresh unit of work."""
        with make_uow() as uow:
            for item in products:
                uow.products.add(item)
            uow.commit()

    @staticmethod
    def read_product(make_uow: MakeUow, sku: str) -> Product | None:
        """The product ``sku`` as a fresh unit of work reads it."""
        with make_uow() as uow:
            result: Product | None = uow.products.get(sku)
            return result

    @staticmethod
    def stock(make_uow: MakeUow, sku: str) -> int | None:
        """The stock of an existing product, as a fresh unit of work reads it."""
        with make_uow() as uow:
            found: Product | None = uow.products.get(sku)
            assert found is not None  # noqa: S101 - test code
            return found.stock
