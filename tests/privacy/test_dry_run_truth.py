"""PRV-2: a dry run of the retention sweep reports what the real run does on the same data
(issue 12, item 8), on memory, SQLite and PostgreSQL.

The stores are generated so that one category's work makes records of another due within
the same run: an account whose only recent activity is an order that the sweep deletes
(cancelled, failed, or never paid) becomes inactive, and goes; its review then loses its
author and is anonymised, its cart goes with it. Old completed orders are anonymised and
their payments lose their card. The property: per category, the dry run's counts are the
real run's, and the real run leaves nothing due that would still change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klickit_core.adapters.memory import MemoryStore
from klickit_core.adapters.sql import SqlStore
from klickit_core.bootstrap import default_privacy_registry
from klickit_core.cart.domain import Cart, CartLine
from klickit_core.catalogue.domain import Review
from klickit_core.orders.domain import Order
from klickit_core.privacy.registry import BoundRegistry
from klickit_core.privacy.retention import RetentionSchedule
from klickit_core.privacy.sweep import SweepReport, run_sweep
from klickit_core.sessions.domain import VisitorSession
from klickit_core.shared.actors import Actor
from klickit_core.testing import SequentialIds
from klickit_core.testing.contracts import sql
from klickit_core.testing.contracts.builders import T0, customer, product
from klickit_core.testing.contracts.order_sweeps import (
    cancelled,
    completed,
    failed,
    paid_payment,
    unpaid,
)

NOW = T0
DAY = timedelta(days=1)
JOB = Actor.system("retention-sweep")
Factory = Callable[[], Any]
#: How each kind of order is built from its id, its instant and its owner's fields.
KINDS: dict[str, Callable[..., Order]] = {
    "cancelled": cancelled,
    "failed": failed,
    "unpaid": unpaid,
    "completed": completed,
}


@attrs.frozen
class Account:
    """A generated customer: when the account was made, its orders (kind, days ago), a
    review and a saved cart or not, and the last activity of a signed-in visit."""

    id: str
    created_days: int
    orders: tuple[tuple[str, int], ...]
    reviewed: bool
    cart: bool
    visit_days: int | None


@st.composite
def stores(draw: st.DrawFn) -> list[Account]:
    """Accounts around the two years of inactivity, with orders around their own periods
    (10 and 30 days, ten years for completed ones)."""
    accounts = []
    for index in range(draw(st.integers(1, 5))):
        orders = draw(
            st.lists(
                st.one_of(
                    st.tuples(
                        st.sampled_from(["cancelled", "failed", "unpaid"]), st.integers(0, 900)
                    ),
                    st.tuples(st.just("completed"), st.integers(0, 4_000)),
                ),
                max_size=3,
            )
        )
        accounts.append(
            Account(
                f"c-{index}",
                draw(st.integers(0, 1_500)),
                tuple(orders),
                draw(st.booleans()),
                draw(st.booleans()),
                draw(st.none() | st.integers(0, 1_000)),
            )
        )
    return accounts


def populate(factory: Factory, accounts: list[Account]) -> None:
    with factory() as uow:
        uow.products.add(product("MUG"))
        for account in accounts:
            email = f"{account.id}@example.fr"
            made = NOW - account.created_days * DAY
            uow.customers.add(customer(account.id, email, created_at=made, updated_at=made))
            for number, (kind, days) in enumerate(account.orders):
                order_id = f"o-{account.id}-{number}"
                placed = KINDS[kind](
                    order_id, NOW - days * DAY, customer_id=account.id, email=email
                )
                uow.orders.add(placed)
                if kind == "completed":
                    uow.payments.add(paid_payment(f"p-{order_id}", placed))
            if account.reviewed:
                uow.reviews.add(
                    Review(f"r-{account.id}", "MUG", 4, "Bien", "Camille", email, made, account.id)
                )
            if account.cart:
                uow.carts.save(account.id, Cart((CartLine("MUG", 1),)), at=made)
            if account.visit_days is not None:
                last = NOW - account.visit_days * DAY
                uow.sessions.add(
                    VisitorSession(f"s-{account.id}", last - DAY, last, customer_id=account.id)
                )
        uow.commit()


def bound() -> BoundRegistry[Any]:
    return default_privacy_registry().bind(RetentionSchedule.defaults())


#: One id sequence for the module: runs and audit entries never share an id.
IDS = SequentialIds("run")


def sweep(factory: Factory, *, dry_run: bool, batch_size: int) -> SweepReport:
    return run_sweep(
        bound(), factory, JOB, now=NOW, ids=IDS, dry_run=dry_run, batch_size=batch_size
    )


def counts(report: SweepReport) -> dict[str, tuple[int, int, int, int]]:
    """Examined, deleted, anonymised and kept, per category."""
    return {
        c.category_id: (c.tally.examined, c.tally.deleted, c.tally.anonymised, c.tally.kept_total)
        for c in report.categories
    }


def check_dry_run_tells_the_truth(factory: Factory, accounts: list[Account], size: int) -> None:
    populate(factory, accounts)
    dry = sweep(factory, dry_run=True, batch_size=size)
    real = sweep(factory, dry_run=False, batch_size=size)
    assert (dry.complete, real.complete) == (True, True)
    assert counts(dry) == counts(real)
    assert [c.tally for c in dry.categories] == [c.tally for c in real.categories]
    again = sweep(factory, dry_run=False, batch_size=size)
    assert (again.deleted, again.anonymised) == (0, 0)  # the real run left nothing due


# ---------------------------------------------------------------------------- backends
@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStore]:
    with sql.sqlite_store(tmp_path_factory.mktemp("truth") / "klickit.db") as store:
        yield store


@pytest.fixture(scope="module")
def postgres_store() -> Iterator[SqlStore]:
    with sql.postgres_store(sql.postgres_url_or_skip(), prefix="klickit_truth") as store:
        yield store


def fresh(request: pytest.FixtureRequest, kind: str) -> Factory:
    """A unit-of-work factory on an empty store of ``kind``."""
    if kind == "memory":
        return MemoryStore().unit_of_work
    store: SqlStore = request.getfixturevalue(f"{kind}_store")
    sql.empty(store)
    return store.unit_of_work


BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


# ---------------------------------------------------------------------------- tests
@pytest.mark.parametrize("kind", BACKENDS)
def test_a_dry_run_counts_what_deleted_orders_make_due(
    request: pytest.FixtureRequest, kind: str
) -> None:
    """PRV-2: an account made 1,000 days ago whose only activity since is an order
    cancelled 60 days ago: the real run deletes the order, then the account (now inactive
    for two years) with its cart, then anonymises its review. The dry run says so, and
    changes nothing."""
    factory = fresh(request, kind)
    account = Account("c-1", 1_000, (("cancelled", 60),), reviewed=True, cart=True, visit_days=None)
    populate(factory, [account])
    dry = sweep(factory, dry_run=True, batch_size=500)
    expected = {
        "orders.cancelled": (1, 1, 0, 0),
        "accounts.customers": (1, 1, 0, 0),  # its cart goes with it
        "reviews.authors": (1, 0, 1, 0),
    }
    assert {c: v for c, v in counts(dry).items() if v != (0, 0, 0, 0)} == expected
    with factory() as uow:
        assert uow.customers.get("c-1") is not None
        assert uow.carts.get("c-1") is not None
    real = sweep(factory, dry_run=False, batch_size=500)
    assert counts(real) == counts(dry)
    with factory() as uow:
        assert uow.customers.get("c-1") is None
        assert uow.carts.get("c-1") is None
        assert uow.reviews.get("r-c-1").is_anonymised


_MEMORY = settings(max_examples=40, deadline=None)
_SQL = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@_MEMORY
@given(accounts=stores(), size=st.integers(1, 4))
def test_dry_run_counts_equal_the_real_runs_on_memory(accounts: list[Account], size: int) -> None:
    """PRV-2: on generated stores, per category, the dry run's counts are the real run's."""
    check_dry_run_tells_the_truth(MemoryStore().unit_of_work, accounts, size)


@pytest.mark.parametrize("kind", BACKENDS[1:])
@_SQL
@given(accounts=stores(), size=st.integers(1, 4))
def test_dry_run_counts_equal_the_real_runs_on_sql(
    request: pytest.FixtureRequest, kind: str, accounts: list[Account], size: int
) -> None:
    """PRV-2 on SQL: the same property through the set-based statements, the dry run in
    one transaction rolled back."""
    check_dry_run_tells_the_truth(fresh(request, kind), accounts, size)
