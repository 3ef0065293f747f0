"""Privacy as an app uses it: access and erasure requests, operator exports and erasures,
a customer's own export, the retention sweep and the erasure ledger (SPEC PRV-1 … PRV-6,
X-6).

Links in the mails come from the shop's base URL (``SecuritySettings.links``), the shop's
name from :attr:`~klickit_core.privacy.settings.PrivacySettings.shop_name`, the
providers from the shop's bound registry. The implementation is in
:mod:`klickit_core.privacy` (``requests``, ``export``, ``sweep``, ``ledger``).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

import attrs

from klickit_core.application.parts import ShopParts
from klickit_core.privacy import export as exports
from klickit_core.privacy import ledger
from klickit_core.privacy import requests as flow
from klickit_core.privacy import sweep as sweeps
from klickit_core.privacy.bundle import ExportBundle
from klickit_core.privacy.erasure import ErasureReport
from klickit_core.privacy.ledger import ReapplyReport
from klickit_core.privacy.records import (
    ErasureLedgerEntry,
    ExportFormat,
    ExtensionReason,
    PrivacyRequest,
    RequestKind,
)
from klickit_core.privacy.requests import (
    BundleDownload,
    OperatorExport,
    RequestOutcome,
    RequestReceived,
    RequestView,
)
from klickit_core.privacy.sweep import DEFAULT_BATCH_SIZE, SweepProgress, SweepReport
from klickit_core.shared.actors import Actor
from klickit_core.shared.clock import ensure_utc
from klickit_core.shared.locales import locale_language

__all__ = ["PrivacyService"]


@attrs.frozen
class PrivacyService:
    """``shop.privacy``: the person's requests, the staff's follow-up, the operators' jobs."""

    _parts: ShopParts

    # ------------------------------------------------------------------ the person
    def open_request(
        self, actor: Actor, *, kind: RequestKind | str, email: str, locale: str = "fr"
    ) -> RequestReceived:
        """Open an access or erasure request for ``email`` and mail its confirmation link
        (PRV-3, PRV-4). Anyone may ask: the emailed link is the proof. Always returns
        :data:`~klickit_core.privacy.requests.REQUEST_RECEIVED`, whatever the shop holds
        about the address. ``locale``: the language of the mails of the whole request.

        Raises:
            ValidationError: ``email`` or ``kind`` is malformed (says nothing about anyone).
            UnsupportedLocaleError: ``locale`` is not one the shop speaks.
        """
        parts = self._parts
        return flow.open_request(
            parts.unit_of_work(), parts.clock, parts.ids, parts.mailer, parts.privacy,
            parts.security.links, actor, kind=kind, email=email, locale=locale,
        )  # fmt: skip

    def confirm_export(self, token: object, *, answer: bool = True) -> RequestOutcome:
        """The person opened the confirmation link of an access request: confirm it and,
        unless ``answer`` is false (an app that answers from a job), mail the download
        link at once.

        Raises:
            InvalidTokenError: the link is malformed, used, expired or made for anything
                else; nothing changes then.
        """
        parts = self._parts
        return flow.confirm_export(
            parts.unit_of_work, parts.clock, parts.ids, parts.mailer, parts.privacy,
            parts.security.links, parts.registry, parts.renderer, token, answer=answer,
        )  # fmt: skip

    def confirm_erasure(self, token: object, *, answer: bool = True) -> RequestOutcome:
        """The person opened the confirmation link of an erasure request: confirm it and,
        unless ``answer`` is false, erase (with the ledger entry, PRV-6) and mail what was
        removed and what was kept.

        Raises:
            InvalidErasureKeyError: the shop has no erasure-ledger key (checked before the
                token is spent).
            InvalidTokenError: the link is malformed, used, expired or made for anything
                else; nothing changes then.
        """
        parts = self._parts
        return flow.confirm_erasure(
            parts.unit_of_work, parts.clock, parts.ids, parts.mailer, parts.privacy,
            parts.security.links, parts.registry, parts.renderer, token, answer=answer,
        )  # fmt: skip

    def download(self, token: object) -> BundleDownload:
        """The file behind a download link, once: the link is spent and the stored file
        deleted together (PRV-3). The answer says how to serve it: ``filename``
        (``donnees-personnelles-2026-11-24.html``, or ``.zip``) and ``content_type``
        (``text/html; charset=utf-8``, or ``application/zip``), from the format the shop
        delivers (``PrivacySettings.export_format``); send ``data`` as an attachment.

        Raises:
            InvalidTokenError: a second download, an expired link, or a token made for
                anything else.
        """
        parts = self._parts
        return flow.download_bundle(parts.unit_of_work(), parts.clock, token)

    def export_own_data(self, actor: Actor, *, locale: str = "fr") -> ExportBundle:
        """Everything the shop holds about the signed-in customer ``actor`` (PRV-3), found
        by their account, never by an email they type (X-6).

        Raises:
            PermissionDeniedError: ``actor`` is not a customer with an account.
            UnsupportedLocaleError: ``locale`` is not one the shop speaks.
        """
        parts = self._parts
        return exports.export_own_data(
            parts.registry, parts.unit_of_work(), actor, now=parts.clock.now(), ids=parts.ids,
            locale=locale_language(locale), shop_name=parts.privacy.shop_name,
            staff_name=parts.privacy.staff_name,
        )  # fmt: skip

    # ------------------------------------------------------------------ answering
    def answer_request(self, actor: Actor, request_id: str) -> RequestOutcome:
        """Answer a confirmed request: deliver the bundle, or erase. A completed request is
        returned as it is (nothing is sent twice).

        Raises:
            PermissionDeniedError: ``actor`` may not run privacy jobs.
            PrivacyRequestNotFoundError: no such request.
            RequestNotConfirmedError: the person has not confirmed it yet.
            InvalidErasureKeyError: an erasure, and the shop has no erasure-ledger key.
        """
        parts = self._parts
        return flow.answer_request(
            parts.unit_of_work, parts.clock, parts.ids, parts.mailer, parts.privacy,
            parts.security.links, parts.registry, parts.renderer, actor, request_id,
        )  # fmt: skip

    def answer_confirmed_requests(
        self, actor: Actor, *, limit: int = 100
    ) -> builtins.list[RequestOutcome]:
        """Answer every confirmed, unanswered request (a job runner's task; it also
        finishes what a crash interrupted between confirmation and answer).

        Raises:
            PermissionDeniedError: ``actor`` may not run privacy jobs.
            InvalidErasureKeyError: an erasure is due, and the shop has no erasure-ledger key.
        """
        parts = self._parts
        return flow.answer_confirmed_requests(
            parts.unit_of_work, parts.clock, parts.ids, parts.mailer, parts.privacy,
            parts.security.links, parts.registry, parts.renderer, actor, limit=limit,
        )  # fmt: skip

    # ------------------------------------------------------------------ staff
    def requests(
        self, actor: Actor, *, open_only: bool = True, overdue_only: bool = False, limit: int = 100
    ) -> builtins.list[RequestView]:
        """Requests by deadline, soonest first, with what is overdue; logged
        (``privacy_requests.list``).

        Raises:
            PermissionDeniedError: ``actor`` is not staff allowed to read customers.
        """
        parts = self._parts
        return flow.list_requests(
            parts.unit_of_work(), parts.clock, parts.ids, actor, open_only=open_only,
            overdue_only=overdue_only, limit=limit,
        )  # fmt: skip

    def request(self, actor: Actor, request_id: str) -> RequestView:
        """One request and its deadline; logged (``privacy_requests.read``).

        Raises:
            PermissionDeniedError: ``actor`` is not staff allowed to read customers.
            PrivacyRequestNotFoundError: no such request.
        """
        parts = self._parts
        return flow.get_request(parts.unit_of_work(), parts.clock, parts.ids, actor, request_id)

    def extend_request(
        self, actor: Actor, request_id: str, reason: ExtensionReason | str
    ) -> PrivacyRequest:
        """Extend an open request's deadline by two months (GDPR art. 12(3)) and tell the
        person why; once, and within the first month. Logged (``privacy_requests.extend``).

        Raises:
            PermissionDeniedError: ``actor`` is not staff allowed to read customers.
            PrivacyRequestNotFoundError: no such request.
            ValidationError: ``reason`` is not a known reason (at ``reason``).
            RequestClosedError: the request is answered, or its confirmation expired.
            ExtensionNotAllowedError: extended already, or past the first month.
        """
        parts = self._parts
        return flow.extend_request(
            parts.unit_of_work(), parts.clock, parts.ids, parts.mailer, parts.privacy, actor,
            request_id, reason,
        )  # fmt: skip

    # ------------------------------------------------------------------ operators
    def export(
        self,
        actor: Actor,
        email: str,
        *,
        locale: str = "fr",
        export_format: ExportFormat | str | None = None,
    ) -> OperatorExport:
        """Staff export someone's data themselves (a request received by post, checked by
        hand): the HTML and JSON texts, and ``file``, the export as a request delivers it
        in ``export_format`` (the shop's ``PrivacySettings.export_format`` by default).
        The read is written to the access log.

        Raises:
            PermissionDeniedError: ``actor`` may neither read customers nor run privacy jobs.
            ValidationError: ``email`` is malformed (at ``email``).
            UnsupportedLocaleError: ``locale`` is not one the shop speaks.
            InvalidPrivacySettingsError: ``export_format`` is neither ``html`` nor ``zip``
                (``setting="export_format"``), checked before anything is read.
        """
        parts = self._parts
        wanted = (
            parts.privacy.export_format
            if export_format is None
            else attrs.evolve(parts.privacy, export_format=export_format).export_format
        )
        return flow.operator_export(
            parts.unit_of_work, parts.clock, parts.ids, parts.registry, parts.renderer, actor,
            email, locale=locale_language(locale), shop_name=parts.privacy.shop_name,
            export_format=wanted, staff_name=parts.privacy.staff_name,
        )  # fmt: skip

    def erase(self, actor: Actor, email: str, *, dry_run: bool = False) -> ErasureReport:
        """An administrator erases someone: every provider, the ledger entry (PRV-6) and
        the audit entry in one transaction. A dry run writes nothing and needs no key.

        Raises:
            PermissionDeniedError: ``actor`` may not run privacy jobs.
            ValidationError: ``email`` is malformed (at ``email``).
            InvalidErasureKeyError: a real erasure, and the shop has no erasure-ledger key.
        """
        parts = self._parts
        return flow.operator_erase(
            parts.unit_of_work, parts.clock, parts.ids, parts.privacy, parts.registry, actor,
            email, dry_run=dry_run,
        )  # fmt: skip

    def sweep(
        self,
        actor: Actor,
        *,
        now: datetime | None = None,
        dry_run: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
        workers: int = 1,
        on_progress: Callable[[SweepProgress], None] | None = None,
    ) -> SweepReport:
        """Delete or anonymise what is past its retention period (PRV-1, PRV-2), category
        by category, in batches; an interrupted run resumes where it stopped. ``now`` is
        the reference instant of a new run (the shop's clock by default); ``workers``
        threads share the categories; ``on_progress`` is told of every batch.

        Raises:
            PermissionDeniedError: ``actor`` may not run privacy jobs.
            InvalidSweepOptionsError: ``batch_size`` or ``workers`` is out of range.
            SweepAlreadyRunningError: another run of the sweep is at work.
        """
        parts = self._parts
        return sweeps.run_sweep(
            parts.registry, parts.unit_of_work, actor,
            now=parts.clock.now() if now is None else ensure_utc(now), ids=parts.ids,
            dry_run=dry_run, batch_size=batch_size, workers=workers, on_progress=on_progress,
        )  # fmt: skip

    # ------------------------------------------------------------------ the erasure ledger
    def ledger_entries(self, actor: Actor) -> Iterator[ErasureLedgerEntry]:
        """Every entry of the erasure ledger, in id order, a page per transaction (to copy
        it out beside the backups; the entries hold keyed hashes, nothing personal).

        Raises:
            PermissionDeniedError: ``actor`` may not run privacy jobs.
        """
        return ledger.export_ledger(self._parts.unit_of_work, actor)

    def import_ledger(self, actor: Actor, entries: Iterable[ErasureLedgerEntry]) -> int:
        """Add the ledger entries the store lacks (after a restore); returns how many.
        Importing the same entries twice adds nothing the second time.

        Raises:
            PermissionDeniedError: ``actor`` may not run privacy jobs.
        """
        return ledger.import_ledger(self._parts.unit_of_work, actor, entries)

    def reapply_erasures(self, actor: Actor, *, since: datetime | None = None) -> ReapplyReport:
        """Erase again everyone the ledger names who is in the store (after a restore,
        PRV-6); ``since``: only the erasures made after it (the backup's time).

        Raises:
            PermissionDeniedError: ``actor`` may not run privacy jobs.
            InvalidErasureKeyError: the shop has no erasure-ledger key.
        """
        parts = self._parts
        key = parts.privacy.require_key()
        return ledger.reapply_erasures(
            parts.registry, parts.unit_of_work, actor, key=key, now=parts.clock.now(),
            ids=parts.ids, since=since,
        )  # fmt: skip
