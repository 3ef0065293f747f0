"""X-6, SEC-5 (issue #18): the one authorization table and its one check.

The table is printed in the docs ("Who may do what"); a test keeps the print and the data
equal. The check itself is tested at its boundaries: ownership, guests' records, open use
cases, and the customer id that only a customer actor may carry.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from klickit_core.shared.actors import Actor, Permission, Role
from klickit_core.shared.authorization import USE_CASES, Rule, authorize
from klickit_core.shared.errors import PermissionDeniedError

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def _cell(permissions: object) -> str:
    names = sorted(str(p) for p in permissions)  # type: ignore[attr-defined]
    return ", ".join(f"`{name}`" for name in names)


def render_table() -> str:
    """The table as the docs print it: one row per use case, in the table's order."""
    lines = [
        "| Use case | Anyone's records, with any of | A customer's own, with | Also |",
        "| --- | --- | --- | --- |",
    ]
    for name, rule in USE_CASES.items():
        notes = []
        if rule.proof is not None:
            notes.append(f"open: {rule.proof}")
        if rule.guests:
            notes.append("a guest's record: whoever holds its id")
        if rule.hides:
            notes.append("refused as not found")
        own = f"`{rule.own}`" if rule.own is not None else ""
        lines.append(f"| `{name}` | {_cell(rule.any_of)} | {own} | {'; '.join(notes)} |")
    return "\n".join(lines) + "\n"


def test_the_docs_print_the_whole_table() -> None:
    """X-6: the table in docs/architecture.md is the table the code applies."""
    assert render_table() in ARCHITECTURE.read_text(encoding="utf-8")


CUSTOMER = Actor("c", Role.CUSTOMER, customer_id="c-1")
MANAGER = Actor("m", Role.SHOP_MANAGER)


def test_own_records_need_the_same_account_and_the_own_permission() -> None:
    """X-6: a customer reaches their own record, never another's nor a guest's."""
    authorize(CUSTOMER, "orders.services.get_order", owner="c-1")
    for owner in ("c-2", None):
        with pytest.raises(PermissionDeniedError) as refused:
            authorize(CUSTOMER, "orders.services.get_order", owner=owner)
        assert refused.value.details == {"permission": "orders.read"}
    authorize(MANAGER, "orders.services.get_order", owner=None)
    assert Actor("c", Role.CUSTOMER).customer_id is None
    with pytest.raises(PermissionDeniedError):  # "no id" never matches "no owner"
        authorize(Actor("c", Role.CUSTOMER), "orders.services.get_order", owner=None)


def test_a_guests_record_is_open_only_where_the_rule_says() -> None:
    """X-6: paying a guest's order needs only its id; reading it does not."""
    assert USE_CASES["checkout.services.pay_order"].guests
    authorize(Actor.visitor(), "checkout.services.pay_order", owner=None)
    with pytest.raises(PermissionDeniedError):
        authorize(Actor.visitor(), "checkout.services.pay_order", owner="c-1")
    with pytest.raises(PermissionDeniedError):
        authorize(Actor.visitor(), "orders.services.get_order", owner=None)


def test_open_use_cases_let_everyone_in() -> None:
    """X-6: a row with a proof is open to every actor."""
    for role in Role:
        authorize(Actor("a", role), "checkout.services.place_order")


def test_an_unknown_use_case_is_a_programming_error() -> None:
    """X-6: a use case with no row cannot be authorized by accident."""
    with pytest.raises(KeyError):
        authorize(MANAGER, "orders.services.no_such_use_case")


def test_every_row_says_who_may() -> None:
    """X-6: a row either names permissions or says why the use case is open."""
    for name, rule in USE_CASES.items():
        assert rule.any_of or rule.own is not None or rule.proof is not None, name
        assert isinstance(rule, Rule)
    assert USE_CASES["privacy.erasure.erase_subject"].any_of == {Permission.RUN_RETENTION}
