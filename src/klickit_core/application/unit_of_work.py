"""The unit of work a shop opens: every context's protocol at once."""

from __future__ import annotations

from typing import Protocol, Self

from klickit_core.accounts.ports import AccountsUnitOfWork, SecurityUnitOfWork
from klickit_core.cart.ports import CartUnitOfWork
from klickit_core.catalogue.ports import CatalogueUnitOfWork
from klickit_core.checkout.ports import CheckoutUnitOfWork
from klickit_core.consents.ports import ConsentsUnitOfWork
from klickit_core.orders.ports import OrdersUnitOfWork
from klickit_core.payments.ports import PaymentsUnitOfWork
from klickit_core.privacy.ports import PrivacyRequestsUnitOfWork, PrivacyUnitOfWork
from klickit_core.sessions.ports import SessionUnitOfWork

__all__ = ["ShopUnitOfWork"]


class ShopUnitOfWork(
    CheckoutUnitOfWork,
    CatalogueUnitOfWork,
    CartUnitOfWork,
    SessionUnitOfWork,
    OrdersUnitOfWork,
    SecurityUnitOfWork,  # before AccountsUnitOfWork, which it extends
    AccountsUnitOfWork,
    ConsentsUnitOfWork,
    PaymentsUnitOfWork,
    PrivacyRequestsUnitOfWork,  # before PrivacyUnitOfWork, which it extends
    PrivacyUnitOfWork,
    Protocol,
):
    """Every context's unit-of-work protocol at once: what ``Shop.unit_of_work()`` opens.

    Each context names only the repositories its use cases need; a shop's unit of work
    must serve all of them, so its type is their intersection. The memory and SQL units
    of work both satisfy it structurally (mypy checks it where :func:`build_shop` wires
    them), and any other backend is held to the same list. Account security's and the
    privacy engine's protocols are part of it, so the login, reset and lost-credentials
    use cases and the retention sweeps run on a SQL shop exactly as on memory.
    """

    def __enter__(self) -> Self:
        """The unit of work itself, so ``with shop.unit_of_work() as uow`` is typed."""
        ...
