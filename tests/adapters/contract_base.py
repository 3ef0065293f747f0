"""The common ground of the backend contract suites (X-5).

A contract class states what every persistence backend must do; a backend's test class
subclasses it and overrides :meth:`ContractBase.make_uow`. This base is not collected
(its name does not start with ``Test``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from klickit_core.catalogue.domain import Product

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
