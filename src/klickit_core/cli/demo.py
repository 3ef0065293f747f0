"""``klickit demo``: one visit, end to end, told in French or English.

A visitor browses the catalogue, views products, fills a cart (and is stopped by the
stock), gets a shipping estimate from an address, the cart round-trips through its signed
cookie, a forged cookie is refused, and a product that sells out meanwhile is dropped with
a notice. Every step goes through the public use cases, nothing is faked.
"""

from __future__ import annotations

from decimal import Decimal

from klickit_core.bootstrap import Shop, build_shop
from klickit_core.cart import services as cart_services
from klickit_core.cart.domain import Cart, CartError
from klickit_core.catalogue import services as catalogue
from klickit_core.catalogue.domain import Product
from klickit_core.cli.output import Output
from klickit_core.sessions import services as sessions
from klickit_core.sessions.domain import Location
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.i18n import N_, negotiate_locale, translate
from klickit_core.shared.money import Money
from klickit_core.shared.vat import VatClass

__all__ = ["DEMO_PRODUCTS", "run_demo"]


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


def run_demo(locale: str = "fr", output: Output | None = None) -> Shop:
    """Run the scenario and print it; returns the shop for inspection (tests use it)."""
    lang = negotiate_locale(locale)
    fmt_locale = "fr_FR" if lang == "fr" else "en_GB"
    out = output or Output()

    def _(message: str) -> str:
        return translate(message, lang)

    shop = build_shop("memory://")
    staff = Actor("manager-1", Role.SHOP_MANAGER)
    for product in DEMO_PRODUCTS:
        catalogue.add_product(shop.unit_of_work(), staff, product)

    out.heading(_(N_("1. A visitor arrives and browses the catalogue")))
    session = sessions.start_session(
        shop.unit_of_work(), shop.clock, shop.ids,
        ip_address="203.0.113.7", browser="Firefox 132",
        location=Location(country="FR", region="Nouvelle-Aquitaine", city="Bordeaux"),
    )  # fmt: skip
    products = catalogue.browse(shop.unit_of_work())
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
        sessions.record_product_view(shop.unit_of_work(), shop.clock, session.id, sku)
    recent = sessions.recently_viewed_products(shop.unit_of_work(), shop.clock, session.id)
    out.line(_(N_("Newest first, without duplicates: {skus}")).format(
        skus=", ".join(p.sku for p in recent)))  # fmt: skip

    out.heading(_(N_("3. The cart")))
    cart = Cart()
    for sku, quantity in (("MUG-BDX", 2), ("THE-VERT-100", 3), ("LIVRE-CUISINE", 1),
                          ("JOURNAL-LOCAL", 1), ("AFFICHE-A2", 1)):  # fmt: skip
        cart = cart_services.add_to_cart(shop.unit_of_work(), cart, sku, quantity)
    try:
        cart_services.add_to_cart(shop.unit_of_work(), cart, "AFFICHE-A2", 5)
    except CartError as refused:
        out.line(_(N_("Refused: {message}")).format(message=refused.message(lang)))
    cart = cart_services.change_quantity(shop.unit_of_work(), cart, "THE-VERT-100", 2)
    out.line(_(N_("Tea quantity changed to 2; the cart holds {count} items.")).format(
        count=cart.total_quantity))  # fmt: skip

    out.heading(_(N_("4. Shipping estimate before checkout")))
    address = PostalAddress("FR", "33000", "Bordeaux")
    sessions.remember_shipping_address(shop.unit_of_work(), shop.clock, session.id, address)
    options = cart_services.estimate_shipping(
        shop.unit_of_work(), cart, shop.pricing, shop.shipping, address
    )
    out.table(
        [_(N_("Method")), _(N_("Price"))],
        [[o.name, o.price.format(fmt_locale)] for o in options],
    )
    corsica = cart_services.estimate_shipping(
        shop.unit_of_work(), cart, shop.pricing, shop.shipping, PostalAddress("FR", "20000")
    )
    out.line(_(N_("To Corsica (20000): {options}")).format(
        options=", ".join(f"{o.name} {o.price.format(fmt_locale)}" for o in corsica)))  # fmt: skip

    out.heading(_(N_("5. Priced cart (prices include VAT)")))
    priced, _view = cart_services.price(shop.unit_of_work(), cart, shop.pricing, options[0])
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
    out.line(_(N_("Shipping: {shipping} - Total: {total} (of which VAT {vat})")).format(
        shipping=priced.shipping_total.format(fmt_locale), total=priced.total.format(fmt_locale),
        vat=priced.vat_total.format(fmt_locale)))  # fmt: skip

    out.heading(_(N_("6. The cart travels in a signed cookie")))
    now = shop.clock.now()
    header = shop.cart_cookie.set_cookie_header(cart, now)
    out.line(header)
    value = shop.cart_cookie.encode(cart, now)
    restored = cart_services.restore_cart(shop.unit_of_work(), shop.cart_cookie, value, now)
    same = _(N_("yes")) if restored.cart == cart else _(N_("no"))
    out.line(_(N_("Cookie of {size} bytes, SKUs and quantities only; read back unchanged: {same}"))
             .format(size=len(header), same=same))  # fmt: skip
    forged = value.replace("MUG-BDX:2", "MUG-BDX:9")
    refused_view = cart_services.restore_cart(shop.unit_of_work(), shop.cart_cookie, forged, now)
    for notice in refused_view.notices:
        out.line(_(N_("A forged cookie (quantity changed by hand): {notice}")).format(
            notice=notice.message(lang)))  # fmt: skip

    out.heading(_(N_("7. A product sells out before the visitor comes back")))
    poster = next(p for p in DEMO_PRODUCTS if p.sku == "AFFICHE-A2")
    catalogue.update_product(shop.unit_of_work(), staff, poster.with_stock(0))
    later = cart_services.restore_cart(shop.unit_of_work(), shop.cart_cookie, value, now)
    for notice in later.notices:
        out.line(notice.message(lang))
    priced_later, _view = cart_services.price(shop.unit_of_work(), later.cart, shop.pricing)
    out.line(_(N_("Re-priced from the catalogue: {total} for {count} items.")).format(
        total=priced_later.total.format(fmt_locale), count=later.cart.total_quantity))  # fmt: skip
    return shop
