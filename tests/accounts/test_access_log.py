"""X-6, SEC-5: administrators, and only they, can query who read whose data."""

from __future__ import annotations

import pytest

from klickit_core.accounts.services import access_log_entries
from klickit_core.adapters.memory import MemoryStore
from klickit_core.shared.access_log import AccessLogEntry
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import PermissionDeniedError
from klickit_core.testing import FixedClock


def _store(clock: FixedClock) -> MemoryStore:
    store = MemoryStore()
    with store.unit_of_work() as uow:
        uow.access_log.add(
            AccessLogEntry("e1", "manager-1", "shop_manager", "orders.read", "o1", clock.now())
        )
        uow.access_log.add(
            AccessLogEntry("e2", "manager-2", "shop_manager", "customers.read", "c1", clock.now())
        )
        uow.commit()
    return store


def test_administrators_query_the_access_log(clock: FixedClock) -> None:
    store = _store(clock)
    admin = Actor("admin-1", Role.ADMINISTRATOR)
    every = access_log_entries(store.unit_of_work(), admin)
    assert {e.id for e in every} == {"e1", "e2"}
    mine = access_log_entries(store.unit_of_work(), admin, actor_id="manager-2")
    assert [(e.action, e.subject) for e in mine] == [("customers.read", "c1")]
    about = access_log_entries(store.unit_of_work(), admin, subject="o1")
    assert [e.actor_id for e in about] == ["manager-1"]


@pytest.mark.parametrize(
    "actor",
    [
        Actor("manager-1", Role.SHOP_MANAGER),
        Actor("c", Role.CUSTOMER, customer_id="c1"),
        Actor.visitor(),
        Actor.system("job"),
    ],
)
def test_nobody_else_reads_the_access_log(clock: FixedClock, actor: Actor) -> None:
    with pytest.raises(PermissionDeniedError):
        access_log_entries(_store(clock).unit_of_work(), actor)


def test_an_administrator_editing_a_customer_is_logged(clock: FixedClock) -> None:
    """X-6: staff edits of someone's account land in the access log like reads."""
    from klickit_core.accounts.domain import Customer
    from klickit_core.accounts.services import AccountDetails, update_details

    store = MemoryStore()
    with store.unit_of_work() as uow:
        uow.customers.add(Customer("c1", "a@example.fr", "A", "B", clock.now(), clock.now()))
        uow.commit()
    details = AccountDetails(email="a@example.fr", first_name="Anne", last_name="B")
    owner = Actor("c", Role.CUSTOMER, customer_id="c1")
    update_details(store.unit_of_work(), clock, owner, "c1", details)
    admin = Actor("admin-1", Role.ADMINISTRATOR)
    update_details(store.unit_of_work(), clock, admin, "c1", details)
    entries = access_log_entries(store.unit_of_work(), admin)
    assert [(e.actor_id, e.action, e.subject) for e in entries] == [
        ("admin-1", "customers.update", "c1")
    ]
