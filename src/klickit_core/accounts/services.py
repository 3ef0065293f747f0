"""Account use cases (SPEC CHK-3, SEC-1, X-6): read and edit customer details.

A customer reads and edits their own account; staff read any account, and every such
read lands in the access log. Creating an account happens at checkout (or at sign-up),
through :func:`create_account`, inside the caller's transaction.

Logging in, resetting a password and lost credentials are in :mod:`~klickit_core.accounts.login`,
:mod:`~klickit_core.accounts.reset` and :mod:`~klickit_core.accounts.lost_credentials`.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from klickit_core.accounts.domain import Customer
from klickit_core.accounts.password_policy import check_password
from klickit_core.accounts.ports import (
    AccountsUnitOfWork,
    CustomerNotFoundError,
    CustomerRepository,
    DuplicateAccountError,
    PasswordHasher,
    SecurityUnitOfWork,
)
from klickit_core.shared.access_log import AccessLogEntry, log_staff_read, log_staff_reads
from klickit_core.shared.actors import Actor
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.authorization import authorize
from klickit_core.shared.clock import Clock, SystemClock
from klickit_core.shared.emails import MAX_EMAIL_LENGTH, check_email
from klickit_core.shared.errors import ValidationError
from klickit_core.shared.events import AccountCreated
from klickit_core.shared.ids import IdGenerator, RandomIdGenerator
from klickit_core.shared.security_events import SecurityEvent
from klickit_core.shared.sensitive import Secret

__all__ = ["AccountDetails"]


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
    taken: the answer would tell a stranger that an address has an account. A password the
    policy refuses (:mod:`~klickit_core.accounts.password_policy`) raises
    :class:`~klickit_core.shared.errors.ValidationError` at ``password``; checkout has
    already checked it with the same rules, so this only guards other callers.
    """
    if uow.customers.by_email(details.email) is not None or (
        username is not None and uow.customers.by_username(username) is not None
    ):
        raise DuplicateAccountError
    checked = check_password(password)
    if not isinstance(checked, Secret):
        raise ValidationError([checked])
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
    uow.record(AccountCreated(customer.id, occurred_at=now))
    return customer


def get_customer(
    uow: AccountsUnitOfWork, clock: Clock, ids: IdGenerator, actor: Actor, customer_id: str
) -> Customer:
    """A customer's account: their own, or any for staff (logged, SEC-5)."""
    authorize(actor, "accounts.services.get_customer", owner=customer_id)
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
    authorize(actor, "accounts.services.update_details", owner=customer_id)
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
    authorize(actor, "accounts.services.access_log_entries")
    with uow:
        return uow.access_log.entries(actor_id=actor_id, subject=subject, limit=limit)


def customer_by_identifier(customers: CustomerRepository, identifier: object) -> Customer | None:
    """The customer an identifier typed at login names: an email (normalised as accounts
    store it), else a username (case-insensitive); ``None`` for anything else.

    The same lookups run whatever the identifier is, so the answer's timing says little
    about which kind matched.
    """
    if not isinstance(identifier, str):
        return None
    text = identifier.strip()
    if not text or len(text) > MAX_EMAIL_LENGTH:
        return None
    email = check_email(text, ("identifier",))
    found = customers.by_email(email) if isinstance(email, str) else None
    return found if found is not None else customers.by_username(text)


def find_customer(
    uow: AccountsUnitOfWork, clock: Clock, ids: IdGenerator, actor: Actor, identifier: str
) -> Customer | None:
    """Staff look an account up by email or username, for instance to match a
    lost-credentials request (SEC-4). The search is logged like a read (``customers.find``,
    subject the customer found, or ``*`` when none was)."""
    authorize(actor, "accounts.services.find_customer")
    with uow:
        customer = customer_by_identifier(uow.customers, identifier)
        subject = customer.id if customer is not None else "*"
        log_staff_read(uow.access_log, actor, "customers.find", subject, clock.now(), ids.new_id())
        uow.commit()
    return customer


def security_events(
    uow: SecurityUnitOfWork,
    actor: Actor,
    *,
    kind: str | None = None,
    customer_id: str | None = None,
    since: datetime | None = None,
    limit: int = 1000,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
) -> list[SecurityEvent]:
    """Lockouts, confirmed logins, resets and recoveries, newest first (administrators
    only: SEC-2, BRE-1). The accounts the events name are written to the access log
    (``security_events.read``), with ids from ``ids`` (random by default)."""
    authorize(actor, "accounts.services.security_events")
    with uow:
        found = uow.security_events.events(
            kind=kind, customer_id=customer_id, since=since, limit=limit
        )
        people = (event.customer_id for event in found if event.customer_id is not None)
        now = (clock or SystemClock()).now()
        log_staff_reads(
            uow.access_log,
            actor,
            "security_events.read",
            people,
            now,
            ids or RandomIdGenerator(),
        )
        uow.commit()
    return found
