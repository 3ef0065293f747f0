"""X-7: ``klickit_core.testing.strategies`` is a package split per context, and keeps the
public names the single module had.

Downstream suites write ``kst.orders()`` or ``from klickit_core.testing.strategies import
carts``; the split must not move a name out of their reach.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from klickit_core import testing
from klickit_core.testing import strategies as kst

#: The ``__all__`` of ``klickit_core/testing/strategies.py`` before the split, in its order.
NAMES_BEFORE_THE_SPLIT = [
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

#: Which module holds which strategies.
HOME = {
    "amounts": {
        "currencies",
        "currency_quantum",
        "money",
        "rounded_money",
        "vat_classes",
        "vat_rates",
    },
    "catalogue": {"SKU_ALPHABET", "catalogues", "products", "reviews", "skus"},
    "cart": {"cart_lines", "carts", "signing_keys"},
    "kernel": {"access_log_entries", "actors", "addresses"},
    "sessions": {"locations", "visitor_sessions"},
    "accounts": {"account_activities", "customers"},
    "consents": {"consent_records"},
    "order": {"order_lines", "orders", "support_requests"},
    "payment": {"card_summaries", "payment_requests", "payments", "webhook_events"},
    "privacy": {
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
        "sweep_keys",
    },
    "security": {
        "login_attempts",
        "lost_credentials_requests",
        "one_time_tokens",
        "passwords",
        "security_events",
        "security_settings",
    },
}


def test_the_package_exports_the_names_the_module_did() -> None:
    """X-7: the split keeps ``__all__`` exactly (names and order), and each name resolves."""
    assert kst.__all__ == NAMES_BEFORE_THE_SPLIT
    namespace: dict[str, object] = {}
    exec("from klickit_core.testing.strategies import *", namespace)  # noqa: S102
    assert set(namespace) - {"__builtins__"} == set(NAMES_BEFORE_THE_SPLIT)
    assert not isinstance(kst.currency_quantum, type)  # the helper outside __all__ stays


def test_each_context_has_its_module() -> None:
    """X-7: one module per context; the package re-exports each module's own names, and
    every name a strategy module exports is the package's (no name left behind)."""
    public = sorted(
        info.name for info in pkgutil.iter_modules(kst.__path__) if not info.name.startswith("_")
    )
    assert public == sorted(HOME)
    for module_name, names in HOME.items():
        module = importlib.import_module(f"klickit_core.testing.strategies.{module_name}")
        assert set(module.__all__) == names, module_name
        for name in names:
            assert getattr(kst, name) is getattr(module, name)
            if inspect.isfunction(getattr(module, name)):
                assert getattr(module, name).__module__ == module.__name__, name
    helpers = {"aware_datetimes", "clean_text"}  # shared by every context, in _common
    assert set().union(*HOME.values()) | helpers == set(kst.__all__) | {"currency_quantum"}


def test_the_testing_namespace_keeps_its_names() -> None:
    """X-7: ``klickit_core.testing`` still offers its clocks, fakes and recording gateway
    (PAY-1), without Hypothesis."""
    assert testing.__all__ == [
        "AdvancingClock",
        "FixedClock",
        "InMemoryOutbox",
        "MemoryStore",
        "RecordingGateway",
        "SequentialIds",
        "memory_uow",
    ]
