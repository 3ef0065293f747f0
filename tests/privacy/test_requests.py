"""PRV-3, PRV-4, X-6, SEC-6: access and erasure requests, end to end on memory and SQLite.

Request → confirmation mail with a link built from the configured base URL → confirm →
bundle (one HTML file with the JSON inside it by default, or the HTML and JSON files
zipped) → single-use download; erasure through
every provider with the ledger entry and a report mailed to the person; the one-month
deadline, its extension with notice, and the staff listing of what is overdue.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klickit_core.accounts.security import SecuritySettings
from klickit_core.adapters.export import HtmlBundleRenderer
from klickit_core.bootstrap import Shop, ShopUnitOfWork, build_shop, default_privacy_registry
from klickit_core.orders.domain import OrderStatus
from klickit_core.personal_data import ACCOUNTING_OBLIGATION
from klickit_core.privacy import requests as rq
from klickit_core.privacy.bundle import export_schema
from klickit_core.privacy.personal_data import BUNDLES, REQUESTS
from klickit_core.privacy.records import (
    ErasureKey,
    ExportFormat,
    ExtensionReason,
    InvalidErasureKeyError,
    PrivacyRequest,
    RequestChannel,
    RequestKind,
    RequestStatus,
    answer_deadline,
)
from klickit_core.privacy.retention import Period, RetentionSchedule, clock_date
from klickit_core.privacy.settings import InvalidPrivacySettingsError, PrivacySettings
from klickit_core.privacy.sweep import run_sweep
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import PermissionDeniedError, ValidationError
from klickit_core.shared.mail import MailMessage
from klickit_core.shared.serialisation import unstructure
from klickit_core.shared.tokens import InvalidTokenError
from klickit_core.testing import AdvancingClock, FixedClock, InMemoryOutbox, SequentialIds
from klickit_core.testing.contracts import sql
from klickit_core.testing.contracts.builders import consent, customer, order

from .fakes import data_block

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
BASE = "https://boutique.example.fr"
KEY = ErasureKey.from_text("une clé de registre d'effacement bien assez longue")
PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2VsZGVtZXI$ZmFrZWhhc2hmb3J0ZXN0cw"
MANAGER = Actor("manager-1", Role.SHOP_MANAGER)
CAMILLE = "camille@example.fr"


@attrs.define
class Flow:
    """A shop on a frozen clock, and the calls of the request flow with its parts."""

    shop: Shop
    clock: FixedClock
    outbox: InMemoryOutbox

    @property
    def settings(self) -> PrivacySettings:
        return self.shop.privacy_settings

    def uow(self) -> ShopUnitOfWork:
        return self.shop.unit_of_work()

    def open(
        self,
        email: str = CAMILLE,
        kind: RequestKind | str = RequestKind.ACCESS,
        actor: Actor | None = None,
        locale: str = "fr",
    ) -> rq.RequestReceived:
        s = self.shop
        return rq.open_request(
            self.uow(), s.clock, s.ids, s.mailer, s.privacy_settings, s.security_settings.links,
            actor or Actor.visitor(), kind=kind, email=email, locale=locale,
        )  # fmt: skip

    def _args(self) -> tuple[Any, ...]:
        s = self.shop
        return (
            s.unit_of_work, s.clock, s.ids, s.mailer, s.privacy_settings, s.security_settings.links,
            s.privacy_registry(), HtmlBundleRenderer(),
        )  # fmt: skip

    def confirm_export(self, token: str, *, answer: bool = True) -> rq.RequestOutcome:
        return rq.confirm_export(*self._args(), token, answer=answer)

    def confirm_erasure(self, token: str) -> rq.RequestOutcome:
        return rq.confirm_erasure(*self._args(), token)

    def answer_all(self) -> list[rq.RequestOutcome]:
        return rq.answer_confirmed_requests(*self._args(), Actor.system(rq.REQUESTS_JOB))

    def download(self, token: str) -> rq.BundleDownload:
        return rq.download_bundle(self.uow(), self.shop.clock, token)

    def requests(self, *, open_only: bool = False) -> list[rq.RequestView]:
        return rq.list_requests(
            self.uow(), self.shop.clock, self.shop.ids, MANAGER, open_only=open_only
        )

    def mails(self) -> list[MailMessage]:
        return list(self.outbox.messages)

    def last_token(self) -> str:
        return token_of(self.outbox.messages[-1])

    def delivering(self, export_format: ExportFormat | str) -> Flow:
        """This flow on the same store, with the shop delivering ``export_format``."""
        settings = attrs.evolve(self.settings, export_format=export_format)
        return Flow(self.shop.with_parts(privacy=settings), self.clock, self.outbox)


def token_of(message: MailMessage) -> str:
    return message.body.split("token=")[1].split()[0]


def seed(shop: Shop) -> None:
    """Camille: an account (with a password), an order completed a year ago (kept ten
    years), an unpaid order and a consent. Bob: a guest order only."""
    year_ago = NOW - timedelta(days=365)
    completed = (
        order("o-1", email=CAMILLE, customer_id="cust-1")
        .with_payment(2980)
        .moved_to(OrderStatus.PROCESSING, year_ago, "system")
        .moved_to(OrderStatus.COMPLETED, year_ago + timedelta(days=3), "system")
    )
    with shop.unit_of_work() as uow:
        uow.customers.add(customer("cust-1", CAMILLE))
        uow.credentials.set_password_hash("cust-1", PASSWORD_HASH)
        uow.orders.add(completed)
        uow.orders.add(order("o-2", email=CAMILLE, customer_id="cust-1"))
        uow.orders.add(order("o-3", email="bob@example.com", customer_id=None))
        uow.consents.add(consent("c-1", CAMILLE, 0))
        uow.commit()


def make_shop(**privacy: Any) -> tuple[Shop, FixedClock, InMemoryOutbox]:
    clock, outbox = FixedClock(NOW), InMemoryOutbox()
    shop = build_shop(
        clock=clock,
        ids=SequentialIds("id"),
        mailer=outbox,
        security=SecuritySettings(base_url=BASE),
        privacy=PrivacySettings(**{"erasure_key": KEY, **privacy}),
    )
    return shop, clock, outbox


@pytest.fixture(params=["memory", "sqlite"])
def flow(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Flow]:
    shop, clock, outbox = make_shop()
    if request.param == "sqlite":
        with sql.sqlite_store(tmp_path / "shop.db") as store:
            shop = shop.with_parts(unit_of_work=store.unit_of_work)
            seed(shop)
            yield Flow(shop, clock, outbox)
    else:
        seed(shop)
        yield Flow(shop, clock, outbox)


def unzip(download: rq.BundleDownload) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def exported(download: rq.BundleDownload) -> dict[str, Any]:
    """The export's JSON document, from the page's data block or the archive's file."""
    if download.export_format is ExportFormat.ZIP:
        (name,) = [name for name in unzip(download) if name.endswith(".json")]
        document: dict[str, Any] = json.loads(unzip(download)[name])
    else:
        document = json.loads(data_block(download.data.decode("utf-8")))
    return document


# ---------------------------------------------------------------------------- access
def test_access_request_end_to_end(flow: Flow) -> None:
    """PRV-3, SEC-6, issue #19 item 9: request → mail with a link from the configured base
    URL → confirm → by default one HTML file (« le fichier comportant l'extension HTML »)
    holding every provider's data, with the JSON inside it, never a password hash or a
    token → downloaded once, named and typed as HTML; a second download is refused."""
    answer = flow.open("  Camille@Example.FR ")
    assert answer is rq.REQUEST_RECEIVED
    (confirmation,) = flow.mails()
    assert confirmation.to == CAMILLE
    assert confirmation.subject == "Confirmez votre demande d'accès à vos données personnelles"
    assert f"{BASE}/mes-donnees/export/confirmer?token=" in confirmation.body
    assert "24 décembre 2026" in confirmation.body  # the one-month deadline

    outcome = flow.confirm_export(token_of(confirmation))
    assert outcome.request.status is RequestStatus.COMPLETED
    assert outcome.request.bundle_id is not None
    delivery = flow.mails()[-1]
    assert delivery.to == CAMILLE
    assert f"{BASE}/mes-donnees/telecharger?token=" in delivery.body

    assert "C'est un fichier comportant l'extension .html" in delivery.body
    assert "archive ZIP" not in delivery.body

    download = flow.download(token_of(delivery))
    assert download.content_type == "text/html; charset=utf-8"
    assert download.filename == "donnees-personnelles-2026-11-24.html"
    assert download.export_format is ExportFormat.HTML
    html = download.data.decode("utf-8")
    assert html.startswith("<!DOCTYPE html>")
    data = json.loads(data_block(html))  # the page's one script: its inert JSON block
    jsonschema.validate(data, export_schema())
    assert data["subject"] == {"email": CAMILLE, "customer_id": "cust-1"}
    sections = {section["category"] for section in data["sections"]}
    assert {"accounts.customers", "orders.completed", REQUESTS} <= sections
    assert CAMILLE in html
    assert html.count("KL-2026-o-1") >= 2  # shown in the page, and in its JSON
    assert "au format JSON" in html  # the page says where the JSON is
    assert PASSWORD_HASH not in html
    assert "argon2" not in html
    for message in flow.mails():
        assert token_of(message) not in html
        assert token_of(message).split(".")[0] not in html  # not even the selector

    with pytest.raises(InvalidTokenError) as refused:
        flow.download(token_of(delivery))
    assert refused.value.details["reason"] == "used"


def test_the_bundle_is_gone_once_downloaded_and_a_second_request_shows_the_first(
    flow: Flow,
) -> None:
    """PRV-3, PRV-1: the stored bundle is deleted by its download; a later export lists
    the person's earlier requests (they are personal data too)."""
    flow.open()
    flow.confirm_export(flow.last_token())
    flow.download(flow.last_token())
    with flow.uow() as uow:
        assert uow.export_bundles.for_requests([view.request.id for view in flow.requests()]) == []
    flow.clock.advance(timedelta(days=2))
    flow.open(locale="en")
    assert flow.mails()[-1].subject == "Confirm your request for your personal data"
    flow.confirm_export(flow.last_token())
    download = flow.download(flow.last_token())
    assert download.filename == "personal-data-2026-11-26.html"
    data = exported(download)
    (requests,) = [s for s in data["sections"] if s["category"] == REQUESTS]
    assert len(requests["records"]) == 2
    assert data["locale"] == "en"


def test_a_shop_delivering_zip_sends_the_archive_and_says_so(flow: Flow) -> None:
    """PRV-3, issue #19 item 9: ``export_format="zip"`` (today's archive, for a shop whose
    notice says ZIP): ``.zip``, ``application/zip``, the HTML page (no data block: its JSON
    is the file beside it) and the JSON file, and a mail that says it is an archive."""
    zipped = flow.delivering("zip")
    zipped.open()
    zipped.confirm_export(zipped.last_token())
    delivery = zipped.mails()[-1]
    assert "C'est une archive ZIP" in delivery.body
    download = zipped.download(token_of(delivery))
    assert (download.filename, download.content_type) == (
        "donnees-personnelles-2026-11-24.zip",
        "application/zip",
    )
    assert download.export_format is ExportFormat.ZIP
    files = unzip(download)
    assert sorted(files) == ["donnees-personnelles.html", "donnees-personnelles.json"]
    data = json.loads(files["donnees-personnelles.json"])
    jsonschema.validate(data, export_schema())
    assert data["subject"] == {"email": CAMILLE, "customer_id": "cust-1"}
    html = files["donnees-personnelles.html"]
    assert "KL-2026-o-1" in html
    assert "<script" not in html
    assert "Un fichier JSON contenant les mêmes données accompagne celui-ci" in html
    for text in files.values():
        assert PASSWORD_HASH not in text
        assert token_of(delivery) not in text
    with pytest.raises(InvalidTokenError) as refused:
        zipped.download(token_of(delivery))
    assert refused.value.details["reason"] == "used"


def test_a_bundle_keeps_the_format_it_was_made_in(flow: Flow) -> None:
    """PRV-3, issue #19 item 9: a link mailed before the shop changed its format still
    gives the file it was made as, named and typed as such (the type follows the stored
    file, not today's setting)."""
    flow.open()
    flow.confirm_export(flow.last_token())
    link = flow.last_token()
    download = flow.delivering(ExportFormat.ZIP).download(link)
    assert download.filename.endswith(".html")
    assert download.content_type == "text/html; charset=utf-8"


def test_expired_download_link_is_refused_and_the_bundle_swept(flow: Flow) -> None:
    """PRV-3, PRV-2: a download link past its lifetime is refused; the retention sweep
    removes the bundle after the export_bundles period."""
    flow.open()
    flow.confirm_export(flow.last_token())
    link = flow.last_token()
    flow.clock.advance(timedelta(days=7, seconds=1))
    with pytest.raises(InvalidTokenError) as refused:
        flow.download(link)
    assert refused.value.details["reason"] == "expired"
    with flow.uow() as uow:
        assert len(uow.export_bundles.for_requests([v.request.id for v in flow.requests()])) == 1
    report = run_sweep(
        flow.shop.privacy_registry(),
        flow.shop.unit_of_work,
        Actor.system("retention-sweep"),
        now=flow.clock.now() + timedelta(days=1),
        ids=flow.shop.ids,
    )
    assert report.category(BUNDLES).tally.deleted == 1
    with flow.uow() as uow:
        assert uow.export_bundles.for_requests([v.request.id for v in flow.requests()]) == []


def test_tokens_made_for_another_purpose_are_refused(flow: Flow) -> None:
    """SEC-6, PRV-3: a confirmation token does not download, a download token does not
    confirm, an access confirmation does not confirm an erasure; nothing changes."""
    flow.open()
    confirmation = flow.last_token()
    with pytest.raises(InvalidTokenError) as refused:
        flow.download(confirmation)
    assert refused.value.details["reason"] == "purpose"
    with pytest.raises(InvalidTokenError) as refused:
        flow.confirm_erasure(confirmation)
    assert refused.value.details["reason"] == "purpose"
    (view,) = flow.requests()
    assert view.status is RequestStatus.AWAITING_CONFIRMATION
    flow.confirm_export(confirmation)
    download_token = flow.last_token()
    with pytest.raises(InvalidTokenError) as refused:
        flow.confirm_export(download_token)
    assert refused.value.details["reason"] == "purpose"
    with pytest.raises(InvalidTokenError):
        flow.confirm_export(confirmation)  # spent
    with pytest.raises(InvalidTokenError) as refused:
        flow.download("not-a-token")
    assert refused.value.details["reason"] == "malformed"
    flow.download(download_token)


def test_unknown_address_gets_the_same_answer_and_no_mail(flow: Flow) -> None:
    """PRV-3, SEC-2: an address the store knows nothing about gets the very same answer;
    nothing is stored and nothing is sent (the mail-less path)."""
    calls: list[str] = []
    original = flow.shop.unit_of_work

    def spying() -> ShopUnitOfWork:
        uow = original()
        find, count = uow.privacy_subjects.find, uow.privacy_requests.count_since

        def spy_find(email: str) -> Any:
            calls.append("find")
            return find(email)

        def spy_count(email: str, since: datetime) -> int:
            calls.append("count")
            return count(email, since)

        uow.privacy_subjects.find = spy_find  # type: ignore[method-assign]
        uow.privacy_requests.count_since = spy_count  # type: ignore[method-assign]
        return uow

    flow.shop = flow.shop.with_parts(unit_of_work=spying)
    unknown = flow.open("nobody@example.org")
    assert unknown is rq.REQUEST_RECEIVED
    assert unstructure(unknown, locale="fr")["code"] == "privacy.request_received"
    assert flow.mails() == []
    assert flow.requests() == []
    unknown_calls = list(calls)
    calls.clear()
    known = flow.open("bob@example.com", kind=RequestKind.ERASURE)
    assert known is unknown
    assert calls == unknown_calls == ["find", "count"]  # the same look-ups either way
    assert len(flow.mails()) == 1


def test_confirmation_mails_are_rate_limited_per_address(flow: Flow) -> None:
    """PRV-3: at most three confirmation mails per address and day; the answer is the
    same after that."""
    for _ in range(5):
        assert flow.open() is rq.REQUEST_RECEIVED
    assert len(flow.mails()) == 3
    flow.clock.advance(timedelta(days=1, seconds=1))
    flow.open()
    assert len(flow.mails()) == 4


@pytest.mark.parametrize(
    ("email", "kind", "code"),
    [
        ("not an email", RequestKind.ACCESS, "email.invalid"),
        ("", RequestKind.ERASURE, "email.required"),
        (CAMILLE, "portability", "privacy.request_kind"),
    ],
)
def test_bad_input_is_a_typed_error_and_writes_nothing(
    flow: Flow, email: str, kind: str, code: str
) -> None:
    """X-9, PRV-3: a malformed address or kind is a ValidationError with its code; nothing
    stored, nothing sent."""
    with pytest.raises(ValidationError) as refused:
        flow.open(email, kind)
    assert list(refused.value.codes.values()) == [code]
    assert flow.mails() == []
    assert flow.requests() == []


def test_confirmation_link_expires_and_the_request_with_it(flow: Flow) -> None:
    """PRV-3: an unconfirmed request expires with its link: refused afterwards, listed as
    expired, no longer open."""
    flow.open()
    token = flow.last_token()
    flow.clock.advance(timedelta(days=7))
    with pytest.raises(InvalidTokenError) as refused:
        flow.confirm_export(token)
    assert refused.value.details["reason"] == "expired"
    (view,) = flow.requests()
    assert view.status is RequestStatus.EXPIRED
    assert flow.requests(open_only=True) == []


def test_a_signed_in_customer_asks_from_their_account(flow: Flow) -> None:
    """PRV-3, X-6: a customer's own request is recorded as made from the account."""
    flow.open(actor=Actor("cust-1", Role.CUSTOMER, customer_id="cust-1"))
    flow.open("bob@example.com", actor=Actor("cust-1", Role.CUSTOMER, customer_id="cust-1"))
    channels = {v.request.email: v.request.channel for v in flow.requests()}
    assert channels == {
        CAMILLE: RequestChannel.ACCOUNT,
        "bob@example.com": RequestChannel.CONTACT_FORM,  # not their address: a plain request
    }


def test_a_job_answers_confirmed_requests(flow: Flow) -> None:
    """PRV-3: an app may confirm now and answer from a job; answering twice sends once."""
    flow.open()
    outcome = flow.confirm_export(flow.last_token(), answer=False)
    assert outcome.request.status is RequestStatus.CONFIRMED
    mails = len(flow.mails())
    (answered,) = flow.answer_all()
    assert answered.request.status is RequestStatus.COMPLETED
    assert len(flow.mails()) == mails + 1
    assert flow.answer_all() == []
    again = rq.answer_request(*flow._args(), Actor.system(rq.REQUESTS_JOB), answered.request.id)
    assert again.request == answered.request
    assert len(flow.mails()) == mails + 1


# ---------------------------------------------------------------------------- erasure
def test_erasure_request_end_to_end_and_idempotent(flow: Flow) -> None:
    """PRV-4, PRV-6: confirm → every provider erases; the completed order stays with its
    legal basis and date; the ledger gets its entry in the same transaction; the request
    is completed; the person is mailed the report. A second request changes nothing."""
    flow.open(kind=RequestKind.ERASURE)
    confirmation = flow.mails()[-1]
    assert f"{BASE}/mes-donnees/effacement/confirmer?token=" in confirmation.body
    outcome = flow.confirm_erasure(token_of(confirmation))
    report = outcome.erasure
    assert report is not None
    assert outcome.request.status is RequestStatus.COMPLETED
    assert report.changed
    kept_orders = [k for k in report.kept if k.category_id == "orders.completed"]
    assert [(k.reference, k.legal_basis) for k in kept_orders] == [
        ("KL-2026-o-1", ACCOUNTING_OBLIGATION)
    ]
    assert kept_orders[0].keep_until == date(2035, 11, 27)  # ten years from completion
    with flow.uow() as uow:
        assert uow.customers.get("cust-1") is None
        assert uow.credentials.password_hash("cust-1") is None
        (entry,) = uow.erasure_ledger.entries()
    assert entry.reference == outcome.request.id
    assert entry.email_hash == KEY.email_hash(CAMILLE)
    assert entry.customer_hash == KEY.customer_hash("cust-1")
    done = flow.mails()[-1]
    assert done.to == CAMILLE
    assert done.subject == "Vos données personnelles ont été effacées"
    assert "KL-2026-o-1" in done.body
    assert "27 novembre 2035" in done.body

    flow.clock.advance(timedelta(days=1))
    flow.open(kind=RequestKind.ERASURE)  # the kept order still holds the address
    second = flow.confirm_erasure(flow.last_token())
    assert second.erasure is not None
    assert not second.erasure.changed
    assert [k.reference for k in second.erasure.kept if k.category_id == "orders.completed"] == [
        "KL-2026-o-1"
    ]


def test_erasure_needs_the_ledger_key_before_the_link_is_spent(tmp_path: Any) -> None:
    """PRV-6, X-9: without an erasure key the confirmation is refused and the link stays
    usable, so nothing is erased that a restore would bring back."""
    shop, clock, outbox = make_shop(erasure_key=None)
    seed(shop)
    flow = Flow(shop, clock, outbox)
    flow.open(kind=RequestKind.ERASURE)
    token = flow.last_token()
    with pytest.raises(InvalidErasureKeyError) as refused:
        flow.confirm_erasure(token)
    assert refused.value.details["reason"] == "missing"
    with flow.uow() as uow:
        assert uow.customers.get("cust-1") is not None
    flow.shop = shop.with_parts(privacy=PrivacySettings(erasure_key=KEY))
    assert flow.confirm_erasure(token).request.status is RequestStatus.COMPLETED


# ---------------------------------------------------------------------------- deadlines
@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - Hypothesis bounds are naive
        max_value=datetime(2090, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    )
)
def test_the_deadline_is_one_calendar_month(received: datetime) -> None:
    """PRV-3 (GDPR art. 12(3)): the same day number next month on the Paris calendar, or
    that month's last day when it has none."""
    day = clock_date(received)
    due = answer_deadline(received)
    month = day.month % 12 + 1
    year = day.year + (day.month == 12)
    assert (due.year, due.month) == (year, month)
    assert due.day == day.day or (due.day < day.day and (due + timedelta(days=1)).day == 1)


def test_deadline_counts_calendar_months_from_receipt_in_paris() -> None:
    """PRV-3: received 31 January 2027 → due 28 February; received at 23:30 UTC on
    31 March (1 April in Paris) → due 1 May."""
    assert answer_deadline(datetime(2027, 1, 31, 10, 0, tzinfo=UTC)) == date(2027, 2, 28)
    assert answer_deadline(datetime(2027, 3, 31, 23, 30, tzinfo=UTC)) == date(2027, 5, 1)


def test_overdue_requests_are_listed_for_staff_and_the_read_logged(flow: Flow) -> None:
    """PRV-3, X-6: staff see each request's deadline and what is overdue; the read goes to
    the access log, by id; customers and visitors may not list."""
    flow.open()
    flow.confirm_export(flow.last_token(), answer=False)  # confirmed, not answered
    flow.clock.advance(timedelta(days=1))
    flow.open("bob@example.com")
    (first, second) = flow.requests(open_only=True)
    assert first.request.email == CAMILLE
    assert not first.overdue
    assert first.days_left == 29  # a day later: 29 days to go
    assert second.request.status is RequestStatus.AWAITING_CONFIRMATION

    flow.clock.set(datetime(2026, 12, 24, 22, 59, tzinfo=UTC))  # 23:59 in Paris, last day
    assert not flow.requests(open_only=True)[0].overdue
    flow.clock.set(datetime(2026, 12, 24, 23, 0, tzinfo=UTC))  # 25 December in Paris
    views = rq.list_requests(flow.uow(), flow.shop.clock, flow.shop.ids, MANAGER, overdue_only=True)
    assert [(v.request.email, v.days_left, v.overdue) for v in views] == [(CAMILLE, -1, True)]
    assert unstructure(views[0])["due"] == "2026-12-24"
    with flow.uow() as uow:
        logged = uow.access_log.entries(actor_id=MANAGER.id)
    # One entry per request listed (the person's export finds it by the request's id).
    assert {(e.action, e.subject) for e in logged} == {
        ("privacy_requests.list", first.request.id),
        ("privacy_requests.list", second.request.id),
    }
    for actor in (Actor("cust-1", Role.CUSTOMER, customer_id="cust-1"), Actor.visitor()):
        with pytest.raises(PermissionDeniedError):
            rq.list_requests(flow.uow(), flow.shop.clock, flow.shop.ids, actor)
    view = rq.get_request(flow.uow(), flow.shop.clock, flow.shop.ids, MANAGER, first.request.id)
    assert view.overdue


def test_extension_with_notice_within_the_first_month(flow: Flow) -> None:
    """PRV-3 (GDPR art. 12(3)): staff extend the deadline by two months, once, within the
    first month; the person is told why and until when; the extension is logged."""
    flow.open()
    flow.confirm_export(flow.last_token(), answer=False)  # confirmed, being prepared
    (view,) = flow.requests()
    request_id = view.request.id
    flow.clock.advance(timedelta(days=20))
    extended = rq.extend_request(
        flow.uow(), flow.shop.clock, flow.shop.ids, flow.shop.mailer, flow.settings,
        MANAGER, request_id, ExtensionReason.COMPLEXITY,
    )  # fmt: skip
    assert extended.due == date(2027, 2, 24)
    assert (extended.extended_by, extended.extension_reason) == ("manager-1", "complexity")
    notice = flow.mails()[-1]
    assert notice.to == CAMILLE
    assert notice.subject == "Votre demande nécessite un délai supplémentaire"
    assert "24 février 2027" in notice.body
    assert "votre demande est complexe" in notice.body
    flow.clock.set(datetime(2027, 1, 15, 9, 0, tzinfo=UTC))
    (view,) = flow.requests()
    assert not view.overdue
    assert unstructure(view)["extended"] is True
    with pytest.raises(rq.ExtensionNotAllowedError) as refused:
        rq.extend_request(
            flow.uow(), flow.shop.clock, flow.shop.ids, flow.shop.mailer, flow.settings,
            MANAGER, request_id, "number_of_requests",
        )  # fmt: skip
    assert refused.value.details["reason"] == "already_extended"
    with flow.uow() as uow:
        actions = {e.action for e in uow.access_log.entries(actor_id=MANAGER.id)}
    assert "privacy_requests.extend" in actions


def test_extension_refused_late_closed_or_with_an_unknown_reason(flow: Flow) -> None:
    """PRV-3, X-9: after the first month the notice is too late; a closed request cannot
    be extended; an unknown reason is a validation error; customers may not extend."""
    flow.open()
    flow.open("bob@example.com")
    camille_token, bob_token = (token_of(mail) for mail in flow.mails())
    camille, bob = (v.request for v in flow.requests())

    def extend(request: PrivacyRequest, reason: str = "complexity", actor: Actor = MANAGER) -> Any:
        return rq.extend_request(
            flow.uow(), flow.shop.clock, flow.shop.ids, flow.shop.mailer, flow.settings,
            actor, request.id, reason,
        )  # fmt: skip

    with pytest.raises(ValidationError) as refused:
        extend(camille, "holidays")
    assert refused.value.codes == {"reason": "privacy.extension_reason"}
    with pytest.raises(PermissionDeniedError):
        extend(camille, actor=Actor("cust-1", Role.CUSTOMER, customer_id="cust-1"))
    flow.confirm_export(camille_token)
    with pytest.raises(rq.RequestClosedError):
        extend(camille)
    flow.confirm_export(bob_token, answer=False)  # confirmed, still open
    flow.clock.set(datetime(2026, 12, 24, 23, 0, tzinfo=UTC))  # 25 December in Paris
    mails = len(flow.mails())
    with pytest.raises(rq.ExtensionNotAllowedError) as late:
        extend(bob)
    assert late.value.details["reason"] == "too_late"
    assert len(flow.mails()) == mails
    (view,) = flow.requests(open_only=True)
    assert view.request.due == date(2026, 12, 24)
    assert view.overdue


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=0, max_value=40))
def test_overdue_exactly_after_the_last_day(days: int) -> None:
    """PRV-3: open and overdue if and only if the Paris date is past the deadline."""
    shop, clock, _outbox = make_shop()
    seed(shop)
    flow = Flow(shop, clock, _outbox)
    flow.open()
    flow.confirm_export(flow.last_token(), answer=False)  # open until answered
    clock.advance(timedelta(days=days, hours=days % 24))
    (view,) = rq.list_requests(flow.uow(), clock, shop.ids, MANAGER)
    assert view.overdue == (clock_date(clock.now()) > date(2026, 12, 24))
    assert view.days_left == (date(2026, 12, 24) - clock_date(clock.now())).days


# ---------------------------------------------------------------------------- wiring
def test_the_default_registry_holds_every_provider() -> None:
    """PRV-1, PRV-5, PRV-3: every context's provider and the requests' own, bound to the
    default schedule; a new registry at each call; a shop's overrides apply."""
    registry = default_privacy_registry()
    assert registry is not default_privacy_registry()
    bound = registry.bind(RetentionSchedule.defaults())
    assert [p.name for p in bound.providers] == [
        "payments", "orders", "sessions", "accounts", "account_security", "access_log",
        "carts", "reviews", "consents", "privacy",
    ]  # fmt: skip
    categories = {entry.category.id for entry in bound.entries()}
    assert {"orders.completed", "consents.ledger", REQUESTS, BUNDLES} <= categories
    overrides = RetentionSchedule.defaults().with_overrides(periods={"sessions.visitor": "P2D"})
    shop = build_shop(privacy=PrivacySettings(schedule=overrides))
    assert shop.privacy_registry().rule_for("sessions.visitor").period.iso == "P2D"
    assert build_shop().privacy_settings.erasure_key is None


@pytest.mark.parametrize(
    ("options", "setting"),
    [
        ({"answer_within": Period.months(2)}, "answer_within"),
        ({"extension": Period.months(3)}, "extension"),
        ({"answer_within": Period.days(0)}, "answer_within"),
        ({"download_ttl": timedelta(days=8)}, "download_ttl"),
        ({"confirmation_ttl": timedelta(0)}, "confirmation_ttl"),
        ({"requests_per_window": 0}, "requests_per_window"),
        ({"download_path": "//evil.example/x"}, "download_path"),
        ({"shop_name": " "}, "shop_name"),
        ({"erasure_key": "a plain string"}, "erasure_key"),
        ({"export_format": "pdf"}, "export_format"),
        ({"export_format": None}, "export_format"),
    ],
)
def test_settings_refuse_what_the_law_or_safety_forbids(
    options: dict[str, Any], setting: str
) -> None:
    """PRV-3, X-9: no deadline beyond the law's, no link outliving its bundle, no path
    that changes host; every refusal names the setting."""
    with pytest.raises(InvalidPrivacySettingsError) as refused:
        PrivacySettings(**options)
    assert refused.value.details == {"setting": setting}
    assert PrivacySettings(answer_within=Period.days(15)).answer_within.iso == "P15D"


def test_the_export_format_is_html_unless_the_shop_says_zip() -> None:
    """PRV-3, issue #19 item 9: Klickit's policy promises « le fichier comportant
    l'extension HTML », so HTML is the default; ``"zip"`` (any case) is the other choice."""
    assert PrivacySettings().export_format is ExportFormat.HTML
    assert build_shop().privacy_settings.export_format is ExportFormat.HTML
    assert PrivacySettings(export_format=" ZIP ").export_format is ExportFormat.ZIP
    assert PrivacySettings(export_format=ExportFormat.ZIP).export_format is ExportFormat.ZIP
    assert [(f.extension, f.content_type) for f in ExportFormat] == [
        ("html", "text/html; charset=utf-8"),
        ("zip", "application/zip"),
    ]


def test_the_flows_hold_when_every_reading_of_the_clock_moves_it() -> None:
    """PRV-3, PRV-4, X-3: with a clock that moves at each reading, the request, its
    confirmation, delivery, download and erasure still fit together (deadline from
    receipt, link expiry after it, completion after confirmation)."""
    clock = AdvancingClock(NOW, timedelta(minutes=7))
    shop = build_shop(
        clock=clock,
        ids=SequentialIds("id"),
        security=SecuritySettings(base_url=BASE),
        privacy=PrivacySettings(erasure_key=KEY),
    )
    seed(shop)
    flow = Flow(shop, clock, shop.mailer)
    flow.open()
    outcome = flow.confirm_export(flow.last_token())
    request = outcome.request
    assert request.received_at < request.confirmed_at < request.completed_at
    assert request.confirm_by > request.received_at
    assert request.due_on == answer_deadline(request.received_at)
    assert exported(flow.download(flow.last_token()))["subject"]["email"] == CAMILLE
    flow.open(kind=RequestKind.ERASURE)
    erased = flow.confirm_erasure(flow.last_token())
    assert erased.erasure is not None
    assert erased.request.completed_at == erased.erasure.at
