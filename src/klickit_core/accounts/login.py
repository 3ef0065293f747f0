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

A successful login also rehashes the password when the hasher's parameters have been
raised since it was stored (SEC-1), and ends any outstanding confirmation links.
"""

from __future__ import annotations

import secrets
import threading
import weakref
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
from klickit_core.shared.mail import Mailer, MailTemplate
from klickit_core.shared.security_events import SecurityEvent, SecurityEventKind
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.tokens import InvalidTokenError, consume_token, issue_token

__all__ = [
    "LOGIN_CONFIRMATION_MAIL",
    "LOGIN_REFUSED",
    "LoginRefused",
    "LoginSucceeded",
    "login",
]

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
        """The message to show, in ``locale``."""
        return translate(self.message_template, locale)

    def to_dict(self, locale: str = "en") -> dict[str, object]:
        """A JSON-ready view (``code`` and ``message``), like errors give."""
        return {"code": self.code, "message": self.message(locale)}


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


def _record_failure(
    uow: SecurityUnitOfWork,
    ids: IdGenerator,
    attempt: LoginAttempt,
    account_failures: int,
    ip_failures: int,
    limits: LoginSettings,
) -> None:
    """Write the failed attempt, and a security event when it is the one that reaches a
    limit (each lockout is logged once, when it starts)."""
    uow.login_attempts.add(attempt)
    if attempt.customer_id is not None and account_failures + 1 == limits.account_limit:
        uow.security_events.add(
            SecurityEvent(
                ids.new_id(),
                SecurityEventKind.LOGIN_LOCKOUT_ACCOUNT,
                attempt.at,
                customer_id=attempt.customer_id,
                ip_address=attempt.ip_address,
            )
        )
    if attempt.ip_address is not None and ip_failures + 1 == limits.ip_limit:
        uow.security_events.add(
            SecurityEvent(
                ids.new_id(),
                SecurityEventKind.LOGIN_LOCKOUT_IP,
                attempt.at,
                ip_address=attempt.ip_address,
            )
        )


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
    ``ip_address`` is the app's bug, not the visitor's) or a persistence error.
    """
    network = network_key(ip_address)
    limits = settings.login
    secret = _as_secret(password)
    dummy = _dummy_hash(hasher)
    with uow:
        now = clock.now()
        since = now - limits.window
        customer = customer_by_identifier(uow.customers, identifier)
        account = customer.id if customer is not None else _NOBODY
        unlocked = uow.login_attempts.last_unlocked_at(account)
        account_since = max(since, unlocked) if unlocked is not None else since
        account_failures = uow.login_attempts.count_failures(account_since, customer_id=account)
        ip_failures = (
            uow.login_attempts.count_failures(since, ip_address=network)
            if network is not None
            else 0
        )
        stored = uow.credentials.password_hash(account)
        matches = hasher.verify(stored if stored is not None else dummy, secret)
        if customer is None or stored is None or not matches:
            failed = LoginAttempt(
                ids.new_id(),
                now,
                AttemptOutcome.FAILED,
                customer.id if customer is not None else None,
                network,
            )
            _record_failure(uow, ids, failed, account_failures, ip_failures, limits)
            uow.commit()
            return LOGIN_REFUSED
        held = account_failures >= limits.account_limit or ip_failures >= limits.ip_limit
        confirmed = held and _confirmation_accepted(uow, clock, customer.id, confirmation)
        if held and not confirmed:
            link = None
            if uow.tokens.count_issued(customer.id, LOGIN_CONFIRMATION, since) < (
                limits.confirmation_mails
            ):
                issued = issue_token(
                    uow.tokens, clock, LOGIN_CONFIRMATION, customer.id, limits.confirmation_ttl
                )
                link = settings.links.link(settings.login_confirmation_path, issued)
            uow.commit()
            if link is not None:
                minutes = str(int(limits.confirmation_ttl.total_seconds() // 60))
                mailer.send(
                    LOGIN_CONFIRMATION_MAIL.render(
                        customer.email, locale, {"link": link, "minutes": minutes}
                    )
                )
            return LOGIN_REFUSED
        rehashed = hasher.needs_rehash(stored)
        if rehashed:
            uow.credentials.set_password_hash(customer.id, hasher.hash(secret))
        uow.login_attempts.add(
            LoginAttempt(ids.new_id(), now, AttemptOutcome.SUCCEEDED, customer.id, network)
        )
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
