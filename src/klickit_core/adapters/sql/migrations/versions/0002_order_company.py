"""the company name of each postal address

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 10:00:00.000000

The company typed with an address at checkout (CHK-1) was checked, then dropped: it is now a
column of every stored address. An order's addresses are required, so its company columns
are ``NOT NULL DEFAULT ''`` (orders placed before hold none); an account's and a visit's
addresses are optional, so theirs are nullable like the rest of the address, and ``NULL``
reads as no company.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (table, address prefix, required): the addresses that gain a company column.
_ADDRESSES = (
    ("orders", "billing", True),
    ("orders", "shipping", True),
    ("customers", "billing", False),
    ("customers", "shipping", False),
    ("sessions", "shipping", False),
)


def upgrade() -> None:
    for table, prefix, required in _ADDRESSES:
        op.add_column(
            table,
            sa.Column(
                f"{prefix}_company",
                sa.String(length=200),
                nullable=not required,
                server_default=sa.text("''") if required else None,
            ),
        )


def downgrade() -> None:
    # A plain ``ALTER TABLE … DROP COLUMN`` (SQLite 3.35 and later): no index names these
    # columns, and rebuilding ``orders`` in batch mode would risk its partial index.
    for table, prefix, _required in reversed(_ADDRESSES):
        op.drop_column(table, f"{prefix}_company")
