"""Shared test configuration: Hypothesis profiles and common fixtures.

Profiles: ``dev`` (default, quick), ``ci`` (selected when ``CI`` is set: more examples,
no deadline because the CI machine is shared and noisy).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from klickit_core.adapters.memory import MemoryStore
from klickit_core.testing import FixedClock, SequentialIds

settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    """A clock frozen at :data:`NOW` (move it with ``advance``)."""
    return FixedClock(NOW)


@pytest.fixture
def ids() -> SequentialIds:
    """Predictable ids."""
    return SequentialIds()


@pytest.fixture
def store() -> MemoryStore:
    """A fresh in-memory store."""
    return MemoryStore()


# ------------------------------------------------------------------ a real browser
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def browser_unavailable(reason: str) -> None:
    """Under CI (``CI`` set) a missing Chromium or Playwright fails the browser tests;
    ``.ci/run`` installs Debian's ``chromium``. Locally they are skipped."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: the browser tests must run in CI", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (no browser download), shared by the
    export's file test (PRV-3) and the example shop's journeys (issue 14)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("playwright is not installed")
    executable = CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")
    if executable is None:
        browser_unavailable("Debian's chromium is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
