"""Forgotten passwords (SPEC SEC-3, SEC-6).

« Si vous avez oublié votre mot de passe, vous pourrez en redemander un par simple clic sur
le bouton prévu à cet effet dans l'espace de connexion. Vous recevrez un e-mail vous
demandant de changer votre mot de passe. »

:func:`request_password_reset` takes an email address and always answers
:data:`RESET_REQUESTED`, whether an account uses the address or not. If one does, it is
mailed a link (built from the configured base URL) carrying a one-time token
(:mod:`klickit_core.shared.tokens`): 256 secret bits, stored only as a hash, bound to the
account and to the purpose ``accounts.password_reset``, valid one hour by default. At most
three links go to one account per hour; further requests send nothing, and get the same
answer.

:func:`reset_password` takes the token and the new password. The password policy applies
(a refused password leaves the link usable, so the person can try another). Then, in one
transaction: the new hash is stored, the token is spent, every other outstanding reset and
login-confirmation token of the account is ended, every visitor session signed in as the
account is ended (but the one the app names as current), earlier failed logins stop
counting against the account, and a security event is written. A notice goes to the
account's address afterwards, so that a reset the owner did not make does not go unseen.

Mail timing: for an unknown address nothing is stored or sent, so the answer comes a little
sooner than for a known one. With a mailer that queues (as a shop's should), the gap is a
fraction of a millisecond, well inside network noise.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import attrs
from babel.dates import format_datetime

from klickit_core.accounts.password_policy import check_password
from klickit_core.accounts.ports import PasswordHasher, SecurityUnitOfWork
from klickit_core.accounts.security import (
    LOGIN_CONFIRMATION,
    PASSWORD_RESET,
    AttemptOutcome,
    LoginAttempt,
    SecuritySettings,
    network_key,
)
from klickit_core.shared import events
from klickit_core.shared.access_log import log_staff_read
from klickit_core.shared.actors import Actor
from klickit_core.shared.authorization import authorize
from klickit_core.shared.clock import Clock, to_shop_time
from klickit_core.shared.emails import check_email
from klickit_core.shared.errors import ValidationError
from klickit_core.shared.i18n import N_, translate
from klickit_core.shared.ids import IdGenerator, RandomIdGenerator
from klickit_core.shared.locales import locale_language, normalise_locale
from klickit_core.shared.mail import Mailer, MailTemplate
from klickit_core.shared.security_events import SecurityEvent, SecurityEventKind
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.tokens import InvalidTokenError, consume_token, issue_token, verify_token

__all__ = [
    "PASSWORD_CHANGED_MAIL",
    "PASSWORD_RESET_MAIL",
    "RESET_REQUESTED",
    "PasswordChanged",
    "ResetRequested",
]

#: The mail carrying the reset link.
PASSWORD_RESET_MAIL = MailTemplate(
    "accounts.password_reset",
    N_("Choose a new password"),
    N_(
        "Hello,\n\n"
        "Someone, probably you, asked to choose a new password for your account. Open this "
        "link within {minutes} minutes to choose it:\n{link}\n\n"
        "The link works once. If you did not ask for it, ignore this message: your "
        "password stays as it is."
    ),
)

#: The notice sent once the password has been changed (ORD-3: "password changed").
PASSWORD_CHANGED_MAIL = MailTemplate(
    "accounts.password_changed",
    N_("Your password has been changed"),
    N_(
        "Hello,\n\n"
        "The password of your account was changed on {date}, and every other session on "
        "your account was signed out.\n\n"
        "If you did not do this, contact us right away."
    ),
)

_TOKEN_PURPOSES = (PASSWORD_RESET, LOGIN_CONFIRMATION)


@attrs.frozen(slots=True)
class ResetRequested:
    """The answer to every reset request, whether an account uses the address or not."""

    code: ClassVar[str] = "accounts.reset_requested"
    message_template: ClassVar[str] = N_(
        "If an account uses this email address, we have sent it a link to choose a new "
        "password. Check your mailbox (and your spam folder)."
    )

    def message(self, locale: str = "fr") -> str:
        """The message to show, in ``locale``; its JSON is ``{"code", "message"}``."""
        return translate(self.message_template, locale)


#: The one answer :func:`request_password_reset` gives.
RESET_REQUESTED = ResetRequested()


@attrs.frozen(slots=True)
class PasswordChanged:
    """A reset went through: whose password, and how many other sessions were ended."""

    customer_id: str
    sessions_ended: int


def new_reset_link(
    uow: SecurityUnitOfWork,
    clock: Clock,
    settings: SecuritySettings,
    actor: Actor,
    customer_id: str,
    *,
    ids: IdGenerator | None = None,
) -> str:
    """Store a reset token for ``customer_id`` in the caller's transaction and return the
    link that carries it (mail it after the commit, with :func:`mail_reset_link`). For
    staff recovering an account (``accounts.recover``, SEC-4): a link is a way into the
    account, so taking one is written to the access log in the same transaction
    (``customers.reset_link``, subject: the account; an entry id from ``ids``, random by
    default), where the customer's own export shows it (decision 0011, issue #18)."""
    authorize(actor, "accounts.reset.new_reset_link")
    entry_id = (ids or RandomIdGenerator()).new_id()
    log_staff_read(
        uow.access_log, actor, "customers.reset_link", customer_id, clock.now(), entry_id
    )
    return _reset_link(uow, clock, settings, customer_id)


def _reset_link(
    uow: SecurityUnitOfWork, clock: Clock, settings: SecuritySettings, customer_id: str
) -> str:
    issued = issue_token(uow.tokens, clock, PASSWORD_RESET, customer_id, settings.reset.token_ttl)
    return settings.links.link(settings.reset_path, issued)


def mail_reset_link(
    mailer: Mailer, settings: SecuritySettings, email: str, link: str, locale: str
) -> None:
    """Send the reset link (after the transaction that stored its token has committed)."""
    minutes = str(int(settings.reset.token_ttl.total_seconds() // 60))
    mailer.send(PASSWORD_RESET_MAIL.render(email, locale, {"link": link, "minutes": minutes}))


def request_password_reset(
    uow: SecurityUnitOfWork,
    clock: Clock,
    mailer: Mailer,
    settings: SecuritySettings,
    email: str,
    *,
    locale: str = "fr",
) -> ResetRequested:
    """ "Mot de passe oublié": mail a reset link if an account uses ``email``.

    Always returns :data:`RESET_REQUESTED`. Only a malformed address is refused
    (:class:`~klickit_core.shared.errors.ValidationError` at ``email``), which says nothing
    about any account.
    """
    locale = locale_language(locale)  # before anything is stored: the mail follows
    address = check_email(email, ("email",))
    if not isinstance(address, str):
        raise ValidationError([address])
    with uow:
        customer = uow.customers.by_email(address)
        if customer is None:
            return RESET_REQUESTED
        # Count and issue in one serialised step: twenty requests at once mail at most
        # the cap, not one each (SEC-3).
        uow.serialise(f"reset:{customer.id}")
        window_start = clock.now() - settings.reset.window
        sent = uow.tokens.count_issued(customer.id, PASSWORD_RESET, window_start)
        if sent >= settings.reset.requests_per_window:
            return RESET_REQUESTED
        link = _reset_link(uow, clock, settings, customer.id)
        uow.commit()
    mail_reset_link(mailer, settings, customer.email, link, locale)
    return RESET_REQUESTED


def _shop_date(moment: datetime, locale: str) -> str:
    """``moment`` as the shop shows it: Europe/Paris time, in the reader's language."""
    shown = to_shop_time(moment)
    return str(format_datetime(shown, "d MMMM y, HH:mm", locale=normalise_locale(locale)))


def reset_password(
    uow: SecurityUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    hasher: PasswordHasher,
    mailer: Mailer,
    settings: SecuritySettings,
    token: str | Secret,
    new_password: Secret,
    *,
    keep_session_id: str | None = None,
    ip_address: str | None = None,
    locale: str = "fr",
) -> PasswordChanged:
    """Set a new password with the token of a reset link (SEC-3).

    Raises :class:`~klickit_core.shared.tokens.InvalidTokenError` for a token that is
    malformed, unknown, tampered with, for another purpose, used or expired (one message
    for all), and :class:`~klickit_core.shared.errors.ValidationError` at ``password`` for
    a password the policy refuses; in both cases nothing changes. When the same link is
    used twice at the same moment, one call goes through and the other gets
    :class:`~klickit_core.shared.errors.ConflictError` from the commit, with nothing
    changed either (running it again then meets a used token).
    """
    network = network_key(ip_address)
    locale = locale_language(locale)  # before the change commits: the notice follows
    with uow:
        record = verify_token(uow.tokens, clock, PASSWORD_RESET, token)
        checked = check_password(new_password)
        if not isinstance(checked, Secret):
            raise ValidationError([checked])
        customer = uow.customers.get(record.subject)
        if customer is None:  # the account was erased after the link was sent
            raise InvalidTokenError(reason="unknown")
        password_hash = hasher.hash(checked)
        consume_token(uow.tokens, clock, PASSWORD_RESET, token, subject=customer.id)
        now = clock.now()
        uow.credentials.set_password_hash(customer.id, password_hash)
        uow.tokens.revoke(customer.id, _TOKEN_PURPOSES, now)
        ended = uow.sessions.delete_for_customer(customer.id, except_id=keep_session_id)
        uow.login_attempts.add(
            LoginAttempt(ids.new_id(), now, AttemptOutcome.RESET, customer.id, network)
        )
        uow.security_events.add(
            SecurityEvent(
                ids.new_id(),
                SecurityEventKind.PASSWORD_RESET,
                now,
                customer_id=customer.id,
                ip_address=network,
            )
        )
        uow.record(events.PasswordChanged(customer.id, occurred_at=now))
        uow.commit()
    mailer.send(
        PASSWORD_CHANGED_MAIL.render(customer.email, locale, {"date": _shop_date(now, locale)})
    )
    return PasswordChanged(customer.id, ended)
