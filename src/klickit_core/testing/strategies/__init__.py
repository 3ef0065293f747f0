"""Hypothesis strategies for every public domain type (SPEC X-7).

Downstream property-based suites compose these::

    from hypothesis import given
    from klickit_core.testing import strategies as kst


    @given(kst.carts(), kst.catalogues())
    def test_my_feature(cart, products): ...

Every strategy yields *valid* values: the invalid ones are what your tests feed by hand.

Every name is importable from here; each context's strategies live in a module of their
own (:mod:`~klickit_core.testing.strategies.catalogue`, ``.cart``, ``.sessions``,
``.accounts``, ``.consents``, ``.order``, ``.payment``, ``.privacy``, ``.security``;
amounts in ``.amounts``, kernel values in ``.kernel``).
"""

from klickit_core.testing.strategies._common import aware_datetimes, clean_text
from klickit_core.testing.strategies.accounts import account_activities, customers
from klickit_core.testing.strategies.amounts import (
    currencies,
    money,
    rounded_money,
    vat_classes,
    vat_rates,
)
from klickit_core.testing.strategies.amounts import currency_quantum as currency_quantum
from klickit_core.testing.strategies.cart import cart_lines, carts, signing_keys
from klickit_core.testing.strategies.catalogue import (
    SKU_ALPHABET,
    catalogues,
    products,
    reviews,
    skus,
)
from klickit_core.testing.strategies.consents import consent_records
from klickit_core.testing.strategies.kernel import access_log_entries, actors, addresses
from klickit_core.testing.strategies.order import order_lines, orders, support_requests
from klickit_core.testing.strategies.payment import (
    card_summaries,
    payment_requests,
    payments,
    webhook_events,
)
from klickit_core.testing.strategies.privacy import (
    data_categories,
    data_subjects,
    export_bundles,
    export_fields,
    export_records,
    export_sections,
    retention_periods,
    retention_rules,
    retention_schedules,
    sweep_batches,
    sweep_cursors,
    sweep_keys,
)
from klickit_core.testing.strategies.security import (
    login_attempts,
    lost_credentials_requests,
    one_time_tokens,
    passwords,
    security_events,
    security_settings,
)
from klickit_core.testing.strategies.sessions import locations, visitor_sessions

# The order is the one the names were added in, kept so that ``__all__`` is exactly the
# one the single module had (tests/testing/test_strategies_package.py checks it).
# ``currency_quantum`` is a helper returning a Decimal, not a strategy: importable here,
# kept out of ``__all__`` as before.
__all__ = [  # noqa: RUF022
    "SKU_ALPHABET",
    "access_log_entries",
    "actors",
    "addresses",
    "aware_datetimes",
    "card_summaries",
    "cart_lines",
    "carts",
    "catalogues",
    "clean_text",
    "consent_records",
    "currencies",
    "customers",
    "locations",
    "login_attempts",
    "lost_credentials_requests",
    "money",
    "one_time_tokens",
    "order_lines",
    "orders",
    "passwords",
    "payment_requests",
    "payments",
    "products",
    "reviews",
    "rounded_money",
    "security_events",
    "security_settings",
    "signing_keys",
    "skus",
    "support_requests",
    "vat_classes",
    "vat_rates",
    "visitor_sessions",
    "webhook_events",
    "data_categories",
    "data_subjects",
    "export_bundles",
    "export_fields",
    "export_records",
    "export_sections",
    "retention_periods",
    "retention_rules",
    "retention_schedules",
    "sweep_batches",
    "sweep_cursors",
    "account_activities",
    "sweep_keys",
]
