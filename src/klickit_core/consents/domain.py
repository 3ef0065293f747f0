"""Consent records (SPEC CHK-2, PRV-5).

The policy rests storage on consent "qui vous sera demandé à chaque étape de navigation,
ainsi que dans l'acceptation de nos conditions générales de vente". A consent is only
worth its proof, so each record says who (an email, and the account if any), for which
purpose, which version of the text was shown, when, through which channel, and whether it
was given or withdrawn. Records are appended, never edited: a withdrawal is a new record.
The terms of sale accepted for an order belong to that order
(:attr:`ConsentRecord.follows_order`): kept while it is, gone when it is deleted or
anonymised, never on a clock of their own.
"""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["TERMS_OF_SALE", "ConsentRecord"]

#: The purpose of accepting the terms of sale (CGV), required to place an order.
TERMS_OF_SALE = "terms_of_sale"


@attrs.frozen(slots=True)
class ConsentRecord:
    """One consent given or withdrawn."""

    id: str
    subject_email: str = attrs.field(repr=False)
    purpose: str
    text_version: str
    granted: bool
    at: datetime
    channel: str  # "checkout", "account", "contact_form"...
    customer_id: str | None = None
    order_id: str | None = None

    @property
    def follows_order(self) -> bool:
        """Whether this is the acceptance of the terms of sale of one order: the proof of
        that contract lives and ends with the order (PRV-1, PRV-5)."""
        return self.purpose == TERMS_OF_SALE and self.order_id is not None
