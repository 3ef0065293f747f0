"""X-2, PAY-1 (issue 14): every payment status has a public, translated label, in French
and English, from the top-level package; the labels name the payment, so they read right
beside an order's status and agree with *paiement* in French."""

from __future__ import annotations

import pytest

import klickit_core
from klickit_core import PaymentStatus, order_status_label, payment_status_label
from klickit_core.orders.domain import OrderStatus
from klickit_core.payments.labels import UnknownPaymentStatusError
from klickit_core.shared.locales import UnsupportedLocaleError

LABELS = {
    PaymentStatus.PENDING: ("Paiement en attente", "Payment pending"),
    PaymentStatus.AUTHORIZED: ("Paiement autorisé", "Payment authorized"),
    PaymentStatus.CAPTURED: ("Paiement encaissé", "Payment captured"),
    PaymentStatus.PARTIALLY_REFUNDED: (
        "Paiement partiellement remboursé",
        "Payment partially refunded",
    ),
    PaymentStatus.REFUNDED: ("Paiement remboursé", "Payment refunded"),
    PaymentStatus.FAILED: ("Paiement échoué", "Payment failed"),
    PaymentStatus.VOIDED: ("Paiement annulé", "Payment voided"),
}


def test_every_status_has_a_label_in_both_languages() -> None:
    """X-2: one label per status, none missing, in every form of each language."""
    assert set(LABELS) == set(PaymentStatus)
    assert "payment_status_label" in klickit_core.__all__
    for status, (french, english) in LABELS.items():
        assert payment_status_label(status) == french
        for form in ("fr", "fr_FR", "fr-FR"):
            assert payment_status_label(status, form) == french
        for form in ("en", "en_GB", "en-GB"):
            assert payment_status_label(status, form) == english
        assert payment_status_label(status.value, "en") == english  # the stored value


def test_a_refunded_payment_and_a_refunded_order_read_apart() -> None:
    """X-2: the same English word would need two French genders; each label says what
    it is about."""
    assert payment_status_label(PaymentStatus.REFUNDED) == "Paiement remboursé"
    assert order_status_label(OrderStatus.REFUNDED) == "Remboursée"


@pytest.mark.parametrize("status", ["settled", "", "CAPTURED", None])
def test_an_unknown_status_is_a_typed_error(status: object) -> None:
    with pytest.raises(UnknownPaymentStatusError) as refused:
        payment_status_label(status)  # type: ignore[arg-type]
    shown = status if isinstance(status, str) else type(status).__name__
    assert refused.value.details == {"status": shown}


def test_an_unsupported_locale_is_refused() -> None:
    with pytest.raises(UnsupportedLocaleError):
        payment_status_label(PaymentStatus.CAPTURED, "en_US")
