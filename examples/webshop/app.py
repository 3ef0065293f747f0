"""A small web shop on klickit_core's public API (issue #14, decision 0014): Flask owns
HTTP, HTML and cookies; the shop's services (``shop.cart``, ``shop.checkout``, …) own every
rule. Start it with ``python examples/webshop/app.py`` (see this folder's README)."""

from __future__ import annotations

import argparse
import hmac
import json
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
from flask import Flask, Response, g, redirect, render_template, request, session, url_for

import klickit_core as kc
from klickit_core.accounts.security import SecuritySettings
from klickit_core.adapters.gateways import SandboxGateway
from klickit_core.adapters.memory import InMemoryOutbox
from klickit_core.privacy.records import ErasureKey
from klickit_core.privacy.settings import PrivacySettings
from klickit_core.shared.serialisation import from_json, to_json

HERE = Path(__file__).resolve().parent
LOCALES = ("fr", "en")
#: The example's own staff login: a stand-in for the shop's real staff accounts.
STAFF = kc.Actor("staff-demo", kc.Role.ADMINISTRATOR)


def build_demo_shop(
    database_url: str, base_url: str, erasure_key: str | None, **options: Any
) -> kc.Shop:
    """The shop for plain-HTTP development: sandbox gateway, in-memory outbox, Klickit's
    cart cookie, links to ``base_url``; the erasure-ledger key from configuration (a random
    one otherwise); ``options`` go to ``build_shop`` as they are."""
    secret, key = secrets.token_bytes(32), erasure_key or secrets.token_urlsafe(32)
    return kc.build_shop(
        database_url, cookie_secure=False, mailer=InMemoryOutbox(),
        cart_max_age=timedelta(days=1), cart_session_cookie=True,  # klickit.toml's [cart_cookie]
        gateway=SandboxGateway(secret, kc.SystemClock()), webhook_secrets=[secret],
        security=SecuritySettings(base_url=base_url),
        privacy=PrivacySettings(erasure_key=ErasureKey.from_text(key)), **options,
    )  # fmt: skip


def create_app(  # noqa: PLR0915 - one factory holding the routes is the point
    database_url: str = "sqlite:///webshop.db", *, shop: kc.Shop | None = None,
    base_url: str = "http://127.0.0.1:5000", staff_password: str | None = None,
    secret_key: str | None = None, erasure_key: str | None = None, **shop_options: Any,
) -> Flask:  # fmt: skip
    """The shop's Flask app on ``database_url`` (or on a ready ``shop``); ``shop_options``
    go to ``build_shop`` (a test's cheaper password hasher)."""
    shop = shop or build_demo_shop(database_url, base_url, erasure_key, **shop_options)
    app = Flask(__name__, template_folder=str(HERE / "templates"))
    app.secret_key = secret_key or os.environ.get("WEBSHOP_SECRET_KEY") or secrets.token_hex(32)
    app.extensions["shop"] = shop
    staff_secret = staff_password or os.environ.get("WEBSHOP_STAFF_PASSWORD")
    english = json.loads((HERE / "en.json").read_text(encoding="utf-8"))
    cart_cookie_name = shop.cart.cookie(kc.Cart()).name
    security, privacy = shop.security_settings, shop.privacy_settings
    if not shop.catalogue.browse():
        for product in from_json((HERE / "products.json").read_bytes(), list[kc.Product]):
            shop.catalogue.add_product(STAFF, product)

    # ------------------------------------------------------------------ per request
    @app.before_request
    def _visit() -> None:
        if request.args.get("lang") in LOCALES:
            session["lang"] = request.args["lang"]
        g.lang = session.get("lang", "fr")
        if "sid" not in session:
            session["sid"] = shop.sessions.start(ip_address=request.remote_addr).id
        g.actor = shop.sessions.actor(session["sid"])
        g.view = shop.cart.restore(request.cookies.get(cart_cookie_name))

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        def _(text: str) -> str:
            return str(english.get(text, text)) if g.lang == "en" else text

        return {"_": _, "lang": g.lang, "actor": g.actor, "label": kc.order_status_label}

    @app.errorhandler(kc.KlickitError)
    def _refused(error: kc.KlickitError) -> tuple[str, int]:
        return render_template("message.html", error=error.message(g.lang)), 400

    def with_cart(response: Response, cart: kc.Cart) -> Response:
        cookie = shop.cart.cookie(cart)  # a structured value: Flask's set_cookie takes its fields
        response.set_cookie(
            cookie.name, cookie.value, max_age=cookie.max_age, path=cookie.path,
            domain=cookie.domain, secure=cookie.secure, httponly=cookie.httponly,
            samesite=cookie.samesite,
        )  # fmt: skip
        return response

    def json_response(value: object, status: int = 200) -> Response:
        return Response(to_json(value, locale=g.lang), status, mimetype="application/json")

    # ------------------------------------------------------------------ catalogue and cart
    @app.get("/")
    def catalogue() -> str:
        return render_template("catalogue.html", products=shop.catalogue.browse())

    @app.post("/cart/add")
    def cart_add() -> Response:
        cart = shop.cart.add(g.view.cart, request.form["sku"], int(request.form.get("qty", 1)))
        return with_cart(redirect(url_for("cart")), cart)

    @app.post("/cart/change")
    def cart_change() -> Response:
        qty = int(request.form.get("qty") or 0)
        cart = shop.cart.change_quantity(g.view.cart, request.form["sku"], qty)
        return with_cart(redirect(url_for("cart")), cart)

    @app.get("/cart")
    def cart() -> Response:
        priced, view = shop.cart.price(g.view.cart)
        options, estimate_error, country = [], None, request.args.get("country", "FR")
        if request.args.get("postcode") and not view.cart.is_empty:
            try:
                destination = kc.PostalAddress(country, request.args["postcode"])
                options = shop.cart.estimate_shipping(view.cart, destination)
                shop.sessions.remember_shipping_address(session["sid"], destination)
            except kc.KlickitError as error:
                estimate_error = error.message(g.lang)
        notices = [n.message(g.lang) for n in (*g.view.notices, *view.notices)]
        body = render_template("cart.html", priced=priced, notices=notices, options=options,
                    estimate_error=estimate_error, country=country)  # fmt: skip
        return with_cart(Response(body), view.cart)

    @app.get("/api/cart")
    def cart_json() -> Response:
        priced, view = shop.cart.price(g.view.cart)
        lines = [{"sku": x.sku, "name": x.name, "quantity": x.quantity, "total": x.total}
                 for x in priced.lines]  # fmt: skip
        return json_response({"lines": lines, "total": priced.total, "notices": view.notices})

    # ------------------------------------------------------------------ checkout and payment
    def checkout_form(data: Any) -> kc.CheckoutForm:
        address = kc.AddressForm(
            country=data.get("country", "FR"), street=data.get("street", ""),
            postcode=data.get("postcode", ""), city=data.get("city", ""),
        )  # fmt: skip
        return kc.CheckoutForm(
            first_name=data.get("first_name", ""), last_name=data.get("last_name", ""),
            email=data.get("email", ""), phone=data.get("phone", ""), billing=address,
            accept_terms=data.get("accept_terms") == "on",
        )  # fmt: skip

    @app.route("/checkout", methods=["GET", "POST"])
    def checkout() -> Response | str:
        if request.method == "GET":
            form = shop.checkout.prefill(g.actor, session["sid"])
            names = ("first_name", "last_name", "email", "phone")
            values = {**attrs.asdict(form.billing), **{k: getattr(form, k) for k in names}}
            return render_template("checkout.html", values=values, errors={}, quote=None)
        method = request.form.get("shipping_method") or None
        try:
            quote = shop.checkout.quote(checkout_form(request.form), g.view.cart, method)
        except kc.ValidationError as invalid:
            errors = {e.field.removeprefix("billing."): e.message(g.lang) for e in invalid.errors}
            return render_template("checkout.html", values=request.form, errors=errors, quote=None)
        if method is None and quote.shipping_options:  # the cheapest, until one is chosen
            method = quote.shipping_options[0].method
            quote = shop.checkout.quote(checkout_form(request.form), g.view.cart, method)
        if request.form.get("action") != "place":
            return render_template("checkout.html", values=request.form, errors={}, quote=quote)
        placed = shop.checkout.place_order(
            g.actor, quote, quote.cart, method, ip_address=request.remote_addr
        )
        order = placed.order
        session.setdefault("orders", {})[order.id] = [order.number, str(order.total.amount)]
        session.modified = True
        return redirect(url_for("payment", order_id=order.id))

    def payment_page(order_id: str, **values: Any) -> str:
        number, total = session.get("orders", {}).get(order_id, ["?", "0"])
        return render_template(
            "payment.html",
            order_id=order_id,
            number=number,
            total=kc.Money.of(total, "EUR"),
            **values,
        )

    @app.get("/orders/<order_id>/pay")
    def payment(order_id: str) -> str:
        return payment_page(order_id)

    def pay(order_id: str, token: str) -> Response | str:
        try:
            order = shop.payments.pay(g.actor, order_id, token)
        except kc.KlickitError as error:
            retry = token if error.code == "payments.gateway_timeout" else None
            return payment_page(order_id, error=error.message(g.lang), retry_token=retry)
        if order.status is not kc.OrderStatus.PROCESSING:
            return payment_page(order_id, order=order)
        response = Response(render_template("paid.html", order=order))
        response.delete_cookie(cart_cookie_name)
        return response

    @app.post("/sandbox/card/<order_id>")
    def sandbox_card(order_id: str) -> Response | str:
        """SANDBOX ONLY: the provider's card widget; a real shop never sees a card (PAY-2)."""
        gateway = shop.gateway
        if not isinstance(gateway, SandboxGateway):
            return Response(status=404)
        month, _, year = request.form.get("expiry", "").partition("/")
        try:
            token = gateway.tokenize(
                request.form.get("number", ""), int(month or 0), int(year or 0),
                request.form.get("cvc", ""),
            )  # fmt: skip
        except (kc.KlickitError, ValueError) as error:
            message = error.message(g.lang) if isinstance(error, kc.KlickitError) else str(error)
            return payment_page(order_id, error=message)
        return pay(order_id, token)

    @app.post("/orders/<order_id>/pay")
    def pay_again(order_id: str) -> Response | str:
        return pay(order_id, request.form["token"])

    @app.post("/webhooks/payments")
    def webhook() -> tuple[str, int]:
        try:
            shop.payments.handle_webhook(
                request.headers.get("Klickit-Signature", ""), request.get_data()
            )
        except kc.KlickitError as error:
            return error.code, 400
        return "ok", 200

    # ------------------------------------------------------------------ guest order lookup
    def guest_order() -> kc.Order | kc.KlickitError:
        form, ip = request.form, request.remote_addr or ""
        try:
            return shop.orders.lookup_guest(form["number"], form["email"], ip)
        except kc.KlickitError as error:
            return error

    @app.route("/orders/lookup", methods=["GET", "POST"])
    def lookup() -> str:
        found = guest_order() if request.method == "POST" else None
        if isinstance(found, kc.KlickitError):
            return render_template("lookup.html", order=None, error=found.message(g.lang))
        return render_template("lookup.html", order=found, error=None)

    @app.post("/api/order-status")
    def order_status_json() -> Response:
        order = guest_order()
        if isinstance(order, kc.KlickitError):
            return json_response(order, 404)
        label = kc.order_status_label(order.status, g.lang)
        return json_response({"number": order.number, "status": order.status, "label": label,
                              "total": order.total})  # fmt: skip

    # ------------------------------------------------------------------ accounts
    @app.route("/account/register", methods=["GET", "POST"])
    def register() -> Response | str:
        if request.method == "GET":
            return render_template("register.html", values={}, errors={})
        form = kc.AccountDetailsForm(
            first_name=request.form["first_name"], last_name=request.form["last_name"],
            email=request.form["email"],
        )  # fmt: skip
        try:  # the details, the username (none here) and the password, all checked at once
            shop.accounts.register(form, None, kc.Secret(request.form["password"]))
        except kc.ValidationError as invalid:
            errors = {e.field: e.message(g.lang) for e in invalid.errors}
            return render_template("register.html", values=request.form, errors=errors)
        return redirect(url_for("login", registered=1))

    @app.route(security.login_confirmation_path, methods=["GET", "POST"])
    @app.route("/account/login", methods=["GET", "POST"])
    def login() -> Response | str:
        token = request.values.get("token")
        if request.method == "GET":
            return render_template("login.html", token=token, error=None)
        result = shop.accounts.log_in(
            request.form["identifier"], kc.Secret(request.form["password"]),
            ip_address=request.remote_addr, confirmation=token or None, locale=g.lang,
        )  # fmt: skip
        try:
            actor = shop.accounts.actor_for(result)  # type: ignore[arg-type]
        except kc.PermissionDeniedError:
            return render_template("login.html", token=token, error=result.message(g.lang))  # type: ignore[union-attr]
        session["sid"] = shop.sessions.start(ip_address=request.remote_addr).id  # a new session
        shop.sessions.sign_in(session["sid"], actor)
        return redirect(url_for("catalogue"))

    @app.post("/account/logout")
    def logout() -> Response:
        shop.sessions.end(session.pop("sid"))
        session.pop("staff", None)
        return redirect(url_for("catalogue"))

    @app.route("/account/reset", methods=["GET", "POST"])
    def reset_request() -> str:
        if request.method == "GET":
            return render_template("reset.html", token=None, done=None)
        answer = shop.accounts.request_password_reset(request.form["email"], locale=g.lang)
        return render_template("reset.html", token=None, done=answer.message(g.lang))

    @app.route(security.reset_path, methods=["GET", "POST"])
    def reset_password() -> str:
        token = request.values.get("token", "")
        if request.method == "GET":
            return render_template("reset.html", token=token, done=None)
        shop.accounts.reset_password(
            token, kc.Secret(request.form["password"]), ip_address=request.remote_addr,
            locale=g.lang,
        )  # fmt: skip
        return render_template("message.html", info="Mot de passe changé.")

    # ------------------------------------------------------------------ my data (PRV-3, PRV-4)
    @app.route("/my-data", methods=["GET", "POST"])
    def my_data() -> str:
        if request.method == "GET":
            return render_template("my_data.html", done=None)
        answer = shop.privacy.open_request(
            g.actor, kind=request.form["kind"], email=request.form["email"], locale=g.lang
        )
        return render_template("my_data.html", done=answer.message(g.lang))

    @app.route(privacy.export_confirmation_path, methods=["GET", "POST"])
    @app.route(privacy.erasure_confirmation_path, methods=["GET", "POST"])
    def confirm_request() -> str:
        token = request.values.get("token", "")
        erasure = request.path == privacy.erasure_confirmation_path
        if request.method == "GET":
            return render_template("confirm.html", token=token, erasure=erasure)
        if erasure:
            shop.privacy.confirm_erasure(token)
            return render_template(
                "message.html", info="Données effacées ; un courriel le confirme."
            )
        shop.privacy.confirm_export(token)
        return render_template(
            "message.html", info="Demande confirmée : lien de téléchargement envoyé."
        )

    @app.get(privacy.download_path)
    def download() -> Response:
        # The file the shop delivers (PRV-3): by default one .html page with the JSON
        # inside; served with the name and type the library gives, as an attachment, never
        # cached (it is personal data, and the link works once).
        bundle = shop.privacy.download(request.args.get("token", ""))
        return Response(bundle.data, content_type=bundle.content_type, headers={
            "Content-Disposition": f'attachment; filename="{bundle.filename}"',
            "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
        })  # fmt: skip

    # ------------------------------------------------------------------ staff and development
    @app.route("/staff", methods=["GET", "POST"])
    def staff() -> str:
        if request.method == "POST":
            typed = request.form.get("password", "").encode()
            session["staff"] = bool(staff_secret) and hmac.compare_digest(
                typed, (staff_secret or "").encode()
            )
        if not session.get("staff"):
            return render_template("staff.html", orders=None, denied=request.method == "POST")
        query = request.args.get("q", "").strip()
        return render_template(
            "staff.html", orders=shop.orders.list(STAFF, limit=20), query=query,
            found=shop.accounts.find(STAFF, query) if query else None,
            log=shop.accounts.access_log(STAFF, limit=20), denied=False,
        )  # fmt: skip

    @app.get("/dev/outbox")
    def outbox() -> str:
        mailer = shop.mailer
        messages = mailer.messages if isinstance(mailer, InMemoryOutbox) else []
        return render_template("outbox.html", messages=list(reversed(messages)))

    return app


def main(argv: list[str] | None = None) -> None:
    """``python examples/webshop/app.py [--db URL] [--port N]``: the development server."""
    parser = argparse.ArgumentParser(description="klickit_core example web shop")
    parser.add_argument("--db", default="sqlite:///webshop.db", help="database URL")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args(argv)
    base_url = f"http://{args.host}:{args.port}"
    staff = os.environ.get("WEBSHOP_STAFF_PASSWORD") or secrets.token_urlsafe(12)
    print(f"Shop on {base_url}  (staff password: {staff})")  # noqa: T201 - the dev's console
    app = create_app(args.db, base_url=base_url, staff_password=staff,
                     erasure_key=os.environ.get("WEBSHOP_ERASURE_KEY"))  # fmt: skip
    app.run(host=args.host, port=args.port)


if __name__ == "__main__":
    main()
