"""Strategies for account security (SEC-1..4, SEC-6): passwords, one-time tokens,
security events, login attempts, lost-credentials requests, settings."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

from hypothesis import strategies as st

from klickit_core.accounts.password_policy import MAX_PASSWORD_LENGTH, check_password
from klickit_core.accounts.security import (
    LOGIN_CONFIRMATION,
    PASSWORD_RESET,
    AttemptOutcome,
    LoginAttempt,
    LoginSettings,
    LostCredentialsRequest,
    RecoveryStatus,
    ResetSettings,
    SecuritySettings,
    network_key,
)
from klickit_core.shared.security_events import SecurityEvent, SecurityEventKind
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.tokens import OneTimeToken
from klickit_core.testing.strategies._common import (
    EMAILS,
    IDS,
    NAMES,
    OPTIONAL_IDS,
    STARTS,
    STEP,
    aware_datetimes,
    clean_text,
)

__all__ = [
    "login_attempts",
    "lost_credentials_requests",
    "one_time_tokens",
    "passwords",
    "security_events",
    "security_settings",
]


# ---------------------------------------------------------------------- account security
#: What the login limits count clients by (IPv4 addresses, IPv6 /64 networks).
_NETWORKS = st.ip_addresses().map(lambda address: network_key(str(address)))
_TOKEN_PURPOSES = st.sampled_from(
    [PASSWORD_RESET, LOGIN_CONFIRMATION, "privacy.export_download", "privacy.confirmation"]
)
#: Unpadded base64url of 16 random bytes, like :func:`~klickit_core.shared.tokens.issue_token`.
_SELECTORS = st.binary(min_size=16, max_size=16).map(
    lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
)
_SHA256_HEX = st.binary(min_size=32, max_size=32).map(bytes.hex)
_LIFETIMES = st.integers(60, 7 * 24 * 3600).map(lambda seconds: timedelta(seconds=seconds))


def passwords() -> st.SearchStrategy[Secret]:
    """Passwords the policy accepts (SEC-1): 12 to 128 characters of clean text (spaces,
    accents and emoji included), not common; wrapped in a :class:`Secret`."""
    return (
        clean_text(12, MAX_PASSWORD_LENGTH)
        .filter(lambda text: isinstance(check_password(text), Secret))
        .map(Secret)
    )


def one_time_tokens(
    purpose: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[OneTimeToken]:
    """Stored token records (SEC-3, SEC-6): a random selector, a purpose, a subject id, a
    SHA-256 in hex, an expiry after creation, and maybe a use before the expiry."""

    def build(
        selector: str,
        token_purpose: str,
        subject: str,
        digest: str,
        created: datetime,
        ttl: timedelta,
        used_after: float | None,
    ) -> OneTimeToken:
        used = None if used_after is None else created + ttl * used_after
        return OneTimeToken(
            id=selector,
            purpose=token_purpose,
            subject=subject,
            verifier_hash=digest,
            created_at=created,
            expires_at=created + ttl,
            used_at=used.replace(microsecond=0) if used is not None else None,
        )

    return st.builds(
        build,
        _SELECTORS,
        purpose if purpose is not None else _TOKEN_PURPOSES,
        IDS,
        _SHA256_HEX,
        STARTS,
        _LIFETIMES,
        st.none() | st.floats(0, 0.99),
    )


def security_events() -> st.SearchStrategy[SecurityEvent]:
    """Security events (SEC-2, BRE-1) of every kind, with ids and a network key only."""

    def build(
        event_id: str,
        kind: SecurityEventKind,
        at: datetime,
        customer_id: str,
        actor_id: str,
        network: str | None,
    ) -> SecurityEvent:
        kinds = SecurityEventKind
        return SecurityEvent(
            id=event_id,
            kind=kind,
            at=at,
            customer_id=None if kind is kinds.LOGIN_LOCKOUT_IP else customer_id,
            actor_id=actor_id if kind is kinds.ACCOUNT_RECOVERY else None,
            ip_address=None if kind is kinds.ACCOUNT_RECOVERY else network,
        )

    return st.builds(
        build,
        IDS,
        st.sampled_from(list(SecurityEventKind)),
        aware_datetimes(),
        IDS,
        IDS,
        st.none() | _NETWORKS,
    )


def login_attempts() -> st.SearchStrategy[LoginAttempt]:
    """Login attempts (SEC-2): failures may name no account (the identifier matched none);
    successes and resets always name one."""

    def build(
        attempt_id: str,
        at: datetime,
        outcome: AttemptOutcome,
        customer_id: str | None,
        network: str | None,
    ) -> LoginAttempt:
        if outcome is not AttemptOutcome.FAILED and customer_id is None:
            customer_id = attempt_id
        return LoginAttempt(attempt_id, at, outcome, customer_id, network)

    return st.builds(
        build,
        IDS,
        aware_datetimes(),
        st.sampled_from(list(AttemptOutcome)),
        OPTIONAL_IDS,
        st.none() | _NETWORKS,
    )


def lost_credentials_requests() -> st.SearchStrategy[LostCredentialsRequest]:
    """Lost-credentials requests (SEC-4): open, or reviewed by a staff member after they
    were made (resolved ones name the account matched)."""

    def build(
        request_id: str,
        created: datetime,
        name: str,
        email: str,
        message: str,
        status: RecoveryStatus,
        reviewer: str,
        delay: timedelta,
        customer_id: str,
    ) -> LostCredentialsRequest:
        request = LostCredentialsRequest(request_id, created, name, email, message)
        if status is RecoveryStatus.RESOLVED:
            return request.resolved(reviewer, created + delay, customer_id)
        if status is RecoveryStatus.REJECTED:
            return request.rejected(reviewer, created + delay)
        return request

    return st.builds(
        build,
        IDS,
        STARTS,
        NAMES,
        EMAILS,
        clean_text(1, 500, multiline=True).map(str.strip),
        st.sampled_from(list(RecoveryStatus)),
        IDS,
        STEP,
        IDS,
    )


def security_settings() -> st.SearchStrategy[SecuritySettings]:
    """Settings with small limits and short lifetimes (handy to reach the limits in a
    property test), links on an ``https`` base URL."""
    minutes = st.integers(1, 180).map(lambda count: timedelta(minutes=count))
    login = st.builds(
        LoginSettings,
        account_limit=st.integers(1, 10),
        ip_limit=st.integers(1, 50),
        window=minutes,
        confirmation_ttl=minutes,
        confirmation_mails=st.integers(1, 5),
    )
    reset = st.builds(
        ResetSettings,
        token_ttl=minutes,
        requests_per_window=st.integers(1, 5),
        window=minutes,
    )
    base_url = st.builds(
        "https://{}.{}{}".format,
        st.from_regex(r"[a-z][a-z0-9-]{0,20}[a-z0-9]", fullmatch=True),
        st.sampled_from(["fr", "com", "shop"]),
        st.sampled_from(["", "/boutique"]),
    )
    return st.builds(SecuritySettings, base_url=base_url, login=login, reset=reset)
