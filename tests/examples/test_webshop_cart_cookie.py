"""The example shop is Klickit's, so its cart cookie is Klickit's configuration's (CRT-3,
PRV-8; issue #19, item 7): a session cookie the shop refuses a day after the cart's last
change. Flask's test client, no browser: what is checked is the ``Set-Cookie`` header the
app sends, against ``examples/policy/klickit.toml``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from argon2.profiles import CHEAPEST

from klickit_core.adapters.passwords import Argon2PasswordHasher
from klickit_core.policy import CartCookieLifetime, check_policy, load_policy

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "examples" / "webshop" / "app.py"
KLICKIT_TOML = ROOT / "examples" / "policy" / "klickit.toml"


def _app(database: Path) -> Any:
    spec = importlib.util.spec_from_file_location("webshop_cookie_app", APP)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.create_app(
        f"sqlite:///{database}", secret_key="test", hasher=Argon2PasswordHasher(CHEAPEST)
    )


def test_the_example_shop_sends_klickits_session_cart_cookie(tmp_path: Path) -> None:
    """CRT-3 (#19): adding to the cart sets the cart cookie without ``Max-Age`` nor
    ``Expires`` (the browser drops it when it closes), and the shop's codec is exactly
    what Klickit's configuration states, so its notice can be rendered from it."""
    app = _app(tmp_path / "shop.db")
    shop = app.extensions["shop"]
    try:
        config = load_policy(KLICKIT_TOML)
        assert CartCookieLifetime.of(shop.cart_cookie) == config.cart_cookie
        check_policy(config, shop.privacy_registry(), cart_cookie=shop.cart_cookie)
        sku = shop.catalogue.browse()[0].sku
        response = app.test_client().post("/cart/add", data={"sku": sku, "qty": "1"})
        assert response.status_code == 302
        (header,) = [
            value
            for value in response.headers.getlist("Set-Cookie")
            if value.startswith(f"{shop.cart_cookie.name}=")
        ]
        attributes = [part.split("=", 1)[0].lower() for part in header.split("; ")[1:]]
        assert "max-age" not in attributes
        assert "expires" not in attributes
        assert {"httponly", "path", "samesite"} <= set(attributes)
    finally:
        shop.close()
