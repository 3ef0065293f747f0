"""Which data categories every SQL table holds, or why it holds no personal data (SPEC
PRV-1, PRV-8; issue #19).

The privacy notice names the categories the providers declare (decision 0015), so
"nothing is stored that the notice does not name" holds only if every table that stores
personal data belongs to some declared category. This map says it, table by table:

* :data:`TABLE_CATEGORIES`: a table holding personal data, with the ids of the categories
  (declared by the library's providers) whose records live in it. A child table (an
  order's lines, a payment's refunds) belongs to its parent's categories.
* :data:`NO_PERSONAL_DATA`: a table that holds none, with the reason, for a reviewer.

Every table of :data:`~klickit_core.adapters.sql.tables.metadata` must be in exactly one
of the two: :func:`unclassified_tables` names those that are not, and a test fails until a
new table is classified (and until every category id here is one a provider declares).
Only the adapter knows its tables, so the map lives beside them rather than in the
providers, which know no storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from sqlalchemy import MetaData

__all__ = [
    "NO_PERSONAL_DATA",
    "PERSONAL_COLUMNS",
    "TABLE_CATEGORIES",
    "misclassified_tables",
    "unclassified_tables",
]

_ORDERS: Final = frozenset(
    {
        "orders.completed",
        "orders.cancelled_after_payment",
        "orders.after_sales",
        "orders.cancelled",
        "orders.failed",
        "orders.unpaid",
    }
)

#: The tables holding personal data, with the ids of the categories stored in each.
TABLE_CATEGORIES: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "reviews": frozenset({"reviews.authors", "reviews.published"}),
        "saved_carts": frozenset({"carts.saved"}),
        "cart_lines": frozenset({"carts.saved"}),
        "sessions": frozenset({"sessions.visitor"}),
        "customers": frozenset({"accounts.customers"}),
        "credentials": frozenset({"accounts.customers"}),
        "account_activity": frozenset({"accounts.customers"}),
        "consents": frozenset({"consents.ledger", "consents.standing"}),
        "access_log": frozenset({"staff.access_log"}),
        "login_attempts": frozenset({"accounts.login_attempts"}),
        "tokens": frozenset({"security.tokens"}),
        "security_events": frozenset({"security.events"}),
        "lost_credentials": frozenset({"accounts.lost_credentials"}),
        "orders": _ORDERS,
        "order_lines": _ORDERS,
        "order_vat": _ORDERS,
        "order_history": _ORDERS,
        "support_requests": frozenset({"orders.support_requests"}),
        "payments": frozenset({"payments.details"}),
        "payment_refunds": frozenset({"payments.details"}),
        "privacy_requests": frozenset({"privacy.request_proofs"}),
        "privacy_export_bundles": frozenset({"privacy.export_bundles"}),
    }
)

#: The tables holding no personal data, each with the reason.
NO_PERSONAL_DATA: Final[Mapping[str, str]] = MappingProxyType(
    {
        "products": "the catalogue: products, prices, stock",
        "product_categories": "the catalogue: a product's categories",
        "stock_movements": "stock changes by SKU; an order id at most, whose data is the order's",
        "counters": "named counters (order numbers per year)",
        "processed_events": "ids of the payment provider's events already applied",
        "privacy_sweep_checkpoints": "a sweep's cursors and counts: keys, never data",
        "privacy_audit": "what each sweep, export and erasure did: ids and counts",
        "privacy_erasure_ledger": (
            "who was erased as keyed hashes (HMAC) only, so an erasure survives a backup "
            "restore (PRV-6); decision in klickit_core.privacy.ledger"
        ),
    }
)

#: Column names that hold personal data wherever they appear: a table that has one cannot
#: be in :data:`NO_PERSONAL_DATA` (a guard against classifying a table too quickly).
PERSONAL_COLUMNS: Final = frozenset(
    {
        "email",
        "contact_email",
        "subject_email",
        "author_email",
        "author_name",
        "first_name",
        "last_name",
        "contact_first_name",
        "contact_last_name",
        "phone",
        "contact_phone",
        "ip_address",
        "customer_id",
        "password_hash",
        "message",
    }
)


def unclassified_tables(metadata: MetaData) -> list[str]:
    """The tables of ``metadata`` that are in neither map, or in both, sorted."""
    return sorted(
        name for name in metadata.tables if (name in TABLE_CATEGORIES) == (name in NO_PERSONAL_DATA)
    )


def misclassified_tables(metadata: MetaData) -> list[str]:
    """The tables said to hold no personal data that have a column of
    :data:`PERSONAL_COLUMNS` (or whose address columns say they hold an address), sorted."""
    found = []
    for name, table in metadata.tables.items():
        if name not in NO_PERSONAL_DATA:
            continue
        columns = set(table.columns.keys())
        if columns & PERSONAL_COLUMNS or any(c.endswith("_street_1") for c in columns):
            found.append(name)
    return sorted(found)
