"""Strategies for values of the shared kernel: postal addresses, actors, and staff reads in
the access log (X-6, SEC-5)."""

from __future__ import annotations

from datetime import datetime

from hypothesis import strategies as st

from klickit_core.shared.access_log import AccessLogEntry
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shipping.presets import EU_COUNTRIES
from klickit_core.testing.strategies._common import IDS, aware_datetimes

__all__ = [
    "access_log_entries",
    "actors",
    "addresses",
]


def addresses(countries: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[PostalAddress]:
    """Addresses with a valid country; other fields are free text (the company often empty,
    as for a private person)."""
    text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=40)
    return st.builds(
        PostalAddress,
        country=countries if countries is not None else st.sampled_from(sorted(EU_COUNTRIES)),
        postcode=st.from_regex(r"[0-9]{5}", fullmatch=True),
        city=text,
        street=st.lists(text, max_size=3).map(tuple),
        region=text,
        company=st.just("") | text,
    )


def actors(roles: st.SearchStrategy[Role] | None = None) -> st.SearchStrategy[Actor]:
    """Actors of any role; customers carry a customer id."""

    def build(role: Role, actor_id: str) -> Actor:
        customer_id = actor_id if role is Role.CUSTOMER else None
        return Actor(id=actor_id, role=role, customer_id=customer_id)

    return st.builds(
        build, roles if roles is not None else st.sampled_from(list(Role)), st.uuids().map(str)
    )


def access_log_entries() -> st.SearchStrategy[AccessLogEntry]:
    """Staff reads of someone else's data (X-6, SEC-5): a shop manager or administrator,
    an action, and an id as subject (``"*"`` for a listing)."""

    def build(
        entry_id: str, actor: Actor, action: str, subject: str, at: datetime
    ) -> AccessLogEntry:
        return AccessLogEntry(
            entry_id,
            actor.id,
            str(actor.role),
            action,
            "*" if action == "orders.list" else subject,
            at,
        )

    return st.builds(
        build,
        IDS,
        actors(st.sampled_from([Role.SHOP_MANAGER, Role.ADMINISTRATOR])),
        st.sampled_from(["customers.read", "orders.read", "orders.list", "support.read"]),
        IDS,
        aware_datetimes(),
    )
