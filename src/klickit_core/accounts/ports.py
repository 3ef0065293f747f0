"""What accounts need: customers, their credentials, and a password hasher."""

from __future__ import annotations

import abc
from typing import Protocol

from klickit_core.accounts.domain import Customer
from klickit_core.shared.access_log import AccessLog
from klickit_core.shared.errors import ConflictError, NotFoundError
from klickit_core.shared.i18n import N_
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.unit_of_work import Transaction

__all__ = [
    "AccountsUnitOfWork",
    "CredentialRepository",
    "CustomerNotFoundError",
    "CustomerRepository",
    "DuplicateAccountError",
    "PasswordHasher",
]


class CustomerNotFoundError(NotFoundError):
    """No customer has this id."""

    code = "accounts.customer_not_found"
    message_template = N_("The customer account was not found.")


class DuplicateAccountError(ConflictError):
    """An account already uses this email or username (which one is not said)."""

    code = "accounts.duplicate"
    message_template = N_("An account already exists with these details.")


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
