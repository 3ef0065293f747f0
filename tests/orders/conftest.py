"""Builders for order tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from klickit_core.adapters.memory import MemoryStore
from klickit_core.catalogue.domain import Product
from klickit_core.orders.domain import Contact, Order, OrderLine, OrderStatus, VatSnapshot
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.money import Money

PLACED = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def make_order(
    order_id: str = "order-1",
    *,
    customer_id: str | None = "cust-1",
    status: OrderStatus = OrderStatus.PENDING_PAYMENT,
    lines: tuple[OrderLine, ...] = (OrderLine("MUG", "Mug", 2, 1490, 2980, "20"),),
    email: str = "alice@example.fr",
) -> Order:
    total = sum(line.total_minor for line in lines)
    return Order(
        id=order_id,
        number=f"KL-2026-{order_id}",
        currency="EUR",
        contact=Contact("Alice", "Martin", email, "+33612345678"),
        billing_address=PostalAddress("FR", "33000", "Bordeaux", ("1 rue Sainte-Catherine",)),
        shipping_address=PostalAddress("FR", "33000", "Bordeaux", ("1 rue Sainte-Catherine",)),
        lines=lines,
        vat=(VatSnapshot("20", total, total // 6),),
        shipping_method=None,
        shipping_minor=0,
        total_minor=total,
        placed_at=PLACED,
        status=status,
        customer_id=customer_id,
    )


@pytest.fixture
def shop_store() -> MemoryStore:
    """A store with a mug (stock 10, of which 2 held by order-1) and order-1 pending."""
    store = MemoryStore()
    with store.unit_of_work() as uow:
        uow.products.add(Product("MUG", "Mug", Money(Decimal("14.90"), "EUR"), stock=8))
        uow.orders.add(make_order())
        uow.commit()
    return store
