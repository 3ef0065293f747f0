"""The child side of the login races (``test_login_races.py``), run as real processes.

Each child builds its own shop on the shared database URL, warms its hasher, prints
``ready`` and waits for ``go`` on its standard input. Then its threads fire their calls
together (a barrier), and it prints one JSON line per call: what the caller got back.
Mails go to a file shared by every child, one line per mail, appended atomically.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

import attrs

from klickit_core.accounts import login as login_module
from klickit_core.accounts import reset as reset_module
from klickit_core.accounts.security import SecuritySettings
from klickit_core.adapters.passwords import OWASP_MINIMUM, Argon2PasswordHasher
from klickit_core.bootstrap import Shop, build_shop
from klickit_core.shared.mail import MailMessage
from klickit_core.shared.sensitive import Secret

BASE_URL = "https://boutique.example.fr"
HASHER = Argon2PasswordHasher(OWASP_MINIMUM)


@attrs.frozen
class FileMailer:
    """Appends ``template recipient`` for each mail to one file (``O_APPEND`` writes of a
    short line are atomic, so children never interleave within a line)."""

    path: Path

    def send(self, message: MailMessage) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            out.write(f"{message.template} {message.to}\n")


def shop_for(url: str, mails: Path) -> Shop:
    """The shop every child and the parent build on ``url``."""
    return build_shop(
        url,
        hasher=HASHER,
        mailer=FileMailer(mails),
        security=SecuritySettings(base_url=BASE_URL),
    )


def _call(shop: Shop, call: dict[str, Any]) -> dict[str, Any]:
    if call["kind"] == "login":
        got = login_module.login(
            shop.unit_of_work(),
            shop.clock,
            shop.ids,
            shop.hasher,
            shop.mailer,
            shop.security_settings,
            call["identifier"],
            Secret(call["password"]),
            ip_address=call["ip"],
        )
        if isinstance(got, login_module.LoginSucceeded):
            return {"outcome": "succeeded", "customer_id": got.customer_id, "confirmed": False}
        return {"outcome": "refused"}
    reset_module.request_password_reset(
        shop.unit_of_work(), shop.clock, shop.mailer, shop.security_settings, call["email"]
    )
    return {"outcome": "requested"}


def main(url: str, mails: str, calls_json: str) -> None:
    """Run the calls of ``calls_json`` (a JSON list), one thread each, all at once."""
    calls: list[dict[str, Any]] = json.loads(calls_json)
    shop = shop_for(url, Path(mails))
    HASHER.verify(HASHER.hash(Secret("warm up")), Secret("warm up"))
    with shop.unit_of_work() as uow:  # open the pool's first connection before the race
        uow.customers.get("nobody")
    print("ready", flush=True)  # noqa: T201 - the protocol with the parent
    if sys.stdin.readline().strip() != "go":
        raise SystemExit("no go")
    start = threading.Barrier(len(calls))
    results: list[dict[str, Any]] = [{} for _ in calls]

    def fire(index: int) -> None:
        start.wait()
        try:
            results[index] = _call(shop, calls[index])
        except BaseException as unexpected:  # reported to the parent, which fails
            results[index] = {"outcome": f"unexpected {type(unexpected).__name__}"}

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    shop.close()
    for result in results:
        print(json.dumps(result), flush=True)  # noqa: T201 - the results, to the parent
