"""SEC-5, X-6: every use case that takes an Actor allows exactly whom the one permission
table (``shared/actors.py``) says, for every role.

The expected answer of each (actor, use case) pair is computed from ``ROLE_PERMISSIONS``
and the owner rule, not written by hand: the table is the single source, and this test
checks that every use case consults it the way its docstring promises. The actors are one
per role, plus the customer who owns the data (the plain customer actor is *another*
customer).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import attrs
import pytest

from klickit_core.accounts import lost_credentials as recovery
from klickit_core.accounts.domain import Customer
from klickit_core.accounts.services import (
    AccountDetails,
    access_log_entries,
    find_customer,
    get_customer,
    security_events,
    update_details,
)
from klickit_core.catalogue.domain import Product
from klickit_core.orders import services as orders
from klickit_core.orders.domain import (
    Contact,
    Order,
    OrderLine,
    OrderStatus,
    SupportKind,
    SupportRequest,
    VatSnapshot,
)
from klickit_core.shared.actors import ROLE_PERMISSIONS, Actor, Permission, Role
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.errors import NotFoundError, PermissionDeniedError
from klickit_core.shared.money import Money

from .conftest import Security

P = Permission
OWNER = "owner"
#: One actor per role (the customer is someone else), and the owner of the data.
ACTORS: dict[str, Callable[[str], Actor]] = {
    "visitor": lambda _owner: Actor.visitor(),
    "customer": lambda _owner: Actor("stranger", Role.CUSTOMER, customer_id="someone-else"),
    OWNER: lambda owner: Actor("owner-actor", Role.CUSTOMER, customer_id=owner),
    "shop_manager": lambda _owner: Actor("manager-1", Role.SHOP_MANAGER),
    "administrator": lambda _owner: Actor("admin-1", Role.ADMINISTRATOR),
    "system": lambda _owner: Actor.system("retention-sweep"),
}


@attrs.frozen
class World:
    """A customer with an account, a pending and a paid order, a support request and a
    lost-credentials request."""

    security: Security
    customer: Customer
    pending: Order
    paid: Order
    support: SupportRequest
    recovery_id: str


def _order(order_id: str, customer_id: str, security: Security) -> Order:
    line = OrderLine("MUG", "Mug", 1, 1490, 1490, "20")
    return Order(
        id=order_id,
        number=f"KL-2026-{order_id}",
        currency="EUR",
        contact=Contact("Camille", "Martin", "camille@example.fr", "+33612345678"),
        billing_address=PostalAddress("FR", "33000", "Bordeaux", ("1 rue Sainte-Catherine",)),
        shipping_address=PostalAddress("FR", "33000", "Bordeaux", ("1 rue Sainte-Catherine",)),
        lines=(line,),
        vat=(VatSnapshot("20", 1490, 248),),
        shipping_method=None,
        shipping_minor=0,
        total_minor=1490,
        placed_at=security.clock.now(),
        customer_id=customer_id,
    )


def _world(security: Security) -> World:
    customer = security.open_account()
    pending = _order("order-pending", customer.id, security)
    paid = (
        _order("order-paid", customer.id, security)
        .with_payment(1490)
        .moved_to(OrderStatus.PROCESSING, security.clock.now() + timedelta(minutes=1), "gateway")
    )
    support = SupportRequest(
        "support-1",
        paid.id,
        SupportKind.TRACKING,
        "Où est mon colis ?",
        security.clock.now(),
        customer.id,
    )
    with security.uow() as uow:
        uow.products.add(Product("MUG", "Mug", Money.of("14.90", "EUR"), stock=10))
        uow.orders.add(pending)
        uow.orders.add(paid)
        uow.support_requests.add(support)
        uow.commit()
    request = recovery.open_lost_credentials_request(
        security.uow(),
        security.clock,
        security.ids,
        Actor.visitor(),
        name="Camille",
        email="camille@example.org",
        message="Compte perdu",
    )
    security.later(minutes=5)
    return World(security, customer, pending, paid, support, request.id)


def _can(actor: Actor, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[actor.role]


def _own_or(actor: Actor, world: World, own: Permission, staff: Permission) -> bool:
    """The owner rule of ``require_owner_or`` and ``orders._visible``."""
    mine = actor.customer_id == world.customer.id
    return _can(actor, staff) or (mine and _can(actor, own))


@attrs.frozen
class UseCase:
    """A use case, how to call it as ``actor``, and whom the table allows."""

    name: str
    call: Callable[[World, Actor], object]
    allowed: Callable[[World, Actor], bool]


def _details() -> AccountDetails:
    return AccountDetails(email="camille@example.fr", first_name="Camille", last_name="Martin")


USE_CASES = [
    # accounts
    UseCase(
        "accounts.get_customer",
        lambda w, a: get_customer(
            w.security.uow(), w.security.clock, w.security.ids, a, w.customer.id
        ),
        lambda w, a: _own_or(a, w, P.READ_OWN_DATA, P.READ_CUSTOMERS),
    ),
    UseCase(
        "accounts.update_details",
        lambda w, a: update_details(
            w.security.uow(), w.security.clock, a, w.customer.id, _details()
        ),
        lambda w, a: _own_or(a, w, P.EDIT_OWN_DATA, P.MANAGE_STAFF),
    ),
    UseCase(
        "accounts.find_customer",
        lambda w, a: find_customer(
            w.security.uow(), w.security.clock, w.security.ids, a, "camille"
        ),
        lambda w, a: _can(a, P.READ_CUSTOMERS),
    ),
    UseCase(
        "accounts.access_log_entries",
        lambda w, a: access_log_entries(w.security.uow(), a),
        lambda w, a: _can(a, P.READ_ACCESS_LOG),
    ),
    UseCase(
        "accounts.security_events",
        lambda w, a: security_events(w.security.uow(), a),
        lambda w, a: _can(a, P.READ_SECURITY_EVENTS),
    ),
    # lost credentials (SEC-4)
    UseCase(
        "lost_credentials.open",
        lambda w, a: recovery.open_lost_credentials_request(
            w.security.uow(),
            w.security.clock,
            w.security.ids,
            a,
            name="Camille",
            email="camille@example.org",
            message="Compte perdu",
        ),
        lambda w, a: True,  # anyone: the person cannot log in
    ),
    UseCase(
        "lost_credentials.list",
        lambda w, a: recovery.lost_credentials_requests(
            w.security.uow(), w.security.clock, w.security.ids, a
        ),
        lambda w, a: _can(a, P.RECOVER_ACCOUNTS),
    ),
    UseCase(
        "lost_credentials.get",
        lambda w, a: recovery.get_lost_credentials_request(
            w.security.uow(), w.security.clock, w.security.ids, a, w.recovery_id
        ),
        lambda w, a: _can(a, P.RECOVER_ACCOUNTS),
    ),
    UseCase(
        "lost_credentials.resolve",
        lambda w, a: recovery.resolve_lost_credentials_request(
            w.security.uow(),
            w.security.clock,
            w.security.ids,
            w.security.outbox,
            w.security.settings,
            a,
            w.recovery_id,
            w.customer.id,
        ),
        lambda w, a: _can(a, P.RECOVER_ACCOUNTS),
    ),
    UseCase(
        "lost_credentials.reject",
        lambda w, a: recovery.reject_lost_credentials_request(
            w.security.uow(), w.security.clock, a, w.recovery_id
        ),
        lambda w, a: _can(a, P.RECOVER_ACCOUNTS),
    ),
    # orders (ORD-1, ORD-2)
    UseCase(
        "orders.get_order",
        lambda w, a: orders.get_order(
            w.security.uow(), w.security.clock, w.security.ids, a, w.paid.id
        ),
        lambda w, a: _own_or(a, w, P.READ_OWN_DATA, P.READ_ORDERS),
    ),
    UseCase(
        "orders.list_orders",
        lambda w, a: orders.list_orders(w.security.uow(), w.security.clock, w.security.ids, a),
        lambda w, a: _can(a, P.READ_ORDERS) or _can(a, P.READ_OWN_DATA),  # own ones only
    ),
    UseCase(
        "orders.cancel_order",
        lambda w, a: orders.cancel_order(
            w.security.uow(), w.security.clock, w.security.ids, a, w.pending.id
        ),
        lambda w, a: (
            _own_or(a, w, P.READ_OWN_DATA, P.READ_ORDERS)
            and (_can(a, P.MANAGE_ORDERS) or _can(a, P.EDIT_OWN_DATA))
        ),
    ),
    UseCase(
        "orders.complete_order",
        lambda w, a: orders.complete_order(
            w.security.uow(), w.security.clock, w.security.ids, a, w.paid.id
        ),
        lambda w, a: _can(a, P.MANAGE_ORDERS),
    ),
    UseCase(
        "orders.open_support_request",
        lambda w, a: orders.open_support_request(
            w.security.uow(),
            w.security.clock,
            w.security.ids,
            a,
            w.paid.id,
            SupportKind.REFUND,
            "Je souhaite un remboursement.",
        ),
        lambda w, a: _own_or(a, w, P.READ_OWN_DATA, P.READ_ORDERS),
    ),
    UseCase(
        "orders.support_requests",
        lambda w, a: orders.support_requests(
            w.security.uow(), w.security.clock, w.security.ids, a, w.paid.id
        ),
        lambda w, a: _own_or(a, w, P.READ_OWN_DATA, P.READ_ORDERS),
    ),
    UseCase(
        "orders.close_support_request",
        lambda w, a: orders.close_support_request(
            w.security.uow(), w.security.clock, a, w.support.id
        ),
        lambda w, a: _can(a, P.MANAGE_ORDERS),
    ),
]
PAIRS = [(kind, case) for case in USE_CASES for kind in ACTORS]


@pytest.mark.parametrize(
    ("kind", "case"), PAIRS, ids=[f"{case.name}-{kind}" for kind, case in PAIRS]
)
def test_the_permission_matrix(security: Security, kind: str, case: UseCase) -> None:
    """SEC-5, X-6: allowed pairs run; refused ones raise PermissionDeniedError (or the
    not-found error that hides someone else's order), and write nothing."""
    world = _world(security)
    actor = ACTORS[kind](world.customer.id)
    before = {table: dict(rows) for table, rows in security.store.tables.items()}
    if case.allowed(world, actor):
        case.call(world, actor)
    else:
        with pytest.raises((PermissionDeniedError, NotFoundError)):
            case.call(world, actor)
        assert {t: dict(r) for t, r in security.store.tables.items()} == before


def test_the_matrix_covers_every_role() -> None:
    """A new role must be added to the actors above (and so to every use case's check)."""
    roles = {ACTORS[kind]("x").role for kind in ACTORS}
    assert roles == set(Role)


def test_staff_reads_are_logged_and_customers_own_reads_are_not(security: Security) -> None:
    """X-6: the allowed reads of someone else's data by staff land in the access log;
    a customer's reads of their own data do not."""
    world = _world(security)
    owner = ACTORS[OWNER](world.customer.id)
    manager = ACTORS["shop_manager"](world.customer.id)
    for case in USE_CASES:
        if case.name in {"accounts.get_customer", "orders.get_order", "orders.support_requests"}:
            case.call(world, owner)
    with security.uow() as uow:
        assert uow.access_log.entries() == []
    for case in USE_CASES:
        if case.name in {
            "accounts.get_customer",
            "accounts.find_customer",
            "orders.get_order",
            "orders.list_orders",
            "orders.support_requests",
            "lost_credentials.list",
            "lost_credentials.get",
        }:
            case.call(world, manager)
    with security.uow() as uow:
        actions = {e.action for e in uow.access_log.entries(actor_id=manager.id)}
    assert actions == {
        "customers.read",
        "customers.find",
        "orders.read",
        "orders.list",
        "support.read",
        "lost_credentials.list",
        "lost_credentials.read",
    }
