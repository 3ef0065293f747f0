"""Paying orders as an app does it (SPEC PAY-1 … PAY-6).

The payment token is asked here only, by :meth:`PaymentService.pay`: it is payment data
(PAY-2), never part of the checkout form the order is placed with. Order status follows
the payments through one sync, whatever path moved them (decision 0004).
"""

from __future__ import annotations

import attrs

from klickit_core.application.parts import ShopParts
from klickit_core.checkout import services
from klickit_core.orders.domain import Order
from klickit_core.shared.actors import Actor

__all__ = ["PaymentService"]


@attrs.frozen
class PaymentService:
    """``shop.payments``: pay, review held orders, refund, gateway notifications."""

    _parts: ShopParts

    def pay(self, actor: Actor, order_id: str, token: str) -> Order:
        """Screen and pay a pending order with the token the provider's widget returned
        (PAY-3, PAY-6): allowed, it is charged; to review, authorized only and held for
        staff; denied, it fails and its stock comes back. A declined card fails the order
        (not an error). After a timeout call again with the same token: the stored
        idempotency key prevents a second charge. An order no longer pending is returned
        as it is to its own customer only (a guest finds it with ``shop.orders.lookup_guest``,
        staff with ``shop.orders.get``, which is logged). A staff member paying a guest's
        pending order is written to the access log (``orders.pay``).

        Raises:
            ValidationError: ``token`` cannot be a provider's token (missing, malformed, or
                card digits): nothing is read, written or sent (PAY-2).
            OrderNotFoundError: no such order, or ``actor`` may not pay it (not told apart).
            NoPaymentError: the order has no pending payment.
            GatewayTimeoutError: the gateway did not answer; the order stays pending.
            GatewayRejectedError: the gateway refused the call itself.
        """
        parts = self._parts
        return services.pay_order(
            parts.unit_of_work(),
            parts.clock,
            parts.ids,
            parts.gateway,
            parts.fraud,
            actor,
            order_id,
            token,
        )

    def approve_held(self, actor: Actor, order_id: str) -> Order:
        """Release an order held for review: its authorized payment is captured (staff,
        logged as ``orders.approve``).

        Raises:
            PermissionDeniedError: ``actor`` may not manage orders.
            OrderNotFoundError: no order has this id.
            NoPaymentError: the order has no authorized payment to capture.
            GatewayTimeoutError: the gateway did not answer; call again.
        """
        parts = self._parts
        return services.approve_held_order(
            parts.unit_of_work(), parts.clock, parts.ids, parts.gateway, actor, order_id
        )

    def reject_held(self, actor: Actor, order_id: str, reason: str = "") -> Order:
        """Turn down an order held for review: the card authorization is voided and the
        order cancelled, its stock given back (staff, logged as ``orders.reject``).
        Rejecting it again changes nothing.

        Raises:
            PermissionDeniedError: ``actor`` may not manage orders.
            ValidationError: ``reason`` holds control characters or a card number.
            OrderNotFoundError: no order has this id.
            GatewayTimeoutError: the gateway did not answer; call again.
        """
        parts = self._parts
        return services.reject_held_order(
            parts.unit_of_work(), parts.clock, parts.ids, parts.gateway, actor, order_id, reason
        )

    def refund(self, actor: Actor, order_id: str, amount_minor: int) -> Order:
        """Refund part or all of a paid order, in minor units (staff, logged as
        ``orders.refund``); never more than was paid.

        Raises:
            PermissionDeniedError: ``actor`` may not refund orders.
            OrderNotFoundError: no order has this id.
            NoPaymentError: nothing was paid, or all of it was refunded.
            PaymentAmountError: ``amount_minor`` is not positive or above what is left.
            RefundInProgressError: another refund of this order is still pending.
            GatewayTimeoutError: the gateway did not answer; call again (same amount).
        """
        parts = self._parts
        return services.refund_order(
            parts.unit_of_work(),
            parts.clock,
            parts.ids,
            parts.gateway,
            actor,
            order_id,
            amount_minor,
        )

    def handle_webhook(self, header: str, raw_body: bytes) -> Order | None:
        """Verify and apply a gateway notification, then bring its order in line (PAY-4).
        Returns the order, or ``None`` when the event changed nothing (a duplicate, a
        stale event). Answer the gateway 400 for an invalid one, 2xx otherwise.

        Raises:
            InvalidWebhookError: bad signature, stale or malformed (nothing applied).
            PaymentNotFoundError: the event names no known payment.
            WebhookOutOfOrderError: the event came before the one it follows; the gateway
                delivers it again.
        """
        parts = self._parts
        return services.handle_webhook(
            parts.unit_of_work(),
            parts.clock,
            parts.ids,
            parts.webhook_verifier,
            header,
            raw_body,
        )

    def sync(self, actor: Actor, order_id: str) -> Order:
        """Bring an order in line with its payments, forwards only; idempotent (staff,
        logged as ``orders.sync``).

        Raises:
            PermissionDeniedError: ``actor`` may not manage orders.
            OrderNotFoundError: no order has this id.
        """
        parts = self._parts
        return services.sync_order(parts.unit_of_work(), parts.clock, parts.ids, actor, order_id)
