"""Lost credentials (SPEC SEC-4): a contact-form request that staff review, then SEC-3.

« Si vous avez perdu vos identifiants, il vous suffira de le demander par notre formulaire
de contact en fournissant le plus d'informations possibles de façon à retrouver votre
compte. Ensuite, il vous faudra suivre la procédure "mot de passe oublié". »

1. Anyone (a visitor, through the contact form) opens a request with a name, an address to
   answer and a message: :func:`open_lost_credentials_request`.
2. Staff holding ``accounts.recover`` (shop managers, administrators) read the queue
   (:func:`lost_credentials_requests`, logged as a read of personal data) and look for the
   account with what was given (:func:`~klickit_core.accounts.services.find_customer`).
3. They either resolve the request with the account they matched
   (:func:`resolve_lost_credentials_request`), which mails a password reset link **to the
   account's own address**, never to the address typed in the form (else anyone could take
   over an account by describing it well), or reject it
   (:func:`reject_lost_credentials_request`). Either way the request records who reviewed
   it and when; resolving also writes the access log and a security event.

The app answers the person itself (the library sends nothing to the address typed in the
form: whether an account was found is for staff to tell, knowing who asks).
"""

from __future__ import annotations

from klickit_core.accounts.ports import (
    CustomerNotFoundError,
    LostCredentialsRequestNotFoundError,
    RequestAlreadyReviewedError,
    SecurityUnitOfWork,
)
from klickit_core.accounts.reset import _reset_link, mail_reset_link
from klickit_core.accounts.security import (
    LostCredentialsRequest,
    RecoveryStatus,
    SecuritySettings,
)
from klickit_core.shared.access_log import log_staff_read, log_staff_reads
from klickit_core.shared.actors import Actor
from klickit_core.shared.authorization import authorize
from klickit_core.shared.clock import Clock
from klickit_core.shared.emails import check_email
from klickit_core.shared.errors import FieldError, ValidationError
from klickit_core.shared.i18n import N_
from klickit_core.shared.ids import IdGenerator, RandomIdGenerator
from klickit_core.shared.mail import Mailer
from klickit_core.shared.security_events import SecurityEvent, SecurityEventKind
from klickit_core.shared.text import free_text_error

__all__ = ["MAX_RECOVERY_MESSAGE", "MAX_RECOVERY_NAME"]

MAX_RECOVERY_NAME = 100
MAX_RECOVERY_MESSAGE = 5000

_TOO_LONG = N_("At most {max} characters.")


def _text(
    value: object, field: str, maximum: int, required: str, *, multiline: bool
) -> str | FieldError:
    path = (field,)
    if not isinstance(value, str) or not value.strip():
        return FieldError(path, f"recovery.{field}_required", required)
    problem = free_text_error(
        value, path, invalid_code=f"recovery.{field}_invalid", multiline=multiline
    )
    if problem is not None:  # control characters, a card number (PAY-2)
        return problem
    text = value.strip()
    if len(text) > maximum:
        return FieldError(path, f"recovery.{field}_too_long", _TOO_LONG, {"max": maximum})
    return text


def open_lost_credentials_request(
    uow: SecurityUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
    *,
    name: str,
    email: str,
    message: str,
) -> LostCredentialsRequest:
    """Record a lost-credentials request from the contact form (any actor may: the person
    cannot log in). Every field error is reported at once; nothing is stored on error."""
    authorize(actor, "accounts.lost_credentials.open_lost_credentials_request")
    checked_name = _text(name, "name", MAX_RECOVERY_NAME, N_("Enter your name."), multiline=False)
    checked_email = check_email(email, ("email",))
    checked_message = _text(
        message,
        "message",
        MAX_RECOVERY_MESSAGE,
        N_("Tell us what could help us find your account."),
        multiline=True,
    )
    if (
        isinstance(checked_name, FieldError)
        or isinstance(checked_email, FieldError)
        or isinstance(checked_message, FieldError)
    ):
        found = (checked_name, checked_email, checked_message)
        raise ValidationError([error for error in found if isinstance(error, FieldError)])
    request = LostCredentialsRequest(
        id=ids.new_id(),
        created_at=clock.now(),
        name=checked_name,
        contact_email=checked_email,
        message=checked_message,
    )
    with uow:
        uow.lost_credentials.add(request)
        uow.commit()
    return request


def lost_credentials_requests(
    uow: SecurityUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
    *,
    status: RecoveryStatus | None = RecoveryStatus.OPEN,
    limit: int = 100,
) -> list[LostCredentialsRequest]:
    """The review queue, oldest first (open requests by default). Staff only; the read is
    written to the access log (``lost_credentials.list``, one entry per request)."""
    authorize(actor, "accounts.lost_credentials.lost_credentials_requests")
    with uow:
        found = uow.lost_credentials.list(status=status, limit=limit)
        subjects = (request.id for request in found)
        log_staff_reads(uow.access_log, actor, "lost_credentials.list", subjects, clock.now(), ids)
        uow.commit()
    return found


def _open_request(uow: SecurityUnitOfWork, request_id: str) -> LostCredentialsRequest:
    request = uow.lost_credentials.get(request_id)
    if request is None:
        raise LostCredentialsRequestNotFoundError
    return request


def get_lost_credentials_request(
    uow: SecurityUnitOfWork, clock: Clock, ids: IdGenerator, actor: Actor, request_id: str
) -> LostCredentialsRequest:
    """One request, for review. Staff only; logged (``lost_credentials.read``)."""
    authorize(actor, "accounts.lost_credentials.get_lost_credentials_request")
    with uow:
        request = _open_request(uow, request_id)
        log_staff_read(
            uow.access_log, actor, "lost_credentials.read", request.id, clock.now(), ids.new_id()
        )
        uow.commit()
    return request


def resolve_lost_credentials_request(
    uow: SecurityUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    mailer: Mailer,
    settings: SecuritySettings,
    actor: Actor,
    request_id: str,
    customer_id: str,
    *,
    locale: str = "fr",
) -> LostCredentialsRequest:
    """Staff matched the request to ``customer_id``: record the review and mail the
    account a password reset link (SEC-3), to the account's own address.

    :class:`~klickit_core.accounts.ports.RequestAlreadyReviewedError` if someone reviewed
    it already; :class:`~klickit_core.accounts.ports.CustomerNotFoundError` for an unknown
    account. The access log gets ``customers.recover`` (subject: the customer), the
    security log an ``account.recovery`` event naming the staff member.
    """
    authorize(actor, "accounts.lost_credentials.resolve_lost_credentials_request")
    with uow:
        request = _open_request(uow, request_id)
        if not request.is_open:
            raise RequestAlreadyReviewedError
        customer = uow.customers.get(customer_id)
        if customer is None:
            raise CustomerNotFoundError
        now = clock.now()
        resolved = request.resolved(actor.id, now, customer.id)
        uow.lost_credentials.save(resolved)
        log_staff_read(uow.access_log, actor, "customers.recover", customer.id, now, ids.new_id())
        uow.security_events.add(
            SecurityEvent(
                ids.new_id(),
                SecurityEventKind.ACCOUNT_RECOVERY,
                now,
                customer_id=customer.id,
                actor_id=actor.id,
            )
        )
        # Authorized and logged above (customers.recover): one entry for the use case.
        link = _reset_link(uow, clock, settings, customer.id)  # staff: no rate limit
        uow.commit()
    mail_reset_link(mailer, settings, customer.email, link, locale)
    return resolved


def reject_lost_credentials_request(
    uow: SecurityUnitOfWork,
    clock: Clock,
    actor: Actor,
    request_id: str,
    *,
    ids: IdGenerator | None = None,
) -> LostCredentialsRequest:
    """Staff could not match an account: record the review (who, when), and the read in
    the access log (``lost_credentials.reject``, an entry id from ``ids``, random by
    default)."""
    authorize(actor, "accounts.lost_credentials.reject_lost_credentials_request")
    with uow:
        request = _open_request(uow, request_id)
        if not request.is_open:
            raise RequestAlreadyReviewedError
        rejected = request.rejected(actor.id, clock.now())
        uow.lost_credentials.save(rejected)
        entry_id = (ids or RandomIdGenerator()).new_id()
        log_staff_read(
            uow.access_log, actor, "lost_credentials.reject", request.id, clock.now(), entry_id
        )
        uow.commit()
    return rejected
