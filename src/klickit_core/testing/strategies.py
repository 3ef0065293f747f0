"""Hypothesis strategies for every public domain type (SPEC X-7).

Downstream property-based suites compose these::

    from hypothesis import given
    from klickit_core.testing import strategies as kst


    @given(kst.carts(), kst.catalogues())
    def test_my_feature(cart, products): ...

Every strategy yields *valid* values: the invalid ones are what your tests feed by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from klickit_core.cart.domain import MAX_LINE_QUANTITY, Cart, CartLine, SigningKey
from klickit_core.catalogue.domain import MAX_SKU_LENGTH, Product, Review, ReviewState
from klickit_core.sessions.domain import RECENTLY_VIEWED_LIMIT, Location, VisitorSession
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.money import Money, currency_exponent
from klickit_core.shared.vat import FRANCE_VAT, VatClass, VatRate
from klickit_core.shipping.presets import EU_COUNTRIES

__all__ = [
    "SKU_ALPHABET",
    "actors",
    "addresses",
    "aware_datetimes",
    "cart_lines",
    "carts",
    "catalogues",
    "clean_text",
    "currencies",
    "locations",
    "money",
    "products",
    "reviews",
    "rounded_money",
    "signing_keys",
    "skus",
    "vat_classes",
    "vat_rates",
    "visitor_sessions",
]

SKU_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_CLEAN = st.characters(exclude_categories=["Cc", "Cs", "Cn", "Co"])
_CLEAN_MULTILINE = st.one_of(_CLEAN, st.sampled_from("\n\t"))


def clean_text(
    min_size: int = 0, max_size: int = 60, *, multiline: bool = False
) -> st.SearchStrategy[str]:
    """Text people may type: valid UTF-8, no control characters (but line breaks when
    ``multiline``). Non-blank when ``min_size`` > 0."""
    alphabet = _CLEAN_MULTILINE if multiline else _CLEAN
    strategy = st.text(alphabet, min_size=min_size, max_size=max_size)
    return strategy.filter(str.strip) if min_size else strategy


_ALNUM = SKU_ALPHABET[:62]

#: Currencies with 2 (EUR, USD, GBP, CHF), 0 (JPY, KRW) and 3 (BHD, KWD, TND) minor digits.
currencies = st.sampled_from(["EUR", "USD", "GBP", "CHF", "JPY", "KRW", "BHD", "KWD", "TND"])


def aware_datetimes(
    min_value: datetime = datetime(2000, 1, 1),  # noqa: DTZ001 - Hypothesis wants naive bounds
    max_value: datetime = datetime(2100, 1, 1),  # noqa: DTZ001
) -> st.SearchStrategy[datetime]:
    """Aware UTC datetimes, whole seconds (what stores and cookies keep)."""
    return st.datetimes(min_value=min_value, max_value=max_value).map(
        lambda moment: moment.replace(microsecond=0, tzinfo=UTC)
    )


def skus(max_length: int = MAX_SKU_LENGTH) -> st.SearchStrategy[str]:
    """Valid SKUs: a letter or digit, then letters, digits, ``-`` or ``_``."""
    return st.builds(
        lambda head, tail: head + tail,
        st.sampled_from(_ALNUM),
        st.text(SKU_ALPHABET, max_size=max_length - 1),
    )


def money(
    currency: st.SearchStrategy[str] = currencies, max_units: int = 10**9
) -> st.SearchStrategy[Money]:
    """Exact amounts, possibly with digits below the minor unit, possibly negative."""
    return st.builds(
        lambda units, places, cur: Money(Decimal(units).scaleb(-places), cur),
        st.integers(-max_units, max_units),
        st.integers(0, 6),
        currency,
    )


def rounded_money(
    currency: st.SearchStrategy[str] = currencies,
    min_minor: int = 0,
    max_minor: int = 10**8,
) -> st.SearchStrategy[Money]:
    """Amounts already at the currency's minor unit (prices, payments)."""
    return st.builds(
        Money.from_minor_units,
        st.integers(min_minor, max_minor),
        currency,
    )


vat_classes = st.sampled_from(list(VatClass))


def vat_rates() -> st.SearchStrategy[VatRate]:
    """French rates and arbitrary ones with up to two decimals in [0, 100)."""
    return st.one_of(
        st.sampled_from(list(FRANCE_VAT.rates.values())),
        st.integers(0, 9999).map(lambda hundredths: VatRate(Decimal(hundredths).scaleb(-2))),
    )


def products(
    sku: st.SearchStrategy[str] | None = None,
    currency: str = "EUR",
    max_price_minor: int = 10**6,
) -> st.SearchStrategy[Product]:
    """Valid products; stock is ``None`` (untracked) or 0..500."""
    return st.builds(
        Product,
        sku=sku if sku is not None else skus(),
        name=clean_text(1, 60),
        price=rounded_money(st.just(currency), 0, max_price_minor),
        vat_class=vat_classes,
        description=clean_text(max_size=200, multiline=True),
        stock=st.none() | st.integers(0, 500),
        published=st.booleans(),
        categories=st.lists(st.sampled_from(["maison", "livres", "epicerie"]), unique=True).map(
            tuple
        ),
        weight_grams=st.integers(0, 20_000),
    )


def catalogues(
    min_size: int = 1, max_size: int = 30, currency: str = "EUR"
) -> st.SearchStrategy[dict[str, Product]]:
    """``{sku: product}`` mappings with distinct SKUs."""
    return st.lists(
        products(currency=currency), min_size=min_size, max_size=max_size, unique_by=lambda p: p.sku
    ).map(lambda items: {p.sku: p for p in items})


def cart_lines(sku: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[CartLine]:
    """One valid line."""
    return st.builds(
        CartLine, sku if sku is not None else skus(), st.integers(1, MAX_LINE_QUANTITY)
    )


def carts(
    max_lines: int = 30, sku: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[Cart]:
    """Carts of up to ``max_lines`` distinct SKUs."""
    return st.lists(cart_lines(sku), max_size=max_lines, unique_by=lambda line: line.sku).map(
        lambda lines: Cart(tuple(lines))
    )


def signing_keys() -> st.SearchStrategy[SigningKey]:
    """Cart cookie signing keys with 32 to 64 byte secrets."""
    return st.builds(
        SigningKey,
        st.text(SKU_ALPHABET, min_size=1, max_size=16),
        st.binary(min_size=32, max_size=64),
    )


def addresses(countries: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[PostalAddress]:
    """Addresses with a valid country; other fields are free text."""
    text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=40)
    return st.builds(
        PostalAddress,
        country=countries if countries is not None else st.sampled_from(sorted(EU_COUNTRIES)),
        postcode=st.from_regex(r"[0-9]{5}", fullmatch=True),
        city=text,
        street=st.lists(text, max_size=3).map(tuple),
        region=text,
    )


def locations() -> st.SearchStrategy[Location]:
    """Geolocations as an app's geo-IP lookup would give them."""
    place = st.none() | st.text(max_size=40)
    return st.builds(Location, country=place, region=place, city=place)


def visitor_sessions() -> st.SearchStrategy[VisitorSession]:
    """Sessions whose last activity is not before their start."""

    def build(
        session_id: str,
        started: datetime,
        idle: int,
        recent: list[str],
        ip: str | None,
        browser: str | None,
        location: Location | None,
        address: PostalAddress | None,
    ) -> VisitorSession:
        return VisitorSession(
            id=session_id,
            started_at=started,
            last_activity_at=started + timedelta(seconds=idle),
            recently_viewed=tuple(recent),
            ip_address=ip,
            browser=browser,
            location=location,
            shipping_address=address,
        )

    return st.builds(
        build,
        st.uuids().map(lambda u: u.hex),
        aware_datetimes(),
        st.integers(0, 10**7),
        st.lists(skus(), max_size=RECENTLY_VIEWED_LIMIT, unique=True),
        st.none() | st.ip_addresses().map(str),
        st.none() | st.sampled_from(["Firefox 132", "Chrome 131", "Safari 18"]),
        st.none() | locations(),
        st.none() | addresses(),
    )


def reviews(sku: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Review]:
    """Reviews in any moderation state."""
    return st.builds(
        Review,
        id=st.uuids().map(lambda u: u.hex),
        sku=sku if sku is not None else skus(),
        rating=st.integers(1, 5),
        text=clean_text(1, 300, multiline=True),
        author_name=clean_text(1, 60),
        author_email=st.emails(),
        created_at=aware_datetimes(),
        state=st.sampled_from(list(ReviewState)),
    )


def actors(roles: st.SearchStrategy[Role] | None = None) -> st.SearchStrategy[Actor]:
    """Actors of any role; customers carry a customer id."""

    def build(role: Role, actor_id: str) -> Actor:
        customer_id = actor_id if role is Role.CUSTOMER else None
        return Actor(id=actor_id, role=role, customer_id=customer_id)

    return st.builds(
        build, roles if roles is not None else st.sampled_from(list(Role)), st.uuids().map(str)
    )


def currency_quantum(currency: str) -> Decimal:
    """The minor unit of ``currency`` as a Decimal (helper for property tests)."""
    return Decimal(1).scaleb(-currency_exponent(currency))
