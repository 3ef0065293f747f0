"""The composition root: ``build_shop`` wires the memory or SQL backend and the shop's
configuration (X-5), and refuses backends it cannot open (X-9)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from klickit_core.adapters.memory import InMemoryOutbox, MemoryUnitOfWork
from klickit_core.bootstrap import MissingExtraError, Shop, UnsupportedDatabaseError, build_shop
from klickit_core.cart.domain import (
    Cart,
    CartCookieCodec,
    InvalidCartCookieError,
    PricingRules,
    SigningKey,
)
from klickit_core.catalogue.domain import Product
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.money import Money
from klickit_core.shared.vat import FRANCE_VAT
from klickit_core.shipping.presets import french_shipping_table
from klickit_core.testing import FixedClock, SequentialIds

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
KEY = SigningKey("k2026", b"k" * 32)
OLD_KEY = SigningKey("k2025", b"o" * 32)


def test_build_shop_defaults() -> None:
    """X-5: ``memory://`` by default, French VAT and shipping, an in-memory outbox."""
    shop = build_shop()
    assert isinstance(shop, Shop)
    assert shop.database_url == "memory://"
    assert isinstance(shop.unit_of_work(), MemoryUnitOfWork)
    assert isinstance(shop.mailer, InMemoryOutbox)
    assert shop.pricing == PricingRules(FRANCE_VAT)
    assert shop.shipping == french_shipping_table()
    assert shop.clock.now().tzinfo is not None
    assert shop.ids.new_id() != shop.ids.new_id()


def test_unit_of_work_shares_one_store_per_shop() -> None:
    """X-5: every unit of work of a shop sees the same data; two shops are independent."""
    shop, other = build_shop(), build_shop("memory://")
    with shop.unit_of_work() as uow:
        uow.products.add(Product("MUG", "Mug", Money(Decimal("1.00"), "EUR")))
        uow.commit()
    with shop.unit_of_work() as uow:
        assert uow.products.get("MUG") is not None
    with other.unit_of_work() as uow:
        assert uow.products.get("MUG") is None


def test_given_ports_are_used() -> None:
    """X-3, X-5: clock, ids, mailer, pricing and shipping passed in are the ones wired."""
    clock, ids, mailer = FixedClock(NOW), SequentialIds("t"), InMemoryOutbox()
    pricing = PricingRules(FRANCE_VAT, currency="EUR")
    shipping = french_shipping_table()
    shop = build_shop(clock=clock, ids=ids, mailer=mailer, pricing=pricing, shipping=shipping)
    assert shop.clock is clock
    assert shop.ids is ids
    assert shop.mailer is mailer
    assert shop.pricing is pricing
    assert shop.shipping is shipping
    assert shop.ids.new_id() == "t-1"


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("postgresql+psycopg2://shop@localhost/shop", "postgresql+psycopg2"),  # psycopg 3 only
        ("sqlite", "sqlite"),
        ("mysql://x", "mysql"),
        ("memoryx://", "memoryx"),
        ("", ""),
    ],
)
def test_unsupported_database_urls_are_refused(url: str, scheme: str) -> None:
    """X-5, X-9: a backend this version cannot open is a typed error, never a silent
    fallback to memory."""
    with pytest.raises(UnsupportedDatabaseError) as caught:
        build_shop(url)
    assert caught.value.code == "bootstrap.unsupported_database"
    assert caught.value.details == {"scheme": scheme}
    assert isinstance(caught.value, KlickitError)


def test_given_cart_keys_sign_the_cookie() -> None:
    """CRT-3, X-5: the first key signs; the others still verify (rotation)."""
    shop = build_shop(cart_keys=[KEY, OLD_KEY], cart_max_age=timedelta(days=2))
    cart = Cart.of({"MUG": 2})
    value = shop.cart_cookie.encode(cart, NOW)
    assert value.split(".")[1] == "k2026"
    assert CartCookieCodec([KEY]).decode(value, NOW) == cart
    with pytest.raises(InvalidCartCookieError):
        CartCookieCodec([SigningKey("k2026", b"x" * 32)]).decode(value, NOW)
    old_value = CartCookieCodec([OLD_KEY]).encode(cart, NOW)
    assert shop.cart_cookie.decode(old_value, NOW) == cart
    assert shop.cart_cookie.max_age == timedelta(days=2)
    with pytest.raises(InvalidCartCookieError):
        shop.cart_cookie.decode(value, NOW + timedelta(days=3))


def test_without_cart_keys_an_ephemeral_key_is_made() -> None:
    """CRT-3: fine for a demo: two shops do not accept each other's cookies."""
    first, second = build_shop(), build_shop()
    value = first.cart_cookie.encode(Cart.of({"MUG": 1}), NOW)
    assert first.cart_cookie.decode(value, NOW) == Cart.of({"MUG": 1})
    with pytest.raises(InvalidCartCookieError):
        second.cart_cookie.decode(value, NOW)


# ---------------------------------------------------------------------- SQL backends


def _shop_round_trip(url: str) -> None:
    """A product committed by one shop on ``url`` is seen by another shop on it."""
    first = build_shop(url)
    try:
        with first.unit_of_work() as uow:
            uow.products.add(Product("MUG", "Mug", Money(Decimal("1.00"), "EUR"), stock=3))
            uow.commit()
    finally:
        first.close()
    second = build_shop(url)  # the schema is already there: ensure_schema is idempotent
    try:
        with second.unit_of_work() as uow:
            assert uow.products.get("MUG") == Product(
                "MUG", "Mug", Money(Decimal("1.00"), "EUR"), stock=3
            )
    finally:
        second.close()


def test_build_shop_on_a_sqlite_file(tmp_path: Path) -> None:
    """X-5: ``sqlite:///path`` builds a shop on a SqlStore whose data outlives it."""
    from klickit_core.adapters.sql import SqlUnitOfWork

    url = f"sqlite:///{tmp_path / 'shop.db'}"
    shop = build_shop(url)
    try:
        assert isinstance(shop.unit_of_work(), SqlUnitOfWork)
        assert shop.database_url == url
    finally:
        shop.close()
    _shop_round_trip(url)


def test_build_shop_on_sqlite_in_memory() -> None:
    """X-5: ``sqlite://`` is a private in-memory database, gone with its shop."""
    shop, other = build_shop("sqlite://"), build_shop("sqlite://")
    try:
        with shop.unit_of_work() as uow:
            uow.products.add(Product("MUG", "Mug", Money(Decimal("1.00"), "EUR")))
            uow.commit()
        with shop.unit_of_work() as uow:
            assert uow.products.get("MUG") is not None
        with other.unit_of_work() as uow:
            assert uow.products.get("MUG") is None
    finally:
        shop.close()
        other.close()


@pytest.mark.postgres
def test_build_shop_on_postgresql() -> None:
    """X-5: ``postgresql+psycopg://`` builds a shop; its schema is created on start."""
    from klickit_core.testing.contracts import sql

    with sql.postgres_schema_url(sql.postgres_url_or_skip(), "klickit_bootstrap") as url:
        _shop_round_trip(url)


def test_the_password_of_a_database_url_stays_out_of_the_shop_repr() -> None:
    """X-5: a shop may end up in a log line; its database password must not."""
    shop = attrs.evolve(build_shop(), database_url="postgresql+psycopg://u:s3cret@h/db")
    assert shop.database_url == "postgresql+psycopg://u:s3cret@h/db"
    assert "s3cret" not in repr(shop)
    assert "postgresql+psycopg://u:***@h/db" in repr(shop)


def test_a_memory_shop_never_imports_sqlalchemy() -> None:
    """X-5: the SQL adapter is imported only for a SQL URL (the core needs no extra)."""
    code = (
        "import sys; from klickit_core.bootstrap import build_shop; build_shop(); "
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603


def test_a_missing_extra_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """X-9: without SQLAlchemy (or psycopg) the error says which extra to install."""
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(MissingExtraError) as postgres:
        build_shop("postgresql+psycopg://shop@localhost/shop")
    assert postgres.value.details == {"extra": "postgres"}
    assert "klickit-core[postgres]" in str(postgres.value)
    for name in [
        m for m in sys.modules if m.startswith(("klickit_core.adapters.sql", "sqlalchemy"))
    ]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)
    with pytest.raises(MissingExtraError) as sqlite:
        build_shop(f"sqlite:///{tmp_path / 'shop.db'}")
    assert sqlite.value.details == {"extra": "sql"}
