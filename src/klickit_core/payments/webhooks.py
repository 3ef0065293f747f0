"""Verifying gateway notifications (SPEC PAY-4).

A webhook is an HTTP request anyone can send, so nothing in it is believed before its
signature is checked. The format is the one most gateways use (Stripe's):

* header ``t=<unix seconds>,v1=<hex HMAC-SHA256>``; several ``v1`` may be present, so a
  gateway rotating its secret can sign with the old and the new one at once;
* signature = ``HMAC-SHA256(secret, f"{t}.".encode() + raw_body)``, over the *raw* bytes
  (re-serialised JSON would not match), compared in constant time against every secret
  the shop accepts (rotation on the shop's side);
* the timestamp must be within ``tolerance`` of now, in **both** directions: an old one is
  a replay, a future one a forged or badly skewed sender;
* the body is then parsed strictly into a :class:`~klickit_core.payments.domain.WebhookEvent`.

Every refusal is one :class:`InvalidWebhookError` whose ``reason`` (``malformed_header``,
``stale``, ``future``, ``signature``, ``body``) is safe to log: it never holds the header,
the body or any personal data. The signature is checked before the timestamp, so a
``stale`` or ``future`` reason is only ever reported for an authentic message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from klickit_core.payments.domain import InvalidPaymentDataError, PaymentStatus, WebhookEvent
from klickit_core.shared.clock import ensure_utc
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_

__all__ = [
    "InvalidWebhookError",
    "InvalidWebhookSecretError",
    "WebhookVerifier",
    "encode_webhook_body",
    "sign_webhook",
]

_MIN_SECRET_BYTES = 32
_MAX_HEADER = 2048
_MAX_BODY = 64 * 1024
_MAX_SIGNATURES = 8
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
_SCHEME = re.compile(r"[a-z][a-z0-9]{0,7}")
_EVENT_KEYS = frozenset({"id", "type", "created", "data"})
_DATA_REQUIRED = frozenset({"payment_id", "reference", "status", "amount_minor", "currency"})
_DATA_OPTIONAL = frozenset({"failure_code"})


class InvalidWebhookError(KlickitError):
    """A notification was refused; the app answers 400 and applies nothing.

    ``reason`` (also in ``details``) is one of ``malformed_header``, ``stale``, ``future``,
    ``signature``, ``body``.
    """

    code = "payments.invalid_webhook"
    message_template = N_("The payment notification was refused ({reason}).")

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason=reason)


class InvalidWebhookSecretError(KlickitError):
    """The verifier was configured without a secret, or with one that is too short."""

    code = "payments.invalid_webhook_secret"
    message_template = N_("Invalid webhook secret ({reason}).")

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason=reason)


def _unix(timestamp: datetime | int) -> int:
    if isinstance(timestamp, datetime):
        return int(ensure_utc(timestamp).timestamp())
    if type(timestamp) is not int or timestamp < 0:
        raise InvalidWebhookError("malformed_header")
    return timestamp


def _mac(secret: bytes, timestamp: int, raw_body: bytes) -> str:
    return hmac.new(secret, f"{timestamp}.".encode() + raw_body, hashlib.sha256).hexdigest()


def sign_webhook(secret: bytes, raw_body: bytes, timestamp: datetime | int) -> str:
    """The signature header for ``raw_body`` sent at ``timestamp``: ``t=…,v1=…``.

    Used by the sandbox gateway and by tests; a real gateway signs on its side.
    """
    unix = _unix(timestamp)
    return f"t={unix},v1={_mac(secret, unix, raw_body)}"


def encode_webhook_body(event: WebhookEvent) -> bytes:
    """``event`` as the JSON body the verifier parses (compact, keys in a stable order)."""
    data: dict[str, object] = {
        "payment_id": event.payment_id,
        "reference": event.gateway_reference,
        "status": str(event.status),
        "amount_minor": event.amount_minor,
        "currency": event.currency,
    }
    if event.failure_code is not None:
        data["failure_code"] = event.failure_code
    body = {
        "id": event.id,
        "type": event.type,
        "created": int(event.created_at.timestamp()),
        "data": data,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _parse_header(header: object) -> tuple[int, list[str]]:
    if not isinstance(header, str) or not header or len(header) > _MAX_HEADER:
        raise InvalidWebhookError("malformed_header")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep or _SCHEME.fullmatch(key) is None:
            raise InvalidWebhookError("malformed_header")
        if key == "t":
            if timestamp is not None or _TIMESTAMP.fullmatch(value) is None:
                raise InvalidWebhookError("malformed_header")
            timestamp = int(value)
        elif key == "v1":
            if _SIGNATURE.fullmatch(value) is None:
                raise InvalidWebhookError("malformed_header")
            signatures.append(value)
        # Other schemes (``v0``…) are ignored, as gateways document, so a new scheme can be
        # introduced without breaking shops.
    if timestamp is None or not signatures or len(signatures) > _MAX_SIGNATURES:
        raise InvalidWebhookError("malformed_header")
    return timestamp, signatures


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError("duplicate key")
        result[key] = value
    return result


def _refuse_constant(_name: str) -> Any:
    raise ValueError("non-standard JSON constant")


def _is_int(value: object) -> bool:
    return type(value) is int


def _parse_body(raw_body: bytes) -> WebhookEvent:
    try:
        text = raw_body.decode("utf-8")
        document = json.loads(
            text, object_pairs_hook=_no_duplicate_keys, parse_constant=_refuse_constant
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidWebhookError("body") from None
    if not isinstance(document, dict) or set(document) != _EVENT_KEYS:
        raise InvalidWebhookError("body")
    data = document["data"]
    if not isinstance(data, dict):
        raise InvalidWebhookError("body")
    keys = set(data)
    if not keys >= _DATA_REQUIRED or not keys <= _DATA_REQUIRED | _DATA_OPTIONAL:
        raise InvalidWebhookError("body")
    created = document["created"]
    amount = data["amount_minor"]
    if not _is_int(created) or not 0 <= created < 10**12 or not _is_int(amount):
        raise InvalidWebhookError("body")
    try:
        status = PaymentStatus(data["status"])
        return WebhookEvent(
            id=document["id"],
            type=document["type"],
            payment_id=data["payment_id"],
            gateway_reference=data["reference"],
            status=status,
            amount_minor=amount,
            currency=data["currency"],
            created_at=datetime.fromtimestamp(created, UTC),
            failure_code=data.get("failure_code"),
        )
    except (ValueError, TypeError, OverflowError, OSError, InvalidPaymentDataError):
        raise InvalidWebhookError("body") from None


def _is_bytes(value: object) -> bool:
    return isinstance(value, bytes)


def _checked_secrets(secrets: object) -> tuple[bytes, ...]:
    """The secrets as a tuple; a lone ``bytes`` (an easy slip) is refused, not iterated."""
    if not isinstance(secrets, list | tuple) or not secrets:
        raise InvalidWebhookSecretError("no_secret")
    checked: list[bytes] = []
    for secret in secrets:
        if not isinstance(secret, bytes) or len(secret) < _MIN_SECRET_BYTES:
            raise InvalidWebhookSecretError("too_short")
        checked.append(secret)
    return tuple(checked)


class WebhookVerifier:
    """Checks a notification's signature and age, then parses it (PAY-4).

    ``secrets`` are the signing secrets the shop accepts (at least 32 bytes each); list the
    new one first when rotating and drop the old one once the gateway stopped using it.
    """

    def __init__(
        self, secrets: Sequence[bytes], tolerance: timedelta = timedelta(minutes=5)
    ) -> None:
        self._secrets = _checked_secrets(secrets)
        if tolerance <= timedelta(0):
            raise InvalidWebhookSecretError("tolerance")
        self._tolerance = tolerance

    def __repr__(self) -> str:
        return (
            f"WebhookVerifier(secrets=<{len(self._secrets)} hidden>, tolerance={self._tolerance!r})"
        )

    def verify(self, header: str, raw_body: bytes, now: datetime) -> WebhookEvent:
        """The event in ``raw_body`` if ``header`` proves it authentic and fresh at ``now``.

        Raises :class:`InvalidWebhookError` otherwise; nothing else escapes.
        """
        moment = ensure_utc(now)
        timestamp, signatures = _parse_header(header)
        if not _is_bytes(raw_body) or len(raw_body) > _MAX_BODY:
            raise InvalidWebhookError("body")
        expected = [_mac(secret, timestamp, raw_body) for secret in self._secrets]
        matched = False
        for candidate in signatures:
            for mac in expected:
                # Every pair is compared, so timing does not tell which one matched.
                matched |= hmac.compare_digest(mac, candidate)
        if not matched:
            raise InvalidWebhookError("signature")
        try:
            sent = datetime.fromtimestamp(timestamp, UTC)
        except (ValueError, OverflowError, OSError):
            raise InvalidWebhookError("future") from None  # beyond year 9999
        if moment - sent > self._tolerance:
            raise InvalidWebhookError("stale")
        if sent - moment > self._tolerance:
            raise InvalidWebhookError("future")
        return _parse_body(raw_body)
