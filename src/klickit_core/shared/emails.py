"""Email addresses: checked and normalised with email-validator.

Normalisation matters beyond tidiness: the privacy engine finds "everything about this
person" by email, so ``Alice@Example.COM`` and ``alice@example.com`` must be one key. The
domain part is lower-cased and IDNA-normalised by email-validator; the local part is kept as
typed except that it is lower-cased, which every mailbox provider a French shop meets
treats case-insensitively.

No DNS lookup is made by default (``check_deliverability=False``): validation must be fast,
offline and deterministic in tests.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from klickit_core.shared.errors import FieldError
from klickit_core.shared.i18n import N_

__all__ = ["MAX_EMAIL_LENGTH", "check_email"]

MAX_EMAIL_LENGTH = 254


def check_email(value: object, path: tuple[str | int, ...]) -> str | FieldError:
    """The normalised address, or a :class:`FieldError` located at ``path``."""
    if not isinstance(value, str) or not value.strip():
        return FieldError(path, "email.required", N_("Enter an email address."))
    value = value.strip()
    if len(value) > MAX_EMAIL_LENGTH:
        return FieldError(path, "email.invalid", N_("Enter a valid email address."))
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return FieldError(path, "email.invalid", N_("Enter a valid email address."))
    local, _, domain = result.normalized.rpartition("@")
    return f"{local.lower()}@{domain.lower()}"
