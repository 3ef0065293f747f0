"""X-5, PRV-2 … PRV-4: the retention contract of orders, support requests and payments on
memory, SQLite and PostgreSQL; and what only SQL can show: each batch is a fixed handful
of set-based statements, the sweep reads the retention index from the cursor on, and
PostgreSQL workers share a sweep with ``SKIP LOCKED``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import event, text

from klickit_core.adapters.memory import MemoryStore
from klickit_core.adapters.sql import SqlStore
from klickit_core.orders.domain import RetentionStage
from klickit_core.shared.sweeps import SweepKey
from klickit_core.testing.contracts import (
    MakeUow,
    OrderRetentionContract,
    PaymentRetentionContract,
    SupportRequestRetentionContract,
)
from klickit_core.testing.contracts.builders import T0, product
from klickit_core.testing.contracts.order_sweeps import (
    DAY,
    cancelled,
    cancelled_after_payment,
    completed,
    paid_payment,
    unpaid,
)
from klickit_core.testing.contracts.sql import empty


# ---------------------------------------------------------------------------- backends
class MemoryBackend:
    @pytest.fixture
    def make_uow(self) -> MakeUow:
        return MemoryStore().unit_of_work


class SqliteBackend:
    @pytest.fixture
    def make_uow(self, sqlite_store: SqlStore) -> MakeUow:
        empty(sqlite_store)
        return sqlite_store.unit_of_work


class PostgresBackend:
    @pytest.fixture
    def make_uow(self, postgres_store: SqlStore) -> MakeUow:
        empty(postgres_store)
        return postgres_store.unit_of_work


class TestMemoryOrderRetention(MemoryBackend, OrderRetentionContract):
    pass


class TestMemorySupportRequestRetention(MemoryBackend, SupportRequestRetentionContract):
    pass


class TestMemoryPaymentRetention(MemoryBackend, PaymentRetentionContract):
    pass


class TestSqliteOrderRetention(SqliteBackend, OrderRetentionContract):
    pass


class TestSqliteSupportRequestRetention(SqliteBackend, SupportRequestRetentionContract):
    pass


class TestSqlitePaymentRetention(SqliteBackend, PaymentRetentionContract):
    pass


@pytest.mark.postgres
class TestPostgresOrderRetention(PostgresBackend, OrderRetentionContract):
    pass


@pytest.mark.postgres
class TestPostgresSupportRequestRetention(PostgresBackend, SupportRequestRetentionContract):
    pass


@pytest.mark.postgres
class TestPostgresPaymentRetention(PostgresBackend, PaymentRetentionContract):
    pass


# ---------------------------------------------------------------------------- SQL only
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Iterator[SqlStore]:
    chosen: SqlStore = request.getfixturevalue(f"{request.param}_store")
    empty(chosen)
    yield chosen
    empty(chosen)


def _fill(store: SqlStore, count: int) -> None:
    base = T0 - 40 * DAY
    with store.unit_of_work() as uow:
        uow.products.add(product("MUG", stock=10))
        for n in range(count):
            gone = unpaid(f"o-{n:04d}", base + n * DAY / 1000)
            uow.orders.add(gone)
            uow.payments.add(paid_payment(f"p-{n:04d}", gone))
        uow.commit()


def _one_batch(
    store: SqlStore, stage: RetentionStage, before: datetime, *, anonymise: bool, limit: int
) -> list[str]:
    """The SQL of one sweep batch of ``limit`` due orders, whitespace-normalised."""
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(" ".join(str(args[2]).split()))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        with store.unit_of_work() as uow:
            page = uow.orders.sweep(
                stage, before, anonymise=anonymise, at=T0, after=None, limit=limit, dry_run=False
            )
            uow.commit()
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    assert page.changed == limit
    return seen


def _statements_of_one_batch(store: SqlStore, limit: int) -> list[str]:
    batch = _one_batch(store, RetentionStage.UNPAID, T0 - 30 * DAY, anonymise=False, limit=limit)
    return [sql.split(None, 1)[0].upper() for sql in batch]


def test_a_batch_is_a_fixed_handful_of_statements_whatever_its_size(store: SqlStore) -> None:
    """PRV-2: set-based — one SELECT of the page, then one statement per table
    (``… WHERE id IN (…)``), the same count for 3 orders as for 60: no per-row loop."""
    _fill(store, 70)
    small = _statements_of_one_batch(store, 3)
    large = _statements_of_one_batch(store, 60)
    assert small == large
    assert len(large) <= 12
    # Support requests, payments, the terms of sale (PRV-5) and orders (children cascade).
    assert large.count("DELETE") == 4


_TABLES = ("orders", "order_history", "support_requests", "payments", "order_lines", "consents")


def _anonymising_batch(store: SqlStore, count: int) -> list[str]:
    """The statements of one anonymising batch over ``count`` completed orders."""
    with store.unit_of_work() as uow:
        for n in range(count):
            uow.orders.add(completed(f"a-{n:04d}", T0 - 4000 * DAY + n * DAY / 1000))
        uow.commit()
    seen = _one_batch(store, RetentionStage.COMPLETED, T0 - 3650 * DAY, anonymise=True, limit=count)
    return [sql for sql in seen if sql.split(None, 1)[0].upper() in ("SELECT", "UPDATE", "DELETE")]


def test_an_anonymising_batch_changes_each_table_through_its_own_key(store: SqlStore) -> None:
    """PRV-2: the history, the support requests and the orders of a batch are each changed
    by a statement naming that table alone (no join of orders into the history UPDATE,
    which PostgreSQL planned as a hash join over a scan of the whole history table on a
    small store), and a batch of 3 takes the same statements as a batch of 30."""
    small = _anonymising_batch(store, 3)
    empty(store)
    large = _anonymising_batch(store, 30)
    assert [sql.split(None, 1)[0] for sql in small] == [sql.split(None, 1)[0] for sql in large]
    writes = [sql for sql in large if not sql.upper().startswith("SELECT")]
    # History, support requests (delete, unlink), consents (delete, unlink: PRV-5), orders.
    assert len(writes) == 6
    for sql in writes:
        named = {t for t in _TABLES if f" {t} " in f" {sql.replace(',', ' ')} "}
        assert len(named) == 1, sql


def _selects(statements: list[str]) -> list[str]:
    return [sql for sql in statements if sql.upper().startswith("SELECT")]


def test_a_batch_reads_its_page_once(store: SqlStore) -> None:
    """PRV-2: a batch selects the keys of its page once (locked on PostgreSQL) and changes
    those rows as they are: due, in their stage, so not anonymised yet, and holding stock
    only when unpaid. The orders are not selected again before the writes, as an
    erasure's keys are; a deleting batch still gives back the stock of unpaid orders."""
    anonymising = _anonymising_batch(store, 5)
    assert len(_selects(anonymising)) == 1, anonymising
    empty(store)
    _fill(store, 5)
    deleting = _one_batch(store, RetentionStage.UNPAID, T0 - 30 * DAY, anonymise=False, limit=5)
    assert len(_selects(deleting)) == 1, deleting
    with store.unit_of_work() as uow:
        mug = uow.products.get("MUG")
        assert mug is not None
        assert mug.stock == 20  # 10, and the two mugs each of the five unpaid orders held


def test_an_orders_consents_are_reached_through_their_order_index(
    sqlite_store: SqlStore,
) -> None:
    """PRV-1, PRV-5: the statements that take a batch's terms of sale along (and unlink
    the other consents) search the consents by their order index, never scan the ledger,
    which holds a row per order placed."""
    empty(sqlite_store)
    _fill(sqlite_store, 5)
    statements: list[tuple[str, object]] = []

    def record(*args: object) -> None:
        statements.append((str(args[2]), args[3]))

    event.listen(sqlite_store.engine, "before_cursor_execute", record)
    try:
        _one_batch(sqlite_store, RetentionStage.UNPAID, T0, anonymise=False, limit=5)
    finally:
        event.remove(sqlite_store.engine, "before_cursor_execute", record)
    on_consents = [(q, p) for q, p in statements if " consents " in f" {q} "]
    assert [q.split(None, 1)[0] for q, _p in on_consents] == ["DELETE", "UPDATE"]
    with sqlite_store.engine.connect() as connection:
        for query, parameters in on_consents:
            plan = " ".join(
                str(row[3])
                for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}", parameters)  # type: ignore[arg-type]
            )
            assert "ix_consents_order_id" in plan, plan
            assert "SCAN consents" not in plan, plan


def test_the_sweep_reads_the_retention_index_from_the_cursor_on(
    sqlite_store: SqlStore,
) -> None:
    """PRV-2: the page query is a range scan of the partial retention index starting at
    the cursor, not a scan of the table, nor a re-scan from the first due order."""
    empty(sqlite_store)
    statements: list[tuple[str, object]] = []

    def record(*args: object) -> None:
        statements.append((str(args[2]), args[3]))

    event.listen(sqlite_store.engine, "before_cursor_execute", record)
    try:
        with sqlite_store.unit_of_work() as uow:
            uow.orders.sweep(
                RetentionStage.COMPLETED,
                T0,
                anonymise=True,
                at=T0,
                after=SweepKey(T0 - 4000 * DAY, "o-1"),
                limit=10,
                dry_run=True,
            )
    finally:
        event.remove(sqlite_store.engine, "before_cursor_execute", record)
    (query, parameters) = statements[-1]
    with sqlite_store.engine.connect() as connection:
        plan = " ".join(
            str(row[3])
            for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}", parameters)  # type: ignore[arg-type]
        )
    assert "ix_orders_retention_stage_clock_started_at_id" in plan
    assert "clock_started_at>?" in plan  # the range starts at the cursor
    assert "SCAN" not in plan


@pytest.mark.postgres
def test_postgresql_workers_share_a_sweep_without_waiting(postgres_store: SqlStore) -> None:
    """PRV-2: a worker's batch locks its rows until it commits; a second worker skips
    them (``FOR UPDATE SKIP LOCKED``) and takes the next ones, never the same."""
    empty(postgres_store)
    with postgres_store.unit_of_work() as uow:
        for n in range(6):
            uow.orders.add(cancelled(f"o-{n}", T0 - (40 - n) * DAY))
        uow.commit()
    first = postgres_store.unit_of_work()
    second = postgres_store.unit_of_work()
    with first:
        a = first.orders.sweep(
            RetentionStage.CANCELLED,
            T0,
            anonymise=False,
            at=T0,
            after=None,
            limit=3,
            dry_run=False,
        )
        with second:
            second.connection().execute(text("SET lock_timeout = '2s'"))
            b = second.orders.sweep(
                RetentionStage.CANCELLED,
                T0,
                anonymise=False,
                at=T0,
                after=None,
                limit=3,
                dry_run=False,
            )
            second.commit()
        first.commit()
    assert a.last == SweepKey(T0 - 38 * DAY, "o-2")
    assert b.last == SweepKey(T0 - 35 * DAY, "o-5")
    with postgres_store.unit_of_work() as uow:
        assert uow.orders.list() == []


def test_anonymised_orders_leave_the_retention_index(store: SqlStore) -> None:
    """PRV-2: an anonymised order has no stage, so the partial index no longer holds it
    and later sweeps never walk past it."""
    old = completed("o-1", T0 - 4000 * DAY)
    with store.unit_of_work() as uow:
        uow.orders.add(old)
        uow.commit()
    with store.unit_of_work() as uow:
        uow.orders.sweep(
            RetentionStage.COMPLETED,
            T0,
            anonymise=True,
            at=T0,
            after=None,
            limit=5,
            dry_run=False,
        )
        uow.commit()
    with store.engine.connect() as connection:
        row = connection.execute(
            text("SELECT retention_stage, clock_started_at, anonymised_at FROM orders")
        ).one()
    assert row[0] is None
    assert row[1] is None
    assert row[2] is not None


# ---------------------------------------------------------------------------- after-sales
def _strip_batch(store: SqlStore, count: int) -> list[str]:
    """The statements of one after-sales batch over ``count`` paid orders, half of them
    cancelled after payment (issue #19)."""
    with store.unit_of_work() as uow:
        for n in range(count):
            clock = T0 - 1000 * DAY + n * DAY / 1000
            made = cancelled_after_payment if n % 2 else completed
            uow.orders.add(made(f"s-{n:04d}", clock))
        uow.commit()
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(" ".join(str(args[2]).split()))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        with store.unit_of_work() as uow:
            page = uow.orders.sweep_after_sales(
                T0 - 730 * DAY, at=T0, after=None, limit=count, dry_run=False
            )
            uow.commit()
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    assert page.changed == count
    return [sql for sql in seen if sql.split(None, 1)[0].upper() in ("SELECT", "UPDATE", "DELETE")]


def test_a_stripping_batch_changes_each_table_through_its_own_key(store: SqlStore) -> None:
    """PRV-2 (issue #19, decision 0008 addendum): an after-sales batch reads its page
    once, then writes the history, the terms of sale and the orders each by a statement
    naming that table alone, through its own key index; nothing is deleted; a batch of 3
    takes the same statements as a batch of 30."""
    small = _strip_batch(store, 3)
    empty(store)
    large = _strip_batch(store, 30)
    assert [sql.split(None, 1)[0] for sql in small] == [sql.split(None, 1)[0] for sql in large]
    assert len(_selects(large)) == 1, large
    writes = [sql for sql in large if not sql.upper().startswith("SELECT")]
    assert [sql.split(None, 1)[0].upper() for sql in writes] == ["UPDATE"] * 3
    touched = []
    for sql in writes:
        named = {t for t in _TABLES if f" {t} " in f" {sql.replace(',', ' ')} "}
        assert len(named) == 1, sql
        touched.extend(named)
    assert sorted(touched) == ["consents", "order_history", "orders"]


#: The paid stages' own cutoffs, as the engine gives them (the page query's full shape).
_ACCOUNTING = {
    RetentionStage.COMPLETED: T0 - 3650 * DAY,
    RetentionStage.CANCELLED_AFTER_PAYMENT: T0 - 3650 * DAY,
}


def _plan_of_the_after_sales_page(sqlite_store: SqlStore) -> str:
    statements: list[tuple[str, object]] = []

    def record(*args: object) -> None:
        statements.append((str(args[2]), args[3]))

    event.listen(sqlite_store.engine, "before_cursor_execute", record)
    try:
        with sqlite_store.unit_of_work() as uow:
            uow.orders.sweep_after_sales(
                T0,
                at=T0,
                after=SweepKey(T0 - 4000 * DAY, "o-1"),
                limit=10,
                dry_run=True,
                accounting_cutoffs=_ACCOUNTING,
            )
    finally:
        event.remove(sqlite_store.engine, "before_cursor_execute", record)
    (query, parameters) = statements[-1]
    with sqlite_store.engine.connect() as connection:
        return " ".join(
            str(row[3])
            for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}", parameters)  # type: ignore[arg-type]
        )


def test_the_after_sales_sweep_reads_its_partial_index_from_the_cursor_on(
    sqlite_store: SqlStore,
) -> None:
    """PRV-2 (issue #19): on SQLite the after-sales page is a range scan of the partial
    index of the paid orders not yet stripped, starting at the cursor: the planner proves
    the index's predicate from the query's (literal stage codes, not bound parameters)."""
    empty(sqlite_store)
    plan = _plan_of_the_after_sales_page(sqlite_store)
    assert "ix_orders_clock_started_at_id" in plan, plan
    assert "clock_started_at>?" in plan, plan  # the range starts at the cursor
    assert "SCAN" not in plan, plan


@pytest.mark.postgres
def test_postgresql_can_serve_the_after_sales_page_from_its_partial_index(
    postgres_store: SqlStore,
) -> None:
    """PRV-2 (issue #19): on PostgreSQL the page query implies the partial index's
    predicate even in a generic plan (a prepared statement's, where the cutoff and the
    cursor are unknown): with sequential scans priced out, the planner takes the index.
    With the stage list bound as parameters it could not, and would scan."""
    empty(postgres_store)
    recorded: list[tuple[str, dict[str, object]]] = []

    def record(*args: object) -> None:
        recorded.append((str(args[2]), args[3]))  # type: ignore[arg-type]

    event.listen(postgres_store.engine, "before_cursor_execute", record)
    try:
        with postgres_store.unit_of_work() as uow:
            uow.orders.sweep_after_sales(
                T0,
                at=T0,
                after=SweepKey(T0 - 4000 * DAY, "o-1"),
                limit=10,
                dry_run=True,
                accounting_cutoffs=_ACCOUNTING,
            )
    finally:
        event.remove(postgres_store.engine, "before_cursor_execute", record)
    query, parameters = recorded[-1]
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    numbered = re.sub(r"%\((\w+)\)s", number, query)
    kinds = {datetime: "timestamptz", str: "text", int: "integer"}
    types = ", ".join(kinds[type(parameters[name])] for name in names)
    with postgres_store.engine.connect() as connection:
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        connection.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
        connection.exec_driver_sql(f"PREPARE after_sales_page ({types}) AS {numbered}")
        values = ", ".join(_sql_literal(parameters[name]) for name in names)
        plan = " ".join(
            str(row[0])
            for row in connection.exec_driver_sql(f"EXPLAIN EXECUTE after_sales_page ({values})")
        )
        connection.exec_driver_sql("DEALLOCATE after_sales_page")
    assert "ix_orders_clock_started_at_id" in plan, plan


def _sql_literal(value: object) -> str:
    """A test's own parameter as SQL text (dates, ids and counts it made itself)."""
    if isinstance(value, datetime):
        return f"'{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(int(value))  # type: ignore[call-overload]


def test_stripped_and_anonymised_orders_leave_the_after_sales_index(store: SqlStore) -> None:
    """PRV-2 (issue #19): stripping stamps ``stripped_at`` and anonymising clears the
    stage (and stamps it too), so neither kind of order stays in the partial index the
    after-sales sweep walks; the paid orders still to strip are in it, the others not."""
    with store.unit_of_work() as uow:
        uow.orders.add(completed("o-old", T0 - 4000 * DAY))
        uow.orders.add(completed("o-mid", T0 - 1000 * DAY))
        uow.orders.add(cancelled_after_payment("o-young", T0 - 100 * DAY))
        uow.orders.add(cancelled("o-cancelled", T0 - 100 * DAY))
        uow.commit()
    pending = text(
        "SELECT id FROM orders WHERE stripped_at IS NULL AND retention_stage IN "
        "('completed', 'cancelled_after_payment') ORDER BY id"
    )

    def in_the_index() -> list[str]:
        with store.engine.connect() as connection:
            return [row[0] for row in connection.execute(pending)]

    assert in_the_index() == ["o-mid", "o-old", "o-young"]
    with store.unit_of_work() as uow:
        uow.orders.sweep(
            RetentionStage.COMPLETED,
            T0 - 3650 * DAY,
            anonymise=True,
            at=T0,
            after=None,
            limit=5,
            dry_run=False,
        )
        uow.commit()
    assert in_the_index() == ["o-mid", "o-young"]
    with store.unit_of_work() as uow:
        uow.orders.sweep_after_sales(T0 - 730 * DAY, at=T0, after=None, limit=5, dry_run=False)
        uow.commit()
    assert in_the_index() == ["o-young"]
    with store.engine.connect() as connection:
        stamps = dict(
            tuple(row)  # type: ignore[misc]
            for row in connection.execute(text("SELECT id, stripped_at FROM orders"))
        )
    assert stamps["o-old"] is not None  # anonymised: stripped too
    assert stamps["o-mid"] is not None
    assert stamps["o-young"] is None
