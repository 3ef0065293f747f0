"""Visitor session use cases: SES-1 (what a visit stores, expiry) and CAT-3 (recently
viewed), with X-9 (typed errors, nothing half-written)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from klickit_core.adapters.memory import MemoryStore
from klickit_core.catalogue.domain import Product
from klickit_core.catalogue.ports import ProductNotFoundError
from klickit_core.sessions import services
from klickit_core.sessions.domain import (
    DEFAULT_IDLE_TIMEOUT,
    InvalidSessionDataError,
    Location,
    VisitorSession,
)
from klickit_core.sessions.ports import SessionExpiredError, SessionNotFoundError
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.errors import NotFoundError, ValidationError
from klickit_core.shared.money import Money
from klickit_core.testing import FixedClock, SequentialIds

BORDEAUX = PostalAddress("FR", "33000", "Bordeaux", ("1 rue Sainte-Catherine",))


def product(sku: str, published: bool = True) -> Product:
    return Product(sku, sku.title(), Money(Decimal("5.00"), "EUR"), published=published)


def put(store: MemoryStore, *products: Product) -> None:
    with store.unit_of_work() as uow:
        for item in products:
            if uow.products.get(item.sku) is None:
                uow.products.add(item)
            else:
                uow.products.save(item)
        uow.commit()


def stored(store: MemoryStore, session_id: str) -> VisitorSession | None:
    with store.unit_of_work() as uow:
        return uow.sessions.get(session_id)


@pytest.fixture
def shop(store: MemoryStore) -> MemoryStore:
    put(store, product("MUG"), product("TEA"), product("BOOK"), product("HIDDEN", False))
    return store


def start(store: MemoryStore, clock: FixedClock, ids: SequentialIds) -> VisitorSession:
    return services.start_session(
        store.unit_of_work(),
        clock,
        ids,
        ip_address="::ffff:203.0.113.7",
        browser="Firefox 132",
        location=Location("FR", "Nouvelle-Aquitaine", "Bordeaux"),
    )


# ---------------------------------------------------------------------------- start


def test_start_session_stores_what_the_policy_lists(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """SES-1: IP (normalised), browser type, location; started and active now."""
    session = start(shop, clock, ids)
    assert stored(shop, session.id) == session
    assert session.id == "id-1"
    assert session.ip_address == "203.0.113.7"
    assert session.browser == "Firefox 132"
    assert session.location == Location("FR", "Nouvelle-Aquitaine", "Bordeaux")
    assert session.started_at == session.last_activity_at == clock.now()
    assert session.recently_viewed == ()
    assert session.shipping_address is None


@pytest.mark.parametrize("ip", [None, ""])
def test_start_session_without_ip(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds, ip: str | None
) -> None:
    """SES-1: the IP address is optional."""
    session = services.start_session(shop.unit_of_work(), clock, ids, ip_address=ip)
    assert session.ip_address is None
    assert stored(shop, session.id) == session


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"ip_address": "999.1.1.1"}, "ip_address"),
        ({"ip_address": "not an ip"}, "ip_address"),
        ({"browser": "x" * 200}, "browser"),
    ],
)
def test_start_session_with_bad_data_writes_nothing(
    shop: MemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    kwargs: dict[str, str],
    field: str,
) -> None:
    """SES-1, X-9: malformed session data is a typed error and no session is stored."""
    with pytest.raises(InvalidSessionDataError) as caught:
        services.start_session(shop.unit_of_work(), clock, ids, **kwargs)  # type: ignore[arg-type]
    assert caught.value.details == {"field": field}
    assert shop.tables["sessions"] == {}


# ---------------------------------------------------------------------------- views


def test_record_product_view_keeps_newest_first(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CAT-3, SES-1: views are remembered newest first, deduplicated, and touch the
    session."""
    session = start(shop, clock, ids)
    for sku in ("TEA", "MUG", "BOOK", "MUG"):
        clock.advance(timedelta(minutes=1))
        updated = services.record_product_view(shop.unit_of_work(), clock, session.id, sku)
    assert updated.recently_viewed == ("MUG", "BOOK", "TEA")
    assert updated.last_activity_at == clock.now()
    assert stored(shop, session.id) == updated


@pytest.mark.parametrize("sku", ["HIDDEN", "UNKNOWN", "not a sku"])
def test_record_view_of_unknown_or_unpublished_product(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds, sku: str
) -> None:
    """CAT-3, X-9: ProductNotFoundError and the session is left exactly as it was."""
    session = start(shop, clock, ids)
    services.record_product_view(shop.unit_of_work(), clock, session.id, "MUG")
    before = stored(shop, session.id)
    clock.advance(timedelta(minutes=5))
    with pytest.raises(ProductNotFoundError):
        services.record_product_view(shop.unit_of_work(), clock, session.id, sku)
    assert stored(shop, session.id) == before


def test_recently_viewed_products_drops_products_unpublished_meanwhile(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CAT-3: the list shows products still on sale, newest first."""
    session = start(shop, clock, ids)
    for sku in ("TEA", "MUG", "BOOK"):
        services.record_product_view(shop.unit_of_work(), clock, session.id, sku)
    put(shop, product("MUG", published=False))
    products = services.recently_viewed_products(shop.unit_of_work(), clock, session.id)
    assert [p.sku for p in products] == ["BOOK", "TEA"]
    # Republished: it shows again, the session still remembers it.
    put(shop, product("MUG"))
    products = services.recently_viewed_products(shop.unit_of_work(), clock, session.id)
    assert [p.sku for p in products] == ["BOOK", "MUG", "TEA"]


def test_recently_viewed_products_of_a_fresh_session_is_empty(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CAT-3: nothing viewed, nothing shown."""
    session = start(shop, clock, ids)
    assert services.recently_viewed_products(shop.unit_of_work(), clock, session.id) == []


# ---------------------------------------------------------------------------- address


def test_remember_shipping_address(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """SES-1: the address typed for an estimate is kept to pre-fill checkout."""
    session = start(shop, clock, ids)
    moment = clock.advance(timedelta(hours=1))
    updated = services.remember_shipping_address(shop.unit_of_work(), clock, session.id, BORDEAUX)
    assert updated.shipping_address == BORDEAUX
    assert updated.last_activity_at == moment
    assert stored(shop, session.id) == updated


def test_an_address_holding_a_card_number_is_not_remembered(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """SES-1, PAY-2: a card number typed in an estimate's street is refused
    (``text.card_number``); the session keeps no address."""
    session = start(shop, clock, ids)
    typed = PostalAddress("FR", "33000", "Bordeaux", ("1 rue", "4242 4242 4242 4242"))
    with pytest.raises(ValidationError) as caught:
        services.remember_shipping_address(shop.unit_of_work(), clock, session.id, typed)
    assert caught.value.codes == {"shipping_address.street": "text.card_number"}
    assert stored(shop, session.id) == session


# ---------------------------------------------------------------------------- expiry


def test_activity_keeps_the_session_alive(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """SES-1: expiry counts from the last activity."""
    session = start(shop, clock, ids)
    for sku in ("MUG", "TEA", "BOOK"):
        clock.advance(DEFAULT_IDLE_TIMEOUT - timedelta(seconds=1))
        services.record_product_view(shop.unit_of_work(), clock, session.id, sku)
    assert [p.sku for p in services.recently_viewed_products(
        shop.unit_of_work(), clock, session.id
    )] == ["BOOK", "TEA", "MUG"]  # fmt: skip


def test_expired_session_refuses_every_use_and_writes_nothing(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """SES-1, X-9: after the idle timeout every use case raises SessionExpiredError and the
    stored session is not revived."""
    session = start(shop, clock, ids)
    clock.advance(DEFAULT_IDLE_TIMEOUT)
    uow = shop.unit_of_work
    calls = [
        lambda: services.record_product_view(uow(), clock, session.id, "MUG"),
        lambda: services.remember_shipping_address(uow(), clock, session.id, BORDEAUX),
        lambda: services.recently_viewed_products(uow(), clock, session.id),
    ]
    for call in calls:
        with pytest.raises(SessionExpiredError) as caught:
            call()
        assert caught.value.code == "session.expired"
        assert isinstance(caught.value, NotFoundError)
    assert stored(shop, session.id) == session


def test_custom_idle_timeout(shop: MemoryStore, clock: FixedClock, ids: SequentialIds) -> None:
    """SES-1: the idle timeout is a parameter of the use cases."""
    session = start(shop, clock, ids)
    clock.advance(timedelta(minutes=30))
    with pytest.raises(SessionExpiredError):
        services.record_product_view(
            shop.unit_of_work(), clock, session.id, "MUG", idle=timedelta(minutes=30)
        )
    updated = services.record_product_view(
        shop.unit_of_work(), clock, session.id, "MUG", idle=timedelta(minutes=31)
    )
    assert updated.recently_viewed == ("MUG",)


def test_unknown_session(shop: MemoryStore, clock: FixedClock) -> None:
    """SES-1, X-9: an unknown id raises SessionNotFoundError, and nothing is created."""
    uow = shop.unit_of_work
    calls = [
        lambda: services.record_product_view(uow(), clock, "nope", "MUG"),
        lambda: services.remember_shipping_address(uow(), clock, "nope", BORDEAUX),
        lambda: services.recently_viewed_products(uow(), clock, "nope"),
    ]
    for call in calls:
        with pytest.raises(SessionNotFoundError) as caught:
            call()
        assert caught.value.code == "session.not_found"
    assert shop.tables["sessions"] == {}


def test_end_session_forgets_it(shop: MemoryStore, clock: FixedClock, ids: SequentialIds) -> None:
    """SES-1: logout deletes the session; later use is SessionNotFoundError; ending twice is
    fine."""
    session = start(shop, clock, ids)
    other = start(shop, clock, ids)
    services.end_session(shop.unit_of_work(), session.id)
    assert stored(shop, session.id) is None
    assert stored(shop, other.id) == other
    with pytest.raises(SessionNotFoundError):
        services.record_product_view(shop.unit_of_work(), clock, session.id, "MUG")
    services.end_session(shop.unit_of_work(), session.id)
    services.end_session(shop.unit_of_work(), "never-existed")
    assert stored(shop, other.id) == other
