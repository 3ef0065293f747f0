"""PAY-2, CHK-1 (decision 0014): the payment token is asked once, when the order is paid,
and checked before anything is read, written or sent."""

from __future__ import annotations

import pytest

from klickit_core.payments.tokens import MAX_PAYMENT_TOKEN_LENGTH, check_payment_token
from klickit_core.shared.errors import ValidationError


@pytest.mark.parametrize(
    ("token", "code"),
    [
        ("", "payment.token_required"),
        ("   ", "payment.token_required"),
        (None, "payment.token_required"),
        (42, "payment.token_required"),
        ("tok 123", "payment.token_invalid"),
        ("tok_<script>", "payment.token_invalid"),
        ("tok/../../etc", "payment.token_invalid"),
        ("tok_\ud800", "payment.token_invalid"),
        ("t" * (MAX_PAYMENT_TOKEN_LENGTH + 1), "payment.token_invalid"),
        ("t" * 10_000, "payment.token_invalid"),
        ("tok_4242424242424242", "text.card_number"),
    ],
)
def test_bad_payment_token(token: object, code: str) -> None:
    """PAY-2: a provider token, required, URL-safe, bounded, never card digits."""
    with pytest.raises(ValidationError) as caught:
        check_payment_token(token)
    assert caught.value.codes == {"payment_token": code}


def test_payment_token_limits() -> None:
    """PAY-2: the longest token and every unreserved character are accepted, trimmed."""
    token = ("Az09._~-" * 25)[:MAX_PAYMENT_TOKEN_LENGTH]
    assert check_payment_token(f" {token} ") == token
