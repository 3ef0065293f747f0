"""The consent ledger as personal data (SPEC PRV-5, CHK-2, PRV-1 … PRV-4).

« Nous avons tout à fait le droit de conserver ses informations avec votre consentement
qui vous sera demandé à chaque étape de navigation, ainsi que dans l'acceptation de nos
conditions générales de vente. » A consent is only worth its proof: who (the email, the
account), which purpose, which version of the text, when, through which channel, for
which order, given or withdrawn. :class:`ConsentsProvider` exports every record of the
person, given and withdrawn.

**Retention.** A record is the proof of a consent while it holds and for the limitation
period after (``consents.ledger`` under ``consents.proofs``: five years, Code civil art.
2224), from when it stops being the one in force: a withdrawal at its own time, a grant
when a newer record of the same person and purpose replaces it. A grant never withdrawn
nor replaced ends too (``consents.standing`` under ``consents.standing``: eight years from
when it was given, the three years of prospecting of the CNIL framework plus the five).
The terms of sale of an order follow their order instead
(:attr:`~klickit_core.consents.domain.ConsentRecord.follows_order`): kept while it keeps
its personal data, deleted with the order or its anonymisation by the orders repository.
Those of an order already gone (data older than this rule) are swept like any other
record, and deleted at once by their person's erasure.

**Erasure keeps the proof.** Deleting the proof of a consent would leave the shop unable
to show that it had one (GDPR art. 7(1)) while a claim is still possible, so the records
are *kept*, restricted to that use, until their last day, and the report says so with the
legal basis. A consent still in force when its person asks for erasure is withdrawn first:
a withdrawal record is appended (channel ``"erasure"``, a stable id), which starts the
clock of both, so the person's erasure also ends every consent. Records already past
their period are deleted at once. The terms of sale of an order the orders provider keeps
stay with it (reported with the order). Erasing twice appends nothing more and keeps the
same records until the same days.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from klickit_core.consents.domain import TERMS_OF_SALE, ConsentRecord
from klickit_core.consents.ports import ConsentRepository
from klickit_core.personal_data import (
    CategoryErasure,
    ClockEvent,
    DataCategory,
    DataSubject,
    ErasureOutcome,
    ExportField,
    ExportRecord,
    ExportSection,
    FieldKind,
    InvalidSweepDataError,
    KeptRecord,
    LegalBasis,
    PersonalDataProvider,
    PersonalField,
    RetentionTerms,
    Shown,
    SweepBatch,
    SweepCursor,
    SweepTask,
    account_shown,
    shown_code,
)
from klickit_core.shared.i18n import N_
from klickit_core.shared.sweeps import SweepKey
from klickit_core.shared.unit_of_work import Transaction

__all__ = [
    "CONSENTS_CATEGORY",
    "CONSENTS_RULE",
    "CONSENT_PROOF",
    "ERASURE_CHANNEL",
    "STANDING_CATEGORY",
    "STANDING_RULE",
    "ConsentsPrivacyUnitOfWork",
    "ConsentsProvider",
    "consent_clocks",
    "erasure_withdrawal_id",
]

#: The category of consent records, and the rule that governs their proof.
CONSENTS_CATEGORY = "consents.ledger"
CONSENTS_RULE = "consents.proofs"
#: The category of grants still in force (never withdrawn nor replaced), and its rule.
STANDING_CATEGORY = "consents.standing"
STANDING_RULE = "consents.standing"
_TICK = timedelta(microseconds=1)
#: The channel of the withdrawal an erasure appends for a consent still in force.
ERASURE_CHANNEL = "erasure"

#: Why a consent record is kept after its person's erasure, and is held at all.
CONSENT_PROOF = LegalBasis(
    "gdpr.7_1",
    N_(
        "Proof of your consent (GDPR art. 7(1)), kept for the limitation period "
        "(Code civil, art. 2224)"
    ),
)


class ConsentsPrivacyUnitOfWork(Transaction, Protocol):
    """What :class:`ConsentsProvider` needs from the shop's unit of work."""

    @property
    def consents(self) -> ConsentRepository:
        """The consent ledger."""
        ...


def consent_clocks(records: Sequence[ConsentRecord]) -> dict[str, datetime | None]:
    """When each record's retention clock started (``None``: a grant still in force).

    ``records`` must hold every record of the persons and purposes concerned: a grant's
    clock is the time of the next record of its person and purpose.
    """
    ordered = sorted(records, key=lambda r: (r.at, r.id))
    clocks: dict[str, datetime | None] = {}
    latest: dict[tuple[str, str], ConsentRecord] = {}
    for record in ordered:
        previous = latest.get((record.subject_email, record.purpose))
        if previous is not None and previous.granted:
            clocks[previous.id] = record.at
        latest[(record.subject_email, record.purpose)] = record
        clocks[record.id] = None if record.granted else record.at
    return clocks


def erasure_withdrawal_id(grant_id: str) -> str:
    """The id of the withdrawal an erasure appends for ``grant_id``: derived from it, so a
    second erasure finds the same record instead of appending another."""
    return "erasure-" + hashlib.sha256(grant_id.encode()).hexdigest()[:40]


_FIELDS = (
    PersonalField("email", N_("Email")),
    PersonalField("purpose", N_("Purpose")),
    PersonalField("text_version", N_("Version of the text shown")),
    PersonalField("at", N_("When")),
    PersonalField("channel", N_("Channel")),
    PersonalField("order", N_("Order")),
)


#: What the person reads for the purposes and channels the library and its checkout use
#: (the JSON keeps the codes; PRV-3, issue #16). A shop's own purpose is shown by its code.
_PURPOSE_LABELS: dict[str, str] = {
    TERMS_OF_SALE: N_("Terms of sale"),
    "newsletter": N_("Newsletter"),
    "offers": N_("Offers by email"),
    "reviews": N_("Review invitations"),
}
_CHANNEL_LABELS: dict[str, str] = {
    "checkout": N_("At checkout"),
    "account": N_("From your account"),
    "contact_form": N_("Through the contact form"),
    ERASURE_CHANNEL: N_("Withdrawn when your data was erased"),
}


def _purpose_shown(purpose: str) -> Shown:
    label = _PURPOSE_LABELS.get(purpose)
    return Shown.plain(purpose) if label is None else Shown.label(label)


def _record(record: ConsentRecord) -> ExportRecord:
    order = record.order_id
    return ExportRecord(
        N_("Consent given") if record.granted else N_("Consent withdrawn"),
        f"{record.purpose} {record.at.date().isoformat()}",
        (
            ExportField(
                "purpose",
                N_("Purpose"),
                record.purpose,
                shown=shown_code(_PURPOSE_LABELS, record.purpose),
            ),
            ExportField("granted", N_("Given"), record.granted),
            ExportField("text_version", N_("Version of the text shown"), record.text_version),
            ExportField("at", N_("When"), record.at),
            ExportField(
                "channel",
                N_("Channel"),
                record.channel,
                shown=shown_code(_CHANNEL_LABELS, record.channel),
            ),
            ExportField("email", N_("Email"), record.subject_email, FieldKind.EMAIL),
            ExportField(
                "order",
                N_("Order"),
                order,
                FieldKind.IDENTIFIER,
                shown=None
                if order is None
                else (Shown.record(order, N_("an order no longer kept")),),
            ),
            ExportField(
                "account",
                N_("Account"),
                record.customer_id,
                FieldKind.IDENTIFIER,
                shown=account_shown(record.customer_id),
            ),
        ),
        shown=(_purpose_shown(record.purpose), Shown.plain(", "), Shown.day(record.at)),
    )


def _ledger(uow: ConsentsPrivacyUnitOfWork, subject: DataSubject) -> list[ConsentRecord]:
    """Every record of the person: under their email or their account, and the rest of
    the ledger of each email found (a grant's clock depends on the next record)."""
    found = {r.id: r for r in uow.consents.for_subject(subject.email)}
    if subject.customer_id is not None:
        by_account = uow.consents.for_customer(subject.customer_id)
        for email in sorted({r.subject_email for r in by_account} - {subject.email}):
            found.update((r.id, r) for r in uow.consents.for_subject(email))
        found.update((r.id, r) for r in by_account)
    return sorted(found.values(), key=lambda r: (r.at, r.id))


class ConsentsProvider(PersonalDataProvider[ConsentsPrivacyUnitOfWork]):
    """The consent ledger (PRV-5): exported, kept as proof on erasure, swept after."""

    @property
    def name(self) -> str:
        return "consents"

    def categories(self) -> Sequence[DataCategory]:
        return (
            DataCategory(
                CONSENTS_CATEGORY,
                N_("Consents"),
                N_(
                    "Every consent you gave or withdrew (the terms of sale, and each "
                    "optional consent): the purpose, the version of the text shown, when, "
                    "how, and for which order."
                ),
                _FIELDS,
                CONSENTS_RULE,
                ClockEvent.WITHDRAWAL,
                CONSENT_PROOF,
            ),
            DataCategory(
                STANDING_CATEGORY,
                N_("Consents in force"),
                N_(
                    "Consents you gave and never withdrew nor renewed: their proof ends a "
                    "fixed time after you gave them."
                ),
                _FIELDS,
                STANDING_RULE,
                ClockEvent.CREATION,
                CONSENT_PROOF,
            ),
        )

    def export(
        self, uow: ConsentsPrivacyUnitOfWork, subject: DataSubject
    ) -> Sequence[ExportSection]:
        found = _ledger(uow, subject)
        if not found:
            return []
        records = tuple(_record(record) for record in found)
        return [ExportSection(self.name, CONSENTS_CATEGORY, N_("Consents"), records)]

    def erase(
        self,
        uow: ConsentsPrivacyUnitOfWork,
        subject: DataSubject,
        *,
        now: datetime,
        retention: RetentionTerms,
        dry_run: bool,
    ) -> ErasureOutcome:
        ledger = _ledger(uow, subject)
        clocks = consent_clocks(ledger)
        linked = sorted({r.order_id for r in ledger if r.follows_order and r.order_id})
        live = uow.consents.live_orders(linked) if linked else set()
        deleted = {CONSENTS_CATEGORY: 0, STANDING_CATEGORY: 0}
        kept: list[KeptRecord] = []

        def keep(record_id: str, clock: datetime) -> None:
            until = retention.keep_until(CONSENTS_CATEGORY, clock)
            kept.append(KeptRecord(CONSENTS_CATEGORY, record_id, CONSENT_PROOF, until))

        def delete(record_id: str, category: str) -> None:
            deleted[category] += 1
            if not dry_run:
                uow.consents.delete(record_id)

        for record in ledger:
            clock = clocks[record.id]
            orphan = record.follows_order and record.order_id not in live
            if record.follows_order and not orphan:
                continue  # kept, anonymised or deleted with its order by the orders provider
            if clock is None and (
                orphan or retention.is_due(STANDING_CATEGORY, record.at, now)
            ):  # a grant in force past its period, or the terms of an order already gone
                delete(record.id, STANDING_CATEGORY)
            elif clock is None:  # a grant in force: the erasure withdraws it
                # Strictly after the grant, so the ledger's (time, id) order keeps it last.
                ended = max(now, record.at + _TICK)
                withdrawal = ConsentRecord(
                    id=erasure_withdrawal_id(record.id),
                    subject_email=record.subject_email,
                    purpose=record.purpose,
                    text_version=record.text_version,
                    granted=False,
                    at=ended,
                    channel=ERASURE_CHANNEL,
                    customer_id=record.customer_id,
                )
                if not dry_run:
                    uow.consents.add(withdrawal)
                keep(record.id, ended)
                keep(withdrawal.id, ended)
            elif orphan or retention.is_due(CONSENTS_CATEGORY, clock, now):
                delete(record.id, CONSENTS_CATEGORY)
            else:
                keep(record.id, clock)
        kept.sort(key=lambda item: item.reference)
        proofs = CategoryErasure(
            CONSENTS_CATEGORY, deleted=deleted[CONSENTS_CATEGORY], kept=tuple(kept)
        )
        standing = CategoryErasure(STANDING_CATEGORY, deleted=deleted[STANDING_CATEGORY])
        return ErasureOutcome(self.name, (proofs, standing))

    def sweep_batch(
        self,
        uow: ConsentsPrivacyUnitOfWork,
        task: SweepTask,
        *,
        after: SweepCursor | None,
        limit: int,
        dry_run: bool,
    ) -> SweepBatch:
        if task.category_id == CONSENTS_CATEGORY:
            sweep = uow.consents.sweep_proofs
        elif task.category_id == STANDING_CATEGORY:
            sweep = uow.consents.sweep_standing
        else:
            raise InvalidSweepDataError(reason="category")
        page = sweep(task.cutoff, after=SweepKey.from_cursor(after), limit=limit, dry_run=dry_run)
        return page.batch(task.category_id)
