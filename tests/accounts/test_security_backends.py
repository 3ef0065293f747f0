"""SEC-2 … SEC-6, X-5: the account security use cases on every backend, end to end.

The flows of ``test_login.py``, ``test_reset.py`` and ``test_lost_credentials.py`` marked
``ANY_BACKEND`` already run on a shop built by ``build_shop`` on SQLite and PostgreSQL.
Here: what only concurrency shows (a reset link or a confirmation link used twice at the
same moment works once), and the examples of ``docs/security.md`` run on a SQLite shop.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
from collections.abc import Callable
from pathlib import Path

from klickit_core.accounts.login import LOGIN_REFUSED, LoginSucceeded
from klickit_core.accounts.reset import PasswordChanged
from klickit_core.shared.errors import ConflictError
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.tokens import InvalidTokenError

from .conftest import ANY_BACKEND, NEW_PASSWORD, PASSWORD, Security

RESET = "accounts.password_reset"
CONFIRMATION = "accounts.login_confirmation"
THREADS = 4
DOCS = Path(__file__).resolve().parents[2] / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _at_once(action: Callable[[int], object]) -> list[object]:
    """``action(n)`` in ``THREADS`` threads started together; each result or exception."""
    start = threading.Barrier(THREADS)
    results: list[object] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        start.wait()
        try:
            result: object = action(n)
        except BaseException as raised:
            result = raised
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a use case hung"
    return results


@ANY_BACKEND
def test_a_reset_link_used_at_once_from_several_places_works_once(security: Security) -> None:
    """SEC-3: single use holds under concurrency: one request sets its password; the others
    are refused (the token is spent, or their commit conflicts) and change nothing."""
    customer = security.open_account()
    security.request_reset()
    token = security.last_token(RESET)
    passwords = [Secret(f"une phrase secrète numéro {n} pour le test") for n in range(THREADS)]
    results = _at_once(lambda n: security.reset(token, passwords[n]))
    changed = [r for r in results if isinstance(r, PasswordChanged)]
    refused = [r for r in results if isinstance(r, InvalidTokenError | ConflictError)]
    assert len(changed) == 1, results
    assert len(refused) == THREADS - 1, results
    assert changed[0].customer_id == customer.id
    winners = [p for p in passwords if security.login("camille", p) != LOGIN_REFUSED]
    assert len(winners) == 1
    assert security.login("camille", PASSWORD) is LOGIN_REFUSED
    assert len(security.mails("accounts.password_changed")) == 1


@ANY_BACKEND
def test_a_confirmation_link_used_at_once_confirms_one_login(security: Security) -> None:
    """SEC-2, SEC-6: the emailed confirmation lets one login through, not several."""
    customer = security.open_account()
    security.fail(5)
    assert security.login("camille") is LOGIN_REFUSED
    token = security.last_token(CONFIRMATION)
    results = _at_once(lambda _n: security.login("camille", confirmation=token))
    confirmed = [r for r in results if isinstance(r, LoginSucceeded)]
    assert confirmed == [LoginSucceeded(customer.id, confirmed=True)], results
    others = [r for r in results if r is not confirmed[0]]
    assert all(r is LOGIN_REFUSED or isinstance(r, ConflictError) for r in others), results
    record = security.token_record(token)
    assert record is not None
    assert record.used_at is not None


@ANY_BACKEND
def test_a_reset_ends_a_confirmation_issued_before_it(security: Security) -> None:
    """SEC-3: a reset ends every outstanding login confirmation of the account, so an
    older confirmation link no longer lets the (new) password through without a fresh one."""
    customer = security.open_account()
    security.fail(5)
    security.login("camille")
    confirmation = security.last_token(CONFIRMATION)
    security.later(seconds=1)  # the reset comes after the failures it clears
    security.request_reset()
    security.reset(security.last_token(RESET))
    security.later(seconds=1)
    assert security.login("camille", NEW_PASSWORD) == LoginSucceeded(customer.id)
    record = security.token_record(confirmation)
    assert record is not None
    assert record.used_at is not None


def test_the_security_page_examples_run_on_a_sqlite_shop(tmp_path: Path) -> None:
    """SEC-1 … SEC-6, X-5: every example of docs/security.md, with the shop built on a
    SQLite file instead of memory, gives what the page says."""
    url = f"sqlite:///{tmp_path / 'boutique.db'}"
    blocks = BLOCK.findall((DOCS / "security.md").read_text(encoding="utf-8"))
    assert "build_shop(\n" in blocks[0]
    blocks[0] = blocks[0].replace("build_shop(\n", f"build_shop(\n    {url!r},\n", 1)
    namespace: dict[str, object] = {"__name__": "docs_security_on_sqlite"}
    try:
        for index, block in enumerate(blocks, 1):
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(block, f"security.md#block{index}", "exec"), namespace)  # noqa: S102
        shop: object = namespace["shop"]
        assert type(shop.unit_of_work()).__name__ == "SqlUnitOfWork"  # type: ignore[attr-defined]
    finally:
        if "shop" in namespace:
            namespace["shop"].close()  # type: ignore[attr-defined]
