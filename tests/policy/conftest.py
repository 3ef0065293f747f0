"""Fixtures for the policy configuration (PRV-7, PRV-8): Klickit's own configuration and the
library's registry bound to the schedule it configures."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from klickit_core.bootstrap import default_privacy_registry
from klickit_core.policy.config import PolicyConfig, load_policy
from klickit_core.privacy.registry import BoundRegistry

ROOT = Path(__file__).resolve().parents[2]
#: Klickit's own, complete configuration (the shipped example).
KLICKIT_TOML = ROOT / "examples" / "policy" / "klickit.toml"
#: A configuration built from Klickit's published privacy text alone.
PUBLISHED_TOML = Path(__file__).resolve().parent / "data" / "klickit-published.toml"


@pytest.fixture(scope="session")
def klickit_config() -> PolicyConfig:
    """Klickit's configuration, as the example ships it."""
    return load_policy(KLICKIT_TOML)


@pytest.fixture(scope="session")
def bound_registry(klickit_config: PolicyConfig) -> BoundRegistry[Any]:
    """The library's providers bound to the schedule Klickit's configuration sets."""
    return default_privacy_registry().bind(klickit_config.schedule())


@pytest.fixture
def klickit_data() -> dict[str, Any]:
    """The example's parsed TOML, fresh for each test (tests change it)."""
    with KLICKIT_TOML.open("rb") as handle:
        return tomllib.load(handle)
