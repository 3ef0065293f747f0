"""Erasure (SPEC PRV-4): everything about a person is erased or anonymised, except what
the law requires the shop to keep — and the report says what was kept, why and until when.

:func:`erase_subject` asks every registered provider to erase, **in one transaction**: an
erasure is never half done (X-9). Each provider is handed the shop's configured retention
terms, so "kept until" dates follow the shop's schedule. The engine checks every answer:
only the provider's own categories, and nothing kept *past* its period (that would have to
be erased now).

Idempotent by contract: erasing an already erased person deletes and anonymises nothing and
reports the same kept records with the same dates (:attr:`ErasureReport.changed` is false).
A dry run asks the providers not to write and commits nothing at all.

The erasure ledger that lets a restored backup re-apply erasures (PRV-6) is written by
the caller through ``before_commit``, in the erasure's own transaction
(:func:`klickit_core.privacy.ledger.erase_and_record`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import attrs

from klickit_core.personal_data import (
    DataSubject,
    ErasureOutcome,
    KeepReason,
    KeptCount,
    KeptRecord,
)
from klickit_core.privacy.ports import (
    CategoryTally,
    PrivacyAction,
    PrivacyAuditEntry,
    PrivacyUnitOfWork,
)
from klickit_core.privacy.registry import BoundRegistry, ProviderContractError
from klickit_core.privacy.retention import clock_date
from klickit_core.shared.actors import Actor
from klickit_core.shared.authorization import authorize
from klickit_core.shared.clock import ensure_utc
from klickit_core.shared.i18n import translate
from klickit_core.shared.ids import IdGenerator
from klickit_core.shared.serialisation import converter, current_locale

__all__ = ["ErasureReport"]

PU = TypeVar("PU", bound=PrivacyUnitOfWork)


@attrs.frozen(slots=True)
class ErasureReport:
    """What an erasure removed, anonymised and kept (with legal basis and keep-until date)."""

    reference: str
    subject: DataSubject = attrs.field(repr=False)
    at: datetime
    dry_run: bool
    outcomes: tuple[ErasureOutcome, ...]

    @property
    def deleted(self) -> int:
        """Records deleted (would be, in a dry run)."""
        return sum(c.deleted for o in self.outcomes for c in o.categories)

    @property
    def anonymised(self) -> int:
        """Records anonymised (would be, in a dry run)."""
        return sum(c.anonymised for o in self.outcomes for c in o.categories)

    @property
    def kept(self) -> tuple[KeptRecord, ...]:
        """Records kept, each with its legal basis and last day."""
        return tuple(k for o in self.outcomes for c in o.categories for k in c.kept)

    @property
    def changed(self) -> bool:
        """Whether anything was (or, in a dry run, would be) deleted or anonymised."""
        return bool(self.deleted or self.anonymised)

    @property
    def kept_until(self) -> date | None:
        """The last day anything of the person is kept (``None``: nothing kept)."""
        return max((k.keep_until for k in self.kept), default=None)

    def tallies(self) -> tuple[CategoryTally, ...]:
        """Counts per category (kept records grouped by legal basis), for the audit log."""
        result = []
        for outcome in self.outcomes:
            for category in outcome.categories:
                counts: dict[str, int] = {}
                labels: dict[str, str] = {}
                for kept in category.kept:
                    counts[kept.legal_basis.code] = counts.get(kept.legal_basis.code, 0) + 1
                    labels[kept.legal_basis.code] = kept.legal_basis.label
                result.append(
                    CategoryTally(
                        category.category_id,
                        examined=category.deleted + category.anonymised + len(category.kept),
                        deleted=category.deleted,
                        anonymised=category.anonymised,
                        kept=tuple(
                            KeptCount(KeepReason(code, labels[code]), counts[code])
                            for code in sorted(counts)
                        ),
                    )
                )
        return tuple(result)


def _erasure_data(report: ErasureReport) -> dict[str, Any]:
    """An erasure report's JSON (for the person, staff and ``--json``): totals, then what
    each category did, with the legal basis of every record kept, labelled in the locale
    asked for. The subject stays out: the report travels where personal data must not."""
    locale = current_locale()
    return {
        "reference": report.reference,
        "at": converter.unstructure(report.at),
        "dry_run": report.dry_run,
        "deleted": report.deleted,
        "anonymised": report.anonymised,
        "categories": [
            {
                "provider": outcome.provider,
                "category": category.category_id,
                "deleted": category.deleted,
                "anonymised": category.anonymised,
                "kept": [
                    {
                        "reference": kept.reference,
                        "legal_basis": kept.legal_basis.code,
                        "legal_basis_label": translate(kept.legal_basis.label, locale),
                        "keep_until": converter.unstructure(kept.keep_until),
                    }
                    for kept in category.kept
                ],
            }
            for outcome in report.outcomes
            for category in outcome.categories
        ],
    }


converter.register_unstructure_hook(ErasureReport, _erasure_data)


def _check_outcome(
    bound: BoundRegistry[Any], provider_name: str, outcome: object, today: date
) -> ErasureOutcome:
    if not isinstance(outcome, ErasureOutcome) or outcome.provider != provider_name:
        raise ProviderContractError(provider=provider_name, reason="not_its_outcome")
    own = {e.category.id for e in bound.entries() if e.provider.name == provider_name}
    for category in outcome.categories:
        if category.category_id not in own:
            raise ProviderContractError(provider=provider_name, reason="foreign_category")
        if any(kept.keep_until < today for kept in category.kept):
            raise ProviderContractError(provider=provider_name, reason="kept_past_its_period")
    return outcome


def erase_subject(
    bound: BoundRegistry[PU],
    uow: PU,
    actor: Actor,
    subject: DataSubject,
    *,
    now: datetime,
    ids: IdGenerator,
    reference: str | None = None,
    dry_run: bool = False,
    before_commit: Callable[[PU, ErasureReport], None] | None = None,
) -> ErasureReport:
    """Erase ``subject`` everywhere, in one transaction, and report.

    Only an actor allowed to run retention may ask: administrators, and the system job
    that answers a confirmed request or re-applies erasures after a restore. Customers ask
    through the request flow, whose emailed link proves who they are; shop managers are
    refused (X-6, PRV-4). ``reference`` (the request's id, never an email) goes to the
    audit entry. ``before_commit`` (not called in a dry run) writes what must commit with
    the erasure or not at all: the erasure ledger's entry, the request's completion.
    """
    authorize(actor, "privacy.erasure.erase_subject")
    at = ensure_utc(now)
    today = clock_date(at)
    entry_id = ids.new_id()
    ref = reference or entry_id
    with uow:
        outcomes = tuple(
            _check_outcome(
                bound,
                provider.name,
                provider.erase(uow, subject, now=at, retention=bound, dry_run=dry_run),
                today,
            )
            for provider in bound.providers
        )
        report = ErasureReport(ref, subject, at, dry_run, outcomes)
        if not dry_run:
            uow.privacy_audit.add(
                PrivacyAuditEntry(
                    entry_id, PrivacyAction.ERASURE, at, actor.id, ref, False, report.tallies()
                )
            )
            if before_commit is not None:
                before_commit(uow, report)
            uow.commit()
    return report
