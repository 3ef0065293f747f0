"""X-5, X-9: the SQL adapter's boundary, on SQLite and PostgreSQL.

What a driver would raise reaches the app as the library's typed errors: a value that
does not fit a column is refused before anything is written, a unique key taken by a
concurrent transaction is the port's own duplicate error, a lock held too long is a
retryable conflict, and nothing of a refused unit of work is left behind. The errors
name fields and tables, never the values (personal data stays out of logs).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
from sqlalchemy import event, text

from klickit_core.accounts.ports import CustomerNotFoundError, DuplicateAccountError
from klickit_core.adapters.sql import (
    DatabaseUnavailableError,
    InactiveUnitOfWorkError,
    SqlStore,
    UnstorableValueError,
)
from klickit_core.catalogue.ports import DuplicateProductError, ProductNotFoundError
from klickit_core.orders.domain import OrderStatus
from klickit_core.payments.ports import DuplicateEventError, DuplicatePaymentError
from klickit_core.sessions.ports import SessionNotFoundError
from klickit_core.shared.errors import ConflictError, KlickitError, ValidationError
from klickit_core.shared.retry import retry_on_conflict
from klickit_core.shared.serialisation import unstructure
from klickit_core.testing.contracts import sql
from klickit_core.testing.contracts.builders import (
    at,
    consent,
    customer,
    order,
    payment,
    product,
    review,
    visit,
)

Uow = Any


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> SqlStore:
    """The module's SQLite database or the session's PostgreSQL schema, emptied."""
    name = "sqlite_store" if request.param == "sqlite" else "postgres_store"
    found: SqlStore = request.getfixturevalue(name)
    sql.empty(found)
    return found


def nothing_stored(store: SqlStore) -> bool:
    """Whether every table is empty."""
    from klickit_core.adapters.sql.tables import metadata

    with store.engine.connect() as connection:
        return all(
            connection.execute(text(f"SELECT COUNT(*) FROM {table.name}")).scalar_one() == 0  # noqa: S608
            for table in metadata.sorted_tables
        )


# ---------------------------------------------------------------------- values that do not fit

TOO_LONG = "x" * 250 + "@example.fr"  # 261 characters: more than an email column holds


@pytest.mark.parametrize(
    ("write", "field", "code"),
    [
        (lambda uow: uow.customers.add(customer("c-1", TOO_LONG)), "customers.email", "too_long"),
        (
            lambda uow: uow.reviews.add(attrs.evolve(review("r-1"), author_email=TOO_LONG)),
            "reviews.author_email",
            "too_long",
        ),
        (
            lambda uow: uow.orders.add(
                attrs.evolve(
                    order("o-1"), contact=attrs.evolve(order("o-1").contact, first_name="é" * 201)
                )
            ),
            "orders.contact_first_name",
            "too_long",
        ),
        (
            lambda uow: uow.consents.add(
                attrs.evolve(consent("k-1", "a@example.fr", 0), purpose="news\x00letter")
            ),
            "consents.purpose",
            "invalid_text",
        ),
        (
            lambda uow: uow.orders.add(attrs.evolve(order("o-1"), shipping_minor=2**63)),
            "orders.shipping_minor",
            "out_of_range",
        ),
        (
            lambda uow: uow.processed_events.record("evt_" + "9" * 300, at(0)),
            "processed_events.event_id",
            "too_long",
        ),
    ],
    ids=["email", "review_email", "contact_name", "nul_character", "big_number", "event_id"],
)
def test_a_value_that_does_not_fit_is_refused_before_writing(
    store: SqlStore, write: Callable[[Uow], None], field: str, code: str
) -> None:
    """X-9: the typed error names the column, holds no value, and the unit of work's
    other writes are not committed either."""
    with store.unit_of_work() as uow:
        uow.products.add(product("MUG"))
        with pytest.raises(UnstorableValueError) as refused:
            write(uow)
        uow.commit()  # what was staged before the refusal is still the caller's to commit
    error = refused.value
    assert isinstance(error, ValidationError)
    assert error.code == "storage.unstorable_value"
    assert error.codes == {field: f"storage.{code}"}
    for text_form in (str(error), repr(unstructure(error)), error.message("fr")):
        assert "xxxxx" not in text_form
        assert "ééééé" not in text_form
        assert "letter" not in text_form
    with store.unit_of_work() as uow:
        assert uow.products.get("MUG") == product("MUG")
        assert uow.customers.get("c-1") is None
        assert uow.orders.get("o-1") is None


def test_a_refused_value_leaves_nothing_when_the_block_ends(store: SqlStore) -> None:
    """X-5, X-9: the usual shape: the error leaves the ``with`` block, nothing is written."""

    def place() -> None:
        with store.unit_of_work() as uow:
            uow.products.add(product("MUG"))
            uow.sessions.add(visit("s-1"))
            uow.customers.add(customer("c-1", "camille@example.fr", first_name="C" * 201))
            uow.commit()

    with pytest.raises(UnstorableValueError):
        place()
    assert nothing_stored(store)


# ---------------------------------------------------------------------- unique keys at commit


def _clash_email(uow: Uow, n: int) -> None:
    uow.customers.add(customer(f"c-{n}", "camille@example.fr"))


def _clash_username(uow: Uow, n: int) -> None:
    uow.customers.add(customer(f"c-{n}", f"user{n}@example.fr", "Camille" if n == 1 else "CAMILLE"))


def _clash_sku(uow: Uow, n: int) -> None:
    uow.products.add(product("MUG", f"{n}.00"))


def _clash_event(uow: Uow, n: int) -> None:
    uow.processed_events.record("evt_1", at(n))


def _clash_payment(uow: Uow, n: int) -> None:
    uow.payments.add(payment("pay-1", f"order-{n}"))


def _clash_reference(uow: Uow, n: int) -> None:
    uow.payments.add(payment(f"pay-{n}").authorized(reference="ch_1", at=at(1)))


def _clash_order(uow: Uow, n: int) -> None:
    uow.orders.add(order("order-1", n))


@pytest.mark.parametrize(
    ("write", "expected", "details"),
    [
        (_clash_email, DuplicateAccountError, {}),
        (_clash_username, DuplicateAccountError, {}),
        (_clash_sku, DuplicateProductError, {"sku": "MUG"}),
        (_clash_event, DuplicateEventError, {}),
        (_clash_payment, DuplicatePaymentError, {}),
        (_clash_reference, ConflictError, {"table": "payments"}),
        (_clash_order, ConflictError, {"table": "orders"}),
    ],
    ids=["email", "username", "sku", "event_id", "payment_id", "gateway_reference", "order_id"],
)
def test_a_key_taken_meanwhile_is_the_ports_error_and_nothing_else_is_written(
    store: SqlStore,
    write: Callable[[Uow, int], None],
    expected: type[KlickitError],
    details: dict[str, object],
) -> None:
    """X-5, X-9: both transactions pass the early check; the unique constraint stops the
    second at commit with the port's typed error, and none of its other writes land."""
    with store.unit_of_work() as first, store.unit_of_work() as second:
        write(first, 1)
        write(second, 2)
        second.products.add(product("OTHER"))
        second.sessions.add(visit("s-2"))
        first.commit()
        with pytest.raises(ConflictError) as refused:
            second.commit()
    assert type(refused.value) is expected
    assert dict(refused.value.details) == details
    assert "camille" not in str(refused.value).lower()
    with store.unit_of_work() as uow:
        assert uow.products.get("OTHER") is None
        assert uow.sessions.get("s-2") is None


def test_a_failed_commit_leaves_the_unit_of_work_usable(store: SqlStore) -> None:
    """X-5: after a refused commit the same block can start over (a retry)."""
    with store.unit_of_work() as uow:
        uow.products.add(product("MUG"))
        uow.commit()
    with store.unit_of_work() as uow, store.unit_of_work() as other:
        uow.products.add(product("TEA"))
        other.products.add(product("TEA", "2.00"))
        other.commit()
        with pytest.raises(DuplicateProductError):
            uow.commit()
        uow.products.add(product("BOOK"))
        uow.commit()
    with store.unit_of_work() as uow:
        assert sorted(uow.products.get_many(["MUG", "TEA", "BOOK"])) == ["BOOK", "MUG", "TEA"]


def test_a_hash_for_a_missing_customer_is_not_found(store: SqlStore) -> None:
    """X-9: credentials belong to an account: the foreign key's refusal is typed."""
    with store.unit_of_work() as uow:
        uow.credentials.set_password_hash("nobody", "$argon2id$x")
        with pytest.raises(CustomerNotFoundError):
            uow.commit()
    assert nothing_stored(store)


def test_a_stale_save_and_a_vanished_row_conflict(store: SqlStore) -> None:
    """X-5: versions guard every aggregate saved in place (orders here)."""
    with store.unit_of_work() as uow:
        uow.orders.add(order("o-1"))
        uow.commit()
    with store.unit_of_work() as stale, store.unit_of_work() as fresh:
        seen = stale.orders.get("o-1")
        current = fresh.orders.get("o-1")
        fresh.orders.save(current.moved_to(OrderStatus.CANCELLED, at(5), "staff"))
        fresh.commit()
        stale.orders.save(seen.moved_to(OrderStatus.PROCESSING, at(6), "gateway"))
        with pytest.raises(ConflictError) as refused:
            stale.commit()
    assert type(refused.value) is ConflictError
    assert refused.value.details == {"table": "orders"}
    with store.unit_of_work() as uow:
        stored = uow.orders.get("o-1")
        assert stored is not None
        assert stored.status is OrderStatus.CANCELLED
        assert [c.to_status for c in stored.history] == [OrderStatus.CANCELLED]


def test_add_then_save_in_one_unit_and_reads_see_the_change(store: SqlStore) -> None:
    """X-5: a value added and saved again before commit is written once, as saved."""
    with store.unit_of_work() as uow:
        uow.orders.add(order("o-1"))
        paid = order("o-1").with_payment(2980).moved_to(OrderStatus.PROCESSING, at(1), "gateway")
        uow.orders.save(paid)
        assert uow.orders.get("o-1") == paid
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.orders.get("o-1") == paid
        done = paid.moved_to(OrderStatus.COMPLETED, at(2), "staff")
        uow.orders.save(done)
        uow.orders.save(done)  # saving twice is one write
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.orders.get("o-1") == done


# ---------------------------------------------------------------------- locks and connections


def test_retry_on_conflict_turns_lost_updates_into_one_more_try(store: SqlStore) -> None:
    """X-5: threads doing read-modify-write on one row all land, with retries."""
    with store.unit_of_work() as uow:
        uow.products.add(product("MUG", stock=30))
        uow.commit()

    def take_one() -> None:
        with store.unit_of_work() as uow:
            mug = uow.products.get("MUG")
            uow.products.save(mug.with_stock(mug.stock - 1))
            uow.commit()

    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(10):
                retry_on_conflict(take_one, attempts=200, backoff=0.001)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with store.unit_of_work() as uow:
        assert uow.products.get("MUG").stock == 0


def test_a_writer_that_waits_too_long_gets_a_retryable_conflict(tmp_path: Path) -> None:
    """X-9: SQLite's "database is locked" after the busy timeout is a ConflictError."""
    with sql.sqlite_store(tmp_path / "locked.db", connect_args={"timeout": 0.05}) as store:
        holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            with store.unit_of_work() as uow:
                uow.products.add(product("MUG"))
                with pytest.raises(ConflictError) as refused:
                    uow.commit()
            assert type(refused.value) is ConflictError
        finally:
            holder.execute("ROLLBACK")
            holder.close()


@pytest.mark.postgres
def test_a_postgres_lock_timeout_is_a_retryable_conflict(postgres_store: SqlStore) -> None:
    """X-9: PostgreSQL's lock_timeout (55P03) while a row is locked: a ConflictError."""
    sql.empty(postgres_store)
    with postgres_store.unit_of_work() as uow:
        uow.products.add(product("MUG", stock=5))
        uow.commit()
    with postgres_store.engine.connect() as holder:
        holder.execute(text("SELECT sku FROM products WHERE sku = 'MUG' FOR UPDATE"))
        with postgres_store.unit_of_work() as uow:
            uow.connection().execute(text("SET lock_timeout = '50ms'"))
            try:
                uow.products.reserve_stock("MUG", 1)
                with pytest.raises(ConflictError) as refused:
                    uow.commit()
            finally:  # the setting would follow the connection back to the pool
                uow.connection().execute(text("RESET lock_timeout"))
        holder.rollback()
    assert type(refused.value) is ConflictError
    with postgres_store.unit_of_work() as uow:
        assert uow.products.get("MUG").stock == 5


def test_an_unreachable_database_is_typed(tmp_path: Path) -> None:
    """X-9: a database that cannot be opened is DatabaseUnavailableError."""
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'missing-dir' / 'shop.db'}")
    try:
        with pytest.raises(DatabaseUnavailableError), store.unit_of_work() as uow:
            uow.products.get("MUG")
        with pytest.raises(DatabaseUnavailableError):
            store.create_schema()
    finally:
        store.close()


@pytest.mark.postgres
def test_an_unreachable_postgres_is_typed() -> None:
    """X-9: no server at the address: DatabaseUnavailableError, the password unsaid."""
    store = SqlStore.from_url(
        "postgresql+psycopg://shop:s3cret@127.0.0.1:1/shop", connect_args={"connect_timeout": 2}
    )
    try:
        with pytest.raises(DatabaseUnavailableError) as refused, store.unit_of_work() as uow:
            uow.products.get("MUG")
        assert "s3cret" not in str(refused.value)
    finally:
        store.close()


def test_no_driver_exception_escapes_a_repository(store: SqlStore) -> None:
    """X-9: each case has one outcome, pinned, and it is the port's typed error, never a
    SQLAlchemy exception: a value the driver would refuse, a missing product, a session
    saved that was never added."""
    with store.unit_of_work() as uow:
        with pytest.raises(UnstorableValueError) as too_long:
            uow.customers.add(customer("c-1", TOO_LONG))
        assert too_long.value.codes == {"customers.email": "storage.too_long"}
        with pytest.raises(ProductNotFoundError) as missing:
            uow.products.reserve_stock("NOPE", 1)
        assert missing.value.details == {"sku": "NOPE"}
        with pytest.raises(SessionNotFoundError):
            uow.sessions.save(visit("s-404"))
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.sessions.get("s-404") is None
        assert uow.customers.get("c-1") is None


# ---------------------------------------------------------------------- the unit of work itself


def test_a_unit_of_work_is_only_usable_inside_its_block(store: SqlStore) -> None:
    """X-5: outside ``with`` there is no connection: a typed error, not a leak."""
    uow = store.unit_of_work()
    with pytest.raises(InactiveUnitOfWorkError) as outside:
        uow.products.get("MUG")
    assert outside.value.details == {"reason": "not_entered"}
    with uow:
        uow.products.add(product("MUG"))
        uow.commit()
        uow.products.add(product("TEA"))  # after commit: a new transaction in the block
        with pytest.raises(InactiveUnitOfWorkError) as twice, uow:
            pass
        assert twice.value.details == {"reason": "already_entered"}
    with pytest.raises(InactiveUnitOfWorkError):
        uow.commit()
    with uow:
        assert uow.products.get("MUG") == product("MUG")
        assert uow.products.get("TEA") is None  # left without commit


def test_connections_go_back_to_the_pool(store: SqlStore) -> None:
    """X-5: a unit of work holds one connection only inside its block."""
    pool = store.engine.pool
    before = pool.checkedout()  # type: ignore[attr-defined]
    with store.unit_of_work() as uow:
        uow.products.get("MUG")
        uow.orders.list()
        assert pool.checkedout() == before + 1  # type: ignore[attr-defined]
    assert pool.checkedout() == before  # type: ignore[attr-defined]


# ---------------------------------------------------------------------- round trips and queries


def test_datetimes_come_back_aware_in_utc(store: SqlStore) -> None:
    """X-3, X-5: any aware time is stored as UTC and read back aware, to the microsecond."""
    paris = timezone(timedelta(hours=2))
    moment = datetime(2026, 6, 1, 14, 30, 15, 123456, tzinfo=paris)
    with store.unit_of_work() as uow:
        uow.reviews.add(attrs.evolve(review("r-1"), created_at=moment))
        uow.commit()
    with store.unit_of_work() as uow:
        stored = uow.reviews.get("r-1").created_at
    assert stored == moment
    assert stored.tzinfo is UTC
    assert stored.hour == 12
    naive = attrs.evolve(review("r-2"), created_at=datetime(2026, 6, 1))  # noqa: DTZ001
    with store.unit_of_work() as uow, pytest.raises(UnstorableValueError) as refused:
        uow.reviews.add(naive)
    assert refused.value.codes == {"reviews.created_at": "storage.naive_datetime"}


class StatementCounter:
    """Counts the statements an engine runs."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.count = 0

    def __enter__(self) -> StatementCounter:
        event.listen(self.store.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc_info: object) -> None:
        event.remove(self.store.engine, "before_cursor_execute", self._count)

    def _count(self, *args: object) -> None:
        self.count += 1


def test_pages_of_orders_load_without_a_query_per_order(store: SqlStore) -> None:
    """X-5: a page of orders is one query for the orders and one per child table (plus
    a version check), however many orders it holds; so are products and payments."""
    with store.unit_of_work() as uow:
        for n in range(30):
            uow.orders.add(order(f"o-{n:02d}", n))
            uow.products.add(product(f"P{n:02d}", categories=("maison", "livres")))
            uow.payments.add(payment(f"pay-{n}", "o-01", n))
        uow.commit()
    with store.unit_of_work() as uow:
        uow.products.get("P00")  # the connection is open before counting
        with StatementCounter(store) as orders_counted:
            assert len(uow.orders.list(limit=25)) == 25
        with StatementCounter(store) as products_counted:
            assert len(uow.products.get_many(f"P{n:02d}" for n in range(30))) == 30
        with StatementCounter(store) as payments_counted:
            assert len(uow.payments.for_order("o-01")) == 30
    assert orders_counted.count == 5
    assert products_counted.count == 2
    assert payments_counted.count == 3


def test_a_commit_writes_an_order_in_a_few_statements(store: SqlStore) -> None:
    """X-5: an order's lines, VAT and history go in with one statement per table."""
    many_lines = attrs.evolve(order("o-1"), lines=order("o-1").lines * 20)
    with store.unit_of_work() as uow:
        uow.orders.add(many_lines)
        with StatementCounter(store) as counted:
            uow.commit()
    # BEGIN (SQLite) or none (psycopg begins implicitly), 4 inserts; the COMMIT is not a cursor
    assert counted.count <= 5
    with store.unit_of_work() as uow:
        assert uow.orders.get("o-1") == many_lines


def test_order_numbers_are_not_taken_back_by_a_failed_commit(store: SqlStore) -> None:
    """CHK-4: the number is committed on its own, like a sequence."""
    with store.unit_of_work() as uow, store.unit_of_work() as other:
        first = uow.orders.next_number(2026)
        uow.orders.add(order("o-1"))
        other.orders.add(order("o-1"))
        other.commit()
        with pytest.raises(ConflictError):
            uow.commit()
    with store.unit_of_work() as uow:
        assert uow.orders.next_number(2026) == first + 1


@pytest.fixture
def sqlite_statements(tmp_path: Path) -> Iterator[tuple[SqlStore, list[str]]]:
    with sql.sqlite_store(tmp_path / "statements.db") as store:
        seen: list[str] = []

        def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
            seen.append(
                statement.split(maxsplit=1)[0].upper()
                + (" IMMEDIATE" if "IMMEDIATE" in statement else "")
            )

        event.listen(store.engine, "before_cursor_execute", record)
        yield store, seen


def test_sqlite_reads_take_no_lock_and_writes_begin_immediate(
    sqlite_statements: tuple[SqlStore, list[str]],
) -> None:
    """X-5: reads run in autocommit; the commit opens with BEGIN IMMEDIATE, so a writer
    waits for the lock up front instead of failing to upgrade a read lock."""
    store, seen = sqlite_statements
    with store.unit_of_work() as uow:
        uow.products.get("MUG")
        uow.products.add(product("MUG"))  # its existence check reuses the read above
        assert seen == ["SELECT"]
        uow.commit()
    assert seen[1:] == ["BEGIN IMMEDIATE", "INSERT", "INSERT"][: len(seen) - 1]
    assert seen[1] == "BEGIN IMMEDIATE"
    with store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30_000


@pytest.mark.postgres
def test_postgres_writes_are_read_committed(postgres_store: SqlStore) -> None:
    """X-5: the write transaction runs at READ COMMITTED; reads run in autocommit."""
    with postgres_store.unit_of_work() as uow:
        assert uow.connection().connection.driver_connection.autocommit is True
    with postgres_store.engine.connect() as connection:
        level = connection.execute(text("SHOW transaction_isolation")).scalar()
    assert level == "read committed"


@pytest.mark.parametrize(
    "key", ["s-\x00", "s-\ud800", "s" * 5000], ids=["nul", "surrogate", "long"]
)
def test_looking_up_a_value_no_column_can_hold_finds_nothing(store: SqlStore, key: str) -> None:
    """X-9: ids and emails from outside (a cookie, a form) that could never be stored are
    simply not found, on every backend, and the unit of work goes on."""
    with store.unit_of_work() as uow:
        assert uow.sessions.get(key) is None
        assert uow.customers.by_email(key) is None
        assert uow.customers.by_username(key) is None
        assert uow.payments.by_reference(key) is None
        assert uow.orders.list(email=key) == []
        assert uow.processed_events.seen(key) is False
        uow.products.add(product("MUG"))
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.products.get("MUG") == product("MUG")
