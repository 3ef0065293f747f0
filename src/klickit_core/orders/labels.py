"""What an order's status is called, for the people who read it (SPEC X-2, ORD-1).

Shoppers see their order's status on its page and in mails, staff in their lists: the
label is translated (French by default, English), so an app shows it without reaching
into the domain's tables.
"""

from __future__ import annotations

from klickit_core.orders.domain import STATUS_LABELS, OrderStatus
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_
from klickit_core.shared.labels import status_label

__all__ = ["UnknownOrderStatusError", "order_status_label"]


class UnknownOrderStatusError(KlickitError):
    """Not an order status (``status``: its first 40 characters)."""

    code = "orders.unknown_status"
    message_template = N_("Unknown status {status}.")


#: The labels by the statuses' values (an enum member is its value too).
_BY_VALUE: dict[str, str] = {str(status): label for status, label in STATUS_LABELS.items()}


def order_status_label(status: OrderStatus | str, locale: str = "fr") -> str:
    """The label of ``status`` in ``locale``: ``"En attente de paiement"`` /
    ``"Pending payment"``. ``status`` may be the enum or its value (``"completed"``);
    ``locale`` any form :func:`~klickit_core.shared.locales.normalise_locale` accepts.

    Raises:
        UnknownOrderStatusError: ``status`` is not an order status.
        UnsupportedLocaleError: ``locale`` is not one the shop speaks.
    """
    return status_label(_BY_VALUE, status, locale, UnknownOrderStatusError)
