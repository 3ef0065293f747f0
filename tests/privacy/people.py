"""The people-side providers' test world: a registry of them, one person with data in every
people-side table (and a neighbour whose data must survive her erasure), and scanners
that look for her personal data in every table of a store."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from sqlalchemy import String, or_, select

from klickit_core.accounts.domain import Customer
from klickit_core.accounts.personal_data import (
    AccessLogProvider,
    AccountSecurityProvider,
    AccountsProvider,
)
from klickit_core.accounts.security import (
    PASSWORD_RESET,
    AttemptOutcome,
    LoginAttempt,
    LostCredentialsRequest,
)
from klickit_core.adapters.memory import MemoryStore
from klickit_core.adapters.sql import SqlStore
from klickit_core.adapters.sql.tables import metadata
from klickit_core.cart.domain import Cart, CartLine
from klickit_core.cart.personal_data import CartsProvider
from klickit_core.catalogue.domain import Review, ReviewState
from klickit_core.catalogue.personal_data import ReviewsProvider
from klickit_core.consents.domain import ConsentRecord
from klickit_core.consents.personal_data import ConsentsProvider
from klickit_core.personal_data import DataSubject
from klickit_core.privacy.registry import PrivacyRegistry
from klickit_core.sessions.domain import Location, VisitorSession
from klickit_core.sessions.personal_data import SessionsProvider
from klickit_core.shared.access_log import AccessLogEntry
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.security_events import SecurityEvent, SecurityEventKind
from klickit_core.shared.tokens import OneTimeToken

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
HOSTILE = "<script>alert(1)</script>"

#: Zoé's personal data: none of it may be left anywhere after her erasure but in the rows
#: kept under a legal basis.
EMAIL = "zoe@example.fr"
OTHER_EMAIL = "zoe.perso@example.org"
FIRST_NAME = "Zoé"
LAST_NAME = "Ndiaye"
PHONE = "+33698765432"
IP = "198.51.100.23"
STREET = "12 rue des Lilas"
CITY = "Talence"
USERNAME = "zoe33"
REVIEW_NAME = f"{HOSTILE} Zoé N."
PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$ZmFrZWhhc2g"
VERIFIER_HASH = "cd" * 32
TOKEN_ID = "Sel3ctorSel3ctorSel3c"
PERSONAL_VALUES = (
    EMAIL,
    OTHER_EMAIL,
    FIRST_NAME,
    LAST_NAME,
    PHONE,
    IP,
    STREET,
    CITY,
    USERNAME,
    "Zoé N.",
)
ZOE = DataSubject.of(EMAIL, "c-zoe")
BOB = DataSubject.of("bob@example.com", "c-bob")
HOME = PostalAddress("FR", "33400", CITY, (STREET,))


def registry() -> PrivacyRegistry[Any]:
    """The people-side providers, in the composition root's order."""
    return PrivacyRegistry(
        [
            AccountsProvider(),
            AccountSecurityProvider(),
            AccessLogProvider(),
            SessionsProvider(),
            CartsProvider(),
            ReviewsProvider(),
            ConsentsProvider(),
        ]
    )


def _customer(customer_id: str, email: str, first: str, last: str, username: str) -> Customer:
    return Customer(
        id=customer_id,
        email=email,
        first_name=first,
        last_name=last,
        created_at=NOW - 400 * DAY,
        updated_at=NOW - 300 * DAY,
        phone=PHONE if customer_id == "c-zoe" else "+33611111111",
        billing_address=HOME if customer_id == "c-zoe" else PostalAddress("FR", "69003", "Lyon"),
        shipping_address=HOME if customer_id == "c-zoe" else None,
        username=username,
    )


def _consent(
    record_id: str, email: str, purpose: str, days_ago: int, granted: bool, **more: Any
) -> ConsentRecord:
    return ConsentRecord(
        record_id, email, purpose, "v2026-01", granted, NOW - days_ago * DAY, "checkout", **more
    )


def seed(uow: Any) -> None:
    """Zoé's data in every people-side table, and a little of Bob's."""
    uow.customers.add(_customer("c-zoe", EMAIL, FIRST_NAME, LAST_NAME, USERNAME))
    uow.customers.add(_customer("c-bob", "bob@example.com", "Bob", "Martin", "bobm"))
    uow.credentials.set_password_hash("c-zoe", PASSWORD_HASH)
    uow.credentials.set_password_hash("c-bob", PASSWORD_HASH + "bob")
    uow.sessions.add(
        VisitorSession(
            "sess-zoe-cookie-value",
            NOW - DAY,
            NOW - timedelta(hours=2),
            recently_viewed=("MUG",),
            ip_address=IP,
            browser="Firefox 132",
            location=Location("FR", "Nouvelle-Aquitaine", CITY),
            shipping_address=HOME,
            customer_id="c-zoe",
        )
    )
    uow.sessions.add(VisitorSession("sess-bob", NOW - DAY, NOW - DAY, customer_id="c-bob"))
    uow.carts.save("c-zoe", Cart((CartLine("MUG", 2), CartLine("TEA", 1))), at=NOW - DAY)
    uow.carts.save("c-bob", Cart((CartLine("TEA", 1),)), at=NOW - DAY)
    approved = Review(
        "r-zoe-1",
        "MUG",
        5,
        f"Très beau mug {HOSTILE}",
        REVIEW_NAME,
        EMAIL,
        NOW - 50 * DAY,
        customer_id="c-zoe",
        state=ReviewState.APPROVED,
        moderated_at=NOW - 49 * DAY,
        moderated_by="manager-1",
    )
    pending = Review("r-zoe-2", "TEA", 3, "Bof", "Zoé N.", EMAIL, NOW - 2 * DAY)
    bobs = Review("r-bob", "TEA", 4, "Bien", "Bob", "bob@example.com", NOW - 3 * DAY)
    for review in (approved, pending, bobs):
        uow.reviews.add(review)
    for record in (
        # The terms of an order this world does not hold (gone): they went with it.
        _consent("k-1", EMAIL, "terms_of_sale", 100, True, customer_id="c-zoe", order_id="o-1"),
        _consent("k-2", EMAIL, "newsletter", 2000, True),  # withdrawn 1900 days ago: past
        _consent("k-3", EMAIL, "newsletter", 1900, False),  # five years: due
        _consent("k-4", EMAIL, "offers", 400, True),
        _consent("k-5", EMAIL, "offers", 300, False, customer_id="c-zoe"),  # kept 5 years
        _consent("k-6", "bob@example.com", "newsletter", 10, True),
        _consent("k-7", EMAIL, "reviews", 30, True, customer_id="c-zoe"),  # in force
    ):
        uow.consents.add(record)
    uow.login_attempts.add(
        LoginAttempt("la-1", NOW - 3 * DAY, AttemptOutcome.SUCCEEDED, "c-zoe", IP)
    )
    uow.login_attempts.add(LoginAttempt("la-2", NOW - 2 * DAY, AttemptOutcome.FAILED, "c-zoe", IP))
    uow.login_attempts.add(
        LoginAttempt("la-3", NOW - 2 * DAY, AttemptOutcome.FAILED, "c-bob", "192.0.2.9")
    )
    uow.tokens.add(
        OneTimeToken(
            TOKEN_ID, PASSWORD_RESET, "c-zoe", VERIFIER_HASH, NOW - 2 * DAY, NOW - 2 * DAY + DAY
        )
    )
    uow.security_events.add(
        SecurityEvent(
            "ev-1",
            SecurityEventKind.LOGIN_LOCKOUT_ACCOUNT,
            NOW - 2 * DAY,
            customer_id="c-zoe",
            ip_address=IP,
        )
    )
    request = LostCredentialsRequest(
        "lc-1", NOW - 10 * DAY, f"{FIRST_NAME} {LAST_NAME}", OTHER_EMAIL, f"J'habite {STREET}"
    )
    uow.lost_credentials.add(request.resolved("manager-1", NOW - 9 * DAY, "c-zoe"))
    uow.access_log.add(
        AccessLogEntry(
            "al-1", "manager-1", "shop_manager", "customers.read", "c-zoe", NOW - 9 * DAY
        )
    )
    uow.access_log.add(
        AccessLogEntry(
            "al-2", "admin-1", "administrator", "customers.read", "c-zoe", NOW - 500 * DAY
        )
    )


# ---------------------------------------------------------------------------- scanning
def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            yield from _strings(getattr(value, field.name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (tuple, list, frozenset, set)):
        for item in value:
            yield from _strings(item)


def memory_hits(store: MemoryStore, values: Iterable[str]) -> set[tuple[str, str]]:
    """``(table, key)`` of every memory row (key or value) holding one of ``values``."""
    wanted = tuple(values)
    hits: set[tuple[str, str]] = set()
    with store.lock:
        for table, rows in store.tables.items():
            for key, value in rows.items():
                texts = [*_strings(key), *_strings(value)]
                if any(w in text for w in wanted for text in texts):
                    hits.add((table, str(key)))
    return hits


def sql_hits(store: SqlStore, values: Iterable[str]) -> set[tuple[str, str]]:
    """``(table, column)`` of every text column of every table holding one of ``values``
    (a ``LIKE`` per value, over the whole schema)."""
    hits: set[tuple[str, str]] = set()
    with store.engine.connect() as connection:
        for table in metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String):
                    continue
                pattern = or_(*(column.contains(value, autoescape=True) for value in values))
                if connection.execute(select(column).where(pattern).limit(1)).first():
                    hits.add((table.name, column.name))
    return hits


def sql_rows_with(store: SqlStore, table_name: str, column_name: str, value: str) -> set[str]:
    """The ids of the rows of ``table_name`` whose ``column_name`` holds ``value``."""
    table = metadata.tables[table_name]
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(table.c.id).where(table.c[column_name].contains(value, autoescape=True))
        )
        return {row[0] for row in rows}


Factory = Callable[[], Any]
