"""``shop.privacy`` (PRV-1 … PRV-6, SEC-6, X-6): access and erasure requests, the staff's
follow-up, operator exports and erasures, a customer's own export, the retention sweep and
the erasure ledger, through the service on every backend (X-5), with the shop's name and
links taken from its settings (issue 14)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import attrs
import pytest

from klickit_core.adapters.export.html_bundle import json_data_block
from klickit_core.adapters.memory import InMemoryOutbox
from klickit_core.application.parts import ShopParts
from klickit_core.application.privacy import PrivacyService
from klickit_core.bootstrap import default_privacy_registry
from klickit_core.orders.domain import OrderStatus
from klickit_core.privacy.records import (
    ErasureKey,
    ExportFormat,
    ExtensionReason,
    InvalidErasureKeyError,
    RequestKind,
    RequestStatus,
)
from klickit_core.privacy.requests import REQUEST_RECEIVED, RequestNotConfirmedError
from klickit_core.privacy.settings import InvalidPrivacySettingsError, PrivacySettings
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import PermissionDeniedError, ValidationError
from klickit_core.shared.locales import UnsupportedLocaleError
from klickit_core.shared.mail import MailMessage
from klickit_core.shared.tokens import InvalidTokenError
from klickit_core.testing import FixedClock
from klickit_core.testing.contracts.builders import consent, customer, order

KEY = ErasureKey.from_text("une clé de registre d'effacement bien assez longue")
CAMILLE = "camille@example.fr"
MANAGER = Actor("manager-1", Role.SHOP_MANAGER)
ADMIN = Actor("admin-1", Role.ADMINISTRATOR)
JOB = Actor.system("privacy-requests")
SHOP = "Boutique Camille"
#: A first name that would close a data block written without escaping, and run a script.
CLOSER = "</script><script>alert(1)</script>\u2028<!--"
_BLOCK_OPEN = '<script type="application/json" id="export-data">'


def _block(page: bytes) -> str:
    """The text of the page's data block; the page must hold no other script."""
    text = page.decode("utf-8")
    assert text.count("<script") == 1
    start = text.index(_BLOCK_OPEN) + len(_BLOCK_OPEN)
    return text[start : text.index("</script>", start)]


def _configured(parts: ShopParts, **privacy: object) -> ShopParts:
    """``parts`` with an erasure key and the shop's name (unless ``privacy`` says else),
    and the registry bound to that schedule; Camille seeded (account, two orders, a
    consent)."""
    settings = PrivacySettings(**{"erasure_key": KEY, "shop_name": SHOP, **privacy})  # type: ignore[arg-type]
    configured = attrs.evolve(
        parts, privacy=settings, registry=default_privacy_registry().bind(settings.schedule)
    )
    year_ago = parts.clock.now() - timedelta(days=365)
    completed = (
        order("o-1", email=CAMILLE, customer_id="cust-1")
        .with_payment(2980)
        .moved_to(OrderStatus.PROCESSING, year_ago, "system")
        .moved_to(OrderStatus.COMPLETED, year_ago + timedelta(days=3), "system")
    )
    with configured.unit_of_work() as uow:
        uow.customers.add(customer("cust-1", CAMILLE))
        uow.orders.add(completed)
        uow.consents.add(consent("c-1", CAMILLE, 0))
        uow.commit()
    return configured


def _mails(parts: ShopParts) -> list[MailMessage]:
    assert isinstance(parts.mailer, InMemoryOutbox)
    return list(parts.mailer.messages)


def _token(message: MailMessage) -> str:
    return message.body.split("token=")[1].split()[0]


@pytest.mark.parametrize("export_format", [None, "zip"])
def test_access_request_end_to_end_in_the_language_asked_for(
    shop_parts: ShopParts, export_format: str | None
) -> None:
    """PRV-3, SEC-6, X-2, issue #19 item 9: request (``"en-GB"``) → confirmation mail
    naming the shop from its settings → confirmed and answered → download once, as the
    file the shop's setting says (HTML with its JSON inside by default, else the ZIP),
    named and typed for the app to serve; a second download is refused."""
    options = {} if export_format is None else {"export_format": export_format}
    parts = _configured(shop_parts, **options)
    privacy = PrivacyService(parts)
    answer = privacy.open_request(Actor.visitor(), kind="access", email=CAMILLE, locale="en-GB")
    assert answer is REQUEST_RECEIVED
    (confirmation,) = _mails(parts)
    assert (confirmation.locale, confirmation.subject) == (
        "en",
        "Confirm your request for your personal data",
    )
    assert f"personal data {SHOP} holds" in confirmation.body
    assert "https://boutique.example.fr/mes-donnees/export/confirmer?token=" in confirmation.body

    outcome = privacy.confirm_export(_token(confirmation))
    assert outcome.request.status is RequestStatus.COMPLETED
    delivery = _mails(parts)[-1]
    assert delivery.subject == "Your personal data is ready"
    download = privacy.download(_token(delivery))
    if export_format is None:
        assert "It is a file ending in .html" in delivery.body
        assert (download.filename, download.content_type) == (
            "personal-data-2026-11-24.html",
            "text/html; charset=utf-8",
        )
        data = json.loads(_block(download.data))
    else:
        assert "It is a ZIP archive" in delivery.body
        assert (download.filename, download.content_type) == (
            "personal-data-2026-11-24.zip",
            "application/zip",
        )
        with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
            data = json.loads(archive.read("personal-data.json"))
    assert (data["shop"], data["locale"]) == (SHOP, "en")
    assert data["subject"] == {"email": CAMILLE, "customer_id": "cust-1"}
    with pytest.raises(InvalidTokenError):
        privacy.download(_token(delivery))


def test_an_unsupported_locale_is_refused_before_anything_is_stored(
    shop_parts: ShopParts,
) -> None:
    """X-2: ``locale`` is the language of every mail of the request: a bad one is refused
    at once, nothing stored, nothing sent."""
    parts = _configured(shop_parts)
    privacy = PrivacyService(parts)
    with pytest.raises(UnsupportedLocaleError):
        privacy.open_request(Actor.visitor(), kind=RequestKind.ACCESS, email=CAMILLE, locale="de")
    assert _mails(parts) == []
    assert privacy.requests(MANAGER, open_only=False) == []


def test_erasure_request_confirmed_later_then_answered_by_the_job(shop_parts: ShopParts) -> None:
    """PRV-4, PRV-6: an erasure confirmed without answering waits for the job; answering
    erases (the ledger gets its entry) and mails what was kept; answering again sends
    nothing twice."""
    parts = _configured(shop_parts)
    privacy = PrivacyService(parts)
    privacy.open_request(Actor.visitor(), kind="erasure", email=CAMILLE)
    confirmed = privacy.confirm_erasure(_token(_mails(parts)[-1]), answer=False)
    assert confirmed.request.status is RequestStatus.CONFIRMED
    assert confirmed.erasure is None

    (outcome,) = privacy.answer_confirmed_requests(JOB)
    assert outcome.request.status is RequestStatus.COMPLETED
    assert outcome.erasure is not None
    assert outcome.erasure.deleted > 0
    done = _mails(parts)[-1]
    assert (done.template, done.to) == ("privacy.erasure_done", CAMILLE)
    assert f"{SHOP} has erased" not in done.body  # French by default
    assert f"{SHOP} a effacé" in done.body
    assert privacy.answer_request(JOB, outcome.request.id).request == outcome.request
    assert len(_mails(parts)) == 2
    assert len(list(privacy.ledger_entries(ADMIN))) == 1
    with pytest.raises(PermissionDeniedError):
        privacy.ledger_entries(MANAGER)


def test_erasure_needs_the_ledger_key(shop_parts: ShopParts) -> None:
    """PRV-6: without an erasure-ledger key the confirmation is refused before its token
    is spent, and an operator's real erasure too (a dry run needs none)."""
    parts = _configured(shop_parts, erasure_key=None)
    privacy = PrivacyService(parts)
    privacy.open_request(Actor.visitor(), kind="erasure", email=CAMILLE)
    with pytest.raises(InvalidErasureKeyError):
        privacy.confirm_erasure(_token(_mails(parts)[-1]))
    with pytest.raises(InvalidErasureKeyError):
        privacy.erase(ADMIN, CAMILLE)
    with pytest.raises(InvalidErasureKeyError):
        privacy.reapply_erasures(ADMIN)
    report = privacy.erase(ADMIN, CAMILLE, dry_run=True)
    assert report.dry_run
    assert report.deleted > 0


def test_staff_follow_requests_and_extend_a_deadline(
    shop_parts: ShopParts, clock: FixedClock
) -> None:
    """PRV-3, X-6: staff list and read requests (logged), extend one with notice to the
    person; an unconfirmed request cannot be answered, an extension not repeated."""
    parts = _configured(shop_parts)
    privacy = PrivacyService(parts)
    privacy.open_request(Actor.visitor(), kind="access", email=CAMILLE)
    (view,) = privacy.requests(MANAGER)
    assert privacy.request(MANAGER, view.request.id).request == view.request
    with pytest.raises(RequestNotConfirmedError):
        privacy.answer_request(JOB, view.request.id)
    with pytest.raises(ValidationError):
        privacy.extend_request(MANAGER, view.request.id, "boredom")

    clock.advance(timedelta(days=3))
    extended = privacy.extend_request(MANAGER, view.request.id, ExtensionReason.COMPLEXITY)
    assert extended.is_extended
    notice = _mails(parts)[-1]
    assert (notice.template, notice.to) == ("privacy.extension", CAMILLE)
    assert SHOP in notice.body
    with pytest.raises(PermissionDeniedError):
        privacy.requests(Actor.visitor())


def test_operator_export_and_a_customers_own_export(shop_parts: ShopParts) -> None:
    """PRV-3, X-6: staff export someone (named, in English for ``"en_GB"``, under the
    shop's name); a signed-in customer exports themselves, found by their account."""
    parts = _configured(shop_parts)
    privacy = PrivacyService(parts)
    exported = privacy.export(MANAGER, CAMILLE, locale="en_GB")
    data = json.loads(exported.json)
    assert (data["shop"], data["locale"]) == (SHOP, "en")
    assert exported.records == sum(len(section["records"]) for section in data["sections"])
    assert exported.records > 0
    assert "Your personal data" in exported.html

    camille = Actor("cust-1", Role.CUSTOMER, customer_id="cust-1")
    own = privacy.export_own_data(camille, locale="fr-FR")
    assert (own.locale, own.shop_name, own.subject.email) == ("fr", SHOP, CAMILLE)
    with pytest.raises(PermissionDeniedError):
        privacy.export_own_data(Actor.visitor())
    with pytest.raises(PermissionDeniedError):
        privacy.export(camille, CAMILLE)


def test_the_html_file_carries_the_json_export_byte_for_byte(shop_parts: ShopParts) -> None:
    """PRV-3, GDPR art. 20, issue #19 item 9: on every backend, the single HTML file holds
    the very JSON export (the ZIP's JSON file) in its data block, escaped so that a first
    name written to close the element stays data: the page has one script, its text is
    the escaped JSON, and parsing it gives the JSON export back."""
    parts = _configured(shop_parts)
    with parts.unit_of_work() as uow:
        uow.customers.add(customer("cust-2", "zoe@example.fr", first_name=CLOSER))
        uow.commit()
    privacy = PrivacyService(parts)
    exported = privacy.export(MANAGER, "zoe@example.fr")
    assert exported.file.export_format is ExportFormat.HTML
    assert exported.file.filename.endswith(".html")
    assert exported.file.content_type == "text/html; charset=utf-8"
    block = _block(exported.file.data)
    assert block == json_data_block(exported.json)
    assert "<" not in block
    assert json.loads(block) == json.loads(exported.json)
    assert CLOSER in exported.json
    assert CLOSER in json.dumps(json.loads(block), ensure_ascii=False)

    zipped = privacy.export(MANAGER, "zoe@example.fr", export_format="zip")
    assert zipped.file.content_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(zipped.file.data)) as archive:
        assert archive.read("donnees-personnelles.json") == zipped.json.encode("utf-8")


def test_an_unknown_export_format_is_refused_before_anything_is_read(
    shop_parts: ShopParts,
) -> None:
    """PRV-3, X-9: ``export_format`` is ``html`` or ``zip``; anything else is the typed
    settings error, and no export is made (nothing in the access log)."""
    parts = _configured(shop_parts)
    privacy = PrivacyService(parts)
    with pytest.raises(InvalidPrivacySettingsError) as refused:
        privacy.export(MANAGER, CAMILLE, export_format="pdf")
    assert refused.value.details == {"setting": "export_format"}
    with parts.unit_of_work() as uow:
        assert uow.access_log.entries(actor_id=MANAGER.id) == []


def test_operator_erasure_then_the_ledger_reapplies_it(shop_parts: ShopParts) -> None:
    """PRV-4, PRV-6: an administrator's erasure writes the ledger; re-applying it finds
    nothing left to change."""
    parts = _configured(shop_parts)
    privacy = PrivacyService(parts)
    report = privacy.erase(ADMIN, CAMILLE)
    assert not report.dry_run
    assert report.changed
    entries = list(privacy.ledger_entries(ADMIN))
    assert len(entries) == 1
    assert privacy.import_ledger(ADMIN, entries) == 0
    again = privacy.reapply_erasures(ADMIN)
    assert (again.entries, again.erased) == (1, 0)
    with pytest.raises(PermissionDeniedError):
        privacy.erase(MANAGER, CAMILLE)


def test_the_retention_sweep_runs_on_the_shops_clock(shop_parts: ShopParts) -> None:
    """PRV-1, PRV-2: the sweep's reference instant is the shop's clock unless given; a
    dry run reports without writing; only those allowed to run retention may start it."""
    parts = _configured(shop_parts)
    privacy = PrivacyService(parts)
    seen: list[str] = []
    report = privacy.sweep(
        Actor.system("retention-sweep"),
        dry_run=True,
        on_progress=lambda step: seen.append(step.category_id),
    )
    assert (report.now, report.dry_run, report.complete) == (parts.clock.now(), True, True)
    assert seen
    later = parts.clock.now() + timedelta(days=4000)
    assert privacy.sweep(ADMIN, now=later, batch_size=10).now == later
    with pytest.raises(PermissionDeniedError):
        privacy.sweep(MANAGER)
