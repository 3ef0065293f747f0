"""Who is asking (SPEC X-6, SEC-5).

:data:`ROLE_PERMISSIONS` says which :class:`Permission` each :class:`Role` holds; what
each use case needs is :data:`~klickit_core.shared.authorization.USE_CASES`, applied by
:func:`~klickit_core.shared.authorization.authorize`. Keeping both tables in one place
means the matrix can be printed, reviewed and tested as a whole (decision 0011).

Customers may act on their *own* data only: the ``OWN_*`` permissions are granted to the
customer role, and "own" compares the actor's customer id, which only customer actors
carry, with the record's (:func:`require_owner_or` is that rule for a single check).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs

from klickit_core.shared.errors import PermissionDeniedError

__all__ = [
    "OPERATOR_PREFIX",
    "ROLE_PERMISSIONS",
    "Actor",
    "Permission",
    "Role",
    "require",
    "require_owner_or",
    "shown_actor_id",
]

#: The id of a command-line job run by an operator: ``system:operator:<label>``, the label
#: being the operator's login unless ``--operator`` names them. The shop's logs keep it.
OPERATOR_PREFIX = "system:operator:"


def shown_actor_id(actor_id: str) -> str:
    """An actor id as the person whose data it read may see it (their export, PRV-3,
    issue #16): an operator job's label, often a machine login, is cut off
    (``system:operator``); every other id stays as it is. The access and audit logs keep
    the whole id."""
    if actor_id.startswith(OPERATOR_PREFIX):
        return OPERATOR_PREFIX.rstrip(":")
    return actor_id


class Role(enum.StrEnum):
    """The roles the policy names, plus visitors and background jobs."""

    VISITOR = "visitor"  # not signed in
    CUSTOMER = "customer"
    SHOP_MANAGER = "shop_manager"
    ADMINISTRATOR = "administrator"
    SYSTEM = "system"  # scheduled jobs: retention sweeps, reapplying erasures


class Permission(enum.StrEnum):
    """What a use case may need. Later contexts extend the table, not the checks."""

    BROWSE_CATALOGUE = "catalogue.browse"
    MANAGE_CATALOGUE = "catalogue.manage"
    SUBMIT_REVIEW = "reviews.submit"
    MODERATE_REVIEWS = "reviews.moderate"
    READ_OWN_DATA = "customer.read_own"
    EDIT_OWN_DATA = "customer.edit_own"
    READ_CUSTOMERS = "customers.read"
    READ_ORDERS = "orders.read"
    MANAGE_ORDERS = "orders.manage"
    MANAGE_STAFF = "staff.manage"
    READ_ACCESS_LOG = "access_log.read"
    RUN_RETENTION = "privacy.retention"
    RECOVER_ACCOUNTS = "accounts.recover"  # review lost-credentials requests (SEC-4)
    READ_SECURITY_EVENTS = "security.read"  # lockouts, resets, recoveries (SEC-2, BRE-1)
    #: Run the payment steps for the shop: the checkout's charge, webhooks, order sync.
    PROCESS_PAYMENTS = "payments.process"


_P = Permission
_CUSTOMER = frozenset({_P.BROWSE_CATALOGUE, _P.SUBMIT_REVIEW, _P.READ_OWN_DATA, _P.EDIT_OWN_DATA})
_MANAGER = _CUSTOMER | {
    _P.MANAGE_CATALOGUE,
    _P.MODERATE_REVIEWS,
    _P.READ_CUSTOMERS,
    _P.READ_ORDERS,
    _P.MANAGE_ORDERS,
    _P.RECOVER_ACCOUNTS,
}

#: The one permission table. Policy: "les administrateurs et gérants de boutique ont accès"
#: to orders and customers; customers to their own data; everyone else to nothing personal.
ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.VISITOR: frozenset({_P.BROWSE_CATALOGUE, _P.SUBMIT_REVIEW}),
    Role.CUSTOMER: _CUSTOMER,
    Role.SHOP_MANAGER: _MANAGER,
    Role.ADMINISTRATOR: _MANAGER
    | {_P.MANAGE_STAFF, _P.READ_ACCESS_LOG, _P.READ_SECURITY_EVENTS, _P.RUN_RETENTION},
    # Jobs get only what their task needs; reading customers is for people (SEC-5).
    Role.SYSTEM: frozenset({_P.BROWSE_CATALOGUE, _P.RUN_RETENTION, _P.PROCESS_PAYMENTS}),
}


@attrs.frozen(slots=True)
class Actor:
    """The person or job behind a request.

    ``id`` identifies the staff member, customer or job for the access log; ``customer_id``
    is set for customers, and for them only, and ties "own data" checks to their records.
    The app builds actors once it has authenticated someone
    (:func:`~klickit_core.accounts.identity.customer_actor`; the trust boundary is in the
    security page of the docs).
    """

    id: str
    role: Role = attrs.field()
    customer_id: str | None = attrs.field(default=None)

    @role.validator
    def _check_role(self, _attribute: object, value: object) -> None:
        if not isinstance(value, Role):
            raise PermissionDeniedError(permission="unknown_role")

    @customer_id.validator
    def _check_customer_id(self, _attribute: object, value: object) -> None:
        # A visitor or a job carrying an account id must never pass for that customer.
        if value is not None and self.role is not Role.CUSTOMER:
            raise PermissionDeniedError(permission="customer_id_without_customer_role")

    @classmethod
    def visitor(cls) -> Actor:
        """An anonymous visitor."""
        return cls(id="visitor", role=Role.VISITOR)

    @classmethod
    def system(cls, job: str) -> Actor:
        """A background job, named for the logs (``"retention-sweep"``)."""
        return cls(id=f"system:{job}", role=Role.SYSTEM)

    @property
    def is_staff(self) -> bool:
        """Shop managers and administrators."""
        return self.role in (Role.SHOP_MANAGER, Role.ADMINISTRATOR)

    def can(self, permission: Permission) -> bool:
        """Whether the role grants ``permission``."""
        return permission in ROLE_PERMISSIONS[self.role]


def require(actor: Actor, permission: Permission) -> None:
    """Raise :class:`PermissionDeniedError` unless ``actor`` has ``permission``."""
    if not actor.can(permission):
        raise PermissionDeniedError(permission=str(permission))


def require_owner_or(
    actor: Actor, owner_customer_id: str | None, own: Permission, staff: Permission
) -> None:
    """Allow a customer on their own record (``own``) or anyone holding ``staff``."""
    if actor.can(staff):
        return
    if owner_customer_id is not None and actor.customer_id == owner_customer_id and actor.can(own):
        return
    raise PermissionDeniedError(permission=str(staff))
