"""Access and portability (SPEC PRV-3): gather the export bundle from every provider.

:func:`export_subject` asks each registered provider for what it holds about a person, in
one transaction, checks that every section belongs to a category the provider declared,
and returns an :class:`~klickit_core.privacy.bundle.ExportBundle` — rendered to HTML by a
:class:`~klickit_core.privacy.ports.BundleRenderer` and to JSON by
:func:`~klickit_core.privacy.bundle.bundle_to_json`. The export is written to the privacy
audit log (counts per category, no personal data) in the same transaction.

The request flow around it (the contact form or account request, the confirmation email,
the single-use expiring download link, the one-month deadline) is the caller's: this
function is the step that builds the bundle once the request is confirmed. Staff may
export someone (logged in the access log, which the person's own export shows); a
signed-in customer exports themselves with :func:`export_own_data`, found by their
account, never by an email they type (X-6, decision 0011).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from klickit_core.personal_data import DataSubject, ExportSection
from klickit_core.privacy.bundle import CategoryNotice, ExportBundle
from klickit_core.privacy.ports import (
    CategoryTally,
    ExportUnitOfWork,
    OwnExportUnitOfWork,
    PrivacyAction,
    PrivacyAuditEntry,
)
from klickit_core.privacy.registry import BoundRegistry, ProviderContractError
from klickit_core.shared.access_log import AccessLogEntry
from klickit_core.shared.actors import Actor
from klickit_core.shared.authorization import authorize
from klickit_core.shared.clock import ensure_utc
from klickit_core.shared.errors import PermissionDeniedError
from klickit_core.shared.ids import IdGenerator

__all__ = ["DEFAULT_SHOP_NAME"]

PU = TypeVar("PU", bound=ExportUnitOfWork)
OU = TypeVar("OU", bound=OwnExportUnitOfWork)

DEFAULT_SHOP_NAME = "Klickit"


def _sections(bound: BoundRegistry[PU], uow: PU, subject: DataSubject) -> tuple[ExportSection, ...]:
    order = {entry.category.id: index for index, entry in enumerate(bound.entries())}
    sections: list[ExportSection] = []
    for provider in bound.providers:
        own = {e.category.id for e in bound.entries() if e.provider is provider}
        answer: Sequence[ExportSection] = provider.export(uow, subject)
        for section in answer:
            if not isinstance(section, ExportSection):
                raise ProviderContractError(provider=provider.name, reason="not_a_section")
            if section.category_id not in own or section.provider != provider.name:
                raise ProviderContractError(provider=provider.name, reason="foreign_category")
            sections.append(section)
    # Stable: registry order of the categories, then the provider's own order.
    sections.sort(key=lambda section: order[section.category_id])
    return tuple(sections)


def export_subject(
    bound: BoundRegistry[OU],
    uow: OU,
    actor: Actor,
    subject: DataSubject,
    *,
    now: datetime,
    ids: IdGenerator,
    locale: str = "fr",
    shop_name: str = DEFAULT_SHOP_NAME,
    reference: str | None = None,
    staff_name: str | None = None,
) -> ExportBundle:
    """Everything every provider holds about ``subject``.

    Staff who may read customers (the read is written to the access log in the same
    transaction, ``privacy.export``, under the account's id, else the export's reference)
    or the system job that answers a confirmed request may ask; customers use
    :func:`export_own_data`. ``reference`` (the request's id, never an email) goes to the
    audit entry. ``staff_name`` is how the person's file names the shop's staff
    (:attr:`~klickit_core.privacy.bundle.ExportBundle.staff_name`, issue #16).

    A subject named by email only is resolved to the account that uses that email first,
    as :func:`~klickit_core.privacy.requests.operator_export` does: the providers that
    find records by account (carts, sessions) then see them, and a staff read is logged
    under the account, where the person's own export finds it (X-6, issue #18).
    """
    authorize(actor, "privacy.export.export_subject")
    if subject.customer_id is None:
        with uow:
            known = uow.privacy_subjects.find(subject.email)
        if known is not None and known.customer_id is not None:
            subject = DataSubject(subject.email, known.customer_id)
    return _export(
        bound,
        uow,
        actor,
        subject,
        now=now,
        ids=ids,
        locale=locale,
        shop_name=shop_name,
        reference=reference,
        logged=actor.is_staff,
        staff_name=staff_name,
    )


def export_own_data(
    bound: BoundRegistry[OU],
    uow: OU,
    actor: Actor,
    *,
    now: datetime,
    ids: IdGenerator,
    locale: str = "fr",
    shop_name: str = DEFAULT_SHOP_NAME,
    staff_name: str | None = None,
) -> ExportBundle:
    """Everything the shop holds about the signed-in customer ``actor``: the subject is
    their account (its email is read from it). Anyone but a customer with an account
    gets :class:`~klickit_core.shared.errors.PermissionDeniedError`."""
    authorize(actor, "privacy.export.export_own_data", owner=actor.customer_id)
    assert actor.customer_id is not None  # noqa: S101 - the rule needs an own account
    with uow:
        known = uow.privacy_subjects.account(actor.customer_id)
    if known is None:
        raise PermissionDeniedError(permission="customer.read_own")
    subject = DataSubject(known.email, actor.customer_id)
    return _export(
        bound,
        uow,
        actor,
        subject,
        now=now,
        ids=ids,
        locale=locale,
        shop_name=shop_name,
        staff_name=staff_name,
    )


def _export(
    bound: BoundRegistry[PU],
    uow: PU,
    actor: Actor,
    subject: DataSubject,
    *,
    now: datetime,
    ids: IdGenerator,
    locale: str = "fr",
    shop_name: str = DEFAULT_SHOP_NAME,
    reference: str | None = None,
    logged: bool = False,
    staff_name: str | None = None,
) -> ExportBundle:
    """The export itself, for a caller that authorized ``actor``; ``logged``: write the
    read to the access log in the export's transaction (under the actor's whole id: the
    shop's logs name the operator, the person's file names the staff as ``staff_name``
    says)."""
    at = ensure_utc(now)
    with uow:
        sections = _sections(bound, uow, subject)
        notices = tuple(
            CategoryNotice(entry.provider.name, entry.category, bound.rule_for(entry.category.id))
            for entry in bound.entries()
        )
        bundle = ExportBundle(
            subject, at, locale, shop_name, sections, notices, staff_name=staff_name
        )
        tallies = tuple(
            CategoryTally(notice.category.id, examined=bundle.records_in(notice.category.id))
            for notice in notices
        )
        entry_id = ids.new_id()
        if logged:
            uow.access_log.add(
                AccessLogEntry(
                    ids.new_id(),
                    actor.id,
                    str(actor.role),
                    "privacy.export",
                    subject.customer_id or reference or entry_id,
                    at,
                )
            )
        uow.privacy_audit.add(
            PrivacyAuditEntry(
                entry_id,
                PrivacyAction.EXPORT,
                at,
                actor.id,
                reference or entry_id,
                False,
                tallies,
            )
        )
        uow.commit()
    return bundle
