"""Persistence benchmarks: ``seed_1m`` (and ``order_placement``, below).

``seed_1m``: seconds and peak memory to seed a synthetic shop into a fresh SQLite file
with ``klickit seed``'s code path (migrate, then :func:`seed_shop`). Each size runs in a
fresh interpreter that reports its own time and peak RSS, so the figures are the seed's
alone. Sizes by mode: full 1,000,000 orders (and 100,000 for the baseline), ``--quick``
100,000 (and 10,000), ``--smoke`` 2,000 (and 200).

**Baseline** ``10x_smaller``: ten times the seed of a shop ten times smaller, so the
``ratio`` says how linear the seed is (1.0: perfectly linear; above: it slows as the
tables grow). Extra figures: ``orders``, ``peak_rss_mb`` and ``peak_rss_mb_small``
(memory flat in N means these two are close), ``orders_per_s``. Goals (issue #4): under
5 minutes and under 500 MB at 1,000,000 orders.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _harness import Result, Settings, benchmark, check

_CHILD = """
import json, resource, sys, time
from klickit_core.adapters.sql import migrations
from klickit_core.adapters.sql.engine import make_engine
from klickit_core.adapters.sql.seed import SeedPlan, seed_shop
engine = make_engine(sys.argv[1])
migrations.upgrade(engine)
started = time.perf_counter()
report = seed_shop(engine, SeedPlan(orders=int(sys.argv[2])))
seconds = time.perf_counter() - started
engine.dispose()
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "rss_mb": rss_mb, "orders": report.orders}))
"""

_SIZES = {"full": 1_000_000, "quick": 100_000, "smoke": 2_000}


def _seed(orders: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'seed.db'}"
        completed = subprocess.run(  # noqa: S603 - our own code, fixed arguments
            [sys.executable, "-c", _CHILD, url, str(orders)],
            capture_output=True,
            text=True,
            check=True,
            timeout=1800,
        )
    figures: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    check(figures["orders"] == orders, "the seed wrote another number of orders")
    return figures


@benchmark("seed_1m", "seed 1,000,000 orders into SQLite: seconds, peak RSS, linearity")
def seed_1m(settings: Settings) -> Result:
    orders = _SIZES.get(settings.label, _SIZES["full"])
    small = _seed(orders // 10)
    large = _seed(orders)
    return Result.of(
        "seed_1m",
        large["seconds"],
        "10x_smaller",
        small["seconds"] * 10,
        orders=orders,
        peak_rss_mb=round(large["rss_mb"], 1),
        peak_rss_mb_small=round(small["rss_mb"], 1),
        orders_per_s=round(orders / large["seconds"]),
    )


# ---------------------------------------------------------------------- order_placement

_ORDER_TABLES = (
    "orders", "order_lines", "order_vat", "order_history", "stock_movements", "payments",
    "consents",
)  # fmt: skip


def _placement_sides(url: str) -> tuple[Any, Any, Any]:
    """(ours, floor, close) on a fresh shop at ``url``.

    **Ours**: :func:`~klickit_core.checkout.services.place_order` for a guest with a
    three-line cart (mixed VAT), through the full use case: form validation, pricing,
    shipping, guarded stock reservation, order number, order, consents, payment, one
    transaction. **Floor**: the same rows, captured from one order ours placed, inserted
    with raw SQLAlchemy Core in one transaction per order (one ``executemany`` per table,
    the guarded stock ``UPDATE`` and the counter update), with fresh ids: what the
    database must do at the least, with no validation, pricing or mapping.
    """
    from decimal import Decimal

    from sqlalchemy import select, update

    from klickit_core.adapters.sql import tables as t
    from klickit_core.adapters.sql.engine import make_engine
    from klickit_core.bootstrap import build_shop
    from klickit_core.cart.domain import Cart, CartLine
    from klickit_core.catalogue.domain import Product
    from klickit_core.checkout import services as checkout
    from klickit_core.checkout.domain import AddressForm, CheckoutForm
    from klickit_core.shared.actors import Actor
    from klickit_core.shared.money import Money
    from klickit_core.shared.vat import VatClass

    shop = build_shop(url)
    eur = lambda value: Money(Decimal(value), "EUR")  # noqa: E731
    with shop.unit_of_work() as uow:
        uow.products.add(Product("MUG", "Mug Bordeaux", eur("14.90"), stock=10**9))
        uow.products.add(Product("TEA", "Thé vert", eur("8.50"), VatClass.REDUCED, stock=10**9))
        uow.products.add(Product("NEWS", "Journal", eur("2.30"), VatClass.SUPER_REDUCED))
        uow.commit()
    form = CheckoutForm(
        first_name="Alice", last_name="Martin", email="alice@example.fr",
        phone="06 12 34 56 78", shipping=None, accept_terms=True, payment_token="tok_bench",  # noqa: S106 - a sandbox token
        billing=AddressForm(country="FR", street="1 rue Sainte-Catherine", postcode="33000",
                            city="Bordeaux"),
    )  # fmt: skip
    cart = Cart((CartLine("MUG", 2), CartLine("TEA", 1), CartLine("NEWS", 1)))

    def ours() -> object:
        return checkout.place_order(
            shop.unit_of_work(), shop.clock, shop.ids, shop.hasher, actor=Actor.visitor(),
            form=form, cart=cart, rules=shop.pricing, shipping_table=shop.shipping,
            shipping_method="colissimo-fr", provider_id=shop.gateway.provider_id,
            ip_address="203.0.113.7",
        )  # fmt: skip

    placed = ours()
    order_id = placed.order.id  # type: ignore[attr-defined]
    engine = make_engine(url)  # the floor's own engine on the same database
    template: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as connection:
        for name in _ORDER_TABLES:
            table = getattr(t, name)
            key = table.c.id if name == "orders" else table.c.order_id
            template[name] = [
                dict(row._mapping)
                for row in connection.execute(select(table).where(key == order_id))
            ]
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

    floor()

    def close() -> None:
        engine.dispose()
        shop.close()

    return ours, floor, close


@benchmark("order_placement", "place_order on SQLite (and PostgreSQL) vs raw Core inserts")
def order_placement(settings: Settings) -> Result:
    import os

    from _harness import compare

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
    try:
        pg = _postgres_placement(postgres_url, settings)
    except Exception as error:
        figures["postgres_error"] = type(error).__name__
    else:
        figures.update(pg)
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

    from _harness import compare

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
