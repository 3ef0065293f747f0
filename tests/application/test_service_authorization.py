"""X-6, SEC-5 (issue #18, deliverable 1; decision 0011): every public method of the
``shop.*`` services applies one row of the authorization table, and decides nothing the
table does not say.

Each method is mapped below to the row of ``USE_CASES`` it applies (:data:`ROWS`) or, when
it calls no use case at all, listed with the reason it needs no check
(:data:`NO_USE_CASE`). The test reads each method's body (its syntax tree, and that of the
module's private helpers it calls): it must call the function of its row — whose checks
the permission matrix (``tests/accounts/test_permission_matrix.py``) runs against that row
as every actor on every backend — call no other row that needs an actor, take an actor
exactly when its row does, and make no check of its own (``require``, ``actor.…``, a role
or a permission) besides ``authorize`` on its own row. So what a method enforces is its
row; a method added without an entry here fails.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from klickit_core import application
from klickit_core.shared.authorization import USE_CASES

#: ``<module of klickit_core.application>.<method>`` → the row of ``USE_CASES`` it applies.
ROWS: dict[str, str] = {
    # shop.accounts
    "accounts.register": "accounts.services.create_account",
    "accounts.log_in": "accounts.login.login",
    "accounts.actor_for": "accounts.identity.customer_actor",
    "accounts.request_password_reset": "accounts.reset.request_password_reset",
    "accounts.reset_password": "accounts.reset.reset_password",
    "accounts.new_reset_link": "accounts.reset.new_reset_link",
    "accounts.customer": "accounts.services.get_customer",
    "accounts.update_details": "accounts.services.update_details",
    "accounts.find": "accounts.services.find_customer",
    "accounts.security_events": "accounts.services.security_events",
    "accounts.access_log": "accounts.services.access_log_entries",
    "accounts.open_lost_credentials_request": (
        "accounts.lost_credentials.open_lost_credentials_request"
    ),
    "accounts.lost_credentials_requests": "accounts.lost_credentials.lost_credentials_requests",
    "accounts.lost_credentials_request": "accounts.lost_credentials.get_lost_credentials_request",
    "accounts.resolve_lost_credentials_request": (
        "accounts.lost_credentials.resolve_lost_credentials_request"
    ),
    "accounts.reject_lost_credentials_request": (
        "accounts.lost_credentials.reject_lost_credentials_request"
    ),
    # shop.cart
    "cart.restore": "cart.services.restore_cart",
    "cart.add": "cart.services.add_to_cart",
    "cart.change_quantity": "cart.services.change_quantity",
    "cart.price": "cart.services.price",
    "cart.estimate_shipping": "cart.services.estimate_shipping",
    "cart.merge_at_login": "cart.services.merge_at_login",
    # shop.catalogue
    "catalogue.browse": "catalogue.services.browse",
    "catalogue.product": "catalogue.services.product_detail",
    "catalogue.add_product": "catalogue.services.add_product",
    "catalogue.update_product": "catalogue.services.update_product",
    "catalogue.submit_review": "catalogue.services.submit_review",
    "catalogue.moderate_review": "catalogue.services.moderate_review",
    "catalogue.moderation_queue": "catalogue.services.moderation_queue",
    "catalogue.reviews": "catalogue.services.approved_reviews",
    # shop.checkout
    "checkout.prefill": "checkout.services.prefill_checkout",
    "checkout.quote": "cart.services.price",
    "checkout.place_order": "checkout.services.place_order",
    "checkout.edit_account_details": "checkout.services.edit_account_details",
    # shop.consents
    "consents.current": "consents.services.current_consents",
    "consents.withdraw": "consents.services.withdraw_consent",
    # shop.orders
    "orders.get": "orders.services.get_order",
    "orders.lookup_guest": "orders.services.lookup_guest_order",
    "orders.cancel": "orders.services.cancel_order",
    "orders.complete": "orders.services.complete_order",
    "orders.open_support_request": "orders.services.open_support_request",
    "orders.support_requests": "orders.services.support_requests",
    "orders.close_support_request": "orders.services.close_support_request",
    "orders.list": "orders.services.list_orders",
    # shop.payments
    "payments.pay": "checkout.services.pay_order",
    "payments.approve_held": "checkout.services.approve_held_order",
    "payments.reject_held": "checkout.services.reject_held_order",
    "payments.refund": "checkout.services.refund_order",
    "payments.handle_webhook": "checkout.services.handle_webhook",
    "payments.sync": "checkout.services.sync_order",
    # shop.privacy
    "privacy.open_request": "privacy.requests.open_request",
    "privacy.confirm_export": "privacy.requests.confirm_export",
    "privacy.confirm_erasure": "privacy.requests.confirm_erasure",
    "privacy.download": "privacy.requests.download_bundle",
    "privacy.export_own_data": "privacy.export.export_own_data",
    "privacy.answer_request": "privacy.requests.answer_request",
    "privacy.answer_confirmed_requests": "privacy.requests.answer_confirmed_requests",
    "privacy.requests": "privacy.requests.list_requests",
    "privacy.request": "privacy.requests.get_request",
    "privacy.extend_request": "privacy.requests.extend_request",
    "privacy.export": "privacy.requests.operator_export",
    "privacy.erase": "privacy.requests.operator_erase",
    "privacy.sweep": "privacy.sweep.run_sweep",
    "privacy.ledger_entries": "privacy.ledger.export_ledger",
    "privacy.import_ledger": "privacy.ledger.import_ledger",
    "privacy.reapply_erasures": "privacy.ledger.reapply_erasures",
    # shop.sessions
    "sessions.start": "sessions.services.start_session",
    "sessions.record_view": "sessions.services.record_product_view",
    "sessions.remember_shipping_address": "sessions.services.remember_shipping_address",
    "sessions.recently_viewed": "sessions.services.recently_viewed_products",
    "sessions.sign_in": "sessions.services.sign_in_session",
    "sessions.actor": "sessions.services.session_actor",
    "sessions.end": "sessions.services.end_session",
}

#: Methods that call no use case, and why they need no authorization.
NO_USE_CASE: dict[str, str] = {
    "cart.cookie": "encodes the cart value the caller holds into its signed cookie; reads "
    "and writes nothing",
}

#: Names whose use in a method would be a check the table does not hold.
_OWN_CHECKS = frozenset({"require", "Permission", "Role", "ROLE_PERMISSIONS"})


def _methods() -> Iterator[tuple[str, ModuleType, Any]]:
    """``(name, module, function)`` for every public method of every ``…Service`` class."""
    for info in pkgutil.iter_modules(application.__path__):
        module = importlib.import_module(f"{application.__name__}.{info.name}")
        for class_name, cls in vars(module).items():
            if not (
                inspect.isclass(cls)
                and class_name.endswith("Service")
                and cls.__module__ == module.__name__
            ):
                continue
            for name, member in vars(cls).items():
                if not name.startswith("_") and inspect.isfunction(member):
                    yield f"{info.name}.{name}", module, member


METHODS = {name: (module, function) for name, module, function in _methods()}


def _row_of(module: ModuleType, call: ast.Call) -> str | None:
    """The ``USE_CASES`` row of the function ``call`` calls, if it calls one."""
    func: Any = call.func
    target: object = None
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        base = vars(module).get(func.value.id)
        if inspect.ismodule(base):
            target = getattr(base, func.attr, None)
    elif isinstance(func, ast.Name):
        target = vars(module).get(func.id)
    if not inspect.isfunction(target):
        return None
    row = f"{target.__module__.removeprefix('klickit_core.')}.{target.__name__}"
    return row if row in USE_CASES else None


def _body(module: ModuleType, function: Any, seen: set[str]) -> Iterator[ast.AST]:
    """Every node of ``function``, and of the module's private helpers it calls."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    for node in ast.walk(tree):
        yield node
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            helper = vars(module).get(node.func.id)
            if (
                inspect.isfunction(helper)
                and helper.__module__ == module.__name__
                and helper.__name__ not in seen
            ):
                seen.add(helper.__name__)
                yield from _body(module, helper, seen)


def _findings(name: str) -> tuple[set[str], list[str], list[str]]:
    """The rows ``name`` calls, the rows it ``authorize``s itself, its own checks."""
    module, function = METHODS[name]
    rows: set[str] = set()
    authorized: list[str] = []
    own: list[str] = []
    for node in _body(module, function, set()):
        if isinstance(node, ast.Call):
            row = _row_of(module, node)
            if row is not None:
                rows.add(row)
            if isinstance(node.func, ast.Name) and node.func.id == "authorize":
                literal = node.args[1] if len(node.args) > 1 else None
                authorized.append(
                    literal.value if isinstance(literal, ast.Constant) else ast.unparse(node)
                )
        elif isinstance(node, ast.Name) and node.id in _OWN_CHECKS:
            own.append(node.id)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "actor"
        ):
            own.append(f"actor.{node.attr}")
    return rows, authorized, own


def test_every_service_method_is_mapped_and_no_entry_is_stale() -> None:
    """X-6: a public method of a ``shop.*`` service without an entry fails here."""
    assert not set(ROWS) & set(NO_USE_CASE)
    assert set(METHODS) == set(ROWS) | set(NO_USE_CASE)
    assert set(ROWS.values()) <= set(USE_CASES)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_a_service_method_enforces_exactly_its_row(name: str) -> None:
    """X-6, SEC-5 (issue #18): the method calls its row's function, no other use case that
    needs an actor, takes an actor exactly when the row does, and makes no check of its
    own: the rule it enforces is its row's, which the permission matrix runs."""
    row = ROWS[name]
    rows, authorized, own = _findings(name)
    assert row in rows, f"{name} does not call {row}"
    others = {r for r in rows - {row} if USE_CASES[r].needs_actor}
    assert not others, f"{name} also runs {sorted(others)}"
    assert set(authorized) <= {row}, f"{name} checks {authorized}, its row is {row}"
    assert not own, f"{name} decides by itself: {own}"
    _module, function = METHODS[name]
    takes_actor = "actor" in inspect.signature(function).parameters
    assert takes_actor is USE_CASES[row].needs_actor, f"{name} vs {row}"


@pytest.mark.parametrize("name", sorted(NO_USE_CASE))
def test_a_method_listed_as_needing_no_check_runs_no_use_case(name: str) -> None:
    """X-6: a method said to need no authorization calls no use case and checks nothing."""
    rows, authorized, own = _findings(name)
    assert (rows, authorized, own) == (set(), [], [])
    _module, function = METHODS[name]
    assert "actor" not in inspect.signature(function).parameters
