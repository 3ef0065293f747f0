"""What every application service is built with: the shop's collaborators, bound once.

:func:`~klickit_core.bootstrap.build_shop` makes one :class:`ShopParts` and hands it to
each service, so a caller passes only what it decides (an actor, a form, a cart, an id);
the clock, the id generator, the gateway, the hasher and the unit of work never appear in
a public signature (decision 0014).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

from klickit_core.accounts.ports import PasswordHasher
from klickit_core.accounts.security import SecuritySettings
from klickit_core.cart.domain import CartCookieCodec, PricingRules
from klickit_core.checkout.services import CheckoutSettings
from klickit_core.payments.fraud import FraudScreen
from klickit_core.payments.ports import PaymentGateway
from klickit_core.payments.webhooks import WebhookVerifier
from klickit_core.privacy.ports import BundleRenderer
from klickit_core.privacy.settings import PrivacySettings
from klickit_core.shared.clock import Clock
from klickit_core.shared.ids import IdGenerator
from klickit_core.shared.mail import Mailer
from klickit_core.shipping.domain import ShippingTable

if TYPE_CHECKING:
    from klickit_core.application.unit_of_work import ShopUnitOfWork
    from klickit_core.privacy.registry import BoundRegistry

__all__ = ["ShopParts"]


@attrs.frozen(kw_only=True)
class ShopParts:
    """The collaborators of one shop; services read them, callers never pass them."""

    unit_of_work: Callable[[], ShopUnitOfWork]
    clock: Clock
    ids: IdGenerator
    mailer: Mailer
    pricing: PricingRules
    shipping: ShippingTable
    cart_cookie: CartCookieCodec
    gateway: PaymentGateway
    webhook_verifier: WebhookVerifier
    fraud: FraudScreen
    hasher: PasswordHasher
    security: SecuritySettings
    privacy: PrivacySettings
    checkout: CheckoutSettings
    registry: BoundRegistry[ShopUnitOfWork]
    renderer: BundleRenderer
