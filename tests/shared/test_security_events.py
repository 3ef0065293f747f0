"""SEC-2, BRE-1: security events hold a kind, a time and ids, never what a person typed."""

from __future__ import annotations

import attrs
import pytest

from klickit_core.shared.security_events import (
    SecurityEvent,
    SecurityEventKind,
    is_valid_event_kind,
)
from klickit_core.testing import FixedClock


def test_the_kinds_recorded_today() -> None:
    assert {str(kind) for kind in SecurityEventKind} == {
        "login.lockout.account",
        "login.lockout.ip",
        "login.confirmed",
        "password.reset",
        "account.recovery",
    }
    assert all(is_valid_event_kind(kind) for kind in SecurityEventKind)


def test_later_contexts_add_their_own_kinds(clock: FixedClock) -> None:
    """The field is a plain string: the privacy and incidents work add kinds freely."""
    event = SecurityEvent("e1", "privacy.export_downloaded", clock.now(), customer_id="c1")
    assert event.kind == "privacy.export_downloaded"


@pytest.mark.parametrize("kind", ["", "Login", "login failed", "x" * 65, "1.login"])
def test_kinds_are_identifiers(clock: FixedClock, kind: str) -> None:
    with pytest.raises(ValueError, match="identifier"):
        SecurityEvent("e1", kind, clock.now())


def test_an_event_has_no_field_for_personal_text(clock: FixedClock) -> None:
    """By construction: ids, a kind, a time and a network key; the key stays out of repr."""
    names = {field.name for field in attrs.fields(SecurityEvent)}
    assert names == {"id", "kind", "at", "customer_id", "actor_id", "ip_address"}
    event = SecurityEvent(
        "e1", SecurityEventKind.LOGIN_LOCKOUT_IP, clock.now(), ip_address="198.51.100.7"
    )
    assert "198.51.100.7" not in repr(event)
