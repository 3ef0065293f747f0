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

__all__ = ["AccountActivity", "Customer"]


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


@attrs.frozen(slots=True)
class AccountActivity:
    """What the inactivity rule (``accounts.inactive``, PRV-1) remembers of an account
    beyond its own row.

    ``last_login_at`` is the latest successful login or password reset *whose attempt
    record was swept*: login attempts are kept 30 days, accounts two years after their
    last activity, so the attempts sweep carries the time of each success here before it
    deletes the record (otherwise a customer who logged in a month ago would look inactive
    since their last order). ``inactivity_notice_at`` is when the customer was told that
    the account would be deleted for inactivity (the CNIL asks for a notice first).
    Neither holds anything the customer typed.
    """

    customer_id: str
    last_login_at: datetime | None = None
    inactivity_notice_at: datetime | None = None
