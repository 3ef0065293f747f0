"""``klickit demo``: one visit, end to end, told in French or English.

A visitor browses the catalogue, views products, fills a cart (and is stopped by the
stock), gets a shipping estimate from an address and prices the cart with the method
chosen for checkout, the cart round-trips through its signed cookie, a forged cookie is
refused, and a product that sells out meanwhile is dropped with a notice. Then checkout:
the form comes back with every error at once, is fixed, the order is placed and paid
through the sandbox gateway, whose answer is lost: its webhook brings the order in line
and a second delivery of it changes nothing. Last, a second order is placed and cancelled,
and gives its stock back. Every step goes through the public use cases, and every amount
shown is the one the next step uses (issue #16).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import attrs

from klickit_core.adapters.gateways import SandboxGateway
from klickit_core.bootstrap import Shop, build_shop
from klickit_core.cart.domain import Cart, CartError
from klickit_core.catalogue.domain import Product
from klickit_core.checkout.domain import CheckoutForm
from klickit_core.checkout.services import PlacedOrder
from klickit_core.cli.output import Output
from klickit_core.orders.domain import Order
from klickit_core.orders.labels import order_status_label
from klickit_core.payments.domain import PaymentRequest
from klickit_core.payments.ports import GatewayTimeoutError
from klickit_core.sessions.domain import Location
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.errors import KlickitError, ValidationError
from klickit_core.shared.i18n import N_, translate
from klickit_core.shared.locales import locale_language, normalise_locale
from klickit_core.shared.money import Money
from klickit_core.shared.vat import VatClass

__all__ = ["DEMO_PRODUCTS", "DEMO_SHIPPING_METHOD", "DemoDatabaseNotEmptyError", "run_demo"]

#: The shipping method the visitor picks: the priced cart and the orders use it.
DEMO_SHIPPING_METHOD = "colissimo-fr"
#: A sandbox test card that is charged, and whose answer is then lost (a timeout).
_CARD_WHOSE_ANSWER_IS_LOST = "4000000000000119"


def _eur(value: str) -> Money:
    return Money(Decimal(value), "EUR")


DEMO_PRODUCTS = (
    Product("MUG-BDX", "Mug Bordeaux", _eur("14.90"), VatClass.STANDARD, stock=25,
            categories=("maison",), weight_grams=350),
    Product("THE-VERT-100", "Thé vert bio 100 g", _eur("8.50"), VatClass.REDUCED, stock=40,
            categories=("epicerie",), weight_grams=120),
    Product("LIVRE-CUISINE", "Cuisine du Sud-Ouest", _eur("24.00"), VatClass.REDUCED,
            categories=("livres",), weight_grams=700),
    Product("JOURNAL-LOCAL", "Le Journal de Klickit", _eur("2.30"), VatClass.SUPER_REDUCED,
            weight_grams=90),
    Product("AFFICHE-A2", "Affiche Garonne A2", _eur("19.99"), VatClass.STANDARD, stock=2,
            categories=("maison",), weight_grams=200),
)  # fmt: skip


class DemoDatabaseNotEmptyError(KlickitError):
    """The demo writes fixed products and orders: it needs a database of its own, and
    never writes into a shop that holds any product or order (a real shop, or the
    demo's own from an earlier run)."""

    code = "demo.database_not_empty"
    message_template = N_(
        "The demo needs an empty database; this one already holds products or orders."
    )


def _forget_sqlite_file(url: str) -> None:
    """Delete the SQLite file behind ``url`` (and its WAL files): the demo's own scratch."""
    if not url.startswith("sqlite:///") or url == "sqlite:///":
        return
    path = Path(url.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def run_demo(
    locale: str = "fr", output: Output | None = None, *, url: str = "memory://", fresh: bool = False
) -> Shop:
    """Run the scenario on the database at ``url`` and print it; returns the shop for
    inspection (tests use it). ``fresh`` deletes a SQLite file first (the CLI's default
    demo database); any other database must hold no product and no order yet
    (:class:`DemoDatabaseNotEmptyError`): the demo never writes into a shop."""
    lang = locale_language(locale)
    fmt_locale = normalise_locale(locale)
    out = output or Output()

    def _(message: str) -> str:
        return translate(message, lang)

    if fresh:
        _forget_sqlite_file(url)
    shop = build_shop(url)
    staff = Actor("manager-1", Role.SHOP_MANAGER)
    with shop.unit_of_work() as uow:
        if uow.products.list(published_only=False) or uow.orders.list(limit=1):
            shop.close()
            raise DemoDatabaseNotEmptyError
    for product in DEMO_PRODUCTS:
        shop.catalogue.add_product(staff, product)

    out.heading(_(N_("1. A visitor arrives and browses the catalogue")))
    session = shop.sessions.start(
        ip_address="203.0.113.7", browser="Firefox 132",
        location=Location(country="FR", region="Nouvelle-Aquitaine", city="Bordeaux"),
    )  # fmt: skip
    products = shop.catalogue.browse()
    vat_table = shop.pricing.vat_table
    out.table(
        [_(N_("SKU")), _(N_("Product")), _(N_("Price")), _(N_("VAT")), _(N_("Stock"))],
        [
            [p.sku, p.name, p.price.format(fmt_locale),
             vat_table.rate(p.vat_class).format(fmt_locale),
             _(N_("not tracked")) if p.stock is None else str(p.stock)]
            for p in products
        ],
    )  # fmt: skip

    out.heading(_(N_("2. Recently viewed products")))
    for sku in ("THE-VERT-100", "MUG-BDX", "LIVRE-CUISINE", "MUG-BDX"):
        shop.sessions.record_view(session.id, sku)
    recent = shop.sessions.recently_viewed(session.id)
    out.line(_(N_("Newest first, without duplicates: {skus}")).format(
        skus=", ".join(p.sku for p in recent)))  # fmt: skip

    out.heading(_(N_("3. The cart")))
    cart = Cart()
    for sku, quantity in (("MUG-BDX", 2), ("THE-VERT-100", 3), ("LIVRE-CUISINE", 1),
                          ("JOURNAL-LOCAL", 1), ("AFFICHE-A2", 1)):  # fmt: skip
        cart = shop.cart.add(cart, sku, quantity)
    try:
        shop.cart.add(cart, "AFFICHE-A2", 5)
    except CartError as refused:
        out.line(_(N_("Refused: {message}")).format(message=refused.message(lang)))
    cart = shop.cart.change_quantity(cart, "THE-VERT-100", 2)
    out.line(_(N_("Tea quantity changed to 2; the cart holds {count} items.")).format(
        count=cart.total_quantity))  # fmt: skip

    out.heading(_(N_("4. Shipping estimate before checkout")))
    address = PostalAddress("FR", "33000", "Bordeaux")
    shop.sessions.remember_shipping_address(session.id, address)
    options = shop.cart.estimate_shipping(cart, address)
    out.table(
        [_(N_("Method")), _(N_("Price"))],
        [[o.name, o.price.format(fmt_locale)] for o in options],
    )
    corsica = shop.cart.estimate_shipping(cart, PostalAddress("FR", "20000"))
    out.line(_(N_("To Corsica (20000): {options}")).format(
        options=", ".join(f"{o.name} {o.price.format(fmt_locale)}" for o in corsica)))  # fmt: skip

    out.heading(_(N_("5. Priced cart (prices include VAT)")))
    chosen = next(o for o in options if o.method == DEMO_SHIPPING_METHOD)
    priced, _view = shop.cart.price(cart, chosen.method, address)
    out.table(
        [_(N_("Product")), _(N_("Qty")), _(N_("Unit price")), _(N_("Total"))],
        [[line.name, str(line.quantity), line.unit_price.format(fmt_locale),
          line.total.format(fmt_locale)] for line in priced.lines],
    )  # fmt: skip
    out.table(
        [_(N_("VAT rate")), _(N_("Net")), _(N_("VAT")), _(N_("Gross"))],
        [[v.rate.format(fmt_locale), v.net.format(fmt_locale), v.vat.format(fmt_locale),
          v.gross.format(fmt_locale)] for v in priced.vat_lines],
    )  # fmt: skip
    shipping = N_("Shipping ({method}): {shipping} - Total: {total} (of which VAT {vat})")
    out.line(_(shipping).format(
        method=chosen.name, shipping=priced.shipping_total.format(fmt_locale),
        total=priced.total.format(fmt_locale),
        vat=priced.vat_total.format(fmt_locale)))  # fmt: skip

    out.heading(_(N_("6. The cart travels in a signed cookie")))
    cookie = shop.cart.cookie(cart)
    header = cookie.header()
    out.line(header)
    value = cookie.value
    restored = shop.cart.restore(value)
    same = _(N_("yes")) if restored.cart == cart else _(N_("no"))
    out.line(_(N_("Cookie of {size} bytes, SKUs and quantities only; read back unchanged: {same}"))
             .format(size=len(header), same=same))  # fmt: skip
    forged = value.replace("MUG-BDX:2", "MUG-BDX:9")
    refused_view = shop.cart.restore(forged)
    for notice in refused_view.notices:
        out.line(_(N_("A forged cookie (quantity changed by hand): {notice}")).format(
            notice=notice.message(lang)))  # fmt: skip

    out.heading(_(N_("7. A product sells out before the visitor comes back")))
    poster = next(p for p in DEMO_PRODUCTS if p.sku == "AFFICHE-A2")
    shop.catalogue.update_product(staff, poster.with_stock(0))
    later = shop.cart.restore(value)
    for notice in later.notices:
        out.line(notice.message(lang))
    priced_later, _view = shop.cart.price(later.cart, chosen.method, address)
    out.line(_(N_("Re-priced from the catalogue: {total} for {count} items, shipping ({method}) "
                  "{shipping} included.")).format(
        total=priced_later.total.format(fmt_locale), count=later.cart.total_quantity,
        method=chosen.name, shipping=priced_later.shipping_total.format(fmt_locale)))  # fmt: skip
    _checkout(shop, out, lang, fmt_locale, later.cart, session.id)
    return shop


def _checkout(
    shop: Shop, out: Output, lang: str, fmt_locale: str, cart: Cart, session_id: str
) -> None:
    def _(message: str) -> str:
        return translate(message, lang)

    def status(order: Order) -> str:
        return order_status_label(order.status, lang)

    gateway = shop.gateway
    if not isinstance(gateway, SandboxGateway):  # pragma: no cover - build_shop's default
        raise TypeError("the demo runs on the sandbox gateway")
    visitor = Actor.visitor()

    def place(form: CheckoutForm) -> PlacedOrder:
        return shop.checkout.place_order(
            visitor, form, cart, DEMO_SHIPPING_METHOD, ip_address="203.0.113.7"
        )

    def placed_line(placed: PlacedOrder) -> str:
        return _(N_("Order {number}: {total}, {status}")).format(
            number=placed.order.number, total=placed.order.total.format(fmt_locale),
            status=status(placed.order))  # fmt: skip

    out.heading(_(N_("8. Checkout: every mistake reported at once")))
    prefilled = shop.checkout.prefill(visitor, session_id)
    out.line(_(N_("Pre-filled from the shipping estimate: {postcode} {city}")).format(
        postcode=prefilled.billing.postcode, city=prefilled.billing.city))  # fmt: skip
    token = gateway.tokenize(_CARD_WHOSE_ANSWER_IS_LOST, 12, 2030, "123")
    typo = attrs.evolve(
        prefilled, first_name="Alice", last_name="Martin", email="alice@exemple", phone="06 12",
        billing=attrs.evolve(prefilled.billing, street="1 rue Sainte-Catherine", postcode="3300"),
    )  # fmt: skip
    try:
        place(typo)
    except ValidationError as refused:
        out.table(
            [_(N_("Field")), _(N_("Error code")), _(N_("What to fix"))],
            [[e.field, e.code, e.message(lang)] for e in refused.errors],
        )
    fixed = attrs.evolve(
        typo, email="alice@example.fr", phone="06 12 34 56 78",
        billing=attrs.evolve(typo.billing, postcode="33000"), accept_terms=True,
    )  # fmt: skip

    out.heading(_(N_("9. The order is placed and paid through the sandbox gateway")))
    placed = place(fixed)
    out.line(placed_line(placed))
    try:
        shop.payments.pay(visitor, placed.order.id, token)
    except GatewayTimeoutError:
        waiting = shop.orders.lookup_guest(placed.order.number, fixed.email, "203.0.113.7")
        out.line(_(N_("The gateway took the payment, but its answer was lost (timeout): the "
                      "order is still {status}.")).format(status=status(waiting)))  # fmt: skip
    fields = ", ".join(f.name for f in attrs.fields(PaymentRequest))
    out.line(_(N_("The payment gateway received only: {fields}")).format(fields=fields))
    delivery = gateway.outbox[-1]
    for attempt in (1, 2):
        result = shop.payments.handle_webhook(delivery.header, delivery.body)
        outcome = (
            _(N_("no change (already applied)")) if result is None
            else _(N_("payment applied, the order is now {status} ({paid} paid)")).format(
                status=status(result), paid=result.paid.format(fmt_locale))
        )  # fmt: skip
        out.line(_(N_("Webhook delivery {attempt}: {outcome}")).format(
            attempt=attempt, outcome=outcome))  # fmt: skip

    out.heading(_(N_("10. A cancelled order gives its stock back")))
    second = place(attrs.evolve(fixed, email="bob@example.fr"))
    out.line(placed_line(second))
    before = _stock(shop, "MUG-BDX")
    staff = Actor("manager-1", Role.SHOP_MANAGER)
    cancelled = shop.orders.cancel(staff, second.order.id, "demo")
    out.line(_(N_("The shop cancels order {number}: {status}.")).format(
        number=cancelled.number, status=status(cancelled)))  # fmt: skip
    out.line(_(N_("Mug stock while the order awaited payment: {before}; after cancelling: {after}"))
             .format(before=before, after=_stock(shop, "MUG-BDX")))  # fmt: skip


def _stock(shop: Shop, sku: str) -> str:
    stock = shop.catalogue.product(sku).stock
    return "-" if stock is None else str(stock)
