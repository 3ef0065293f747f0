"""Strategies for customer accounts (CHK-3) and their activity records (PRV-1)."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import strategies as st

from klickit_core.accounts.domain import AccountActivity, Customer
from klickit_core.shared.addresses import PostalAddress
from klickit_core.testing.strategies._common import (
    EMAILS,
    IDS,
    LATEST_START,
    NAMES,
    PHONES,
    STEP,
    aware_datetimes,
)
from klickit_core.testing.strategies.kernel import addresses

__all__ = [
    "account_activities",
    "customers",
]


#: Usernames checkout accepts: letters, digits and ``. _ - @`` (3 to 60; 30 at most here).
_USERNAMES = st.from_regex(r"[A-Za-z0-9._@-]{3,30}", fullmatch=True)


def customers() -> st.SearchStrategy[Customer]:
    """Customer accounts (CHK-3): normalised email, E.164 phone or none, addresses or none,
    ``updated_at`` not before ``created_at``."""

    def build(
        customer_id: str,
        email: str,
        first_name: str,
        last_name: str,
        created: datetime,
        age: timedelta,
        phone: str | None,
        billing: PostalAddress | None,
        shipping: PostalAddress | None,
        username: str | None,
    ) -> Customer:
        return Customer(
            id=customer_id,
            email=email,
            first_name=first_name,
            last_name=last_name,
            created_at=created,
            updated_at=created + age,
            phone=phone,
            billing_address=billing,
            shipping_address=shipping,
            username=username,
        )

    return st.builds(
        build,
        IDS,
        EMAILS,
        NAMES,
        NAMES,
        aware_datetimes(max_value=LATEST_START),
        st.just(timedelta(0)) | STEP,
        st.none() | PHONES,
        st.none() | addresses(),
        st.none() | addresses(),
        st.none() | _USERNAMES,
    )


def account_activities() -> st.SearchStrategy[AccountActivity]:
    """Activity records of accounts (PRV-1, ``accounts.inactive``): a swept login time and
    an inactivity notice, each maybe absent."""
    moments = st.none() | aware_datetimes()
    return st.builds(AccountActivity, IDS, moments, moments)
