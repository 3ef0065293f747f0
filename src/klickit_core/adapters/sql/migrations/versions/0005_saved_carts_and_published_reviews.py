"""saved carts get a row of their own with their last change, and published reviews an
index by publication (PRV-1, PRV-2; issue #19)

Two categories get periods of their own:

* ``carts.saved``: a signed-in customer's saved cart was only its lines (``cart_lines``)
  and lived as long as the account. It now has a root row, ``saved_carts`` (customer id,
  the moment of its last change, a version), which its lines refer to
  (``ON DELETE CASCADE``), and the sweep deletes a cart unchanged for 30 days by default.
  The moment of the last change of the carts saved before this revision is not known:
  they are stamped with the upgrade's time, so none is deleted before its full period.
* ``reviews.published``: a published review loses its author's name, email and account
  link three years after publication by default. A partial index on
  ``(moderated_at, id)`` of the published reviews that still name their author serves
  that sweep; unsigned ones leave it.

Downgrading drops the index, the foreign key and ``saved_carts`` (the lines stay).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-09 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import klickit_core.adapters.sql.types

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The index's predicate (``tables.PUBLISHED_SIGNED`` when this revision was written).
_PUBLISHED_SIGNED = (
    "state = 'approved' AND (author_name <> '' OR author_email <> '' OR customer_id IS NOT NULL)"
)
_REVIEWS_INDEX = "ix_reviews_moderated_at_id"
_CARTS_INDEX = "ix_saved_carts_updated_at_customer_id"
_LINES_KEY = "fk_cart_lines_customer_id_saved_carts"


def upgrade() -> None:
    op.create_table(
        "saved_carts",
        sa.Column("customer_id", sa.String(length=128), nullable=False),
        sa.Column(
            "updated_at",
            klickit_core.adapters.sql.types.UtcDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_saved_carts")),
    )
    op.create_index(op.f(_CARTS_INDEX), "saved_carts", ["updated_at", "customer_id"], unique=False)
    utc = klickit_core.adapters.sql.types.UtcDateTime(timezone=True)
    saved = sa.table(
        "saved_carts",
        sa.column("customer_id", sa.String),
        sa.column("updated_at", utc),
        sa.column("version", sa.Integer),
    )
    lines = sa.table("cart_lines", sa.column("customer_id", sa.String))
    upgraded_at = sa.literal(datetime.now(UTC), utc)
    op.execute(
        sa.insert(saved).from_select(
            ["customer_id", "updated_at", "version"],
            sa.select(lines.c.customer_id, upgraded_at, sa.literal(1)).distinct(),
        )
    )
    with op.batch_alter_table("cart_lines", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f(_LINES_KEY),
            "saved_carts",
            ["customer_id"],
            ["customer_id"],
            ondelete="CASCADE",
        )
    op.create_index(
        op.f(_REVIEWS_INDEX),
        "reviews",
        ["moderated_at", "id"],
        unique=False,
        sqlite_where=sa.text(_PUBLISHED_SIGNED),
        postgresql_where=sa.text(_PUBLISHED_SIGNED),
    )


def downgrade() -> None:
    op.drop_index(op.f(_REVIEWS_INDEX), table_name="reviews")
    with op.batch_alter_table("cart_lines", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(_LINES_KEY), type_="foreignkey")
    op.drop_index(op.f(_CARTS_INDEX), table_name="saved_carts")
    op.drop_table("saved_carts")
