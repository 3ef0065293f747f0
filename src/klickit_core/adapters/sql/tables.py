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
* A postal address is a group of columns under a prefix (``billing_country`` …
  ``billing_street_1`` … ``billing_street_4``, ``billing_company``); an optional address is
  absent when its country is ``NULL``. Street lines are separate columns, never joined
  text, so a line can hold any character. The company column came later (revision 0002):
  where the address is required it defaults to ``''``, elsewhere ``NULL`` reads as none.
* Every ``String`` has a length. SQLite does not enforce it, so the repositories check
  lengths against these columns before writing (one rule, both backends) and raise the
  library's typed error.
* Names of constraints follow one convention so Alembic migrations can refer to them.
* Child rows (order lines, VAT, history, refunds, cart lines, credentials) go with their
  parent: ``ON DELETE CASCADE``.

Indexes exist for what the use cases and the privacy sweeps query: orders by normalised
customer email, by customer, by status and placement time, and by their retention stage
and the moment its clock started (``retention_stage``, ``clock_started_at``: a partial
index that anonymised and open orders leave, so sweeps never walk past them), and the
paid orders still holding after-sales data by that clock (partial too); payments
still holding card or gateway details by creation (partial as well); support requests by
closing time; saved carts by their last change; sessions by last activity; reviews by
author email and published reviews by publication; consents by subject and
by order; login attempts by account, by network and by time; one-time tokens by subject
and purpose, and by expiry; security events by time; lost-credentials requests by status.

The privacy engine's own state (:mod:`klickit_core.privacy.ports`) is the one place where a
column holds a JSON document: a sweep checkpoint's cursors and counts, an audit entry's
counts per category. They hold keys and counts only, never personal data, and are always
read and written whole, so no sweep ever needs to find or blank anything inside them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    text,
)

from klickit_core.adapters.sql.types import UtcDateTime

__all__ = [
    "ADDRESS_FIELD_LENGTH",
    "AFTER_SALES_INDEX",
    "AFTER_SALES_PENDING",
    "ID_LENGTH",
    "NETWORK_LENGTH",
    "PAYMENT_DETAILS",
    "PUBLISHED_SIGNED",
    "VERSION",
    "access_log",
    "account_activity",
    "address_columns",
    "cart_lines",
    "consents",
    "counters",
    "credentials",
    "customers",
    "login_attempts",
    "lost_credentials",
    "metadata",
    "order_history",
    "order_lines",
    "order_vat",
    "orders",
    "payment_refunds",
    "payments",
    "privacy_audit",
    "privacy_erasure_ledger",
    "privacy_export_bundles",
    "privacy_requests",
    "privacy_sweep_checkpoints",
    "processed_events",
    "product_categories",
    "products",
    "reviews",
    "saved_carts",
    "security_events",
    "sessions",
    "stock_movements",
    "support_requests",
    "tokens",
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
#: The rows of ``payments`` that still hold personal details (the partial index's and the
#: sweep's predicate, written once so that SQLite recognises the index as usable).
PAYMENT_DETAILS = (
    "card_brand IS NOT NULL OR card_last4 IS NOT NULL OR gateway_reference IS NOT NULL"
)
#: The predicate of the partial index of the paid orders whose after-sales data (phone,
#: IP address, account link, staff history) is still there (issue #19). The after-sales
#: sweep's page query repeats it word for word, with literal stage codes: a bound
#: parameter in its place would not prove the predicate to SQLite's planner, nor to a
#: generic plan on PostgreSQL, and the index would go unused.
AFTER_SALES_PENDING = (
    "stripped_at IS NULL AND retention_stage IN ('completed', 'cancelled_after_payment')"
)
#: That index's name (the naming convention's), which SQLite's page query names in
#: ``INDEXED BY`` (see ``SqlOrders.sweep_after_sales``).
AFTER_SALES_INDEX = "ix_orders_clock_started_at_id"
#: The reviews that are published and still name their author (the partial index's and
#: the ``reviews.published`` sweep's predicate, written once so SQLite can use the index).
PUBLISHED_SIGNED = (
    "state = 'approved' AND (author_name <> '' OR author_email <> '' OR customer_id IS NOT NULL)"
)
#: Token purposes and security event kinds: identifiers of at most 64 characters.
KIND_LENGTH = 64
#: A client's network key (an IPv4 address, or an IPv6 network such as ``2001:db8::/64``).
NETWORK_LENGTH = 49  # the longest IPv6 text form (45) and a "/128" suffix
#: The JSON state of a sweep checkpoint or the counts of an audit entry: keys (cursors of
#: at most 512 characters) and counts per category, never personal data.
STATE_LENGTH = 1_000_000

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
        Column(
            f"{prefix}_company",
            String(ADDRESS_FIELD_LENGTH),
            nullable=nullable,
            server_default=None if nullable else text("''"),
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
    # Partial: published reviews still signed by their author, by publication (the
    # reviews.published sweep, PRV-2, issue #19), so sweeps never walk past unsigned ones.
    Index(
        None,
        "moderated_at",
        "id",
        sqlite_where=text(PUBLISHED_SIGNED),
        postgresql_where=text(PUBLISHED_SIGNED),
    ),
)

# ---------------------------------------------------------------------- cart and sessions

#: A signed-in customer's saved cart (CRT-1): when it last changed, which starts the
#: ``carts.saved`` retention clock (PRV-2, issue #19; revision 0005). Its lines go with it.
saved_carts = Table(
    "saved_carts",
    metadata,
    Column("customer_id", String(ID_LENGTH), primary_key=True),
    Column("updated_at", UtcDateTime, nullable=False),
    VERSION(),
    # The carts.saved sweep pages through (updated_at, customer_id) (PRV-2).
    Index(None, "updated_at", "customer_id"),
)

cart_lines = Table(
    "cart_lines",
    metadata,
    Column(
        "customer_id",
        String(ID_LENGTH),
        ForeignKey("saved_carts.customer_id", ondelete="CASCADE"),
        primary_key=True,
    ),
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

#: What the inactivity rule (accounts.inactive) needs beyond the customer row: the latest
#: successful login carried over from swept login attempts, and when the customer was
#: told of the deletion for inactivity. Goes with its account (``ON DELETE CASCADE``).
account_activity = Table(
    "account_activity",
    metadata,
    Column(
        "customer_id",
        String(ID_LENGTH),
        ForeignKey("customers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("last_login_at", UtcDateTime, nullable=True),
    Column("inactivity_notice_at", UtcDateTime, nullable=True),
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
    # The consents.proofs sweep pages through (at, id), oldest first (PRV-2, PRV-5).
    Index(None, "at", "id"),
    Index(None, "customer_id"),
    # An order's terms of sale go with it (PRV-1): reached from a batch of order ids.
    Index(None, "order_id"),
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
    # The staff.access_log sweep pages through (at, id) (PRV-2).
    Index(None, "at", "id"),
)

# ---------------------------------------------------------------------- account security

#: Login attempts counted by the login limits (SEC-2): per account and per network since a
#: moment (``COUNT`` over an index), and deleted in ``(at, id)`` order by the sweep.
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("outcome", String(CODE_LENGTH), nullable=False),
    Column("customer_id", String(ID_LENGTH), nullable=True),  # NULL: no account matched
    Column("ip_address", String(NETWORK_LENGTH), nullable=True),
    Index(None, "customer_id", "at"),
    Index(None, "ip_address", "at"),
    Index(None, "at", "id"),
)

#: One-time token records (SEC-3, SEC-6): the selector as id and the verifier's SHA-256,
#: never the token. Spending is one guarded ``UPDATE … WHERE used_at IS NULL``.
tokens = Table(
    "tokens",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("purpose", String(KIND_LENGTH), nullable=False),
    Column("subject", String(ID_LENGTH), nullable=False),
    Column("verifier_hash", String(128), nullable=False),  # SHA-256 in hex: 64
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
    Index(None, "subject", "purpose", "created_at"),
    Index(None, "expires_at", "id"),
)

#: Security events (SEC-2, BRE-1): ids and a network key only.
security_events = Table(
    "security_events",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("kind", String(KIND_LENGTH), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("customer_id", String(ID_LENGTH), nullable=True),
    Column("actor_id", String(ID_LENGTH), nullable=True),
    Column("ip_address", String(NETWORK_LENGTH), nullable=True),
    Index(None, "at", "id"),
    Index(None, "customer_id", "at"),
    Index(None, "kind", "at"),
)

#: Lost-credentials requests from the contact form, reviewed by staff (SEC-4).
lost_credentials = Table(
    "lost_credentials",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("name", String(NAME_LENGTH), nullable=False),
    Column("contact_email", String(EMAIL_LENGTH), nullable=False),
    Column("message", String(TEXT_LENGTH), nullable=False),
    Column("status", String(CODE_LENGTH), nullable=False),
    Column("reviewed_by", String(ID_LENGTH), nullable=True),
    Column("reviewed_at", UtcDateTime, nullable=True),
    Column("customer_id", String(ID_LENGTH), nullable=True),
    VERSION(),
    Index(None, "status", "created_at", "id"),
    Index(None, "created_at", "id"),
    Index(None, "contact_email"),
    Index(None, "customer_id"),
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
    # The retention rule that governs the order now (``Order.retention_stage``: unpaid,
    # completed, cancelled_after_payment, cancelled, failed; NULL while open and once
    # anonymised) and when its clock started (``Order.retention_clock``). Derived by the
    # repository from the domain value, so the sweeps (PRV-2) page through (stage,
    # clock, id) on one index.
    Column("clock_started_at", UtcDateTime, nullable=True),
    Column("retention_stage", String(CODE_LENGTH), nullable=True),
    Column("refunded_at", UtcDateTime, nullable=True),  # the last refund (a clock)
    Column("anonymised_at", UtcDateTime, nullable=True),  # PRV-2: left every category
    Column("restricted_at", UtcDateTime, nullable=True),  # PRV-4: kept, staff only
    Column("stripped_at", UtcDateTime, nullable=True),  # after-sales data gone (#19)
    VERSION(),
    Index(None, "contact_email", "placed_at"),
    Index(None, "customer_id", "placed_at"),
    Index(None, "status", "placed_at"),
    Index(None, "placed_at", "id"),
    # Partial: anonymised and open orders are not in it, so each sweep batch starts at
    # its cursor among due orders only, however many orders were anonymised before.
    Index(
        None,
        "retention_stage",
        "clock_started_at",
        "id",
        sqlite_where=text("retention_stage IS NOT NULL"),
        postgresql_where=text("retention_stage IS NOT NULL"),
    ),
    # Partial: the paid orders whose after-sales data the ``orders.after_sales`` sweep has
    # not removed yet (revision 0004). Stripped and anonymised orders leave it, so each
    # batch starts at its cursor among the orders still to strip.
    Index(
        AFTER_SALES_INDEX,
        "clock_started_at",
        "id",
        sqlite_where=text(AFTER_SALES_PENDING),
        postgresql_where=text(AFTER_SALES_PENDING),
    ),
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
    Index(None, "closed_at", "id"),  # the retention sweep of closed requests (PRV-2)
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
    # Partial: the payments whose card summary or gateway reference retention has not
    # removed yet (PRV-2), so later sweeps never walk past the anonymised ones.
    Index(
        None,
        "created_at",
        "id",
        sqlite_where=text(PAYMENT_DETAILS),
        postgresql_where=text(PAYMENT_DETAILS),
    ),
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

# ---------------------------------------------------------------------- privacy engine

#: How far each unfinished retention sweep got (PRV-2), one row per job name, saved in
#: the same transaction as the batch it follows. ``state`` is the checkpoint's JSON
#: (cursors, finished categories, counts): keys and counts only.
privacy_sweep_checkpoints = Table(
    "privacy_sweep_checkpoints",
    metadata,
    Column("job", String(ID_LENGTH), primary_key=True),
    Column("run_id", String(ID_LENGTH), nullable=False),
    Column("now", UtcDateTime, nullable=False),
    Column("actor_id", String(ID_LENGTH), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("state", String(STATE_LENGTH), nullable=False),
    VERSION(),
)

#: One entry per sweep run, export and erasure (PRV-2, PRV-3, PRV-4): ids and counts.
privacy_audit = Table(
    "privacy_audit",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("action", String(CODE_LENGTH), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_id", String(ID_LENGTH), nullable=False),
    Column("reference", String(200), nullable=False),
    Column("dry_run", Boolean, nullable=False),
    Column("tallies", String(STATE_LENGTH), nullable=False),  # JSON: counts per category
    Index(None, "at", "id"),
    Index(None, "action", "at", "id"),
)

# ---------------------------------------------------------------------- privacy requests

#: Access and erasure requests (PRV-3, PRV-4) with their legal deadline (GDPR art. 12(3)):
#: counted per email for the rate limit, listed by deadline for staff, swept one year
#: after they close (``privacy.request_proofs``).
privacy_requests = Table(
    "privacy_requests",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("kind", String(CODE_LENGTH), nullable=False),
    Column("channel", String(CODE_LENGTH), nullable=False),
    Column("email", String(EMAIL_LENGTH), nullable=False),  # normalised
    Column("locale", String(8), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("confirm_by", UtcDateTime, nullable=False),
    Column("customer_id", String(ID_LENGTH), nullable=True),
    Column("status", String(CODE_LENGTH), nullable=False),
    Column("confirmed_at", UtcDateTime, nullable=True),
    Column("completed_at", UtcDateTime, nullable=True),
    Column("extended_to", Date, nullable=True),
    Column("extension_reason", String(CODE_LENGTH), nullable=True),
    Column("extended_at", UtcDateTime, nullable=True),
    Column("extended_by", String(ID_LENGTH), nullable=True),
    Column("bundle_id", String(ID_LENGTH), nullable=True),
    VERSION(),
    Index(None, "email", "received_at"),
    Index(None, "customer_id"),
    Index(None, "status", "due_on"),
)

#: Delivered exports (PRV-3): one file per bundle (the HTML page with its JSON inside, or
#: the ZIP of the HTML and JSON files; the file name says which), deleted when its
#: single-use link is used, swept when it expires (``privacy.export_bundles``). In the
#: database rather than on a disk: it commits with its download token and the request's
#: completion, and every worker of the shop reaches it.
privacy_export_bundles = Table(
    "privacy_export_bundles",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("request_id", String(ID_LENGTH), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("filename", String(200), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Index(None, "request_id"),
    Index(None, "created_at", "id"),
)

#: Who was erased (PRV-6), without personal data: HMAC-SHA256 of the normalised email and
#: of the customer id under the shop's erasure key (``key_id`` is its fingerprint).
privacy_erasure_ledger = Table(
    "privacy_erasure_ledger",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("erased_at", UtcDateTime, nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("email_hash", String(64), nullable=False),
    Column("customer_hash", String(64), nullable=True),
    Column("reference", String(ID_LENGTH), nullable=False),
    Index(None, "email_hash"),
    Index(None, "customer_hash"),
)
