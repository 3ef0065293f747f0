# ruff: noqa: S101 - test code: plain asserts
"""What "anonymised" means, one check per anonymisable category (PRV-2, PRV-4, decision 0007).

Why a definition of its own: the contracts used to compare what a backend read back with
the domain's own ``anonymised()`` (``Order.anonymised``, ``Payment.anonymised``…). The
memory adapter *calls* that method, so a domain method that kept the email made the memory
backend and its expected value wrong the same way, and the memory suites passed (issue #19,
break 4). These checks name, field by field, what must be gone and what must stay, without
calling the code they judge, and every backend's sweep and erasure contracts use them, so
memory, SQLite and PostgreSQL are held to one definition.

Each check takes the record as it was stored (``original``) and as read back (``found``),
and raises :class:`AssertionError` naming the fields that still hold personal data (field
names only, never their values). Besides the named fields, it looks for the original's
identifying values (email, names, phone, street, IP address, account id, card digits…)
anywhere in the record read back, so a new field that copies one is caught too. A paid
order past its after-sales period is *stripped* rather than anonymised
(``orders.after_sales``, issue #19): :func:`assert_order_stripped` says field by field
what goes and what stays for the accounting years.
:data:`ANONYMISED_CHECKS` maps each category id of the default registry whose retention
action is ``anonymise`` to its check; a test walks the registry and fails for a category
that has none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs

from klickit_core.catalogue.domain import Review
from klickit_core.orders.domain import Order
from klickit_core.payments.domain import Payment
from klickit_core.shared.addresses import PostalAddress

__all__ = [
    "ANONYMISED_CHECKS",
    "AnonymisedCheck",
    "assert_order_anonymised",
    "assert_order_stripped",
    "assert_payment_anonymised",
    "assert_review_anonymised",
]

#: ``check(original, found)``: raises :class:`AssertionError` when ``found`` is not
#: ``original`` anonymised.
AnonymisedCheck = Callable[[Any, Any], None]


def _leaves(value: object) -> list[str]:
    """Every text value of an attrs record, nested records and ``repr=False`` fields too."""
    if attrs.has(type(value)):
        return _leaves(attrs.asdict(value, recurse=True))  # type: ignore[arg-type]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _leaves(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _leaves(item)]
    return [value] if isinstance(value, str) else []


def _leaks(original_values: Iterable[str | None], found: object) -> list[str]:
    """The identifying values of the original still found in ``found``: equal to a text
    value, or (five characters or more) inside one. Returned to be counted, never shown:
    they are personal data."""
    leaves = _leaves(found)
    return [
        value
        for value in original_values
        if value and any(value == leaf or (len(value) >= 5 and value in leaf) for leaf in leaves)
    ]


def _fail(what: str, record_id: str, problems: list[str]) -> None:
    if problems:
        raise AssertionError(
            f"{what} {record_id!r} is not anonymised: {', '.join(problems)} still hold"
            " personal data"
        )


def _address_problems(name: str, found: PostalAddress, original: PostalAddress) -> list[str]:
    problems = [
        f"{name}.{part}"
        for part in ("postcode", "city", "street", "region", "company")
        if getattr(found, part)
    ]
    if found.country != original.country:
        problems.append(f"{name}.country (must stay: ANA-1 reports by country)")
    return problems


def assert_order_anonymised(original: Order, found: Order | None) -> None:
    """An anonymised order (``orders.completed``, ``orders.cancelled_after_payment``): no
    first or last name, email, phone,
    street, postcode, city, region or company in either address (the country stays), no
    IP address, no customer link, no actor nor reason in its history; stamped
    ``anonymised_at``. Lines, amounts, VAT, currency, status, number and dates stay, so the
    shop's accounts and reports still add up."""
    assert found is not None, f"order {original.id!r} is gone: anonymising must keep it"
    problems = [
        f"contact.{part}"
        for part in ("first_name", "last_name", "email", "phone")
        if getattr(found.contact, part)
    ]
    problems += _address_problems(
        "billing_address", found.billing_address, original.billing_address
    )
    problems += _address_problems(
        "shipping_address", found.shipping_address, original.shipping_address
    )
    if found.ip_address is not None:
        problems.append("ip_address")
    if found.customer_id is not None:
        problems.append("customer_id")
    for index, change in enumerate(found.history):
        if change.actor:
            problems.append(f"history[{index}].actor")
        if change.reason:
            problems.append(f"history[{index}].reason")
    if found.anonymised_at is None:
        problems.append("anonymised_at (unset)")
    if found.stripped_at is None:
        problems.append("stripped_at (unset: the after-sales data went too)")
    if original.history and len(found.history) != len(original.history):
        problems.append("history (moves lost)")
    kept = ("number", "currency", "lines", "vat", "total_minor", "status", "placed_at")
    problems += [f"{name} (changed: must stay)" for name in kept if _differs(original, found, name)]
    contact = original.contact
    identifying = [
        contact.email,
        contact.phone,
        contact.first_name,
        contact.last_name,
        original.ip_address,
        original.customer_id,
        *original.billing_address.street,
        *original.shipping_address.street,
    ]
    problems += [
        f"a value of the original ({n + 1})" for n, _v in enumerate(_leaks(identifying, found))
    ]
    _fail("order", original.id, problems)


def _differs(original: object, found: object, name: str) -> bool:
    return bool(getattr(original, name) != getattr(found, name))


#: What a stripped order keeps unchanged: the invoice (issue #19: « nom, e-mail et adresses
#: de facturation et livraison », lines, amounts, VAT) and the dates and status the
#: accounting and the retention clocks read.
_INVOICE = (
    "number",
    "currency",
    "billing_address",
    "shipping_address",
    "lines",
    "vat",
    "shipping_method",
    "shipping_minor",
    "total_minor",
    "paid_minor",
    "refunded_minor",
    "status",
    "placed_at",
    "completed_at",
    "cancelled_at",
    "failed_at",
    "refunded_at",
    "anonymised_at",
    "restricted_at",
)


def assert_order_stripped(original: Order, found: Order | None) -> None:
    """A paid order past its after-sales period (``orders.after_sales``): no phone, no IP
    address, no customer link, no actor nor reason in its history (whose statuses and
    times stay, move by move); stamped ``stripped_at``. Everything the accounting
    obligation needs stays exactly as stored: first and last name, email, both addresses
    (every part), lines, amounts, VAT, currency, status and dates; it is not anonymised."""
    assert found is not None, f"order {original.id!r} is gone: stripping must keep it"
    problems = []
    if found.contact.phone:
        problems.append("contact.phone")
    if found.ip_address is not None:
        problems.append("ip_address")
    if found.customer_id is not None:
        problems.append("customer_id")
    for index, change in enumerate(found.history):
        if change.actor:
            problems.append(f"history[{index}].actor")
        if change.reason:
            problems.append(f"history[{index}].reason")
    moves = [(c.from_status, c.to_status, c.at) for c in original.history]
    if [(c.from_status, c.to_status, c.at) for c in found.history] != moves:
        problems.append("history (statuses or times changed: must stay)")
    if found.stripped_at is None:
        problems.append("stripped_at (unset)")
    contact = ("first_name", "last_name", "email")
    problems += [
        f"contact.{part} (changed: must stay)"
        for part in contact
        if _differs(original.contact, found.contact, part)
    ]
    problems += [
        f"{name} (changed: must stay)" for name in _INVOICE if _differs(original, found, name)
    ]
    identifying = [
        original.contact.phone,
        original.ip_address,
        original.customer_id,
        *(change.actor for change in original.history),
        *(change.reason for change in original.history),
    ]
    problems += [
        f"a value of the original ({n + 1})" for n, _v in enumerate(_leaks(identifying, found))
    ]
    if problems:
        raise AssertionError(
            f"order {original.id!r} is not stripped as it must be: {', '.join(problems)}"
        )


def assert_payment_anonymised(original: Payment, found: Payment | None) -> None:
    """A payment past its order's accounting period (``payments.details``): no card brand,
    no last four digits, no gateway reference; amounts, status, currency and dates stay."""
    assert found is not None, f"payment {original.id!r} is gone: anonymising must keep it"
    problems = []
    if found.card is not None:
        problems.append("card (brand, last4)")
    if found.gateway_reference is not None:
        problems.append("gateway_reference")
    kept = ("order_id", "amount_minor", "captured_minor", "currency", "status", "created_at")
    problems += [f"{name} (changed: must stay)" for name in kept if _differs(original, found, name)]
    identifying: list[str | None] = [original.gateway_reference]
    if original.card is not None:
        identifying.append(original.card.last4)  # four characters: whole values only
    problems += [
        f"a value of the original ({n + 1})" for n, _v in enumerate(_leaks(identifying, found))
    ]
    _fail("payment", original.id, problems)


def assert_review_anonymised(original: Review, found: Review | None) -> None:
    """A review whose author's account is gone (``reviews.erased_authors``) or published
    longer ago than ``reviews.published``: no author name, no author email, no account
    link; the text, the rating and the moderation state stay (an approved review stays
    published, without a name)."""
    assert found is not None, f"review {original.id!r} is gone: anonymising must keep it"
    problems = [
        part for part in ("author_name", "author_email", "customer_id") if getattr(found, part)
    ]
    kept = ("sku", "rating", "text", "state", "created_at")
    problems += [f"{name} (changed: must stay)" for name in kept if _differs(original, found, name)]
    identifying = [original.author_email, original.customer_id]
    problems += [
        f"a value of the original ({n + 1})" for n, _v in enumerate(_leaks(identifying, found))
    ]
    _fail("review", original.id, problems)


#: The check of each category whose retention action is ``anonymise`` (by category id).
ANONYMISED_CHECKS: dict[str, AnonymisedCheck] = {
    "orders.completed": assert_order_anonymised,
    "orders.cancelled_after_payment": assert_order_anonymised,
    "orders.after_sales": assert_order_stripped,
    "payments.details": assert_payment_anonymised,
    "reviews.authors": assert_review_anonymised,
    "reviews.published": assert_review_anonymised,
}
