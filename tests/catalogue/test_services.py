"""Catalogue use cases: CAT-1 (manage, browse), CAT-2 (reviews), X-6 (actors), X-9."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from klickit_core.adapters.memory import MemoryStore
from klickit_core.catalogue import services
from klickit_core.catalogue.domain import (
    IllegalReviewTransitionError,
    Product,
    Review,
    ReviewState,
)
from klickit_core.catalogue.ports import (
    DuplicateProductError,
    ProductNotFoundError,
    ReviewNotFoundError,
)
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import ConflictError, PermissionDeniedError, ValidationError
from klickit_core.shared.money import Money
from klickit_core.shared.serialisation import unstructure
from klickit_core.testing import FixedClock, SequentialIds

MANAGER = Actor("manager-1", Role.SHOP_MANAGER)
ADMIN = Actor("admin-1", Role.ADMINISTRATOR)
CUSTOMER = Actor("cust-1", Role.CUSTOMER, customer_id="cust-1")
VISITOR = Actor.visitor()
SYSTEM = Actor.system("retention-sweep")


def eur(value: str) -> Money:
    return Money(Decimal(value), "EUR")


def product(sku: str, **kw: object) -> Product:
    kw.setdefault("price", eur("10.00"))
    return Product(sku, f"Produit {sku}", **kw)  # type: ignore[arg-type]


def stored_products(store: MemoryStore) -> list[Product]:
    with store.unit_of_work() as uow:
        return uow.products.list(published_only=False)


def stored_reviews(store: MemoryStore) -> list[Review]:
    with store.unit_of_work() as uow:
        return [r for state in ReviewState for r in uow.reviews.in_state(state)]


@pytest.fixture
def shop(store: MemoryStore) -> MemoryStore:
    """A store with a small catalogue, published and not."""
    for item in (
        product("MUG", categories=("maison",)),
        product("TEA", categories=("epicerie",)),
        product("BOOK", categories=("livres", "maison")),
        product("HIDDEN", categories=("maison",), published=False),
    ):
        services.add_product(store.unit_of_work(), MANAGER, item)
    return store


# ---------------------------------------------------------------------------- managing


@pytest.mark.parametrize("actor", [MANAGER, ADMIN], ids=["manager", "admin"])
def test_staff_add_products(store: MemoryStore, actor: Actor) -> None:
    """CAT-1, X-6: shop managers and administrators hold MANAGE_CATALOGUE."""
    services.add_product(store.unit_of_work(), actor, product("MUG"))
    assert [p.sku for p in stored_products(store)] == ["MUG"]


@pytest.mark.parametrize("actor", [VISITOR, CUSTOMER, SYSTEM], ids=["visitor", "customer", "job"])
def test_add_product_needs_manage_catalogue(store: MemoryStore, actor: Actor) -> None:
    """CAT-1, X-6: anyone else gets PermissionDeniedError and nothing is written."""
    with pytest.raises(PermissionDeniedError) as caught:
        services.add_product(store.unit_of_work(), actor, product("MUG"))
    assert caught.value.details == {"permission": "catalogue.manage"}
    assert caught.value.code == "klickit.permission_denied"
    assert stored_products(store) == []


@pytest.mark.parametrize("actor", [VISITOR, CUSTOMER, SYSTEM], ids=["visitor", "customer", "job"])
def test_update_product_needs_manage_catalogue(shop: MemoryStore, actor: Actor) -> None:
    """CAT-1, X-6: an update by a non-staff actor is refused and leaves the product as it was."""
    with pytest.raises(PermissionDeniedError):
        services.update_product(shop.unit_of_work(), actor, product("MUG", price=eur("0.01")))
    with shop.unit_of_work() as uow:
        assert uow.products.get("MUG") == product("MUG", categories=("maison",))


def test_duplicate_sku_is_refused_and_keeps_the_original(shop: MemoryStore) -> None:
    """CAT-1, X-9: a second product with the same SKU raises DuplicateProductError."""
    with pytest.raises(DuplicateProductError) as caught:
        services.add_product(shop.unit_of_work(), MANAGER, product("MUG", price=eur("99.00")))
    assert caught.value.details == {"sku": "MUG"}
    assert caught.value.code == "catalogue.duplicate_product"
    assert isinstance(caught.value, ConflictError)
    with shop.unit_of_work() as uow:
        stored = uow.products.get("MUG")
    assert stored is not None
    assert stored.price == eur("10.00")


def test_update_product_replaces_its_data(shop: MemoryStore) -> None:
    """CAT-1: price, stock and publication can change."""
    changed = product("MUG", price=eur("12.50"), stock=4, published=False)
    services.update_product(shop.unit_of_work(), ADMIN, changed)
    with shop.unit_of_work() as uow:
        assert uow.products.get("MUG") == changed


def test_update_unknown_product_is_not_found(shop: MemoryStore) -> None:
    """CAT-1, X-9: updating a SKU that does not exist creates nothing."""
    with pytest.raises(ProductNotFoundError):
        services.update_product(shop.unit_of_work(), MANAGER, product("NOPE"))
    assert "NOPE" not in {p.sku for p in stored_products(shop)}


# ---------------------------------------------------------------------------- browsing


def test_browse_lists_published_products_by_sku(shop: MemoryStore) -> None:
    """CAT-1: visitors see published products only, ordered by SKU."""
    assert [p.sku for p in services.browse(shop.unit_of_work())] == ["BOOK", "MUG", "TEA"]


@pytest.mark.parametrize(
    ("category", "expected"),
    [("maison", ["BOOK", "MUG"]), ("epicerie", ["TEA"]), ("livres", ["BOOK"]), ("jouets", [])],
)
def test_browse_by_category(shop: MemoryStore, category: str, expected: list[str]) -> None:
    """CAT-1: a category filter keeps published products of that category, sorted."""
    assert [p.sku for p in services.browse(shop.unit_of_work(), category)] == expected


def test_product_detail_of_a_published_product(shop: MemoryStore) -> None:
    """CAT-1: the detail page gets the product."""
    assert services.product_detail(shop.unit_of_work(), "TEA").sku == "TEA"


@pytest.mark.parametrize("sku", ["HIDDEN", "UNKNOWN", "x" * 500])
def test_product_detail_hides_unpublished_and_unknown(shop: MemoryStore, sku: str) -> None:
    """CAT-1, X-9: an unpublished product is as missing as an unknown one; details stay
    short."""
    with pytest.raises(ProductNotFoundError) as caught:
        services.product_detail(shop.unit_of_work(), sku)
    assert caught.value.code == "catalogue.product_not_found"
    assert len(str(caught.value.details["sku"])) <= 40


# ---------------------------------------------------------------------------- reviews


def submit(
    store: MemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    actor: Actor = VISITOR,
    **fields: object,
) -> Review:
    values: dict[str, object] = {
        "sku": "MUG",
        "rating": 5,
        "text": "Superbe mug.",
        "author_name": "Alice Martin",
        "author_email": "Alice@Example.COM",
    }
    values.update(fields)
    return services.submit_review(store.unit_of_work(), actor, clock, ids, **values)  # type: ignore[arg-type]


def test_submit_review_stores_a_pending_review(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CAT-2: the review is stored with rating, text, name, normalised email, time and state
    pending."""
    review = submit(
        shop, clock, ids, CUSTOMER, text="  Superbe mug.  ", author_name="  Alice Martin "
    )
    with shop.unit_of_work() as uow:
        stored = uow.reviews.get("id-1")
    assert stored == review
    assert stored is not None
    assert stored.state is ReviewState.PENDING
    assert stored.rating == 5
    assert stored.text == "Superbe mug."
    assert stored.author_name == "Alice Martin"
    assert stored.author_email == "alice@example.com"
    assert stored.created_at == clock.now()
    assert stored.customer_id == "cust-1"
    assert stored.sku == "MUG"


def test_visitor_review_has_no_customer(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CAT-2: a visitor may review; no customer id is attached."""
    review = submit(shop, clock, ids, VISITOR)
    assert review.customer_id is None


def test_job_actor_cannot_submit_reviews(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CAT-2, X-6: a system job has no SUBMIT_REVIEW permission."""
    with pytest.raises(PermissionDeniedError):
        submit(shop, clock, ids, SYSTEM)
    assert stored_reviews(shop) == []


def test_submit_review_reports_every_field_at_once(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CAT-2, X-9: rating, text, name and email errors come back together; nothing is
    written."""
    with pytest.raises(ValidationError) as caught:
        submit(shop, clock, ids, rating=9, text=" ", author_name="", author_email="not-an-email")
    assert caught.value.codes == {
        "rating": "review.rating_range",
        "text": "review.text_required",
        "author_name": "review.name_required",
        "author_email": "email.invalid",
    }
    assert unstructure(caught.value)["details"] == {"count": 4}
    assert stored_reviews(shop) == []


def test_submit_review_refuses_very_long_strings(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CAT-2, X-9: oversized text, name and email are refused at once, nothing written."""
    with pytest.raises(ValidationError) as caught:
        submit(
            shop,
            clock,
            ids,
            text="x" * 1_000_000,
            author_name="n" * 10_000,
            author_email="a" * 10_000 + "@example.com",
        )
    assert caught.value.codes == {
        "text": "review.text_too_long",
        "author_name": "review.name_too_long",
        "author_email": "email.invalid",
    }
    assert stored_reviews(shop) == []


@pytest.mark.parametrize(
    "email", [None, "", "   ", "a@", "@example.com", "a b@example.com", "\ud800@example.com"]
)
def test_submit_review_refuses_bad_emails(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds, email: object
) -> None:
    """CAT-2, X-9: a missing or malformed email is a field error, never a crash."""
    with pytest.raises(ValidationError) as caught:
        submit(shop, clock, ids, author_email=email)
    assert set(caught.value.codes) == {"author_email"}
    assert stored_reviews(shop) == []


@pytest.mark.parametrize(
    "name",
    [
        "<script>alert('x')</script>",
        "<b>Bob</b> & <i>Co</i>",
        '"><img src=x onerror=alert(1)>',
        "Robert'); DROP TABLE reviews;--",
    ],
)
def test_markup_in_names_is_stored_as_plain_text(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds, name: str
) -> None:
    """CAT-2: names are data, not markup: stored exactly as typed (escaping is the view's
    job), neither stripped of tags nor HTML-escaped."""
    review = submit(shop, clock, ids, author_name=name, text=name)
    with shop.unit_of_work() as uow:
        stored = uow.reviews.get(review.id)
    assert stored is not None
    assert stored.author_name == name
    assert stored.text == name


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("author_name", "Alice \ud800"),
        ("author_name", "\udfff"),
        ("text", "Bien \ud83d mais"),
    ],
)
def test_lone_surrogates_are_refused_as_field_errors(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds, field: str, value: str
) -> None:
    """CAT-2, X-9: a string with a lone surrogate cannot be encoded as UTF-8 (SQL, mail, JSON
    export would fail later); it must be refused as a field error now, nothing written."""
    with pytest.raises(ValidationError) as caught:
        submit(shop, clock, ids, **{field: value})
    assert field in caught.value.codes
    assert stored_reviews(shop) == []


@pytest.mark.parametrize("sku", ["HIDDEN", "UNKNOWN"])
def test_review_of_unpublished_or_unknown_product(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds, sku: str
) -> None:
    """CAT-2: only published products can be reviewed; nothing is written."""
    with pytest.raises(ProductNotFoundError):
        submit(shop, clock, ids, sku=sku)
    assert stored_reviews(shop) == []


@pytest.mark.parametrize("actor", [VISITOR, CUSTOMER, SYSTEM], ids=["visitor", "customer", "job"])
def test_moderation_queue_is_staff_only(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds, actor: Actor
) -> None:
    """CAT-2, X-6: the queue holds reviewers' personal data: staff only."""
    submit(shop, clock, ids)
    with pytest.raises(PermissionDeniedError) as caught:
        services.moderation_queue(shop.unit_of_work(), actor)
    assert caught.value.details == {"permission": "reviews.moderate"}


def test_moderation_queue_lists_pending_oldest_first(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CAT-2: pending reviews, oldest first; moderated ones leave the queue."""
    first = submit(shop, clock, ids)
    clock.advance(timedelta(minutes=1))
    second = submit(shop, clock, ids, sku="TEA")
    clock.advance(timedelta(minutes=1))
    third = submit(shop, clock, ids)
    services.moderate_review(shop.unit_of_work(), MANAGER, clock, second.id, approve=True)
    queue = services.moderation_queue(shop.unit_of_work(), ADMIN)
    assert [r.id for r in queue] == [first.id, third.id]


def test_approved_reviews_shows_only_approved_of_the_product(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CAT-2: visitors see approved reviews of that product only."""
    approved = submit(shop, clock, ids)
    rejected = submit(shop, clock, ids)
    submit(shop, clock, ids)  # stays pending
    other = submit(shop, clock, ids, sku="TEA")
    for review_id, approve in ((approved.id, True), (rejected.id, False), (other.id, True)):
        services.moderate_review(shop.unit_of_work(), MANAGER, clock, review_id, approve=approve)
    assert [r.id for r in services.approved_reviews(shop.unit_of_work(), "MUG")] == [approved.id]
    assert [r.id for r in services.approved_reviews(shop.unit_of_work(), "TEA")] == [other.id]
    assert services.approved_reviews(shop.unit_of_work(), "BOOK") == []


def test_moderate_review_records_who_and_when(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CAT-2, X-6: the moderator's id and the moment are stored with the new state."""
    review = submit(shop, clock, ids)
    moment = clock.advance(timedelta(hours=3))
    moderated = services.moderate_review(
        shop.unit_of_work(),
        ADMIN,
        clock,
        review.id,
        approve=False,
    )
    with shop.unit_of_work() as uow:
        stored = uow.reviews.get(review.id)
    assert stored == moderated
    assert stored is not None
    assert stored.state is ReviewState.REJECTED
    assert stored.moderated_by == "admin-1"
    assert stored.moderated_at == moment
    # Reconsidered later by another member of staff.
    later = clock.advance(timedelta(days=1))
    again = services.moderate_review(shop.unit_of_work(), MANAGER, clock, review.id, approve=True)
    assert (again.state, again.moderated_by, again.moderated_at) == (
        ReviewState.APPROVED,
        "manager-1",
        later,
    )


def test_illegal_moderation_leaves_the_review_unchanged(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CAT-2, X-9: approving an approved review raises IllegalReviewTransitionError."""
    review = submit(shop, clock, ids)
    first = services.moderate_review(shop.unit_of_work(), MANAGER, clock, review.id, approve=True)
    clock.advance(timedelta(hours=1))
    with pytest.raises(IllegalReviewTransitionError):
        services.moderate_review(shop.unit_of_work(), ADMIN, clock, review.id, approve=True)
    with shop.unit_of_work() as uow:
        assert uow.reviews.get(review.id) == first


@pytest.mark.parametrize("actor", [VISITOR, CUSTOMER, SYSTEM], ids=["visitor", "customer", "job"])
def test_moderation_is_staff_only(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds, actor: Actor
) -> None:
    """CAT-2, X-6: only staff moderate; the review stays pending."""
    review = submit(shop, clock, ids)
    with pytest.raises(PermissionDeniedError):
        services.moderate_review(shop.unit_of_work(), actor, clock, review.id, approve=True)
    with shop.unit_of_work() as uow:
        assert uow.reviews.get(review.id).state is ReviewState.PENDING  # type: ignore[union-attr]


def test_moderate_unknown_review(shop: MemoryStore, clock: FixedClock) -> None:
    """CAT-2, X-9: an unknown id raises ReviewNotFoundError with a bounded detail."""
    with pytest.raises(ReviewNotFoundError) as caught:
        services.moderate_review(shop.unit_of_work(), MANAGER, clock, "r" * 100, approve=True)
    assert caught.value.details == {"review_id": "r" * 40}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"text": "Payé avec ma carte 4242 4242 4242 4242, merci !"}, "text"),
        ({"author_name": "Alice 3782-822463-10005"}, "author_name"),
    ],
)
def test_a_review_holding_a_card_number_is_refused(
    shop: MemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    fields: dict[str, str],
    field: str,
) -> None:
    """CAT-2, PAY-2: a card number in the review text or the author's name is refused
    (``text.card_number``); nothing is stored."""
    with pytest.raises(ValidationError) as caught:
        submit(shop, clock, ids, **fields)
    assert caught.value.codes == {field: "text.card_number"}
    assert stored_reviews(shop) == []


def test_approved_reviews_show_the_display_name_only(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CAT-2, X-6 (issue #18, finding 4): what visitors see of a review carries no email
    and no account id, only the name the author chose to show."""
    review = submit(shop, clock, ids)
    services.moderate_review(shop.unit_of_work(), MANAGER, clock, review.id, approve=True)
    (shown,) = services.approved_reviews(shop.unit_of_work(), "MUG")
    assert shown == services.PublicReview(
        review.id, "MUG", review.rating, review.text, review.author_name, review.created_at
    )
    assert not hasattr(shown, "author_email")
    assert not hasattr(shown, "customer_id")


def test_the_moderation_queue_is_a_logged_staff_read(
    shop: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CAT-2, X-6 (issue #18, finding 9): the queue shows reviewers' names and emails, so
    each review it shows is written to the access log, as is each moderation."""
    first = submit(shop, clock, ids)
    second = submit(shop, clock, ids, sku="TEA")
    services.moderation_queue(shop.unit_of_work(), MANAGER, clock=clock, ids=ids)
    services.moderate_review(shop.unit_of_work(), ADMIN, clock, first.id, approve=True, ids=ids)
    with shop.unit_of_work() as uow:
        logged = sorted((e.actor_id, e.action, e.subject) for e in uow.access_log.entries())
    assert logged == sorted(
        [
            ("manager-1", "reviews.queue", first.id),
            ("manager-1", "reviews.queue", second.id),
            ("admin-1", "reviews.moderate", first.id),
        ]
    )
