"""What accounts need: customers, their credentials, a password hasher, and for account
security (SEC-2 … SEC-4) login attempts, lost-credentials requests, one-time tokens, the
security event log and a way to end a customer's sessions."""

from __future__ import annotations

import abc
from datetime import datetime
from typing import Protocol

from klickit_core.accounts.domain import Customer
from klickit_core.accounts.security import LoginAttempt, LostCredentialsRequest, RecoveryStatus
from klickit_core.shared.access_log import AccessLog
from klickit_core.shared.errors import ConflictError, NotFoundError
from klickit_core.shared.i18n import N_
from klickit_core.shared.security_events import SecurityEventLog
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.tokens import OneTimeTokenRepository
from klickit_core.shared.unit_of_work import Transaction

__all__ = [
    "AccountsUnitOfWork",
    "CredentialRepository",
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
    """Login attempts, counted by the login limits (SEC-2). Append-only."""

    @abc.abstractmethod
    def add(self, attempt: LoginAttempt) -> None:
        """Record an attempt; :class:`ConflictError` if the id exists."""

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
