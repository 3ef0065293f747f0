"""``shop.payments`` (PAY-2, PAY-3, PAY-4): the token asked once, by ``pay``; a declined
card, a refund, and a notification refused or applied, through the service."""

from __future__ import annotations

import pytest

from klickit_core.application.parts import ShopParts
from klickit_core.application.payments import PaymentService
from klickit_core.orders.domain import OrderStatus
from klickit_core.orders.ports import OrderNotFoundError
from klickit_core.payments.webhooks import InvalidWebhookError
from klickit_core.shared.actors import Actor, Role

from .conftest import DECLINE_CARD, card_token, guest_order

ADMIN = Actor("staff-1", Role.ADMINISTRATOR)


def test_pay_refund_and_sync(shop_parts: ShopParts) -> None:
    """PAY-3: paid with the token, then refunded in part by staff; the order follows."""
    placed = guest_order(shop_parts)
    payments = PaymentService(shop_parts)
    paid = payments.pay(Actor.visitor(), placed.order.id, card_token(shop_parts))
    assert (paid.status, paid.paid_minor) == (OrderStatus.PROCESSING, placed.order.total_minor)
    refunded = payments.refund(ADMIN, placed.order.id, 500)
    assert (refunded.status, refunded.refunded_minor) == (OrderStatus.PARTIALLY_REFUNDED, 500)
    assert payments.sync(ADMIN, placed.order.id) == refunded


def test_a_declined_card_fails_the_order(shop_parts: ShopParts) -> None:
    """PAY-3: a decline is an outcome, not an error; the stock comes back."""
    placed = guest_order(shop_parts)
    failed = PaymentService(shop_parts).pay(
        Actor.visitor(), placed.order.id, card_token(shop_parts, DECLINE_CARD)
    )
    assert failed.status is OrderStatus.FAILED
    with shop_parts.unit_of_work() as uow:
        mug = uow.products.get("MUG")
        assert mug is not None
        assert mug.stock == 5


def test_a_customers_order_is_not_paid_by_someone_else(shop_parts: ShopParts) -> None:
    """X-6: an unknown order id is not found, whatever the token."""
    with pytest.raises(OrderNotFoundError):
        PaymentService(shop_parts).pay(Actor.visitor(), "nope", card_token(shop_parts))


def test_a_notification_with_a_bad_signature_is_refused(shop_parts: ShopParts) -> None:
    """PAY-4: nothing applied, a typed error the app answers 400 to."""
    with pytest.raises(InvalidWebhookError):
        PaymentService(shop_parts).handle_webhook("t=1,v1=00", b"{}")
