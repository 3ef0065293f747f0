"""Products and reviews, pure values.

A :class:`Product` carries its tax-inclusive price (French shops display TTC prices) and a
VAT *class*; the rate comes from the shop's VAT table at pricing time, so a rate change
does not need every product rewritten.

A :class:`Review` holds personal data (author name and email, SPEC CAT-2: "nous stockons
aussi les commentaires ou avis"), so its ``repr`` hides them and its moderation life cycle
is explicit: only approved reviews are shown.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime
from typing import Any

import attrs

from klickit_core.shared.errors import FieldError, KlickitError
from klickit_core.shared.i18n import N_
from klickit_core.shared.money import Money
from klickit_core.shared.text import free_text_error
from klickit_core.shared.vat import VatClass

__all__ = [
    "MAX_SKU_LENGTH",
    "SKU_PATTERN",
    "IllegalReviewTransitionError",
    "InvalidProductError",
    "Product",
    "Review",
    "ReviewState",
    "StockMovement",
    "StockReason",
    "is_valid_sku",
]

#: SKUs travel in the cart cookie as they are, so they are short and cookie-safe.
MAX_SKU_LENGTH = 32
SKU_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
MAX_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 10_000


def is_valid_sku(value: object) -> bool:
    """Whether ``value`` is a SKU: 1 to 32 ASCII letters, digits, ``-`` or ``_``."""
    return isinstance(value, str) and SKU_PATTERN.fullmatch(value) is not None


class InvalidProductError(KlickitError):
    """A product was built with an invalid field."""

    code = "catalogue.invalid_product"
    message_template = N_("Invalid product field {field}.")


class IllegalReviewTransitionError(KlickitError):
    """A moderation step that the review's current state does not allow."""

    code = "catalogue.illegal_review_transition"
    message_template = N_("A review cannot go from {current} to {target}.")


def _product_check(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    name = attribute.name
    ok: bool
    if name == "sku":
        ok = is_valid_sku(value)
    elif name == "name":
        ok = (
            isinstance(value, str)
            and len(value.strip()) > 0
            and len(value) <= MAX_NAME_LENGTH
            and free_text_error(value, (name,)) is None
        )
    elif name == "description":
        ok = (
            isinstance(value, str)
            and len(value) <= MAX_DESCRIPTION_LENGTH
            and free_text_error(value, (name,), multiline=True) is None
        )
    elif name == "price":
        ok = isinstance(value, Money) and value.is_rounded and value.amount >= 0
    elif name == "vat_class":
        ok = isinstance(value, VatClass)
    elif name == "stock":
        ok = value is None or (type(value) is int and value >= 0)
    elif name == "weight_grams":
        ok = type(value) is int and value >= 0
    elif name == "categories":
        ok = isinstance(value, tuple) and all(
            isinstance(c, str) and 0 < len(c) <= 100 for c in value
        )
    else:  # published
        ok = isinstance(value, bool)
    if not ok:
        raise InvalidProductError(field=name)


@attrs.frozen(slots=True)
class Product:
    """A product of the catalogue (SPEC CAT-1).

    ``stock`` is ``None`` when the shop does not track stock for it (always available).
    """

    sku: str = attrs.field(validator=_product_check)
    name: str = attrs.field(validator=_product_check)
    price: Money = attrs.field(validator=_product_check)
    vat_class: VatClass = attrs.field(default=VatClass.STANDARD, validator=_product_check)
    description: str = attrs.field(default="", validator=_product_check)
    stock: int | None = attrs.field(default=None, validator=_product_check)
    published: bool = attrs.field(default=True, validator=_product_check)
    categories: tuple[str, ...] = attrs.field(default=(), validator=_product_check)
    weight_grams: int = attrs.field(default=0, validator=_product_check)
    #: ``(vat_class, price_minor, currency)`` in one slot, computed once per product: the
    #: pricing loop (:mod:`klickit_core.cart.domain.pricing`) works in integers and unpacks
    #: it instead of reading three attributes per cart line.
    pricing_terms: tuple[VatClass, int, str] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # Paid by every product built, hence every product loaded: one slot written
        # through its descriptor (a fraction of ``object.__setattr__``), and the minor
        # units a price loaded with ``Money.from_minor_units`` keeps, read without a call
        # (``minor_units()`` reads the same slot; it derives them from the ``Decimal``
        # for a price built otherwise, rounded per the validator).
        price = self.price
        minor = price._minor
        if minor is None:
            minor = price.minor_units()
        _set_pricing_terms(self, (self.vat_class, minor, price.currency))

    @property
    def price_minor(self) -> int:
        """The price as an integer count of minor units (cents for EUR)."""
        return self.pricing_terms[1]

    @property
    def tracks_stock(self) -> bool:
        """Whether stock is counted for this product."""
        return self.stock is not None

    def can_supply(self, quantity: int) -> bool:
        """Whether ``quantity`` units can be sold now (published and in stock)."""
        if not self.published:
            return False
        return self.stock is None or self.stock >= quantity

    def with_stock(self, stock: int | None) -> Product:
        """A copy with another stock level."""
        return attrs.evolve(self, stock=stock)


_set_pricing_terms = Product.__dict__["pricing_terms"].__set__


class StockReason(enum.StrEnum):
    """Why stock moved."""

    ORDER_RESERVED = "order_reserved"  # an order was placed
    ORDER_RELEASED = "order_released"  # an unpaid order was cancelled or failed
    ADJUSTMENT = "adjustment"  # staff corrected the count


@attrs.frozen(slots=True)
class StockMovement:
    """One change of a product's stock, kept so every order's effect on stock is traceable.

    ``delta`` is negative when stock leaves (a reservation), positive when it comes back.
    """

    id: str
    sku: str
    delta: int
    reason: StockReason
    at: datetime
    order_id: str | None = None


class ReviewState(enum.StrEnum):
    """Moderation states. Only approved reviews are shown to visitors."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


_REVIEW_MOVES: dict[ReviewState, frozenset[ReviewState]] = {
    ReviewState.PENDING: frozenset({ReviewState.APPROVED, ReviewState.REJECTED}),
    ReviewState.APPROVED: frozenset({ReviewState.REJECTED}),  # take down
    ReviewState.REJECTED: frozenset({ReviewState.APPROVED}),  # reconsider
}

MAX_REVIEW_TEXT = 5_000
MAX_AUTHOR_NAME = 100


@attrs.frozen(slots=True)
class Review:
    """A customer's review of a product (SPEC CAT-2)."""

    id: str
    sku: str
    rating: int
    text: str = attrs.field(repr=False)
    author_name: str = attrs.field(repr=False)
    author_email: str = attrs.field(repr=False)
    created_at: datetime
    customer_id: str | None = None
    state: ReviewState = ReviewState.PENDING
    moderated_at: datetime | None = None
    moderated_by: str | None = None

    @staticmethod
    def check_fields(rating: object, text: object, author_name: object) -> list[FieldError]:
        """Every problem with the shopper-typed fields, at once (the email is checked apart)."""
        errors: list[FieldError] = []
        if type(rating) is not int or not 1 <= rating <= 5:
            errors.append(
                FieldError(("rating",), "review.rating_range", N_("Choose a rating from 1 to 5."))
            )
        if not isinstance(text, str) or not text.strip():
            errors.append(FieldError(("text",), "review.text_required", N_("Write a review.")))
        elif problem := free_text_error(
            text, ("text",), invalid_code="review.text_invalid", multiline=True
        ):
            errors.append(problem)
        elif len(text) > MAX_REVIEW_TEXT:
            errors.append(
                FieldError(
                    ("text",),
                    "review.text_too_long",
                    N_("At most {max} characters."),
                    {"max": MAX_REVIEW_TEXT},
                )
            )
        if not isinstance(author_name, str) or not author_name.strip():
            errors.append(
                FieldError(("author_name",), "review.name_required", N_("Enter your name."))
            )
        elif problem := free_text_error(
            author_name, ("author_name",), invalid_code="review.name_invalid"
        ):
            errors.append(problem)
        elif len(author_name) > MAX_AUTHOR_NAME:
            errors.append(
                FieldError(
                    ("author_name",),
                    "review.name_too_long",
                    N_("At most {max} characters."),
                    {"max": MAX_AUTHOR_NAME},
                )
            )
        return errors

    @property
    def is_anonymised(self) -> bool:
        """Whether the author's name, email and account link were erased (PRV-4)."""
        return not self.author_name and not self.author_email and self.customer_id is None

    def anonymised(self) -> Review:
        """The review without its author: name and email blanked, account link dropped.

        What the person wrote, the rating and the moderation state stay: an approved
        review stays published (shown without a name) when its author's data is erased.
        """
        return attrs.evolve(self, author_name="", author_email="", customer_id=None)

    def moderated(self, target: ReviewState, by: str, at: datetime) -> Review:
        """The review moved to ``target`` by staff member ``by``."""
        if target not in _REVIEW_MOVES[self.state]:
            raise IllegalReviewTransitionError(current=str(self.state), target=str(target))
        return attrs.evolve(self, state=target, moderated_at=at, moderated_by=by)
