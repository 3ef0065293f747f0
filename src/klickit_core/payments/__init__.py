"""Payments context: gateway port, payment life cycle, webhooks and fraud rules (PAY-1…PAY-6).

The context never sees a card: the browser hands the card to the gateway, which returns an
opaque token; the domain keeps only that the payment happened, its gateway reference and a
masked summary (brand and last four digits). Order status changes are the checkout
layer's business: these use cases only move the payment.
"""

from __future__ import annotations

__all__: list[str] = []
