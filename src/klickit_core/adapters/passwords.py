"""Password hashing with Argon2id (argon2-cffi), SPEC SEC-1.

The default parameters are RFC 9106's "low memory" profile (Argon2id, 64 MiB, 3 passes,
4 lanes), above OWASP's minimum (19 MiB, 2 passes, 1 lane). A lighter but still compliant
configuration (:data:`OWASP_MINIMUM`) exists for test suites that create many accounts.
Hashes are self-describing (``$argon2id$v=19$m=…,t=…,p=…$salt$hash``), so a change of
parameters is detected by :meth:`Argon2PasswordHasher.needs_rehash` at the next login.
"""

from __future__ import annotations

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.low_level import ARGON2_VERSION
from argon2.profiles import RFC_9106_LOW_MEMORY

from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_
from klickit_core.shared.sensitive import Secret

__all__ = ["OWASP_MINIMUM", "RFC_9106_LOW_MEMORY", "Argon2PasswordHasher", "InvalidPasswordError"]


class InvalidPasswordError(KlickitError):
    """The password cannot be encoded (invalid Unicode); it was not hashed."""

    code = "accounts.invalid_password"
    message_template = N_("This password has invalid characters.")


#: OWASP Password Storage Cheat Sheet minimum for Argon2id: m=19 MiB, t=2, p=1.
OWASP_MINIMUM = RFC_9106_LOW_MEMORY.__class__(
    type=Type.ID,
    version=ARGON2_VERSION,
    salt_len=16,
    hash_len=32,
    time_cost=2,
    memory_cost=19 * 1024,
    parallelism=1,
)


class Argon2PasswordHasher:
    """A :class:`~klickit_core.accounts.ports.PasswordHasher` backed by argon2-cffi."""

    def __init__(self, parameters: object = RFC_9106_LOW_MEMORY) -> None:
        self._hasher = _Argon2.from_parameters(parameters)  # type: ignore[arg-type]

    def hash(self, password: Secret) -> str:
        """A new salted Argon2id hash of ``password``."""
        try:
            return self._hasher.hash(password.reveal())
        except UnicodeError:  # a lone surrogate: checkout refuses these before we get here
            raise InvalidPasswordError from None

    def verify(self, password_hash: str, password: Secret) -> bool:
        """Whether ``password`` matches ``password_hash`` (argon2 compares in constant time)."""
        try:
            return self._hasher.verify(password_hash, password.reveal())
        except (VerifyMismatchError, VerificationError, InvalidHashError, UnicodeError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether ``password_hash`` used other parameters than the current ones."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
