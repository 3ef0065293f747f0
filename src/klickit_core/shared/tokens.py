"""One-time, purpose-bound, hashed-at-rest tokens for emailed links (SPEC SEC-3, SEC-6, PRV-3).

The policy: « Nous sécurisons nos url sensibles afin de ne pas être lisible aux yeux de
logiciels malveillants ». Every link the shop mails that grants something (choose a new
password, confirm a login, download a data export, confirm a privacy request) carries a
token made here:

* **Unguessable.** A token is ``<selector>.<verifier>``: a 128-bit selector that names the
  stored record and a 256-bit verifier, both from :mod:`secrets`.
* **Hashed at rest.** Only the SHA-256 of the verifier is stored. A leaked database or
  backup gives no working link; a plain hash is enough because the verifier has 256 bits
  of entropy (a slow password hash protects *low*-entropy secrets).
* **Compared in constant time** (:func:`hmac.compare_digest`), after a lookup by the
  selector only: the database index never sees the secret part, so its timing cannot
  leak it (the "split token" pattern).
* **Purpose-bound and subject-bound.** A record says what it is for (``purpose``) and what
  it acts on (``subject``: a customer id, a request id); a reset token is refused as a
  download token, and a token for one account as a token for another.
* **Expiring and single-use.** :meth:`OneTimeTokenRepository.mark_used` is a guarded
  "spend if unspent", so two concurrent uses cannot both succeed.

Why a server-side record rather than a signed token (itsdangerous, JWT): the record can be
revoked (a password reset ends every outstanding token of the account), used once, and
audited; a signature gives none of that, and a stored hash gives the same integrity.

Links are built by :class:`LinkBuilder` from a base URL taken from configuration, never
from a request's ``Host`` header (which an attacker chooses: "password reset poisoning").
"""

from __future__ import annotations

import abc
import hashlib
import hmac
import ipaddress
import re
import secrets
from collections.abc import Collection
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import attrs

from klickit_core.shared.clock import Clock, ensure_utc
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.sweeps import SweepKey, SweepPage

__all__ = [
    "SELECTOR_BYTES",
    "VERIFIER_BYTES",
    "InvalidBaseUrlError",
    "InvalidTokenError",
    "IssuedToken",
    "LinkBuilder",
    "OneTimeToken",
    "OneTimeTokenRepository",
    "consume_token",
    "hash_verifier",
    "is_valid_purpose",
    "issue_token",
    "verify_token",
]

#: Random bytes in the selector (the public half, the record's id): 128 bits.
SELECTOR_BYTES = 16
#: Random bytes in the verifier (the secret half, stored only as a hash): 256 bits.
VERIFIER_BYTES = 32
_SELECTOR_LENGTH = 22  # unpadded base64url of 16 bytes
_VERIFIER_LENGTH = 43  # unpadded base64url of 32 bytes
_TOKEN = re.compile(
    rf"([A-Za-z0-9_-]{{{_SELECTOR_LENGTH}}})\.([A-Za-z0-9_-]{{{_VERIFIER_LENGTH}}})"
)
_PURPOSE = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
#: A hash compared when the selector is unknown, so both paths do the same work.
_NO_HASH = hashlib.sha256(b"klickit_core: no such token").hexdigest()
#: Hosts for which plain ``http`` links are allowed (development only).
_LOCAL_HOSTS = frozenset({"localhost"})


class InvalidTokenError(KlickitError):
    """A token was refused: malformed, unknown, wrong, for another purpose or subject,
    already used, or expired. ``reason`` says which, for logs; the message is the same for
    all, so a page showing it tells an attacker nothing."""

    code = "tokens.invalid"
    message_template = N_("This link is invalid or has expired.")


class InvalidBaseUrlError(KlickitError):
    """The configured base URL for emailed links is unusable (``reason`` says why)."""

    code = "tokens.invalid_base_url"
    message_template = N_("The base URL configured for links is invalid ({reason}).")


def is_valid_purpose(value: object) -> bool:
    """Whether ``value`` is a purpose name: lower-case ASCII, digits, ``_ . -``, at most 64.

    Purposes are identifiers chosen by the code (``"accounts.password_reset"``), never text
    from a request.
    """
    return isinstance(value, str) and _PURPOSE.fullmatch(value) is not None


def _check_purpose(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if not is_valid_purpose(value):
        raise ValueError("a token purpose is a short lower-case identifier")


def hash_verifier(verifier: str) -> str:
    """The stored form of a verifier: its SHA-256, in hex."""
    return hashlib.sha256(verifier.encode("ascii")).hexdigest()


@attrs.frozen(slots=True)
class OneTimeToken:
    """The stored record of a token. It never holds the token itself.

    ``id`` is the selector (random, so ids reveal nothing about counts or order);
    ``verifier_hash`` is hidden from ``repr`` all the same.
    """

    id: str
    purpose: str = attrs.field(validator=_check_purpose)
    subject: str
    verifier_hash: str = attrs.field(repr=False)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    def __attrs_post_init__(self) -> None:
        if self.expires_at <= self.created_at:
            raise ValueError("a token expires after it is created")

    @property
    def is_used(self) -> bool:
        """Whether the token was used (or revoked)."""
        return self.used_at is not None

    def is_expired(self, now: datetime) -> bool:
        """Whether ``now`` is at or past the expiry."""
        return now >= self.expires_at

    def spent(self, at: datetime) -> OneTimeToken:
        """The record marked used at ``at``."""
        return attrs.evolve(self, used_at=at)


@attrs.frozen(slots=True)
class IssuedToken:
    """A new token: the record that is stored, and the token text that goes in the link.

    The token text is a :class:`Secret` so that it cannot land in a log by accident; the
    only place it should appear is the mail sent to the person.
    """

    record: OneTimeToken
    token: Secret = attrs.field(repr=False)


class OneTimeTokenRepository(abc.ABC):
    """Token records by selector (SEC-3, SEC-6). Shared by every context that mails links."""

    @abc.abstractmethod
    def add(self, token: OneTimeToken) -> None:
        """Store a new record; :class:`~klickit_core.shared.errors.ConflictError` if the
        id exists."""

    @abc.abstractmethod
    def get(self, token_id: str) -> OneTimeToken | None:
        """The record, or ``None``."""

    @abc.abstractmethod
    def mark_used(self, token_id: str, at: datetime) -> bool:
        """Spend the token if it exists and is unspent as this transaction sees it;
        ``False`` otherwise. Single use holds across transactions: of two that both spend
        it, only the first to commit does, and the other's commit raises
        :class:`~klickit_core.shared.errors.ConflictError` (SQL: ``UPDATE … SET used_at =
        :at WHERE id = :id AND used_at IS NULL`` at commit)."""

    @abc.abstractmethod
    def revoke(self, subject: str, purposes: Collection[str], at: datetime) -> int:
        """Spend every unspent token of ``subject`` whose purpose is in ``purposes``;
        returns how many."""

    @abc.abstractmethod
    def count_issued(self, subject: str, purpose: str, since: datetime) -> int:
        """How many tokens for ``subject`` and ``purpose`` were created at or after
        ``since`` (for rate limits)."""

    @abc.abstractmethod
    def delete_expired(self, before: datetime, limit: int = 1000) -> int:
        """Delete up to ``limit`` records that expired before ``before`` (retention);
        returns how many."""

    @abc.abstractmethod
    def for_subject(self, subject: str) -> list[OneTimeToken]:
        """Every record whose subject is ``subject`` (a customer id), oldest first (PRV-3:
        the export says a link was issued, for what and when, never the hash)."""

    @abc.abstractmethod
    def delete_for_subject(self, subject: str) -> int:
        """Delete every record whose subject is ``subject`` (erasure); how many."""

    @abc.abstractmethod
    def sweep_expired(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        """Delete up to ``limit`` records that expired before ``before`` (PRV-2),
        keyset-paged on ``(expires_at, id)``. A dry run only selects."""


def issue_token(
    tokens: OneTimeTokenRepository,
    clock: Clock,
    purpose: str,
    subject: str,
    ttl: timedelta,
) -> IssuedToken:
    """Create and store a token for ``purpose`` and ``subject``, valid for ``ttl``.

    Runs in the caller's transaction: nothing is stored until the caller commits, so the
    mail holding the link is sent after that commit.
    """
    if ttl <= timedelta(0):
        raise ValueError("a token must live for a positive time")
    now = ensure_utc(clock.now())
    selector = secrets.token_urlsafe(SELECTOR_BYTES)
    verifier = secrets.token_urlsafe(VERIFIER_BYTES)
    record = OneTimeToken(
        id=selector,
        purpose=purpose,
        subject=subject,
        verifier_hash=hash_verifier(verifier),
        created_at=now,
        expires_at=now + ttl,
    )
    tokens.add(record)
    return IssuedToken(record, Secret(f"{selector}.{verifier}"))


def _split(presented: object) -> tuple[str, str]:
    value = presented.reveal() if isinstance(presented, Secret) else presented
    if not isinstance(value, str) or len(value) > _SELECTOR_LENGTH + _VERIFIER_LENGTH + 1:
        raise InvalidTokenError(reason="malformed")
    match = _TOKEN.fullmatch(value)
    if match is None:
        raise InvalidTokenError(reason="malformed")
    return match.group(1), match.group(2)


def verify_token(
    tokens: OneTimeTokenRepository,
    clock: Clock,
    purpose: str,
    presented: object,
    *,
    subject: str | None = None,
) -> OneTimeToken:
    """The record ``presented`` stands for, if it is valid now for ``purpose`` (and for
    ``subject`` when given). Does not spend it: :func:`consume_token` does.

    The checks run in an order that tells a forger nothing: without the right verifier
    the answer is ``unknown`` or ``mismatch``, never whether the token was used or
    expired. ``presented`` may be anything an app got from a URL (a ``str``, a
    :class:`Secret`, ``None``); anything else than a well-formed token is ``malformed``.
    """
    selector, verifier = _split(presented)
    record = tokens.get(selector)
    expected = record.verifier_hash if record is not None else _NO_HASH
    matches = hmac.compare_digest(hash_verifier(verifier), expected)
    if record is None:
        raise InvalidTokenError(reason="unknown")
    if not matches:
        raise InvalidTokenError(reason="mismatch")
    if record.purpose != purpose:  # not secrets: plain comparisons
        raise InvalidTokenError(reason="purpose")
    if subject is not None and record.subject != subject:
        raise InvalidTokenError(reason="subject")
    if record.is_used:
        raise InvalidTokenError(reason="used")
    if record.is_expired(ensure_utc(clock.now())):
        raise InvalidTokenError(reason="expired")
    return record


def consume_token(
    tokens: OneTimeTokenRepository,
    clock: Clock,
    purpose: str,
    presented: object,
    *,
    subject: str | None = None,
) -> OneTimeToken:
    """Verify ``presented`` like :func:`verify_token`, then spend it (single use).

    If another transaction spent it and committed before this one read it, this one is
    refused (``reason="used"``). If both read it unspent, the guarded update at commit
    lets only the first commit through; the other commit raises
    :class:`~klickit_core.shared.errors.ConflictError` and writes nothing. Runs in the
    caller's transaction.
    """
    record = verify_token(tokens, clock, purpose, presented, subject=subject)
    now = ensure_utc(clock.now())
    if not tokens.mark_used(record.id, now):
        raise InvalidTokenError(reason="used")
    return record.spent(now)


def _is_local(host: str) -> bool:
    if host in _LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@attrs.frozen(slots=True)
class LinkBuilder:
    """Builds the links the shop mails, from a configured base URL (SEC-6).

    The base URL must be ``https`` (``http`` only for ``localhost`` and loopback
    addresses, for development), with a host, and without credentials, query or fragment;
    a path prefix (``https://example.fr/boutique``) is kept. A request's ``Host`` header
    never enters a link: whoever sends the request chooses it.
    """

    base_url: str = attrs.field()

    @base_url.validator
    def _check_base_url(self, _attribute: object, value: object) -> None:
        if not isinstance(value, str) or not value.isascii() or not value.isprintable():
            raise InvalidBaseUrlError(reason="not_ascii")
        if any(char.isspace() or char == "\\" for char in value):
            raise InvalidBaseUrlError(reason="characters")
        try:
            parts = urlsplit(value)
            host = parts.hostname or ""
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            raise InvalidBaseUrlError(reason="unparsable") from None
        if parts.scheme not in {"https", "http"} or not host:
            raise InvalidBaseUrlError(reason="scheme")
        if parts.scheme == "http" and not _is_local(host):
            raise InvalidBaseUrlError(reason="not_https")
        if parts.username is not None or parts.password is not None:
            raise InvalidBaseUrlError(reason="credentials")
        if parts.query or parts.fragment or value.endswith(("?", "#")):
            raise InvalidBaseUrlError(reason="query")

    @staticmethod
    def check_path(path: object) -> None:
        """Refuse a page path that is not ``/…`` (``//`` would change host) or that holds a
        query, a fragment, a backslash, spaces or non-ASCII characters."""
        if (
            not isinstance(path, str)
            or not path.startswith("/")
            or path.startswith("//")
            or any(char in path for char in "?#\\")
            or not path.isascii()
            or not path.isprintable()
            or any(char.isspace() for char in path)
        ):
            raise InvalidBaseUrlError(reason="path")

    def link(self, path: str, token: IssuedToken | Secret) -> str:
        """``<base URL><path>?token=<token>``. ``path`` comes from configuration too (see
        :meth:`check_path`)."""
        self.check_path(path)
        secret = token.token if isinstance(token, IssuedToken) else token
        return f"{self.base_url.rstrip('/')}{path}?token={secret.reveal()}"
