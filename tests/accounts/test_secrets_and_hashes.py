"""SEC-1: stored hashes meet the minimums and are upgraded at login; passwords, hashes and
tokens never reach logs, exceptions, mails or ``repr``.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import argon2
import pytest
from argon2 import Type

from klickit_core.accounts import lost_credentials as recovery
from klickit_core.accounts.login import LOGIN_REFUSED, LoginSucceeded
from klickit_core.accounts.reset import RESET_REQUESTED
from klickit_core.accounts.security import SecuritySettings
from klickit_core.adapters.passwords import OWASP_MINIMUM, Argon2PasswordHasher
from klickit_core.bootstrap import build_shop
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import KlickitError, ValidationError
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.serialisation import unstructure
from klickit_core.shared.tokens import InvalidTokenError

from .conftest import NEW_PASSWORD, PASSWORD, Security

#: OWASP Password Storage Cheat Sheet, Argon2id: m >= 19 MiB, t >= 2, p >= 1.
OWASP = {"memory_cost": 19 * 1024, "time_cost": 2, "parallelism": 1}
#: RFC 9106's low-memory profile, the production default: 64 MiB, 3 passes, 4 lanes.
RFC_9106_LOW_MEMORY = {"memory_cost": 64 * 1024, "time_cost": 3, "parallelism": 4}
#: A stronger profile than the test hasher, still quick: one more pass.
RAISED = dataclasses.replace(OWASP_MINIMUM, time_cost=3)
MANAGER = Actor("manager-1", Role.SHOP_MANAGER)


def check_minimums(password_hash: str, minimums: dict[str, int]) -> argon2.Parameters:
    parameters = argon2.extract_parameters(password_hash)
    assert parameters.type is Type.ID
    assert parameters.version == 19
    for name, floor in minimums.items():
        assert getattr(parameters, name) >= floor, name
    assert parameters.salt_len >= 16
    return parameters


def every_stored_hash(security: Security) -> dict[str, str]:
    with security.uow() as uow:
        return dict(uow.store.tables["credentials"])  # type: ignore[arg-type]


def exercise(security: Security) -> dict[str, Any]:
    """Create accounts, log in (right, wrong, held, confirmed), reset, recover: every path
    that writes a hash or handles a password. Returns what the paths returned or raised."""
    seen: dict[str, Any] = {}
    camille = security.open_account()
    zoe = security.open_account(email="zoe@example.fr", username="zoe", password=NEW_PASSWORD)
    seen["login"] = security.login("camille")
    security.fail(5)
    seen["held"] = security.login("camille")
    token = security.last_token("accounts.login_confirmation")
    seen["confirmed"] = security.login("camille", confirmation=token)
    seen["requested"] = security.request_reset()
    reset_token = security.last_token("accounts.password_reset")
    try:
        security.reset(reset_token, Secret("qwerty123456"))
    except ValidationError as error:
        seen["weak"] = error
    try:
        security.reset("x" * 66)
    except InvalidTokenError as error:
        seen["bad_token"] = error
    seen["reset"] = security.reset(reset_token, Secret("une nouvelle phrase de passe"))
    request = recovery.open_lost_credentials_request(
        security.uow(),
        security.clock,
        security.ids,
        Actor.visitor(),
        name="Zoé",
        email="zoe.perso@example.org",
        message="Perdu",
    )
    seen["recovered"] = recovery.resolve_lost_credentials_request(
        security.uow(),
        security.clock,
        security.ids,
        security.outbox,
        security.settings,
        MANAGER,
        request.id,
        zoe.id,
    )
    seen["accounts"] = (camille, zoe)
    return seen


# ---------------------------------------------------------------------- hash parameters
def test_every_stored_hash_meets_owasps_minimum(security: Security) -> None:
    """SEC-1: after accounts, logins, resets and a recovery, every stored hash is Argon2id
    (v=19) with m >= 19 MiB, t >= 2, p >= 1."""
    exercise(security)
    hashes = every_stored_hash(security)
    assert len(hashes) == 2
    for password_hash in hashes.values():
        check_minimums(password_hash, OWASP)


def test_the_production_default_is_rfc_9106_low_memory() -> None:
    """SEC-1: a shop built with the defaults hashes with RFC 9106's low-memory profile
    (64 MiB, t=3, p=4), above OWASP's minimum; the test profile is only for speed."""
    shop = build_shop()
    parameters = check_minimums(shop.hasher.hash(PASSWORD), RFC_9106_LOW_MEMORY)
    assert parameters.memory_cost >= OWASP["memory_cost"]
    assert isinstance(shop.security_settings, SecuritySettings)


def test_a_login_rehashes_when_the_parameters_were_raised(security: Security) -> None:
    """SEC-1: "rehashed when parameters change": the first login after the hasher's
    parameters were raised stores a new hash with them; the next login does not rehash."""
    customer = security.open_account()
    old = security.stored_hash(customer.id)
    assert argon2.extract_parameters(old).time_cost == 2
    raised = Argon2PasswordHasher(RAISED)
    assert security.login("camille", hasher=raised) == LoginSucceeded(customer.id, rehashed=True)
    new = security.stored_hash(customer.id)
    assert new != old
    assert argon2.extract_parameters(new).time_cost == 3
    check_minimums(new, OWASP)
    assert security.login("camille", hasher=raised) == LoginSucceeded(customer.id)
    assert security.stored_hash(customer.id) == new


def test_a_failed_login_never_rehashes(security: Security) -> None:
    customer = security.open_account()
    old = security.stored_hash(customer.id)
    raised = Argon2PasswordHasher(RAISED)
    assert security.login("camille", Secret("pas le bon"), hasher=raised) is LOGIN_REFUSED
    assert security.stored_hash(customer.id) == old


def test_a_reset_hashes_with_the_current_parameters(security: Security) -> None:
    customer = security.open_account()
    assert security.request_reset() is RESET_REQUESTED
    token = security.last_token("accounts.password_reset")
    security.reset(token, hasher=Argon2PasswordHasher(RAISED))
    assert argon2.extract_parameters(security.stored_hash(customer.id)).time_cost == 3


# ---------------------------------------------------------------------- nothing leaks
def _renderings(value: object) -> list[str]:
    texts = [repr(value), str(value)]
    if isinstance(value, KlickitError):
        texts += [value.message("fr"), value.message("en"), str(unstructure(value, locale="fr"))]
        texts += [repr(e) for e in getattr(value, "errors", ())]
    return texts


def test_passwords_hashes_and_tokens_never_leak(
    security: Security, caplog: pytest.LogCaptureFixture
) -> None:
    """SEC-1, SEC-3: whatever was typed or stored as a secret appears in no log record, no
    exception, no returned object, no stored record's ``repr``, and no mail but the link
    that carries the token to its owner."""
    caplog.set_level(logging.DEBUG)
    seen = exercise(security)
    passwords = [
        PASSWORD.reveal(),
        NEW_PASSWORD.reveal(),
        "une nouvelle phrase de passe",
        "qwerty123456",
        "pas le bon mot de passe",
    ]
    hashes = list(every_stored_hash(security).values())
    secrets_ = passwords + hashes + [h.rsplit("$", 1)[1] for h in hashes]
    # Token verifiers as mailed; their stored hashes.
    verifiers = [
        token.split(".")[1]
        for template in ("accounts.password_reset", "accounts.login_confirmation")
        for to in ("camille@example.fr", "zoe@example.fr")
        for token in security.tokens_in(template, to)
    ]
    assert verifiers
    with security.uow() as uow:
        records = list(uow.scan("one_time_tokens"))
    verifier_hashes = [r.verifier_hash for r in records]

    texts: list[str] = [caplog.text, *(r.getMessage() for r in caplog.records)]
    for value in seen.values():
        for item in value if isinstance(value, tuple) else (value,):
            texts += _renderings(item)
    for table in security.store.tables.values():
        for row in table.values():
            if not isinstance(row, str):  # the credentials table holds the hashes themselves
                texts += _renderings(row)
    texts += [repr(message) for message in security.outbox.messages]
    for text in texts:
        for secret in [*secrets_, *verifiers, *verifier_hashes]:
            assert secret not in text
    for message in security.outbox.messages:
        for secret in secrets_:
            assert secret not in message.body
            assert secret not in message.subject


def test_secrets_in_new_objects_print_as_stars(security: Security) -> None:
    """The objects that hold a secret hide it: issued tokens, token records, settings."""
    security.open_account()
    security.request_reset()
    token = security.last_token("accounts.password_reset")
    record = security.token_record(token)
    assert record is not None
    assert token not in repr(record)
    assert record.verifier_hash not in repr(record)
    assert "verifier_hash" not in repr(record)
    assert "links=" not in repr(security.settings)  # derived, and long
