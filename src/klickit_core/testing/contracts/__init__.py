"""The persistence contract suites (SPEC X-5, X-7): what every backend must do.

The memory backend, SQLite and PostgreSQL all pass these same classes, and a downstream
backend (another database, a cache in front of one) proves itself the same way: subclass
the contracts in a test module and give them a ``make_uow`` fixture, a callable that opens
a new unit of work on one shared store, empty when the test starts::

    import pytest
    from klickit_core.testing.contracts import CatalogueContract, UnitOfWorkContract


    class MyBackend:
        @pytest.fixture
        def make_uow(self, my_empty_store):
            return my_empty_store.unit_of_work


    class TestMyUnitOfWork(MyBackend, UnitOfWorkContract): ...


    class TestMyCatalogue(MyBackend, CatalogueContract): ...

The classes are not named ``Test…``, so importing them does not run them; a subclass
that forgets ``make_uow`` fails loudly. :class:`ShopContract` gathers them all for a
backend that wants a single class. The tests use the ports only (``uow.products``,
``uow.orders``…, ``commit``, ``rollback`` and the ``with`` block), never a backend's
internals. :mod:`klickit_core.testing.contracts.sql` has fixtures' building blocks for
SQL stores (a scratch PostgreSQL schema, skipping when no server is reachable).

Needs pytest (and the ``testing`` extra for the modules that use Hypothesis).
"""

from klickit_core.testing.contracts.access_log import AccessLogContract
from klickit_core.testing.contracts.accounts import AccountContract
from klickit_core.testing.contracts.base import ContractBase, MakeUow
from klickit_core.testing.contracts.carts import CartContract
from klickit_core.testing.contracts.catalogue import CatalogueContract
from klickit_core.testing.contracts.consents import ConsentContract
from klickit_core.testing.contracts.events import EventsContract
from klickit_core.testing.contracts.order_sweeps import (
    OrderRetentionContract,
    PaymentRetentionContract,
    SupportRequestRetentionContract,
)
from klickit_core.testing.contracts.orders import OrderContract
from klickit_core.testing.contracts.payments import PaymentContract
from klickit_core.testing.contracts.people_sweeps import PeopleSweepsContract
from klickit_core.testing.contracts.privacy import PrivacyAuditLogContract, SweepCheckpointContract
from klickit_core.testing.contracts.privacy_requests import PrivacyRequestsContract
from klickit_core.testing.contracts.security import (
    CustomerSessionsContract,
    LoginAttemptRepositoryContract,
    LostCredentialsRepositoryContract,
    OneTimeTokenRepositoryContract,
    SecurityEventLogContract,
)
from klickit_core.testing.contracts.sessions import SessionContract
from klickit_core.testing.contracts.unit_of_work import UnitOfWorkContract

__all__ = [
    "AccessLogContract",
    "AccountContract",
    "CartContract",
    "CatalogueContract",
    "ConsentContract",
    "ContractBase",
    "CustomerSessionsContract",
    "EventsContract",
    "LoginAttemptRepositoryContract",
    "LostCredentialsRepositoryContract",
    "MakeUow",
    "OneTimeTokenRepositoryContract",
    "OrderContract",
    "OrderRetentionContract",
    "PaymentContract",
    "PaymentRetentionContract",
    "PeopleSweepsContract",
    "PrivacyAuditLogContract",
    "PrivacyRequestsContract",
    "SecurityContract",
    "SecurityEventLogContract",
    "SessionContract",
    "ShopContract",
    "SupportRequestRetentionContract",
    "SweepCheckpointContract",
    "UnitOfWorkContract",
]


class SecurityContract(
    LoginAttemptRepositoryContract,
    OneTimeTokenRepositoryContract,
    SecurityEventLogContract,
    LostCredentialsRepositoryContract,
    CustomerSessionsContract,
):
    """Every account security contract (SEC-2 … SEC-6) in one class."""


class ShopContract(
    UnitOfWorkContract,
    CatalogueContract,
    CartContract,
    SessionContract,
    OrderContract,
    AccountContract,
    ConsentContract,
    AccessLogContract,
    PaymentContract,
    SecurityContract,
    SweepCheckpointContract,
    PrivacyAuditLogContract,
    OrderRetentionContract,
    SupportRequestRetentionContract,
    PaymentRetentionContract,
    PeopleSweepsContract,
    PrivacyRequestsContract,
    EventsContract,
):
    """Every contract of this package in one class."""
