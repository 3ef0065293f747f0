"""``shop.sessions`` (SES-1, CAT-3, X-6): a visit, what it viewed and typed, who signed
in to it, and its idle timeout, through the service on every backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from klickit_core.application.parts import ShopParts
from klickit_core.application.sessions import SessionService
from klickit_core.sessions.domain import DEFAULT_IDLE_TIMEOUT
from klickit_core.sessions.ports import SessionExpiredError, SessionNotFoundError
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.addresses import PostalAddress
from klickit_core.testing import FixedClock

from .conftest import IP

CUSTOMER = Actor("c-1", Role.CUSTOMER, customer_id="c-1")


def test_a_visit_from_start_to_end(shop_parts: ShopParts, clock: FixedClock) -> None:
    """CAT-3, SES-1, X-6: views newest first, the remembered address, the signed-in
    actor, then logout."""
    sessions = SessionService(shop_parts)
    assert sessions.idle_timeout == DEFAULT_IDLE_TIMEOUT == timedelta(hours=48)
    session = sessions.start(ip_address=IP, browser="Firefox")
    sessions.record_view(session.id, "MUG")
    clock.advance(timedelta(minutes=1))
    sessions.record_view(session.id, "TEA")
    assert [p.sku for p in sessions.recently_viewed(session.id)] == ["TEA", "MUG"]
    address = PostalAddress(country="FR", postcode="33000", city="Bordeaux", street=("1 rue",))
    assert sessions.remember_shipping_address(session.id, address).shipping_address == address
    assert sessions.actor(session.id) == Actor.visitor()
    sessions.sign_in(session.id, CUSTOMER)
    assert sessions.actor(session.id) == CUSTOMER
    sessions.end(session.id)
    assert sessions.actor(session.id) == Actor.visitor()
    with pytest.raises(SessionNotFoundError):
        sessions.recently_viewed(session.id)


def test_the_idle_timeout_is_the_services(shop_parts: ShopParts, clock: FixedClock) -> None:
    """SES-1: a session idle past the configured timeout has expired."""
    sessions = SessionService(shop_parts, idle_timeout=timedelta(minutes=30))
    session = sessions.start()
    sessions.sign_in(session.id, CUSTOMER)
    clock.advance(timedelta(minutes=31))
    assert sessions.actor(session.id) == Actor.visitor()
    with pytest.raises(SessionExpiredError):
        sessions.record_view(session.id, "MUG")
