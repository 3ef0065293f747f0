"""Shared test configuration: Hypothesis profiles and common fixtures.

Profiles: ``dev`` (default, quick), ``ci`` (selected when ``CI`` is set: more examples,
no deadline because the CI machine is shared and noisy).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

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
