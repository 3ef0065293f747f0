"""``shop.checkout`` (CHK-1 … CHK-4): the quote before ordering, the order placed from the
quote without validating it again, and the payment token asked by ``pay`` only (PAY-2)."""

from __future__ import annotations

import attrs
import pytest

from klickit_core.application.checkout import CheckoutService
from klickit_core.application.parts import ShopParts
from klickit_core.application.payments import PaymentService
from klickit_core.cart.domain import Cart
from klickit_core.checkout import services as checkout_services
from klickit_core.checkout.domain import AddressForm
from klickit_core.checkout.services import CartChangedError, EmptyCartError
from klickit_core.orders.domain import OrderStatus
from klickit_core.shared.actors import Actor
from klickit_core.shared.errors import ValidationError
from klickit_core.shipping.domain import NoShippingOptionError

from .conftest import card_token, eur, valid_form

CART = Cart().add("MUG", 2).add("TEA")


def test_quote_prices_every_option_and_the_chosen_total(shop_parts: ShopParts) -> None:
    """CHK-4, SES-2: lines, VAT, every shipping option to the form's address with its
    price, and the total with the chosen method (38.30 + 8.95)."""
    quote = CheckoutService(shop_parts).quote(valid_form(), CART, "colissimo-fr")
    assert [(line.sku, line.total) for line in quote.lines] == [
        ("MUG", eur("29.80")),
        ("TEA", eur("8.50")),
    ]
    assert [(o.method, o.price) for o in quote.shipping_options] == [
        ("relay-fr", eur("3.90")),
        ("colissimo-fr", eur("8.95")),
    ]
    assert quote.shipping is not None
    assert quote.shipping.method == "colissimo-fr"
    assert (quote.items_total, quote.total) == (eur("38.30"), eur("47.25"))
    assert sum((v.gross for v in quote.vat_lines), eur("0")) == eur("47.25")
    assert (quote.cart, quote.notices) == (CART, ())
    unchosen = CheckoutService(shop_parts).quote(valid_form(), CART)
    assert (unchosen.shipping, unchosen.total) == (None, eur("38.30"))


def test_quote_ships_to_the_shipping_address_not_the_billing_one(shop_parts: ShopParts) -> None:
    """CHK-1: the options are those of the shipping address (Belgium: one EU method)."""
    brussels = AddressForm(country="BE", street="Rue Neuve 1", postcode="1000", city="Bruxelles")
    quote = CheckoutService(shop_parts).quote(valid_form(shipping=brussels), CART, "colissimo-eu")
    assert [(o.method, o.price) for o in quote.shipping_options] == [("colissimo-eu", eur("15.90"))]
    assert quote.total == eur("54.20")


def test_quote_reports_every_error_at_once(shop_parts: ShopParts) -> None:
    """CHK-1: the field errors and an unknown consent purpose, in one error."""
    form = valid_form(
        "not-an-email",
        first_name="",
        accept_terms=False,
        optional_consents={"newsletter": True, "telemarketing": True},
    )
    with pytest.raises(ValidationError) as raised:
        CheckoutService(shop_parts).quote(form, CART, "colissimo-fr")
    assert set(raised.value.codes) == {
        "first_name",
        "email",
        "accept_terms",
        "optional_consents.telemarketing",
    }


def test_quote_refuses_an_empty_cart_and_an_unavailable_method(shop_parts: ShopParts) -> None:
    """CHK-4: nothing to order, or a method that does not serve the address."""
    checkout = CheckoutService(shop_parts)
    with pytest.raises(EmptyCartError):
        checkout.quote(valid_form(), Cart())
    with pytest.raises(NoShippingOptionError) as raised:
        checkout.quote(valid_form(), CART, "colissimo-eu")
    assert raised.value.details == {"reason": "method_unavailable"}


def test_the_order_charges_what_the_quote_said(shop_parts: ShopParts) -> None:
    """CHK-4, PAY-3: the order placed from the quote totals the quote, and ``pay`` (the
    only call that takes the token) captures exactly that."""
    checkout = CheckoutService(shop_parts)
    quote = checkout.quote(valid_form(), CART, "colissimo-fr")
    placed = checkout.place_order(Actor.visitor(), quote, CART, "colissimo-fr", ip_address="::1")
    assert placed.order.total_minor == quote.total.minor_units() == 4725
    assert placed.payment.amount_minor == 4725
    assert placed.order.shipping_minor == 895
    paid = PaymentService(shop_parts).pay(Actor.visitor(), placed.order.id, card_token(shop_parts))
    assert (paid.status, paid.paid_minor) == (OrderStatus.PROCESSING, 4725)


def test_place_order_reuses_the_quotes_validation(
    shop_parts: ShopParts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: a quote's checkout is not validated a second time (a form still is)."""
    checkout = CheckoutService(shop_parts)
    quote = checkout.quote(valid_form(), CART, "relay-fr")

    def no_second_validation(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("validated twice")

    monkeypatch.setattr(checkout_services, "validate_checkout", no_second_validation)
    placed = checkout.place_order(Actor.visitor(), quote, CART, "relay-fr")
    assert placed.order.total_minor == 3830 + 390
    with pytest.raises(AssertionError, match="validated twice"):
        checkout.place_order(Actor.visitor(), valid_form(), CART, "relay-fr")


def test_place_order_rereads_the_cart_after_the_quote(shop_parts: ShopParts) -> None:
    """CHK-4: stock that moved between the quote and the order is seen under the order's
    transaction: the order is refused and nothing is written."""
    checkout = CheckoutService(shop_parts)
    quote = checkout.quote(valid_form(), CART, "colissimo-fr")
    with shop_parts.unit_of_work() as uow:
        tea = uow.products.get("TEA")
        assert tea is not None
        uow.products.save(attrs.evolve(tea, stock=0))
        uow.commit()
    with pytest.raises(CartChangedError):
        checkout.place_order(Actor.visitor(), quote, CART, "colissimo-fr")
    with shop_parts.unit_of_work() as uow:
        assert uow.orders.list() == []
        mug = uow.products.get("MUG")
        assert mug is not None
        assert mug.stock == 5


def test_prefill_gives_a_guest_the_shops_country(shop_parts: ShopParts) -> None:
    """CHK-3: an empty form for a guest, in the shop's region."""
    form = CheckoutService(shop_parts).prefill(Actor.visitor())
    assert (form.email, form.billing.country) == ("", "FR")
