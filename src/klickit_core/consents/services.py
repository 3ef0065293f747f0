"""Consent use cases: read the current state of each purpose, and withdraw a consent
(SPEC CHK-2, PRV-5, X-6).

A customer acts on the consents of their account's email, found from the account, never
from an email they type; staff name the email, and their reads are written to the access
log, one entry per record.
"""

from __future__ import annotations

from datetime import timedelta

from klickit_core.consents.domain import ConsentRecord
from klickit_core.consents.ports import ConsentsUnitOfWork
from klickit_core.shared.access_log import log_staff_read, log_staff_reads
from klickit_core.shared.actors import Actor
from klickit_core.shared.authorization import authorize
from klickit_core.shared.clock import Clock
from klickit_core.shared.emails import check_email
from klickit_core.shared.errors import FieldError, NotFoundError, ValidationError
from klickit_core.shared.i18n import N_
from klickit_core.shared.ids import IdGenerator

__all__ = ["NoConsentInForceError"]

#: A channel is a short code (``"account"``, ``"contact_form"``), as the ledger stores it.
_MAX_CHANNEL = 40
_TICK = timedelta(microseconds=1)


class NoConsentInForceError(NotFoundError):
    """The person gave no consent to this purpose, or already withdrew it."""

    code = "consents.not_in_force"
    message_template = N_("There is no consent in force for this purpose.")


def _whose(uow: ConsentsUnitOfWork, actor: Actor, use_case: str, email: str | None) -> str:
    """The email whose consents ``actor`` may act on, inside the caller's transaction: a
    customer's account email (an ``email`` given must be that one), or for staff the
    ``email`` given. :class:`~klickit_core.shared.errors.PermissionDeniedError` otherwise."""
    typed = None if email is None else check_email(email, ("email",))
    if isinstance(typed, FieldError):
        raise ValidationError([typed])
    if actor.customer_id is not None:
        account = uow.customers.get(actor.customer_id)
        own = account is not None and typed in (None, account.email)
        authorize(actor, use_case, owner=actor.customer_id if own else None)
        if account is not None and own:
            return account.email
    authorize(actor, use_case)
    if typed is None:  # staff must name the person
        missing = check_email("", ("email",))
        raise ValidationError([missing] if isinstance(missing, FieldError) else [])
    return typed


def current_consents(
    uow: ConsentsUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
    email: str | None = None,
) -> dict[str, ConsentRecord]:
    """The latest record of each purpose, what holds now: a customer's own (by their
    account; ``email``, if given, must be the account's), or for staff those of ``email``
    (one access-log entry per record read, ``consents.read``).

    Anyone else gets :class:`~klickit_core.shared.errors.PermissionDeniedError`, before
    anything is read: the answer says nothing about the address.
    """
    with uow:
        address = _whose(uow, actor, "consents.services.current_consents", email)
        records = uow.consents.for_subject(address)
        subjects = (record.id for record in records)
        log_staff_reads(uow.access_log, actor, "consents.read", subjects, clock.now(), ids)
        uow.commit()
    latest: dict[str, ConsentRecord] = {}
    for record in sorted(records, key=lambda r: (r.at, r.id)):
        latest[record.purpose] = record
    return latest


def withdraw_consent(
    uow: ConsentsUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
    email: str | None,
    purpose: str,
    *,
    channel: str = "account",
) -> ConsentRecord:
    """Withdraw a person's consent to ``purpose`` (PRV-5): a new record (``granted=False``)
    is appended to the ledger; nothing is rewritten, so the proof that the consent was
    given stays, and the withdrawal starts its retention clock.

    A customer withdraws the consents of their account's email (``customer.edit_own``;
    ``email`` may be ``None``, or must be the account's), whoever typed that email at
    checkout; administrators withdraw those of ``email`` on the person's behalf (a request
    through the contact form; logged). A purpose that has no consent in force raises
    :class:`NoConsentInForceError`; a malformed email or channel a
    :class:`~klickit_core.shared.errors.ValidationError`. Nothing is written then.
    """
    errors: list[FieldError] = []
    typed = None if email is None else check_email(email, ("email",))
    if isinstance(typed, FieldError):
        errors.append(typed)
    given: object = channel  # from the app: may be anything
    if not isinstance(given, str) or not 0 < len(given) <= _MAX_CHANNEL:
        errors.append(FieldError(("channel",), "consents.channel", N_("Unknown channel.")))
    ValidationError.raise_if_any(errors)
    with uow:
        checked = _whose(uow, actor, "consents.services.withdraw_consent", email)
        records = sorted(uow.consents.for_subject(checked), key=lambda r: (r.at, r.id))
        latest = next((r for r in reversed(records) if r.purpose == purpose), None)
        if latest is None or not latest.granted:
            raise NoConsentInForceError
        withdrawal = ConsentRecord(
            id=ids.new_id(),
            subject_email=checked,
            purpose=purpose,
            text_version=latest.text_version,
            granted=False,
            # Strictly after the grant, so the ledger's (time, id) order cannot put it first.
            at=max(clock.now(), latest.at + _TICK),
            channel=channel,
            customer_id=actor.customer_id or latest.customer_id,
            order_id=None,
        )
        uow.consents.add(withdrawal)
        log_staff_read(
            uow.access_log, actor, "consents.withdraw", latest.id, clock.now(), ids.new_id()
        )
        uow.commit()
    return withdrawal
