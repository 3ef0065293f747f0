"""Account security benchmark: ``login``.

**Ours**: a successful ``shop.accounts.log_in`` (the call an app makes,
:meth:`klickit_core.application.accounts.AccountService.log_in`) on a memory shop, by
email, with a client address: normalise and look up the identifier, count the recent
failures of the account and of the address, read the hash, verify it with Argon2id, check
whether it needs a rehash, record the attempt, end outstanding confirmation links, commit.

**Baseline ``argon2_verify`` (the floor)**: argon2-cffi's ``PasswordHasher.verify`` on the
same hash with the same parameters: the least any login must do. The goal is a ratio of at
most 1.1: the limits, the records and the transaction cost next to nothing beside the hash.

Parameters: the production default, RFC 9106's low-memory profile (64 MiB, 3 passes,
4 lanes; about a third of a second on a 2-core machine); ``--smoke`` uses OWASP's minimum
(19 MiB, 2 passes, 1 lane) so the test suite stays quick.

Extra figure ``ratio_unknown_vs_wrong``: an unknown identifier against a wrong password
for an existing account (both refused), which SEC-2 wants equal: an unknown account is
checked against a dummy hash made with the same parameters. Measured with at most 11
repeats, limits raised so that neither side is ever held.
"""

from __future__ import annotations

from typing import Any

from argon2 import PasswordHasher as Argon2

from _harness import Result, Settings, benchmark, check, compare
from klickit_core import AccountDetailsForm, build_shop
from klickit_core.accounts.login import LOGIN_REFUSED, LoginSucceeded
from klickit_core.accounts.security import LoginSettings, SecuritySettings
from klickit_core.adapters.memory import InMemoryOutbox
from klickit_core.adapters.passwords import OWASP_MINIMUM, RFC_9106_LOW_MEMORY, Argon2PasswordHasher
from klickit_core.shared.sensitive import Secret
from klickit_core.testing import FixedClock

PASSWORD = "un chat gris dort sur le toit de la gare"  # noqa: S105 - a benchmark's
EMAIL = "camille@example.fr"
IP = "203.0.113.7"


@benchmark("login", "a successful login (Argon2id included) vs a bare argon2-cffi verify")
def login_benchmark(settings: Settings) -> Result:
    """Log in by email with the right password, against ``PasswordHasher.verify``."""
    parameters = OWASP_MINIMUM if settings.label == "smoke" else RFC_9106_LOW_MEMORY
    outbox = InMemoryOutbox()
    shop = build_shop(
        clock=FixedClock(),
        mailer=outbox,
        hasher=Argon2PasswordHasher(parameters),
        security=SecuritySettings(
            base_url="https://boutique.example.fr",
            login=LoginSettings(account_limit=10**9, ip_limit=10**9),
        ),
    )
    details = AccountDetailsForm(first_name="Camille", last_name="Martin", email=EMAIL)
    customer = shop.accounts.register(details, "camille", Secret(PASSWORD))
    with shop.unit_of_work() as uow:  # the stored hash, for the floor to verify
        stored = uow.credentials.password_hash(customer.id)
    check(stored is not None, "the account has no hash")
    floor_hash = stored or ""
    floor_hasher = Argon2.from_parameters(parameters)

    def attempt(identifier: str, password: str) -> object:
        return shop.accounts.log_in(identifier, Secret(password), ip_address=IP)

    def ours() -> object:
        return attempt(EMAIL, PASSWORD)

    def floor() -> object:
        return floor_hasher.verify(floor_hash, PASSWORD)

    def unknown() -> object:
        return attempt("nobody@example.fr", PASSWORD)

    def wrong() -> object:
        return attempt(EMAIL, "pas le bon mot de passe")

    check(ours() == LoginSucceeded(customer.id), "ours did not log in")
    check(floor() is True, "the floor did not verify")
    check(unknown() is LOGIN_REFUSED and wrong() is LOGIN_REFUSED, "a refusal went through")
    check(not outbox.messages, "a login was held for confirmation")

    times = compare({"ours": ours, "floor": floor}, settings)
    refusals = compare(
        {"unknown": unknown, "wrong": wrong}, settings.with_repeats(min(settings.repeats, 11))
    )
    ratio = times["ours"] / times["floor"]
    extra: dict[str, Any] = {
        "memory_kib": parameters.memory_cost,
        "time_cost": parameters.time_cost,
        "parallelism": parameters.parallelism,
        "overhead_s": times["ours"] - times["floor"],
        "unknown_s": refusals["unknown"],
        "wrong_s": refusals["wrong"],
        "ratio_unknown_vs_wrong": refusals["unknown"] / refusals["wrong"],
        "goals": {"ratio <= 1.1": ratio <= 1.1},
    }
    return Result.of("login", times["ours"], "argon2_verify", times["floor"], **extra)
