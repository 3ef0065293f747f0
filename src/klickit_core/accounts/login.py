"""Logging in, with limits (SPEC SEC-1, SEC-2).

« Nous limitons les tentatives de connexion pour éviter les piratages, à la suite de ces
tentatives, une confirmation d'authentification vous sera demandée par mail. »

:func:`login` checks an email or username and a password. Failed attempts are counted in
a sliding window, per account (since its last successful login or password reset) and per
client network (:func:`~klickit_core.accounts.security.network_key`). Past the limits of
:class:`~klickit_core.accounts.security.LoginSettings` (5 per account, 20 per address, in
15 minutes by default), the right password is not enough: the account is mailed a
one-time confirmation link (SEC-6), and the login goes through when it comes back with the
token from that link. Reaching a limit writes a security event (for the incident rules).

**No answer reveals whether an account exists.** An unknown identifier, a wrong password
and a login held for confirmation all return the very same :data:`LOGIN_REFUSED`, whose
message covers each case. They also take the same time: an unknown identifier is checked
against a dummy Argon2id hash made with the current parameters, and the same repository
calls run, so Argon2 dominates every path. (A held login with the *right* password also
issues and mails a token: that costs well under a millisecond with a mailer that queues,
and reveals nothing to someone who lacks the password. Mailers should queue, not send
inline.)

**The limits hold under any interleaving.** An attempt is *claimed* before its password
is checked: one short step, serialised on the account and the network
(:meth:`~klickit_core.shared.unit_of_work.UnitOfWork.serialise`), counts the failures and
records the attempt as one. Of fifty attempts fired at once, only those the limits allow
see a count below them; the rest are held, whatever their password. Once the hash is
checked the claim is settled: a success turns it into one, a held login with the right
password withdraws it, and a failure that brings a limit's count to the limit writes the
lockout event, once per lockout. The confirmation-mail cap is counted and spent in one such
step too.

A successful login also rehashes the password when the hasher's parameters have been
raised since it was stored (SEC-1), and ends any outstanding confirmation links.
"""

from __future__ import annotations

import secrets
import threading
import weakref
from datetime import datetime
from typing import ClassVar

import attrs

from klickit_core.accounts.ports import PasswordHasher, SecurityUnitOfWork
from klickit_core.accounts.security import (
    LOGIN_CONFIRMATION,
    AttemptOutcome,
    LoginAttempt,
    LoginSettings,
    SecuritySettings,
    network_key,
)
from klickit_core.accounts.services import customer_by_identifier
from klickit_core.shared.clock import Clock
from klickit_core.shared.i18n import N_, translate
from klickit_core.shared.ids import IdGenerator
from klickit_core.shared.locales import locale_language
from klickit_core.shared.mail import Mailer, MailTemplate
from klickit_core.shared.security_events import SecurityEvent, SecurityEventKind
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.tokens import InvalidTokenError, consume_token, issue_token

__all__ = ["LOGIN_CONFIRMATION_MAIL", "LOGIN_REFUSED", "LoginRefused", "LoginSucceeded"]

#: The account id that no customer has: unknown identifiers run the same queries with it.
_NOBODY = ""

#: The mail that carries the confirmation link (SEC-2).
LOGIN_CONFIRMATION_MAIL = MailTemplate(
    "accounts.login_confirmation",
    N_("Confirm your login"),
    N_(
        "Hello,\n\n"
        "Someone, probably you, is logging in to your account after several failed "
        "attempts. To confirm that it is you, open this link within {minutes} minutes and "
        "log in again:\n{link}\n\n"
        "If it was not you, ignore this message: nobody can log in without this link. "
        "Choosing a new password would be wise."
    ),
)


@attrs.frozen(slots=True)
class LoginSucceeded:
    """The login went through. ``rehashed``: the stored hash was upgraded to the current
    parameters; ``confirmed``: an emailed confirmation was needed and given."""

    customer_id: str
    rehashed: bool = False
    confirmed: bool = False


@attrs.frozen(slots=True)
class LoginRefused:
    """The login did not go through, for whatever reason: the answer is the same for an
    unknown account, a wrong password and a login held for an emailed confirmation."""

    code: ClassVar[str] = "accounts.login_refused"
    message_template: ClassVar[str] = N_(
        "We could not log you in. Check your email address or username and your password. "
        "If your account needs a confirmation, we have just sent you an email."
    )

    def message(self, locale: str = "fr") -> str:
        """The message to show, in ``locale``; its JSON is ``{"code", "message"}``."""
        return translate(self.message_template, locale)


#: The one refusal every failed login returns.
LOGIN_REFUSED = LoginRefused()


_DUMMY_HASHES: weakref.WeakKeyDictionary[PasswordHasher, str] = weakref.WeakKeyDictionary()
_DUMMY_LOCK = threading.Lock()


def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash of a random password, made once per hasher with its current parameters, so
    that checking an unknown account costs what checking a real one does."""
    with _DUMMY_LOCK:
        try:
            return _DUMMY_HASHES[hasher]
        except KeyError:
            pass
        except TypeError:  # a hasher that cannot be weakly referenced: no cache
            return hasher.hash(Secret(secrets.token_urlsafe(24)))
        made = _DUMMY_HASHES[hasher] = hasher.hash(Secret(secrets.token_urlsafe(24)))
        return made


def _as_secret(value: object) -> Secret:
    if isinstance(value, Secret):
        return value
    return Secret(value if isinstance(value, str) else "")


def _confirmation_accepted(
    uow: SecurityUnitOfWork, clock: Clock, customer_id: str, confirmation: object
) -> bool:
    """Whether ``confirmation`` is a valid, unspent confirmation token for this account;
    it is spent if so."""
    if confirmation is None:
        return False
    try:
        consume_token(uow.tokens, clock, LOGIN_CONFIRMATION, confirmation, subject=customer_id)
    except InvalidTokenError:
        return False
    return True


def _lock_names(account: str, network: str | None) -> tuple[str, ...]:
    """The locks a login's count-and-record steps hold: its account's and its network's
    (an unknown identifier shares the one of :data:`_NOBODY`)."""
    names = (f"login:account:{account}",)
    return names if network is None else (*names, f"login:network:{network}")


@attrs.frozen(slots=True)
class _Claim:
    """What the first step of a login saw and recorded, for the steps after the hash."""

    attempt: LoginAttempt
    held: bool
    account_since: datetime
    window_start: datetime


def _claim(
    uow: SecurityUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    limits: LoginSettings,
    account: str,
    network: str | None,
) -> _Claim:
    """Count the failures, then record this attempt as one, in one serialised step: of
    any number of attempts fired at once, exactly those the limits allow see a count
    below them (SEC-2). The claim is settled once the password has been checked."""
    with uow:
        uow.serialise(*_lock_names(account, network))
        now = clock.now()
        since = now - limits.window
        unlocked = uow.login_attempts.last_unlocked_at(account)
        account_since = max(since, unlocked) if unlocked is not None else since
        account_failures = uow.login_attempts.count_failures(account_since, customer_id=account)
        ip_failures = (
            uow.login_attempts.count_failures(since, ip_address=network)
            if network is not None
            else 0
        )
        attempt = LoginAttempt(ids.new_id(), now, AttemptOutcome.FAILED, account or None, network)
        uow.login_attempts.add(attempt)
        uow.commit()
    held = account_failures >= limits.account_limit or ip_failures >= limits.ip_limit
    return _Claim(attempt, held, account_since, since)


def _lockout_started(
    uow: SecurityUnitOfWork, kind: SecurityEventKind, since: datetime, **about: str
) -> bool:
    """Whether a lockout of ``kind`` about this account or network was already logged
    since ``since`` (each lockout is logged once, by the failure that first sees it)."""
    earlier = uow.security_events.events(kind=kind.value, since=since, limit=10_000)
    return any(all(getattr(event, k) == v for k, v in about.items()) for event in earlier)


def _record_failure(
    uow: SecurityUnitOfWork, ids: IdGenerator, claim: _Claim, limits: LoginSettings
) -> None:
    """After a failed check, write the security event of each limit the failures have
    now reached, once per lockout, whatever the order in which the failures ended."""
    attempt = claim.attempt
    account, network = attempt.customer_id, attempt.ip_address
    with uow:
        uow.serialise(*_lock_names(account or _NOBODY, network))
        logins = uow.login_attempts
        if (
            account is not None
            and logins.count_failures(claim.account_since, customer_id=account)
            >= limits.account_limit
            and not _lockout_started(
                uow,
                SecurityEventKind.LOGIN_LOCKOUT_ACCOUNT,
                claim.account_since,
                customer_id=account,
            )
        ):
            uow.security_events.add(
                SecurityEvent(
                    ids.new_id(),
                    SecurityEventKind.LOGIN_LOCKOUT_ACCOUNT,
                    attempt.at,
                    customer_id=account,
                    ip_address=network,
                )
            )
        if (
            network is not None
            and logins.count_failures(claim.window_start, ip_address=network) >= limits.ip_limit
            and not _lockout_started(
                uow, SecurityEventKind.LOGIN_LOCKOUT_IP, claim.window_start, ip_address=network
            )
        ):
            uow.security_events.add(
                SecurityEvent(
                    ids.new_id(),
                    SecurityEventKind.LOGIN_LOCKOUT_IP,
                    attempt.at,
                    ip_address=network,
                )
            )
        uow.commit()


def _hold(
    uow: SecurityUnitOfWork,
    clock: Clock,
    settings: SecuritySettings,
    claim: _Claim,
    customer_id: str,
) -> str | None:
    """A held login with the right password: withdraw its claim and, within the mail
    cap (counted and issued in one serialised step, SEC-2), issue a confirmation link."""
    limits = settings.login
    with uow:
        uow.serialise(*_lock_names(customer_id, claim.attempt.ip_address))
        uow.login_attempts.settle(claim.attempt, None)
        link = None
        sent = uow.tokens.count_issued(customer_id, LOGIN_CONFIRMATION, claim.window_start)
        if sent < limits.confirmation_mails:
            issued = issue_token(
                uow.tokens, clock, LOGIN_CONFIRMATION, customer_id, limits.confirmation_ttl
            )
            link = settings.links.link(settings.login_confirmation_path, issued)
        uow.commit()
    return link


def login(
    uow: SecurityUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    hasher: PasswordHasher,
    mailer: Mailer,
    settings: SecuritySettings,
    identifier: str,
    password: Secret,
    *,
    ip_address: str | None = None,
    confirmation: str | Secret | None = None,
    locale: str = "fr",
) -> LoginSucceeded | LoginRefused:
    """Log in with an email or username and a password (SEC-1, SEC-2).

    ``ip_address`` is the client's address as the app sees it (behind a proxy, the one the
    proxy vouches for); ``confirmation`` the token of a confirmation link, when the
    person followed one; ``locale`` the language of the confirmation mail.

    Returns :class:`LoginSucceeded`, or :data:`LOGIN_REFUSED` for every kind of failure.
    Raises only :class:`~klickit_core.accounts.security.InvalidNetworkAddressError` (a bad
    ``ip_address`` is the app's bug, not the visitor's),
    :class:`~klickit_core.shared.locales.UnsupportedLocaleError` (likewise, for ``locale``)
    or a persistence error.
    """
    network = network_key(ip_address)
    locale = locale_language(locale)  # before the attempt is counted: a mail may follow
    limits = settings.login
    secret = _as_secret(password)
    dummy = _dummy_hash(hasher)
    with uow:
        customer = customer_by_identifier(uow.customers, identifier)
        stored = uow.credentials.password_hash(customer.id) if customer is not None else None
    account = customer.id if customer is not None else _NOBODY
    claim = _claim(uow, clock, ids, limits, account, network)
    matches = hasher.verify(stored if stored is not None else dummy, secret)
    if customer is None or stored is None or not matches:
        _record_failure(uow, ids, claim, limits)
        return LOGIN_REFUSED
    with uow:
        confirmed = claim.held and _confirmation_accepted(uow, clock, customer.id, confirmation)
        if not claim.held or confirmed:
            now = clock.now()
            rehashed = hasher.needs_rehash(stored)
            if rehashed:
                uow.credentials.set_password_hash(customer.id, hasher.hash(secret))
            uow.login_attempts.settle(claim.attempt, AttemptOutcome.SUCCEEDED)
            uow.tokens.revoke(customer.id, (LOGIN_CONFIRMATION,), now)
            if confirmed:
                uow.security_events.add(
                    SecurityEvent(
                        ids.new_id(),
                        SecurityEventKind.LOGIN_CONFIRMED,
                        now,
                        customer_id=customer.id,
                        ip_address=network,
                    )
                )
            uow.commit()
            return LoginSucceeded(customer.id, rehashed=rehashed, confirmed=confirmed)
    link = _hold(uow, clock, settings, claim, customer.id)
    if link is not None:
        minutes = str(int(limits.confirmation_ttl.total_seconds() // 60))
        mailer.send(
            LOGIN_CONFIRMATION_MAIL.render(
                customer.email, locale, {"link": link, "minutes": minutes}
            )
        )
    return LOGIN_REFUSED
