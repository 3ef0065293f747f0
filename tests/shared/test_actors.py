"""X-6, SEC-5: actors, roles and the one permission table."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from klickit_core.shared.actors import (
    ROLE_PERMISSIONS,
    Actor,
    Permission,
    Role,
    require,
    require_owner_or,
)
from klickit_core.shared.errors import PermissionDeniedError
from klickit_core.testing import strategies as kst

# The permission matrix, written out by hand from the policy ("les administrateurs et gérants
# de boutique ont accès" to orders and customers; customers to their own data; everyone else
# to nothing personal; system jobs only run what their task needs, SEC-5).
MATRIX = """
permission          visitor  customer  shop_manager  administrator  system
catalogue.browse       x        x           x              x           x
catalogue.manage       .        .           x              x           .
reviews.submit         x        x           x              x           .
reviews.moderate       .        .           x              x           .
customer.read_own      .        x           x              x           .
customer.edit_own      .        x           x              x           .
customers.read         .        .           x              x           .
orders.read            .        .           x              x           .
orders.manage          .        .           x              x           .
staff.manage           .        .           .              x           .
access_log.read        .        .           .              x           .
privacy.retention      .        .           .              x           x
accounts.recover       .        .           x              x           .
security.read          .        .           .              x           .
payments.process       .        .           .              .           x
"""


def _expected() -> dict[tuple[Role, Permission], bool]:
    header, *rows = [line.split() for line in MATRIX.strip().splitlines()]
    roles = [Role(name) for name in header[1:]]
    table: dict[tuple[Role, Permission], bool] = {}
    for permission_name, *marks in rows:
        assert len(marks) == len(roles)
        for role, mark in zip(roles, marks, strict=True):
            assert mark in {"x", "."}
            table[Role(role), Permission(permission_name)] = mark == "x"
    return table


EXPECTED = _expected()
PAIRS = sorted(EXPECTED, key=lambda pair: (pair[0].value, pair[1].value))


def test_the_matrix_covers_every_role_and_permission() -> None:
    """X-6: a new role or permission must be added to the reviewed matrix."""
    assert set(EXPECTED) == {(role, permission) for role in Role for permission in Permission}
    assert set(ROLE_PERMISSIONS) == set(Role)


@pytest.mark.parametrize(("role", "permission"), PAIRS, ids=[f"{r}-{p}" for r, p in PAIRS])
def test_permission_matrix(role: Role, permission: Permission) -> None:
    """X-6, SEC-5: ROLE_PERMISSIONS grants exactly what the reviewed matrix says."""
    allowed = EXPECTED[role, permission]
    assert (permission in ROLE_PERMISSIONS[role]) is allowed
    actor = Actor(id="someone", role=role, customer_id="c-1" if role is Role.CUSTOMER else None)
    assert actor.can(permission) is allowed
    if allowed:
        require(actor, permission)
    else:
        with pytest.raises(PermissionDeniedError) as info:
            require(actor, permission)
        assert info.value.code == "klickit.permission_denied"
        assert info.value.details == {"permission": permission.value}


def test_only_staff_see_orders_and_customers() -> None:
    """SEC-5: administrators and shop managers see orders and customers; others do not."""
    for role in Role:
        actor = Actor(id="a", role=role)
        assert actor.is_staff is (role in {Role.SHOP_MANAGER, Role.ADMINISTRATOR})
        assert actor.can(Permission.READ_ORDERS) is actor.is_staff
    assert not Actor.visitor().can(Permission.READ_OWN_DATA)
    assert not Actor.visitor().can(Permission.READ_CUSTOMERS)


def test_permission_denied_message() -> None:
    """X-2, X-9: the refusal names the missing permission, in French and English."""
    with pytest.raises(PermissionDeniedError) as info:
        require(Actor.visitor(), Permission.READ_ORDERS)
    assert info.value.message("fr") == "Vous n'êtes pas autorisé à faire ceci (orders.read)."
    assert str(info.value) == "You are not allowed to do this (orders.read)."


def test_actor_constructors() -> None:
    """X-6: visitors and named system jobs (for the access log)."""
    visitor = Actor.visitor()
    assert (visitor.id, visitor.role, visitor.customer_id) == ("visitor", Role.VISITOR, None)
    job = Actor.system("retention-sweep")
    assert (job.id, job.role, job.customer_id) == ("system:retention-sweep", Role.SYSTEM, None)
    assert not job.is_staff
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        job.role = Role.ADMINISTRATOR  # type: ignore[misc]


# ---------------------------------------------------------------- own data


def _customer(customer_id: str | None) -> Actor:
    return Actor(id=f"user-{customer_id}", role=Role.CUSTOMER, customer_id=customer_id)


def test_customer_on_own_record_is_allowed() -> None:
    """X-6, SEC-5: customers see their own data."""
    require_owner_or(_customer("c-1"), "c-1", Permission.READ_OWN_DATA, Permission.READ_CUSTOMERS)
    require_owner_or(_customer("c-1"), "c-1", Permission.EDIT_OWN_DATA, Permission.READ_CUSTOMERS)


@pytest.mark.parametrize(
    ("actor", "owner"),
    [
        (_customer("c-1"), "c-2"),
        (_customer("c-1"), None),
        (_customer(None), None),  # "no id" must never match "no owner"
        (_customer(None), "c-1"),
        (Actor.visitor(), None),
    ],
    ids=["other", "no-owner", "none-none", "no-customer-id", "visitor"],
)
def test_anyone_else_is_refused(actor: Actor, owner: str | None) -> None:
    """X-6, SEC-5: a customer on another's record, or a visitor, is refused."""
    with pytest.raises(PermissionDeniedError) as info:
        require_owner_or(actor, owner, Permission.READ_OWN_DATA, Permission.READ_CUSTOMERS)
    assert info.value.details == {"permission": "customers.read"}


@pytest.mark.parametrize("role", [Role.SHOP_MANAGER, Role.ADMINISTRATOR])
@pytest.mark.parametrize("owner", ["c-1", "c-2", None])
def test_staff_are_allowed_on_any_record(role: Role, owner: str | None) -> None:
    """X-6, SEC-5: staff holding the staff permission may read any customer's record."""
    require_owner_or(
        Actor(id="s", role=role), owner, Permission.READ_OWN_DATA, Permission.READ_CUSTOMERS
    )


def test_staff_permission_is_what_counts_for_staff() -> None:
    """X-6: a manager is refused when the staff permission is one they lack."""
    manager = Actor(id="m", role=Role.SHOP_MANAGER)
    with pytest.raises(PermissionDeniedError):
        require_owner_or(manager, "c-1", Permission.READ_OWN_DATA, Permission.READ_ACCESS_LOG)


@given(
    kst.actors(),
    st.none() | st.sampled_from(["c-1", "c-2"]) | st.uuids().map(str),
    st.sampled_from([Permission.READ_OWN_DATA, Permission.EDIT_OWN_DATA]),
    st.sampled_from(list(Permission)),
)
def test_require_owner_or_rule(
    actor: Actor, owner: str | None, own: Permission, staff: Permission
) -> None:
    """X-6: allowed iff the actor holds ``staff``, or owns the record and holds ``own``."""
    if owner == "c-1":
        owner = actor.customer_id  # make "own record" cases frequent
    expected = actor.can(staff) or (
        owner is not None and actor.customer_id == owner and actor.can(own)
    )
    if expected:
        require_owner_or(actor, owner, own, staff)
    else:
        with pytest.raises(PermissionDeniedError):
            require_owner_or(actor, owner, own, staff)
    if actor.role is Role.CUSTOMER and owner is not None and owner == actor.customer_id:
        assert expected  # customers always reach their own data


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.CUSTOMER])
def test_only_a_customer_actor_carries_a_customer_id(role: Role) -> None:
    """X-6, SEC-5 (issue #18, finding 8): a visitor, staff member or job built with an
    account id is refused at once, so it can never pass for that customer."""
    with pytest.raises(PermissionDeniedError) as info:
        Actor(id="someone", role=role, customer_id="c-1")
    assert info.value.details == {"permission": "customer_id_without_customer_role"}
    assert Actor(id="someone", role=role).customer_id is None
