"""X-2, ORD-1 (issue 14): every order status has a public, translated label, in French
and English, from the top-level package, whichever form names the language."""

from __future__ import annotations

import pytest

import klickit_core
from klickit_core import OrderStatus, order_status_label
from klickit_core.orders.labels import UnknownOrderStatusError
from klickit_core.shared.locales import UnsupportedLocaleError

LABELS = {
    OrderStatus.PENDING_PAYMENT: ("En attente de paiement", "Pending payment"),
    OrderStatus.ON_HOLD: ("En attente", "On hold"),
    OrderStatus.PROCESSING: ("En cours", "Processing"),
    OrderStatus.COMPLETED: ("Terminée", "Completed"),
    OrderStatus.PARTIALLY_REFUNDED: ("Partiellement remboursée", "Partially refunded"),
    OrderStatus.REFUNDED: ("Remboursée", "Refunded"),
    OrderStatus.CANCELLED: ("Annulée", "Cancelled"),
    OrderStatus.FAILED: ("Échouée", "Failed"),
}


def test_every_status_has_a_label_in_both_languages() -> None:
    """X-2: one label per status, none missing, French distinct from English."""
    assert set(LABELS) == set(OrderStatus)
    assert "order_status_label" in klickit_core.__all__
    for status, (french, english) in LABELS.items():
        assert order_status_label(status) == french
        for form in ("fr", "fr_FR", "fr-FR"):
            assert order_status_label(status, form) == french
        for form in ("en", "en_GB", "en-GB"):
            assert order_status_label(status, form) == english
        assert order_status_label(status.value, "en") == english  # the stored value


@pytest.mark.parametrize("status", ["shipped", "", "COMPLETED", None, 3])
def test_an_unknown_status_is_a_typed_error(status: object) -> None:
    with pytest.raises(UnknownOrderStatusError) as refused:
        order_status_label(status)  # type: ignore[arg-type]
    shown = status if isinstance(status, str) else type(status).__name__
    assert refused.value.details == {"status": shown}
    assert refused.value.message("fr") == f"Statut inconnu {shown}."


def test_an_unsupported_locale_is_refused() -> None:
    with pytest.raises(UnsupportedLocaleError):
        order_status_label(OrderStatus.COMPLETED, "de")
