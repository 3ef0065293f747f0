"""Accounts, account security and the staff access log as personal data (SPEC CHK-3,
SEC-1 … SEC-4, X-6, PRV-1 … PRV-4).

Three providers, one per concern:

* :class:`AccountsProvider` — customer accounts (« nous stockons votre nom, adresse,
  e-mail, et numéro de téléphone ») and their password hashes. The hash is declared but
  **never exported** (« Nous ne pouvons, par contre, pas vous transmettre votre mot de
  passe »): the export says only that a password is set. Accounts are deleted two years
  after their last activity (``accounts.inactive``, CNIL référentiel « gestion
  commerciale »), with what hangs off them.
* :class:`AccountSecurityProvider` — login attempts, one-time tokens, security events and
  lost-credentials requests. A token is exported as the fact that a link was issued (its
  purpose and dates), never its id or hash: the id is half of the link.
* :class:`AccessLogProvider` — the staff access log: entries about the person (their
  account, and each of their orders, reviews, consents and requests, by id) are exported
  as "who on the staff read your data", and kept on erasure for their one year under the
  shop's duty to secure and account for access (GDPR art. 32).

**Last activity.** An account's last activity is the latest of: its creation and last
update; a successful login or password reset (the attempts on file — kept 30 days — and,
for attempts already swept, the time the attempts sweep carried to the account's activity
record); an order placed by it; the last activity of a visitor session signed in as it.
Failed logins do not count: someone else typing a wrong password is not the owner's
activity.

**Notice before deletion.** The CNIL asks that the customer be told before an inactive
account is deleted. The mailing is the app's (the ids to warn come from
``CustomerRepository.inactive``; it records each notice with
``CustomerRepository.record_inactivity_notice``). The sweep then keeps an account whose
notice is less than ``notice_period`` old; with ``require_notice``, it also keeps one
never notified, so no account goes without a warning (the report counts both).

**Erasure.** The account row and its password hash are deleted; so are its login
attempts, its tokens and its lost-credentials requests. Its security events are
*anonymised*, not deleted: they lose the account id and the network address and keep
their kind and time, so the year's incident statistics still add up and nothing left
names anyone. Its saved cart and its sessions are the cart and sessions providers' to
erase, found through the subject's account id. When the account was found by email only
(the caller did not resolve the account, as the request flow does), the other providers
may not find it once it is deleted, so :class:`AccountsProvider` removes all of that
itself: cart, sessions, tokens, attempts, lost-credentials requests, and strips the
security events. (The access-log entries about it name an id only; the sweep removes them
at the end of their year.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from klickit_core.accounts.domain import Customer
from klickit_core.accounts.ports import (
    INACTIVITY_NOTICE_MISSING,
    INACTIVITY_NOTICE_RUNNING,
    CredentialRepository,
    CustomerCarts,
    CustomerRepository,
    CustomerSessions,
    LoginAttemptRepository,
    LostCredentialsRepository,
)
from klickit_core.accounts.security import (
    LOGIN_CONFIRMATION,
    PASSWORD_RESET,
    AttemptOutcome,
    LoginAttempt,
    LostCredentialsRequest,
    RecoveryStatus,
)
from klickit_core.personal_data import (
    CONTRACT,
    LEGITIMATE_INTEREST,
    CategoryErasure,
    ClockEvent,
    DataCategory,
    DataSubject,
    ErasureOutcome,
    ExportField,
    ExportRecord,
    ExportSection,
    FieldKind,
    KeepReason,
    KeptRecord,
    LegalBasis,
    PersonalDataProvider,
    PersonalField,
    RetentionTerms,
    Shown,
    SweepBatch,
    SweepCursor,
    SweepTask,
    address_shown,
    shown_code,
)
from klickit_core.shared.access_log import ACCESS_ACTION_LABELS, AccessLog, AccessLogEntry
from klickit_core.shared.actors import Role, shown_actor_id
from klickit_core.shared.export_values import address_text
from klickit_core.shared.i18n import N_
from klickit_core.shared.security_events import SecurityEvent, SecurityEventKind, SecurityEventLog
from klickit_core.shared.sweeps import SweepKey
from klickit_core.shared.tokens import OneTimeToken, OneTimeTokenRepository
from klickit_core.shared.unit_of_work import Transaction

__all__ = [
    "ACCESS_LOG_CATEGORY",
    "ACCOUNTS_CATEGORY",
    "ATTEMPTS_CATEGORY",
    "DEFAULT_NOTICE_PERIOD",
    "EVENTS_CATEGORY",
    "NOTICE_MISSING",
    "NOTICE_RUNNING",
    "RECOVERY_CATEGORY",
    "STAFF_ACCOUNTABILITY",
    "TOKENS_CATEGORY",
    "AccessLogPrivacyUnitOfWork",
    "AccessLogProvider",
    "AccountSecurityPrivacyUnitOfWork",
    "AccountSecurityProvider",
    "AccountsPrivacyUnitOfWork",
    "AccountsProvider",
    "subject_accounts",
    "subject_customer_ids",
]

#: Customer accounts and their password hashes (``accounts.inactive``).
ACCOUNTS_CATEGORY = "accounts.customers"
#: Login attempts (``accounts.login_attempts``).
ATTEMPTS_CATEGORY = "accounts.login_attempts"
#: One-time tokens behind emailed links (``security.tokens``).
TOKENS_CATEGORY = "security.tokens"
#: Security events (``security.events``).
EVENTS_CATEGORY = "security.events"
#: Lost-credentials requests, contact-form messages (``contact.messages``).
RECOVERY_CATEGORY = "accounts.lost_credentials"
#: The staff access log (``staff.access_log``).
ACCESS_LOG_CATEGORY = "staff.access_log"

#: How long the sweep waits after the notice before deleting an inactive account.
DEFAULT_NOTICE_PERIOD = timedelta(days=30)

NOTICE_RUNNING = KeepReason(
    INACTIVITY_NOTICE_RUNNING,
    N_("The customer was told of the deletion for inactivity too recently"),
)
NOTICE_MISSING = KeepReason(
    INACTIVITY_NOTICE_MISSING,
    N_("The customer must be told before the account is deleted for inactivity"),
)

#: Why access-log entries about a person are kept after their erasure.
STAFF_ACCOUNTABILITY = LegalBasis(
    "gdpr.32",
    N_("Security of processing: a record of staff access to your data (GDPR art. 32)"),
)


# ---------------------------------------------------------------------------- helpers
class _Customers(Protocol):
    @property
    def customers(self) -> CustomerRepository: ...


def subject_accounts(uow: _Customers, subject: DataSubject) -> list[Customer]:
    """The subject's accounts: the one named by their customer id, and the one holding
    their email (usually the same)."""
    found: dict[str, Customer] = {}
    if subject.customer_id is not None:
        named = uow.customers.get(subject.customer_id)
        if named is not None:
            found[named.id] = named
    by_email = uow.customers.by_email(subject.email)
    if by_email is not None:
        found[by_email.id] = by_email
    return [found[key] for key in sorted(found)]


def subject_customer_ids(uow: _Customers, subject: DataSubject) -> list[str]:
    """The account ids the subject's data may be filed under: their customer id (even if
    the account is gone) and the id of the account holding their email."""
    ids = {account.id for account in subject_accounts(uow, subject)}
    if subject.customer_id is not None:
        ids.add(subject.customer_id)
    return sorted(ids)


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# ---------------------------------------------------------------------------- accounts
class AccountsPrivacyUnitOfWork(Transaction, Protocol):
    """What :class:`AccountsProvider` needs from the shop's unit of work."""

    @property
    def customers(self) -> CustomerRepository: ...
    @property
    def credentials(self) -> CredentialRepository: ...
    @property
    def carts(self) -> CustomerCarts: ...
    @property
    def sessions(self) -> CustomerSessions: ...
    @property
    def tokens(self) -> OneTimeTokenRepository: ...
    @property
    def login_attempts(self) -> LoginAttemptRepository: ...
    @property
    def security_events(self) -> SecurityEventLog: ...
    @property
    def lost_credentials(self) -> LostCredentialsRepository: ...


def _account_record(uow: AccountsPrivacyUnitOfWork, customer: Customer) -> ExportRecord:
    # The page names the account by its email, what the person signs in with; the JSON
    # keeps its id as the reference, and other records point to it by that id (``key``).
    activity = uow.customers.activity(customer.id)
    has_password = uow.credentials.password_hash(customer.id) is not None
    return ExportRecord(
        N_("Customer account"),
        customer.id,
        (
            ExportField("email", N_("Email"), customer.email, FieldKind.EMAIL),
            ExportField("first_name", N_("First name"), customer.first_name),
            ExportField("last_name", N_("Last name"), customer.last_name),
            ExportField("phone", N_("Phone"), customer.phone, FieldKind.PHONE),
            ExportField(
                "billing_address",
                N_("Billing address"),
                address_text(customer.billing_address),
                FieldKind.ADDRESS,
                shown=address_shown(customer.billing_address),
            ),
            ExportField(
                "shipping_address",
                N_("Shipping address"),
                address_text(customer.shipping_address),
                FieldKind.ADDRESS,
                shown=address_shown(customer.shipping_address),
            ),
            ExportField("username", N_("Username"), customer.username),
            ExportField("created_at", N_("Created at"), customer.created_at),
            ExportField("updated_at", N_("Last updated at"), customer.updated_at),
            ExportField(
                "last_login_at",
                N_("Last login (older than the login attempts on file)"),
                activity.last_login_at if activity is not None else None,
            ),
            ExportField(
                "inactivity_notice_at",
                N_("Told of the deletion for inactivity at"),
                activity.inactivity_notice_at if activity is not None else None,
            ),
            ExportField(
                "password_set",
                N_("A password is set (kept only as an Argon2id hash, which is never exported)"),
                has_password,
            ),
        ),
        key=customer.id,
        shown=(Shown.plain(customer.email),),
    )


class AccountsProvider(PersonalDataProvider[AccountsPrivacyUnitOfWork]):
    """Customer accounts and password hashes: export (never the hash), erasure, and the
    inactive-account sweep (``accounts.inactive``).

    ``notice_period``: how long after the notice an inactive account is kept;
    ``require_notice``: keep inactive accounts never notified (see the module docstring).
    """

    def __init__(
        self, *, notice_period: timedelta = DEFAULT_NOTICE_PERIOD, require_notice: bool = False
    ) -> None:
        period: object = notice_period
        if not isinstance(period, timedelta) or period < timedelta(0):
            raise ValueError("the notice period is a duration of zero or more")
        self.notice_period = notice_period
        self.require_notice = require_notice

    @property
    def name(self) -> str:
        return "accounts"

    def categories(self) -> Sequence[DataCategory]:
        return (
            DataCategory(
                ACCOUNTS_CATEGORY,
                N_("Customer account"),
                N_(
                    "Your name, address, email and phone, kept with your account to fill in "
                    "your next orders, and your password, kept only as a hash that cannot "
                    "be turned back into it."
                ),
                (
                    PersonalField("email", N_("Email")),
                    PersonalField("first_name", N_("First name")),
                    PersonalField("last_name", N_("Last name")),
                    PersonalField("phone", N_("Phone")),
                    PersonalField("billing_address", N_("Billing address")),
                    PersonalField("shipping_address", N_("Shipping address")),
                    PersonalField("username", N_("Username")),
                    PersonalField("password_hash", N_("Password (as a hash, never exported)")),
                ),
                "accounts.inactive",
                ClockEvent.LAST_ACTIVITY,
                CONTRACT,
            ),
        )

    def export(
        self, uow: AccountsPrivacyUnitOfWork, subject: DataSubject
    ) -> Sequence[ExportSection]:
        accounts = subject_accounts(uow, subject)
        if not accounts:
            return []
        records = tuple(_account_record(uow, account) for account in accounts)
        return [ExportSection(self.name, ACCOUNTS_CATEGORY, N_("Customer account"), records)]

    def erase(
        self,
        uow: AccountsPrivacyUnitOfWork,
        subject: DataSubject,
        *,
        now: datetime,
        retention: RetentionTerms,
        dry_run: bool,
    ) -> ErasureOutcome:
        del now, retention  # nothing of the account must be kept
        accounts = subject_accounts(uow, subject)
        if not dry_run:
            for account in accounts:
                if account.id != subject.customer_id:
                    # Found by email only: the other providers cannot find what hangs off it.
                    uow.carts.delete(account.id)
                    uow.sessions.delete_for_customer(account.id)
                    uow.tokens.delete_for_subject(account.id)
                    uow.login_attempts.delete_for_customer(account.id)
                    uow.security_events.anonymise_customer(account.id)
                    for request in uow.lost_credentials.for_person(account.email, account.id):
                        uow.lost_credentials.delete(request.id)
                uow.customers.delete(account.id)
        erased = CategoryErasure(ACCOUNTS_CATEGORY, deleted=len(accounts))
        return ErasureOutcome(self.name, (erased,))

    def sweep_batch(
        self,
        uow: AccountsPrivacyUnitOfWork,
        task: SweepTask,
        *,
        after: SweepCursor | None,
        limit: int,
        dry_run: bool,
    ) -> SweepBatch:
        page = uow.customers.sweep_inactive(
            task.cutoff,
            notice_after=task.now - self.notice_period,
            require_notice=self.require_notice,
            after=SweepKey.from_cursor(after),
            limit=limit,
            dry_run=dry_run,
        )
        return page.batch(
            task.category_id,
            reasons={NOTICE_RUNNING.code: NOTICE_RUNNING, NOTICE_MISSING.code: NOTICE_MISSING},
        )


# ---------------------------------------------------------------------------- security
class AccountSecurityPrivacyUnitOfWork(Transaction, Protocol):
    """What :class:`AccountSecurityProvider` needs from the shop's unit of work."""

    @property
    def customers(self) -> CustomerRepository: ...
    @property
    def login_attempts(self) -> LoginAttemptRepository: ...
    @property
    def tokens(self) -> OneTimeTokenRepository: ...
    @property
    def security_events(self) -> SecurityEventLog: ...
    @property
    def lost_credentials(self) -> LostCredentialsRepository: ...


#: What the person reads for the codes of their security records (the JSON keeps the
#: codes; PRV-3, issue #16).
_OUTCOME_LABELS: dict[str, str] = {
    AttemptOutcome.FAILED: N_("Refused (wrong password or unknown account)"),
    AttemptOutcome.SUCCEEDED: N_("Logged in"),
    AttemptOutcome.RESET: N_("Password reset through an emailed link"),
}
_PURPOSE_LABELS: dict[str, str] = {
    PASSWORD_RESET: N_("Password reset"),
    LOGIN_CONFIRMATION: N_("Login confirmation"),
    "privacy.export": N_("Confirming your request for your data"),
    "privacy.erasure": N_("Confirming your request to erase your data"),
    "privacy.download": N_("Downloading your data"),
}
_EVENT_LABELS: dict[str, str] = {
    SecurityEventKind.LOGIN_LOCKOUT_ACCOUNT: N_(
        "Too many failed logins: the next login needed an emailed confirmation"
    ),
    SecurityEventKind.LOGIN_LOCKOUT_IP: N_("Too many failed logins from one network"),
    SecurityEventKind.LOGIN_CONFIRMED: N_("Login confirmed through an emailed link"),
    SecurityEventKind.PASSWORD_RESET: N_("Password changed through a reset link"),
    SecurityEventKind.ACCOUNT_RECOVERY: N_("The staff sent your account a reset link"),
}
_RECOVERY_LABELS: dict[str, str] = {
    RecoveryStatus.OPEN: N_("Waiting for the staff"),
    RecoveryStatus.RESOLVED: N_("Account found, reset link sent"),
    RecoveryStatus.REJECTED: N_("No account matched"),
}
_ROLE_LABELS: dict[str, str] = {
    Role.SHOP_MANAGER: N_("Shop manager"),
    Role.ADMINISTRATOR: N_("Administrator"),
    Role.SYSTEM: N_("Shop administration tool, run by the staff"),
    Role.CUSTOMER: N_("Customer"),
    Role.VISITOR: N_("Visitor"),
}
#: The page names a staff member as the shop names its staff, never by an id or a login.
_STAFF = (Shown.staff(),)


def _staff(actor_id: str | None) -> ExportField:
    return ExportField(
        "staff",
        N_("Staff member"),
        None if actor_id is None else shown_actor_id(actor_id),
        FieldKind.IDENTIFIER,
        shown=None if actor_id is None else _STAFF,
    )


def _attempt_record(attempt: LoginAttempt) -> ExportRecord:
    return ExportRecord(
        N_("Login attempt"),
        _when(attempt.at),
        (
            ExportField("at", N_("When"), attempt.at),
            ExportField(
                "outcome",
                N_("Outcome"),
                attempt.outcome.value,
                shown=shown_code(_OUTCOME_LABELS, attempt.outcome),
            ),
            ExportField(
                "ip_address", N_("IP address (network)"), attempt.ip_address, FieldKind.IP_ADDRESS
            ),
        ),
        shown=(Shown.time(attempt.at),),
    )


def _labelled_time(labels: dict[str, str], code: str, at: datetime) -> tuple[Shown, ...]:
    label = labels.get(code)
    first = Shown.plain(code) if label is None else Shown.label(label)
    return (first, Shown.plain(", "), Shown.time(at))


def _token_record(token: OneTimeToken) -> ExportRecord:
    # Never the id (half of the link) nor the verifier's hash.
    return ExportRecord(
        N_("Emailed link"),
        f"{token.purpose} {_when(token.created_at)}",
        (
            ExportField(
                "purpose",
                N_("Purpose"),
                token.purpose,
                shown=shown_code(_PURPOSE_LABELS, token.purpose),
            ),
            ExportField("created_at", N_("Issued at"), token.created_at),
            ExportField("expires_at", N_("Expires at"), token.expires_at),
            ExportField("used_at", N_("Used or revoked at"), token.used_at),
        ),
        shown=_labelled_time(_PURPOSE_LABELS, token.purpose, token.created_at),
    )


def _event_record(event: SecurityEvent) -> ExportRecord:
    return ExportRecord(
        N_("Security event"),
        f"{event.kind} {_when(event.at)}",
        (
            ExportField(
                "kind", N_("Event"), event.kind, shown=shown_code(_EVENT_LABELS, event.kind)
            ),
            ExportField("at", N_("When"), event.at),
            ExportField(
                "ip_address", N_("IP address (network)"), event.ip_address, FieldKind.IP_ADDRESS
            ),
            _staff(event.actor_id),
        ),
        shown=_labelled_time(_EVENT_LABELS, event.kind, event.at),
    )


def _recovery_record(request: LostCredentialsRequest) -> ExportRecord:
    reviewer = request.reviewed_by
    return ExportRecord(
        N_("Lost credentials request"),
        _when(request.created_at),
        (
            ExportField("name", N_("Name"), request.name),
            ExportField("email", N_("Email"), request.contact_email, FieldKind.EMAIL),
            ExportField("message", N_("Message"), request.message, FieldKind.MULTILINE),
            ExportField("created_at", N_("Sent at"), request.created_at),
            ExportField(
                "status",
                N_("Status"),
                request.status.value,
                shown=shown_code(_RECOVERY_LABELS, request.status),
            ),
            ExportField("reviewed_at", N_("Reviewed at"), request.reviewed_at),
            ExportField(
                "reviewed_by",
                N_("Staff member"),
                None if reviewer is None else shown_actor_id(reviewer),
                FieldKind.IDENTIFIER,
                shown=None if reviewer is None else _STAFF,
            ),
        ),
        shown=(Shown.time(request.created_at),),
    )


class AccountSecurityProvider(PersonalDataProvider[AccountSecurityPrivacyUnitOfWork]):
    """Login attempts, one-time tokens, security events and lost-credentials requests."""

    @property
    def name(self) -> str:
        return "account_security"

    def categories(self) -> Sequence[DataCategory]:
        return (
            DataCategory(
                ATTEMPTS_CATEGORY,
                N_("Login attempts"),
                N_(
                    "Each attempt to log in to your account, with its outcome and the "
                    "network it came from, to limit attempts and detect attacks."
                ),
                (
                    PersonalField("at", N_("When")),
                    PersonalField("ip_address", N_("IP address (network)")),
                ),
                "accounts.login_attempts",
                ClockEvent.CREATION,
                LEGITIMATE_INTEREST,
            ),
            DataCategory(
                TOKENS_CATEGORY,
                N_("Emailed links"),
                N_(
                    "The links we emailed you (password reset, login confirmation, "
                    "download): what for and when. The link itself is never kept."
                ),
                (
                    PersonalField("purpose", N_("Purpose")),
                    PersonalField("created_at", N_("Issued at")),
                ),
                "security.tokens",
                ClockEvent.EXPIRY,
                CONTRACT,
            ),
            DataCategory(
                EVENTS_CATEGORY,
                N_("Security events"),
                N_(
                    "Security-relevant facts about your account (logins held for "
                    "confirmation, password resets, account recovery), to detect attacks."
                ),
                (
                    PersonalField("kind", N_("Event")),
                    PersonalField("ip_address", N_("IP address (network)")),
                ),
                "security.events",
                ClockEvent.CREATION,
                LEGITIMATE_INTEREST,
            ),
            DataCategory(
                RECOVERY_CATEGORY,
                N_("Lost credentials requests"),
                N_(
                    "What you wrote through the contact form to find your account again, "
                    "and what the staff did with it."
                ),
                (
                    PersonalField("name", N_("Name")),
                    PersonalField("email", N_("Email")),
                    PersonalField("message", N_("Message")),
                ),
                "contact.messages",
                ClockEvent.CREATION,
                CONTRACT,
            ),
        )

    def _requests(
        self, uow: AccountSecurityPrivacyUnitOfWork, subject: DataSubject, ids: list[str]
    ) -> list[LostCredentialsRequest]:
        found: dict[str, LostCredentialsRequest] = {}
        owners: list[str | None] = [*ids] if ids else [None]
        for customer_id in owners:
            for request in uow.lost_credentials.for_person(subject.email, customer_id):
                found[request.id] = request
        return sorted(found.values(), key=lambda r: (r.created_at, r.id))

    def export(
        self, uow: AccountSecurityPrivacyUnitOfWork, subject: DataSubject
    ) -> Sequence[ExportSection]:
        ids = subject_customer_ids(uow, subject)
        attempts = sorted(
            (a for cid in ids for a in uow.login_attempts.for_customer(cid)),
            key=lambda a: (a.at, a.id),
        )
        tokens = sorted(
            (t for cid in ids for t in uow.tokens.for_subject(cid)),
            key=lambda t: (t.created_at, t.id),
        )
        events = sorted(
            (e for cid in ids for e in uow.security_events.for_customer(cid)),
            key=lambda e: (e.at, e.id),
        )
        requests = self._requests(uow, subject, ids)
        parts = (
            (ATTEMPTS_CATEGORY, N_("Login attempts"), [_attempt_record(a) for a in attempts]),
            (TOKENS_CATEGORY, N_("Emailed links"), [_token_record(t) for t in tokens]),
            (EVENTS_CATEGORY, N_("Security events"), [_event_record(e) for e in events]),
            (
                RECOVERY_CATEGORY,
                N_("Lost credentials requests"),
                [_recovery_record(r) for r in requests],
            ),
        )
        return [
            ExportSection(self.name, category, title, tuple(records))
            for category, title, records in parts
            if records
        ]

    def erase(
        self,
        uow: AccountSecurityPrivacyUnitOfWork,
        subject: DataSubject,
        *,
        now: datetime,
        retention: RetentionTerms,
        dry_run: bool,
    ) -> ErasureOutcome:
        del now, retention  # nothing here must be kept
        ids = subject_customer_ids(uow, subject)
        requests = self._requests(uow, subject, ids)
        if dry_run:
            attempts = sum(len(uow.login_attempts.for_customer(cid)) for cid in ids)
            tokens = sum(len(uow.tokens.for_subject(cid)) for cid in ids)
            events = sum(len(uow.security_events.for_customer(cid)) for cid in ids)
        else:
            attempts = sum(uow.login_attempts.delete_for_customer(cid) for cid in ids)
            tokens = sum(uow.tokens.delete_for_subject(cid) for cid in ids)
            events = sum(uow.security_events.anonymise_customer(cid) for cid in ids)
            for request in requests:
                uow.lost_credentials.delete(request.id)
        return ErasureOutcome(
            self.name,
            (
                CategoryErasure(ATTEMPTS_CATEGORY, deleted=attempts),
                CategoryErasure(TOKENS_CATEGORY, deleted=tokens),
                CategoryErasure(EVENTS_CATEGORY, anonymised=events),
                CategoryErasure(RECOVERY_CATEGORY, deleted=len(requests)),
            ),
        )

    def sweep_batch(
        self,
        uow: AccountSecurityPrivacyUnitOfWork,
        task: SweepTask,
        *,
        after: SweepCursor | None,
        limit: int,
        dry_run: bool,
    ) -> SweepBatch:
        key = SweepKey.from_cursor(after)
        if task.category_id == ATTEMPTS_CATEGORY:
            page = uow.login_attempts.sweep(task.cutoff, after=key, limit=limit, dry_run=dry_run)
        elif task.category_id == TOKENS_CATEGORY:
            page = uow.tokens.sweep_expired(task.cutoff, after=key, limit=limit, dry_run=dry_run)
        elif task.category_id == EVENTS_CATEGORY:
            page = uow.security_events.sweep(task.cutoff, after=key, limit=limit, dry_run=dry_run)
        else:
            page = uow.lost_credentials.sweep(task.cutoff, after=key, limit=limit, dry_run=dry_run)
        return page.batch(task.category_id)


# ---------------------------------------------------------------------------- access log
class _Record(Protocol):
    """Anything the access log may name: it has an id."""

    @property
    def id(self) -> str: ...


class _PeopleRecords(Protocol):
    """A sibling repository that finds a person's records (orders, privacy requests).
    Structural, so that accounts imports none of them."""

    def for_subject(self, email: str, customer_id: str | None) -> Sequence[_Record]: ...


class _OrderIds(Protocol):
    """The orders repository as the access-log provider needs it: ids, not orders."""

    def ids_for_subject(self, email: str, customer_id: str | None) -> Sequence[str]: ...


class _Reviews(Protocol):
    def by_author(self, email: str, customer_id: str | None) -> Sequence[_Record]: ...


class _Consents(Protocol):
    def for_subject(self, email: str) -> Sequence[_Record]: ...


class AccessLogPrivacyUnitOfWork(Transaction, Protocol):
    """What :class:`AccessLogProvider` needs from the shop's unit of work: the log, and
    where to find the ids of the person's records it may name."""

    @property
    def customers(self) -> CustomerRepository: ...
    @property
    def access_log(self) -> AccessLog: ...
    @property
    def lost_credentials(self) -> LostCredentialsRepository: ...
    @property
    def orders(self) -> _OrderIds: ...
    @property
    def privacy_requests(self) -> _PeopleRecords: ...
    @property
    def reviews(self) -> _Reviews: ...
    @property
    def consents(self) -> _Consents: ...


def _access_log_subjects(uow: AccessLogPrivacyUnitOfWork, subject: DataSubject) -> list[str]:
    """Every id an access-log entry about ``subject`` may name: their accounts, and their
    orders, reviews, consents, privacy requests and lost-credentials requests (X-6,
    PRV-3: the export holds every entry about them)."""
    customer_ids = subject_customer_ids(uow, subject)
    email = subject.email
    records: list[_Record] = list(uow.consents.for_subject(email))
    ids: set[str] = set(customer_ids)
    # The subject's own id first, then an account found by their email only.
    owners = dict.fromkeys([subject.customer_id, *customer_ids])
    for owner in owners:
        ids.update(uow.orders.ids_for_subject(email, owner))  # ids only: no order loaded
        records.extend(uow.privacy_requests.for_subject(email, owner))
        records.extend(uow.reviews.by_author(email, owner))
        records.extend(uow.lost_credentials.for_person(email, owner))
    return sorted(ids.union(record.id for record in records))


def _access_record(entry: AccessLogEntry) -> ExportRecord:
    # Who read: the staff member's id in the JSON (an operator's login cut off, issue
    # #16), and on the page the shop's name for its staff and the role, never an id.
    return ExportRecord(
        N_("Read by the staff"),
        _when(entry.at),
        (
            ExportField("at", N_("When"), entry.at),
            _staff(entry.actor_id),
            ExportField(
                "role",
                N_("Role"),
                entry.actor_role,
                shown=shown_code(_ROLE_LABELS, entry.actor_role),
            ),
            ExportField(
                "action",
                N_("What was read or changed"),
                entry.action,
                shown=shown_code(ACCESS_ACTION_LABELS, entry.action),
            ),
        ),
        shown=(Shown.time(entry.at),),
    )


class AccessLogProvider(PersonalDataProvider[AccessLogPrivacyUnitOfWork]):
    """The staff access log (X-6): who on the staff read the person's account data.

    Entries name the person by account id only. On erasure they are kept until the end of
    their one year (:data:`STAFF_ACCOUNTABILITY`): the log exists so that staff access can
    be checked afterwards, also by the person erased; entries already past their year are
    deleted at once.
    """

    @property
    def name(self) -> str:
        return "access_log"

    def categories(self) -> Sequence[DataCategory]:
        return (
            DataCategory(
                ACCESS_LOG_CATEGORY,
                N_("Who on the staff read your data"),
                N_(
                    "Each time a shop manager or administrator read or changed your account "
                    "data: who, when and what. Kept one year to check staff access."
                ),
                (
                    PersonalField("subject", N_("Your account id")),
                    PersonalField("at", N_("When")),
                ),
                "staff.access_log",
                ClockEvent.CREATION,
                STAFF_ACCOUNTABILITY,
            ),
        )

    def _entries(
        self, uow: AccessLogPrivacyUnitOfWork, subject: DataSubject
    ) -> list[AccessLogEntry]:
        return uow.access_log.about_any(_access_log_subjects(uow, subject))

    def export(
        self, uow: AccessLogPrivacyUnitOfWork, subject: DataSubject
    ) -> Sequence[ExportSection]:
        entries = self._entries(uow, subject)
        if not entries:
            return []
        return [
            ExportSection(
                self.name,
                ACCESS_LOG_CATEGORY,
                N_("Who on the staff read your data"),
                tuple(_access_record(entry) for entry in entries),
            )
        ]

    def erase(
        self,
        uow: AccessLogPrivacyUnitOfWork,
        subject: DataSubject,
        *,
        now: datetime,
        retention: RetentionTerms,
        dry_run: bool,
    ) -> ErasureOutcome:
        entries = self._entries(uow, subject)
        due = [e for e in entries if retention.is_due(ACCESS_LOG_CATEGORY, e.at, now)]
        kept = tuple(
            KeptRecord(
                ACCESS_LOG_CATEGORY,
                entry.id,
                STAFF_ACCOUNTABILITY,
                retention.keep_until(ACCESS_LOG_CATEGORY, entry.at),
            )
            for entry in entries
            if entry not in due
        )
        if due and not dry_run:
            # "Due" is monotone in time: everything up to the latest due entry is due.
            before = max(entry.at for entry in due) + timedelta(microseconds=1)
            for subject_id in sorted({entry.subject for entry in due}):
                uow.access_log.delete_about(subject_id, before)
        erased = CategoryErasure(ACCESS_LOG_CATEGORY, deleted=len(due), kept=kept)
        return ErasureOutcome(self.name, (erased,))

    def sweep_batch(
        self,
        uow: AccessLogPrivacyUnitOfWork,
        task: SweepTask,
        *,
        after: SweepCursor | None,
        limit: int,
        dry_run: bool,
    ) -> SweepBatch:
        page = uow.access_log.sweep(
            task.cutoff, after=SweepKey.from_cursor(after), limit=limit, dry_run=dry_run
        )
        return page.batch(task.category_id)
