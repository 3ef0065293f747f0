"""``klickit db …`` and ``klickit seed``: database jobs on a URL (SPEC X-5).

Both need the ``sql`` extra (and ``postgres`` for PostgreSQL URLs); they import the SQL
adapter only when run, so ``klickit demo`` on a bare install never loads SQLAlchemy.
They are the two jobs, with ``klickit demo``, that may create a shop (a new SQLite file,
the tables of an empty database); both also put back the indexes a killed seed left
dropped. With ``--json`` each prints one JSON document on standard output instead of its
lines (and ``seed`` no progress bar), for deployment scripts.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

from klickit_core.cli.output import Output
from klickit_core.shared.i18n import N_, translate

__all__ = ["run_seed", "run_upgrade"]


def run_upgrade(url: str, out: Output, locale: str = "fr", *, as_json: bool = False) -> str:
    """Migrate the database at ``url`` to the newest schema; returns the revision. With
    ``as_json``, prints ``{"revision", "upgraded"}`` (``upgraded``: whether it changed)."""
    from klickit_core.adapters.sql import migrations  # noqa: PLC0415 - optional extra
    from klickit_core.adapters.sql.engine import make_engine  # noqa: PLC0415

    engine = make_engine(url)
    try:
        before = migrations.upgrade(engine)  # read under the migration lock
        after = migrations.head_revision()
    finally:
        engine.dispose()
    if as_json:
        print(json.dumps({"revision": after, "upgraded": before != after}))
        return after
    message = (
        N_("The database is already at revision {revision}.")
        if before == after
        else N_("The database is now at revision {revision}.")
    )
    out.line(translate(message, locale).format(revision=after))
    return after


def run_seed(
    url: str,
    orders: int,
    out: Output,
    locale: str = "fr",
    now: datetime | None = None,
    *,
    as_json: bool = False,
) -> dict[str, int]:
    """Migrate the database at ``url``, then fill it with a synthetic shop of ``orders``
    orders (see :mod:`klickit_core.adapters.sql.seed`); returns the rows per table. With
    ``as_json``, prints ``{"rows": {table: count}, "seconds": ...}`` and no progress."""
    from klickit_core.adapters.sql import migrations  # noqa: PLC0415 - optional extra
    from klickit_core.adapters.sql.engine import make_engine  # noqa: PLC0415
    from klickit_core.adapters.sql.seed import SeedPlan, seed_shop  # noqa: PLC0415

    plan = SeedPlan(orders=orders) if now is None else SeedPlan(orders=orders, now=now)
    engine = make_engine(url)
    try:
        migrations.upgrade(engine)
        started = time.perf_counter()
        if as_json:
            report = seed_shop(engine, plan)
        else:
            with out.progress(translate(N_("Orders"), locale), orders) as advance_to:
                report = seed_shop(engine, plan, progress=lambda done, _total: advance_to(done))
        seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    if as_json:
        data: dict[str, Any] = {
            "rows": dict(sorted(report.rows.items())),
            "seconds": round(seconds, 3),
        }
        print(json.dumps(data))
        return report.rows
    out.table(
        [translate(N_("Table"), locale), translate(N_("Rows"), locale)],
        [[name, str(count)] for name, count in sorted(report.rows.items())],
    )
    out.line(translate(N_("Seeded in {seconds} s."), locale).format(seconds=f"{seconds:.1f}"))
    return report.rows
