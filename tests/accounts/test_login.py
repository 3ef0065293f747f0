"""SEC-1, SEC-2: logging in, the login limits and the emailed confirmation.

« Nous limitons les tentatives de connexion pour éviter les piratages, à la suite de ces
tentatives, une confirmation d'authentification vous sera demandée par mail. »
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import timedelta

import pytest

from klickit_core.accounts.login import LOGIN_REFUSED, LoginRefused, LoginSucceeded
from klickit_core.accounts.security import (
    AttemptOutcome,
    InvalidNetworkAddressError,
    LoginSettings,
    SecuritySettings,
    network_key,
)
from klickit_core.shared.security_events import SecurityEventKind
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.serialisation import unstructure

from .conftest import ANY_BACKEND, BASE_URL, IP, PASSWORD, Security

CONFIRMATION = "accounts.login_confirmation"
WRONG = Secret("pas le bon mot de passe")


# ---------------------------------------------------------------------- logging in
@pytest.mark.parametrize(
    "identifier", ["camille@example.fr", "  Camille@EXAMPLE.fr ", "camille", "CAMILLE"]
)
def test_login_by_email_or_username(security: Security, identifier: str) -> None:
    """SEC-2: log in with the email (normalised as accounts store it) or the username
    (case-insensitive)."""
    customer = security.open_account()
    assert security.login(identifier) == LoginSucceeded(customer.id)


def test_a_username_that_looks_like_an_email_still_logs_in(security: Security) -> None:
    """CHK-1 allows ``@`` in usernames: an identifier that parses as an email but matches no
    email is tried as a username."""
    customer = security.open_account(email="zoe@example.fr", username="zoe@atelier")
    assert security.login("zoe@atelier") == LoginSucceeded(customer.id)


@pytest.mark.parametrize(
    "password",
    [WRONG, Secret(""), Secret(PASSWORD.reveal().upper()), Secret(" " + PASSWORD.reveal())],
)
def test_a_wrong_password_is_refused(security: Security, password: Secret) -> None:
    security.open_account()
    assert security.login("camille", password) is LOGIN_REFUSED


@pytest.mark.parametrize("identifier", [None, 42, "", "   ", "x" * 10_000, "nobody", "a@b.fr"])
def test_odd_identifiers_are_refused_not_crashed(security: Security, identifier: object) -> None:
    """X-9: whatever an untyped caller sends as the identifier, the answer is a refusal."""
    security.open_account()
    assert security.login(identifier) is LOGIN_REFUSED


def test_a_password_that_is_not_a_secret(security: Security) -> None:
    """X-9: an untyped caller's plain ``str`` is wrapped (as checkout does); anything else
    is refused, never a crash."""
    customer = security.open_account()
    assert security.login("camille", None) is LOGIN_REFUSED  # type: ignore[arg-type]
    assert security.login("camille", 12) is LOGIN_REFUSED  # type: ignore[arg-type]
    plain = PASSWORD.reveal()
    assert security.login("camille", plain) == LoginSucceeded(customer.id)  # type: ignore[arg-type]


def test_an_account_without_credentials_cannot_log_in(security: Security) -> None:
    """An account whose hash is missing (imported without one) is refused, through the
    dummy hash, like any unknown account."""
    customer = security.open_account()
    with security.uow() as uow:
        uow.store.tables["credentials"].pop(customer.id)
    assert security.login("camille") is LOGIN_REFUSED


def test_a_bad_client_address_is_the_apps_bug(security: Security) -> None:
    security.open_account()
    with pytest.raises(InvalidNetworkAddressError) as raised:
        security.login("camille", ip="999.1.1.1")
    assert raised.value.code == "accounts.invalid_ip_address"
    assert isinstance(security.login("camille", ip=None), LoginSucceeded)  # no client: no IP limit


# ---------------------------------------------------------------------- no enumeration
def test_unknown_account_wrong_password_and_held_login_give_one_answer(security: Security) -> None:
    """SEC-2: "No answer reveals whether an account exists": the very same object, code and
    message (fr, en) for an unknown identifier, a wrong password, and a login held for an
    emailed confirmation (right password or not)."""
    security.open_account()
    unknown = security.login("nobody@example.fr")
    wrong = security.login("camille@example.fr", WRONG)
    security.fail(4)
    held_wrong = security.login("camille", WRONG)
    held_right = security.login("camille")
    answers = [unknown, wrong, held_wrong, held_right]
    assert all(answer is LOGIN_REFUSED for answer in answers)
    assert {repr(a) for a in answers} == {"LoginRefused()"}
    assert {unstructure(a, locale="fr")["message"] for a in answers} == {
        LOGIN_REFUSED.message("fr")
    }
    assert unstructure(LOGIN_REFUSED, locale="en") == {
        "code": "accounts.login_refused",
        "message": LoginRefused.message_template,
    }
    assert "confirmation" in LOGIN_REFUSED.message("en")
    assert LOGIN_REFUSED.message("fr") != LOGIN_REFUSED.message("en")


def _median_seconds(calls: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Median time of each call, timed interleaved (the order rotates every round)."""
    names = list(calls)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            calls[name]()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def test_unknown_accounts_take_as_long_as_wrong_passwords(security: Security) -> None:
    """SEC-2: an unknown identifier is checked against a dummy Argon2id hash made with the
    current parameters, so its answer takes as long as a wrong password's, and as a held
    login's. Medians of interleaved runs, compared as ratios (never absolute times)."""
    security.settings = SecuritySettings(
        base_url=BASE_URL, login=LoginSettings(account_limit=3, ip_limit=10_000)
    )
    security.open_account()
    security.open_account(email="held@example.fr", username="held")
    security.fail(3, identifier="held")  # "held" needs a confirmation from now on

    calls = {
        "unknown": lambda: security.login("nobody@example.fr", WRONG),
        "wrong": lambda: security.login("camille@example.fr", WRONG),
        "held": lambda: security.login("held@example.fr", WRONG),
    }
    for call in calls.values():  # warm-up, and every answer is the refusal
        assert call() is LOGIN_REFUSED
    medians = _median_seconds(calls, rounds=9)
    for name in ("wrong", "held"):
        ratio = medians["unknown"] / medians[name]
        assert 0.5 <= ratio <= 2, (name, medians)


# ---------------------------------------------------------------------- the limits
def test_past_the_account_limit_the_right_password_needs_a_confirmation(
    security: Security,
) -> None:
    """SEC-2: after 5 failures on an account (the default), the right password alone is
    refused; a confirmation link goes to the account's address."""
    security.open_account()
    security.fail(4)
    assert isinstance(security.login("camille"), LoginSucceeded)  # 4 failures: still fine
    security.fail(5)
    assert security.login("camille") is LOGIN_REFUSED
    mails = security.mails(CONFIRMATION)
    assert len(mails) == 1
    assert mails[0].locale == "fr"
    assert mails[0].subject == "Confirmez votre connexion"
    assert f"{BASE_URL}/compte/connexion/confirmer?token=" in mails[0].body
    assert "30 minutes" in mails[0].body


@ANY_BACKEND
def test_the_confirmation_link_unlocks_the_next_login(security: Security) -> None:
    """SEC-2: password + the token of the mailed link = logged in, once."""
    customer = security.open_account()
    security.fail(5)
    security.login("camille")
    token = security.last_token(CONFIRMATION)
    result = security.login("camille", confirmation=token)
    assert result == LoginSucceeded(customer.id, confirmed=True)
    record = security.token_record(token)
    assert record is not None
    assert record.used_at == security.clock.now()
    kinds = [e.kind for e in security.events()]
    assert SecurityEventKind.LOGIN_CONFIRMED in kinds


def test_a_confirmation_without_the_password_does_nothing(security: Security) -> None:
    security.open_account()
    security.fail(5)
    security.login("camille")
    token = security.last_token(CONFIRMATION)
    assert security.login("camille", WRONG, confirmation=token) is LOGIN_REFUSED
    record = security.token_record(token)
    assert record is not None
    assert record.used_at is None  # not spent by a failed attempt


@pytest.mark.parametrize(
    "how", ["expired", "used", "tampered", "garbage", "other_account", "reset"]
)
def test_a_bad_confirmation_does_not_unlock(security: Security, how: str) -> None:
    """SEC-2, SEC-6: an expired, already used, tampered, malformed, other account's or
    other purpose's token leaves the login held (and sends a fresh link)."""
    security.open_account()
    other = security.open_account(email="zoe@example.fr", username="zoe")
    security.fail(5)
    security.login("camille")
    token = security.last_token(CONFIRMATION)
    if how == "expired":
        security.later(minutes=31)
        security.fail(5)  # the window slid too: hold the account again
    elif how == "used":
        assert isinstance(security.login("camille", confirmation=token), LoginSucceeded)
        security.fail(5)
    elif how == "tampered":
        selector, verifier = token.split(".")
        token = f"{selector}.{verifier[:-1]}{'A' if verifier[-1] != 'A' else 'B'}"
    elif how == "garbage":
        token = "not-a-token"
    elif how == "other_account":
        security.fail(5, identifier="zoe")
        security.login("zoe")
        token = security.last_token(CONFIRMATION, to="zoe@example.fr")
    else:  # a password reset token is not a login confirmation
        security.request_reset()
        token = security.last_token("accounts.password_reset")
    assert security.login("camille", confirmation=token) is LOGIN_REFUSED
    assert other.id  # the other account is untouched


@ANY_BACKEND
def test_confirmation_mails_are_capped_per_window(security: Security) -> None:
    """SEC-2: someone who has the password but not the mailbox cannot flood it: at most
    3 confirmation mails per account per window (the default)."""
    security.open_account()
    security.fail(5)
    for _ in range(6):
        assert security.login("camille") is LOGIN_REFUSED
    assert len(security.mails(CONFIRMATION)) == 3
    security.later(minutes=16)
    security.fail(5)
    security.login("camille")
    assert len(security.mails(CONFIRMATION)) == 4


def test_the_window_slides(security: Security) -> None:
    """SEC-2: failures older than the window (15 minutes) stop counting, one by one."""
    customer = security.open_account()
    security.fail(3)
    security.later(minutes=10)
    security.fail(2)  # 5 in the last 15 minutes
    assert security.login("camille") is LOGIN_REFUSED
    security.later(minutes=5, seconds=1)  # the first 3 are now older than 15 minutes
    assert security.login("camille") == LoginSucceeded(customer.id)


@ANY_BACKEND
def test_the_window_boundary(security: Security) -> None:
    """SEC-2: a failure exactly ``window`` old still counts; a second later it does not."""
    customer = security.open_account()
    security.fail(5)
    security.later(minutes=15)
    assert security.login("camille") is LOGIN_REFUSED
    security.later(seconds=1)
    assert security.login("camille") == LoginSucceeded(customer.id)


@ANY_BACKEND
def test_a_successful_login_clears_the_account_count(security: Security) -> None:
    """SEC-2: failures before a successful login no longer count against the account."""
    customer = security.open_account()
    security.fail(4)
    security.later(seconds=1)
    assert security.login("camille") == LoginSucceeded(customer.id)
    security.later(seconds=1)
    security.fail(4)
    assert security.login("camille") == LoginSucceeded(customer.id)
    security.fail(5)
    assert security.login("camille") is LOGIN_REFUSED


@ANY_BACKEND
def test_the_ip_limit_holds_every_account_from_that_address(security: Security) -> None:
    """SEC-2: 20 failures from one address (on any accounts, known or not) hold the next
    login of any account from it; other addresses are not affected."""
    camille = security.open_account()
    zoe = security.open_account(email="zoe@example.fr", username="zoe")
    for index in range(20):
        assert security.login(f"probe{index}@example.org", WRONG) is LOGIN_REFUSED
    assert security.login("zoe") is LOGIN_REFUSED
    assert security.mails(CONFIRMATION, to="zoe@example.fr")
    assert security.login("camille", ip="198.51.100.20") == LoginSucceeded(camille.id)
    token = security.last_token(CONFIRMATION, to="zoe@example.fr")
    assert security.login("zoe", confirmation=token) == LoginSucceeded(zoe.id, confirmed=True)


def test_ipv6_clients_are_counted_per_64_network(security: Security) -> None:
    """SEC-2: rotating addresses inside one /64 does not escape the IP limit."""
    security.settings = SecuritySettings(base_url=BASE_URL, login=LoginSettings(ip_limit=3))
    security.open_account()
    for suffix in ("1", "2", "3"):
        security.login("nobody", WRONG, ip=f"2001:db8:aa:bb::{suffix}")
    assert security.login("camille", ip="2001:db8:aa:bb:ffff::9") is LOGIN_REFUSED
    assert isinstance(security.login("camille", ip="2001:db8:aa:cc::1"), LoginSucceeded)


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7 ", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("2001:db8:aa:bb:1:2:3:4", "2001:db8:aa:bb::/64"),
        ("2001:DB8:AA:BB::", "2001:db8:aa:bb::/64"),
        (None, None),
    ],
)
def test_network_keys(address: str | None, key: str | None) -> None:
    assert network_key(address) == key


@pytest.mark.parametrize("address", ["", "localhost", "1.2.3", "2001:db8::g", "1.2.3.4/24"])
def test_network_keys_refuse_what_is_not_an_address(address: str) -> None:
    with pytest.raises(InvalidNetworkAddressError):
        network_key(address)


def test_limits_are_configurable(security: Security) -> None:
    """SEC-2: the thresholds and the window come from the settings."""
    security.settings = SecuritySettings(
        base_url=BASE_URL,
        login=LoginSettings(account_limit=2, window=timedelta(minutes=1)),
    )
    customer = security.open_account()
    security.fail(2)
    assert security.login("camille") is LOGIN_REFUSED
    security.later(minutes=1, seconds=1)
    assert security.login("camille") == LoginSucceeded(customer.id)


@pytest.mark.parametrize(
    "bad",
    [
        {"account_limit": 0},
        {"ip_limit": -1},
        {"window": timedelta(0)},
        {"confirmation_ttl": timedelta(seconds=-1)},
        {"confirmation_mails": 0},
        {"account_limit": 2.5},
    ],
)
def test_settings_refuse_nonsense(bad: dict[str, object]) -> None:
    with pytest.raises((ValueError, TypeError)):
        LoginSettings(**bad)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- security events
def test_each_lockout_is_logged_once_with_ids_only(security: Security) -> None:
    """SEC-2, BRE-1: reaching the account limit writes one ``login.lockout.account`` event
    naming the account by id and the network key; more failures do not repeat it."""
    customer = security.open_account()
    security.fail(8)
    events = security.events()
    assert [e.kind for e in events] == [SecurityEventKind.LOGIN_LOCKOUT_ACCOUNT]
    event = events[0]
    assert (event.customer_id, event.ip_address, event.actor_id) == (customer.id, IP, None)
    assert "camille" not in repr(event)
    assert IP not in repr(event)


def test_a_later_lockout_is_logged_again(security: Security) -> None:
    security.open_account()
    security.fail(5)
    security.later(minutes=20)
    security.fail(5)
    kinds = [e.kind for e in security.events()]
    assert kinds == [SecurityEventKind.LOGIN_LOCKOUT_ACCOUNT] * 2


def test_an_ip_lockout_is_logged_without_an_account(security: Security) -> None:
    security.settings = SecuritySettings(base_url=BASE_URL, login=LoginSettings(ip_limit=3))
    for _ in range(4):
        security.login("nobody@example.fr", WRONG)
    events = security.events()
    assert [(e.kind, e.customer_id, e.ip_address) for e in events] == [
        (SecurityEventKind.LOGIN_LOCKOUT_IP, None, IP)
    ]


def test_attempts_on_unknown_identifiers_keep_no_identifier(security: Security) -> None:
    """SEC-2, PRV-1: a probe for an address with no account leaves a failed attempt with
    no account and the network key, never the address typed."""
    security.login("stranger@example.org", WRONG)
    [attempt] = security.attempts()
    assert (attempt.outcome, attempt.customer_id, attempt.ip_address) == (
        AttemptOutcome.FAILED,
        None,
        IP,
    )
    assert "stranger" not in repr(security.store.tables)


def test_a_success_revokes_outstanding_confirmations(security: Security) -> None:
    """A login that went through ends the confirmation links still in the mailbox."""
    security.open_account()
    security.fail(5)
    security.login("camille")
    token = security.last_token(CONFIRMATION)
    security.later(minutes=16)  # the window slid: no confirmation needed any more
    assert isinstance(security.login("camille"), LoginSucceeded)
    record = security.token_record(token)
    assert record is not None
    assert record.used_at is not None  # revoked: the link no longer works


def test_the_confirmation_mail_speaks_the_requested_language(security: Security) -> None:
    security.open_account()
    security.fail(5)
    security.login("camille", locale="en-GB")
    [mail] = security.mails(CONFIRMATION)
    assert (mail.locale, mail.subject) == ("en", "Confirm your login")
    assert PASSWORD.reveal() not in mail.body
