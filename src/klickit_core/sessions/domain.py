"""The visitor session (SPEC SES-1, CAT-3).

The policy lists what a session holds: the products viewed ("pour afficher des produits
que vous avez récemment vu"), location, IP address and browser type ("pour vous éviter de
ressaisir vos informations d'adresse"), and the shipping address typed for an estimate.
That is personal data, so a session records when it was last active: its retention clock
starts there, not at creation (SPEC PRV-1), and :meth:`VisitorSession.is_idle` tells
whether it has expired.

The session stores the browser *type* (family and major version, e.g. ``"Firefox 132"``),
not the raw User-Agent string, which carries far more than the stated purpose needs.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta

import attrs

from klickit_core.catalogue.domain import is_valid_sku
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_

__all__ = [
    "DEFAULT_IDLE_TIMEOUT",
    "RECENTLY_VIEWED_LIMIT",
    "InvalidSessionDataError",
    "Location",
    "VisitorSession",
    "normalise_ip",
]

#: CAT-3: how many recently viewed products a session remembers.
RECENTLY_VIEWED_LIMIT = 12
#: A session idle for this long has expired; the retention sweep removes it later.
DEFAULT_IDLE_TIMEOUT = timedelta(hours=48)
_MAX_BROWSER = 64
_MAX_PLACE = 100


class InvalidSessionDataError(KlickitError):
    """A session field is malformed (IP address, browser type, location)."""

    code = "session.invalid_data"
    message_template = N_("Invalid session data ({field}).")


def normalise_ip(value: str) -> str:
    """The canonical text of an IPv4 or IPv6 address (``::ffff:1.2.3.4`` → ``1.2.3.4``)."""
    if not isinstance(value, str):
        raise InvalidSessionDataError(field="ip_address")
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        raise InvalidSessionDataError(field="ip_address") from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


@attrs.frozen(slots=True)
class Location:
    """Where the visitor seems to be, as the app's geolocation found it."""

    country: str | None = None
    region: str | None = None
    city: str | None = None

    def __attrs_post_init__(self) -> None:
        for name in ("country", "region", "city"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or len(value) > _MAX_PLACE):
                raise InvalidSessionDataError(field=f"location.{name}")


@attrs.frozen(slots=True)
class VisitorSession:
    """What the shop remembers about one visit."""

    id: str
    started_at: datetime
    last_activity_at: datetime
    recently_viewed: tuple[str, ...] = ()
    ip_address: str | None = attrs.field(default=None, repr=False)
    browser: str | None = None
    location: Location | None = attrs.field(default=None, repr=False)
    shipping_address: PostalAddress | None = attrs.field(default=None, repr=False)
    customer_id: str | None = None

    def __attrs_post_init__(self) -> None:
        browser: object = self.browser
        if browser is not None and (not isinstance(browser, str) or len(browser) > _MAX_BROWSER):
            raise InvalidSessionDataError(field="browser")
        if len(self.recently_viewed) > RECENTLY_VIEWED_LIMIT or not all(
            is_valid_sku(sku) for sku in self.recently_viewed
        ):
            raise InvalidSessionDataError(field="recently_viewed")

    def touched(self, at: datetime) -> VisitorSession:
        """The session after activity at ``at`` (the clock never goes backwards)."""
        return attrs.evolve(self, last_activity_at=max(at, self.last_activity_at))

    def viewed(self, sku: str, at: datetime, limit: int = RECENTLY_VIEWED_LIMIT) -> VisitorSession:
        """``sku`` moved to the front of the recently viewed list, deduplicated, bounded."""
        if not is_valid_sku(sku):
            raise InvalidSessionDataError(field="recently_viewed")
        bound = max(1, min(limit, RECENTLY_VIEWED_LIMIT))
        recent = (sku, *(s for s in self.recently_viewed if s != sku))[:bound]
        return attrs.evolve(self, recently_viewed=recent).touched(at)

    def with_shipping_address(self, address: PostalAddress, at: datetime) -> VisitorSession:
        """The session remembering the address typed for a shipping estimate."""
        return attrs.evolve(self, shipping_address=address).touched(at)

    def is_idle(self, now: datetime, timeout: timedelta = DEFAULT_IDLE_TIMEOUT) -> bool:
        """Whether the session has been inactive for ``timeout`` or longer."""
        return now - self.last_activity_at >= timeout
