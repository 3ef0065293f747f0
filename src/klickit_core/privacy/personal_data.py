"""The privacy engine's own personal data (SPEC PRV-1, PRV-3, PRV-4): requests and bundles.

An access or erasure request is itself personal data (who asked, with which address,
when), and so is a delivered export until it is downloaded. :class:`PrivacyRequestsProvider`
declares both to the registry like any context's provider:

* ``privacy.request_proofs`` — the requests, kept one year after they are closed as proof
  that the shop answered (GDPR art. 5(2) and 12); an erasure keeps them until then, and
  says so with the date;
* ``privacy.export_bundles`` — delivered exports, deleted when downloaded, swept when
  their link expires (seven days), and erased with their person.

Its sweeps are the repositories' set-based statements (one ``DELETE … WHERE id IN
(SELECT … ORDER BY id LIMIT …)`` per batch on SQL).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

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
from klickit_core.privacy.ports import DeletionPage, PrivacyRequestsUnitOfWork
from klickit_core.privacy.records import (
    PrivacyRequest,
    RequestChannel,
    RequestKind,
    RequestStatus,
    StoredBundle,
)
from klickit_core.shared.i18n import N_

__all__ = ["BUNDLES", "REQUESTS", "REQUEST_PROOF", "PrivacyRequestsProvider"]

#: The category (and retention rule) of the requests.
REQUESTS = "privacy.request_proofs"
#: The category (and retention rule) of the delivered exports.
BUNDLES = "privacy.export_bundles"

#: Why a request outlives an erasure: the shop must be able to show it answered.
REQUEST_PROOF = LegalBasis(
    "gdpr.5_2",
    N_("Proof that the shop answered your request (GDPR art. 5(2) and 12): one year"),
)


#: What the person reads for a request's codes (the JSON keeps the codes; PRV-3, issue
#: #16).
_KIND_LABELS: dict[str, str] = {
    RequestKind.ACCESS: N_("A copy of your data"),
    RequestKind.ERASURE: N_("Erasure of your data"),
}
_CHANNEL_LABELS: dict[str, str] = {
    RequestChannel.CONTACT_FORM: N_("The contact form"),
    RequestChannel.ACCOUNT: N_("Your account"),
}
_STATUS_LABELS: dict[str, str] = {
    RequestStatus.AWAITING_CONFIRMATION: N_("Waiting for your confirmation"),
    RequestStatus.CONFIRMED: N_("Confirmed, being answered"),
    RequestStatus.COMPLETED: N_("Answered"),
    RequestStatus.EXPIRED: N_("Not confirmed in time"),
}


def _request_record(request: PrivacyRequest) -> ExportRecord:
    # The request's id stays the JSON's reference; the page names it by what was asked
    # and the day it came in (Paris time).
    return ExportRecord(
        N_("Request"),
        request.id,
        (
            ExportField(
                "kind",
                N_("Kind of request"),
                str(request.kind),
                shown=shown_code(_KIND_LABELS, request.kind),
            ),
            ExportField("email", N_("Email address"), request.email, FieldKind.EMAIL),
            ExportField(
                "channel",
                N_("Made through"),
                str(request.channel),
                shown=shown_code(_CHANNEL_LABELS, request.channel),
            ),
            ExportField("received_at", N_("Received on"), request.received_at),
            ExportField("due", N_("Answer due by"), request.due),
            ExportField(
                "status",
                N_("Status"),
                str(request.status),
                shown=shown_code(_STATUS_LABELS, request.status),
            ),
            ExportField("confirmed_at", N_("Confirmed on"), request.confirmed_at),
            ExportField("completed_at", N_("Answered on"), request.completed_at),
            ExportField(
                "account",
                N_("Customer account"),
                request.customer_id,
                FieldKind.IDENTIFIER,
                shown=account_shown(request.customer_id),
            ),
        ),
        shown=(
            Shown.label(_KIND_LABELS[request.kind]),
            Shown.plain(", "),
            Shown.day(request.received_at),
        ),
    )


def _bundle_record(bundle: StoredBundle) -> ExportRecord:
    return ExportRecord(
        N_("Export file"),
        bundle.id,
        (
            ExportField("created_at", N_("Made on"), bundle.created_at),
            ExportField("expires_at", N_("Link valid until"), bundle.expires_at),
            ExportField("filename", N_("File name"), bundle.filename),
        ),
        shown=(Shown.time(bundle.created_at),),
    )


def _batch(category: str, page: DeletionPage) -> SweepBatch:
    last = None if page.last is None else SweepCursor(page.last)
    return SweepBatch(category, examined=page.count, deleted=page.count, last=last)


class PrivacyRequestsProvider(PersonalDataProvider[PrivacyRequestsUnitOfWork]):
    """Declares, exports, erases and sweeps the requests and the delivered exports."""

    @property
    def name(self) -> str:
        return "privacy"

    def categories(self) -> Sequence[DataCategory]:
        return (
            DataCategory(
                REQUESTS,
                N_("Your access and erasure requests"),
                N_("The requests you made about your data, and when we answered them"),
                (
                    PersonalField("email", N_("Email address")),
                    PersonalField("account", N_("Customer account")),
                    PersonalField("dates", N_("Dates of the request and of the answer")),
                ),
                REQUESTS,
                ClockEvent.CLOSURE,
                REQUEST_PROOF,
            ),
            DataCategory(
                BUNDLES,
                N_("Export files"),
                N_("A copy of your data waiting to be downloaded"),
                (PersonalField("file", N_("The export file")),),
                BUNDLES,
                ClockEvent.CREATION,
                REQUEST_PROOF,
            ),
        )

    def export(
        self, uow: PrivacyRequestsUnitOfWork, subject: DataSubject
    ) -> Sequence[ExportSection]:
        requests = uow.privacy_requests.for_subject(subject.email, subject.customer_id)
        bundles = uow.export_bundles.for_requests([request.id for request in requests])
        sections = []
        if requests:
            records = tuple(_request_record(request) for request in requests)
            sections.append(ExportSection(self.name, REQUESTS, N_("Your requests"), records))
        if bundles:
            files = tuple(_bundle_record(bundle) for bundle in bundles)
            sections.append(ExportSection(self.name, BUNDLES, N_("Export files"), files))
        return sections

    def erase(
        self,
        uow: PrivacyRequestsUnitOfWork,
        subject: DataSubject,
        *,
        now: datetime,
        retention: RetentionTerms,
        dry_run: bool,
    ) -> ErasureOutcome:
        requests = uow.privacy_requests.for_subject(subject.email, subject.customer_id)
        bundles = uow.export_bundles.for_requests([request.id for request in requests])
        deleted = 0
        kept: list[KeptRecord] = []
        for request in requests:
            closed = request.closed_at(now)
            if closed is not None and retention.is_due(REQUESTS, closed, now):
                deleted += 1
                if not dry_run:
                    uow.privacy_requests.delete(request.id)
                continue
            # An open request is kept at least a year after it will be closed: now, at
            # the earliest (the erasure that answers it closes it in this transaction).
            until = retention.keep_until(REQUESTS, closed or now)
            kept.append(KeptRecord(REQUESTS, request.id, REQUEST_PROOF, until))
        if not dry_run:
            for bundle in bundles:
                uow.export_bundles.delete(bundle.id)
        return ErasureOutcome(
            self.name,
            (
                CategoryErasure(REQUESTS, deleted=deleted, kept=tuple(kept)),
                CategoryErasure(BUNDLES, deleted=len(bundles)),
            ),
        )

    def sweep_batch(
        self,
        uow: PrivacyRequestsUnitOfWork,
        task: SweepTask,
        *,
        after: SweepCursor | None,
        limit: int,
        dry_run: bool,
    ) -> SweepBatch:
        cursor = None if after is None else after.value
        if task.category_id == REQUESTS:
            page = uow.privacy_requests.sweep_closed(
                task.cutoff, after=cursor, limit=limit, dry_run=dry_run
            )
        else:
            page = uow.export_bundles.sweep_created_before(
                task.cutoff, after=cursor, limit=limit, dry_run=dry_run
            )
        return _batch(task.category_id, page)
