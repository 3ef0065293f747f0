"""X-5: the memory backend passes every persistence contract suite."""

from __future__ import annotations

import pytest

from klickit_core.adapters.memory import MemoryStore, MemoryUnitOfWork
from klickit_core.testing import memory_uow
from klickit_core.testing.contracts import (
    AccessLogContract,
    AccountContract,
    CartContract,
    CatalogueContract,
    ConsentContract,
    MakeUow,
    OrderContract,
    PaymentContract,
    PrivacyAuditLogContract,
    SessionContract,
    ShopContract,
    SweepCheckpointContract,
    UnitOfWorkContract,
)
from klickit_core.testing.contracts.builders import product


class MemoryBackend:
    """A fresh memory store per test."""

    @pytest.fixture
    def make_uow(self) -> MakeUow:
        return MemoryStore().unit_of_work


class TestMemoryUnitOfWork(MemoryBackend, UnitOfWorkContract):
    pass


class TestMemoryCatalogue(MemoryBackend, CatalogueContract):
    pass


class TestMemoryCarts(MemoryBackend, CartContract):
    pass


class TestMemorySessions(MemoryBackend, SessionContract):
    pass


class TestMemoryOrders(MemoryBackend, OrderContract):
    pass


class TestMemoryAccounts(MemoryBackend, AccountContract):
    pass


class TestMemoryConsents(MemoryBackend, ConsentContract):
    pass


class TestMemoryAccessLog(MemoryBackend, AccessLogContract):
    pass


class TestMemoryPayments(MemoryBackend, PaymentContract):
    pass


class TestMemorySweepCheckpoints(MemoryBackend, SweepCheckpointContract):
    pass


class TestMemoryPrivacyAudit(MemoryBackend, PrivacyAuditLogContract):
    pass


def test_the_shop_contract_shadows_no_test() -> None:
    """X-5: ``ShopContract`` gathers the suites by inheritance, so two suites with a test
    of the same name would silently run only one of them: every name is unique."""
    defined: dict[str, list[str]] = {}
    for suite in ShopContract.__mro__[1:]:
        for name in vars(suite):
            if name.startswith("test_"):
                defined.setdefault(name, []).append(suite.__name__)
    assert {name: suites for name, suites in defined.items() if len(suites) > 1} == {}


def test_memory_uow_helper_opens_a_fresh_store_by_default() -> None:
    """X-5, X-7: ``memory_uow()`` gives a unit of work on a new store, or on the one given."""
    first, second = memory_uow(), memory_uow()
    assert isinstance(first, MemoryUnitOfWork)
    with first:
        first.products.add(product("MUG"))
        first.commit()
    with second:
        assert second.products.get("MUG") is None
    store = MemoryStore()
    with memory_uow(store) as uow:
        uow.products.add(product("TEA"))
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.products.get("TEA") == product("TEA")


def test_a_backend_without_make_uow_fails_loudly() -> None:
    """X-5: a contract subclass that forgets its fixture is an error, not a silent pass."""

    class Forgetful(UnitOfWorkContract):
        pass

    fixture = Forgetful.make_uow.__wrapped__  # type: ignore[attr-defined]
    with pytest.raises(pytest.fail.Exception, match="must override the make_uow fixture"):
        fixture(Forgetful())
