"""What a payment's status is called, for the people who read it (SPEC X-2, PAY-1).

The labels name the payment (``"Paiement encaissé"``), so that they read right beside
an order's own status, and in French agree with *paiement* rather than *commande*.
"""

from __future__ import annotations

from klickit_core.payments.domain import PaymentStatus
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_
from klickit_core.shared.labels import status_label

__all__ = ["PAYMENT_STATUS_LABELS", "UnknownPaymentStatusError", "payment_status_label"]

_S = PaymentStatus
#: The label of each status, an English msgid (X-2).
PAYMENT_STATUS_LABELS: dict[PaymentStatus, str] = {
    _S.PENDING: N_("Payment pending"),
    _S.AUTHORIZED: N_("Payment authorized"),
    _S.CAPTURED: N_("Payment captured"),
    _S.PARTIALLY_REFUNDED: N_("Payment partially refunded"),
    _S.REFUNDED: N_("Payment refunded"),
    _S.FAILED: N_("Payment failed"),
    _S.VOIDED: N_("Payment voided"),
}


class UnknownPaymentStatusError(KlickitError):
    """Not a payment status (``status``: its first 40 characters)."""

    code = "payments.unknown_status"
    message_template = N_("Unknown status {status}.")


#: The labels by the statuses' values (an enum member is its value too).
_BY_VALUE: dict[str, str] = {str(status): label for status, label in PAYMENT_STATUS_LABELS.items()}


def payment_status_label(status: PaymentStatus | str, locale: str = "fr") -> str:
    """The label of ``status`` in ``locale``: ``"Paiement encaissé"`` /
    ``"Payment captured"``. ``status`` may be the enum or its value (``"captured"``);
    ``locale`` any form :func:`~klickit_core.shared.locales.normalise_locale` accepts.

    Raises:
        UnknownPaymentStatusError: ``status`` is not a payment status.
        UnsupportedLocaleError: ``locale`` is not one the shop speaks.
    """
    return status_label(_BY_VALUE, status, locale, UnknownPaymentStatusError)
