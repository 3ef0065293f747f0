"""SEC-3, SEC-6, PRV-3: one-time tokens and the links that carry them.

Unguessable (``secrets``), hashed at rest, compared in constant time, bound to a purpose and
a subject, expiring, single-use; links built from a configured base URL only.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klickit_core.adapters.memory import MemoryStore
from klickit_core.shared import tokens as tokens_module
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.tokens import (
    InvalidBaseUrlError,
    InvalidTokenError,
    IssuedToken,
    LinkBuilder,
    OneTimeToken,
    consume_token,
    hash_verifier,
    is_valid_purpose,
    issue_token,
    verify_token,
)
from klickit_core.testing import FixedClock

PURPOSE = "privacy.export_download"
HOUR = timedelta(hours=1)


def issue(store: MemoryStore, clock: FixedClock, subject: str = "c1") -> IssuedToken:
    with store.unit_of_work() as uow:
        issued = issue_token(uow.tokens, clock, PURPOSE, subject, HOUR)
        uow.commit()
    return issued


def consume(store: MemoryStore, clock: FixedClock, presented: object, **kw: str) -> OneTimeToken:
    with store.unit_of_work() as uow:
        record = consume_token(uow.tokens, clock, PURPOSE, presented, **kw)
        uow.commit()
    return record


def reason(store: MemoryStore, clock: FixedClock, presented: object, **kw: str) -> object:
    with pytest.raises(InvalidTokenError) as raised:
        consume(store, clock, presented, **kw)
    assert raised.value.code == "tokens.invalid"
    return raised.value.details["reason"]


def test_a_token_has_a_selector_and_a_256_bit_verifier(
    store: MemoryStore, clock: FixedClock
) -> None:
    issued = issue(store, clock)
    selector, verifier = issued.token.reveal().split(".")
    assert (len(selector), len(verifier)) == (22, 43)  # 128 and 256 bits, base64url
    assert issued.record.id == selector
    assert issued.record.verifier_hash == hashlib.sha256(verifier.encode()).hexdigest()
    assert issued.record.verifier_hash == hash_verifier(verifier)
    assert (issued.record.purpose, issued.record.subject) == (PURPOSE, "c1")
    assert issued.record.expires_at == clock.now() + HOUR
    assert issued.record.used_at is None


def test_tokens_are_random(store: MemoryStore, clock: FixedClock) -> None:
    seen = {issue(store, clock).token.reveal() for _ in range(200)}
    assert len(seen) == 200
    assert len({token.split(".")[0] for token in seen}) == 200


def test_only_the_hash_is_stored_and_nothing_leaks_in_repr(
    store: MemoryStore, clock: FixedClock
) -> None:
    issued = issue(store, clock)
    text = issued.token.reveal()
    verifier = text.split(".")[1]
    assert verifier not in repr(store.tables)
    assert text not in repr(issued)
    assert issued.record.verifier_hash not in repr(issued.record)
    assert str(issued.token) == "***"


def test_a_token_is_used_once(store: MemoryStore, clock: FixedClock) -> None:
    issued = issue(store, clock)
    record = consume(store, clock, issued.token)
    assert record.used_at == clock.now()
    assert reason(store, clock, issued.token) == "used"
    assert reason(store, clock, issued.token.reveal()) == "used"


def test_verify_does_not_spend(store: MemoryStore, clock: FixedClock) -> None:
    issued = issue(store, clock)
    with store.unit_of_work() as uow:
        assert verify_token(uow.tokens, clock, PURPOSE, issued.token) == issued.record
        uow.commit()
    consume(store, clock, issued.token)


def test_a_token_expires(store: MemoryStore, clock: FixedClock) -> None:
    issued = issue(store, clock)
    clock.advance(HOUR - timedelta(seconds=1))
    with store.unit_of_work() as uow:
        verify_token(uow.tokens, clock, PURPOSE, issued.token)
    clock.advance(timedelta(seconds=1))
    assert reason(store, clock, issued.token) == "expired"


def test_a_token_is_bound_to_its_purpose_and_subject(store: MemoryStore, clock: FixedClock) -> None:
    issued = issue(store, clock, subject="c1")
    with store.unit_of_work() as uow, pytest.raises(InvalidTokenError) as raised:
        consume_token(uow.tokens, clock, "accounts.password_reset", issued.token)
    assert raised.value.details == {"reason": "purpose"}
    assert reason(store, clock, issued.token, subject="c2") == "subject"
    assert consume(store, clock, issued.token, subject="c1").subject == "c1"


def test_a_forger_learns_nothing_but_unknown_or_mismatch(
    store: MemoryStore, clock: FixedClock
) -> None:
    """Without the right verifier, the answer never says "used" or "expired"."""
    issued = issue(store, clock)
    selector, verifier = issued.token.reveal().split(".")
    consume(store, clock, issued.token)
    clock.advance(2 * HOUR)
    wrong = verifier[:-1] + ("A" if verifier[-1] != "A" else "B")
    assert reason(store, clock, f"{selector}.{wrong}") == "mismatch"
    assert reason(store, clock, f"{'A' * 22}.{verifier}") == "unknown"


def test_verifiers_are_compared_in_constant_time(
    store: MemoryStore, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SEC-3: the verifier's hash is compared with :func:`hmac.compare_digest`, also when
    the selector is unknown (so both paths do the same work)."""
    calls: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(tokens_module.hmac, "compare_digest", spy)
    issued = issue(store, clock)
    consume(store, clock, issued.token)
    verifier = issued.token.reveal().split(".")[1]
    reason(store, clock, f"{'B' * 22}.{verifier}")
    assert len(calls) == 2
    assert calls[0] == (hash_verifier(verifier), issued.record.verifier_hash)


@settings(max_examples=300)
@given(
    st.one_of(
        st.text(max_size=120),
        st.none(),
        st.integers(),
        st.binary(max_size=80),
        st.from_regex(r"[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}", fullmatch=True),
    )
)
def test_anything_else_is_refused_never_crashes(presented: object) -> None:
    """X-9: whatever an app got from a URL, the answer is InvalidTokenError."""
    store = MemoryStore()
    clock = FixedClock()
    issue(store, clock)
    with pytest.raises(InvalidTokenError):
        consume(store, clock, presented)


def test_issuing_needs_a_positive_lifetime_and_a_purpose_name(
    store: MemoryStore, clock: FixedClock
) -> None:
    with store.unit_of_work() as uow:
        with pytest.raises(ValueError, match="positive"):
            issue_token(uow.tokens, clock, PURPOSE, "c1", timedelta(0))
        with pytest.raises(ValueError, match="purpose"):
            issue_token(uow.tokens, clock, "Not A Purpose", "c1", HOUR)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("accounts.password_reset", True),
        ("privacy.export-download", True),
        ("a", True),
        ("", False),
        ("Accounts", False),
        ("1st", False),
        ("a" * 65, False),
        (None, False),
        ("reset password", False),
    ],
)
def test_purpose_names(value: object, valid: bool) -> None:
    assert is_valid_purpose(value) is valid


def test_a_record_expires_after_it_is_created(clock: FixedClock) -> None:
    with pytest.raises(ValueError, match="expires"):
        OneTimeToken("t", PURPOSE, "c1", "ab" * 32, clock.now(), clock.now())


# ---------------------------------------------------------------------- links
@pytest.mark.parametrize(
    ("base", "path", "expected"),
    [
        ("https://boutique.example.fr", "/reset", "https://boutique.example.fr/reset?token=T"),
        ("https://boutique.example.fr/", "/reset", "https://boutique.example.fr/reset?token=T"),
        ("https://example.fr/shop", "/a/b", "https://example.fr/shop/a/b?token=T"),
        ("https://example.fr:8443", "/r", "https://example.fr:8443/r?token=T"),
        ("http://localhost:8000", "/r", "http://localhost:8000/r?token=T"),
        ("http://127.0.0.1:5000", "/r", "http://127.0.0.1:5000/r?token=T"),
        ("http://[::1]:5000", "/r", "http://[::1]:5000/r?token=T"),
    ],
)
def test_links_are_built_from_the_configured_base_url(base: str, path: str, expected: str) -> None:
    assert LinkBuilder(base).link(path, Secret("T")) == expected


@pytest.mark.parametrize(
    ("base", "why"),
    [
        ("http://boutique.example.fr", "not_https"),
        ("ftp://example.fr", "scheme"),
        ("https://", "scheme"),
        ("//example.fr", "scheme"),
        ("example.fr", "scheme"),
        ("https://user:pw@example.fr", "credentials"),
        ("https://example.fr/?next=x", "query"),
        ("https://example.fr/#top", "query"),
        ("https://example.fr?", "query"),
        ("https://exa mple.fr", "characters"),
        ("https://example.fr\\@evil.fr", "characters"),
        ("https://exemple.fr/é", "not_ascii"),
        ("https://example.fr:99999", "unparsable"),
        ("", "scheme"),
    ],
)
def test_bad_base_urls_are_refused(base: str, why: str) -> None:
    with pytest.raises(InvalidBaseUrlError) as raised:
        LinkBuilder(base)
    assert raised.value.details == {"reason": why}


@pytest.mark.parametrize(
    "path", ["reset", "//evil.fr/reset", "/reset?x=1", "/reset#x", "/re set", "/é", "/a\\b", ""]
)
def test_bad_paths_are_refused(path: str) -> None:
    with pytest.raises(InvalidBaseUrlError) as raised:
        LinkBuilder("https://example.fr").link(path, Secret("T"))
    assert raised.value.details == {"reason": "path"}


def test_a_link_carries_an_issued_token(store: MemoryStore, clock: FixedClock) -> None:
    issued = issue(store, clock)
    link = LinkBuilder("https://example.fr").link("/download", issued)
    assert link == f"https://example.fr/download?token={issued.token.reveal()}"
    consume(store, clock, link.rpartition("=")[2])
