"""Account security values (SPEC SEC-2, SEC-3, SEC-4, SEC-6): records and settings.

Pure values, no I/O. The use cases are in :mod:`~klickit_core.accounts.login`,
:mod:`~klickit_core.accounts.reset` and :mod:`~klickit_core.accounts.lost_credentials`.

* :class:`LoginAttempt` — what the login limits count. It names the account by id (``None``
  when the identifier typed matches no account: that identifier is *not* stored, so a
  mistyped or probed email never lands in the database) and the client's network key.
* :class:`LostCredentialsRequest` — "Si vous avez perdu vos identifiants, il vous suffira de
  le demander par notre formulaire de contact en fournissant le plus d'informations
  possibles": the request staff review, and who reviewed it.
* :class:`SecuritySettings` — the limits, lifetimes and link configuration in one place, with
  safe defaults; :class:`~klickit_core.bootstrap.Shop` carries one.
"""

from __future__ import annotations

import enum
import ipaddress
from datetime import datetime, timedelta

import attrs

from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_
from klickit_core.shared.tokens import LinkBuilder

__all__ = [
    "IPV6_PREFIX",
    "LOGIN_CONFIRMATION",
    "PASSWORD_RESET",
    "AttemptOutcome",
    "InvalidNetworkAddressError",
    "LoginAttempt",
    "LoginSettings",
    "LostCredentialsRequest",
    "RecoveryStatus",
    "ResetSettings",
    "SecuritySettings",
    "network_key",
]

#: Token purpose of the link that confirms a login past the limits (SEC-2).
LOGIN_CONFIRMATION = "accounts.login_confirmation"
#: Token purpose of the link that lets a person choose a new password (SEC-3).
PASSWORD_RESET = "accounts.password_reset"  # noqa: S105 - a purpose, not a password


#: IPv6 clients are counted per /64 network: one subscriber usually gets a whole /64, so
#: counting single addresses would let one attacker rotate through 2**64 of them.
IPV6_PREFIX = 64


class InvalidNetworkAddressError(KlickitError):
    """The app passed a client address that is not an IPv4 or IPv6 address."""

    code = "accounts.invalid_ip_address"
    message_template = N_("Invalid IP address.")


def network_key(ip_address: str | None) -> str | None:
    """What the login limits count a client by: an IPv4 address as is (IPv4-mapped IPv6
    included), an IPv6 address as its /64 network (``2001:db8:1:2::/64``); ``None`` stays
    ``None`` (a job or a test without a client)."""
    if ip_address is None:
        return None
    try:
        address = ipaddress.ip_address(ip_address.strip())
    except (ValueError, AttributeError):
        raise InvalidNetworkAddressError from None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False))
    return str(address)


class AttemptOutcome(enum.StrEnum):
    """How a login attempt ended, as the limits see it."""

    FAILED = "failed"  # unknown account or wrong password
    SUCCEEDED = "succeeded"
    #: Not a login: the password was reset through an emailed link, which proves control
    #: of the mailbox, so failures before it stop counting against the account.
    RESET = "reset"


@attrs.frozen(slots=True)
class LoginAttempt:
    """One login attempt. ``ip_address`` (hidden from ``repr``) is the client's network
    key: the address for IPv4, the /64 network for IPv6."""

    id: str
    at: datetime
    outcome: AttemptOutcome
    customer_id: str | None = None
    ip_address: str | None = attrs.field(default=None, repr=False)


class RecoveryStatus(enum.StrEnum):
    """Where a lost-credentials request stands."""

    OPEN = "open"
    RESOLVED = "resolved"  # staff found the account and sent it a reset link
    REJECTED = "rejected"  # staff could not match an account with what was given


@attrs.frozen(slots=True)
class LostCredentialsRequest:
    """A "lost credentials" request from the contact form (SEC-4).

    What the person wrote (name, email to answer, message) is personal data and stays out
    of ``repr``. Once reviewed, ``reviewed_by`` names the staff member (by actor id) and,
    when resolved, ``customer_id`` the account they matched.
    """

    id: str
    created_at: datetime
    name: str = attrs.field(repr=False)
    contact_email: str = attrs.field(repr=False)
    message: str = attrs.field(repr=False)
    status: RecoveryStatus = RecoveryStatus.OPEN
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    customer_id: str | None = None

    def __attrs_post_init__(self) -> None:
        reviewed = self.status is not RecoveryStatus.OPEN
        if reviewed != (self.reviewed_by is not None and self.reviewed_at is not None):
            raise ValueError("a reviewed request names its reviewer and time, an open one none")
        if (self.status is RecoveryStatus.RESOLVED) != (self.customer_id is not None):
            raise ValueError("only a resolved request names the account it matched")
        if self.reviewed_at is not None and self.reviewed_at < self.created_at:
            raise ValueError("a request is reviewed after it is made")

    @property
    def is_open(self) -> bool:
        """Whether no one has reviewed it yet."""
        return self.status is RecoveryStatus.OPEN

    def resolved(self, reviewer_id: str, at: datetime, customer_id: str) -> LostCredentialsRequest:
        """Reviewed: the account ``customer_id`` was found and sent a reset link."""
        return attrs.evolve(
            self,
            status=RecoveryStatus.RESOLVED,
            reviewed_by=reviewer_id,
            reviewed_at=at,
            customer_id=customer_id,
        )

    def rejected(self, reviewer_id: str, at: datetime) -> LostCredentialsRequest:
        """Reviewed: no account could be matched with what was given."""
        return attrs.evolve(
            self, status=RecoveryStatus.REJECTED, reviewed_by=reviewer_id, reviewed_at=at
        )


#: Validators of the settings: counts and durations are positive.
_COUNT = [attrs.validators.instance_of(int), attrs.validators.gt(0)]
_DURATION = [attrs.validators.instance_of(timedelta), attrs.validators.gt(timedelta(0))]


@attrs.frozen(slots=True)
class LoginSettings:
    """Login limits (SEC-2): « Nous limitons les tentatives de connexion pour éviter les
    piratages, à la suite de ces tentatives, une confirmation d'authentification vous sera
    demandée par mail ».

    Failed attempts are counted in a sliding ``window``: per account (since its last
    successful login or reset) and per network address. Once an account has
    ``account_limit`` failures, or the address ``ip_limit``, the next login needs the
    password *and* an emailed confirmation link, valid for ``confirmation_ttl``; at most
    ``confirmation_mails`` such mails go to one account per window.
    """

    account_limit: int = attrs.field(default=5, validator=_COUNT)
    ip_limit: int = attrs.field(default=20, validator=_COUNT)
    window: timedelta = attrs.field(default=timedelta(minutes=15), validator=_DURATION)
    confirmation_ttl: timedelta = attrs.field(default=timedelta(minutes=30), validator=_DURATION)
    confirmation_mails: int = attrs.field(default=3, validator=_COUNT)


@attrs.frozen(slots=True)
class ResetSettings:
    """Password reset (SEC-3): the link lives ``token_ttl``; at most ``requests_per_window``
    links are mailed to one account per ``window`` (further requests get the same answer
    and send nothing)."""

    token_ttl: timedelta = attrs.field(default=timedelta(hours=1), validator=_DURATION)
    requests_per_window: int = attrs.field(default=3, validator=_COUNT)
    window: timedelta = attrs.field(default=timedelta(hours=1), validator=_DURATION)


def _links(settings: SecuritySettings) -> LinkBuilder:
    return LinkBuilder(settings.base_url)


@attrs.frozen(slots=True)
class SecuritySettings:
    """Everything the account security use cases are configured with.

    ``base_url`` is where the shop's pages live; every emailed link is built from it
    (SEC-6), never from a request's ``Host`` header. The default, a development address,
    yields links that go nowhere rather than somewhere wrong: a real shop passes its own
    (``https://boutique.example.fr``). The paths name the app's pages that receive the
    tokens, as ``?token=…``.
    """

    base_url: str = "http://localhost:8000"
    login: LoginSettings = attrs.field(factory=LoginSettings)
    reset: ResetSettings = attrs.field(factory=ResetSettings)
    reset_path: str = "/compte/mot-de-passe/nouveau"
    login_confirmation_path: str = "/compte/connexion/confirmer"
    links: LinkBuilder = attrs.field(
        init=False, default=attrs.Factory(_links, takes_self=True), repr=False
    )

    def __attrs_post_init__(self) -> None:
        LinkBuilder.check_path(self.reset_path)
        LinkBuilder.check_path(self.login_confirmation_path)
