# ruff: noqa: S101 - test code: plain asserts
"""The orders' repository contract (X-5, CHK-4, ORD-1, ORD-2): orders, their numbers,
listings and support requests."""

from __future__ import annotations

import attrs
import pytest

from klickit_core.orders.domain import OrderStatus
from klickit_core.orders.ports import OrderNotFoundError, SupportRequestNotFoundError
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.errors import ConflictError
from klickit_core.testing.contracts.base import ContractBase, MakeUow
from klickit_core.testing.contracts.builders import HOME, at, ids_of, order, support_request

__all__ = ["OrderContract"]


class OrderContract(ContractBase):
    """What every backend must do for orders and support requests."""

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

    def test_orders_by_number(self, make_uow: MakeUow) -> None:
        """X-5, ORD-1: an order is found by its number (a guest's lookup), also inside the
        transaction that added it; an unknown number is ``None``."""
        with make_uow() as uow:
            uow.orders.add(order("order-1"))
            assert uow.orders.by_number("KL-2026-order-1") == order("order-1")
            uow.commit()
        with make_uow() as uow:
            uow.orders.add(order("order-2", 1))
            assert uow.orders.by_number("KL-2026-order-1") == order("order-1")
            assert uow.orders.by_number("KL-2026-order-2") == order("order-2", 1)
            assert uow.orders.by_number("KL-2026-order-3") is None
            assert uow.orders.by_number("") is None

    def test_orders_keep_the_company_of_each_address(self, make_uow: MakeUow) -> None:
        """CHK-1, CHK-4: the company typed with each address is stored with it, through add
        and save, and goes with the rest of the address when the order is anonymised (it
        follows the billing name, PRV-2)."""
        ajaccio = PostalAddress("FR", "20000", "Ajaccio", ("3 cours Napoléon",))
        placed = attrs.evolve(
            order("order-1"),
            billing_address=attrs.evolve(HOME, company="ACME SARL"),
            shipping_address=attrs.evolve(ajaccio, company="Atelier Corse – Zoë & fils"),
        )
        paid = attrs.evolve(placed, status=OrderStatus.PROCESSING)
        with make_uow() as uow:
            uow.orders.add(placed)
            uow.commit()
        with make_uow() as uow:
            assert uow.orders.get("order-1") == placed
            uow.orders.save(paid)
            uow.commit()
        with make_uow() as uow:
            stored = uow.orders.get("order-1")
            assert stored == paid
            assert stored is not None
            assert (stored.billing_address.company, stored.shipping_address.company) == (
                "ACME SARL",
                "Atelier Corse – Zoë & fils",
            )
            assert uow.orders.anonymise(["order-1"], at=at(60)) == 1
            uow.commit()
        with make_uow() as uow:
            faded = uow.orders.get("order-1")
        assert faded == paid.anonymised(at(60))
        assert faded is not None
        assert (faded.billing_address.company, faded.shipping_address.company) == ("", "")

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
