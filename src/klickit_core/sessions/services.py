"""Visitor session use cases (SPEC SES-1, CAT-3)."""

from __future__ import annotations

from datetime import timedelta

from klickit_core.catalogue.domain import Product
from klickit_core.catalogue.ports import ProductNotFoundError
from klickit_core.sessions.domain import (
    DEFAULT_IDLE_TIMEOUT,
    Location,
    VisitorSession,
    normalise_ip,
)
from klickit_core.sessions.ports import (
    SessionExpiredError,
    SessionNotFoundError,
    SessionUnitOfWork,
)
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.clock import Clock
from klickit_core.shared.ids import IdGenerator

__all__ = [
    "end_session",
    "recently_viewed_products",
    "record_product_view",
    "remember_shipping_address",
    "start_session",
]


def start_session(
    uow: SessionUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    *,
    ip_address: str | None = None,
    browser: str | None = None,
    location: Location | None = None,
) -> VisitorSession:
    """Open a session for a new visit."""
    now = clock.now()
    session = VisitorSession(
        id=ids.new_id(),
        started_at=now,
        last_activity_at=now,
        ip_address=normalise_ip(ip_address) if ip_address else None,
        browser=browser,
        location=location,
    )
    with uow:
        uow.sessions.add(session)
        uow.commit()
    return session


def _live(uow: SessionUnitOfWork, clock: Clock, session_id: str, idle: timedelta) -> VisitorSession:
    session = uow.sessions.get(session_id)
    if session is None:
        raise SessionNotFoundError
    if session.is_idle(clock.now(), idle):
        raise SessionExpiredError
    return session


def record_product_view(
    uow: SessionUnitOfWork,
    clock: Clock,
    session_id: str,
    sku: str,
    idle: timedelta = DEFAULT_IDLE_TIMEOUT,
) -> VisitorSession:
    """Remember that the visitor viewed a published product (CAT-3)."""
    with uow:
        session = _live(uow, clock, session_id, idle)
        product = uow.products.get(sku)
        if product is None or not product.published:
            raise ProductNotFoundError(sku=sku[:40])
        updated = session.viewed(sku, clock.now())
        uow.sessions.save(updated)
        uow.commit()
    return updated


def remember_shipping_address(
    uow: SessionUnitOfWork,
    clock: Clock,
    session_id: str,
    address: PostalAddress,
    idle: timedelta = DEFAULT_IDLE_TIMEOUT,
) -> VisitorSession:
    """Keep the address typed for a shipping estimate, to pre-fill checkout (SES-1)."""
    with uow:
        session = _live(uow, clock, session_id, idle)
        updated = session.with_shipping_address(address, clock.now())
        uow.sessions.save(updated)
        uow.commit()
    return updated


def recently_viewed_products(
    uow: SessionUnitOfWork, clock: Clock, session_id: str, idle: timedelta = DEFAULT_IDLE_TIMEOUT
) -> list[Product]:
    """The recently viewed products still on sale, newest first."""
    with uow:
        session = _live(uow, clock, session_id, idle)
        products = uow.products.get_many(session.recently_viewed)
    return [
        products[sku]
        for sku in session.recently_viewed
        if sku in products and products[sku].published
    ]


def end_session(uow: SessionUnitOfWork, session_id: str) -> None:
    """Forget a session now (logout)."""
    with uow:
        uow.sessions.delete(session_id)
        uow.commit()
