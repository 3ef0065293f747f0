"""The payment token: what the provider's widget gives the shop instead of card data.

Asked once, by :meth:`~klickit_core.application.payments.PaymentService.pay` (decision
0014): the checkout form holds what the shopper typed, the token is payment data (PAY-2).
It is checked before anything is written or sent: a token is an opaque identifier, never
card digits, whatever the widget or a tampering client sends.
"""

from __future__ import annotations

import re

from klickit_core.shared.errors import FieldError, ValidationError
from klickit_core.shared.i18n import N_
from klickit_core.shared.text import free_text_error

__all__ = ["MAX_PAYMENT_TOKEN_LENGTH", "check_payment_token"]

#: Longer than any provider's token; longer input is refused before it is read.
MAX_PAYMENT_TOKEN_LENGTH = 200
#: RFC 3986 "unreserved" characters: a token that needs no escaping in a URL or a header.
_PAYMENT_TOKEN = re.compile(r"[A-Za-z0-9._~-]+")
_PATH = ("payment_token",)
_TOKEN_REQUIRED = N_("Choose a payment method.")
_TOKEN_INVALID = N_("The payment details could not be read; please try again.")


def check_payment_token(value: object) -> str:
    """``value`` trimmed, if it can be a provider's token; else a :class:`ValidationError`
    on ``payment_token`` (``payment.token_required``, ``payment.token_invalid``, or the
    card-number code when digits of a card were typed or injected)."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError([FieldError(_PATH, "payment.token_required", _TOKEN_REQUIRED)])
    token = value.strip()
    if len(token) > MAX_PAYMENT_TOKEN_LENGTH or _PAYMENT_TOKEN.fullmatch(token) is None:
        raise ValidationError([FieldError(_PATH, "payment.token_invalid", _TOKEN_INVALID)])
    problem = free_text_error(token, _PATH)  # card data never reaches the gateway
    if problem is not None:
        raise ValidationError([problem])
    return token
