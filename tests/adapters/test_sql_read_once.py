"""A person's records queried once per SQL unit of work (PRV-3, issue #14).

A person's export asks several providers for the same records: the access log needs the
ids of their orders, consents, requests and reviews, which the payments, consents,
requests and reviews providers read too. ``SqlTransaction.load_once`` / ``fetch_once``
answer the repeated finder from the first answer, with the transaction's own writes laid
over it, as rows read by key are; a set-based write phase (``write_now``) forgets them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import delete, event

from klickit_core.adapters.sql import SqlStore
from klickit_core.adapters.sql import tables as t
from klickit_core.testing.contracts import sql
from klickit_core.testing.contracts.builders import consent, order, payment

ALICE = "alice@example.fr"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Iterator[SqlStore]:
    chosen: SqlStore = request.getfixturevalue(f"{request.param}_store")
    sql.empty(chosen)
    with chosen.unit_of_work() as uow:
        uow.consents.add(consent("k-1", ALICE, 10))
        uow.consents.add(consent("k-2", "bob@example.fr", 20))
        uow.orders.add(order("o-1", customer_id="cust-1"))
        uow.orders.add(order("o-2", customer_id=None))
        uow.payments.add(payment("p-1", "o-1"))
        uow.commit()
    yield chosen
    sql.empty(chosen)


@pytest.fixture
def selects(store: SqlStore) -> Iterator[Callable[[str], int]]:
    """How many SELECTs have read from a table since the test began."""
    seen: list[str] = []

    def record(*args: object) -> None:
        statement = str(args[2])
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(" ".join(statement.split()))

    event.listen(store.engine, "before_cursor_execute", record)
    yield lambda table: sum(f" FROM {table} " in f"{s} " for s in seen)
    event.remove(store.engine, "before_cursor_execute", record)


def test_a_finder_asked_twice_queries_once(store: SqlStore, selects: Callable[[str], int]) -> None:
    with store.unit_of_work() as uow:
        first = uow.consents.for_subject(ALICE)
        second = uow.consents.for_subject(ALICE)
        assert [r.id for r in first] == [r.id for r in second] == ["k-1"]
        assert selects("consents") == 1
        assert [r.id for r in uow.consents.for_subject("bob@example.fr")] == ["k-2"]
        assert selects("consents") == 2  # other arguments: another query


def test_the_second_answer_holds_the_transactions_own_writes(store: SqlStore) -> None:
    with store.unit_of_work() as uow:
        assert [r.id for r in uow.consents.for_subject(ALICE)] == ["k-1"]
        uow.consents.add(consent("k-0", ALICE, 5))
        assert [r.id for r in uow.consents.for_subject(ALICE)] == ["k-0", "k-1"]
        uow.orders.add(order("o-3", customer_id="cust-1", email="new@example.fr"))
        assert uow.orders.ids_for_subject(ALICE, "cust-1") == ["o-1", "o-2", "o-3"]
        uow.orders.add(order("o-4", customer_id=None, email="new@example.fr"))
        assert uow.orders.ids_for_subject(ALICE, "cust-1") == ["o-1", "o-2", "o-3"]


def test_the_second_answer_is_the_state_first_read(store: SqlStore) -> None:
    """As for rows read by key: another transaction's commit in between is seen by the
    next unit of work, not by the one already reading."""
    with store.unit_of_work() as uow:
        assert [r.id for r in uow.consents.for_subject(ALICE)] == ["k-1"]
        with store.unit_of_work() as other:
            other.consents.add(consent("k-3", ALICE, 30))
            other.commit()
        assert [r.id for r in uow.consents.for_subject(ALICE)] == ["k-1"]
    with store.unit_of_work() as uow:
        assert [r.id for r in uow.consents.for_subject(ALICE)] == ["k-1", "k-3"]


def test_a_set_based_write_forgets_the_answers(
    store: SqlStore, selects: Callable[[str], int]
) -> None:
    with store.unit_of_work() as uow:
        assert [r.id for r in uow.consents.for_subject(ALICE)] == ["k-1"]
        uow.write_now().execute(delete(t.consents).where(t.consents.c.id == "k-1"))
        assert uow.consents.for_subject(ALICE) == []
        assert uow.consents.for_subject(ALICE) == []  # in the write phase: every call asks
        assert selects("consents") == 3


def test_payments_and_the_access_log_share_the_order_ids(
    store: SqlStore, selects: Callable[[str], int]
) -> None:
    with store.unit_of_work() as uow:
        assert [p.id for p in uow.payments.for_subject(ALICE, "cust-1")] == ["p-1"]
        assert uow.orders.ids_for_subject(ALICE, "cust-1") == ["o-1", "o-2"]
        assert selects("orders") == 1
        # Another question (o-1 is not paid yet): its own query.
        assert uow.payments.for_subject(ALICE, "cust-1", paid_orders_only=True) == []
        assert selects("orders") == 2
