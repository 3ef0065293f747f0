"""CRT-1 (the cart value and its use cases: add, change, remove, stock, merge at login),
with the catalogue reconciliation, SES-2 (estimate) and CRT-3 (restore from cookie)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klickit_core.adapters.memory import MemoryStore
from klickit_core.cart import services
from klickit_core.cart.domain import (
    MAX_LINE_QUANTITY,
    Cart,
    CartCookieCodec,
    CartLine,
    CartNotice,
    CartNoticeKind,
    InsufficientStockError,
    InvalidQuantityError,
    PricingRules,
    SigningKey,
    reconcile,
)
from klickit_core.catalogue.domain import Product
from klickit_core.catalogue.ports import ProductNotFoundError
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.errors import PermissionDeniedError
from klickit_core.shared.money import Money
from klickit_core.shared.serialisation import unstructure
from klickit_core.shared.vat import FRANCE_VAT, VatClass
from klickit_core.shipping.domain import NoShippingOptionError
from klickit_core.shipping.presets import french_shipping_table
from klickit_core.testing import strategies as kst

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
RULES = PricingRules(FRANCE_VAT)
TABLE = french_shipping_table()
BORDEAUX = PostalAddress("FR", "33000", "Bordeaux")
CODEC = CartCookieCodec([SigningKey("k1", b"s" * 32)])


def eur(value: str) -> Money:
    return Money(Decimal(value), "EUR")


def product(sku: str, price: str = "10.00", **kw: object) -> Product:
    return Product(sku, sku.title(), eur(price), **kw)  # type: ignore[arg-type]


CATALOGUE = (
    product("MUG", "14.90", stock=5, weight_grams=350),
    product("TEA", "8.50", vat_class=VatClass.REDUCED, stock=40, weight_grams=120),
    product("BOOK", "24.00", vat_class=VatClass.REDUCED, weight_grams=700),
    product("POSTER", "19.99", stock=2, weight_grams=200),
    product("GONE", "5.00", stock=0),
    product("HIDDEN", "5.00", published=False),
)


def put(store: MemoryStore, *products: Product) -> None:
    with store.unit_of_work() as uow:
        for item in products:
            if uow.products.get(item.sku) is None:
                uow.products.add(item)
            else:
                uow.products.save(item)
        uow.commit()


@pytest.fixture
def shop(store: MemoryStore) -> MemoryStore:
    put(store, *CATALOGUE)
    return store


def saved_cart(store: MemoryStore, customer_id: str) -> Cart | None:
    with store.unit_of_work() as uow:
        return uow.carts.get(customer_id)


# ============================================================================ Cart domain


def _quantities(cart: Cart) -> dict[str, int]:
    """``{sku: quantity}`` in line order, read from the cart's JSON (the one converter's)."""
    return {line["sku"]: line["quantity"] for line in unstructure(cart)["lines"]}


def test_add_appends_new_skus_and_sums_quantities() -> None:
    """CRT-1: add keeps the order of first addition and adds up quantities."""
    cart = Cart().add("MUG").add("TEA", 3).add("MUG", 2)
    assert _quantities(cart) == {"MUG": 3, "TEA": 3}
    assert [line.sku for line in cart] == ["MUG", "TEA"]
    assert cart.total_quantity == 6
    assert len(cart) == 2
    assert cart.quantity_of("TEA") == 3
    assert cart.quantity_of("NOPE") == 0


def test_cart_is_immutable() -> None:
    """CRT-1: each change returns a new cart; the old one is unchanged."""
    before = Cart.of({"MUG": 1})
    after = before.add("MUG")
    assert _quantities(before) == {"MUG": 1}
    assert _quantities(after) == {"MUG": 2}


def test_set_quantity_replaces_in_place_and_zero_removes() -> None:
    """CRT-1: change quantity keeps the line position; 0 removes."""
    cart = Cart.of({"MUG": 1, "TEA": 2, "BOOK": 1})
    assert list(_quantities(cart.set_quantity("TEA", 7)).items()) == [
        ("MUG", 1),
        ("TEA", 7),
        ("BOOK", 1),
    ]
    assert _quantities(cart.set_quantity("TEA", 0)) == {"MUG": 1, "BOOK": 1}
    assert _quantities(cart.set_quantity("NEW", 4)) == {"MUG": 1, "TEA": 2, "BOOK": 1, "NEW": 4}
    assert cart.set_quantity("NOPE", 0) == cart


def test_remove() -> None:
    """CRT-1: remove drops the line; removing an absent SKU changes nothing."""
    cart = Cart.of({"MUG": 1, "TEA": 2})
    assert cart.remove("MUG") == Cart.of({"TEA": 2})
    assert cart.remove("NOPE") == cart
    assert Cart().remove("X").is_empty


@pytest.mark.parametrize("quantity", [0, -1, 1000, True, False, 1.0, "2", None, 10**20])
def test_add_refuses_bad_quantities(quantity: object) -> None:
    """CRT-1, X-9: add takes an int 1..999 (not bool, not float, not str)."""
    with pytest.raises(InvalidQuantityError) as caught:
        Cart().add("MUG", quantity)  # type: ignore[arg-type]
    assert caught.value.code == "cart.invalid_quantity"
    assert caught.value.details == {"max": MAX_LINE_QUANTITY}


@pytest.mark.parametrize("quantity", [-1, 1000, True, False, 2.0, "2", None])
def test_set_quantity_refuses_bad_quantities(quantity: object) -> None:
    """CRT-1, X-9: set_quantity takes an int 0..999."""
    with pytest.raises(InvalidQuantityError):
        Cart.of({"MUG": 1}).set_quantity("MUG", quantity)  # type: ignore[arg-type]


def test_quantity_bounds() -> None:
    """CRT-1: 1 and 999 are fine; adding past 999 is refused."""
    cart = Cart().add("MUG", MAX_LINE_QUANTITY)
    assert cart.quantity_of("MUG") == 999
    assert Cart().add("MUG", 1).quantity_of("MUG") == 1
    with pytest.raises(InvalidQuantityError):
        cart.add("MUG", 1)
    with pytest.raises(InvalidQuantityError):
        CartLine("MUG", 0)
    with pytest.raises(InvalidQuantityError):
        CartLine("MUG", 1000)


@pytest.mark.parametrize("sku", ["", "has space", "-x", "A" * 33, None])
def test_malformed_skus_are_refused(sku: object) -> None:
    """CRT-1, X-9: a line needs a valid SKU."""
    with pytest.raises(InvalidQuantityError):
        Cart().add(sku, 1)  # type: ignore[arg-type]


def test_duplicate_skus_are_refused() -> None:
    """CRT-1: one line per SKU."""
    with pytest.raises(InvalidQuantityError):
        Cart((CartLine("MUG", 1), CartLine("MUG", 2)))
    with pytest.raises(InvalidQuantityError):
        Cart([CartLine("MUG", 1)])  # type: ignore[arg-type]
    with pytest.raises(InvalidQuantityError):
        Cart((("MUG", 1),))  # type: ignore[arg-type]


def test_stock_limits_raising_quantities() -> None:
    """CRT-1: InsufficientStockError says how many are available; lowering is fine."""
    cart = Cart().add("POSTER", 2, available=2)
    with pytest.raises(InsufficientStockError) as caught:
        cart.add("POSTER", 1, available=2)
    assert caught.value.details == {"sku": "POSTER", "available": 2}
    assert caught.value.code == "cart.insufficient_stock"
    assert cart.set_quantity("POSTER", 1, available=2).quantity_of("POSTER") == 1
    assert cart.set_quantity("POSTER", 0, available=0).is_empty
    with pytest.raises(InsufficientStockError) as caught:
        Cart().add("GONE", 1, available=0)
    assert caught.value.details["available"] == 0


def test_merged_with_adds_quantities_and_caps_with_a_notice() -> None:
    """CRT-1: merging adds quantities, keeps order (own lines first), caps by stock and by
    999, and says so."""
    saved = Cart.of({"MUG": 2, "TEA": 2, "PAPER": 1})
    guest = Cart.of({"BOOK": 1, "MUG": 4, "TEA": 998, "PAPER": 998})
    stock = {"MUG": 5, "TEA": None, "BOOK": None, "PAPER": 1000}
    merged, notices = saved.merged_with(guest, stock.__getitem__)
    assert list(_quantities(merged).items()) == [
        ("MUG", 5),
        ("TEA", 999),
        ("PAPER", 999),
        ("BOOK", 1),
    ]
    assert notices == [
        CartNotice(CartNoticeKind.QUANTITY_REDUCED, "MUG", 6, 5),
        CartNotice(CartNoticeKind.QUANTITY_REDUCED, "TEA", 1000, 999),
    ]
    empty_merge, no_notice = Cart().merged_with(Cart(), stock.__getitem__)
    assert empty_merge.is_empty
    assert no_notice == []


def test_reconcile_reports_each_change() -> None:
    """CRT-1, CRT-3: unknown/unpublished dropped, out of stock dropped, short stock lowered."""
    products = {p.sku: p for p in CATALOGUE}
    cart = Cart.of({"MUG": 7, "NOPE": 1, "HIDDEN": 1, "GONE": 2, "TEA": 3})
    kept, notices = reconcile(cart, products)
    assert _quantities(kept) == {"MUG": 5, "TEA": 3}
    assert notices == [
        CartNotice(CartNoticeKind.QUANTITY_REDUCED, "MUG", 7, 5),
        CartNotice(CartNoticeKind.PRODUCT_UNAVAILABLE, "NOPE", 1, 0),
        CartNotice(CartNoticeKind.PRODUCT_UNAVAILABLE, "HIDDEN", 1, 0),
        CartNotice(CartNoticeKind.OUT_OF_STOCK, "GONE", 2, 0),
    ]
    same, none = reconcile(Cart.of({"TEA": 3}), products)
    assert same == Cart.of({"TEA": 3})
    assert none == []


def test_notice_messages_in_french_and_english() -> None:
    """X-2: notices read in both languages with the SKU and quantities."""
    notice = CartNotice(CartNoticeKind.QUANTITY_REDUCED, "MUG", 7, 5)
    english = notice.message("en")
    french = notice.message("fr")
    assert "MUG" in english
    assert "5" in english
    assert "7" in english
    assert english != french
    assert "MUG" in french


POOL = ["A", "B", "C", "D"]
operations = st.one_of(
    st.tuples(
        st.just("add"),
        st.sampled_from(POOL),
        st.integers(-2, 1002),
        st.none() | st.integers(0, 1000),
    ),
    st.tuples(
        st.just("set"),
        st.sampled_from(POOL),
        st.integers(-2, 1002),
        st.none() | st.integers(0, 1000),
    ),
    st.tuples(st.just("remove"), st.sampled_from(POOL), st.just(0), st.none()),
)


def model_step(
    model: dict[str, int], op: str, sku: str, quantity: int, available: int | None
) -> type[Exception] | None:
    """The reference: a dict, changed in place, or the error the cart must raise."""
    if op == "remove":
        model.pop(sku, None)
        return None
    if op == "add":
        if quantity < 1:
            return InvalidQuantityError
        quantity += model.get(sku, 0)
    if not 0 <= quantity <= MAX_LINE_QUANTITY:
        return InvalidQuantityError
    if available is not None and quantity > available:
        return InsufficientStockError
    if quantity == 0:
        model.pop(sku, None)
    else:
        model[sku] = quantity
    return None


@given(st.lists(operations, max_size=40))
def test_any_sequence_of_operations_matches_a_dict_model(
    steps: list[tuple[str, str, int, int | None]],
) -> None:
    """CRT-1 (property): after any add/set/remove sequence the cart equals a plain dict
    model (same order, same quantities), SKUs stay unique and quantities stay in 1..999;
    a refused operation raises the model's error and changes nothing."""
    cart = Cart()
    model: dict[str, int] = {}
    for op, sku, quantity, available in steps:
        expected_error = model_step(model, op, sku, quantity, available)
        if expected_error is not None:
            change = cart.add if op == "add" else cart.set_quantity
            with pytest.raises(expected_error):
                change(sku, quantity, available)
            continue
        if op == "add":
            cart = cart.add(sku, quantity, available)
        elif op == "set":
            cart = cart.set_quantity(sku, quantity, available)
        else:
            cart = cart.remove(sku)
        skus = [line.sku for line in cart]
        assert len(skus) == len(set(skus))
        assert all(1 <= line.quantity <= MAX_LINE_QUANTITY for line in cart)
        assert list(_quantities(cart).items()) == list(model.items())


@given(kst.carts(max_lines=10), kst.carts(max_lines=10), st.integers(0, 1200))
def test_merge_never_exceeds_stock_or_maximum(saved: Cart, guest: Cart, stock: int) -> None:
    """CRT-1 (property): a merge keeps every SKU of both carts (when stock allows), each
    quantity is min(sum, stock, 999), and a notice names each capped line."""
    merged, notices = saved.merged_with(guest, lambda _sku: stock)
    capped = {notice.sku for notice in notices}
    for line in guest:
        wanted = saved.quantity_of(line.sku) + line.quantity
        kept = min(wanted, stock, MAX_LINE_QUANTITY)
        assert merged.quantity_of(line.sku) == kept
        assert (line.sku in capped) == (kept < wanted)
    for line in saved:
        if guest.quantity_of(line.sku) == 0:
            assert merged.quantity_of(line.sku) == line.quantity


# ============================================================================ use cases


def test_add_to_cart_from_the_catalogue(shop: MemoryStore) -> None:
    """CRT-1: adding a published product (tracked or untracked stock)."""
    cart = services.add_to_cart(shop.unit_of_work(), Cart(), "MUG", 2)
    cart = services.add_to_cart(shop.unit_of_work(), cart, "BOOK", 999)
    cart = services.add_to_cart(shop.unit_of_work(), cart, "MUG")
    assert _quantities(cart) == {"MUG": 3, "BOOK": 999}


@pytest.mark.parametrize("sku", ["HIDDEN", "NOPE", "not a sku"])
def test_add_to_cart_unknown_or_unpublished(shop: MemoryStore, sku: str) -> None:
    """CRT-1, X-9: ProductNotFoundError, the cart is unchanged."""
    cart = Cart.of({"MUG": 1})
    with pytest.raises(ProductNotFoundError):
        services.add_to_cart(shop.unit_of_work(), cart, sku)
    assert cart == Cart.of({"MUG": 1})


def test_add_to_cart_beyond_stock(shop: MemoryStore) -> None:
    """CRT-1: InsufficientStockError tells how many are available, counting what is already
    in the cart."""
    cart = services.add_to_cart(shop.unit_of_work(), Cart(), "POSTER", 2)
    with pytest.raises(InsufficientStockError) as caught:
        services.add_to_cart(shop.unit_of_work(), cart, "POSTER", 1)
    assert caught.value.details == {"sku": "POSTER", "available": 2}
    with pytest.raises(InsufficientStockError) as caught:
        services.add_to_cart(shop.unit_of_work(), Cart(), "GONE")
    assert caught.value.details == {"sku": "GONE", "available": 0}
    assert caught.value.message("en") == "Only 0 left in stock for GONE."


def test_change_quantity(shop: MemoryStore) -> None:
    """CRT-1: change within stock; 0 removes (even when the product is gone meanwhile)."""
    cart = Cart.of({"MUG": 1, "TEA": 2, "HIDDEN": 1})
    cart = services.change_quantity(shop.unit_of_work(), cart, "MUG", 5)
    assert cart.quantity_of("MUG") == 5
    with pytest.raises(InsufficientStockError) as caught:
        services.change_quantity(shop.unit_of_work(), cart, "MUG", 6)
    assert caught.value.details["available"] == 5
    cart = services.change_quantity(shop.unit_of_work(), cart, "TEA", 0)
    cart = services.change_quantity(shop.unit_of_work(), cart, "HIDDEN", 0)
    assert _quantities(cart) == {"MUG": 5}
    with pytest.raises(ProductNotFoundError):
        services.change_quantity(shop.unit_of_work(), cart, "NOPE", 1)


@pytest.mark.parametrize("quantity", [-1, 1000, False, 0.0, 1.5, "0"])
def test_change_quantity_refuses_bad_quantities(shop: MemoryStore, quantity: object) -> None:
    """CRT-1, X-9: a malformed quantity is InvalidQuantityError, never a silent removal
    (``False == 0`` and ``0.0 == 0`` in Python, but they are not the quantity 0)."""
    cart = Cart.of({"MUG": 1})
    with pytest.raises(InvalidQuantityError):
        services.change_quantity(shop.unit_of_work(), cart, "MUG", quantity)  # type: ignore[arg-type]


def test_price_of_a_cart_that_met_nothing_new(shop: MemoryStore) -> None:
    """CRT-1, CRT-2: a cart the catalogue can supply is priced as it is, no notices."""
    cart = Cart.of({"MUG": 2, "TEA": 1})
    priced, view = services.price(shop.unit_of_work(), cart, RULES)
    assert view.cart == cart
    assert view.notices == ()
    assert priced.items_total == eur("38.30")
    assert priced.weight_grams == 820


def test_price_drops_a_product_unpublished_meanwhile(shop: MemoryStore) -> None:
    """CRT-1, CRT-3: PRODUCT_UNAVAILABLE notice, the line is not priced."""
    cart = services.add_to_cart(shop.unit_of_work(), Cart(), "MUG", 2)
    cart = services.add_to_cart(shop.unit_of_work(), cart, "TEA", 1)
    put(shop, product("MUG", "14.90", stock=5, weight_grams=350, published=False))
    priced, view = services.price(shop.unit_of_work(), cart, RULES)
    assert view.cart == Cart.of({"TEA": 1})
    assert view.notices == (CartNotice(CartNoticeKind.PRODUCT_UNAVAILABLE, "MUG", 2, 0),)
    assert [line.sku for line in priced.lines] == ["TEA"]
    assert priced.items_total == eur("8.50")


def test_price_lowers_to_the_stock_left(shop: MemoryStore) -> None:
    """CRT-1: stock lowered meanwhile -> QUANTITY_REDUCED and the line priced at the stock."""
    cart = services.add_to_cart(shop.unit_of_work(), Cart(), "MUG", 4)
    put(shop, product("MUG", "14.90", stock=1, weight_grams=350))
    priced, view = services.price(shop.unit_of_work(), cart, RULES)
    assert view.cart == Cart.of({"MUG": 1})
    assert view.notices == (CartNotice(CartNoticeKind.QUANTITY_REDUCED, "MUG", 4, 1),)
    assert priced.items_total == eur("14.90")


def test_price_drops_a_sold_out_product(shop: MemoryStore) -> None:
    """CRT-1: stock 0 -> OUT_OF_STOCK and the line is dropped."""
    cart = services.add_to_cart(shop.unit_of_work(), Cart(), "POSTER", 1)
    cart = services.add_to_cart(shop.unit_of_work(), cart, "BOOK", 1)
    put(shop, product("POSTER", "19.99", stock=0, weight_grams=200))
    priced, view = services.price(shop.unit_of_work(), cart, RULES)
    assert view.cart == Cart.of({"BOOK": 1})
    assert view.notices == (CartNotice(CartNoticeKind.OUT_OF_STOCK, "POSTER", 1, 0),)
    assert priced.total == eur("24.00")


def test_price_with_shipping(shop: MemoryStore) -> None:
    """CRT-2, SES-2: the chosen shipping option is added to the total."""
    cart = Cart.of({"MUG": 1})
    option = TABLE.option("colissimo-fr", BORDEAUX, eur("14.90"), 350)
    priced, _ = services.price(shop.unit_of_work(), cart, RULES, option)
    assert priced.shipping_total == eur("6.95")
    assert priced.total == eur("21.85")


# ---------------------------------------------------------------------------- merge


def _customer(customer_id: str) -> Actor:
    return Actor(customer_id, Role.CUSTOMER, customer_id=customer_id)


def test_merge_at_login_into_the_saved_cart(shop: MemoryStore) -> None:
    """CRT-1: guest lines merge into the saved cart, quantities add up, result is saved."""
    with shop.unit_of_work() as uow:
        uow.carts.save("cust-1", Cart.of({"TEA": 2, "BOOK": 1}), at=NOW)
        uow.commit()
    view = services.merge_at_login(
        shop.unit_of_work(), _customer("cust-1"), Cart.of({"BOOK": 2, "MUG": 1}), NOW
    )
    assert list(_quantities(view.cart).items()) == [("TEA", 2), ("BOOK", 3), ("MUG", 1)]
    assert view.notices == ()
    assert saved_cart(shop, "cust-1") == view.cart


def test_merge_at_login_without_a_saved_cart(shop: MemoryStore) -> None:
    """CRT-1: a first login keeps the guest cart as the account's cart."""
    view = services.merge_at_login(
        shop.unit_of_work(), _customer("cust-2"), Cart.of({"MUG": 2}), NOW
    )
    assert view.cart == Cart.of({"MUG": 2})
    assert saved_cart(shop, "cust-2") == Cart.of({"MUG": 2})
    assert saved_cart(shop, "cust-1") is None


def test_merge_at_login_caps_by_stock_with_a_notice(shop: MemoryStore) -> None:
    """CRT-1: a merged quantity over the stock is capped and a QUANTITY_REDUCED notice says
    so."""
    with shop.unit_of_work() as uow:
        uow.carts.save("cust-1", Cart.of({"MUG": 3}), at=NOW)
        uow.commit()
    view = services.merge_at_login(
        shop.unit_of_work(), _customer("cust-1"), Cart.of({"MUG": 4}), NOW
    )
    assert view.cart == Cart.of({"MUG": 5})
    assert view.notices == (CartNotice(CartNoticeKind.QUANTITY_REDUCED, "MUG", 7, 5),)
    assert saved_cart(shop, "cust-1") == Cart.of({"MUG": 5})


def test_merge_at_login_drops_what_cannot_be_sold(shop: MemoryStore) -> None:
    """CRT-1: unpublished or sold-out lines of either cart are dropped with notices."""
    with shop.unit_of_work() as uow:
        uow.carts.save("cust-1", Cart.of({"HIDDEN": 1, "TEA": 1}), at=NOW)
        uow.commit()
    view = services.merge_at_login(
        shop.unit_of_work(), _customer("cust-1"), Cart.of({"GONE": 1, "NOPE": 2}), NOW
    )
    assert view.cart == Cart.of({"TEA": 1})
    assert {(n.kind, n.sku) for n in view.notices} == {
        (CartNoticeKind.PRODUCT_UNAVAILABLE, "HIDDEN"),
        (CartNoticeKind.OUT_OF_STOCK, "GONE"),
        (CartNoticeKind.PRODUCT_UNAVAILABLE, "NOPE"),
    }
    assert saved_cart(shop, "cust-1") == Cart.of({"TEA": 1})


def test_merge_at_login_moves_the_last_change_only_when_the_cart_changes(
    shop: MemoryStore,
) -> None:
    """CRT-1, PRV-2 (``carts.saved``, issue #19): the retention clock counts from the
    cart's last change: a login that merges nothing new leaves it; one that adds a line
    moves it to the login's time."""
    with shop.unit_of_work() as uow:
        uow.carts.save("cust-1", Cart.of({"TEA": 2}), at=NOW)
        uow.commit()
    later = NOW + timedelta(days=20)
    services.merge_at_login(shop.unit_of_work(), _customer("cust-1"), Cart(), later)
    with shop.unit_of_work() as uow:
        assert uow.carts.get_saved("cust-1").updated_at == NOW
    services.merge_at_login(shop.unit_of_work(), _customer("cust-1"), Cart.of({"MUG": 1}), later)
    with shop.unit_of_work() as uow:
        saved = uow.carts.get_saved("cust-1")
    assert saved.cart == Cart.of({"TEA": 2, "MUG": 1})
    assert saved.updated_at == later


def test_merge_at_login_of_nothing_removes_an_unsellable_saved_cart(shop: MemoryStore) -> None:
    """CRT-1: when nothing is left the saved cart is removed (an empty cart is not kept)."""
    with shop.unit_of_work() as uow:
        uow.carts.save("cust-1", Cart.of({"HIDDEN": 1}), at=NOW)
        uow.commit()
    view = services.merge_at_login(shop.unit_of_work(), _customer("cust-1"), Cart(), NOW)
    assert view.cart.is_empty
    assert saved_cart(shop, "cust-1") is None


# ---------------------------------------------------------------------------- estimate


def test_estimate_shipping_for_bordeaux(shop: MemoryStore) -> None:
    """SES-2: every option with its price, cheapest first, from the cart's total and weight."""
    cart = Cart.of({"MUG": 2})  # 29.80 EUR, 700 g
    options = services.estimate_shipping(shop.unit_of_work(), cart, RULES, TABLE, BORDEAUX)
    assert [(o.method, o.price) for o in options] == [
        ("relay-fr", eur("3.90")),
        ("colissimo-fr", eur("8.95")),
    ]


def test_estimate_shipping_free_relay_above_60(shop: MemoryStore) -> None:
    """SES-2: free relay once the goods reach 60 EUR."""
    cart = Cart.of({"MUG": 2, "BOOK": 1, "TEA": 1})  # 29.80 + 24 + 8.50 = 62.30
    options = services.estimate_shipping(shop.unit_of_work(), cart, RULES, TABLE, BORDEAUX)
    assert options[0].method == "relay-fr"
    assert options[0].price == eur("0.00")


def test_estimate_shipping_ignores_lines_that_cannot_be_sold(shop: MemoryStore) -> None:
    """SES-2, CRT-1: the estimate is for the reconciled cart (weight and subtotal)."""
    cart = Cart.of({"MUG": 1, "HIDDEN": 1})
    heavy = product("HIDDEN", "100.00", published=False, weight_grams=29_000)
    put(shop, heavy)
    options = services.estimate_shipping(shop.unit_of_work(), cart, RULES, TABLE, BORDEAUX)
    assert [(o.method, o.price) for o in options] == [
        ("relay-fr", eur("3.90")),
        ("colissimo-fr", eur("6.95")),
    ]


def test_estimate_shipping_to_corsica_too_heavy(shop: MemoryStore) -> None:
    """SES-2, X-9: no method can carry it -> NoShippingOptionError(too_heavy)."""
    put(shop, product("ANVIL", "50.00", weight_grams=31_000))
    with pytest.raises(NoShippingOptionError) as caught:
        services.estimate_shipping(
            shop.unit_of_work(), Cart.of({"ANVIL": 1}), RULES, TABLE, PostalAddress("FR", "20000")
        )
    assert caught.value.details == {"reason": "too_heavy"}


# ---------------------------------------------------------------------------- restore


@pytest.mark.parametrize("value", [None, "", b""])
def test_restore_without_a_cookie_gives_an_empty_cart(
    shop: MemoryStore, value: str | bytes | None
) -> None:
    """CRT-3: no cookie, empty cart, nothing to tell."""
    view = services.restore_cart(shop.unit_of_work(), CODEC, value, NOW)
    assert view.cart.is_empty
    assert view.notices == ()


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "1.k1.0.MUG:1.sig",
        b"\xff\xfe",
        "x" * 5000,
        "é",
        "\ud800",
        ".....",
    ],
)
def test_restore_of_a_garbage_cookie(shop: MemoryStore, value: str | bytes) -> None:
    """CRT-3, X-9: an untrusted value gives an empty cart with a COOKIE_INVALID notice."""
    view = services.restore_cart(shop.unit_of_work(), CODEC, value, NOW)
    assert view.cart.is_empty
    assert view.notices == (CartNotice(CartNoticeKind.COOKIE_INVALID),)


def test_restore_of_a_tampered_or_expired_cookie(shop: MemoryStore) -> None:
    """CRT-3: a changed quantity or an old cookie is refused the same way."""
    value = CODEC.encode(Cart.of({"MUG": 2}), NOW)
    forged = value.replace("MUG:2", "MUG:5")
    for candidate, moment in ((forged, NOW), (value, NOW + timedelta(days=31))):
        view = services.restore_cart(shop.unit_of_work(), CODEC, candidate, moment)
        assert view.cart.is_empty
        assert view.notices == (CartNotice(CartNoticeKind.COOKIE_INVALID),)


def test_restore_re_checks_the_catalogue(shop: MemoryStore) -> None:
    """CRT-3: a valid cookie is reconciled: unpublished dropped, short stock lowered."""
    value = CODEC.encode(Cart.of({"MUG": 4, "TEA": 1, "BOOK": 1}), NOW)
    assert services.restore_cart(shop.unit_of_work(), CODEC, value, NOW).cart == Cart.of(
        {"MUG": 4, "TEA": 1, "BOOK": 1}
    )
    put(shop, product("BOOK", "24.00", published=False), product("MUG", "14.90", stock=3))
    view = services.restore_cart(shop.unit_of_work(), CODEC, value.encode("ascii"), NOW)
    assert view.cart == Cart.of({"MUG": 3, "TEA": 1})
    assert view.notices == (
        CartNotice(CartNoticeKind.QUANTITY_REDUCED, "MUG", 4, 3),
        CartNotice(CartNoticeKind.PRODUCT_UNAVAILABLE, "BOOK", 1, 0),
    )


@given(st.text(max_size=200) | st.binary(max_size=200))
def test_restore_never_crashes(value: str | bytes) -> None:
    """CRT-3, X-9 (property): whatever the browser sends, an empty cart (with a notice when
    something was sent) or a real cart comes back; never an exception."""
    store = MemoryStore()
    view = services.restore_cart(store.unit_of_work(), CODEC, value, NOW)
    assert view.cart.is_empty
    if value:
        assert view.notices == (CartNotice(CartNoticeKind.COOKIE_INVALID),)


@pytest.mark.parametrize(
    "actor",
    [Actor.visitor(), Actor("manager-1", Role.SHOP_MANAGER), Actor.system("job")],
    ids=["visitor", "shop manager", "system"],
)
def test_merge_at_login_is_for_the_signed_in_customer_only(shop: MemoryStore, actor: Actor) -> None:
    """CRT-1, X-6 (issue #18, finding 10): the cart merged into is the actor's own; nobody
    names another account's cart, and anyone but a customer is refused with nothing saved."""
    with shop.unit_of_work() as uow:
        uow.carts.save("cust-1", Cart.of({"TEA": 2}), at=NOW)
        uow.commit()
    with pytest.raises(PermissionDeniedError):
        services.merge_at_login(shop.unit_of_work(), actor, Cart.of({"MUG": 1}), NOW)
    assert saved_cart(shop, "cust-1") == Cart.of({"TEA": 2})
