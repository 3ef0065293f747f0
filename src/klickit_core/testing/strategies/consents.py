"""Strategies for the consent ledger (CHK-2, PRV-5)."""

from __future__ import annotations

from hypothesis import strategies as st

from klickit_core.consents.domain import TERMS_OF_SALE, ConsentRecord
from klickit_core.testing.strategies._common import EMAILS, IDS, aware_datetimes

__all__ = [
    "consent_records",
]


def consent_records() -> st.SearchStrategy[ConsentRecord]:
    """Consents given or withdrawn (CHK-2, PRV-5): a purpose identifier, a text version and
    a channel, for an email and maybe an account and an order."""
    return st.builds(
        ConsentRecord,
        id=IDS,
        subject_email=EMAILS,
        purpose=st.sampled_from([TERMS_OF_SALE, "newsletter", "reviews"])
        | st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,30}", fullmatch=True),
        text_version=st.from_regex(r"[a-z]{2,8}-20[0-9]{2}-(0[1-9]|1[0-2])", fullmatch=True),
        granted=st.booleans(),
        at=aware_datetimes(),
        channel=st.sampled_from(["checkout", "account", "contact_form"]),
        customer_id=st.none() | IDS,
        order_id=st.none() | IDS,
    )
