"""Orders as an app uses them: read, list, cancel, complete, support requests, and the
guest's lookup by order number and email (SPEC ORD-1, ORD-2, X-6, SEC-2).

An order that does not exist and one the actor may not see give the same
:class:`~klickit_core.orders.ports.OrderNotFoundError`, so ids cannot be probed; staff
reads are written to the access log.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence

import attrs

from klickit_core.accounts.security import (
    AttemptOutcome,
    InvalidNetworkAddressError,
    LoginAttempt,
    network_key,
)
from klickit_core.application.parts import ShopParts
from klickit_core.orders import services
from klickit_core.orders.domain import Order, OrderStatus, SupportKind, SupportRequest
from klickit_core.shared.actors import Actor
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_

__all__ = ["OrderService", "TooManyLookupsError"]


class TooManyLookupsError(KlickitError):
    """Too many guest order lookups failed from this client's network lately: try again
    later. Raised before the order is looked at, so it says nothing about any order."""

    code = "orders.too_many_lookups"
    message_template = N_("Too many attempts to find an order. Please try again later.")


@attrs.frozen
class OrderService:
    """``shop.orders``: what customers, guests and staff do with orders."""

    _parts: ShopParts

    def get(self, actor: Actor, order_id: str) -> Order:
        """One order, for its customer or for staff (logged as ``orders.read``).

        Raises:
            OrderNotFoundError: no such order, or ``actor`` may not see it (not told apart).
        """
        parts = self._parts
        return services.get_order(parts.unit_of_work(), parts.clock, parts.ids, actor, order_id)

    def lookup_guest(self, order_number: str, email: str, client_ip: str) -> Order:
        """A guest's order, for whoever gives its number and the email it was placed with.

        Every miss (unknown number, wrong or malformed email, an order placed from an
        account, whose customer signs in instead) raises the same error. Misses count
        against ``client_ip``'s network in the login limits' window (SEC-2: same window,
        same per-network limit, the same count as failed logins, since both are guesses):
        past the limit the lookup is refused before any order is read. A found order does
        not count. ``client_ip`` is the client's address as the app sees it (behind a
        proxy, the one the proxy vouches for).

        Raises:
            OrderNotFoundError: no guest order has this number and this email.
            TooManyLookupsError: too many misses from this network lately.
            InvalidNetworkAddressError: ``client_ip`` is not an IP address (the app's bug).
        """
        attempt = self._claim_lookup(client_ip)
        found = services.lookup_guest_order(self._parts.unit_of_work(), order_number, email)
        with self._parts.unit_of_work() as uow:  # a hit withdraws its claim
            uow.serialise(_network_lock(attempt.ip_address or ""))
            uow.login_attempts.settle(attempt, None)
            uow.commit()
        return found

    def _claim_lookup(self, client_ip: str) -> LoginAttempt:
        """Count the network's failures, then record this lookup as one, in one serialised
        step (decision 0012): of any number of lookups at once, only those the limit
        allows go on. A refused lookup is recorded too, as a refused login is."""
        raw: object = client_ip
        network = network_key(client_ip) if isinstance(raw, str) else None
        if network is None:
            raise InvalidNetworkAddressError
        parts = self._parts
        limits = parts.security.login
        with parts.unit_of_work() as uow:
            uow.serialise(_network_lock(network))
            now = parts.clock.now()
            failures = uow.login_attempts.count_failures(now - limits.window, ip_address=network)
            attempt = LoginAttempt(parts.ids.new_id(), now, AttemptOutcome.FAILED, None, network)
            uow.login_attempts.add(attempt)
            uow.commit()
        if failures >= limits.ip_limit:
            raise TooManyLookupsError
        return attempt

    def cancel(self, actor: Actor, order_id: str, reason: str = "") -> Order:
        """Cancel an unpaid order (its customer or staff); its stock comes back (ORD-1).

        Raises:
            OrderNotFoundError: no such order, or ``actor`` may not see it.
            ValidationError: ``reason`` holds control characters or a card number.
            IllegalTransitionError: the order can no longer be cancelled (paid, ended).
        """
        parts = self._parts
        return services.cancel_order(
            parts.unit_of_work(), parts.clock, parts.ids, actor, order_id, reason
        )

    def complete(self, actor: Actor, order_id: str) -> Order:
        """Mark a paid order as delivered (staff, logged); its retention period starts.

        Raises:
            PermissionDeniedError: ``actor`` may not manage orders.
            OrderNotFoundError: no order has this id.
            IllegalTransitionError: the order is not paid (or already ended).
        """
        parts = self._parts
        return services.complete_order(
            parts.unit_of_work(), parts.clock, parts.ids, actor, order_id
        )

    def open_support_request(
        self, actor: Actor, order_id: str, kind: SupportKind, message: str
    ) -> SupportRequest:
        """A request about an order: tracking, refund or complaint (ORD-2).

        Raises:
            ValidationError: every problem with ``kind`` and ``message`` at once.
            OrderNotFoundError: no such order, or ``actor`` may not see it.
        """
        parts = self._parts
        return services.open_support_request(
            parts.unit_of_work(), parts.clock, parts.ids, actor, order_id, kind, message
        )

    def support_requests(self, actor: Actor, order_id: str) -> builtins.list[SupportRequest]:
        """The requests about one order, for its customer or staff (logged).

        Raises:
            OrderNotFoundError: no such order, or ``actor`` may not see it.
        """
        parts = self._parts
        return services.support_requests(
            parts.unit_of_work(), parts.clock, parts.ids, actor, order_id
        )

    def close_support_request(self, actor: Actor, request_id: str) -> SupportRequest:
        """Close a request (staff, logged as ``support.close``); closing it again changes
        nothing.

        Raises:
            PermissionDeniedError: ``actor`` may not handle support requests.
            SupportRequestNotFoundError: no request has this id.
        """
        parts = self._parts
        return services.close_support_request(
            parts.unit_of_work(), parts.clock, actor, request_id, ids=parts.ids
        )

    def list(
        self,
        actor: Actor,
        *,
        statuses: Sequence[OrderStatus] | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> builtins.list[Order]:
        """Orders: a customer's own, or everyone's for staff (one
        access-log entry per order listed).

        Raises:
            PermissionDeniedError: ``actor`` has no orders to list (a visitor).
        """
        parts = self._parts
        return services.list_orders(
            parts.unit_of_work(),
            parts.clock,
            parts.ids,
            actor,
            statuses=statuses,
            limit=limit,
            offset=offset,
        )


def _network_lock(network: str) -> str:
    """The lock the login limits take on a network's count (decision 0012)."""
    return f"login:network:{network}"
