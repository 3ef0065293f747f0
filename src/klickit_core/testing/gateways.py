"""A payment gateway that remembers what it was sent (PAY-1).

The policy lists what the payment gateway receives; :class:`~klickit_core.payments.domain.
PaymentRequest` is that list as a type. A type only says *which* fields go out, not *what*
the checkout puts in them: the client IP copied into ``state`` would still be a valid
request. :class:`RecordingGateway` wraps a real gateway (the sandbox, usually) and keeps
every request it receives, so a test can assert the exact values sent.
"""

from __future__ import annotations

import threading

import attrs

from klickit_core.payments.domain import GatewayResult, PaymentRequest
from klickit_core.payments.ports import PaymentGateway

__all__ = ["RecordedRequest", "RecordingGateway"]


@attrs.frozen(slots=True)
class RecordedRequest:
    """One request as the gateway received it: ``call`` is ``"charge"`` or
    ``"authorize"``. The token and idempotency key are kept so that a test can check a
    retry sends the same ones; the request's personal fields stay out of ``repr``."""

    call: str
    request: PaymentRequest
    token: str = attrs.field(repr=False)
    idempotency_key: str = attrs.field(repr=False)


class RecordingGateway(PaymentGateway):
    """Forwards every call to ``inner`` and records each :class:`PaymentRequest`.

    Only ``charge`` and ``authorize`` carry a request (personal data); the other calls
    carry a reference and an amount and are forwarded as they are. Recording happens
    before forwarding, so a call that times out or is refused is recorded too: it was
    sent. Thread-safe, like the sandbox.
    """

    def __init__(self, inner: PaymentGateway) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self._recorded: list[RecordedRequest] = []

    def __repr__(self) -> str:
        return f"RecordingGateway({self._inner!r}, recorded={len(self.recorded)})"

    @property
    def inner(self) -> PaymentGateway:
        """The wrapped gateway (for its own helpers, e.g. the sandbox's ``tokenize``)."""
        return self._inner

    @property
    def recorded(self) -> tuple[RecordedRequest, ...]:
        """Every request received, oldest first."""
        with self._lock:
            return tuple(self._recorded)

    @property
    def requests(self) -> tuple[PaymentRequest, ...]:
        """The payment requests received, oldest first."""
        return tuple(entry.request for entry in self.recorded)

    def clear(self) -> None:
        """Forget what was recorded so far."""
        with self._lock:
            self._recorded.clear()

    def _record(self, call: str, request: PaymentRequest, token: str, key: str) -> None:
        with self._lock:
            self._recorded.append(RecordedRequest(call, request, token, key))

    @property
    def provider_id(self) -> str:
        return self._inner.provider_id

    def charge(self, request: PaymentRequest, token: str, idempotency_key: str) -> GatewayResult:
        self._record("charge", request, token, idempotency_key)
        return self._inner.charge(request, token, idempotency_key)

    def authorize(self, request: PaymentRequest, token: str, idempotency_key: str) -> GatewayResult:
        self._record("authorize", request, token, idempotency_key)
        return self._inner.authorize(request, token, idempotency_key)

    def capture(
        self, reference: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        return self._inner.capture(reference, amount_minor, currency, idempotency_key)

    def refund(
        self, reference: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        return self._inner.refund(reference, amount_minor, currency, idempotency_key)

    def void(self, reference: str, idempotency_key: str) -> GatewayResult:
        return self._inner.void(reference, idempotency_key)

    def status(self, reference: str) -> GatewayResult:
        return self._inner.status(reference)
