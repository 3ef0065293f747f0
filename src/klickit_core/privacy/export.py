"""Access and portability (SPEC PRV-3): gather the export bundle from every provider.

:func:`export_subject` asks each registered provider for what it holds about a person, in
one transaction, checks that every section belongs to a category the provider declared,
and returns an :class:`~klickit_core.privacy.bundle.ExportBundle` — rendered to HTML by a
:class:`~klickit_core.privacy.ports.BundleRenderer` and to JSON by
:func:`~klickit_core.privacy.bundle.bundle_to_json`. The export is written to the privacy
audit log (counts per category, no personal data) in the same transaction.

The request flow around it (the contact form or account request, the confirmation email,
the single-use expiring download link, the one-month deadline) is the caller's: this
function is the step that builds the bundle once the request is confirmed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from klickit_core.privacy.bundle import CategoryNotice, ExportBundle
from klickit_core.privacy.ports import (
    CategoryTally,
    PrivacyAction,
    PrivacyAuditEntry,
    PrivacyUnitOfWork,
)
from klickit_core.privacy.registry import (
    BoundRegistry,
    ProviderContractError,
    require_subject_access,
)
from klickit_core.shared.actors import Actor, Permission
from klickit_core.shared.clock import ensure_utc
from klickit_core.shared.ids import IdGenerator
from klickit_core.shared.personal_data import DataSubject, ExportSection

__all__ = ["DEFAULT_SHOP_NAME", "export_subject"]

PU = TypeVar("PU", bound=PrivacyUnitOfWork)

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
) -> ExportBundle:
    """Everything every provider holds about ``subject``.

    The customer themselves (their own account), staff who may read customers, or the
    system job that answers a confirmed request may ask. ``reference`` (the request's id,
    never an email) goes to the audit entry.
    """
    require_subject_access(
        actor,
        subject,
        Permission.READ_OWN_DATA,
        (Permission.READ_CUSTOMERS, Permission.RUN_RETENTION),
    )
    at = ensure_utc(now)
    with uow:
        sections = _sections(bound, uow, subject)
        notices = tuple(
            CategoryNotice(entry.provider.name, entry.category, bound.rule_for(entry.category.id))
            for entry in bound.entries()
        )
        bundle = ExportBundle(subject, at, locale, shop_name, sections, notices)
        tallies = tuple(
            CategoryTally(notice.category.id, examined=bundle.records_in(notice.category.id))
            for notice in notices
        )
        entry_id = ids.new_id()
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
