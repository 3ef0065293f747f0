"""Account use cases (SPEC CHK-3, X-6): read and edit customer details.

A customer reads and edits their own account; staff read any account, and every such
read lands in the access log. Creating an account happens at checkout (or at sign-up),
through :func:`create_account`, inside the caller's transaction.
"""

from __future__ import annotations

import attrs

from klickit_core.accounts.domain import Customer
from klickit_core.accounts.ports import (
    AccountsUnitOfWork,
    CustomerNotFoundError,
    DuplicateAccountError,
    PasswordHasher,
)
from klickit_core.shared.access_log import AccessLogEntry, log_staff_read
from klickit_core.shared.actors import Actor, Permission, require, require_owner_or
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.clock import Clock
from klickit_core.shared.ids import IdGenerator, RandomIdGenerator
from klickit_core.shared.sensitive import Secret

__all__ = [
    "AccountDetails",
    "access_log_entries",
    "create_account",
    "get_customer",
    "update_details",
]


@attrs.frozen(slots=True)
class AccountDetails:
    """Validated details of an account (checkout or the account page produce them)."""

    email: str = attrs.field(repr=False)
    first_name: str = attrs.field(repr=False)
    last_name: str = attrs.field(repr=False)
    phone: str | None = attrs.field(default=None, repr=False)
    billing_address: PostalAddress | None = attrs.field(default=None, repr=False)
    shipping_address: PostalAddress | None = attrs.field(default=None, repr=False)


def create_account(
    uow: AccountsUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    hasher: PasswordHasher,
    details: AccountDetails,
    username: str | None,
    password: Secret,
) -> Customer:
    """Add a customer and their password hash, inside the caller's transaction.

    :class:`DuplicateAccountError` does not say whether the email or the username was
    taken: the answer would tell a stranger that an address has an account.
    """
    if uow.customers.by_email(details.email) is not None or (
        username is not None and uow.customers.by_username(username) is not None
    ):
        raise DuplicateAccountError
    now = clock.now()
    customer = Customer(
        id=ids.new_id(),
        email=details.email,
        first_name=details.first_name,
        last_name=details.last_name,
        created_at=now,
        updated_at=now,
        phone=details.phone,
        billing_address=details.billing_address,
        shipping_address=details.shipping_address,
        username=username,
    )
    uow.customers.add(customer)
    uow.credentials.set_password_hash(customer.id, hasher.hash(password))
    return customer


def get_customer(
    uow: AccountsUnitOfWork, clock: Clock, ids: IdGenerator, actor: Actor, customer_id: str
) -> Customer:
    """A customer's account: their own, or any for staff (logged, SEC-5)."""
    require_owner_or(actor, customer_id, Permission.READ_OWN_DATA, Permission.READ_CUSTOMERS)
    with uow:
        customer = uow.customers.get(customer_id)
        if customer is None:
            raise CustomerNotFoundError
        if actor.is_staff:
            log_staff_read(
                uow.access_log, actor, "customers.read", customer.id, clock.now(), ids.new_id()
            )
            uow.commit()
    return customer


def update_details(
    uow: AccountsUnitOfWork,
    clock: Clock,
    actor: Actor,
    customer_id: str,
    details: AccountDetails,
    *,
    ids: IdGenerator | None = None,
) -> Customer:
    """The customer edits their own details ("Mon compte > Détails du compte").

    An administrator may edit them too; like a staff read, that edit is written to the
    access log (``customers.update``), with an id from ``ids`` (random by default).
    """
    require_owner_or(actor, customer_id, Permission.EDIT_OWN_DATA, Permission.MANAGE_STAFF)
    with uow:
        customer = uow.customers.get(customer_id)
        if customer is None:
            raise CustomerNotFoundError
        updated = attrs.evolve(
            customer,
            email=details.email,
            first_name=details.first_name,
            last_name=details.last_name,
            phone=details.phone,
            billing_address=details.billing_address,
            shipping_address=details.shipping_address,
            updated_at=clock.now(),
        )
        uow.customers.save(updated)
        if actor.is_staff:
            entry_id = (ids or RandomIdGenerator()).new_id()
            log_staff_read(
                uow.access_log, actor, "customers.update", customer.id, clock.now(), entry_id
            )
        uow.commit()
    return updated


def access_log_entries(
    uow: AccountsUnitOfWork,
    actor: Actor,
    *,
    actor_id: str | None = None,
    subject: str | None = None,
    limit: int = 1000,
) -> list[AccessLogEntry]:
    """Who read whose data, newest first (administrators only, X-6 / SEC-5)."""
    require(actor, Permission.READ_ACCESS_LOG)
    with uow:
        return uow.access_log.entries(actor_id=actor_id, subject=subject, limit=limit)
