"""consents follow their order: an index on consents.order_id, and the terms of sale of
orders already deleted or anonymised removed (PRV-1, PRV-5)

Before this revision, deleting or anonymising an order left its terms-of-sale consent,
with the buyer's email and the order id, in the ledger. From now on the orders
repository deletes them with the order (reaching them through the new index); the rows
the older code left behind are cleaned up here once, as it would have done: the terms
of sale of an order that no longer exists or was anonymised are deleted, and the other
consents given at its checkout lose the link. Downgrading drops the index only.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The purpose code of the terms of sale, as stored (frozen here: a revision must not
#: change when the code does).
_TERMS_OF_SALE = "terms_of_sale"


def upgrade() -> None:
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_order_id"), ["order_id"], unique=False)
    consents = sa.table("consents", sa.column("order_id"), sa.column("purpose"))
    orders = sa.table("orders", sa.column("id"), sa.column("anonymised_at"))
    gone = sa.and_(
        consents.c.order_id.is_not(None),
        ~sa.exists().where(orders.c.id == consents.c.order_id, orders.c.anonymised_at.is_(None)),
    )
    op.execute(sa.delete(consents).where(gone, consents.c.purpose == _TERMS_OF_SALE))
    op.execute(sa.update(consents).where(gone).values(order_id=None))


def downgrade() -> None:
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consents_order_id"))
