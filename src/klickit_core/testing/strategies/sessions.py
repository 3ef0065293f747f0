"""Strategies for visitor sessions (SES-1): geolocations and sessions."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import strategies as st

from klickit_core.sessions.domain import RECENTLY_VIEWED_LIMIT, Location, VisitorSession
from klickit_core.shared.addresses import PostalAddress
from klickit_core.testing.strategies._common import aware_datetimes
from klickit_core.testing.strategies.catalogue import skus
from klickit_core.testing.strategies.kernel import addresses

__all__ = [
    "locations",
    "visitor_sessions",
]


def locations() -> st.SearchStrategy[Location]:
    """Geolocations as an app's geo-IP lookup would give them."""
    place = st.none() | st.text(max_size=40)
    return st.builds(Location, country=place, region=place, city=place)


def visitor_sessions() -> st.SearchStrategy[VisitorSession]:
    """Sessions whose last activity is not before their start."""

    def build(
        session_id: str,
        started: datetime,
        idle: int,
        recent: list[str],
        ip: str | None,
        browser: str | None,
        location: Location | None,
        address: PostalAddress | None,
    ) -> VisitorSession:
        return VisitorSession(
            id=session_id,
            started_at=started,
            last_activity_at=started + timedelta(seconds=idle),
            recently_viewed=tuple(recent),
            ip_address=ip,
            browser=browser,
            location=location,
            shipping_address=address,
        )

    return st.builds(
        build,
        st.uuids().map(lambda u: u.hex),
        aware_datetimes(),
        st.integers(0, 10**7),
        st.lists(skus(), max_size=RECENTLY_VIEWED_LIMIT, unique=True),
        st.none() | st.ip_addresses().map(str),
        st.none() | st.sampled_from(["Firefox 132", "Chrome 131", "Safari 18"]),
        st.none() | locations(),
        st.none() | addresses(),
    )
