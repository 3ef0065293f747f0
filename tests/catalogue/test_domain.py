"""CAT-1 products and CAT-2 reviews as pure values (X-9: typed errors naming the field)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klickit_core.catalogue.domain import (
    MAX_SKU_LENGTH,
    IllegalReviewTransitionError,
    InvalidProductError,
    Product,
    Review,
    ReviewState,
    is_valid_sku,
)
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.money import Money
from klickit_core.shared.vat import VatClass
from klickit_core.testing import strategies as kst

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def eur(value: str) -> Money:
    return Money(Decimal(value), "EUR")


VALID: dict[str, object] = {
    "sku": "MUG-BDX",
    "name": "Mug Bordeaux",
    "price": eur("14.90"),
    "vat_class": VatClass.STANDARD,
    "description": "Un mug.",
    "stock": 3,
    "published": True,
    "categories": ("maison",),
    "weight_grams": 350,
}


def make_product(**overrides: object) -> Product:
    return Product(**{**VALID, **overrides})  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- Product


def test_valid_product_keeps_every_field() -> None:
    """CAT-1: SKU, name, description, TTC price, VAT class, stock, published, categories,
    weight."""
    product = make_product()
    assert product.sku == "MUG-BDX"
    assert product.name == "Mug Bordeaux"
    assert product.price == eur("14.90")
    assert product.vat_class is VatClass.STANDARD
    assert product.description == "Un mug."
    assert product.stock == 3
    assert product.published is True
    assert product.categories == ("maison",)
    assert product.weight_grams == 350
    assert product.tracks_stock is True


def test_defaults_are_untracked_stock_published_standard_rate() -> None:
    """CAT-1: stock tracking is optional (``None`` = not tracked)."""
    product = Product("A", "A", eur("1.00"))
    assert product.stock is None
    assert product.tracks_stock is False
    assert product.published is True
    assert product.vat_class is VatClass.STANDARD
    assert product.categories == ()
    assert product.weight_grams == 0
    assert product.description == ""


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sku", ""),
        ("sku", "-starts-with-dash"),
        ("sku", "_underscore-first"),
        ("sku", "has space"),
        ("sku", "semi;colon"),
        ("sku", "é-accent"),
        ("sku", "A" * (MAX_SKU_LENGTH + 1)),
        ("sku", "MUG\n"),
        ("sku", 42),
        ("sku", None),
        ("name", ""),
        ("name", "   "),
        ("name", "x" * 201),
        ("name", None),
        ("name", b"bytes"),
        ("description", "x" * 10_001),
        ("description", None),
        ("price", eur("-0.01")),
        ("price", eur("1.001")),
        ("price", Decimal("1.00")),
        ("price", "14.90"),
        ("price", None),
        ("vat_class", "standard"),
        ("vat_class", None),
        ("stock", -1),
        ("stock", True),
        ("stock", 1.0),
        ("stock", "3"),
        ("published", 1),
        ("published", None),
        ("published", "yes"),
        ("categories", ["maison"]),
        ("categories", ("",)),
        ("categories", ("x" * 101,)),
        ("categories", (42,)),
        ("categories", "maison"),
        ("weight_grams", -1),
        ("weight_grams", False),
        ("weight_grams", 1.5),
        ("weight_grams", None),
    ],
)
def test_invalid_field_raises_typed_error_naming_it(field: str, value: object) -> None:
    """CAT-1, X-9: each bad field gives InvalidProductError(field=...), code
    catalogue.invalid_product."""
    with pytest.raises(InvalidProductError) as caught:
        make_product(**{field: value})
    error = caught.value
    assert error.details["field"] == field
    assert error.code == "catalogue.invalid_product"
    assert isinstance(error, KlickitError)
    assert field in str(error)


@pytest.mark.parametrize("sku", ["A", "0", "a-b_c", "MUG-BDX", "A" * MAX_SKU_LENGTH, "9_9-9"])
def test_valid_skus_are_accepted(sku: str) -> None:
    """CAT-1: SKUs are 1-32 cookie-safe ASCII characters."""
    assert is_valid_sku(sku)
    assert make_product(sku=sku).sku == sku


@given(kst.skus())
def test_generated_skus_are_valid(sku: str) -> None:
    """CAT-1: every SKU the strategy yields is accepted."""
    assert is_valid_sku(sku)


@pytest.mark.parametrize(
    ("price", "minor"),
    [("0.00", 0), ("0.01", 1), ("14.90", 1490), ("19.99", 1999), ("1234.5", 123450)],
)
def test_price_minor_is_the_price_in_cents(price: str, minor: int) -> None:
    """CAT-1: price_minor is the TTC price as an integer count of minor units."""
    assert make_product(price=eur(price)).price_minor == minor


def test_price_minor_follows_the_currency_exponent() -> None:
    """CAT-1, X-1: JPY has no minor digits, KWD three."""
    assert make_product(price=Money(Decimal("1500"), "JPY")).price_minor == 1500
    assert make_product(price=Money(Decimal("1.234"), "KWD")).price_minor == 1234


@given(kst.products())
def test_price_minor_round_trips(product: Product) -> None:
    """CAT-1: price_minor is exactly the price, for any generated product."""
    assert Money.from_minor_units(product.price_minor, "EUR") == product.price


@pytest.mark.parametrize(
    ("stock", "published", "quantity", "expected"),
    [
        (None, True, 999, True),
        (None, False, 1, False),
        (3, True, 3, True),
        (3, True, 4, False),
        (0, True, 1, False),
        (0, True, 0, True),
        (5, False, 1, False),
    ],
)
def test_can_supply(stock: int | None, published: bool, quantity: int, expected: bool) -> None:
    """CAT-1: sellable when published and the tracked stock covers the quantity."""
    product = make_product(stock=stock, published=published)
    assert product.can_supply(quantity) is expected


def test_with_stock_returns_a_validated_copy() -> None:
    """CAT-1: changing stock builds a new value and still validates it."""
    product = make_product(stock=3)
    assert product.with_stock(0).stock == 0
    assert product.with_stock(None).tracks_stock is False
    assert product.stock == 3
    with pytest.raises(InvalidProductError) as caught:
        product.with_stock(-5)
    assert caught.value.details["field"] == "stock"


# ---------------------------------------------------------------------------- Review


def review(state: ReviewState = ReviewState.PENDING) -> Review:
    return Review(
        id="r-1",
        sku="MUG-BDX",
        rating=4,
        text="Très bien",
        author_name="Alice Martin",
        author_email="alice@example.com",
        created_at=NOW,
        state=state,
    )


def test_check_fields_accepts_valid_input() -> None:
    """CAT-2: a rating 1..5, some text and a name are fine."""
    assert Review.check_fields(1, "ok", "A") == []
    assert Review.check_fields(5, "x" * 5000, "n" * 100) == []


def test_check_fields_returns_every_error_at_once() -> None:
    """CAT-2, X-9: all field problems come back together, not just the first."""
    errors = Review.check_fields(0, "   ", "")
    assert {e.field: e.code for e in errors} == {
        "rating": "review.rating_range",
        "text": "review.text_required",
        "author_name": "review.name_required",
    }


def test_check_fields_reports_lengths() -> None:
    """CAT-2: text over 5000 and names over 100 characters are refused with their limit."""
    errors = {e.field: e for e in Review.check_fields(3, "x" * 5001, "n" * 101)}
    assert errors["text"].code == "review.text_too_long"
    assert errors["text"].params == {"max": 5000}
    assert errors["author_name"].code == "review.name_too_long"
    assert errors["author_name"].params == {"max": 100}
    assert "5000" in errors["text"].message("en")


@pytest.mark.parametrize("rating", [0, 6, -1, True, 3.0, "4", None])
def test_check_fields_refuses_ratings_outside_1_to_5(rating: object) -> None:
    """CAT-2: only the integers 1..5 are ratings (bool and float are not)."""
    errors = Review.check_fields(rating, "text", "name")
    assert [e.code for e in errors] == ["review.rating_range"]


@pytest.mark.parametrize("value", [None, 42, b"bytes"])
def test_check_fields_refuses_non_text(value: object) -> None:
    """CAT-2, X-9: non-string text and names are errors, not crashes."""
    errors = Review.check_fields(3, value, value)
    assert {e.field for e in errors} == {"text", "author_name"}


def test_review_repr_hides_personal_data() -> None:
    """CAT-2: author name, email and text never end up in logs via repr."""
    text = repr(review())
    assert "Alice" not in text
    assert "alice@example.com" not in text
    assert "Très bien" not in text
    assert "r-1" in text


ALLOWED = {
    (ReviewState.PENDING, ReviewState.APPROVED),
    (ReviewState.PENDING, ReviewState.REJECTED),
    (ReviewState.APPROVED, ReviewState.REJECTED),
    (ReviewState.REJECTED, ReviewState.APPROVED),
}
ALL_PAIRS = [(a, b) for a in ReviewState for b in ReviewState]


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_allowed_moderation_moves(current: ReviewState, target: ReviewState) -> None:
    """CAT-2: pending -> approved/rejected, approved -> rejected (take down),
    rejected -> approved (reconsider); the move records who and when."""
    at = NOW + timedelta(hours=1)
    moved = review(current).moderated(target, by="manager-1", at=at)
    assert moved.state is target
    assert moved.moderated_by == "manager-1"
    assert moved.moderated_at == at
    assert moved.id == "r-1"
    assert moved.author_email == "alice@example.com"


@pytest.mark.parametrize(("current", "target"), [pair for pair in ALL_PAIRS if pair not in ALLOWED])
def test_illegal_moderation_moves(current: ReviewState, target: ReviewState) -> None:
    """CAT-2, X-9: other moves (including back to pending and to the same state) are refused
    with IllegalReviewTransitionError."""
    with pytest.raises(IllegalReviewTransitionError) as caught:
        review(current).moderated(target, by="manager-1", at=NOW)
    assert caught.value.code == "catalogue.illegal_review_transition"
    assert caught.value.details == {"current": str(current), "target": str(target)}


@given(
    kst.reviews(),
    st.lists(st.sampled_from(list(ReviewState)), max_size=10),
)
def test_moderation_follows_the_transition_table(start: Review, targets: list[ReviewState]) -> None:
    """CAT-2: any sequence of moves is accepted exactly when the table allows each step."""
    current = start
    for target in targets:
        if (current.state, target) in ALLOWED:
            current = current.moderated(target, by="staff", at=NOW)
            assert current.state is target
        else:
            with pytest.raises(IllegalReviewTransitionError):
                current.moderated(target, by="staff", at=NOW)
