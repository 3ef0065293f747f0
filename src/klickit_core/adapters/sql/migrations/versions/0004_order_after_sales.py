"""paid orders: the after-sales data goes after its own period, and the orders cancelled
or failed after payment are a retention stage of their own (PRV-1, PRV-2; issue #19)

Two changes of the orders' retention:

* ``orders.stripped_at`` (nullable): when the phone, the client IP address, the account
  link and the staff history of a paid order were removed (``Order.stripped``), two years
  after its clock by default (``orders.after_sales``), while the invoice data stays for
  the accounting years. A partial index on ``(clock_started_at, id)`` of the paid orders
  not yet stripped serves that sweep; stripped and anonymised orders leave it. Orders
  anonymised before this revision lost that data with the rest, so they are stamped
  ``stripped_at = anonymised_at``, as the code now does when it anonymises.
* An order cancelled, or whose payment failed, after money was captured was in stage
  ``completed``; it is now in stage ``cancelled_after_payment`` (same ten years, same
  clock, a category the notice names). The stored stage of such rows is moved here, so
  the new category's sweep finds them.

Downgrading moves those stages back, and drops the index and the column.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import klickit_core.adapters.sql.types

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Codes as stored, frozen here: a revision must not change when the code does.
_COMPLETED = "completed"
_PAID_THEN_ENDED = "cancelled_after_payment"
_ENDED = ("cancelled", "failed")
#: The index's predicate (``tables.AFTER_SALES_PENDING`` when this revision was written).
_PENDING = f"stripped_at IS NULL AND retention_stage IN ('{_COMPLETED}', '{_PAID_THEN_ENDED}')"
_INDEX = "ix_orders_clock_started_at_id"  # tables.AFTER_SALES_INDEX

_orders = sa.table(
    "orders",
    sa.column("status", sa.String),
    sa.column("retention_stage", sa.String),
    sa.column("anonymised_at"),
    sa.column("stripped_at"),
)


def upgrade() -> None:
    op.add_column(
        "orders",
        sa.Column(
            "stripped_at",
            klickit_core.adapters.sql.types.UtcDateTime(timezone=True),
            nullable=True,
        ),
    )
    op.execute(
        sa.update(_orders)
        .where(_orders.c.retention_stage == _COMPLETED, _orders.c.status.in_(_ENDED))
        .values(retention_stage=_PAID_THEN_ENDED)
    )
    op.execute(
        sa.update(_orders)
        .where(_orders.c.anonymised_at.is_not(None))
        .values(stripped_at=_orders.c.anonymised_at)
    )
    op.create_index(
        op.f(_INDEX),
        "orders",
        ["clock_started_at", "id"],
        unique=False,
        sqlite_where=sa.text(_PENDING),
        postgresql_where=sa.text(_PENDING),
    )


def downgrade() -> None:
    op.drop_index(op.f(_INDEX), table_name="orders")
    op.execute(
        sa.update(_orders)
        .where(_orders.c.retention_stage == _PAID_THEN_ENDED)
        .values(retention_stage=_COMPLETED)
    )
    # A plain ``ALTER TABLE … DROP COLUMN`` (SQLite 3.35 and later), as revision 0002 does:
    # no index names the column any more.
    op.drop_column("orders", "stripped_at")
