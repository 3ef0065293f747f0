"""Customer accounts (SPEC CHK-3).

The policy: "Si vous créez un compte, nous stockons votre nom, adresse, e-mail, et numéro
de téléphone, qui sera utilisé pour pré-remplir la validation de commande". That is what a
:class:`Customer` holds. The password is *not* part of it: its hash lives in a separate
credentials store (:class:`~klickit_core.accounts.ports.CredentialRepository`), so no
export, log or ``repr`` of a customer can ever carry it.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from klickit_core.shared.addresses import PostalAddress

__all__ = ["Customer"]


@attrs.frozen(slots=True)
class Customer:
    """A customer account. Email is normalised (lower-case) and unique."""

    id: str
    email: str = attrs.field(repr=False)
    first_name: str = attrs.field(repr=False)
    last_name: str = attrs.field(repr=False)
    created_at: datetime
    updated_at: datetime
    phone: str | None = attrs.field(default=None, repr=False)  # E.164
    billing_address: PostalAddress | None = attrs.field(default=None, repr=False)
    shipping_address: PostalAddress | None = attrs.field(default=None, repr=False)
    username: str | None = None

    @property
    def full_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}"
