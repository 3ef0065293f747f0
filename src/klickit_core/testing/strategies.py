"""Hypothesis strategies for every public domain type (SPEC X-7).

Downstream property-based suites compose these::

    from hypothesis import given
    from klickit_core.testing import strategies as kst


    @given(kst.carts(), kst.catalogues())
    def test_my_feature(cart, products): ...

Every strategy yields *valid* values: the invalid ones are what your tests feed by hand.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from hypothesis import assume
from hypothesis import strategies as st

from klickit_core.accounts.domain import AccountActivity, Customer
from klickit_core.accounts.password_policy import MAX_PASSWORD_LENGTH, check_password
from klickit_core.accounts.security import (
    LOGIN_CONFIRMATION,
    PASSWORD_RESET,
    AttemptOutcome,
    LoginAttempt,
    LoginSettings,
    LostCredentialsRequest,
    RecoveryStatus,
    ResetSettings,
    SecuritySettings,
    network_key,
)
from klickit_core.cart.domain import MAX_LINE_QUANTITY, Cart, CartLine, SigningKey
from klickit_core.catalogue.domain import MAX_SKU_LENGTH, Product, Review, ReviewState
from klickit_core.consents.domain import TERMS_OF_SALE, ConsentRecord
from klickit_core.orders.domain import (
    TRANSITIONS,
    Contact,
    Order,
    OrderLine,
    OrderStatus,
    StatusChange,
    SupportKind,
    SupportRequest,
    VatSnapshot,
)
from klickit_core.payments.domain import TRANSITIONS as PAYMENT_TRANSITIONS
from klickit_core.payments.domain import (
    CardSummary,
    Payment,
    PaymentRequest,
    PaymentStatus,
    WebhookEvent,
)
from klickit_core.privacy.bundle import CategoryNotice, ExportBundle
from klickit_core.privacy.retention import (
    MAX_PERIOD,
    Period,
    PeriodUnit,
    RetentionRule,
    RetentionSchedule,
)
from klickit_core.sessions.domain import RECENTLY_VIEWED_LIMIT, Location, VisitorSession
from klickit_core.shared.access_log import AccessLogEntry
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.money import Money, currency_exponent
from klickit_core.shared.personal_data import (
    ACCOUNTING_OBLIGATION,
    CIVIL_LIMITATION,
    CONSENT,
    CONTRACT,
    LEGAL_OBLIGATION,
    LEGITIMATE_INTEREST,
    ClockEvent,
    DataCategory,
    DataSubject,
    ExportField,
    ExportRecord,
    ExportSection,
    FieldKind,
    KeepReason,
    KeptCount,
    PersonalField,
    RetentionAction,
    SweepBatch,
    SweepCursor,
)
from klickit_core.shared.security_events import SecurityEvent, SecurityEventKind
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.sweeps import SweepKey
from klickit_core.shared.tokens import OneTimeToken
from klickit_core.shared.vat import FRANCE_VAT, VatClass, VatRate
from klickit_core.shipping.presets import EU_COUNTRIES

__all__ = [
    "SKU_ALPHABET",
    "access_log_entries",
    "actors",
    "addresses",
    "aware_datetimes",
    "card_summaries",
    "cart_lines",
    "carts",
    "catalogues",
    "clean_text",
    "consent_records",
    "currencies",
    "customers",
    "locations",
    "login_attempts",
    "lost_credentials_requests",
    "money",
    "one_time_tokens",
    "order_lines",
    "orders",
    "passwords",
    "payment_requests",
    "payments",
    "products",
    "reviews",
    "rounded_money",
    "security_events",
    "security_settings",
    "signing_keys",
    "skus",
    "support_requests",
    "vat_classes",
    "vat_rates",
    "visitor_sessions",
    "webhook_events",
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


# ---------------------------------------------------------------------- accounts, orders…
# Building blocks of the strategies below: ids, people's contact details, statuses.

#: Opaque ids (also valid payment identifiers: ``[A-Za-z0-9][A-Za-z0-9_.:-]*``).
_IDS = st.uuids().map(lambda u: u.hex)
#: Email addresses as :func:`~klickit_core.shared.emails.check_email` leaves them.
_EMAILS = st.builds(
    "{}@{}.{}".format,
    st.from_regex(r"[a-z0-9]{1,16}(\.[a-z0-9]{1,16})?", fullmatch=True),
    st.from_regex(r"[a-z0-9]{1,20}", fullmatch=True),
    st.sampled_from(["fr", "com", "org", "eu", "net", "de"]),
)
#: French mobile numbers in E.164, as :func:`~klickit_core.shared.phones.check_phone` gives.
_PHONES = st.from_regex(r"\+33(6[0-24-8]|7[3-9])[0-9]{7}", fullmatch=True)
#: Personal names: one to three words of letters, joined by a space or a hyphen.
_NAMES = st.builds(
    lambda words, joiner: joiner.join(words),
    st.lists(
        st.text(st.characters(categories=["Lu", "Ll"]), min_size=1, max_size=20),
        min_size=1,
        max_size=3,
    ),
    st.sampled_from([" ", "-"]),
)
#: Usernames checkout accepts: letters, digits and ``. _ - @`` (3 to 60; 30 at most here).
_USERNAMES = st.from_regex(r"[A-Za-z0-9._@-]{3,30}", fullmatch=True)
#: 256 random bits, URL-safe, like :func:`~klickit_core.payments.domain.new_idempotency_key`.
_IDEMPOTENCY_KEYS = st.binary(min_size=32, max_size=32).map(
    lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
)
_PROVIDERS = st.sampled_from(["sandbox", "stripe", "payplug", "mollie"])
_REFERENCES = _IDS.map(lambda hex_id: f"ch_{hex_id}")
_FAILURE_CODES = st.sampled_from(
    ["card_declined", "insufficient_funds", "expired_card", "gateway_failed"]
) | st.from_regex(r"[a-z][a-z0-9_]{0,30}", fullmatch=True)
_SHIPPING_METHODS = ("flat_rate", "free_shipping", "by_weight", "pickup")
#: The French rates as an order snapshots them (``"20"``, ``"5.5"``, ``"0"``).
_VAT_PERCENTS = tuple(f"{rate.percent.normalize():f}" for rate in FRANCE_VAT.rates.values())
#: What moved an order or a payment: the gateway, a job, or a person's id.
_MOVERS = st.sampled_from(["gateway", "system:retention-sweep"]) | _IDS
#: Leave room after the start for the moves of a life cycle (a few weeks each).
_LATEST_START = datetime(2099, 1, 1)  # noqa: DTZ001 - Hypothesis wants naive bounds
_STEP = st.integers(1, 30 * 24 * 3600).map(lambda seconds: timedelta(seconds=seconds))

_T = TypeVar("_T", OrderStatus, PaymentStatus)


def _closure(moves: Mapping[_T, frozenset[_T]]) -> dict[_T, frozenset[_T]]:
    """Every status reachable from each status in one or more moves."""
    reachable: dict[_T, frozenset[_T]] = {}
    for start in moves:
        seen: set[_T] = set()
        todo = list(moves[start])
        while todo:
            status = todo.pop()
            if status not in seen:
                seen.add(status)
                todo.extend(moves[status])
        reachable[start] = frozenset(seen)
    return reachable


_ORDER_REACHABLE = _closure(TRANSITIONS)
_PAYMENT_REACHABLE = _closure(PAYMENT_TRANSITIONS)


def _next_status(
    draw: st.DrawFn,
    current: _T,
    options: list[_T],
    target: _T | None,
    reachable: Mapping[_T, frozenset[_T]],
) -> _T | None:
    """The next status of a random walk, or ``None`` to stop there.

    Without ``target`` the walk may stop anywhere; with it, it moves only towards
    ``target`` and stops there (an impossible ``target`` rejects the example).
    """
    if target is None:  # stopping is one choice among the moves (and the simplest one)
        choice = draw(st.integers(0, len(options)))
        return sorted(options)[choice - 1] if choice else None
    if current is target:
        return None
    towards = sorted(s for s in options if s is target or target in reachable[s])
    assume(towards)
    return draw(st.sampled_from(towards))


def customers() -> st.SearchStrategy[Customer]:
    """Customer accounts (CHK-3): normalised email, E.164 phone or none, addresses or none,
    ``updated_at`` not before ``created_at``."""

    def build(
        customer_id: str,
        email: str,
        first_name: str,
        last_name: str,
        created: datetime,
        age: timedelta,
        phone: str | None,
        billing: PostalAddress | None,
        shipping: PostalAddress | None,
        username: str | None,
    ) -> Customer:
        return Customer(
            id=customer_id,
            email=email,
            first_name=first_name,
            last_name=last_name,
            created_at=created,
            updated_at=created + age,
            phone=phone,
            billing_address=billing,
            shipping_address=shipping,
            username=username,
        )

    return st.builds(
        build,
        _IDS,
        _EMAILS,
        _NAMES,
        _NAMES,
        aware_datetimes(max_value=_LATEST_START),
        st.just(timedelta(0)) | _STEP,
        st.none() | _PHONES,
        st.none() | addresses(),
        st.none() | addresses(),
        st.none() | _USERNAMES,
    )


def consent_records() -> st.SearchStrategy[ConsentRecord]:
    """Consents given or withdrawn (CHK-2, PRV-5): a purpose identifier, a text version and
    a channel, for an email and maybe an account and an order."""
    return st.builds(
        ConsentRecord,
        id=_IDS,
        subject_email=_EMAILS,
        purpose=st.sampled_from([TERMS_OF_SALE, "newsletter", "reviews"])
        | st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,30}", fullmatch=True),
        text_version=st.from_regex(r"[a-z]{2,8}-20[0-9]{2}-(0[1-9]|1[0-2])", fullmatch=True),
        granted=st.booleans(),
        at=aware_datetimes(),
        channel=st.sampled_from(["checkout", "account", "contact_form"]),
        customer_id=st.none() | _IDS,
        order_id=st.none() | _IDS,
    )


def order_lines(
    sku: st.SearchStrategy[str] | None = None, max_unit_minor: int = 10**6
) -> st.SearchStrategy[OrderLine]:
    """Order lines as sold: ``total_minor = quantity * unit_price_minor`` and a French VAT
    rate as text."""

    def build(sku: str, name: str, quantity: int, unit: int, vat_percent: str) -> OrderLine:
        return OrderLine(sku, name, quantity, unit, quantity * unit, vat_percent)

    return st.builds(
        build,
        sku if sku is not None else skus(),
        clean_text(1, 60),
        st.integers(1, MAX_LINE_QUANTITY),
        st.integers(0, max_unit_minor),
        st.sampled_from(_VAT_PERCENTS),
    )


def _vat_snapshots(
    lines: list[OrderLine], shipping_minor: int, shipping_percent: str
) -> tuple[VatSnapshot, ...]:
    """VAT per rate as pricing computes it: the gross of each rate (shipping in its own),
    and the VAT inside it, rounded half up."""
    gross: dict[str, int] = {}
    for line in lines:
        gross[line.vat_percent] = gross.get(line.vat_percent, 0) + line.total_minor
    if shipping_minor:
        gross[shipping_percent] = gross.get(shipping_percent, 0) + shipping_minor
    return tuple(
        VatSnapshot(percent, amount, VatRate(Decimal(percent)).vat_in_gross(amount))
        for percent, amount in sorted(gross.items(), key=lambda item: -Decimal(item[0]))
    )


# Strategies the composites below draw from, built once: building a strategy is far more
# costly than drawing from it, and a composite runs for every example.
_OPTIONAL_IDS = st.none() | _IDS
_STARTS = aware_datetimes(max_value=_LATEST_START)
_ADDRESSES = addresses()
_CONTACTS = st.builds(Contact, _NAMES, _NAMES, _EMAILS, _PHONES)
_ORDER_NUMBERS = st.integers(1, 999_999)
_SHIPPING = st.none() | st.sampled_from(_SHIPPING_METHODS)
_SHIPPING_PRICES = st.integers(0, 5_000)
_SHIPPING_PERCENTS = st.sampled_from(_VAT_PERCENTS)
_IPS = st.none() | st.ip_addresses().map(str)
_REASONS = clean_text(max_size=40)


def _order_move_possible(order: Order, target: OrderStatus) -> bool:
    """Whether the money allows ``target``: a refund needs something left to refund."""
    left = order.total_minor - order.refunded_minor  # paid == total once processing
    if target is OrderStatus.PARTIALLY_REFUNDED:
        return left >= 2
    if target is OrderStatus.REFUNDED:
        return left >= 1
    return True


def _move_order(draw: st.DrawFn, order: Order, target: OrderStatus, at: datetime) -> Order:
    """``order`` moved to ``target`` with the money the move implies: paid in full on
    processing, part of the rest refunded on a partial refund, all of it on a refund."""
    if target is OrderStatus.PROCESSING and order.paid_minor < order.total_minor:
        order = order.with_payment(order.total_minor - order.paid_minor)
    elif target is OrderStatus.PARTIALLY_REFUNDED:
        left = order.paid_minor - order.refunded_minor
        order = order.with_refund(draw(st.integers(1, left - 1)))
    elif target is OrderStatus.REFUNDED:
        order = order.with_refund(order.paid_minor - order.refunded_minor)
    return order.moved_to(target, at, draw(_MOVERS), draw(_REASONS))


@st.composite
def _orders(
    draw: st.DrawFn,
    status: OrderStatus | None,
    currency: st.SearchStrategy[str],
    lines_strategy: st.SearchStrategy[list[OrderLine]],
) -> Order:
    lines = draw(lines_strategy)
    method = draw(_SHIPPING)
    shipping_minor = 0 if method is None else draw(_SHIPPING_PRICES)
    vat = _vat_snapshots(lines, shipping_minor, draw(_SHIPPING_PERCENTS))
    placed = draw(_STARTS)
    billing = draw(_ADDRESSES)
    order = Order(
        id=draw(_IDS),
        number=f"KL-{placed.year}-{draw(_ORDER_NUMBERS):06d}",
        currency=draw(currency),
        contact=draw(_CONTACTS),
        billing_address=billing,
        shipping_address=billing if draw(st.booleans()) else draw(_ADDRESSES),
        lines=tuple(lines),
        vat=vat,
        shipping_method=method,
        shipping_minor=shipping_minor,
        total_minor=sum(line.total_minor for line in lines) + shipping_minor,
        placed_at=placed,
        history=(StatusChange(None, OrderStatus.PENDING_PAYMENT, placed, draw(_MOVERS), "placed"),),
        customer_id=draw(_OPTIONAL_IDS),
        ip_address=draw(_IPS),
    )
    at = placed
    while True:
        options = [s for s in TRANSITIONS[order.status] if _order_move_possible(order, s)]
        if order.status is OrderStatus.PARTIALLY_REFUNDED and _order_move_possible(
            order, OrderStatus.PARTIALLY_REFUNDED
        ):
            options.append(OrderStatus.PARTIALLY_REFUNDED)  # a further partial refund
        target = _next_status(draw, order.status, options, status, _ORDER_REACHABLE)
        if target is None:
            return order
        at += draw(_STEP)
        order = _move_order(draw, order, target, at)


def orders(
    status: OrderStatus | None = None,
    currency: st.SearchStrategy[str] = currencies,
    max_lines: int = 8,
) -> st.SearchStrategy[Order]:
    """Orders in any status reachable through :data:`~klickit_core.orders.domain.TRANSITIONS`
    (or in ``status``), reached by legal moves at increasing times.

    Totals agree: ``total_minor`` is the lines plus shipping, the VAT snapshots' gross sums
    to it; an order is paid in full from ``processing`` on, and its refunds match its
    status (none, part, all). History and the completion, cancellation and failure times
    tell the path taken.
    """
    lines = st.lists(order_lines(), min_size=1, max_size=max_lines, unique_by=lambda line: line.sku)
    return _orders(status, currency, lines)


def support_requests(
    order_id: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[SupportRequest]:
    """Support requests (ORD-2), open, or closed by a staff member after they were made."""

    def build(
        request_id: str,
        about: str,
        kind: SupportKind,
        message: str,
        created: datetime,
        customer_id: str | None,
        closed_after: timedelta | None,
        closed_by: str,
    ) -> SupportRequest:
        request = SupportRequest(request_id, about, kind, message, created, customer_id)
        if closed_after is None:
            return request
        return request.closed(closed_by, created + closed_after)

    return st.builds(
        build,
        _IDS,
        order_id if order_id is not None else _IDS,
        st.sampled_from(list(SupportKind)),
        clean_text(1, 500, multiline=True).map(str.strip),
        _STARTS,
        _OPTIONAL_IDS,
        st.none() | _STEP,
        _IDS,
    )


def card_summaries() -> st.SearchStrategy[CardSummary]:
    """Card summaries (PAY-2): a brand without digits and exactly four ASCII digits."""
    return st.builds(
        CardSummary,
        brand=st.sampled_from(["visa", "mastercard", "amex", "cb"])
        | st.from_regex(r"[A-Za-z][A-Za-z _-]{0,23}", fullmatch=True),
        last4=st.from_regex(r"[0-9]{4}", fullmatch=True),
    )


_CARDS = st.none() | card_summaries()
_ATTEMPTS = st.integers(1, 3)


def _refund_id(draw: st.DrawFn, payment: Payment) -> str:
    """A refund id unique within ``payment`` (its position makes it so, whatever is drawn)."""
    return f"re{len(payment.refunds) + 1}_{draw(_IDS)}"


def _refund(draw: st.DrawFn, payment: Payment, amount: int, at: datetime) -> Payment:
    """``amount`` more refunded: through a refund record (maybe after a failed attempt),
    or learnt from a notification without one."""
    if draw(st.booleans()):
        return payment.refunded(amount, at=at)
    if draw(st.booleans()):
        failed_id = _refund_id(draw, payment)
        payment = payment.refund_requested(failed_id, amount, draw(_IDEMPOTENCY_KEYS), at=at)
        payment = payment.refund_failed(failed_id, draw(_FAILURE_CODES), at=at)
    refund_id = _refund_id(draw, payment)
    payment = payment.refund_requested(refund_id, amount, draw(_IDEMPOTENCY_KEYS), at=at)
    return payment.refunded(amount, at=at, refund_id=refund_id)


def _payment_move_possible(payment: Payment, target: PaymentStatus) -> bool:
    """Whether the money allows ``target``: a refund needs something left to refund."""
    left = payment.captured_minor - payment.refunded_minor
    if target is PaymentStatus.PARTIALLY_REFUNDED:
        return left >= 2
    if target is PaymentStatus.REFUNDED:
        return left >= 1
    return True


def _move_payment(
    draw: st.DrawFn, payment: Payment, target: PaymentStatus, reference: str, at: datetime
) -> Payment:
    """``payment`` moved to ``target`` through its own methods (so its checks apply)."""
    if payment.status is PaymentStatus.PENDING:  # the gateway was called: attempts counted
        for _ in range(draw(_ATTEMPTS)):
            payment = payment.attempted(at=at)
    if target is PaymentStatus.AUTHORIZED:
        return payment.authorized(reference=reference, at=at, card=draw(_CARDS))
    if target is PaymentStatus.CAPTURED:
        whole = payment.amount_minor
        amount = whole if draw(st.booleans()) else draw(st.integers(1, whole))
        return payment.captured(amount, at=at, reference=reference, card=draw(_CARDS))
    if target is PaymentStatus.FAILED:
        code = draw(_FAILURE_CODES)
        return payment.failed(code, at=at, reference=reference if draw(st.booleans()) else None)
    if target is PaymentStatus.VOIDED:
        return payment.voided(at=at)
    left = payment.captured_minor - payment.refunded_minor
    if target is PaymentStatus.PARTIALLY_REFUNDED:
        return _refund(draw, payment, draw(st.integers(1, left - 1)), at)
    return _refund(draw, payment, left, at)  # REFUNDED


@st.composite
def _payments(
    draw: st.DrawFn,
    status: PaymentStatus | None,
    currency: st.SearchStrategy[str],
    order_id: st.SearchStrategy[str],
    amounts: st.SearchStrategy[int],
) -> Payment:
    created = draw(_STARTS)
    payment = Payment(
        id=draw(_IDS),
        order_id=draw(order_id),
        provider_id=draw(_PROVIDERS),
        amount_minor=draw(amounts),
        currency=draw(currency),
        created_at=created,
        updated_at=created,
        idempotency_key=draw(_IDEMPOTENCY_KEYS),
    )
    reference = draw(_REFERENCES)
    at = created
    while True:
        options = [
            s for s in PAYMENT_TRANSITIONS[payment.status] if _payment_move_possible(payment, s)
        ]
        target = _next_status(draw, payment.status, options, status, _PAYMENT_REACHABLE)
        if target is None:
            break
        at += draw(_STEP)
        payment = _move_payment(draw, payment, target, reference, at)
    if payment.status is PaymentStatus.PENDING:
        for _ in range(draw(_ATTEMPTS) - 1):  # 0 to 2 calls whose outcome is not known yet
            at += draw(_STEP)
            payment = payment.attempted(at=at)
    elif payment.refundable_minor > 0 and draw(st.booleans()):
        # A refund sent to the gateway whose outcome is not known yet.
        at += draw(_STEP)
        amount = draw(st.integers(1, payment.refundable_minor))
        refund_id = _refund_id(draw, payment)
        payment = payment.refund_requested(refund_id, amount, draw(_IDEMPOTENCY_KEYS), at=at)
    return payment


def payments(
    status: PaymentStatus | None = None,
    currency: st.SearchStrategy[str] = currencies,
    order_id: st.SearchStrategy[str] | None = None,
    max_amount_minor: int = 10**7,
) -> st.SearchStrategy[Payment]:
    """Payments in any status (or in ``status``), reached through the payment's own moves
    at increasing times, so every invariant of :class:`~klickit_core.payments.domain.Payment`
    holds: ``0 <= refunded <= captured <= amount`` as the status says, refund records that
    agree with the totals (at most one pending), attempts counted before each gateway call.
    """
    return _payments(
        status,
        currency,
        order_id if order_id is not None else _IDS,
        st.integers(1, max_amount_minor),
    )


def payment_requests(
    currency: st.SearchStrategy[str] = currencies,
) -> st.SearchStrategy[PaymentRequest]:
    """What a gateway receives (PAY-1): clean personal text, identifiers, and a positive
    amount at the currency's minor unit."""

    def build(
        first_name: str,
        last_name: str,
        email: str,
        street: str,
        phone: str,
        city: str,
        state: str,
        postcode: str,
        payment_id: str,
        provider_id: str,
        minor: int,
        code: str,
    ) -> PaymentRequest:
        return PaymentRequest(
            name=f"{first_name} {last_name}",
            email=email,
            address=street,
            phone=phone,
            city=city,
            state=state,
            postcode=postcode,
            payment_id=payment_id,
            provider_id=provider_id,
            amount=Money.from_minor_units(minor, code).amount,
            currency=code,
        )

    return st.builds(
        build,
        _NAMES,
        _NAMES,
        _EMAILS,
        clean_text(1, 80),
        _PHONES,
        clean_text(1, 60),
        clean_text(max_size=40),
        st.from_regex(r"[0-9]{5}", fullmatch=True),
        _IDS,
        _PROVIDERS,
        st.integers(1, 10**7),
        currency,
    )


def webhook_events(payment: Payment | None = None) -> st.SearchStrategy[WebhookEvent]:
    """Verified gateway notifications (PAY-4), in any status, with a positive amount (for
    refunds the total refunded so far) and a failure code on failures only.

    Given ``payment``, the events are about it: its id, currency and gateway reference (when
    it has one), an authorization of its amount, captures and refunds within it. Such
    events may still be stale, early or duplicates: that is what PAY-4 handles.
    """

    def build(
        event_id: str,
        payment_id: str,
        reference: str,
        status: PaymentStatus,
        amount: int,
        code: str,
        created: datetime,
        failure_code: str,
    ) -> WebhookEvent:
        if payment is not None and status is PaymentStatus.AUTHORIZED:
            amount = payment.amount_minor
        return WebhookEvent(
            id=event_id,
            type=f"payment.{status}",
            payment_id=payment_id,
            gateway_reference=reference,
            status=status,
            amount_minor=amount,
            currency=code,
            created_at=created,
            failure_code=failure_code if status is PaymentStatus.FAILED else None,
        )

    if payment is None:
        about = (_IDS, _REFERENCES, st.integers(1, 10**7), currencies)
    else:
        about = (
            st.just(payment.id),
            st.just(payment.gateway_reference) if payment.gateway_reference else _REFERENCES,
            st.integers(1, payment.amount_minor),
            st.just(payment.currency),
        )
    payment_id, reference, amount, code = about
    return st.builds(
        build,
        _IDS.map(lambda hex_id: f"evt_{hex_id[:24]}"),
        payment_id,
        reference,
        st.sampled_from(list(PaymentStatus)),
        amount,
        code,
        aware_datetimes(),
        _FAILURE_CODES,
    )


def access_log_entries() -> st.SearchStrategy[AccessLogEntry]:
    """Staff reads of someone else's data (X-6, SEC-5): a shop manager or administrator,
    an action, and an id as subject (``"*"`` for a listing)."""

    def build(
        entry_id: str, actor: Actor, action: str, subject: str, at: datetime
    ) -> AccessLogEntry:
        return AccessLogEntry(
            entry_id,
            actor.id,
            str(actor.role),
            action,
            "*" if action == "orders.list" else subject,
            at,
        )

    return st.builds(
        build,
        _IDS,
        actors(st.sampled_from([Role.SHOP_MANAGER, Role.ADMINISTRATOR])),
        st.sampled_from(["customers.read", "orders.read", "orders.list", "support.read"]),
        _IDS,
        aware_datetimes(),
    )


def currency_quantum(currency: str) -> Decimal:
    """The minor unit of ``currency`` as a Decimal (helper for property tests)."""
    return Decimal(1).scaleb(-currency_exponent(currency))


# ---------------------------------------------------------------------- privacy (PRV-1..4)
__all__ += [
    "data_categories",
    "data_subjects",
    "export_bundles",
    "export_fields",
    "export_records",
    "export_sections",
    "retention_periods",
    "retention_rules",
    "retention_schedules",
    "sweep_batches",
    "sweep_cursors",
]

#: Stable identifiers as the plug-in point wants them (``"notes.short"``).
_PRIVACY_IDS = st.from_regex(r"[a-z][a-z0-9_]{0,12}(\.[a-z][a-z0-9_]{0,12}){0,2}", fullmatch=True)
#: Stand-ins for N_ msgids: a provider's labels are English text.
_LABELS = st.sampled_from(["Name", "Email", "Order", "Review text", "Billing address", "Notes"])
_LEGAL_BASES = st.sampled_from(
    [
        ACCOUNTING_OBLIGATION,
        CIVIL_LIMITATION,
        CONSENT,
        CONTRACT,
        LEGAL_OBLIGATION,
        LEGITIMATE_INTEREST,
    ]
)


def data_subjects() -> st.SearchStrategy[DataSubject]:
    """People a privacy request is about: a normalised email and maybe an account id."""
    return st.builds(DataSubject, _EMAILS, st.none() | _IDS)


def retention_periods(max_years: int = 12) -> st.SearchStrategy[Period]:
    """Calendar periods from zero up to ``max_years`` (in days, months or years)."""
    return st.one_of(
        st.integers(0, min(max_years * 366, MAX_PERIOD[PeriodUnit.DAYS])).map(Period.days),
        st.integers(0, max_years * 12).map(Period.months),
        st.integers(0, max_years).map(Period.years),
    )


def retention_rules(
    rule_id: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[RetentionRule]:
    """Valid rules: a zero period only where the rule allows one."""

    def build(
        rid: str, period: Period, starts: ClockEvent, action: RetentionAction, zero: bool
    ) -> RetentionRule:
        return RetentionRule(
            rid,
            period,
            starts,
            action,
            "Test rule",
            "Test source",
            zero_allowed=zero or period.is_zero,
        )

    return st.builds(
        build,
        rule_id if rule_id is not None else _PRIVACY_IDS,
        retention_periods(),
        st.sampled_from(list(ClockEvent)),
        st.sampled_from(list(RetentionAction)),
        st.booleans(),
    )


def retention_schedules() -> st.SearchStrategy[RetentionSchedule]:
    """The defaults, some of them overridden, plus a few rules of a downstream app."""

    def fits(rule: RetentionRule, period: Period) -> bool:
        if period.is_zero and not rule.zero_allowed:
            return False
        return rule.minimum is None or period.at_least(rule.minimum)

    def build(periods: dict[str, Period], extra: list[RetentionRule]) -> RetentionSchedule:
        base = RetentionSchedule.defaults()
        allowed = {rid: period for rid, period in periods.items() if fits(base.rule(rid), period)}
        fresh = {rule.id: rule for rule in extra if rule.id not in base}
        return base.with_overrides(periods=allowed).with_rules(*fresh.values())

    return st.builds(
        build,
        st.dictionaries(st.sampled_from(RetentionSchedule.defaults().ids), retention_periods()),
        st.lists(retention_rules(_PRIVACY_IDS.map(lambda rid: f"app.{rid}")), max_size=3),
    )


def data_categories() -> st.SearchStrategy[DataCategory]:
    """Category declarations: unique field keys, at least one action."""
    return st.builds(
        DataCategory,
        id=_PRIVACY_IDS,
        label=_LABELS,
        description=_LABELS,
        fields=st.lists(
            st.builds(PersonalField, _PRIVACY_IDS.filter(lambda k: "." not in k), _LABELS),
            min_size=1,
            max_size=4,
            unique_by=lambda field: field.key,
        ).map(tuple),
        retention_rule=st.sampled_from(RetentionSchedule.defaults().ids),
        clock_starts=st.sampled_from(list(ClockEvent)),
        legal_basis=_LEGAL_BASES,
        actions=st.frozensets(st.sampled_from(list(RetentionAction)), min_size=1),
    )


_FIELD_KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)


def export_fields() -> st.SearchStrategy[ExportField]:
    """Typed, labelled values: text (hostile markup included), numbers, booleans, exact
    decimals, money, aware datetimes, dates, and empty values."""
    text = clean_text(max_size=40, multiline=True) | st.sampled_from(
        ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "Zoé & Cie"]
    )
    decimals = st.decimals(min_value=-(10**9), max_value=10**9, places=3, allow_nan=False)
    plain = st.one_of(
        st.none(),
        text,
        st.integers(-(10**12), 10**12),
        st.booleans(),
        decimals,
        aware_datetimes(),
        aware_datetimes().map(lambda moment: moment.date()),
    )
    return st.one_of(
        st.builds(ExportField, _FIELD_KEYS, _LABELS, plain),
        st.builds(
            ExportField,
            _FIELD_KEYS,
            _LABELS,
            st.none() | text,
            st.sampled_from([FieldKind.MULTILINE, FieldKind.EMAIL, FieldKind.IDENTIFIER]),
        ),
        st.builds(
            lambda key, label, amount, currency: ExportField(
                key, label, amount, FieldKind.MONEY, currency=currency
            ),
            _FIELD_KEYS,
            _LABELS,
            decimals,
            st.sampled_from(["EUR", "USD", "JPY"]),
        ),
    )


def export_records(max_depth: int = 2) -> st.SearchStrategy[ExportRecord]:
    """Records with unique field keys, and children down to ``max_depth`` levels."""
    fields = st.lists(export_fields(), max_size=5, unique_by=lambda field: field.key).map(tuple)
    leaf = st.builds(ExportRecord, _LABELS, _IDS, fields)
    if max_depth <= 1:
        return leaf
    return st.builds(
        ExportRecord,
        _LABELS,
        _IDS,
        fields,
        st.lists(export_records(max_depth - 1), max_size=2).map(tuple),
    )


def export_sections(
    provider: st.SearchStrategy[str] | None = None,
    category_id: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[ExportSection]:
    """One provider's records for one category."""
    return st.builds(
        ExportSection,
        provider if provider is not None else _PRIVACY_IDS,
        category_id if category_id is not None else _PRIVACY_IDS,
        _LABELS,
        st.lists(export_records(), max_size=3).map(tuple),
    )


def export_bundles() -> st.SearchStrategy[ExportBundle]:
    """Bundles whose sections belong to the categories they list, in French or English."""

    @st.composite
    def build(draw: st.DrawFn) -> ExportBundle:
        categories = draw(
            st.lists(data_categories(), min_size=1, max_size=3, unique_by=lambda c: c.id)
        )
        defaults = RetentionSchedule.defaults()
        notices = tuple(
            CategoryNotice("app", category, defaults.rule(category.retention_rule))
            for category in categories
        )
        sections = tuple(
            draw(export_sections(st.just("app"), st.just(category.id)))
            for category in categories
            if draw(st.booleans())
        )
        return ExportBundle(
            draw(data_subjects()),
            draw(aware_datetimes()),
            draw(st.sampled_from(["fr", "en"])),
            "Klickit",
            sections,
            notices,
        )

    return build()


def sweep_cursors() -> st.SearchStrategy[SweepCursor]:
    """Resume points: record keys (ids), never personal data."""
    return st.builds(SweepCursor, _IDS)


def sweep_batches() -> st.SearchStrategy[SweepBatch]:
    """Consistent batch results: examined = deleted + anonymised + kept."""

    def build(
        category_id: str, deleted: int, anonymised: int, kept: int, cursor: SweepCursor
    ) -> SweepBatch:
        examined = deleted + anonymised + kept
        reasons = (KeptCount(KeepReason("open_dispute", "An open dispute"), kept),) if kept else ()
        return SweepBatch(
            category_id,
            examined,
            deleted,
            anonymised,
            reasons,
            cursor if examined else None,
        )

    return st.builds(
        build,
        _PRIVACY_IDS,
        st.integers(0, 500),
        st.integers(0, 500),
        st.integers(0, 50),
        sweep_cursors(),
    )


# ---------------------------------------------------------------------- account security
#: What the login limits count clients by (IPv4 addresses, IPv6 /64 networks).
_NETWORKS = st.ip_addresses().map(lambda address: network_key(str(address)))
_TOKEN_PURPOSES = st.sampled_from(
    [PASSWORD_RESET, LOGIN_CONFIRMATION, "privacy.export_download", "privacy.confirmation"]
)
#: Unpadded base64url of 16 random bytes, like :func:`~klickit_core.shared.tokens.issue_token`.
_SELECTORS = st.binary(min_size=16, max_size=16).map(
    lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
)
_SHA256_HEX = st.binary(min_size=32, max_size=32).map(bytes.hex)
_LIFETIMES = st.integers(60, 7 * 24 * 3600).map(lambda seconds: timedelta(seconds=seconds))


def passwords() -> st.SearchStrategy[Secret]:
    """Passwords the policy accepts (SEC-1): 12 to 128 characters of clean text (spaces,
    accents and emoji included), not common; wrapped in a :class:`Secret`."""
    return (
        clean_text(12, MAX_PASSWORD_LENGTH)
        .filter(lambda text: isinstance(check_password(text), Secret))
        .map(Secret)
    )


def one_time_tokens(
    purpose: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[OneTimeToken]:
    """Stored token records (SEC-3, SEC-6): a random selector, a purpose, a subject id, a
    SHA-256 in hex, an expiry after creation, and maybe a use before the expiry."""

    def build(
        selector: str,
        token_purpose: str,
        subject: str,
        digest: str,
        created: datetime,
        ttl: timedelta,
        used_after: float | None,
    ) -> OneTimeToken:
        used = None if used_after is None else created + ttl * used_after
        return OneTimeToken(
            id=selector,
            purpose=token_purpose,
            subject=subject,
            verifier_hash=digest,
            created_at=created,
            expires_at=created + ttl,
            used_at=used.replace(microsecond=0) if used is not None else None,
        )

    return st.builds(
        build,
        _SELECTORS,
        purpose if purpose is not None else _TOKEN_PURPOSES,
        _IDS,
        _SHA256_HEX,
        _STARTS,
        _LIFETIMES,
        st.none() | st.floats(0, 0.99),
    )


def security_events() -> st.SearchStrategy[SecurityEvent]:
    """Security events (SEC-2, BRE-1) of every kind, with ids and a network key only."""

    def build(
        event_id: str,
        kind: SecurityEventKind,
        at: datetime,
        customer_id: str,
        actor_id: str,
        network: str | None,
    ) -> SecurityEvent:
        kinds = SecurityEventKind
        return SecurityEvent(
            id=event_id,
            kind=kind,
            at=at,
            customer_id=None if kind is kinds.LOGIN_LOCKOUT_IP else customer_id,
            actor_id=actor_id if kind is kinds.ACCOUNT_RECOVERY else None,
            ip_address=None if kind is kinds.ACCOUNT_RECOVERY else network,
        )

    return st.builds(
        build,
        _IDS,
        st.sampled_from(list(SecurityEventKind)),
        aware_datetimes(),
        _IDS,
        _IDS,
        st.none() | _NETWORKS,
    )


def login_attempts() -> st.SearchStrategy[LoginAttempt]:
    """Login attempts (SEC-2): failures may name no account (the identifier matched none);
    successes and resets always name one."""

    def build(
        attempt_id: str,
        at: datetime,
        outcome: AttemptOutcome,
        customer_id: str | None,
        network: str | None,
    ) -> LoginAttempt:
        if outcome is not AttemptOutcome.FAILED and customer_id is None:
            customer_id = attempt_id
        return LoginAttempt(attempt_id, at, outcome, customer_id, network)

    return st.builds(
        build,
        _IDS,
        aware_datetimes(),
        st.sampled_from(list(AttemptOutcome)),
        _OPTIONAL_IDS,
        st.none() | _NETWORKS,
    )


def lost_credentials_requests() -> st.SearchStrategy[LostCredentialsRequest]:
    """Lost-credentials requests (SEC-4): open, or reviewed by a staff member after they
    were made (resolved ones name the account matched)."""

    def build(
        request_id: str,
        created: datetime,
        name: str,
        email: str,
        message: str,
        status: RecoveryStatus,
        reviewer: str,
        delay: timedelta,
        customer_id: str,
    ) -> LostCredentialsRequest:
        request = LostCredentialsRequest(request_id, created, name, email, message)
        if status is RecoveryStatus.RESOLVED:
            return request.resolved(reviewer, created + delay, customer_id)
        if status is RecoveryStatus.REJECTED:
            return request.rejected(reviewer, created + delay)
        return request

    return st.builds(
        build,
        _IDS,
        _STARTS,
        _NAMES,
        _EMAILS,
        clean_text(1, 500, multiline=True).map(str.strip),
        st.sampled_from(list(RecoveryStatus)),
        _IDS,
        _STEP,
        _IDS,
    )


def security_settings() -> st.SearchStrategy[SecuritySettings]:
    """Settings with small limits and short lifetimes (handy to reach the limits in a
    property test), links on an ``https`` base URL."""
    minutes = st.integers(1, 180).map(lambda count: timedelta(minutes=count))
    login = st.builds(
        LoginSettings,
        account_limit=st.integers(1, 10),
        ip_limit=st.integers(1, 50),
        window=minutes,
        confirmation_ttl=minutes,
        confirmation_mails=st.integers(1, 5),
    )
    reset = st.builds(
        ResetSettings,
        token_ttl=minutes,
        requests_per_window=st.integers(1, 5),
        window=minutes,
    )
    base_url = st.builds(
        "https://{}.{}{}".format,
        st.from_regex(r"[a-z][a-z0-9-]{0,20}[a-z0-9]", fullmatch=True),
        st.sampled_from(["fr", "com", "shop"]),
        st.sampled_from(["", "/boutique"]),
    )
    return st.builds(SecuritySettings, base_url=base_url, login=login, reset=reset)


# ---------------------------------------------------------------------- people-side privacy
__all__ += ["account_activities", "sweep_keys"]


def account_activities() -> st.SearchStrategy[AccountActivity]:
    """Activity records of accounts (PRV-1, ``accounts.inactive``): a swept login time and
    an inactivity notice, each maybe absent."""
    moments = st.none() | aware_datetimes()
    return st.builds(AccountActivity, _IDS, moments, moments)


def sweep_keys(*, clocked: bool = True) -> st.SearchStrategy[SweepKey]:
    """Keyset positions of a retention sweep (PRV-2): an aware clock (or none) and an id."""
    return st.builds(SweepKey, aware_datetimes() if clocked else st.none(), _IDS)
