"""Consent use cases: read the current state of each purpose, and withdraw a consent
(SPEC CHK-2, PRV-5)."""

from __future__ import annotations

from datetime import timedelta

from klickit_core.consents.domain import ConsentRecord
from klickit_core.consents.ports import ConsentsUnitOfWork
from klickit_core.shared.actors import Actor, Permission, require_owner_or
from klickit_core.shared.clock import Clock
from klickit_core.shared.emails import check_email
from klickit_core.shared.errors import FieldError, NotFoundError, ValidationError
from klickit_core.shared.i18n import N_
from klickit_core.shared.ids import IdGenerator

__all__ = ["NoConsentInForceError", "current_consents", "withdraw_consent"]

#: A channel is a short code (``"account"``, ``"contact_form"``), as the ledger stores it.
_MAX_CHANNEL = 40
_TICK = timedelta(microseconds=1)


class NoConsentInForceError(NotFoundError):
    """The person gave no consent to this purpose, or already withdrew it."""

    code = "consents.not_in_force"
    message_template = N_("There is no consent in force for this purpose.")


def current_consents(uow: ConsentsUnitOfWork, email: str) -> dict[str, ConsentRecord]:
    """The latest record of each purpose for ``email``: what holds now."""
    with uow:
        records = uow.consents.for_subject(email)
    latest: dict[str, ConsentRecord] = {}
    for record in sorted(records, key=lambda r: (r.at, r.id)):
        latest[record.purpose] = record
    return latest


def withdraw_consent(
    uow: ConsentsUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
    email: str,
    purpose: str,
    *,
    channel: str = "account",
) -> ConsentRecord:
    """Withdraw the consent of the person at ``email`` to ``purpose`` (PRV-5): a new record
    (``granted=False``) is appended to the ledger; nothing is rewritten, so the proof that
    the consent was given stays, and the withdrawal starts its retention clock.

    The customer whose account gave the consent may withdraw it (``customer.edit_own``),
    and administrators on the person's behalf (a request through the contact form). A
    purpose that has no consent in force raises :class:`NoConsentInForceError`; a
    malformed email or channel a :class:`~klickit_core.shared.errors.ValidationError`.
    Nothing is written then.
    """
    errors: list[FieldError] = []
    checked = check_email(email, ("email",))
    if isinstance(checked, FieldError):
        errors.append(checked)
    given: object = channel  # from the app: may be anything
    if not isinstance(given, str) or not 0 < len(given) <= _MAX_CHANNEL:
        errors.append(FieldError(("channel",), "consents.channel", N_("Unknown channel.")))
    ValidationError.raise_if_any(errors)
    assert isinstance(checked, str)  # noqa: S101 - narrowed by the errors above
    with uow:
        records = sorted(uow.consents.for_subject(checked), key=lambda r: (r.at, r.id))
        latest = next((r for r in reversed(records) if r.purpose == purpose), None)
        owner = latest.customer_id if latest is not None else None
        require_owner_or(actor, owner, Permission.EDIT_OWN_DATA, Permission.MANAGE_STAFF)
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
            customer_id=latest.customer_id,
            order_id=None,
        )
        uow.consents.add(withdrawal)
        uow.commit()
    return withdrawal
