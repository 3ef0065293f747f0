"""The person a privacy request is about (SPEC PRV-3, PRV-4)."""

from __future__ import annotations

from typing import Any

import attrs

from klickit_core.personal_data.errors import InvalidDataSubjectError
from klickit_core.shared.emails import check_email

__all__ = ["DataSubject"]


def _check_customer_id(_instance: Any, _attribute: Any, value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value or len(value) > 200):
        raise InvalidDataSubjectError(reason="customer_id")


@attrs.frozen(slots=True)
class DataSubject:
    """The person a request is about: a normalised email, and their account if they have one.

    The email is the key that finds "everything about this person" across contexts (guest
    orders, reviews and consents carry an email, not an account), so it must already be
    normalised: build one with :meth:`of`. It is kept out of ``repr``.
    """

    email: str = attrs.field(repr=False)
    customer_id: str | None = attrs.field(default=None, validator=_check_customer_id)

    def __attrs_post_init__(self) -> None:
        email: object = self.email
        if not isinstance(email, str) or check_email(email, ("email",)) != email:
            raise InvalidDataSubjectError(reason="email")

    @classmethod
    def of(cls, email: str, customer_id: str | None = None) -> DataSubject:
        """A subject from an email as typed (it is checked and normalised first)."""
        checked = check_email(email, ("email",))
        if not isinstance(checked, str):
            raise InvalidDataSubjectError(reason="email")
        return cls(checked, customer_id)
