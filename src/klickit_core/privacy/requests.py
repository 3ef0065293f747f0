"""Access and erasure requests (SPEC PRV-3, PRV-4, X-6): confirmed by email, answered
within the legal deadline, tracked for staff.

The policy: « Vous pouvez nous demander de vous fournir vos données personnelles par notre
formulaire de contact. […] Vous recevrez un e-mail de confirmation et ensuite un lien pour
télécharger vos données. » and « Vous pouvez également demander que nous effacions vos
données personnelles […] ».

1. :func:`open_request` — from the contact form or a signed-in account. The answer is
   always :data:`REQUEST_RECEIVED`. If the store holds anything about the address, the
   request is stored with its deadline (one month, GDPR art. 12(3)) and a confirmation
   link is mailed: a one-time token (purpose ``privacy.export`` or ``privacy.erasure``,
   bound to the request, expiring). An address the store knows nothing about gets the same
   answer after the same look-ups, and nothing is stored or sent: there is nothing to give
   or erase, and storing every address anyone types would itself be a file of personal
   data (the choice made for password resets, decision 0006). At most
   ``requests_per_window`` mails go to one address per window.
2. :func:`confirm_export` / :func:`confirm_erasure` — the person opens the link: the token
   is spent, the request confirmed, then answered at once (:func:`answer_request`; a job
   runner may answer later with :func:`answer_confirmed_requests`, which also finishes
   anything a crash interrupted).
3. Access: :func:`~klickit_core.privacy.export.export_subject` gathers everything the
   registered providers hold; the bundle becomes the file of the shop's
   :class:`~klickit_core.privacy.records.ExportFormat` (:func:`bundle_file`): by default one
   self-contained HTML page with the JSON inside it (« le fichier comportant l'extension
   HTML »), or a ZIP of the HTML file and the JSON file (:func:`bundle_archive`). It is
   stored with a single-use download token (purpose ``privacy.download``) and the
   request's completion in one transaction, and the link is mailed.
   :func:`download_bundle` spends the token and deletes the stored bundle in the same
   transaction, and names the file and its content type; a second download, an expired
   link or a token made for anything else is refused with one message.
4. Erasure: :func:`~klickit_core.privacy.ledger.erase_and_record` erases through every
   provider, writes the erasure ledger's entry (PRV-6) and completes the request in one
   transaction; the person is mailed what was removed and what was kept, why and until
   when. Erasing twice changes nothing the second time.
5. Staff (``customers.read``: shop managers, administrators) list requests with what is
   overdue (:func:`list_requests`, written to the access log) and may extend a deadline by
   two months, with notice and the reason, within the first month (:func:`extend_request`).

Links come from the shop's configured base URL (a :class:`~klickit_core.shared.tokens.LinkBuilder`,
``shop.security_settings.links``), never from a request's ``Host`` header. Mails are ``N_()``
templates, in the request's language (French by default, English).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, TypeVar

import attrs
from babel.dates import format_date

from klickit_core.personal_data import DataSubject
from klickit_core.privacy.bundle import ExportBundle, bundle_to_json
from klickit_core.privacy.erasure import ErasureReport, erase_subject
from klickit_core.privacy.export import _export, export_subject
from klickit_core.privacy.ledger import erase_and_record
from klickit_core.privacy.ports import (
    BundleRenderer,
    PrivacyRequestNotFoundError,
    PrivacyRequestsUnitOfWork,
)
from klickit_core.privacy.records import (
    EXTENSION_REASON_LABELS,
    UNKNOWN_CONTENT_TYPE,
    ExportFormat,
    ExtensionReason,
    KnownSubject,
    PrivacyRequest,
    RequestChannel,
    RequestKind,
    RequestStatus,
    StoredBundle,
    answer_deadline,
)
from klickit_core.privacy.registry import BoundRegistry
from klickit_core.privacy.retention import clock_date
from klickit_core.privacy.settings import PrivacySettings
from klickit_core.shared.access_log import log_staff_read, log_staff_reads
from klickit_core.shared.actors import Actor
from klickit_core.shared.authorization import authorize
from klickit_core.shared.clock import Clock, ensure_utc, to_shop_time
from klickit_core.shared.emails import check_email
from klickit_core.shared.errors import ConflictError, FieldError, ValidationError
from klickit_core.shared.events import DataExportReady
from klickit_core.shared.i18n import N_, translate
from klickit_core.shared.ids import IdGenerator
from klickit_core.shared.locales import locale_language, normalise_locale
from klickit_core.shared.mail import Mailer, MailTemplate
from klickit_core.shared.serialisation import converter
from klickit_core.shared.tokens import InvalidTokenError, LinkBuilder, consume_token, issue_token

__all__ = [
    "DOWNLOAD",
    "DOWNLOAD_HOW",
    "DOWNLOAD_MAIL",
    "ERASURE_CONFIRMATION",
    "ERASURE_CONFIRMATION_MAIL",
    "ERASURE_DONE_MAIL",
    "EXPORT_CONFIRMATION",
    "EXPORT_CONFIRMATION_MAIL",
    "EXTENSION_MAIL",
    "REQUESTS_JOB",
    "REQUEST_RECEIVED",
    "BundleDownload",
    "ExtensionNotAllowedError",
    "OperatorExport",
    "RequestClosedError",
    "RequestNotConfirmedError",
    "RequestOutcome",
    "RequestReceived",
    "RequestView",
    "bundle_archive",
    "bundle_file",
]

#: Token purpose of the link that confirms an access request.
EXPORT_CONFIRMATION = "privacy.export"
#: Token purpose of the link that confirms an erasure request.
ERASURE_CONFIRMATION = "privacy.erasure"
#: Token purpose of the single-use link that downloads a bundle (its subject: the bundle).
DOWNLOAD = "privacy.download"
#: The job that answers confirmed requests, as the audit log names it.
REQUESTS_JOB = "privacy-requests"

RU = TypeVar("RU", bound=PrivacyRequestsUnitOfWork)

_PURPOSES = {RequestKind.ACCESS: EXPORT_CONFIRMATION, RequestKind.ERASURE: ERASURE_CONFIRMATION}

EXPORT_CONFIRMATION_MAIL = MailTemplate(
    "privacy.confirm_export",
    N_("Confirm your request for your personal data"),
    N_(
        "Hello,\n\n"
        "We received a request for a copy of the personal data {shop} holds about this email "
        "address. To confirm that you made it, open this link within {days} days:\n{link}\n\n"
        "We will then send you a link to download your data. We will answer by {due} at "
        "the latest.\n\n"
        "If you did not ask for this, ignore this message: nothing will be sent."
    ),
)
ERASURE_CONFIRMATION_MAIL = MailTemplate(
    "privacy.confirm_erasure",
    N_("Confirm the erasure of your personal data"),
    N_(
        "Hello,\n\n"
        "We received a request to erase the personal data {shop} holds about this email "
        "address. To confirm that you made it, open this link within {days} days:\n{link}\n\n"
        "What the law requires us to keep (order records for the accounts, for instance) is "
        "kept until the end of its period, and we will tell you what and until when. We will "
        "answer by {due} at the latest.\n\n"
        "If you did not ask for this, ignore this message: nothing will be erased."
    ),
)
DOWNLOAD_MAIL = MailTemplate(
    "privacy.download",
    N_("Your personal data is ready"),
    N_(
        "Hello,\n\n"
        "The copy of the personal data {shop} holds about you is ready. Download it with this "
        "link, which works once, within {days} days:\n{link}\n\n"
        "{how} Your password is not included, for your security."
    ),
)
#: What the download mail says of the file, per format (its ``{how}``).
DOWNLOAD_HOW: dict[ExportFormat, str] = {
    ExportFormat.HTML: N_(
        "It is a file ending in .html: open it in your usual web browser (no internet "
        "connection is needed). The same data is inside it in JSON, to take it to another "
        "service."
    ),
    ExportFormat.ZIP: N_(
        "It is a ZIP archive. Open the file ending in .html in your usual web browser (no "
        "internet connection is needed); the file ending in .json holds the same data, to "
        "take it to another service."
    ),
}
ERASURE_DONE_MAIL = MailTemplate(
    "privacy.erasure_done",
    N_("Your personal data has been erased"),
    N_(
        "Hello,\n\n"
        "As you asked, {shop} has erased your personal data: {deleted} records deleted and "
        "{anonymised} anonymised.\n\n{kept}"
    ),
)
EXTENSION_MAIL = MailTemplate(
    "privacy.extension",
    N_("Your request needs more time"),
    N_(
        "Hello,\n\n"
        "We need more time to answer the request you sent {shop} on {received}, because "
        "{reason}. As the law allows (GDPR art. 12(3)), we will answer by {due} at the "
        "latest.\n\nThank you for your patience."
    ),
)
_NOTHING_KEPT = N_("We keep nothing else about you.")
_KEPT_INTRO = N_("The law requires us to keep these records until the date given:")
_KEPT_LINE = N_("- {reference}: {basis}, until {date}")

#: Names of the files delivered, per language (ASCII: every browser and unzip tool reads
#: them): ``donnees-personnelles-<day>.html``, or ``.zip`` holding ``donnees-personnelles.html``
#: and ``.json``.
_FILE_NAMES = {"fr": "donnees-personnelles", "en": "personal-data"}


class RequestClosedError(ConflictError):
    """The request is closed (answered, or its confirmation link expired)."""

    code = "privacy.request_closed"
    message_template = N_("This request is already closed.")


class RequestNotConfirmedError(ConflictError):
    """The request cannot be answered before the person confirms it."""

    code = "privacy.request_not_confirmed"
    message_template = N_("This request has not been confirmed yet.")


class ExtensionNotAllowedError(ConflictError):
    """The deadline cannot be extended (``reason``: ``already_extended``, ``too_late``:
    the person must be told within the first month)."""

    code = "privacy.extension_not_allowed"
    message_template = N_("The deadline of this request cannot be extended ({reason}).")


@attrs.frozen(slots=True)
class RequestReceived:
    """The answer to every request, whatever the store holds about the address."""

    code: ClassVar[str] = "privacy.request_received"
    message_template: ClassVar[str] = N_(
        "If we hold personal data about this email address, we have sent it a link to "
        "confirm your request. Check your mailbox (and your spam folder)."
    )

    def message(self, locale: str = "fr") -> str:
        """The message to show, in ``locale``; its JSON is ``{"code", "message"}``."""
        return translate(self.message_template, locale)


#: The one answer :func:`open_request` gives.
REQUEST_RECEIVED = RequestReceived()


@attrs.frozen(slots=True)
class RequestOutcome:
    """A request after :func:`answer_request`: its state, and for an erasure the report."""

    request: PrivacyRequest
    erasure: ErasureReport | None = None


def _content_type(download: BundleDownload) -> str:
    found = ExportFormat.of_filename(download.filename)
    return UNKNOWN_CONTENT_TYPE if found is None else found.content_type


@attrs.frozen(slots=True)
class BundleDownload:
    """An export as the file to hand over: what the download page sends (PRV-3).

    An app serves ``data`` as it is, with ``content_type`` and ``filename`` (as an
    attachment: ``Content-Disposition: attachment; filename="…"``), so the person's
    browser saves ``donnees-personnelles-2026-11-24.html`` (``text/html; charset=utf-8``)
    or ``….zip`` (``application/zip``), whichever the shop's
    :class:`~klickit_core.privacy.records.ExportFormat` made. ``content_type`` follows
    the file name's extension unless given. The data stays out of ``repr``.
    """

    filename: str
    data: bytes = attrs.field(repr=False)
    content_type: str = attrs.field(default=attrs.Factory(_content_type, takes_self=True))

    @property
    def export_format(self) -> ExportFormat | None:
        """The file's format, from its name (``None`` for a name the library never writes)."""
        return ExportFormat.of_filename(self.filename)


@attrs.frozen(slots=True)
class RequestView:
    """A request as staff see it: its state and deadline at the time of reading."""

    request: PrivacyRequest
    status: RequestStatus
    overdue: bool
    days_left: int


def _request_view_data(view: RequestView) -> dict[str, Any]:
    """A request view's JSON (staff screens, reports, ``--json``): flat, with the deadline
    as of the reading."""
    request = view.request
    return {
        "id": request.id,
        "kind": str(request.kind),
        "channel": str(request.channel),
        "email": request.email,
        "customer_id": request.customer_id,
        "status": str(view.status),
        "received_at": converter.unstructure(request.received_at),
        "due": converter.unstructure(request.due),
        "extended": request.is_extended,
        "overdue": view.overdue,
        "days_left": view.days_left,
    }


converter.register_unstructure_hook(RequestView, _request_view_data)


@attrs.frozen(slots=True)
class OperatorExport:
    """A staff export (``klickit privacy export``): the export's reference, its record
    count, the page (``html``, without the data block) and the JSON text, and ``file``,
    the file a request would deliver in the format asked for."""

    reference: str
    records: int
    html: str = attrs.field(repr=False)
    json: str = attrs.field(repr=False)
    file: BundleDownload


def _system() -> Actor:
    return Actor.system(REQUESTS_JOB)


def _day(moment: datetime | Any, locale: str) -> str:
    if isinstance(moment, datetime):
        moment = to_shop_time(moment).date()
    return str(format_date(moment, "long", locale=normalise_locale(locale)))


def _days(ttl: Any) -> str:
    return str(max(1, int(ttl.total_seconds() // 86_400)))


def _checked_email(email: object) -> str:
    address = check_email(email, ("email",))
    if isinstance(address, FieldError):
        raise ValidationError([address])
    return address


def _get(uow: RU, request_id: str) -> PrivacyRequest:
    request = uow.privacy_requests.get(request_id)
    if request is None:
        raise PrivacyRequestNotFoundError
    return request


# ---------------------------------------------------------------------------- opening
def open_request(
    uow: RU,
    clock: Clock,
    ids: IdGenerator,
    mailer: Mailer,
    settings: PrivacySettings,
    links: LinkBuilder,
    actor: Actor,
    *,
    kind: RequestKind | str,
    email: str,
    locale: str = "fr",
) -> RequestReceived:
    """Open an access or erasure request for ``email`` and mail its confirmation link.

    Anyone may ask (a visitor through the contact form, a customer from their account);
    the emailed link is the proof. Always returns :data:`REQUEST_RECEIVED`. Refused
    (:class:`~klickit_core.shared.errors.ValidationError`) only for a malformed address or
    kind, which says nothing about anyone.
    """
    authorize(actor, "privacy.requests.open_request")
    try:
        wanted = RequestKind(kind)
    except ValueError:
        raise ValidationError(
            [FieldError(("kind",), "privacy.request_kind", N_("Unknown kind of request."))]
        ) from None
    address = _checked_email(email)
    language = locale_language(locale)
    now = ensure_utc(clock.now())
    with uow:
        known = uow.privacy_subjects.find(address)
        recent = uow.privacy_requests.count_since(address, now - settings.window)
        if known is None or recent >= settings.requests_per_window:
            return REQUEST_RECEIVED
        channel = (
            RequestChannel.ACCOUNT
            if actor.customer_id is not None and actor.customer_id == known.customer_id
            else RequestChannel.CONTACT_FORM
        )
        request_id = ids.new_id()
        issued = issue_token(
            uow.tokens, clock, _PURPOSES[wanted], request_id, settings.confirmation_ttl
        )
        request = PrivacyRequest(
            id=request_id,
            kind=wanted,
            channel=channel,
            email=address,
            locale=language,
            received_at=now,
            due_on=answer_deadline(now, settings.answer_within),
            confirm_by=issued.record.expires_at,
            customer_id=known.customer_id,
        )
        uow.privacy_requests.add(request)
        path = (
            settings.export_confirmation_path
            if wanted is RequestKind.ACCESS
            else settings.erasure_confirmation_path
        )
        link = links.link(path, issued)
        uow.commit()
    template = (
        EXPORT_CONFIRMATION_MAIL if wanted is RequestKind.ACCESS else ERASURE_CONFIRMATION_MAIL
    )
    values = {
        "shop": settings.shop_name,
        "days": _days(settings.confirmation_ttl),
        "link": link,
        "due": _day(request.due_on, language),
    }
    mailer.send(template.render(address, language, values))
    return REQUEST_RECEIVED


# ---------------------------------------------------------------------------- confirming
def _confirm(
    unit_of_work: Callable[[], RU], clock: Clock, purpose: str, token: object
) -> PrivacyRequest:
    uow = unit_of_work()
    with uow:
        record = consume_token(uow.tokens, clock, purpose, token)
        request = uow.privacy_requests.get(record.subject)
        if request is None:  # swept, or erased with its person: the link leads nowhere
            raise InvalidTokenError(reason="unknown")
        if request.status is not RequestStatus.AWAITING_CONFIRMATION:
            raise InvalidTokenError(reason="used")
        confirmed = request.confirmed(ensure_utc(clock.now()))
        uow.privacy_requests.save(confirmed)
        uow.commit()
    return confirmed


def confirm_export(
    unit_of_work: Callable[[], RU],
    clock: Clock,
    ids: IdGenerator,
    mailer: Mailer,
    settings: PrivacySettings,
    links: LinkBuilder,
    bound: BoundRegistry[RU],
    renderer: BundleRenderer,
    token: object,
    *,
    answer: bool = True,
) -> RequestOutcome:
    """The person opened the confirmation link of an access request: confirm it and (unless
    ``answer`` is false, for an app that answers from a job) deliver the bundle.

    :class:`~klickit_core.shared.tokens.InvalidTokenError` for a link that is malformed,
    used, expired, or made for anything else; nothing changes then.
    """
    confirmed = _confirm(unit_of_work, clock, EXPORT_CONFIRMATION, token)
    if not answer:
        return RequestOutcome(confirmed)
    return answer_request(
        unit_of_work, clock, ids, mailer, settings, links, bound, renderer, _system(), confirmed.id
    )


def confirm_erasure(
    unit_of_work: Callable[[], RU],
    clock: Clock,
    ids: IdGenerator,
    mailer: Mailer,
    settings: PrivacySettings,
    links: LinkBuilder,
    bound: BoundRegistry[RU],
    renderer: BundleRenderer,
    token: object,
    *,
    answer: bool = True,
) -> RequestOutcome:
    """The person opened the confirmation link of an erasure request: confirm it and
    (unless ``answer`` is false) erase.

    Refused before the token is spent if the shop has no erasure-ledger key
    (:class:`~klickit_core.privacy.records.InvalidErasureKeyError`): an erasure the ledger
    cannot record would come back with the next restored backup.
    """
    settings.require_key()
    confirmed = _confirm(unit_of_work, clock, ERASURE_CONFIRMATION, token)
    if not answer:
        return RequestOutcome(confirmed)
    return answer_request(
        unit_of_work, clock, ids, mailer, settings, links, bound, renderer, _system(), confirmed.id
    )


# ---------------------------------------------------------------------------- answering
def bundle_archive(bundle: ExportBundle, renderer: BundleRenderer) -> tuple[str, bytes]:
    """The bundle as a ZIP archive holding ``<name>.html`` and ``<name>.json``; returns the
    archive's file name and its bytes. Entries are dated from the bundle (Paris time), so
    the same bundle always gives the same bytes."""
    language = locale_language(bundle.locale)
    name = _FILE_NAMES[language]
    day = to_shop_time(bundle.generated_at)
    stamp = (day.year, day.month, day.day, day.hour, day.minute, day.second)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for extension, text in (
            (renderer.extension, renderer.render(bundle, language)),
            ("json", bundle_to_json(bundle)),
        ):
            info = zipfile.ZipInfo(f"{name}.{extension}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return f"{name}-{day.date().isoformat()}.zip", buffer.getvalue()


def bundle_file(
    bundle: ExportBundle, renderer: BundleRenderer, export_format: ExportFormat | str
) -> BundleDownload:
    """The bundle as the file a request delivers, in ``export_format``:

    * ``html`` — ``<name>-<day>.html``, the renderer's page with the bundle's JSON
      (:func:`~klickit_core.privacy.bundle.bundle_to_json`, the very text the ZIP's JSON
      file holds) inside it, ``text/html; charset=utf-8``;
    * ``zip`` — :func:`bundle_archive`, ``application/zip``.

    The same bundle always gives the same bytes. An unknown format is a ``ValueError``
    (:class:`~klickit_core.privacy.settings.PrivacySettings` refuses one before).
    """
    wanted = ExportFormat(export_format)
    if wanted is ExportFormat.ZIP:
        filename, data = bundle_archive(bundle, renderer)
        return BundleDownload(filename, data, wanted.content_type)
    language = locale_language(bundle.locale)
    day = to_shop_time(bundle.generated_at).date().isoformat()
    page = renderer.render(bundle, language, embedded_json=bundle_to_json(bundle))
    filename = f"{_FILE_NAMES[language]}-{day}.{wanted.extension}"
    return BundleDownload(filename, page.encode("utf-8"), wanted.content_type)


def _deliver_export(
    unit_of_work: Callable[[], RU],
    clock: Clock,
    ids: IdGenerator,
    mailer: Mailer,
    settings: PrivacySettings,
    links: LinkBuilder,
    bound: BoundRegistry[RU],
    renderer: BundleRenderer,
    request: PrivacyRequest,
) -> RequestOutcome:
    subject = DataSubject(request.email, request.customer_id)
    bundle = export_subject(
        bound,
        unit_of_work(),
        _system(),
        subject,
        now=ensure_utc(clock.now()),
        ids=ids,
        locale=request.locale,
        shop_name=settings.shop_name,
        reference=request.id,
        staff_name=settings.staff_name,
    )
    delivered = bundle_file(bundle, renderer, settings.export_format)
    uow = unit_of_work()
    with uow:
        current = _get(uow, request.id)
        if current.status is RequestStatus.COMPLETED:  # another worker was quicker
            return RequestOutcome(current)
        bundle_id = ids.new_id()
        issued = issue_token(uow.tokens, clock, DOWNLOAD, bundle_id, settings.download_ttl)
        uow.export_bundles.add(
            StoredBundle(
                bundle_id,
                request.id,
                issued.record.created_at,
                issued.record.expires_at,
                delivered.filename,
                delivered.data,
            )
        )
        done = current.completed(issued.record.created_at, bundle_id=bundle_id)
        uow.privacy_requests.save(done)
        link = links.link(settings.download_path, issued)
        uow.record(DataExportReady(request.id, occurred_at=issued.record.created_at))
        uow.commit()
    values = {
        "shop": settings.shop_name,
        "days": _days(settings.download_ttl),
        "link": link,
        "how": translate(DOWNLOAD_HOW[settings.export_format], request.locale),
    }
    mailer.send(DOWNLOAD_MAIL.render(request.email, request.locale, values))
    return RequestOutcome(done)


def _kept_text(report: ErasureReport, locale: str) -> str:
    if not report.kept:
        return translate(_NOTHING_KEPT, locale)
    lines = [translate(_KEPT_INTRO, locale)]
    line = translate(_KEPT_LINE, locale)
    lines.extend(
        line.format(
            reference=kept.reference,
            basis=translate(kept.legal_basis.label, locale),
            date=_day(kept.keep_until, locale),
        )
        for kept in report.kept
    )
    return "\n".join(lines)


def _erase(
    unit_of_work: Callable[[], RU],
    clock: Clock,
    ids: IdGenerator,
    mailer: Mailer,
    settings: PrivacySettings,
    bound: BoundRegistry[RU],
    request: PrivacyRequest,
) -> RequestOutcome:
    key = settings.require_key()
    finished: list[PrivacyRequest] = []

    def complete(tx: RU, report: ErasureReport) -> None:
        current = _get(tx, request.id)
        if current.status is not RequestStatus.CONFIRMED:
            raise RequestClosedError
        done = current.completed(report.at)
        tx.privacy_requests.save(done)
        finished.append(done)

    report = erase_and_record(
        bound,
        unit_of_work(),
        _system(),
        DataSubject(request.email, request.customer_id),
        key=key,
        now=ensure_utc(clock.now()),
        ids=ids,
        reference=request.id,
        before_commit=complete,
    )
    values = {
        "shop": settings.shop_name,
        "deleted": str(report.deleted),
        "anonymised": str(report.anonymised),
        "kept": _kept_text(report, request.locale),
    }
    mailer.send(ERASURE_DONE_MAIL.render(request.email, request.locale, values))
    return RequestOutcome(finished[0], report)


def answer_request(
    unit_of_work: Callable[[], RU],
    clock: Clock,
    ids: IdGenerator,
    mailer: Mailer,
    settings: PrivacySettings,
    links: LinkBuilder,
    bound: BoundRegistry[RU],
    renderer: BundleRenderer,
    actor: Actor,
    request_id: str,
) -> RequestOutcome:
    """Answer a confirmed request: deliver the bundle, or erase. A completed request is
    returned as it is (answering twice sends nothing twice); one awaiting confirmation is
    :class:`RequestNotConfirmedError`. For the system job that answers requests (or an
    administrator): ``privacy.retention``. The answer goes to the person's own address."""
    authorize(actor, "privacy.requests.answer_request")
    uow = unit_of_work()
    with uow:
        request = _get(uow, request_id)
    if request.status is RequestStatus.COMPLETED:
        return RequestOutcome(request)
    if request.status is not RequestStatus.CONFIRMED:
        raise RequestNotConfirmedError
    if request.kind is RequestKind.ACCESS:
        return _deliver_export(
            unit_of_work, clock, ids, mailer, settings, links, bound, renderer, request
        )
    return _erase(unit_of_work, clock, ids, mailer, settings, bound, request)


def answer_confirmed_requests(
    unit_of_work: Callable[[], RU],
    clock: Clock,
    ids: IdGenerator,
    mailer: Mailer,
    settings: PrivacySettings,
    links: LinkBuilder,
    bound: BoundRegistry[RU],
    renderer: BundleRenderer,
    actor: Actor,
    *,
    limit: int = 100,
) -> list[RequestOutcome]:
    """Answer every confirmed, unanswered request (for a job runner, ``privacy.retention``;
    it also finishes the requests a crash interrupted between confirmation and answer)."""
    authorize(actor, "privacy.requests.answer_confirmed_requests")
    uow = unit_of_work()
    with uow:
        pending = [
            request.id
            for request in uow.privacy_requests.list(open_at=ensure_utc(clock.now()), limit=limit)
            if request.status is RequestStatus.CONFIRMED
        ]
    return [
        answer_request(
            unit_of_work, clock, ids, mailer, settings, links, bound, renderer, actor, rid
        )
        for rid in pending
    ]


def download_bundle(uow: RU, clock: Clock, token: object) -> BundleDownload:
    """The file behind a download link, once: the token is spent and the stored bundle
    deleted in one transaction. The answer names the file and its content type (those of
    the format the bundle was made in). :class:`~klickit_core.shared.tokens.InvalidTokenError`
    for a second download, an expired link, or a token made for anything else."""
    with uow:
        record = consume_token(uow.tokens, clock, DOWNLOAD, token)
        stored = uow.export_bundles.get(record.subject)
        if stored is None:
            raise InvalidTokenError(reason="unknown")
        uow.export_bundles.delete(stored.id)
        uow.commit()
    return BundleDownload(stored.filename, stored.data, stored.content_type)


# ---------------------------------------------------------------------------- staff
def _view(request: PrivacyRequest, now: datetime) -> RequestView:
    return RequestView(
        request, request.status_at(now), request.is_overdue(now), request.days_left(now)
    )


def list_requests(
    uow: RU,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
    *,
    open_only: bool = True,
    overdue_only: bool = False,
    limit: int = 100,
) -> list[RequestView]:
    """Requests by deadline, soonest first, with what is overdue. Staff holding
    ``customers.read``; the read is written to the access log (``privacy_requests.list``,
    one entry per request)."""
    authorize(actor, "privacy.requests.list_requests")
    now = ensure_utc(clock.now())
    with uow:
        found = uow.privacy_requests.list(
            open_at=now if open_only or overdue_only else None, limit=limit
        )
        subjects = (request.id for request in found)
        log_staff_reads(uow.access_log, actor, "privacy_requests.list", subjects, now, ids)
        uow.commit()
    views = [_view(request, now) for request in found]
    return [view for view in views if view.overdue] if overdue_only else views


def get_request(
    uow: RU, clock: Clock, ids: IdGenerator, actor: Actor, request_id: str
) -> RequestView:
    """One request. Staff holding ``customers.read``; logged (``privacy_requests.read``)."""
    authorize(actor, "privacy.requests.get_request")
    now = ensure_utc(clock.now())
    with uow:
        request = _get(uow, request_id)
        log_staff_read(
            uow.access_log, actor, "privacy_requests.read", request.id, now, ids.new_id()
        )
        uow.commit()
    return _view(request, now)


def extend_request(
    uow: RU,
    clock: Clock,
    ids: IdGenerator,
    mailer: Mailer,
    settings: PrivacySettings,
    actor: Actor,
    request_id: str,
    reason: ExtensionReason | str,
) -> PrivacyRequest:
    """Extend an open request's deadline by two months (GDPR art. 12(3)) and tell the
    person why. Allowed once, and only until the original deadline's last day (the law
    wants the notice within the first month). Staff holding ``customers.read``; logged
    (``privacy_requests.extend``)."""
    authorize(actor, "privacy.requests.extend_request")
    try:
        why = ExtensionReason(reason)
    except ValueError:
        raise ValidationError(
            [
                FieldError(
                    ("reason",), "privacy.extension_reason", N_("Unknown reason for an extension.")
                )
            ]
        ) from None
    now = ensure_utc(clock.now())
    with uow:
        request = _get(uow, request_id)
        if not request.is_open(now):
            raise RequestClosedError
        if request.is_extended:
            raise ExtensionNotAllowedError(reason="already_extended")
        if clock_date(now) > request.due_on:
            raise ExtensionNotAllowedError(reason="too_late")
        extended = request.extended(settings.extension.after(request.due_on), why, now, actor.id)
        uow.privacy_requests.save(extended)
        log_staff_read(
            uow.access_log, actor, "privacy_requests.extend", request.id, now, ids.new_id()
        )
        uow.commit()
    language = request.locale
    values = {
        "shop": settings.shop_name,
        "received": _day(request.received_at, language),
        "reason": translate(EXTENSION_REASON_LABELS[why], language),
        "due": _day(extended.due, language),
    }
    mailer.send(EXTENSION_MAIL.render(request.email, language, values))
    return extended


# ---------------------------------------------------------------------------- operators
def _subject(uow: RU, address: str) -> tuple[DataSubject, KnownSubject | None]:
    with uow:
        known = uow.privacy_subjects.find(address)
    return DataSubject(address, None if known is None else known.customer_id), known


def operator_export(
    unit_of_work: Callable[[], RU],
    clock: Clock,
    ids: IdGenerator,
    bound: BoundRegistry[RU],
    renderer: BundleRenderer,
    actor: Actor,
    email: str,
    *,
    locale: str = "fr",
    shop_name: str = "Klickit",
    export_format: ExportFormat | str = ExportFormat.HTML,
    staff_name: str | None = None,
) -> OperatorExport:
    """Staff export someone's data themselves (``klickit privacy export``): for a request
    received by post, or checked by hand. Staff holding ``customers.read``, or the CLI's
    operator job (``privacy.retention``). The read is written to the access log
    (``privacy.export``, subject: the account, or the export's reference) in the export's
    transaction, whoever runs it, and the audit entry names the same actor; the person's
    file names them as ``staff_name`` says (issue #16: never the operator's login).
    ``file`` is the export as a request delivers it in ``export_format``."""
    authorize(actor, "privacy.requests.operator_export")
    wanted = ExportFormat(export_format)
    address = _checked_email(email)
    subject, _known = _subject(unit_of_work(), address)
    now = ensure_utc(clock.now())
    reference = ids.new_id()
    bundle = _export(
        bound,
        unit_of_work(),
        actor,
        subject,
        now=now,
        ids=ids,
        locale=locale,
        shop_name=shop_name,
        reference=reference,
        logged=True,
        staff_name=staff_name,
    )
    return OperatorExport(
        reference,
        bundle.record_count,
        renderer.render(bundle, bundle.locale),
        bundle_to_json(bundle),
        bundle_file(bundle, renderer, wanted),
    )


def operator_erase(
    unit_of_work: Callable[[], RU],
    clock: Clock,
    ids: IdGenerator,
    settings: PrivacySettings,
    bound: BoundRegistry[RU],
    actor: Actor,
    email: str,
    *,
    dry_run: bool = False,
) -> ErasureReport:
    """An administrator erases someone (``klickit privacy erase``): every provider, the
    ledger entry and the audit entry in one transaction. A dry run writes nothing and
    needs no key; a real erasure refuses to run without one."""
    authorize(actor, "privacy.requests.operator_erase")
    address = _checked_email(email)
    key = None if dry_run else settings.require_key()
    subject, _known = _subject(unit_of_work(), address)
    now = ensure_utc(clock.now())
    if key is None:
        return erase_subject(bound, unit_of_work(), actor, subject, now=now, ids=ids, dry_run=True)
    return erase_and_record(bound, unit_of_work(), actor, subject, key=key, now=now, ids=ids)
