"""A realistic synthetic shop in bulk, for benchmarks and demos (``klickit seed``).

What it writes: a catalogue, customers with credentials-free accounts, orders in every
status spread over twelve years (with their lines, VAT breakdown, status history, stock
movements and payments), the terms-of-sale consent each order recorded, reviews and
visitor sessions. One cancelled or failed order in eight had a third of its total
captured before it ended (a deposit): an order cancelled after payment, in the retention
stage of its own (issue #19). Every order holds its after-sales data (none is stripped:
the retention sweep does that). Every row is one the repositories read back as a valid domain value
(``tests/adapters/test_seed.py`` loads them all), and the figures hold together: lines
sum to the order's items, the VAT rows sum to the total, refunds never exceed payments,
timestamps follow the life cycle.

Why not through the use cases: a million checkouts through ``place_order`` would take
hours and Argon2 alone seconds per thousand accounts. The seeder writes the same rows
directly, in chunks of a few thousand orders per transaction, with the driver's bulk
path (``executemany`` on SQLite, ``COPY`` on PostgreSQL). Memory stays flat in the number
of orders: nothing but the current chunk and the small catalogue is held.

All personal data is invented: names from a short list, emails under ``example.com``
(reserved by RFC 2606), phone numbers in the range ARCEP reserves for fiction
(+33 6 39 98 xx xx), IPs from the documentation ranges (RFC 5737).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from sqlalchemy import Connection, Engine, Table, select

from klickit_core.adapters.sql import tables as t
from klickit_core.adapters.sql.errors import first_connection, translated
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_
from klickit_core.shared.rounding import divide_rounded

__all__ = ["SeedError", "SeedPlan", "SeedReport", "seed_shop"]

Row = tuple[Any, ...]
Progress = Callable[[int, int], None]

_FIRST = (
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Jade", "Louise", "Emma", "Alice", "Lina",
    "Hugo", "Lucas", "Louis", "Gabriel", "Arthur", "Jules", "Nathan", "Théo", "Raphaël", "Noé",
    "Éloïse", "Zoé", "Anaïs", "Maëlys", "Joséphine", "Mathis", "Timothée", "Baptiste",
)  # fmt: skip
_LAST = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
    "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin",
)  # fmt: skip
_CITIES = (
    ("33000", "Bordeaux"), ("33400", "Talence"), ("33600", "Pessac"), ("33700", "Mérignac"),
    ("75011", "Paris"), ("69003", "Lyon"), ("31000", "Toulouse"), ("44000", "Nantes"),
    ("13001", "Marseille"), ("67000", "Strasbourg"), ("59000", "Lille"), ("64100", "Bayonne"),
    ("40100", "Dax"), ("24000", "Périgueux"), ("47000", "Agen"), ("17000", "La Rochelle"),
)  # fmt: skip
_STREETS = (
    "rue Sainte-Catherine", "cours de l'Intendance", "quai des Chartrons", "rue du Palais",
    "avenue Thiers", "place de la Bourse", "rue des Remparts", "allée de Tourny",
    "boulevard Wilson", "rue Notre-Dame", "impasse des Lilas", "chemin du Moulin",
)  # fmt: skip
_PRODUCT_WORDS = (
    ("Mug", "standard", 1490), ("Affiche", "standard", 1999), ("Tote bag", "standard", 1200),
    ("Carnet", "standard", 750), ("Thé vert", "reduced", 850), ("Café moulu", "reduced", 990),
    ("Confiture", "reduced", 590), ("Livre", "reduced", 2400), ("Canelés", "reduced", 1290),
    ("Vin rouge", "standard", 1850), ("Journal", "super_reduced", 230),
    ("Bougie", "standard", 1590),
)  # fmt: skip
_FLAVOURS = (
    "Bordeaux", "Garonne", "Chartrons", "Arcachon", "Médoc", "Saint-Émilion", "Landes",
    "Bassin", "Dune", "Pins", "Océan", "Vignes", "Bastide", "Lacanau", "Cap Ferret",
)  # fmt: skip
_VAT_PERCENT = {"standard": "20", "reduced": "5.5", "super_reduced": "2.1"}
# rate in tenths of a percent, for exact integer VAT: 20 % -> 200, 5.5 % -> 55
_VAT_PERMILLE = {"20": 200, "5.5": 55, "2.1": 21}
_BROWSERS = ("Firefox", "Chrome", "Safari", "Edge", "Samsung Internet")
_CATEGORIES = ("maison", "epicerie", "livres", "cave", "papeterie")
_REVIEW_TEXTS = (
    "Très bon produit, livraison rapide.",
    "Conforme à la description.",
    "Joli cadeau, emballage soigné.",
    "Un peu cher mais de qualité.",
    "Déçu par la couleur, sinon correct.",
)


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value


@attrs.frozen
class SeedPlan:
    """How big a shop to make. Counts other than ``orders`` default to proportions of it."""

    orders: int
    now: datetime = attrs.field(
        factory=lambda: datetime.now(UTC),
        converter=_utc,
    )
    years: int = 12
    products: int = 200
    customers: int | None = None  # default: one account per four orders
    sessions: int | None = None  # default: one per ten orders
    reviews: int | None = None  # default: one per twenty orders
    chunk: int = 5_000
    seed: int = 2026

    def __attrs_post_init__(self) -> None:
        if self.orders < 0 or self.products < 1 or self.chunk < 1 or self.years < 1:
            raise ValueError("seed plan: counts must be positive")
        if self.now.tzinfo is None:
            raise ValueError("seed plan: now must be an aware datetime")

    @property
    def customer_count(self) -> int:
        """How many customer accounts."""
        return self.customers if self.customers is not None else max(1, self.orders // 4)

    @property
    def session_count(self) -> int:
        """How many visitor sessions."""
        return self.sessions if self.sessions is not None else self.orders // 10

    @property
    def review_count(self) -> int:
        """How many reviews."""
        return self.reviews if self.reviews is not None else self.orders // 20


@attrs.frozen
class SeedReport:
    """How many rows went into each table."""

    rows: dict[str, int]

    @property
    def orders(self) -> int:
        """Orders written."""
        return self.rows.get("orders", 0)


# ---------------------------------------------------------------------- writing


class _Writer:
    """Bulk inserts of tuples in a table's column order, per backend."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._sqlite = connection.dialect.name == "sqlite"
        self.rows: dict[str, int] = {}

    def when(self, value: datetime | None) -> Any:
        """A UTC datetime as the backend stores it (see ``types.UtcDateTime``): ISO text
        without zone on SQLite, the aware value itself on PostgreSQL."""
        if value is None or not self._sqlite:
            return value
        return value.isoformat(" ", "microseconds")[:26]

    def insert(self, table: Table, rows: Sequence[Row]) -> None:
        if not rows:
            return
        names = [column.name for column in table.columns]
        if len(rows[0]) != len(names):  # the tuples follow the schema's column order
            raise RuntimeError(f"seed rows for {table.name} do not match its columns")
        if not self._connection.in_transaction():
            self._connection.begin()  # the backend's BEGIN (IMMEDIATE on SQLite), then raw rows
        raw: Any = self._connection.connection.driver_connection
        if self._sqlite:
            marks = ", ".join("?" for _ in names)
            sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})"  # noqa: S608 - names from the schema
            raw.executemany(sql, rows)
        else:
            statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        self.rows[table.name] = self.rows.get(table.name, 0) + len(rows)


# ---------------------------------------------------------------------- the shop


_PLAIN = str.maketrans("éèëïçö ", "eeeico-")


def _email(first: str, last: str, n: int) -> str:
    local = f"{first}.{last}".lower().translate(_PLAIN)
    return f"{local}.{n}@example.com"


def _person(n: int) -> tuple[Any, ...]:
    """Person ``n``: a pure function of ``n``, so nothing about the customers has to be
    held in memory while orders are written (memory stays flat in their number)."""
    first = _FIRST[n % len(_FIRST)]
    last = _LAST[(n // len(_FIRST) + n * 7) % len(_LAST)]
    postcode, city = _CITIES[(n * 13) % len(_CITIES)]
    street = f"{(n * 37) % 179 + 1} {_STREETS[(n * 5) % len(_STREETS)]}"
    address = ("FR", postcode, city, "", street, None, None, None, "")  # no company
    return f"cust{n:011d}", first, last, _email(first, last, n), f"+336399800{n % 100:02d}", address


@attrs.define
class _Product:
    sku: str
    name: str
    price_minor: int
    vat_percent: str


def _products(plan: SeedPlan, rng: random.Random, w: _Writer) -> list[_Product]:
    made: list[_Product] = []
    rows: list[Row] = []
    categories: list[Row] = []
    for n in range(plan.products):
        word, vat_class, base = _PRODUCT_WORDS[n % len(_PRODUCT_WORDS)]
        flavour = _FLAVOURS[(n // len(_PRODUCT_WORDS)) % len(_FLAVOURS)]
        sku = f"SEED-{n:05d}"
        price = base + 10 * rng.randrange(-30, 60)
        made.append(_Product(sku, f"{word} {flavour}", price, _VAT_PERCENT[vat_class]))
        stock = None if n % 5 == 0 else rng.randrange(0, 500)
        rows.append(
            (sku, f"{word} {flavour}", price, "EUR", vat_class, "", stock, True,
             rng.randrange(50, 1500), 1)
        )  # fmt: skip
        categories.append((sku, 0, _CATEGORIES[n % len(_CATEGORIES)]))
    w.insert(t.products, rows)
    w.insert(t.product_categories, categories)
    return made


def _customers(plan: SeedPlan, rng: random.Random, w: _Writer) -> None:
    """Customers, written in chunks (each one is :func:`_person` of its number)."""
    start = plan.now - timedelta(days=365 * plan.years)
    span = int((plan.now - start).total_seconds())
    rows: list[Row] = []
    for n in range(plan.customer_count):
        customer_id, first, last, email, phone, address = _person(n)
        created = start + timedelta(seconds=rng.randrange(span))
        rows.append(
            (customer_id, email, first, last, w.when(created), w.when(created), phone,
             *address, *address, None, None, 1)
        )  # fmt: skip
        if len(rows) >= plan.chunk:
            w.insert(t.customers, rows)
            rows = []
    w.insert(t.customers, rows)


_PATHS: dict[str, tuple[str, ...]] = {
    "pending_payment": (),
    "on_hold": ("on_hold",),
    "processing": ("processing",),
    "completed": ("processing", "completed"),
    "partially_refunded": ("processing", "completed", "partially_refunded"),
    "refunded": ("processing", "completed", "refunded"),
    "cancelled": ("cancelled",),
    "failed": ("failed",),
}


_PAID = frozenset({"processing", "completed", "partially_refunded", "refunded"})
_REFUNDS = frozenset({"partially_refunded", "refunded"})
_ENDED = frozenset({"cancelled", "failed"})
#: One cancelled or failed order in this many (by its number) took a deposit first.
_DEPOSIT_EVERY = 8
#: The retention stage of an order in each status (``Order.retention_stage``); a seeded
#: order is paid in full from processing on, and never paid before, but for the deposit
#: of some cancelled and failed ones (stage ``cancelled_after_payment``).
_STAGES = {
    "pending_payment": "unpaid", "on_hold": "unpaid", "completed": "completed",
    "partially_refunded": "completed", "refunded": "completed", "cancelled": "cancelled",
    "failed": "failed",
}  # fmt: skip


def _status_for(age: timedelta, rng: random.Random) -> str:
    roll = rng.random()
    if age < timedelta(days=2):
        return "pending_payment" if roll < 0.3 else "on_hold" if roll < 0.4 else "processing"
    if age < timedelta(days=30):
        table = (
            (0.30, "processing"), (0.85, "completed"), (0.93, "cancelled"), (0.98, "failed"),
            (1.01, "refunded"),
        )  # fmt: skip
    else:
        table = (
            (0.85, "completed"), (0.91, "cancelled"), (0.95, "failed"), (0.98, "refunded"),
            (1.01, "partially_refunded"),
        )  # fmt: skip
    return next(status for bound, status in table if roll < bound)


def _vat_of(gross: int, percent: str) -> int:
    permille = _VAT_PERMILLE.get(percent, 0)
    return gross - divide_rounded(gross * 1000, 1000 + permille) if permille else 0


def _orders(  # noqa: PLR0915 - one order's rows are written in one place, on purpose
    plan: SeedPlan,
    rng: random.Random,
    w: _Writer,
    connection: Connection,
    catalogue: Sequence[_Product],
    progress: Progress | None,
) -> None:
    """The hot loop: about ten rows per order, so it avoids every avoidable call
    (``random()`` scaled instead of ``randrange``, bound methods in locals)."""
    start = plan.now - timedelta(days=365 * plan.years)
    # Placement times increase with the order number, as they would in a real shop; the
    # last few orders fall in the last two days, so open statuses (pending, on hold) exist.
    recent = min(plan.orders, max(20, plan.orders // 500))
    span = int((plan.now - start).total_seconds()) - 2 * 86_400
    step = span / max(1, plan.orders - recent)
    recent_step = (2 * 86_400 - 3600) / max(1, recent)
    per_year: dict[int, int] = {}
    names = (
        "orders", "order_lines", "order_vat", "order_history", "payments",
        "payment_refunds", "stock_movements", "consents",
    )  # fmt: skip
    buffers: dict[str, list[Row]] = {name: [] for name in names}
    tables = {name: getattr(t, name) for name in names}
    orders, lines, vats = buffers["orders"], buffers["order_lines"], buffers["order_vat"]
    history_rows, payments = buffers["order_history"], buffers["payments"]
    refunds, movements = buffers["payment_refunds"], buffers["stock_movements"]
    consents = buffers["consents"]
    when, random_, products, now = w.when, rng.random, len(catalogue), plan.now
    people = plan.customer_count
    day = timedelta(days=1)
    minute = timedelta(minutes=1)

    def flush() -> None:
        for name in names:
            w.insert(tables[name], buffers[name])
            buffers[name].clear()
        connection.commit()

    for n in range(plan.orders):
        if n < plan.orders - recent:
            placed = start + timedelta(seconds=int(n * step + random_() * step))
        else:
            offset = (n - plan.orders + recent) * recent_step
            placed = plan.now - timedelta(days=2, seconds=-int(offset))
        status = _status_for(now - placed, rng)
        order_id = f"ord{n:012d}"
        year = placed.year
        per_year[year] = number = per_year.get(year, 0) + 1
        placed_at = when(placed)
        if random_() < 0.7:  # a customer with an account
            customer_id, first, last, email, phone, address = _person(int(random_() * people))
        else:  # a guest, somebody new
            _, first, last, email, phone, address = _person(people + n)
            customer_id = None
        # lines: one to eight distinct products, mostly one to three
        count = 1 + min(int(rng.expovariate(0.7)), 7)
        chosen: dict[int, None] = {}
        while len(chosen) < count:
            chosen[int(random_() * products)] = None
        gross_by_rate: dict[str, int] = {}
        items = 0
        quantities = []
        for position, index in enumerate(chosen):
            product = catalogue[index]
            quantity = 1 if random_() < 0.8 else 2 + int(random_() * 3)
            quantities.append((product.sku, quantity))
            total = product.price_minor * quantity
            items += total
            percent = product.vat_percent
            gross_by_rate[percent] = gross_by_rate.get(percent, 0) + total
            lines.append(
                (order_id, position, product.sku, product.name, quantity, product.price_minor,
                 total, percent)
            )  # fmt: skip
            movements.append(
                (f"{order_id}m{position}", product.sku, -quantity, "order_reserved", placed_at,
                 order_id)
            )  # fmt: skip
        shipping = 0 if items >= 6000 else 790
        gross_by_rate["20"] = gross_by_rate.get("20", 0) + shipping
        total_minor = items + shipping
        for position, (percent, gross) in enumerate(sorted(gross_by_rate.items())):
            vats.append((order_id, position, percent, gross, _vat_of(gross, percent)))
        # life cycle: each step a little after the one before, never in the future
        at = placed
        completed = cancelled = failed = refunded_at = None
        history_rows.append((order_id, 0, None, "pending_payment", placed_at, "checkout", "placed"))
        previous = "pending_payment"
        for position, target in enumerate(_PATHS[status], start=1):
            at = min(at + (day * 3 if position > 1 else day) * random_() + minute, now)
            if target == "completed":
                completed = at
            elif target == "cancelled":
                cancelled = at
            elif target == "failed":
                failed = at
            elif target in _REFUNDS:
                refunded_at = at
            history_rows.append((order_id, position, previous, target, when(at), "system", ""))
            previous = target
        at_text = when(at)
        paid = total_minor if status in _PAID else 0
        deposit = status in _ENDED and n % _DEPOSIT_EVERY == 0
        if deposit:  # a third captured, then the order ended: an accounting record
            paid = max(1, total_minor // 3)
        refunded = (
            paid if status == "refunded" else paid // 3 if status == "partially_refunded" else 0
        )
        if cancelled is not None or failed is not None:
            for position, (sku, quantity) in enumerate(quantities):
                movements.append(
                    (f"{order_id}r{position}", sku, quantity, "order_released", at_text, order_id)
                )
        # the retention stage and its clock, as Order.retention_stage / retention_clock say
        stage = "cancelled_after_payment" if deposit else _STAGES.get(status)
        clock = (
            placed if stage == "unpaid"
            else refunded_at or completed if stage == "completed"
            else cancelled or failed
        )  # fmt: skip
        orders.append(
            (order_id, f"KL-{year}-{number:06d}", "EUR", first, last, email, phone,
             *address, *address, "colissimo-fr", shipping, total_minor, placed_at, status,
             customer_id, f"192.0.2.{n % 250 + 1}", paid, refunded, when(completed),
             when(cancelled), when(failed), when(clock if stage else None), stage,
             when(refunded_at), None, None, None, 1)
        )  # fmt: skip
        # payment
        pay_status = "captured" if deposit else _PAYMENT_STATUS.get(status, "captured")
        payment_id = f"pay{n:012d}"
        reference = None if pay_status == "pending" else f"sbx_{n:012d}"
        card = (None, None) if reference is None else ("visa", f"{4242 + n % 5000:04d}")
        payments.append(
            (payment_id, order_id, "sandbox", total_minor, "EUR", placed_at, at_text,
             f"seed-{order_id}", pay_status, reference, *card, paid, refunded,
             "card_declined" if pay_status == "failed" else None, 1, 1)
        )  # fmt: skip
        if refunded:
            refunds.append(
                (payment_id, 0, f"ref{n:012d}", refunded, f"seed-refund-{order_id}", at_text,
                 "succeeded", None)
            )  # fmt: skip
        consents.append(
            (f"cns{n:012d}", email, "terms_of_sale", "2024-01", True, placed_at, "checkout",
             customer_id, order_id)
        )  # fmt: skip
        if (n + 1) % plan.chunk == 0:
            flush()
            if progress is not None:
                progress(n + 1, plan.orders)
    flush()
    if progress is not None:
        progress(plan.orders, plan.orders)
    counters = [(f"order_number:{year}", count) for year, count in sorted(per_year.items())]
    w.insert(t.counters, counters)
    connection.commit()


_PAYMENT_STATUS = {
    "pending_payment": "pending", "on_hold": "authorized", "cancelled": "voided",
    "failed": "failed", "refunded": "refunded", "partially_refunded": "partially_refunded",
}  # fmt: skip


def _reviews_and_sessions(
    plan: SeedPlan,
    rng: random.Random,
    w: _Writer,
    catalogue: Sequence[_Product],
) -> None:
    span = int(timedelta(days=365 * plan.years).total_seconds())
    rows: list[Row] = []
    for n in range(plan.review_count):
        product = catalogue[rng.randrange(len(catalogue))]
        customer_id, first, last, email, *_ = _person(rng.randrange(plan.customer_count))
        created = plan.now - timedelta(seconds=rng.randrange(span))
        state = rng.choices(("approved", "pending", "rejected"), (8, 1, 1))[0]
        moderated = None if state == "pending" else created + timedelta(hours=rng.randrange(1, 72))
        rows.append(
            (f"rev{n:011d}", product.sku, rng.randrange(1, 6), rng.choice(_REVIEW_TEXTS),
             f"{first} {last[0]}.", email, w.when(created), customer_id, state,
             w.when(min(moderated, plan.now) if moderated else None),
             None if moderated is None else "staff-seed", 1)
        )  # fmt: skip
        if len(rows) >= plan.chunk:
            w.insert(t.reviews, rows)
            rows = []
    w.insert(t.reviews, rows)
    rows = []
    for n in range(plan.session_count):
        # Sessions are recent: most are swept after their period (PRV-1), a few are stale.
        last = plan.now - timedelta(seconds=rng.randrange(int(timedelta(days=400).total_seconds())))
        started = last - timedelta(minutes=rng.randrange(1, 120))
        viewed = " ".join(catalogue[rng.randrange(len(catalogue))].sku for _ in range(3))
        customer = f"cust{rng.randrange(plan.customer_count):011d}" if rng.random() < 0.3 else None
        city = rng.choice(_CITIES)[1]
        rows.append(
            (f"ses{n:011d}", w.when(started), w.when(last), viewed, f"198.51.100.{n % 250 + 1}",
             rng.choice(_BROWSERS), "FR", "Nouvelle-Aquitaine", city, True,
             None, None, None, None, None, None, None, None, None, customer, 1)
        )  # fmt: skip
        if len(rows) >= plan.chunk:
            w.insert(t.sessions, rows)
            rows = []
    w.insert(t.sessions, rows)


class SeedError(KlickitError):
    """The database already holds a shop: seeding writes fixed ids and would clash."""

    code = "seed.not_empty"
    message_template = N_("The database is not empty; seed a freshly migrated one.")


@contextmanager
def _bulk_mode(connection: Connection) -> Iterator[None]:
    """Secondary indexes dropped while rows pour in and rebuilt once at the end (a sort
    is far cheaper than a million random B-tree inserts); on SQLite, fewer syncs and a
    bounded 128 MiB page cache for this connection only. The indexes come back even
    if the seed fails half-way; if the process is killed, the next migration run
    (``klickit db upgrade``, ``klickit seed``, ``build_shop``) puts them back
    (:func:`~klickit_core.adapters.sql.migrations.restore_indexes`), which is why both
    steps tolerate an index another process restored meanwhile."""
    indexes = [index for table in t.metadata.sorted_tables for index in table.indexes]
    sqlite = connection.dialect.name == "sqlite"
    if connection.in_transaction():
        connection.rollback()
    if sqlite:  # per-connection settings, which SQLite refuses inside a transaction
        _pragma(connection, "synchronous=OFF", "cache_size=-131072")
    for index in indexes:
        index.drop(connection, checkfirst=True)
    connection.commit()
    try:
        yield
    finally:
        connection.rollback()
        for index in indexes:
            index.create(connection, checkfirst=True)
        connection.commit()
        # Planner statistics for the freshly loaded tables, on both backends: without them
        # PostgreSQL may plan a scan where an index lookup is the right answer.
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
        if sqlite:
            _pragma(connection, "synchronous=FULL", "cache_size=-2000")


def _pragma(connection: Connection, *settings: str) -> None:
    """Run ``PRAGMA`` settings on the driver connection, outside any transaction."""
    raw: Any = connection.connection.driver_connection
    for setting in settings:
        raw.execute(f"PRAGMA {setting}")


def seed_shop(engine: Engine, plan: SeedPlan, progress: Progress | None = None) -> SeedReport:
    """Write the shop ``plan`` describes into the migrated, empty database of ``engine``.

    ``progress(done, total)`` is called after every chunk of orders. Each chunk is its own
    transaction, so an interrupted seed leaves whole orders only. :class:`SeedError` if
    the database already holds products or orders.
    """
    rng = random.Random(plan.seed)  # noqa: S311 - synthetic data, not security
    with translated(), first_connection(engine) as connection:
        for table in (t.products, t.orders, t.customers):
            if connection.execute(select(table).limit(1)).first() is not None:
                raise SeedError
        connection.rollback()
        w = _Writer(connection)
        with _bulk_mode(connection):
            catalogue = _products(plan, rng, w)
            _customers(plan, rng, w)
            connection.commit()
            _orders(plan, rng, w, connection, catalogue, progress)
            _reviews_and_sessions(plan, rng, w, catalogue)
            connection.commit()
    return SeedReport(dict(w.rows))
