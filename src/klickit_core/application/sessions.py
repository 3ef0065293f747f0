"""Visitor sessions as an app uses them (SPEC SES-1, CAT-3; the actor a session stands
for, X-6).

A session expires after :attr:`SessionService.idle_timeout` without activity (48 hours
by default, :data:`~klickit_core.sessions.domain.DEFAULT_IDLE_TIMEOUT`); the retention
sweep removes it later (``sessions.visitor``).
"""

from __future__ import annotations

from datetime import timedelta

import attrs

from klickit_core.application.parts import ShopParts
from klickit_core.catalogue.domain import Product
from klickit_core.sessions import services
from klickit_core.sessions.domain import DEFAULT_IDLE_TIMEOUT, Location, VisitorSession
from klickit_core.shared.actors import Actor
from klickit_core.shared.addresses import PostalAddress

__all__ = ["SessionService"]


@attrs.frozen
class SessionService:
    """``shop.sessions``: a visit, what it viewed and typed, and who signed in to it."""

    _parts: ShopParts
    #: How long a session lives without activity.
    idle_timeout: timedelta = DEFAULT_IDLE_TIMEOUT

    def start(
        self,
        *,
        ip_address: str | None = None,
        browser: str | None = None,
        location: Location | None = None,
    ) -> VisitorSession:
        """Open a session for a new visit; keep its ``id`` in the app's session cookie.

        Raises:
            InvalidSessionDataError: ``ip_address``, ``browser`` or ``location`` is not
                valid (too long, control characters).
        """
        parts = self._parts
        return services.start_session(
            parts.unit_of_work(),
            parts.clock,
            parts.ids,
            ip_address=ip_address,
            browser=browser,
            location=location,
        )

    def record_view(self, session_id: str, sku: str) -> VisitorSession:
        """Remember that the visitor viewed a published product (CAT-3).

        Raises:
            SessionNotFoundError: no session has this id.
            SessionExpiredError: the session has been idle too long; start a new one.
            ProductNotFoundError: no published product has this SKU.
        """
        parts = self._parts
        return services.record_product_view(
            parts.unit_of_work(), parts.clock, session_id, sku, self.idle_timeout
        )

    def remember_shipping_address(self, session_id: str, address: PostalAddress) -> VisitorSession:
        """Keep the address typed for a shipping estimate, to prefill checkout (SES-1).

        Raises:
            ValidationError: the address holds control characters or a card number.
            SessionNotFoundError: no session has this id.
            SessionExpiredError: the session has been idle too long.
        """
        parts = self._parts
        return services.remember_shipping_address(
            parts.unit_of_work(), parts.clock, session_id, address, self.idle_timeout
        )

    def recently_viewed(self, session_id: str) -> list[Product]:
        """The products the visitor viewed that are still on sale, newest first (CAT-3).

        Raises:
            SessionNotFoundError: no session has this id.
            SessionExpiredError: the session has been idle too long.
        """
        parts = self._parts
        return services.recently_viewed_products(
            parts.unit_of_work(), parts.clock, session_id, self.idle_timeout
        )

    def sign_in(self, session_id: str, actor: Actor) -> VisitorSession:
        """Mark the session as signed in by ``actor``, the customer a login verified.

        Raises:
            PermissionDeniedError: ``actor`` is not a customer.
            SessionNotFoundError: no session has this id.
            SessionExpiredError: the session has been idle too long.
        """
        parts = self._parts
        return services.sign_in_session(
            parts.unit_of_work(), parts.clock, session_id, actor, self.idle_timeout
        )

    def actor(self, session_id: str) -> Actor:
        """Who the session stands for: its customer once signed in, else an anonymous
        visitor (also for an unknown or expired session).

        Raises:
            DatabaseUnavailableError: the shop's SQL database cannot be reached.
        """
        parts = self._parts
        return services.session_actor(
            parts.unit_of_work(), parts.clock, session_id, self.idle_timeout
        )

    def end(self, session_id: str) -> None:
        """Forget the session now (logout).

        Raises:
            DatabaseUnavailableError: the shop's SQL database cannot be reached.
        """
        services.end_session(self._parts.unit_of_work(), session_id)
