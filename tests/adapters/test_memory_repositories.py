"""X-5: the contract of the repositories added with orders, accounts, consents, the access
log and payments, run against the in-memory backend.

Like ``test_memory_store.py``, :class:`ShopRepositoryContract` holds the tests and needs
one fixture, ``make_uow``: a callable opening a new unit of work on one shared, initially
empty store. A backend subclasses it and provides the fixture; the tests use only the ports
(``products``, ``stock_movements``, ``orders``, ``support_requests``, ``customers``,
``credentials``, ``consents``, ``access_log``, ``payments``, ``processed_events``, and the
transaction), never the backend's internals.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

from klickit_core.accounts.domain import Customer
from klickit_core.accounts.ports import CustomerNotFoundError, DuplicateAccountError
from klickit_core.adapters.memory import MemoryStore
from klickit_core.catalogue.domain import Product, StockMovement, StockReason
from klickit_core.catalogue.ports import OutOfStockError, ProductNotFoundError
from klickit_core.consents.domain import TERMS_OF_SALE, ConsentRecord
from klickit_core.orders.domain import (
    Contact,
    Order,
    OrderLine,
    OrderStatus,
    SupportKind,
    SupportRequest,
    VatSnapshot,
)
from klickit_core.orders.ports import OrderNotFoundError, SupportRequestNotFoundError
from klickit_core.payments.domain import Payment
from klickit_core.payments.ports import (
    DuplicateEventError,
    DuplicatePaymentError,
    PaymentNotFoundError,
)
from klickit_core.shared.access_log import AccessLogEntry
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.errors import ConflictError
from klickit_core.shared.money import Money

from .contract_base import ContractBase, MakeUow

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
HOME = PostalAddress("FR", "69003", "Lyon", ("12 rue des Lilas",))


# ---------------------------------------------------------------------- builders
def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def product(sku: str, stock: int | None = 10) -> Product:
    return Product(sku, f"Produit {sku}", Money(Decimal("14.90"), "EUR"), stock=stock)


def movement(
    movement_id: str, order_id: str | None, minutes: int, delta: int = -1
) -> StockMovement:
    reason = StockReason.ORDER_RESERVED if delta < 0 else StockReason.ORDER_RELEASED
    return StockMovement(movement_id, "MUG", delta, reason, at(minutes), order_id)


def order(
    order_id: str,
    minutes: int = 0,
    *,
    status: OrderStatus = OrderStatus.PENDING_PAYMENT,
    customer_id: str | None = "cust-1",
    email: str = "alice@example.fr",
) -> Order:
    line = OrderLine("MUG", "Mug", 2, 1490, 2980, "20")
    return Order(
        id=order_id,
        number=f"KL-2026-{order_id}",
        currency="EUR",
        contact=Contact("Alice", "Martin", email, "+33612345678"),
        billing_address=HOME,
        shipping_address=HOME,
        lines=(line,),
        vat=(VatSnapshot("20", 2980, 497),),
        shipping_method=None,
        shipping_minor=0,
        total_minor=2980,
        placed_at=at(minutes),
        status=status,
        customer_id=customer_id,
    )


def support_request(request_id: str, order_id: str, minutes: int = 0) -> SupportRequest:
    return SupportRequest(
        request_id, order_id, SupportKind.TRACKING, "Où est mon colis ?", at(minutes), "cust-1"
    )


def customer(
    customer_id: str, email: str, username: str | None = None, **overrides: Any
) -> Customer:
    fields: dict[str, Any] = {
        "id": customer_id,
        "email": email,
        "first_name": "Camille",
        "last_name": "Martin",
        "created_at": T0,
        "updated_at": T0,
        "phone": "+33612345678",
        "billing_address": HOME,
        "username": username,
    }
    fields.update(overrides)
    return Customer(**fields)


def consent(record_id: str, email: str, minutes: int, granted: bool = True) -> ConsentRecord:
    return ConsentRecord(
        record_id, email, "newsletter", "nl-2026-01", granted, at(minutes), "account"
    )


def entry(entry_id: str, actor_id: str, subject: str, minutes: int) -> AccessLogEntry:
    return AccessLogEntry(
        entry_id, actor_id, "shop_manager", "customers.read", subject, at(minutes)
    )


def payment(payment_id: str, order_id: str = "order-1", minutes: int = 0) -> Payment:
    return Payment(
        id=payment_id,
        order_id=order_id,
        provider_id="sandbox",
        amount_minor=2980,
        currency="EUR",
        created_at=at(minutes),
        updated_at=at(minutes),
        idempotency_key=f"idem-{payment_id}".ljust(16, "0"),
    )


def ids_of(items: list[Any]) -> list[str]:
    """The ids of ``items``, in order."""
    return [item.id for item in items]


class ShopRepositoryContract(ContractBase):
    """What every persistence adapter must do for orders, accounts and payments (X-5)."""

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def stock(make_uow: MakeUow, sku: str) -> int | None:
        with make_uow() as uow:
            found: Product | None = uow.products.get(sku)
            assert found is not None
            return found.stock

    # ------------------------------------------------------------------ stock reservation
    def test_reserve_stock_takes_from_tracked_stock(self, make_uow: MakeUow) -> None:
        """CHK-4: reservations decrement the stock; the transaction sees its own
        reservations add up; commit makes them visible."""
        self.seed(make_uow, product("MUG", stock=10))
        with make_uow() as uow:
            uow.products.reserve_stock("MUG", 3)
            uow.products.reserve_stock("MUG", 2)
            assert uow.products.get("MUG").stock == 5
            uow.commit()
        assert self.stock(make_uow, "MUG") == 5

    def test_reserve_stock_may_take_the_last_unit_but_never_below_zero(
        self, make_uow: MakeUow
    ) -> None:
        """CHK-4: the whole stock may go; one more is OutOfStockError, which says how many
        are left, and changes nothing (not even within the transaction)."""
        self.seed(make_uow, product("MUG", stock=3), product("TEA", stock=5))
        with make_uow() as uow:
            uow.products.reserve_stock("TEA", 1)
            with pytest.raises(OutOfStockError) as raised:
                uow.products.reserve_stock("MUG", 4)
            assert raised.value.details == {"sku": "MUG", "available": 3}
            assert uow.products.get("MUG").stock == 3
            uow.products.reserve_stock("MUG", 3)
            with pytest.raises(OutOfStockError):
                uow.products.reserve_stock("MUG", 1)
            assert uow.products.get("MUG").stock == 0
            uow.commit()
        assert self.stock(make_uow, "MUG") == 0
        assert self.stock(make_uow, "TEA") == 4

    def test_failed_reservation_in_a_fresh_transaction_leaves_stock_alone(
        self, make_uow: MakeUow
    ) -> None:
        """CHK-4, X-9: a refused reservation followed by a commit writes nothing."""
        self.seed(make_uow, product("MUG", stock=2))
        with make_uow() as uow:
            with pytest.raises(OutOfStockError):
                uow.products.reserve_stock("MUG", 3)
            uow.commit()
        assert self.stock(make_uow, "MUG") == 2

    def test_untracked_stock_is_left_untouched(self, make_uow: MakeUow) -> None:
        """CHK-4: a product without stock tracking is always available and stays
        untracked through reservations and releases."""
        self.seed(make_uow, product("EBOOK", stock=None))
        with make_uow() as uow:
            uow.products.reserve_stock("EBOOK", 10_000)
            uow.products.release_stock("EBOOK", 3)
            assert uow.products.get("EBOOK").stock is None
            uow.commit()
        assert self.stock(make_uow, "EBOOK") is None

    def test_reserving_an_unknown_product_is_not_found(self, make_uow: MakeUow) -> None:
        """X-9: ProductNotFoundError, not a crash."""
        with make_uow() as uow, pytest.raises(ProductNotFoundError):
            uow.products.reserve_stock("NOPE", 1)

    def test_release_stock_gives_units_back(self, make_uow: MakeUow) -> None:
        """ORD-1: a cancelled or failed order's units come back."""
        self.seed(make_uow, product("MUG", stock=10))
        with make_uow() as uow:
            uow.products.reserve_stock("MUG", 4)
            uow.commit()
        with make_uow() as uow:
            uow.products.release_stock("MUG", 4)
            uow.products.release_stock("MUG", 1)
            assert uow.products.get("MUG").stock == 11
            uow.commit()
        assert self.stock(make_uow, "MUG") == 11

    def test_reservations_roll_back_with_their_transaction(self, make_uow: MakeUow) -> None:
        """CHK-4, X-5: a checkout that fails after reserving leaves the stock as it was."""
        self.seed(make_uow, product("MUG", stock=10))
        with make_uow() as uow:
            uow.products.reserve_stock("MUG", 4)
            uow.stock_movements.add(movement("m-1", "order-1", 0, -4))
        assert self.stock(make_uow, "MUG") == 10
        with make_uow() as uow:
            assert uow.stock_movements.for_order("order-1") == []

    def test_concurrent_reservations_of_the_same_stock_conflict(self, make_uow: MakeUow) -> None:
        """CHK-4: two transactions reserving the last units: the second commit conflicts
        instead of overselling."""
        self.seed(make_uow, product("MUG", stock=1))
        with make_uow() as first, make_uow() as second:
            first.products.reserve_stock("MUG", 1)
            second.products.reserve_stock("MUG", 1)
            first.commit()
            with pytest.raises(ConflictError):
                second.commit()
        assert self.stock(make_uow, "MUG") == 0

    def test_twenty_threads_never_oversell_ten_units(self, make_uow: MakeUow) -> None:
        """CHK-4: "never oversell, also under concurrent checkouts": 20 threads each
        reserve one unit of a stock of 10 in their own unit of work, retrying on conflict:
        exactly 10 succeed, 10 are told it is sold out, the stock ends at 0 and the journal
        holds 10 reservations."""
        self.seed(make_uow, product("MUG", stock=10))
        workers = 20
        max_attempts = 200
        barrier = threading.Barrier(workers)
        lock = threading.Lock()
        outcomes: list[str] = []
        errors: list[BaseException] = []

        def checkout(number: int) -> None:
            try:
                barrier.wait(timeout=10)
                for _attempt in range(max_attempts):
                    try:
                        with make_uow() as uow:
                            uow.products.reserve_stock("MUG", 1)
                            time.sleep(0.001)  # the rest of the checkout: others run now
                            uow.stock_movements.add(movement(f"m-{number}", f"order-{number}", 0))
                            uow.commit()
                        result = "sold"
                    except OutOfStockError:
                        result = "sold_out"
                    except ConflictError:
                        continue  # someone else won this round: try again
                    with lock:
                        outcomes.append(result)
                    return
                with lock:
                    outcomes.append("gave_up")
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=checkout, args=(n,)) for n in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        assert not any(thread.is_alive() for thread in threads)
        assert sorted(outcomes) == ["sold"] * 10 + ["sold_out"] * 10
        assert self.stock(make_uow, "MUG") == 0
        with make_uow() as uow:
            journal = [
                m for n in range(workers) for m in uow.stock_movements.for_order(f"order-{n}")
            ]
        assert len(journal) == 10
        assert sum(m.delta for m in journal) == -10

    # ------------------------------------------------------------------ stock movements
    def test_stock_movements_for_an_order_oldest_first(self, make_uow: MakeUow) -> None:
        """CHK-4, ORD-1: the journal of one order, oldest first whatever the insertion
        order; other orders' and unattached movements are left out."""
        with make_uow() as uow:
            uow.stock_movements.add(movement("m-3", "order-1", 30, +2))
            uow.stock_movements.add(movement("m-1", "order-1", 10, -2))
            uow.stock_movements.add(movement("m-2", "order-2", 20))
            uow.stock_movements.add(movement("m-0", None, 0, +5))
            uow.commit()
        with make_uow() as uow:
            assert [m.id for m in uow.stock_movements.for_order("order-1")] == ["m-1", "m-3"]
            assert uow.stock_movements.for_order("order-1")[0] == movement("m-1", "order-1", 10, -2)
            assert [m.id for m in uow.stock_movements.for_order("order-2")] == ["m-2"]
            assert uow.stock_movements.for_order("order-3") == []

    # ------------------------------------------------------------------ orders
    def test_orders_add_get_save(self, make_uow: MakeUow) -> None:
        """X-5, ORD-1: add, get (None when unknown), save replaces."""
        with make_uow() as uow:
            assert uow.orders.get("order-1") is None
            uow.orders.add(order("order-1"))
            uow.commit()
        paid = order("order-1", status=OrderStatus.PROCESSING)
        with make_uow() as uow:
            assert uow.orders.get("order-1") == order("order-1")
            uow.orders.save(paid)
            uow.commit()
        with make_uow() as uow:
            assert uow.orders.get("order-1") == paid

    def test_orders_add_duplicate_conflicts(self, make_uow: MakeUow) -> None:
        """X-5: an order id is unique, committed or pending: ConflictError."""
        with make_uow() as uow:
            uow.orders.add(order("order-1"))
            uow.commit()
        with make_uow() as uow:
            with pytest.raises(ConflictError):
                uow.orders.add(order("order-1", 5, email="other@example.fr"))
            uow.orders.add(order("order-2"))
            with pytest.raises(ConflictError):
                uow.orders.add(order("order-2", 5))
            uow.commit()
        with make_uow() as uow:
            assert uow.orders.get("order-1") == order("order-1")
            assert uow.orders.get("order-2") == order("order-2")

    def test_orders_save_missing_is_not_found(self, make_uow: MakeUow) -> None:
        """X-5, X-9: saving an order that does not exist raises and creates nothing."""
        with make_uow() as uow:
            with pytest.raises(OrderNotFoundError):
                uow.orders.save(order("order-1"))
            uow.commit()
        with make_uow() as uow:
            assert uow.orders.get("order-1") is None

    def test_order_numbers_count_per_year(self, make_uow: MakeUow) -> None:
        """CHK-4: numbers are 1, 2, 3… within a year; each year starts again at 1."""
        with make_uow() as uow:
            assert [uow.orders.next_number(2026) for _ in range(3)] == [1, 2, 3]
            assert uow.orders.next_number(2027) == 1
            uow.commit()
        with make_uow() as uow:
            assert uow.orders.next_number(2026) == 4
            assert uow.orders.next_number(2027) == 2

    def test_order_numbers_never_repeat_even_after_rollback(self, make_uow: MakeUow) -> None:
        """CHK-4: a number handed to a transaction that rolled back is never handed out
        again (its order may have been shown or mailed before the failure)."""
        with make_uow() as uow:
            first = [uow.orders.next_number(2026) for _ in range(2)]
        with make_uow() as uow:
            later = uow.orders.next_number(2026)
            uow.commit()
        assert first == [1, 2]
        assert later > max(first)

    def test_concurrent_transactions_get_distinct_numbers(self, make_uow: MakeUow) -> None:
        """CHK-4: two checkouts at once never share an order number."""
        with make_uow() as first, make_uow() as second:
            numbers = [
                first.orders.next_number(2026),
                second.orders.next_number(2026),
                first.orders.next_number(2026),
                second.orders.next_number(2026),
            ]
            first.commit()
            second.commit()
        assert sorted(numbers) == [1, 2, 3, 4]

    def test_orders_list_filters_newest_first(self, make_uow: MakeUow) -> None:
        """ORD-1, PRV-3: every filter combines (statuses, customer, email); newest first,
        whatever the insertion order."""
        with make_uow() as uow:
            uow.orders.add(order("o-b", 20, customer_id="cust-1"))
            uow.orders.add(order("o-a", 10, status=OrderStatus.CANCELLED, customer_id="cust-1"))
            uow.orders.add(order("o-d", 40, customer_id=None, email="guest@example.fr"))
            uow.orders.add(
                order(
                    "o-c",
                    30,
                    status=OrderStatus.PROCESSING,
                    customer_id="cust-2",
                    email="bob@example.fr",
                )
            )
            uow.orders.add(order("o-e", 50, status=OrderStatus.COMPLETED, customer_id="cust-1"))
            uow.commit()
        with make_uow() as uow:
            assert ids_of(uow.orders.list()) == ["o-e", "o-d", "o-c", "o-b", "o-a"]
            assert ids_of(uow.orders.list(customer_id="cust-1")) == ["o-e", "o-b", "o-a"]
            assert ids_of(uow.orders.list(email="alice@example.fr")) == ["o-e", "o-b", "o-a"]
            assert ids_of(uow.orders.list(email="guest@example.fr")) == ["o-d"]
            assert ids_of(
                uow.orders.list(statuses=[OrderStatus.PENDING_PAYMENT, OrderStatus.PROCESSING])
            ) == ["o-d", "o-c", "o-b"]
            assert ids_of(
                uow.orders.list(
                    statuses=[OrderStatus.COMPLETED, OrderStatus.CANCELLED], customer_id="cust-1"
                )
            ) == ["o-e", "o-a"]
            assert (
                ids_of(uow.orders.list(statuses=[OrderStatus.PROCESSING], email="alice@example.fr"))
                == []
            )
            assert uow.orders.list(statuses=[]) == []
            assert uow.orders.list(customer_id="nobody") == []

    def test_orders_list_pages_with_limit_and_offset(self, make_uow: MakeUow) -> None:
        """ORD-1: limit and offset page through the newest-first list after filtering."""
        with make_uow() as uow:
            for n in range(7):
                uow.orders.add(order(f"o-{n}", n * 10, customer_id="cust-1"))
            uow.orders.add(order("o-x", 100, customer_id="cust-2"))
            uow.commit()
        with make_uow() as uow:
            assert ids_of(uow.orders.list(customer_id="cust-1", limit=3)) == ["o-6", "o-5", "o-4"]
            assert ids_of(uow.orders.list(customer_id="cust-1", limit=3, offset=3)) == [
                "o-3",
                "o-2",
                "o-1",
            ]
            assert ids_of(uow.orders.list(customer_id="cust-1", limit=3, offset=6)) == ["o-0"]
            assert uow.orders.list(customer_id="cust-1", offset=7) == []
            assert ids_of(uow.orders.list(limit=1)) == ["o-x"]
            assert uow.orders.list(limit=0) == []

    def test_orders_list_sees_the_transactions_own_changes(self, make_uow: MakeUow) -> None:
        """X-5: a status changed in this transaction is what its listing filters on."""
        with make_uow() as uow:
            uow.orders.add(order("order-1"))
            uow.commit()
        with make_uow() as uow:
            uow.orders.save(order("order-1", status=OrderStatus.CANCELLED))
            assert uow.orders.list(statuses=[OrderStatus.PENDING_PAYMENT]) == []
            assert [o.id for o in uow.orders.list(statuses=[OrderStatus.CANCELLED])] == ["order-1"]

    # ------------------------------------------------------------------ support requests
    def test_support_requests_add_get_save_for_order(self, make_uow: MakeUow) -> None:
        """ORD-2: add, get, save (closing), unknown and missing requests; for_order is
        oldest first and per order."""
        with make_uow() as uow:
            uow.support_requests.add(support_request("r-3", "order-1", 30))
            uow.support_requests.add(support_request("r-1", "order-1", 10))
            uow.support_requests.add(support_request("r-2", "order-2", 20))
            with pytest.raises(SupportRequestNotFoundError):
                uow.support_requests.save(support_request("r-9", "order-1"))
            uow.commit()
        closed = support_request("r-1", "order-1", 10).closed("manager-1", at(60))
        with make_uow() as uow:
            assert uow.support_requests.get("r-1") == support_request("r-1", "order-1", 10)
            assert uow.support_requests.get("r-9") is None
            assert [r.id for r in uow.support_requests.for_order("order-1")] == ["r-1", "r-3"]
            assert [r.id for r in uow.support_requests.for_order("order-2")] == ["r-2"]
            assert uow.support_requests.for_order("order-3") == []
            uow.support_requests.save(closed)
            uow.commit()
        with make_uow() as uow:
            assert uow.support_requests.get("r-1") == closed
            assert uow.support_requests.for_order("order-1")[0] == closed

    # ------------------------------------------------------------------ customers
    def test_customers_add_get_and_look_ups(self, make_uow: MakeUow) -> None:
        """CHK-3: by id, by (normalised) email, by username case-insensitively."""
        camille = customer("c-1", "camille@example.fr", "Camille.M")
        with make_uow() as uow:
            uow.customers.add(camille)
            uow.customers.add(customer("c-2", "bob@example.fr"))
            uow.commit()
        with make_uow() as uow:
            assert uow.customers.get("c-1") == camille
            assert uow.customers.get("c-9") is None
            assert uow.customers.by_email("camille@example.fr") == camille
            assert uow.customers.by_email("nobody@example.fr") is None
            for spelling in ("Camille.M", "camille.m", "CAMILLE.M"):
                assert uow.customers.by_username(spelling) == camille
            assert uow.customers.by_username("camille") is None
            assert uow.customers.by_username("bob") is None  # c-2 has no username

    @pytest.mark.parametrize(
        "clash",
        [
            customer("c-2", "camille@example.fr", "other"),  # same email
            customer("c-2", "other@example.fr", "CAMILLE"),  # same username, another case
            customer("c-1", "other@example.fr", "other"),  # same id
        ],
        ids=["email", "username", "id"],
    )
    def test_customers_are_unique(self, make_uow: MakeUow, clash: Customer) -> None:
        """CHK-3: email, username (case-insensitive) and id are unique, against committed
        and pending customers: DuplicateAccountError, and nothing is added."""
        with make_uow() as uow:
            uow.customers.add(customer("c-1", "camille@example.fr", "camille"))
            uow.commit()
        with make_uow() as uow:
            with pytest.raises(DuplicateAccountError):
                uow.customers.add(clash)
            uow.commit()
        with make_uow() as uow:
            assert uow.customers.by_email("other@example.fr") is None
            assert uow.customers.get("c-1") == customer("c-1", "camille@example.fr", "camille")
        with make_uow() as uow:
            uow.customers.add(customer("c-5", "pending@example.fr", "pending"))
            with pytest.raises(DuplicateAccountError):
                uow.customers.add(customer("c-6", "pending@example.fr"))
            with pytest.raises(DuplicateAccountError):
                uow.customers.add(customer("c-7", "seven@example.fr", "PENDING"))

    def test_customers_without_username_do_not_clash(self, make_uow: MakeUow) -> None:
        """CHK-3: "no username" is not a username."""
        with make_uow() as uow:
            uow.customers.add(customer("c-1", "a@example.fr"))
            uow.customers.add(customer("c-2", "b@example.fr"))
            uow.commit()
        with make_uow() as uow:
            assert uow.customers.get("c-2") == customer("c-2", "b@example.fr")

    def test_customers_save(self, make_uow: MakeUow) -> None:
        """CHK-3: save replaces (a changed email frees the old one); another account's email
        is refused; a missing customer is not found."""
        with make_uow() as uow:
            uow.customers.add(customer("c-1", "camille@example.fr", "camille"))
            uow.customers.add(customer("c-2", "bob@example.fr", "bob"))
            uow.commit()
        moved = customer("c-1", "camille.martin@example.fr", "camille", phone=None)
        with make_uow() as uow:
            uow.customers.save(moved)
            with pytest.raises(DuplicateAccountError):
                uow.customers.save(customer("c-2", "camille.martin@example.fr", "bob"))
            with pytest.raises(CustomerNotFoundError):
                uow.customers.save(customer("c-9", "nine@example.fr"))
            uow.commit()
        with make_uow() as uow:
            assert uow.customers.get("c-1") == moved
            assert uow.customers.by_email("camille@example.fr") is None
            assert uow.customers.by_email("camille.martin@example.fr") == moved
            assert uow.customers.get("c-2") == customer("c-2", "bob@example.fr", "bob")
            assert uow.customers.get("c-9") is None
            uow.customers.add(customer("c-3", "camille@example.fr"))  # the old email is free
            uow.commit()

    # ------------------------------------------------------------------ credentials
    def test_credentials_set_replace_and_read(self, make_uow: MakeUow) -> None:
        """SEC-1: one hash per customer, replaced on a password change, None when unset;
        uncommitted changes vanish."""
        with make_uow() as uow:
            assert uow.credentials.password_hash("c-1") is None
            uow.credentials.set_password_hash("c-1", "$argon2id$first")
            uow.credentials.set_password_hash("c-2", "$argon2id$other")
            uow.commit()
        with make_uow() as uow:
            uow.credentials.set_password_hash("c-1", "$argon2id$second")
            assert uow.credentials.password_hash("c-1") == "$argon2id$second"
        with make_uow() as uow:
            assert uow.credentials.password_hash("c-1") == "$argon2id$first"
            uow.credentials.set_password_hash("c-1", "$argon2id$second")
            uow.commit()
        with make_uow() as uow:
            assert uow.credentials.password_hash("c-1") == "$argon2id$second"
            assert uow.credentials.password_hash("c-2") == "$argon2id$other"
            assert uow.credentials.password_hash("c-3") is None

    # ------------------------------------------------------------------ consents
    def test_consents_for_subject_oldest_first(self, make_uow: MakeUow) -> None:
        """PRV-5: the ledger of one person, oldest first whatever the insertion order, a
        withdrawal kept beside the consent it withdraws."""
        with make_uow() as uow:
            uow.consents.add(consent("k-3", "camille@example.fr", 30, granted=False))
            uow.consents.add(consent("k-1", "camille@example.fr", 10))
            uow.consents.add(consent("k-2", "bob@example.fr", 20))
            uow.consents.add(
                attrs.evolve(
                    consent("k-0", "camille@example.fr", 0),
                    purpose=TERMS_OF_SALE,
                    channel="checkout",
                    order_id="order-1",
                )
            )
            uow.commit()
        with make_uow() as uow:
            ledger = uow.consents.for_subject("camille@example.fr")
            assert [r.id for r in ledger] == ["k-0", "k-1", "k-3"]
            assert [r.granted for r in ledger] == [True, True, False]
            assert ledger[2] == consent("k-3", "camille@example.fr", 30, granted=False)
            assert [r.id for r in uow.consents.for_subject("bob@example.fr")] == ["k-2"]
            assert uow.consents.for_subject("nobody@example.fr") == []

    # ------------------------------------------------------------------ access log
    def test_access_log_newest_first_with_filters_and_limit(self, make_uow: MakeUow) -> None:
        """X-6: entries newest first; by actor, by subject, both; limit keeps the newest."""
        with make_uow() as uow:
            uow.access_log.add(entry("e-2", "manager-1", "c-1", 20))
            uow.access_log.add(entry("e-4", "admin-1", "c-1", 40))
            uow.access_log.add(entry("e-1", "manager-1", "c-2", 10))
            uow.access_log.add(entry("e-3", "admin-1", "c-2", 30))
            uow.access_log.add(entry("e-5", "manager-1", "c-1", 50))
            uow.commit()
        with make_uow() as uow:
            assert ids_of(uow.access_log.entries()) == ["e-5", "e-4", "e-3", "e-2", "e-1"]
            assert ids_of(uow.access_log.entries(actor_id="manager-1")) == ["e-5", "e-2", "e-1"]
            assert ids_of(uow.access_log.entries(subject="c-2")) == ["e-3", "e-1"]
            assert ids_of(uow.access_log.entries(actor_id="admin-1", subject="c-1")) == ["e-4"]
            assert ids_of(uow.access_log.entries(limit=2)) == ["e-5", "e-4"]
            assert ids_of(uow.access_log.entries(actor_id="manager-1", limit=1)) == ["e-5"]
            assert uow.access_log.entries(actor_id="nobody") == []
            assert uow.access_log.entries()[0] == entry("e-5", "manager-1", "c-1", 50)

    # ------------------------------------------------------------------ payments
    def test_payments_add_get_save(self, make_uow: MakeUow) -> None:
        """PAY-3: add, get (None when unknown), save replaces; a duplicate id is
        DuplicatePaymentError (committed or pending); saving a missing one is
        PaymentNotFoundError."""
        first = payment("pay-1")
        with make_uow() as uow:
            assert uow.payments.get("pay-1") is None
            uow.payments.add(first)
            uow.payments.add(payment("pay-2"))
            with pytest.raises(DuplicatePaymentError):
                uow.payments.add(payment("pay-2"))
            with pytest.raises(PaymentNotFoundError):
                uow.payments.save(payment("pay-9"))
            uow.commit()
        captured = first.captured(2980, at=at(5), reference="ch_1")
        with make_uow() as uow:
            assert uow.payments.get("pay-1") == first
            with pytest.raises(DuplicatePaymentError):
                uow.payments.add(payment("pay-1"))
            uow.payments.save(captured)
            uow.commit()
        with make_uow() as uow:
            assert uow.payments.get("pay-1") == captured
            assert uow.payments.get("pay-9") is None

    def test_payments_for_order_oldest_first_and_by_reference(self, make_uow: MakeUow) -> None:
        """PAY-3, PAY-4: an order's payments oldest first; a payment found by its gateway
        reference once it has one."""
        with make_uow() as uow:
            uow.payments.add(payment("pay-c", "order-1", 30))
            uow.payments.add(payment("pay-a", "order-1", 10))
            uow.payments.add(payment("pay-b", "order-2", 20))
            uow.commit()
        with make_uow() as uow:
            assert [p.id for p in uow.payments.for_order("order-1")] == ["pay-a", "pay-c"]
            assert [p.id for p in uow.payments.for_order("order-2")] == ["pay-b"]
            assert uow.payments.for_order("order-3") == []
            assert uow.payments.by_reference("ch_1") is None
            authorized = uow.payments.get("pay-c").authorized(reference="ch_1", at=at(40))
            uow.payments.save(authorized)
            assert uow.payments.by_reference("ch_1") == authorized
            uow.commit()
        with make_uow() as uow:
            assert uow.payments.by_reference("ch_1") == authorized
            assert uow.payments.by_reference("ch_2") is None

    # ------------------------------------------------------------------ processed events
    def test_processed_events_are_recorded_once(self, make_uow: MakeUow) -> None:
        """PAY-4: an event id is recorded once: a second record is DuplicateEventError,
        in the same transaction or after commit; ``seen`` tells; a rollback forgets."""
        with make_uow() as uow:
            assert uow.processed_events.seen("evt_1") is False
            uow.processed_events.record("evt_1", at(0))
            assert uow.processed_events.seen("evt_1") is True
            with pytest.raises(DuplicateEventError):
                uow.processed_events.record("evt_1", at(1))
            uow.commit()
        with make_uow() as uow:
            assert uow.processed_events.seen("evt_1") is True
            with pytest.raises(DuplicateEventError):
                uow.processed_events.record("evt_1", at(2))
            uow.processed_events.record("evt_2", at(3))
        with make_uow() as uow:
            assert uow.processed_events.seen("evt_2") is False

    def test_concurrent_deliveries_of_one_event_cannot_both_commit(self, make_uow: MakeUow) -> None:
        """PAY-4: two deliveries of the same notification processed at once: one commits,
        the other's commit is refused (a ConflictError)."""
        with make_uow() as first, make_uow() as second:
            first.processed_events.record("evt_1", at(0))
            second.processed_events.record("evt_1", at(0))
            first.commit()
            with pytest.raises(ConflictError):
                second.commit()

    # ------------------------------------------------------------------ all together
    def test_one_transaction_spans_every_new_repository(self, make_uow: MakeUow) -> None:
        """X-5, CHK-4: placing an order writes many repositories; they commit together or
        roll back together."""

        def write_everything(uow: Any) -> None:
            uow.products.reserve_stock("MUG", 2)
            uow.stock_movements.add(movement("m-1", "order-1", 0, -2))
            uow.orders.add(order("order-1"))
            uow.support_requests.add(support_request("r-1", "order-1"))
            uow.customers.add(customer("c-1", "camille@example.fr"))
            uow.credentials.set_password_hash("c-1", "$argon2id$x")
            uow.consents.add(consent("k-1", "camille@example.fr", 0))
            uow.access_log.add(entry("e-1", "manager-1", "c-1", 0))
            uow.payments.add(payment("pay-1"))
            uow.processed_events.record("evt_1", at(0))

        def everything(uow: Any) -> list[object]:
            return [
                uow.products.get("MUG").stock,
                uow.stock_movements.for_order("order-1"),
                uow.orders.get("order-1"),
                uow.support_requests.get("r-1"),
                uow.customers.get("c-1"),
                uow.credentials.password_hash("c-1"),
                uow.consents.for_subject("camille@example.fr"),
                uow.access_log.entries(),
                uow.payments.get("pay-1"),
                uow.processed_events.seen("evt_1"),
            ]

        self.seed(make_uow, product("MUG", stock=10))
        nothing: list[object] = [10, [], None, None, None, None, [], [], None, False]
        with make_uow() as uow:
            write_everything(uow)
        with make_uow() as uow:
            assert everything(uow) == nothing
        with make_uow() as uow:
            write_everything(uow)
            uow.commit()
        with make_uow() as uow:
            assert everything(uow) == [
                8,
                [movement("m-1", "order-1", 0, -2)],
                order("order-1"),
                support_request("r-1", "order-1"),
                customer("c-1", "camille@example.fr"),
                "$argon2id$x",
                [consent("k-1", "camille@example.fr", 0)],
                [entry("e-1", "manager-1", "c-1", 0)],
                payment("pay-1"),
                True,
            ]


class TestMemoryShopRepositories(ShopRepositoryContract):
    """The contract on :class:`MemoryStore`."""

    @pytest.fixture
    def make_uow(self) -> MakeUow:
        return MemoryStore().unit_of_work
