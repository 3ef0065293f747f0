"""Visitor session use cases (SPEC SES-1, CAT-3), and the actor a session stands for
(X-6: :func:`sign_in_session`, :func:`session_actor`)."""

from __future__ import annotations

from datetime import timedelta

import attrs

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
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.authorization import authorize
from klickit_core.shared.clock import Clock
from klickit_core.shared.errors import ValidationError
from klickit_core.shared.ids import IdGenerator
from klickit_core.shared.text import text_field_errors

__all__: list[str] = []


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
    """Keep the address typed for a shipping estimate, to pre-fill checkout (SES-1).

    Its text is refused (:class:`ValidationError` at ``shipping_address.<field>``) as any
    free text is: control characters, a card number (PAY-2).
    """
    ValidationError.raise_if_any(text_field_errors(address, ("shipping_address",)))
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


def sign_in_session(
    uow: SessionUnitOfWork,
    clock: Clock,
    session_id: str,
    actor: Actor,
    idle: timedelta = DEFAULT_IDLE_TIMEOUT,
) -> VisitorSession:
    """Mark the session as signed in by ``actor``, a customer made from a verified login
    (:func:`~klickit_core.accounts.identity.customer_actor`). Any other actor raises
    :class:`~klickit_core.shared.errors.PermissionDeniedError`."""
    authorize(actor, "sessions.services.sign_in_session", owner=actor.customer_id)
    with uow:
        session = _live(uow, clock, session_id, idle)
        signed = attrs.evolve(session.touched(clock.now()), customer_id=actor.customer_id)
        uow.sessions.save(signed)
        uow.commit()
    return signed


def session_actor(
    uow: SessionUnitOfWork, clock: Clock, session_id: str, idle: timedelta = DEFAULT_IDLE_TIMEOUT
) -> Actor:
    """Who a session stands for: its customer once :func:`sign_in_session` marked it, else
    an anonymous visitor (also for an unknown or idle session)."""
    with uow:
        session = uow.sessions.get(session_id)
    if session is None or session.is_idle(clock.now(), idle) or session.customer_id is None:
        return Actor.visitor()
    return Actor(session.customer_id, Role.CUSTOMER, customer_id=session.customer_id)
