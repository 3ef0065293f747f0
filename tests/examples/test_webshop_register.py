"""The example shop's sign-up page on ``shop.accounts.register`` (CHK-3, SEC-1, X-9).

Flask's test client, no browser: what is checked is the one call to the service, which
validates the details, the username and the password together.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

from argon2.profiles import CHEAPEST

from klickit_core.adapters.passwords import Argon2PasswordHasher

APP = Path(__file__).resolve().parents[2] / "examples" / "webshop" / "app.py"
FIELD = re.compile(r'data-field="([^"]+)"')


def _app(database: Path) -> Any:
    spec = importlib.util.spec_from_file_location("webshop_register_app", APP)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.create_app(
        f"sqlite:///{database}", secret_key="test", hasher=Argon2PasswordHasher(CHEAPEST)
    )


def test_sign_up_shows_every_error_at_once_and_writes_nothing(tmp_path: Path) -> None:
    """CHK-3, SEC-1, X-9: a missing first name, a malformed email and a short password are
    shown together, in French; no account is made, so the corrected form goes through,
    and a second sign-up with the same email gets the one refusal."""
    app = _app(tmp_path / "shop.db")
    try:
        client = app.test_client()
        typed = {"first_name": "", "last_name": "Durand", "email": "chloe@", "password": "court"}
        refused = client.post("/account/register", data=typed)
        assert refused.status_code == 200
        page = refused.get_data(as_text=True)
        assert FIELD.findall(page) == ["first_name", "email", "password"]
        assert "Utilisez au moins 12 caractères." in page

        corrected = {**typed, "first_name": "Chloé", "email": "chloe@example.fr",
                     "password": "un cheval correct 2026"}  # fmt: skip
        created = client.post("/account/register", data=corrected)
        assert (created.status_code, created.location) == (302, "/account/login?registered=1")
        again = client.post("/account/register", data=corrected)
        assert again.status_code == 400
    finally:
        app.extensions["shop"].close()
