"""The command line's tests run in a known environment: the language comes from
``LC_ALL``, ``LC_MESSAGES`` or ``LANG`` when ``--locale`` is not given (X-2, issue #16),
so a developer's or a CI machine's own locale must not decide what a test reads."""

from __future__ import annotations

import pytest

from klickit_core.cli.main import LOCALE_VARIABLES


@pytest.fixture(autouse=True)
def no_locale_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset the locale variables: the commands then speak the shop's language (French),
    unless a test sets one."""
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
