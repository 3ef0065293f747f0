"""The SQL schema: one :class:`~sqlalchemy.MetaData`, SQLAlchemy 2 Core tables (SPEC X-5).

Rows are mapped to the frozen domain values by the repositories (``adapters/sql/*.py``);
the domain never sees a row. The schema is relational rather than one JSON document per
aggregate, because the privacy work (PRV-1, PRV-2, PRV-4) must find, delete and anonymise
personal data with set-based statements: a name or an email has to be a column that an
``UPDATE`` can blank and an index can find.

Conventions:

* Money is an integer number of minor units (``BigInteger``) with the currency beside it.
* Times are :class:`~klickit_core.adapters.sql.types.UtcDateTime` (aware UTC on both
  backends, sortable as text on SQLite).
* A postal address is five groups of columns under a prefix (``billing_country`` …
  ``billing_street_1`` … ``billing_street_4``); an optional address is absent when its
  country is ``NULL``. Street lines are separate columns, never joined text, so a line can
  hold any character.
* Every ``String`` has a length. SQLite does not enforce it, so the repositories check
  lengths against these columns before writing (one rule, both backends) and raise the
  library's typed error.
* Names of constraints follow one convention so Alembic migrations can refer to them.
* Child rows (order lines, VAT, history, refunds, cart lines, credentials) go with their
  parent: ``ON DELETE CASCADE``.

Indexes exist for what the use cases and the privacy sweeps query: orders by normalised
customer email, by customer, by status and placement time, and by the moment their
retention clock started (``clock_started_at``: completion, cancellation or failure);
sessions by last activity; reviews by author email; consents by subject.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
)

from klickit_core.adapters.sql.types import UtcDateTime

__all__ = [
    "ADDRESS_FIELD_LENGTH",
    "ID_LENGTH",
    "VERSION",
    "access_log",
    "address_columns",
    "cart_lines",
    "consents",
    "counters",
    "credentials",
    "customers",
    "metadata",
    "order_history",
    "order_lines",
    "order_vat",
    "orders",
    "payment_refunds",
    "payments",
    "processed_events",
    "product_categories",
    "products",
    "reviews",
    "sessions",
    "stock_movements",
    "support_requests",
]

#: Every identifier (ids from :mod:`klickit_core.shared.ids`, gateway references).
ID_LENGTH = 128  # payments accept identifiers of up to 128 characters
#: :data:`klickit_core.shared.addresses` caps each address field at 200 characters.
ADDRESS_FIELD_LENGTH = 200
EMAIL_LENGTH = 254  # RFC 5321 path limit
NAME_LENGTH = 200
PHONE_LENGTH = 32
SKU_LENGTH = 32
CODE_LENGTH = 40  # enum values, purposes, channels, roles
TEXT_LENGTH = 10_000

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def VERSION() -> Column[int]:  # noqa: N802 - reads as a column declaration
    """The optimistic-concurrency version of an aggregate saved in place.

    A repository remembers the version it read in its unit of work and updates with
    ``WHERE version = :seen``: a concurrent change makes the update touch no row, which
    becomes a :class:`~klickit_core.shared.errors.ConflictError` (the memory backend's
    lost-update check, in SQL).
    """
    return Column("version", Integer, nullable=False, default=1)


def address_columns(prefix: str, *, nullable: bool) -> list[Column[str]]:
    """The columns of one postal address under ``prefix`` (see the module docstring)."""
    return [
        Column(f"{prefix}_country", String(2), nullable=nullable),
        Column(f"{prefix}_postcode", String(ADDRESS_FIELD_LENGTH), nullable=nullable),
        Column(f"{prefix}_city", String(ADDRESS_FIELD_LENGTH), nullable=nullable),
        Column(f"{prefix}_region", String(ADDRESS_FIELD_LENGTH), nullable=nullable),
        *(
            Column(f"{prefix}_street_{n}", String(ADDRESS_FIELD_LENGTH), nullable=True)
            for n in range(1, 5)
        ),
    ]


# ---------------------------------------------------------------------- catalogue

products = Table(
    "products",
    metadata,
    Column("sku", String(SKU_LENGTH), primary_key=True),
    Column("name", String(NAME_LENGTH), nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("vat_class", String(CODE_LENGTH), nullable=False),
    Column("description", String(TEXT_LENGTH), nullable=False, default=""),
    Column("stock", Integer, nullable=True),  # NULL: stock not tracked
    Column("published", Boolean, nullable=False),
    Column("weight_grams", Integer, nullable=False),
    VERSION(),
    CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
    CheckConstraint("price_minor >= 0", name="price_not_negative"),
)

product_categories = Table(
    "product_categories",
    metadata,
    Column(
        "sku",
        String(SKU_LENGTH),
        ForeignKey("products.sku", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", SmallInteger, primary_key=True),
    Column("category", String(NAME_LENGTH), nullable=False),
    Index(None, "category"),
)

stock_movements = Table(
    "stock_movements",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("sku", String(SKU_LENGTH), nullable=False),
    Column("delta", Integer, nullable=False),
    Column("reason", String(CODE_LENGTH), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("order_id", String(ID_LENGTH), nullable=True),
    Index(None, "order_id", "at"),
    Index(None, "sku", "at"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("sku", String(SKU_LENGTH), nullable=False),
    Column("rating", SmallInteger, nullable=False),
    Column("text", String(TEXT_LENGTH), nullable=False),
    Column("author_name", String(NAME_LENGTH), nullable=False),
    Column("author_email", String(EMAIL_LENGTH), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("customer_id", String(ID_LENGTH), nullable=True),
    Column("state", String(CODE_LENGTH), nullable=False),
    Column("moderated_at", UtcDateTime, nullable=True),
    Column("moderated_by", String(ID_LENGTH), nullable=True),
    VERSION(),
    Index(None, "sku", "created_at"),
    Index(None, "state", "created_at"),
    Index(None, "author_email"),
    Index(None, "customer_id"),
)

# ---------------------------------------------------------------------- cart and sessions

cart_lines = Table(
    "cart_lines",
    metadata,
    Column("customer_id", String(ID_LENGTH), primary_key=True),
    Column("position", SmallInteger, primary_key=True),
    Column("sku", String(SKU_LENGTH), nullable=False),
    Column("quantity", Integer, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("started_at", UtcDateTime, nullable=False),
    Column("last_activity_at", UtcDateTime, nullable=False),
    # SKUs are at most 32 characters without spaces; the list is bounded (RECENTLY_VIEWED_LIMIT)
    Column("recently_viewed", String(2_000), nullable=False, default=""),
    Column("ip_address", String(45), nullable=True),  # an IPv6 text form is at most 45
    Column("browser", String(64), nullable=True),
    Column("location_country", String(100), nullable=True),
    Column("location_region", String(100), nullable=True),
    Column("location_city", String(100), nullable=True),
    Column("has_location", Boolean, nullable=False, default=False),
    *address_columns("shipping", nullable=True),
    Column("customer_id", String(ID_LENGTH), nullable=True),
    VERSION(),
    Index(None, "last_activity_at", "id"),
    Index(None, "customer_id"),
)

# ---------------------------------------------------------------------- accounts

customers = Table(
    "customers",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("email", String(EMAIL_LENGTH), nullable=False, unique=True),
    Column("first_name", String(NAME_LENGTH), nullable=False),
    Column("last_name", String(NAME_LENGTH), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("phone", String(PHONE_LENGTH), nullable=True),
    *address_columns("billing", nullable=True),
    *address_columns("shipping", nullable=True),
    Column("username", String(NAME_LENGTH), nullable=True),
    # The case-folded username carries the uniqueness (NULLs never clash).
    Column("username_folded", String(NAME_LENGTH), nullable=True, unique=True),
    VERSION(),
)

credentials = Table(
    "credentials",
    metadata,
    Column(
        "customer_id",
        String(ID_LENGTH),
        ForeignKey("customers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("password_hash", String(512), nullable=False),
)

consents = Table(
    "consents",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("subject_email", String(EMAIL_LENGTH), nullable=False),
    Column("purpose", String(CODE_LENGTH), nullable=False),
    Column("text_version", String(CODE_LENGTH), nullable=False),
    Column("granted", Boolean, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("channel", String(CODE_LENGTH), nullable=False),
    Column("customer_id", String(ID_LENGTH), nullable=True),
    Column("order_id", String(ID_LENGTH), nullable=True),
    Index(None, "subject_email", "at"),
    Index(None, "at"),
)

access_log = Table(
    "access_log",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("actor_id", String(ID_LENGTH), nullable=False),
    Column("actor_role", String(CODE_LENGTH), nullable=False),
    Column("action", String(CODE_LENGTH * 2), nullable=False),
    Column("subject", String(ID_LENGTH), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index(None, "actor_id", "at"),
    Index(None, "subject", "at"),
    Index(None, "at"),
)

# ---------------------------------------------------------------------- orders

orders = Table(
    "orders",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("currency", String(3), nullable=False),
    Column("contact_first_name", String(NAME_LENGTH), nullable=False),
    Column("contact_last_name", String(NAME_LENGTH), nullable=False),
    Column("contact_email", String(EMAIL_LENGTH), nullable=False),  # normalised
    Column("contact_phone", String(PHONE_LENGTH), nullable=False),
    *address_columns("billing", nullable=False),
    *address_columns("shipping", nullable=False),
    Column("shipping_method", String(CODE_LENGTH * 2), nullable=True),
    Column("shipping_minor", BigInteger, nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("placed_at", UtcDateTime, nullable=False),
    Column("status", String(CODE_LENGTH), nullable=False),
    Column("customer_id", String(ID_LENGTH), nullable=True),
    Column("ip_address", String(45), nullable=True),
    Column("paid_minor", BigInteger, nullable=False, default=0),
    Column("refunded_minor", BigInteger, nullable=False, default=0),
    Column("completed_at", UtcDateTime, nullable=True),
    Column("cancelled_at", UtcDateTime, nullable=True),
    Column("failed_at", UtcDateTime, nullable=True),
    # When the order's retention clock started (completion, cancellation or failure; NULL
    # while it is open). Derived by the repository from the status timestamps, so the
    # sweeps (PRV-2) can page through (status, clock_started_at, id) with one index.
    Column("clock_started_at", UtcDateTime, nullable=True),
    VERSION(),
    Index(None, "contact_email", "placed_at"),
    Index(None, "customer_id", "placed_at"),
    Index(None, "status", "placed_at"),
    Index(None, "status", "clock_started_at", "id"),
    Index(None, "placed_at", "id"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column(
        "order_id",
        String(ID_LENGTH),
        ForeignKey("orders.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", SmallInteger, primary_key=True),
    Column("sku", String(SKU_LENGTH), nullable=False),
    Column("name", String(NAME_LENGTH), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_minor", BigInteger, nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("vat_percent", String(8), nullable=False),
    Index(None, "sku"),
)

order_vat = Table(
    "order_vat",
    metadata,
    Column(
        "order_id",
        String(ID_LENGTH),
        ForeignKey("orders.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", SmallInteger, primary_key=True),
    Column("vat_percent", String(8), nullable=False),
    Column("gross_minor", BigInteger, nullable=False),
    Column("vat_minor", BigInteger, nullable=False),
)

order_history = Table(
    "order_history",
    metadata,
    Column(
        "order_id",
        String(ID_LENGTH),
        ForeignKey("orders.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", SmallInteger, primary_key=True),
    Column("from_status", String(CODE_LENGTH), nullable=True),
    Column("to_status", String(CODE_LENGTH), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(ID_LENGTH), nullable=False),
    Column("reason", String(1_000), nullable=False, default=""),
)

support_requests = Table(
    "support_requests",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("order_id", String(ID_LENGTH), nullable=False),
    Column("kind", String(CODE_LENGTH), nullable=False),
    Column("message", String(TEXT_LENGTH), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("customer_id", String(ID_LENGTH), nullable=True),
    Column("status", String(CODE_LENGTH), nullable=False),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("closed_by", String(ID_LENGTH), nullable=True),
    VERSION(),
    Index(None, "order_id", "created_at"),
)

#: Named counters (order numbers per year); see ``OrderRepository.next_number``.
counters = Table(
    "counters",
    metadata,
    Column("name", String(CODE_LENGTH * 2), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

# ---------------------------------------------------------------------- payments

payments = Table(
    "payments",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("order_id", String(ID_LENGTH), nullable=False),
    Column("provider_id", String(ID_LENGTH), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("status", String(CODE_LENGTH), nullable=False),
    Column("gateway_reference", String(ID_LENGTH), nullable=True, unique=True),
    Column("card_brand", String(CODE_LENGTH), nullable=True),
    Column("card_last4", String(4), nullable=True),
    Column("captured_minor", BigInteger, nullable=False),
    Column("refunded_minor", BigInteger, nullable=False),
    Column("failure_code", String(CODE_LENGTH * 2), nullable=True),
    Column("attempts", Integer, nullable=False),
    VERSION(),
    Index(None, "order_id", "created_at"),
)

payment_refunds = Table(
    "payment_refunds",
    metadata,
    Column(
        "payment_id",
        String(ID_LENGTH),
        ForeignKey("payments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", SmallInteger, primary_key=True),
    Column("id", String(ID_LENGTH), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("status", String(CODE_LENGTH), nullable=False),
    Column("failure_code", String(CODE_LENGTH * 2), nullable=True),
)

processed_events = Table(
    "processed_events",
    metadata,
    Column("event_id", String(ID_LENGTH * 2), primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Index(None, "at"),
)
