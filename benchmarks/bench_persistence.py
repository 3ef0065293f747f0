"""Persistence benchmarks: ``seed_1m`` and ``order_placement``.

``seed_1m``: seconds and peak memory of ``klickit seed`` (the command line's own
``main(["seed", ...])``: migrate, then :func:`seed_shop`) into a fresh SQLite file; the
seconds are those of ``seed_shop`` inside the command (``cli_s``: the whole command, with
its migrations, a constant that would flatter the linearity figure). Each
size runs in a fresh interpreter that reports its own time and its own peak memory
(``VmHWM``, see :func:`_harness.peak_rss_mb`), so the figures are the seed's alone. Sizes
by mode: full 1,000,000 orders (and 100,000 for the baseline), ``--quick`` 100,000 (and
10,000), ``--smoke`` 2,000 (and 200, in this process: figures are noise).

**Baseline** ``10x_smaller``: ten times the seed of a shop ten times smaller, so the
``ratio`` says how linear the seed is (1.0: perfectly linear; above: it slows as the
tables grow). Extra figures: ``orders``, ``peak_rss_mb`` and ``peak_rss_mb_small``,
``memory_growth`` (their quotient: 1.0 is flat), ``orders_per_s``. Goals (issue #4 and
#17): under 5 minutes and under 500 MB at 1,000,000 orders; time linear (``ratio`` at
most :data:`LINEAR`) and memory flat (``memory_growth`` at most :data:`FLAT`) from the
small size to the big one.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _harness import (
    BenchmarkSetupError,
    Result,
    Settings,
    benchmark,
    check,
    compare,
    peak_rss_mb,
    same,
)

HERE = Path(__file__).resolve().parent
#: "Linear": ten times the orders take at most this many times ten times as long.
LINEAR = 1.2
#: "Flat": the peak at ten times the orders is at most this many times the small one's.
FLAT = 1.2

_SIZES = {"full": 1_000_000, "quick": 100_000, "smoke": 2_000}


def _seed_child(url: str, orders: int) -> dict[str, Any]:
    """``klickit seed --db URL --orders N --plain`` in this interpreter: its seconds, its
    orders and this process's peak memory."""
    import contextlib
    import io

    from sqlalchemy import func, select

    from klickit_core.adapters.sql import seed
    from klickit_core.adapters.sql import tables as t
    from klickit_core.adapters.sql.engine import make_engine
    from klickit_core.cli.main import main

    seeding: list[float] = []
    seed_shop = seed.seed_shop

    def timed_seed_shop(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return seed_shop(*args, **kwargs)
        finally:
            seeding.append(time.perf_counter() - started)

    printed = io.StringIO()
    seed.seed_shop = timed_seed_shop  # the command imports it when it runs
    started = time.perf_counter()
    try:
        with contextlib.redirect_stdout(printed):
            status = main(["seed", "--db", url, "--orders", str(orders), "--plain"])
    finally:
        seed.seed_shop = seed_shop
    cli_seconds = time.perf_counter() - started
    check(status == 0, f"klickit seed failed: {printed.getvalue()[-500:]}")
    check(len(seeding) == 1, "klickit seed did not go through seed_shop once")
    engine = make_engine(url)
    with engine.connect() as connection:
        written = connection.execute(select(func.count()).select_from(t.orders)).scalar_one()
    engine.dispose()
    return {"seconds": seeding[0], "cli_s": cli_seconds, "rss_mb": peak_rss_mb(), "orders": written}


def _seed(orders: int, in_process: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'seed.db'}"
        if in_process:
            figures = _seed_child(url, orders)
        else:
            completed = subprocess.run(  # noqa: S603 - our own code, fixed arguments
                [sys.executable, str(Path(__file__).resolve()), url, str(orders)],
                capture_output=True,
                text=True,
                check=True,
                timeout=1800,
            )
            figures = json.loads(completed.stdout.strip().splitlines()[-1])
    check(figures["orders"] == orders, "the seed wrote another number of orders")
    return figures


@benchmark("seed_1m", "klickit seed of 1,000,000 orders into SQLite: seconds, peak memory")
def seed_1m(settings: Settings) -> Result:
    orders = _SIZES.get(settings.label, _SIZES["full"])
    in_process = settings.label == "smoke"
    small = _seed(orders // 10, in_process)
    large = _seed(orders, in_process)
    ratio = large["seconds"] / (small["seconds"] * 10)
    growth = large["rss_mb"] / small["rss_mb"]
    goals = {
        f"linear (ratio <= {LINEAR})": ratio <= LINEAR,
        f"memory flat (growth <= {FLAT})": growth <= FLAT,
    }
    if orders >= 1_000_000:
        goals["under 5 minutes"] = large["seconds"] < 300
        goals["under 500 MB"] = large["rss_mb"] < 500
    return Result.of(
        "seed_1m",
        large["seconds"],
        "10x_smaller",
        small["seconds"] * 10,
        orders=orders,
        cli_s=large["cli_s"],
        cli_s_small=small["cli_s"],
        peak_rss_mb=round(large["rss_mb"], 1),
        peak_rss_mb_small=round(small["rss_mb"], 1),
        memory_growth=round(growth, 3),
        orders_per_s=round(orders / large["seconds"]),
        goals=goals,
    )


# ---------------------------------------------------------------------- order_placement

_ORDER_TABLES = (
    "orders", "order_lines", "order_vat", "order_history", "stock_movements", "payments",
    "consents",
)  # fmt: skip


def _placement_sides(url: str) -> tuple[Any, Any, Any]:  # noqa: PLR0915 - one set-up, read whole
    """(ours, floor, close) on a fresh shop at ``url``.

    **Ours**: ``shop.checkout.place_order``
    (:meth:`~klickit_core.application.checkout.CheckoutService.place_order`, the call an app
    makes) for a guest with a three-line cart (mixed VAT), through the full use case: form
    validation, pricing, shipping, guarded stock reservation, order number, order,
    consents, payment, one transaction. **Floor**: the same rows, captured from one order
    ours placed, inserted with raw SQLAlchemy Core in one transaction per order (one
    ``executemany`` per table, the guarded stock ``UPDATE`` and the counter update), with
    fresh ids: what the database must do at the least, with no validation, pricing or
    mapping.
    """
    from decimal import Decimal

    from sqlalchemy import func, select, update

    from klickit_core.adapters.sql import tables as t
    from klickit_core.adapters.sql.engine import make_engine
    from klickit_core.bootstrap import build_shop
    from klickit_core.cart.domain import Cart, CartLine
    from klickit_core.catalogue.domain import Product
    from klickit_core.checkout.domain import AddressForm, CheckoutForm
    from klickit_core.shared.actors import Actor, Role
    from klickit_core.shared.money import Money
    from klickit_core.shared.vat import VatClass

    shop = build_shop(url)
    eur = lambda value: Money(Decimal(value), "EUR")  # noqa: E731
    manager = Actor("bench-manager", Role.SHOP_MANAGER)
    for product in (
        Product("MUG", "Mug Bordeaux", eur("14.90"), stock=10**9),
        Product("TEA", "Thé vert", eur("8.50"), VatClass.REDUCED, stock=10**9),
        Product("NEWS", "Journal", eur("2.30"), VatClass.SUPER_REDUCED),
    ):
        shop.catalogue.add_product(manager, product)
    form = CheckoutForm(
        first_name="Alice", last_name="Martin", email="alice@example.fr",
        phone="06 12 34 56 78", shipping=None, accept_terms=True,
        billing=AddressForm(country="FR", street="1 rue Sainte-Catherine", postcode="33000",
                            city="Bordeaux"),
    )  # fmt: skip
    cart = Cart((CartLine("MUG", 2), CartLine("TEA", 1), CartLine("NEWS", 1)))

    visitor = Actor.visitor()

    def ours() -> object:
        return shop.checkout.place_order(
            visitor, form, cart, "colissimo-fr", ip_address="203.0.113.7"
        )

    engine = make_engine(url)  # the floor's own engine on the same database

    def rows_of(order_id: str) -> dict[str, list[dict[str, Any]]]:
        with engine.connect() as connection:
            return {
                name: [
                    dict(row._mapping)
                    for row in connection.execute(
                        select(table).where(
                            (table.c.id if name == "orders" else table.c.order_id) == order_id
                        )
                    )
                ]
                for name in _ORDER_TABLES
                for table in (getattr(t, name),)
            }

    def counts() -> dict[str, Any]:
        """Rows per table, and the stock and order counters: what a placement changes."""
        with engine.connect() as connection:
            figures: dict[str, Any] = {
                table.name: connection.execute(select(func.count()).select_from(table)).scalar()
                for table in t.metadata.sorted_tables
            }
            stock = connection.execute(select(t.products.c.sku, t.products.c.stock))
            figures["stock"] = sorted(tuple(row) for row in stock)
            figures["counters"] = sum(connection.execute(select(t.counters.c.value)).scalars())
        return figures

    template = rows_of(ours().order.id)  # type: ignore[attr-defined]
    check(all(template[name] for name in _ORDER_TABLES), "the captured order lacks rows")
    counter = [0]

    def floor() -> None:
        counter[0] += 1
        suffix = f"f{counter[0]}"
        with engine.begin() as connection:
            for line in template["order_lines"]:
                products, quantity = t.products.c, line["quantity"]
                connection.execute(
                    update(t.products)
                    .where(products.sku == line["sku"], products.stock >= quantity)
                    .values(stock=products.stock - quantity, version=products.version + 1)
                )
            connection.execute(
                update(t.counters).where(t.counters.c.name.like("order_number:%"))
                .values(value=t.counters.c.value + 1)
            )  # fmt: skip
            for name in _ORDER_TABLES:
                rows = []
                for row in template[name]:
                    copy = dict(row)
                    for field in ("id", "order_id", "number", "idempotency_key"):
                        if field in copy and copy[field] is not None:
                            copy[field] = f"{copy[field]}{suffix}"
                    rows.append(copy)
                connection.execute(getattr(t, name).insert(), rows)

    # The whole result of one call of each side: every row of the order in every table
    # (ids, numbers and instants masked: each side makes its own) and what changed in
    # the whole database (rows per table, stock, order counters).
    def changes(side: Any) -> tuple[Any, ...]:
        before = counts()
        result = side()
        after = counts()
        delta = {k: (before[k], after[k]) for k in after if before[k] != after[k]}
        return result, delta

    placed, ours_delta = changes(ours)
    _, floor_delta = changes(floor)
    same(
        {
            "ours": (_masked(rows_of(placed.order.id)), _shifted(ours_delta)),
            "floor": (_masked(rows_of(f"{template['orders'][0]['id']}f{counter[0]}")),
                      _shifted(floor_delta)),
        },
        "order_placement",
    )  # fmt: skip

    def close() -> None:
        engine.dispose()
        shop.close()

    return ours, floor, close


def _masked(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Rows with what each placement makes anew (ids, the number, instants) masked, in a
    stable order (rows keyed by a random id come back in any order)."""
    from datetime import datetime

    fresh = ("id", "order_id", "number", "idempotency_key")
    return {
        name: sorted(
            (
                {k: "*" if k in fresh or isinstance(v, datetime) else v for k, v in row.items()}
                for row in table
            ),
            key=repr,
        )
        for name, table in rows.items()
    }


def _shifted(delta: dict[str, Any]) -> dict[str, Any]:
    """How much each changed figure moved (row counts, stock, counters)."""
    moved: dict[str, Any] = {}
    for key, (before, after) in delta.items():
        if key == "stock":
            moved[key] = [
                (sku, None if now is None else now - then)
                for (sku, now), (_, then) in zip(after, before, strict=True)
            ]
        else:
            moved[key] = after - before
    return moved


#: Order placement may cost at most this many times the raw-SQL floor, on each backend.
PLACEMENT_GOAL = 2.0


@benchmark(
    "order_placement", "shop.checkout.place_order on SQLite and PostgreSQL vs raw Core inserts"
)
def order_placement(settings: Settings) -> Result:
    import os

    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        ours, floor, close = _placement_sides(f"sqlite:///{Path(scratch) / 'orders.db'}")
        try:
            times = compare({"ours": ours, "floor": floor}, settings)
        finally:
            close()
    postgres_url = os.environ.get(
        "KLICKIT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    goals = {f"sqlite <= {PLACEMENT_GOAL}": times["ours"] / times["floor"] <= PLACEMENT_GOAL}
    try:
        pg = _postgres_placement(postgres_url, settings)
    except Exception as error:
        if isinstance(error, BenchmarkSetupError):
            raise
        figures["postgres_error"] = type(error).__name__
    else:
        figures.update(pg)
        goals[f"postgres <= {PLACEMENT_GOAL}"] = pg["postgres_ratio"] <= PLACEMENT_GOAL
    figures["goals"] = goals
    return Result.of(
        "order_placement",
        times["ours"],
        "raw_core_insert",
        times["floor"],
        backend="sqlite",
        orders_per_s=round(1 / times["ours"]),
        floor_orders_per_s=round(1 / times["floor"]),
        **figures,
    )


def _postgres_placement(url: str, settings: Settings) -> dict[str, Any]:
    import secrets

    from sqlalchemy import create_engine, text

    schema = f"klickit_bench_{secrets.token_hex(4)}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        ours, floor, close = _placement_sides(f"{url}?options=-csearch_path%3D{schema}")
        try:
            times = compare({"ours": ours, "floor": floor}, settings)
        finally:
            close()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
    return {
        "postgres_ours_s": times["ours"],
        "postgres_floor_s": times["floor"],
        "postgres_ratio": round(times["ours"] / times["floor"], 3),
    }


if __name__ == "__main__":
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    print(json.dumps(_seed_child(sys.argv[1], int(sys.argv[2]))))
