"""Payment gateway adapters: implementations of the payments context's ``PaymentGateway``.

Only the sandbox ships today (PAY-5); a real provider's adapter goes beside it, one module
per provider, and receives nothing but a ``PaymentRequest`` (PAY-1).
"""

from __future__ import annotations

from klickit_core.adapters.gateways.sandbox import (
    TEST_CARDS,
    SandboxCardError,
    SandboxGateway,
    WebhookDelivery,
)

__all__ = ["TEST_CARDS", "SandboxCardError", "SandboxGateway", "WebhookDelivery"]
