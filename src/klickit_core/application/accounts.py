"""Accounts as an app uses them: sign-up, log-in, password reset, customer details, the
staff's searches and logs, lost credentials (SPEC SEC-1 … SEC-6, CHK-3, X-6).

Each method opens its own transaction(s) on the shop; the clock, ids, hasher, mailer and
security settings are the shop's (:class:`~klickit_core.application.parts.ShopParts`).
The implementation is in :mod:`klickit_core.accounts` (``services``, ``login``,
``reset``, ``lost_credentials``, ``identity``).
"""

from __future__ import annotations

import builtins
from datetime import datetime

import attrs

from klickit_core.accounts import identity, login, lost_credentials, reset, services
from klickit_core.accounts.domain import Customer
from klickit_core.accounts.password_policy import check_password
from klickit_core.accounts.ports import CustomerNotFoundError
from klickit_core.accounts.security import LostCredentialsRequest, RecoveryStatus
from klickit_core.application.parts import ShopParts
from klickit_core.checkout.domain import (
    AccountDetailsForm,
    ValidatedAccountDetails,
    check_username,
    validate_account_details,
)
from klickit_core.checkout.services import CheckoutSettings
from klickit_core.shared.access_log import AccessLogEntry
from klickit_core.shared.actors import Actor
from klickit_core.shared.authorization import authorize
from klickit_core.shared.errors import FieldError, ValidationError
from klickit_core.shared.locales import locale_language
from klickit_core.shared.security_events import SecurityEvent
from klickit_core.shared.sensitive import Secret

__all__ = ["AccountService"]


@attrs.frozen
class AccountService:
    """``shop.accounts``: what customers and staff do with accounts."""

    _parts: ShopParts

    # ------------------------------------------------------------------ customers
    def register(
        self, form: AccountDetailsForm, username: str | None, password: Secret
    ) -> Customer:
        """Open an account from a sign-up form (CHK-3, SEC-1), checked with the checkout's
        rules: every field error at once, and nothing written on error.

        ``username`` is optional (``None``: the customer logs in with their email).
        Errors are at the form's own fields (``first_name``, ``last_name``, ``email``,
        ``phone``, ``billing.<field>``, ``shipping.<field>``), then ``username`` and
        ``password``. The answer to a taken email or username is the same, so it does not
        tell a stranger that an address has an account.

        Raises:
            ValidationError: every field error of the form, the username and the password
                (the password policy) at once.
            DuplicateAccountError: the email or the username is already used.
        """
        parts = self._parts
        details, checked_username, checked_password = _sign_up(
            form, username, password, parts.checkout
        )
        with parts.unit_of_work() as uow:
            customer = services.create_account(
                uow, parts.clock, parts.ids, parts.hasher, details, checked_username,
                checked_password,
            )  # fmt: skip
            uow.commit()
        return customer

    def log_in(
        self,
        identifier: str,
        password: Secret,
        *,
        ip_address: str | None,
        confirmation: str | Secret | None = None,
        locale: str = "fr",
    ) -> login.LoginSucceeded | login.LoginRefused:
        """Log in with an email or username and a password, with limits (SEC-1, SEC-2).

        ``ip_address`` is the client's address as the app sees it (behind a proxy, the one
        the proxy vouches for; ``None`` only where there is no network, as in a job);
        ``confirmation`` the token of the emailed confirmation link, when the person
        followed one; ``locale`` the language of that mail. Every failure (unknown
        account, wrong password, login held for confirmation) returns the same
        :data:`~klickit_core.accounts.login.LOGIN_REFUSED`; turn a success into the
        customer's actor with :meth:`actor_for`.

        Raises:
            InvalidNetworkAddressError: ``ip_address`` is not an IP address (the app's bug).
            UnsupportedLocaleError: ``locale`` is not one the shop speaks.
        """
        parts = self._parts
        return login.login(
            parts.unit_of_work(),
            parts.clock,
            parts.ids,
            parts.hasher,
            parts.mailer,
            parts.security,
            identifier,
            password,
            ip_address=ip_address,
            confirmation=confirmation,
            locale=locale,
        )

    def actor_for(self, result: login.LoginSucceeded) -> Actor:
        """The actor of the customer :meth:`log_in` let in (X-6: an actor from a proof).

        Raises:
            PermissionDeniedError: ``result`` is not a successful login.
        """
        return identity.customer_actor(result)

    def request_password_reset(self, email: str, *, locale: str = "fr") -> reset.ResetRequested:
        """ "Mot de passe oublié": mail a reset link if an account uses ``email`` (SEC-3).

        Always returns :data:`~klickit_core.accounts.reset.RESET_REQUESTED`, whether an
        account uses the address or not.

        Raises:
            ValidationError: ``email`` is not an email address (at ``email``).
            UnsupportedLocaleError: ``locale`` is not one the shop speaks.
        """
        parts = self._parts
        return reset.request_password_reset(
            parts.unit_of_work(), parts.clock, parts.mailer, parts.security, email, locale=locale
        )

    def reset_password(
        self,
        token: str | Secret,
        new_password: Secret,
        *,
        keep_session_id: str | None = None,
        ip_address: str | None = None,
        locale: str = "fr",
    ) -> reset.PasswordChanged:
        """Set a new password with the token of a reset link (SEC-3): every other session
        of the account ends (but ``keep_session_id``), and a notice is mailed.

        Raises:
            InvalidTokenError: the link is malformed, unknown, used or expired (one message).
            ValidationError: the password policy refuses ``new_password`` (at ``password``).
            ConflictError: the same link was used at the same moment; nothing changed.
            InvalidNetworkAddressError: ``ip_address`` is not an IP address (the app's bug).
            UnsupportedLocaleError: ``locale`` is not one the shop speaks.
        """
        parts = self._parts
        return reset.reset_password(
            parts.unit_of_work(),
            parts.clock,
            parts.ids,
            parts.hasher,
            parts.mailer,
            parts.security,
            token,
            new_password,
            keep_session_id=keep_session_id,
            ip_address=ip_address,
            locale=locale,
        )

    def new_reset_link(self, actor: Actor, customer_id: str) -> str:
        """A password reset link for ``customer_id``, for staff recovering an account
        (``accounts.recover``, SEC-4): the token is stored and the link returned, for the
        staff member to send to the account's own address. No rate limit applies; taking
        a link is written to the access log (``customers.reset_link``).

        Raises:
            PermissionDeniedError: ``actor`` may not recover accounts.
            CustomerNotFoundError: no such account.
        """
        parts = self._parts
        authorize(actor, "accounts.reset.new_reset_link")
        with parts.unit_of_work() as uow:
            if uow.customers.get(customer_id) is None:
                raise CustomerNotFoundError
            link = reset.new_reset_link(
                uow, parts.clock, parts.security, actor, customer_id, ids=parts.ids
            )
            uow.commit()
        return link

    def customer(self, actor: Actor, customer_id: str) -> Customer:
        """A customer's account: their own, or any for staff (logged, SEC-5).

        Raises:
            PermissionDeniedError: ``actor`` may not read this account.
            CustomerNotFoundError: no such account.
        """
        parts = self._parts
        return services.get_customer(
            parts.unit_of_work(), parts.clock, parts.ids, actor, customer_id
        )

    def update_details(
        self, actor: Actor, customer_id: str, details: services.AccountDetails
    ) -> Customer:
        """The customer edits their own details; an administrator's edit is logged.

        Raises:
            PermissionDeniedError: ``actor`` may not edit this account.
            CustomerNotFoundError: no such account.
        """
        parts = self._parts
        return services.update_details(
            parts.unit_of_work(), parts.clock, actor, customer_id, details, ids=parts.ids
        )

    # ------------------------------------------------------------------ staff
    def find(self, actor: Actor, identifier: str) -> Customer | None:
        """Staff look an account up by email or username (SEC-4); the search is logged
        (``customers.find``). ``None`` when no account matches.

        Raises:
            PermissionDeniedError: ``actor`` is not staff allowed to read customers.
        """
        parts = self._parts
        return services.find_customer(
            parts.unit_of_work(), parts.clock, parts.ids, actor, identifier
        )

    def security_events(
        self,
        actor: Actor,
        *,
        kind: str | None = None,
        customer_id: str | None = None,
        since: datetime | None = None,
        limit: int = 1000,
    ) -> builtins.list[SecurityEvent]:
        """Lockouts, confirmed logins, resets and recoveries, newest first (SEC-2, BRE-1);
        the accounts they name are written to the access log.

        Raises:
            PermissionDeniedError: ``actor`` is not an administrator.
        """
        parts = self._parts
        return services.security_events(
            parts.unit_of_work(),
            actor,
            kind=kind,
            customer_id=customer_id,
            since=since,
            limit=limit,
            clock=parts.clock,
            ids=parts.ids,
        )

    def access_log(
        self,
        actor: Actor,
        *,
        actor_id: str | None = None,
        subject: str | None = None,
        limit: int = 1000,
    ) -> builtins.list[AccessLogEntry]:
        """Who read whose data, newest first (X-6, SEC-5).

        Raises:
            PermissionDeniedError: ``actor`` is not an administrator.
        """
        return services.access_log_entries(
            self._parts.unit_of_work(), actor, actor_id=actor_id, subject=subject, limit=limit
        )

    # ------------------------------------------------------------------ lost credentials
    def open_lost_credentials_request(
        self, actor: Actor, *, name: str, email: str, message: str
    ) -> LostCredentialsRequest:
        """Record a lost-credentials request from the contact form (SEC-4; anyone may,
        since the person cannot log in). Every field error is reported at once.

        Raises:
            ValidationError: a field is missing, too long or holds what it must not.
        """
        parts = self._parts
        return lost_credentials.open_lost_credentials_request(
            parts.unit_of_work(), parts.clock, parts.ids, actor, name=name, email=email,
            message=message,
        )  # fmt: skip

    def lost_credentials_requests(
        self,
        actor: Actor,
        *,
        status: RecoveryStatus | None = RecoveryStatus.OPEN,
        limit: int = 100,
    ) -> builtins.list[LostCredentialsRequest]:
        """The review queue, oldest first (open requests by default; ``None``: all);
        logged (``lost_credentials.list``).

        Raises:
            PermissionDeniedError: ``actor`` may not recover accounts.
        """
        parts = self._parts
        return lost_credentials.lost_credentials_requests(
            parts.unit_of_work(), parts.clock, parts.ids, actor, status=status, limit=limit
        )

    def lost_credentials_request(self, actor: Actor, request_id: str) -> LostCredentialsRequest:
        """One lost-credentials request, for review; logged (``lost_credentials.read``).

        Raises:
            PermissionDeniedError: ``actor`` may not recover accounts.
            LostCredentialsRequestNotFoundError: no such request.
        """
        parts = self._parts
        return lost_credentials.get_lost_credentials_request(
            parts.unit_of_work(), parts.clock, parts.ids, actor, request_id
        )

    def resolve_lost_credentials_request(
        self, actor: Actor, request_id: str, customer_id: str, *, locale: str = "fr"
    ) -> LostCredentialsRequest:
        """Staff matched the request to ``customer_id``: record the review and mail a
        password reset link to the account's own address (never to the one typed in the
        form), in ``locale``.

        Raises:
            PermissionDeniedError: ``actor`` may not recover accounts.
            LostCredentialsRequestNotFoundError: no such request.
            RequestAlreadyReviewedError: someone reviewed it already.
            CustomerNotFoundError: no such account.
            UnsupportedLocaleError: ``locale`` is not one the shop speaks.
        """
        parts = self._parts
        language = locale_language(locale)  # before the review commits: the mail follows
        return lost_credentials.resolve_lost_credentials_request(
            parts.unit_of_work(), parts.clock, parts.ids, parts.mailer, parts.security,
            actor, request_id, customer_id, locale=language,
        )  # fmt: skip

    def reject_lost_credentials_request(
        self, actor: Actor, request_id: str
    ) -> LostCredentialsRequest:
        """Staff could not match an account: record the review (who, when); logged.

        Raises:
            PermissionDeniedError: ``actor`` may not recover accounts.
            LostCredentialsRequestNotFoundError: no such request.
            RequestAlreadyReviewedError: someone reviewed it already.
        """
        parts = self._parts
        return lost_credentials.reject_lost_credentials_request(
            parts.unit_of_work(), parts.clock, actor, request_id, ids=parts.ids
        )


def _sign_up(
    form: AccountDetailsForm, username: object, password: object, settings: CheckoutSettings
) -> tuple[services.AccountDetails, str | None, Secret]:
    """The account's details, username and password from a sign-up, or one
    :class:`ValidationError` with every error of the form, the username and the password."""
    errors: list[FieldError] = []
    valid: ValidatedAccountDetails | None = None
    try:
        valid = validate_account_details(form, default_region=settings.default_region)
    except ValidationError as invalid:
        errors.extend(invalid.errors)
    checked = None if username is None else check_username(username, ("username",))
    secret = check_password(password, ("password",))
    errors.extend(result for result in (checked, secret) if isinstance(result, FieldError))
    if errors or valid is None or isinstance(secret, FieldError):
        raise ValidationError(errors)
    details = services.AccountDetails(
        email=valid.email,
        first_name=valid.first_name,
        last_name=valid.last_name,
        phone=valid.phone,
        billing_address=valid.billing,
        shipping_address=valid.shipping,
    )
    return details, checked if isinstance(checked, str) else None, secret
