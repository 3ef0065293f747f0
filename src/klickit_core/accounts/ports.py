"""What accounts need: customers, their credentials, a password hasher, and for account
security (SEC-2 … SEC-4) login attempts, lost-credentials requests, one-time tokens, the
security event log and a way to end a customer's sessions."""

from __future__ import annotations

import abc
import builtins
from datetime import datetime
from typing import Protocol

from klickit_core.accounts.domain import AccountActivity, Customer
from klickit_core.accounts.security import (
    AttemptOutcome,
    LoginAttempt,
    LostCredentialsRequest,
    RecoveryStatus,
)
from klickit_core.shared.access_log import AccessLog
from klickit_core.shared.errors import ConflictError, NotFoundError
from klickit_core.shared.i18n import N_
from klickit_core.shared.security_events import SecurityEventLog
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.sweeps import SweepKey, SweepPage
from klickit_core.shared.tokens import OneTimeTokenRepository
from klickit_core.shared.unit_of_work import Transaction

__all__ = [
    "INACTIVITY_NOTICE_MISSING",
    "INACTIVITY_NOTICE_RUNNING",
    "AccountsUnitOfWork",
    "CredentialRepository",
    "CustomerCarts",
    "CustomerNotFoundError",
    "CustomerRepository",
    "CustomerSessions",
    "DuplicateAccountError",
    "LoginAttemptRepository",
    "LostCredentialsRepository",
    "LostCredentialsRequestNotFoundError",
    "PasswordHasher",
    "RequestAlreadyReviewedError",
    "SecurityUnitOfWork",
]


#: Why the inactivity sweep keeps a due account: it was told of the deletion too recently.
INACTIVITY_NOTICE_RUNNING = "inactivity_notice_running"
#: Why the inactivity sweep keeps a due account: it must be told first, and was not.
INACTIVITY_NOTICE_MISSING = "inactivity_notice_missing"


class CustomerNotFoundError(NotFoundError):
    """No customer has this id."""

    code = "accounts.customer_not_found"
    message_template = N_("The customer account was not found.")


class DuplicateAccountError(ConflictError):
    """An account already uses this email or username (which one is not said)."""

    code = "accounts.duplicate"
    message_template = N_("An account already exists with these details.")


class LostCredentialsRequestNotFoundError(NotFoundError):
    """No lost-credentials request has this id."""

    code = "accounts.recovery_request_not_found"
    message_template = N_("The lost-credentials request was not found.")


class RequestAlreadyReviewedError(ConflictError):
    """The lost-credentials request was already reviewed (by someone else, perhaps)."""

    code = "accounts.recovery_request_reviewed"
    message_template = N_("This request has already been reviewed.")


class CustomerRepository(abc.ABC):
    """Customers by id, email and username."""

    @abc.abstractmethod
    def get(self, customer_id: str) -> Customer | None:
        """The customer or ``None``."""

    @abc.abstractmethod
    def by_email(self, email: str) -> Customer | None:
        """The customer with this normalised email, or ``None``."""

    @abc.abstractmethod
    def by_username(self, username: str) -> Customer | None:
        """The customer with this username (case-insensitive), or ``None``."""

    @abc.abstractmethod
    def add(self, customer: Customer) -> None:
        """Store a new customer; :class:`DuplicateAccountError` on a taken email/username."""

    @abc.abstractmethod
    def save(self, customer: Customer) -> None:
        """Replace an existing customer."""

    @abc.abstractmethod
    def delete(self, customer_id: str) -> bool:
        """Delete the account with its password hash and activity record (erasure, PRV-4);
        whether it existed. Its email and username are free again at commit."""

    @abc.abstractmethod
    def activity(self, customer_id: str) -> AccountActivity | None:
        """The account's activity record, or ``None`` (no login swept, no notice yet)."""

    @abc.abstractmethod
    def record_inactivity_notice(self, customer_id: str, at: datetime) -> None:
        """Remember that the account was told at ``at`` it would be deleted for
        inactivity; :class:`CustomerNotFoundError` if there is no such account."""

    @abc.abstractmethod
    def inactive(self, cutoff: datetime, *, after: str | None, limit: int) -> list[str]:
        """Ids of up to ``limit`` accounts with no activity at or after ``cutoff``, in id
        order strictly after ``after`` (for the mail that warns them before deletion).

        An account's *last activity* is the latest of: its creation and last update, a
        successful login or password reset (the attempts on file, and
        :attr:`AccountActivity.last_login_at` for swept ones), an order placed by it, and
        the last activity of a visitor session signed in as it.
        """

    @abc.abstractmethod
    def sweep_inactive(
        self,
        cutoff: datetime,
        *,
        notice_after: datetime,
        require_notice: bool,
        after: SweepKey | None,
        limit: int,
        dry_run: bool,
    ) -> SweepPage:
        """Delete up to ``limit`` accounts inactive since before ``cutoff`` (see
        :meth:`inactive`), keyset-paged on the id (``SweepKey.at`` is ``None``), with all
        that exists only because of them: password hash, activity record, saved cart,
        signed-in sessions, one-time tokens whose subject they are, login attempts; their
        security events lose the account id and network address (PRV-2, CNIL référentiel
        « gestion commerciale »).

        A notice counts if it was sent at or after ``cutoff`` (so after the last
        activity). An account notified at or after ``notice_after`` is kept
        (:data:`INACTIVITY_NOTICE_RUNNING`); with ``require_notice``, one never
        notified is kept too (:data:`INACTIVITY_NOTICE_MISSING`). A dry run only selects.
        """


class CredentialRepository(abc.ABC):
    """Password hashes, kept apart from customers so they never travel with them."""

    @abc.abstractmethod
    def set_password_hash(self, customer_id: str, password_hash: str) -> None:
        """Store or replace the hash for ``customer_id``."""

    @abc.abstractmethod
    def password_hash(self, customer_id: str) -> str | None:
        """The stored hash, or ``None``."""


class PasswordHasher(Protocol):
    """Hashes passwords (Argon2id in :mod:`klickit_core.adapters.passwords`)."""

    def hash(self, password: Secret) -> str:
        """A self-describing hash string (algorithm, parameters, salt, digest)."""
        ...

    def verify(self, password_hash: str, password: Secret) -> bool:
        """Whether ``password`` matches, in constant time."""
        ...

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with weaker parameters than the current ones."""
        ...


class AccountsUnitOfWork(Transaction, Protocol):
    """The repositories the account use cases need, in one transaction."""

    customers: CustomerRepository
    credentials: CredentialRepository
    access_log: AccessLog


class LoginAttemptRepository(abc.ABC):
    """Login attempts, counted by the login limits (SEC-2). Append-only, but for
    :meth:`settle`: an attempt is claimed as a failure before its password is checked."""

    @abc.abstractmethod
    def add(self, attempt: LoginAttempt) -> None:
        """Record an attempt; :class:`ConflictError` if the id exists."""

    @abc.abstractmethod
    def settle(self, claimed: LoginAttempt, outcome: AttemptOutcome | None) -> None:
        """Settle an attempt recorded as failed while its password was being checked:
        it becomes ``outcome`` (a success), or, with ``None``, it is withdrawn (a login
        held for confirmation was neither a failure nor a login).
        :class:`ConflictError` at commit if the claim changed or vanished since."""

    @abc.abstractmethod
    def count_failures(
        self, since: datetime, *, customer_id: str | None = None, ip_address: str | None = None
    ) -> int:
        """Failed attempts at or after ``since`` on the account ``customer_id`` or from the
        network key ``ip_address`` (exactly one of the two is given)."""

    @abc.abstractmethod
    def last_unlocked_at(self, customer_id: str) -> datetime | None:
        """When the account last logged in successfully or had its password reset (the
        latest attempt that is not a failure), or ``None``."""

    @abc.abstractmethod
    def delete_before(self, moment: datetime, limit: int = 1000) -> int:
        """Delete up to ``limit`` attempts older than ``moment`` (retention); how many."""

    @abc.abstractmethod
    def for_customer(self, customer_id: str) -> list[LoginAttempt]:
        """The attempts on the account ``customer_id``, oldest first (PRV-3 export)."""

    @abc.abstractmethod
    def delete_for_customer(self, customer_id: str) -> int:
        """Delete the attempts on the account ``customer_id`` (erasure); how many."""

    @abc.abstractmethod
    def sweep(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        """Delete up to ``limit`` attempts made before ``before`` (PRV-2), keyset-paged on
        ``(at, id)``. The time of each successful login or reset deleted is first carried
        to its account's :attr:`~klickit_core.accounts.domain.AccountActivity.last_login_at`
        (when later than the one there), so the inactivity rule still sees it. A dry run
        only selects."""


class LostCredentialsRepository(abc.ABC):
    """Lost-credentials requests awaiting or after staff review (SEC-4)."""

    @abc.abstractmethod
    def add(self, request: LostCredentialsRequest) -> None:
        """Store a new request; :class:`ConflictError` if the id exists."""

    @abc.abstractmethod
    def get(self, request_id: str) -> LostCredentialsRequest | None:
        """The request, or ``None``."""

    @abc.abstractmethod
    def save(self, request: LostCredentialsRequest) -> None:
        """Replace a request; :class:`LostCredentialsRequestNotFoundError` if there is none."""

    @abc.abstractmethod
    def list(
        self, *, status: RecoveryStatus | None = None, limit: int = 100
    ) -> list[LostCredentialsRequest]:
        """Requests, oldest first (the review queue), optionally in one status."""

    @abc.abstractmethod
    def for_person(
        self, email: str, customer_id: str | None = None
    ) -> builtins.list[LostCredentialsRequest]:
        """Requests written from ``email`` or matched to the account ``customer_id``,
        oldest first (PRV-3 export, PRV-4 erasure)."""

    @abc.abstractmethod
    def delete(self, request_id: str) -> None:
        """Forget a request (erasure); no error if it is gone."""

    @abc.abstractmethod
    def sweep(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        """Delete up to ``limit`` requests made before ``before`` (PRV-2), keyset-paged on
        ``(created_at, id)``. A dry run only selects."""


class CustomerCarts(Protocol):
    """What erasing an account needs from the saved carts: removing the account's cart.

    Structural, like :class:`CustomerSessions`:
    :class:`~klickit_core.cart.ports.CartRepository` satisfies it.
    """

    def delete(self, customer_id: str) -> bool:
        """Remove the customer's saved cart; whether there was one."""
        ...


class CustomerSessions(Protocol):
    """What a password reset needs from the visitor sessions: ending a customer's sessions.

    A structural type, so that accounts does not import its sibling ``sessions``:
    :class:`~klickit_core.sessions.ports.SessionRepository` satisfies it.
    """

    def delete_for_customer(self, customer_id: str, except_id: str | None = None) -> int:
        """Delete the customer's sessions but ``except_id``; how many were deleted."""
        ...


class SecurityUnitOfWork(AccountsUnitOfWork, Protocol):
    """The repositories the account security use cases need, in one transaction."""

    login_attempts: LoginAttemptRepository
    lost_credentials: LostCredentialsRepository
    tokens: OneTimeTokenRepository
    security_events: SecurityEventLog

    @property
    def sessions(self) -> CustomerSessions:
        """The visitor sessions (only to end a customer's sessions)."""
        ...
