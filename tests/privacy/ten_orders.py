"""A customer with ten orders, as the shop's own data names them (issue #16, PRV-3): the
internal ids ``ord…``, ``pay…`` and ``cust…`` of ``klickit seed``, orders in every state,
their payments, the terms of sale each order was placed under, a newsletter consent, a
visit, login attempts, a reset link, a support request, a review, and staff reads by a
command-line operator whose login must never reach her file.

:func:`export_page` gives the HTML file her access request delivers (the JSON inside it),
in French or English.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from klickit_core.accounts.security import PASSWORD_RESET, AttemptOutcome, LoginAttempt
from klickit_core.bootstrap import Shop, build_shop
from klickit_core.catalogue.domain import Review, ReviewState
from klickit_core.cli.privacy import operator_actor
from klickit_core.consents.domain import TERMS_OF_SALE, ConsentRecord
from klickit_core.orders.domain import (
    Contact,
    Order,
    OrderStatus,
    StatusChange,
    SupportKind,
    SupportRequest,
)
from klickit_core.payments.domain import (
    CardSummary,
    Payment,
    PaymentStatus,
    RefundRecord,
    RefundStatus,
)
from klickit_core.privacy.settings import PrivacySettings
from klickit_core.sessions.domain import Location, VisitorSession
from klickit_core.shared.access_log import AccessLogEntry
from klickit_core.shared.tokens import OneTimeToken
from klickit_core.testing import FixedClock, SequentialIds
from klickit_core.testing.contracts.builders import customer, order

#: When she asks for her data (a Tuesday morning in Paris, winter time).
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
EMAIL = "camille.martin.42@example.com"
CUSTOMER_ID = "cust00000000042"
#: The login of the machine account that runs ``klickit privacy export``.
OPERATOR = "unix-login-xyz"
#: Each order's state, in the order she placed them (the first the oldest).
STATES = (
    OrderStatus.COMPLETED,
    OrderStatus.COMPLETED,
    OrderStatus.COMPLETED,
    OrderStatus.REFUNDED,
    OrderStatus.COMPLETED,
    OrderStatus.CANCELLED,
    OrderStatus.COMPLETED,
    OrderStatus.FAILED,
    OrderStatus.COMPLETED,
    OrderStatus.PENDING_PAYMENT,
)
ORDER_IDS = tuple(f"ord0000000001{n:02d}" for n in range(len(STATES)))
PAYMENT_IDS = tuple(f"pay0000000001{n:02d}" for n in range(len(STATES)))
ORDER_NUMBERS = tuple(f"KL-2026-0001{n:02d}" for n in range(len(STATES)))
SHIPPING = ("colissimo-fr", "relay-fr")
#: Every code her records hold that a person must never have to read.
RAW_CODES = (
    *{str(status) for status in STATES},
    "pending_payment",
    "captured",
    "refunded",
    "succeeded",
    "card_declined",
    "terms_of_sale",
    "newsletter",
    "checkout",
    *SHIPPING,
    "sandbox",
    "shop_manager",
    "customers.read",
    "privacy.export",
    "accounts.password_reset",
    "tracking",
    "approved",
)
#: Her records' internal ids: the page names them by what she knows them by.
INTERNAL_IDS = (*ORDER_IDS, *PAYMENT_IDS, CUSTOMER_ID, "manager-1", "system:operator")


def _order(index: int, status: OrderStatus) -> Order:
    placed = NOW - (400 - 30 * index) * DAY
    made = order(ORDER_IDS[index], customer_id=CUSTOMER_ID, email=EMAIL)
    history = [StatusChange(None, OrderStatus.PENDING_PAYMENT, placed, "checkout", "placed")]
    paid = status in (OrderStatus.COMPLETED, OrderStatus.REFUNDED)
    ends: dict[str, Any] = {}
    if paid:
        history.append(
            StatusChange(OrderStatus.PENDING_PAYMENT, OrderStatus.PROCESSING, placed, "system")
        )
        history.append(
            StatusChange(OrderStatus.PROCESSING, OrderStatus.COMPLETED, placed + DAY, "manager-1")
        )
        ends["completed_at"] = placed + DAY
    if status is OrderStatus.REFUNDED:
        history.append(
            StatusChange(
                OrderStatus.COMPLETED, OrderStatus.REFUNDED, placed + 5 * DAY, "manager-1", "casse"
            )
        )
        ends |= {"refunded_minor": made.total_minor, "refunded_at": placed + 5 * DAY}
    if status is OrderStatus.CANCELLED:
        history.append(
            StatusChange(OrderStatus.PENDING_PAYMENT, status, placed + DAY, "cust00000000042")
        )
        ends["cancelled_at"] = placed + DAY
    if status is OrderStatus.FAILED:
        history.append(StatusChange(OrderStatus.PENDING_PAYMENT, status, placed, "system"))
        ends["failed_at"] = placed
    return attrs.evolve(
        made,
        number=ORDER_NUMBERS[index],
        contact=Contact("Camille", "Martin", EMAIL, "+33612345678"),
        placed_at=placed,
        status=status,
        history=tuple(history),
        shipping_method=SHIPPING[index % 2],
        ip_address=f"192.0.2.{index + 10}",
        paid_minor=made.total_minor if paid else 0,
        **ends,
    )


def _payment(index: int, placed: Order) -> Payment:
    status = placed.status
    fields: dict[str, Any] = {}
    if status in (OrderStatus.COMPLETED, OrderStatus.REFUNDED):
        fields = {
            "status": PaymentStatus.CAPTURED,
            "captured_minor": placed.total_minor,
            "gateway_reference": f"sbx_0000001{index:02d}",
            "card": CardSummary("visa", f"{4242 + index}"),
        }
    if status is OrderStatus.REFUNDED:
        refund = RefundRecord(
            f"ref0000000001{index:02d}",
            placed.total_minor,
            f"idem-refund-{index:02d}".ljust(16, "0"),
            placed.placed_at + 5 * DAY,
            RefundStatus.SUCCEEDED,
        )
        fields |= {
            "status": PaymentStatus.REFUNDED,
            "refunded_minor": placed.total_minor,
            "refunds": (refund,),
        }
    if status is OrderStatus.FAILED:
        fields = {"status": PaymentStatus.FAILED, "failure_code": "card_declined"}
    return Payment(
        id=PAYMENT_IDS[index],
        order_id=placed.id,
        provider_id="sandbox",
        amount_minor=placed.total_minor,
        currency="EUR",
        created_at=placed.placed_at,
        updated_at=placed.placed_at + DAY,
        idempotency_key=f"idem-{PAYMENT_IDS[index]}".ljust(16, "0"),
        **fields,
    )


def ten_order_shop(*, shop_name: str = "Klickit", staff_name: str | None = None) -> Shop:
    """A memory shop holding her ten orders and the rest of her data, and an earlier
    export of it by the operator (so her file lists that staff read)."""
    settings = PrivacySettings(shop_name=shop_name, staff_name=staff_name)
    shop = build_shop(clock=FixedClock(NOW), ids=SequentialIds("x"), privacy=settings)
    with shop.unit_of_work() as uow:
        uow.customers.add(customer(CUSTOMER_ID, EMAIL))
        for index, status in enumerate(STATES):
            placed = _order(index, status)
            uow.orders.add(placed)
            if status is not OrderStatus.CANCELLED:
                uow.payments.add(_payment(index, placed))
            uow.consents.add(
                ConsentRecord(
                    f"con0000000001{index:02d}",
                    EMAIL,
                    TERMS_OF_SALE,
                    "cgv-2026-01",
                    True,
                    placed.placed_at,
                    "checkout",
                    order_id=placed.id,
                    customer_id=CUSTOMER_ID,
                )
            )
        uow.consents.add(
            ConsentRecord(
                "con000000000200", EMAIL, "newsletter", "nl-2026-01", True, NOW - 90 * DAY,
                "checkout", customer_id=CUSTOMER_ID,
            )
        )  # fmt: skip
        uow.sessions.add(
            VisitorSession(
                "sess-camille",
                NOW - DAY,
                NOW - DAY + timedelta(minutes=20),
                ip_address="198.51.100.7",
                browser="Firefox 132",
                location=Location("FR", "Nouvelle-Aquitaine", "Bordeaux"),
                customer_id=CUSTOMER_ID,
            )
        )
        for n, outcome in enumerate((AttemptOutcome.FAILED, AttemptOutcome.SUCCEEDED)):
            uow.login_attempts.add(
                LoginAttempt(f"la-{n}", NOW - 3 * DAY, outcome, CUSTOMER_ID, "198.51.100.7")
            )
        uow.tokens.add(
            OneTimeToken(
                "Sel3ctorSel3ctorSel3c", PASSWORD_RESET, CUSTOMER_ID, "cd" * 32,
                NOW - 3 * DAY, NOW - 2 * DAY,
            )
        )  # fmt: skip
        uow.support_requests.add(
            SupportRequest(
                "sup000000000001", ORDER_IDS[0], SupportKind.TRACKING, "Où est mon colis ?",
                NOW - 380 * DAY, CUSTOMER_ID,
            )
        )  # fmt: skip
        uow.reviews.add(
            Review(
                "rev000000000001", "MUG", 5, "Très beau mug", "Camille M.", EMAIL,
                NOW - 350 * DAY, customer_id=CUSTOMER_ID, state=ReviewState.APPROVED,
                moderated_at=NOW - 349 * DAY, moderated_by="manager-1",
            )
        )  # fmt: skip
        uow.access_log.add(
            AccessLogEntry(
                "al-1", "manager-1", "shop_manager", "customers.read", CUSTOMER_ID, NOW - 9 * DAY
            )
        )
        uow.commit()
    # An earlier export by the operator at the command line: her file lists that read.
    shop.privacy.export(operator_actor(OPERATOR), EMAIL)
    return shop


def export_page(shop: Shop, locale: str) -> str:
    """Her file (one HTML page, the JSON inside it), exported by the same operator."""
    made = shop.privacy.export(operator_actor(OPERATOR), EMAIL, locale=locale, export_format="html")
    return made.file.data.decode("utf-8")
