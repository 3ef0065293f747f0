"""SEC-2, SEC-3 under real concurrency: the login limits and the mail caps hold whatever
the interleaving, on SQLite and PostgreSQL.

Each test fires its calls at once from several real processes (each a shop of its own on
the same database, with threads sharing that shop's pool), then reads the database. The
attempts' times are read inside the serialised claim, so ordering them by time replays the
order in which the limits were decided: every login that went through without an emailed
confirmation must have seen fewer failures than the limits before it. Lockout events are
written once per lockout; confirmation and reset mails never pass their caps.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from klickit_core.accounts.security import AttemptOutcome, LoginAttempt, LoginSettings
from klickit_core.accounts.services import AccountDetails, create_account
from klickit_core.bootstrap import Shop
from klickit_core.shared.security_events import SecurityEventKind
from klickit_core.shared.sensitive import Secret
from klickit_core.testing.contracts.sql import postgres_schema_url, postgres_url_or_skip

from .race_workers import shop_for

HERE = Path(__file__).resolve().parent
PASSWORD = "un chat gris dort sur le toit"
WRONG = "pas le bon mot de passe"
IP = "203.0.113.7"
LIMITS = LoginSettings()
CONFIRMATION_MAIL = "accounts.login_confirmation"
RESET_MAIL = "accounts.password_reset"

_CHILD = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from race_workers import main; main(*sys.argv[2:5])"
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'races.db'}"
    else:
        with postgres_schema_url(postgres_url_or_skip(), "klickit_login_race") as scratch:
            yield scratch


@pytest.fixture
def mails(tmp_path: Path) -> Path:
    return tmp_path / "mails.txt"


@pytest.fixture
def shop(url: str, mails: Path) -> Iterator[Shop]:
    made = shop_for(url, mails)  # creates the schema before any child starts
    yield made
    made.close()


def _open_accounts(shop: Shop, count: int, prefix: str = "client") -> list[str]:
    ids = []
    with shop.unit_of_work() as uow:
        for n in range(count):
            details = AccountDetails(
                email=f"{prefix}{n}@example.fr", first_name="Camille", last_name="Martin"
            )
            customer = create_account(
                uow, shop.clock, shop.ids, shop.hasher, details, None, Secret(PASSWORD)
            )
            ids.append(customer.id)
        uow.commit()
    return ids


def _race(url: str, mails: Path, calls: list[dict[str, Any]], processes: int) -> list[Any]:
    """Run ``calls`` at once, spread over ``processes`` children; what each returned, in
    the order of ``calls``."""
    shares = [calls[p::processes] for p in range(processes)]
    children = [
        subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
            [sys.executable, "-c", _CHILD, str(HERE), url, str(mails), json.dumps(share)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for share in shares
    ]
    try:
        for child in children:
            assert child.stdout is not None
            if child.stdout.readline().strip() != "ready":
                child.kill()
                pytest.fail(f"a child did not start: {child.communicate()[1]}")
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        outputs = [child.communicate(timeout=240) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    results: list[Any] = [None] * len(calls)
    for p, (child, (stdout, stderr)) in enumerate(zip(children, outputs, strict=True)):
        assert child.returncode == 0, stderr
        for k, line in enumerate(stdout.splitlines()):
            results[p + k * processes] = json.loads(line)
    assert all(r is not None and not r["outcome"].startswith("unexpected") for r in results)
    return results


def _attempts(shop: Shop, customer_ids: list[str]) -> list[LoginAttempt]:
    with shop.unit_of_work() as uow:
        found = [a for c in customer_ids for a in uow.login_attempts.for_customer(c)]
    return sorted(found, key=lambda a: (a.at, a.id))


def _events(shop: Shop, kind: SecurityEventKind) -> int:
    with shop.unit_of_work() as uow:
        return len(uow.security_events.events(kind=kind.value))


def _mails(mails: Path, template: str) -> int:
    if not mails.exists():
        return 0
    return sum(1 for line in mails.read_text().splitlines() if line.split()[0] == template)


def _check_no_success_past_a_limit(attempts: list[LoginAttempt]) -> int:
    """Replay the attempts in the order the limits saw them: every success must have seen
    fewer failures than each limit (on its account since its last success, and on its
    network). How many succeeded."""
    succeeded = 0
    for n, attempt in enumerate(attempts):
        if attempt.outcome is not AttemptOutcome.SUCCEEDED:
            continue
        succeeded += 1
        before = attempts[:n]
        last_unlock = max(
            (
                a.at
                for a in before
                if a.customer_id == attempt.customer_id and a.outcome is not AttemptOutcome.FAILED
            ),
            default=None,
        )
        on_account = sum(
            1
            for a in before
            if a.customer_id == attempt.customer_id
            and a.outcome is AttemptOutcome.FAILED
            and (last_unlock is None or a.at >= last_unlock)
        )
        on_network = sum(
            1 for a in before if a.ip_address == IP and a.outcome is AttemptOutcome.FAILED
        )
        assert on_account < LIMITS.account_limit, (n, on_account)
        assert on_network < LIMITS.ip_limit, (n, on_network)
    return succeeded


def _login(identifier: str, password: str = WRONG) -> dict[str, Any]:
    return {"kind": "login", "identifier": identifier, "password": password, "ip": IP}


def test_fifty_wrong_passwords_at_once_log_each_lockout_once(
    shop: Shop, url: str, mails: Path
) -> None:
    """SEC-2: 5 processes × 10 threads, one account, one network: every attempt is a
    failure, and the account and the network lockouts are each logged exactly once."""
    (camille,) = _open_accounts(shop, 1)
    results = _race(url, mails, [_login("client0@example.fr")] * 50, processes=5)
    assert {r["outcome"] for r in results} == {"refused"}
    attempts = _attempts(shop, [camille])
    assert [a.outcome for a in attempts] == [AttemptOutcome.FAILED] * 50
    assert _events(shop, SecurityEventKind.LOGIN_LOCKOUT_ACCOUNT) == 1
    assert _events(shop, SecurityEventKind.LOGIN_LOCKOUT_IP) == 1


@pytest.mark.parametrize("trial", range(2))
def test_the_right_password_among_49_wrong_needs_the_limit_respected(
    shop: Shop, url: str, mails: Path, trial: int
) -> None:
    """SEC-2: 49 wrong passwords and the right one, fired together. The right one gets in
    without a confirmation only if fewer than five failures were decided before it;
    otherwise it is held and one confirmation mail is sent."""
    (camille,) = _open_accounts(shop, 1)
    calls = [_login("client0@example.fr")] * 49
    calls.insert(7 + 11 * trial, _login("client0@example.fr", PASSWORD))
    results = _race(url, mails, calls, processes=5)
    right = results[7 + 11 * trial]
    attempts = _attempts(shop, [camille])
    succeeded = _check_no_success_past_a_limit(attempts)
    if right["outcome"] == "succeeded":
        assert succeeded == 1
        assert _mails(mails, CONFIRMATION_MAIL) == 0
    else:
        assert succeeded == 0
        assert _mails(mails, CONFIRMATION_MAIL) == 1
    assert sum(a.outcome is AttemptOutcome.FAILED for a in attempts) == 49


def test_the_network_limit_holds_across_accounts(shop: Shop, url: str, mails: Path) -> None:
    """SEC-2: from one network, 30 wrong passwords on 30 accounts and 10 right ones on 10
    others, at once: no login gets through past 20 failures of that network, and the
    network lockout is logged once."""
    accounts = _open_accounts(shop, 40)
    calls = [_login(f"client{n}@example.fr") for n in range(30)]
    calls += [_login(f"client{n}@example.fr", PASSWORD) for n in range(30, 40)]
    results = _race(url, mails, calls, processes=5)
    attempts = _attempts(shop, accounts)
    succeeded = _check_no_success_past_a_limit(attempts)
    assert succeeded == sum(r["outcome"] == "succeeded" for r in results[30:])
    assert sum(a.outcome is AttemptOutcome.FAILED for a in attempts) == 30
    assert _events(shop, SecurityEventKind.LOGIN_LOCKOUT_IP) == 1
    assert _events(shop, SecurityEventKind.LOGIN_LOCKOUT_ACCOUNT) == 0


def test_confirmation_mails_keep_their_cap(shop: Shop, url: str, mails: Path) -> None:
    """SEC-2: an account past its limit, and 20 logins with the right password at once:
    all held, and exactly ``confirmation_mails`` (3) mails sent in the window."""
    (camille,) = _open_accounts(shop, 1)
    _race(url, mails, [_login("client0@example.fr")] * LIMITS.account_limit, processes=1)
    results = _race(url, mails, [_login("client0@example.fr", PASSWORD)] * 20, processes=2)
    assert {r["outcome"] for r in results} == {"refused"}
    assert _mails(mails, CONFIRMATION_MAIL) == LIMITS.confirmation_mails
    attempts = _attempts(shop, [camille])
    assert [a.outcome for a in attempts] == [AttemptOutcome.FAILED] * LIMITS.account_limit


def test_reset_mails_keep_their_cap(shop: Shop, url: str, mails: Path) -> None:
    """SEC-3: 20 "forgotten password" requests at once mail at most three links."""
    _open_accounts(shop, 1)
    calls = [{"kind": "reset", "email": "client0@example.fr"}] * 20
    results = _race(url, mails, calls, processes=2)
    assert {r["outcome"] for r in results} == {"requested"}
    assert _mails(mails, RESET_MAIL) == shop.security_settings.reset.requests_per_window
