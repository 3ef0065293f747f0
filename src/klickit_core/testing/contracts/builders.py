"""Small, readable values the contract suites store and read back.

Each builder takes only what a test varies (an id, a minute offset, a status) and fills
the rest with plausible French shop data, so a test reads as the behaviour it checks.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from klickit_core.accounts.domain import Customer
from klickit_core.catalogue.domain import Product, Review, ReviewState, StockMovement, StockReason
from klickit_core.consents.domain import ConsentRecord
from klickit_core.orders.domain import (
    Contact,
    Order,
    OrderLine,
    OrderStatus,
    SupportKind,
    SupportRequest,
    VatSnapshot,
)
from klickit_core.payments.domain import Payment
from klickit_core.sessions.domain import VisitorSession
from klickit_core.shared.access_log import AccessLogEntry
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.money import Money

__all__ = [
    "HOME",
    "T0",
    "at",
    "consent",
    "customer",
    "entry",
    "ids_of",
    "movement",
    "order",
    "payment",
    "product",
    "review",
    "support_request",
    "visit",
]

#: The instant every builder counts minutes from.
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
HOME = PostalAddress("FR", "69003", "Lyon", ("12 rue des Lilas",))


def at(minutes: int) -> datetime:
    """:data:`T0` plus ``minutes``."""
    return T0 + timedelta(minutes=minutes)


def product(sku: str, price: str = "10.00", **fields: Any) -> Product:
    """A product named after its SKU (stock untracked unless ``stock=`` is given)."""
    return Product(sku, f"Produit {sku}", Money(Decimal(price), "EUR"), **fields)


def review(
    review_id: str, sku: str = "MUG", minutes: int = 0, state: ReviewState = ReviewState.PENDING
) -> Review:
    """A four-star review of ``sku`` by Alice."""
    return Review(
        id=review_id,
        sku=sku,
        rating=4,
        text="Bien",
        author_name="Alice",
        author_email="alice@example.com",
        created_at=at(minutes),
        state=state,
    )


def visit(session_id: str, *recent: str) -> VisitorSession:
    """A visit started at :data:`T0` that viewed ``recent``."""
    return VisitorSession(session_id, T0, T0, recently_viewed=recent)


def movement(
    movement_id: str, order_id: str | None, minutes: int, delta: int = -1
) -> StockMovement:
    """A movement of ``MUG`` stock: a reservation when ``delta`` < 0, else a release."""
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
    """An order of two mugs placed ``minutes`` after :data:`T0`."""
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
    """A tracking request about ``order_id``."""
    return SupportRequest(
        request_id, order_id, SupportKind.TRACKING, "Où est mon colis ?", at(minutes), "cust-1"
    )


def customer(
    customer_id: str, email: str, username: str | None = None, **overrides: Any
) -> Customer:
    """Camille Martin's account under ``email`` (and ``username``)."""
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
    """A newsletter consent (or its withdrawal) by ``email``."""
    return ConsentRecord(
        record_id, email, "newsletter", "nl-2026-01", granted, at(minutes), "account"
    )


def entry(entry_id: str, actor_id: str, subject: str, minutes: int) -> AccessLogEntry:
    """A shop manager's read of customer ``subject``."""
    return AccessLogEntry(
        entry_id, actor_id, "shop_manager", "customers.read", subject, at(minutes)
    )


def payment(payment_id: str, order_id: str = "order-1", minutes: int = 0) -> Payment:
    """A pending sandbox payment of 29.80 € for ``order_id``."""
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
