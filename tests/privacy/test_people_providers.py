"""PRV-1 … PRV-5, SES-1, SEC-1, X-6: the people-side providers (accounts, account security,
access log, sessions, carts, reviews, consents) through the privacy engine, on memory,
SQLite and PostgreSQL.

* the registry binds them to the default schedule;
* the export holds everything of the person and never a password hash, a token or a
  session id, and a review signed ``<script>`` stays text in the HTML;
* erasure leaves none of the person's email, name, phone, IP or address anywhere but in
  the consent proofs kept under a legal basis (every text column of every SQL table is
  scanned), twice is once, a dry run writes nothing;
* the sweep, at instants told by an advancing clock, never removes anything inside its
  period, always removes what is past it, and twice is once (Hypothesis, few examples on
  SQL).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klickit_core.accounts.domain import Customer
from klickit_core.accounts.personal_data import (
    ACCESS_LOG_CATEGORY,
    ACCOUNTS_CATEGORY,
    ATTEMPTS_CATEGORY,
    EVENTS_CATEGORY,
    NOTICE_MISSING,
    RECOVERY_CATEGORY,
    STAFF_ACCOUNTABILITY,
    TOKENS_CATEGORY,
    AccountsProvider,
)
from klickit_core.accounts.security import AttemptOutcome, LoginAttempt, LostCredentialsRequest
from klickit_core.adapters.export import HtmlBundleRenderer
from klickit_core.adapters.memory import MemoryStore
from klickit_core.adapters.sql import SqlStore
from klickit_core.cart.domain import Cart, CartLine
from klickit_core.cart.personal_data import CARTS_CATEGORY
from klickit_core.catalogue.domain import Review
from klickit_core.catalogue.personal_data import PUBLISHED_CATEGORY, REVIEWS_CATEGORY
from klickit_core.consents.domain import ConsentRecord
from klickit_core.consents.personal_data import (
    CONSENT_PROOF,
    CONSENTS_CATEGORY,
    STANDING_CATEGORY,
    consent_clocks,
    erasure_withdrawal_id,
)
from klickit_core.personal_data import DataSubject
from klickit_core.privacy.bundle import bundle_to_json
from klickit_core.privacy.erasure import erase_subject
from klickit_core.privacy.export import export_subject
from klickit_core.privacy.registry import PrivacyRegistry, RegistryScheduleError
from klickit_core.privacy.retention import RetentionSchedule, is_due, keep_until
from klickit_core.privacy.sweep import run_sweep
from klickit_core.sessions.domain import VisitorSession
from klickit_core.sessions.personal_data import SESSIONS_CATEGORY
from klickit_core.shared.access_log import AccessLogEntry
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.security_events import SecurityEvent
from klickit_core.shared.tokens import OneTimeToken
from klickit_core.testing import AdvancingClock, SequentialIds
from klickit_core.testing.contracts import sql
from klickit_core.testing.contracts.builders import order

from . import people
from .people import (
    DAY,
    EMAIL,
    HOSTILE,
    IP,
    NOW,
    PASSWORD_HASH,
    PERSONAL_VALUES,
    TOKEN_ID,
    VERIFIER_HASH,
    ZOE,
)

JOB = Actor.system("retention-sweep")
ADMIN = Actor("admin-1", Role.ADMINISTRATOR)
SCHEDULE = RetentionSchedule.defaults()
RULES = {rule.id: rule for rule in SCHEDULE.rules}
Factory = Callable[[], Any]


# ---------------------------------------------------------------------------- backends
@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStore]:
    with sql.sqlite_store(tmp_path_factory.mktemp("people") / "klickit.db") as store:
        yield store


@pytest.fixture(scope="module")
def postgres_store() -> Iterator[SqlStore]:
    with sql.postgres_store(sql.postgres_url_or_skip(), prefix="klickit_people") as store:
        yield store


class Backend:
    """A store of one kind, emptied on demand, and how to scan it for personal data."""

    def __init__(self, name: str, sql_store: SqlStore | None) -> None:
        self.name = name
        self.sql_store = sql_store
        self.memory: MemoryStore | None = None

    def fresh(self) -> Factory:
        """A unit-of-work factory on an empty store."""
        if self.sql_store is None:
            self.memory = MemoryStore()
            return self.memory.unit_of_work
        sql.empty(self.sql_store)
        return self.sql_store.unit_of_work

    def hits(self, values: tuple[str, ...]) -> set[str]:
        """The tables holding one of ``values``."""
        if self.sql_store is None:
            assert self.memory is not None
            return {table for table, _key in people.memory_hits(self.memory, values)}
        return {table for table, _column in people.sql_hits(self.sql_store, values)}


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "memory":
        return Backend("memory", None)
    return Backend(request.param, request.getfixturevalue(f"{request.param}_store"))


def seeded(backend: Backend) -> Factory:
    factory = backend.fresh()
    with factory() as uow:
        people.seed(uow)
        uow.commit()
    return factory


# ---------------------------------------------------------------------------- registry
def test_the_providers_bind_to_the_default_schedule() -> None:
    """PRV-1: every category names a default rule, starts from its event, and can apply
    its action; the reviews may be deleted instead of anonymised, sessions may not."""
    bound = people.registry().bind(SCHEDULE)
    rules = {entry.category.id: bound.rule_for(entry.category.id).id for entry in bound.entries()}
    assert rules == {
        ACCOUNTS_CATEGORY: "accounts.inactive",
        ATTEMPTS_CATEGORY: "accounts.login_attempts",
        TOKENS_CATEGORY: "security.tokens",
        EVENTS_CATEGORY: "security.events",
        RECOVERY_CATEGORY: "contact.messages",
        ACCESS_LOG_CATEGORY: "staff.access_log",
        SESSIONS_CATEGORY: "sessions.visitor",
        CARTS_CATEGORY: "carts.saved",
        REVIEWS_CATEGORY: "reviews.erased_authors",
        PUBLISHED_CATEGORY: "reviews.published",
        CONSENTS_CATEGORY: "consents.proofs",
        STANDING_CATEGORY: "consents.standing",
    }
    people.registry().bind(SCHEDULE.with_overrides(actions={"reviews.erased_authors": "delete"}))
    with pytest.raises(RegistryScheduleError) as refused:
        people.registry().bind(SCHEDULE.with_overrides(actions={"sessions.visitor": "anonymise"}))
    assert refused.value.codes == {f"{SESSIONS_CATEGORY}.action": "privacy.unsupported_action"}


def test_a_negative_notice_period_is_refused() -> None:
    """PRV-1: the notice before deletion is a duration of zero or more."""
    with pytest.raises(ValueError, match="notice period"):
        AccountsProvider(notice_period=timedelta(days=-1))


# ---------------------------------------------------------------------------- export
def test_export_holds_everything_of_the_person_and_no_secret(backend: Backend) -> None:
    """PRV-3, PRV-5, SEC-1, SES-1, X-6: every category, typed; never the password hash, the
    token (its id or its verifier's hash) nor the session id; Bob's data stays out."""
    factory = seeded(backend)
    bound = people.registry().bind(SCHEDULE)
    bundle = export_subject(bound, factory(), JOB, ZOE, now=NOW, ids=SequentialIds("x"))
    sections = {section.category_id: section for section in bundle.sections}
    assert set(sections) == {
        ACCOUNTS_CATEGORY,
        ATTEMPTS_CATEGORY,
        TOKENS_CATEGORY,
        EVENTS_CATEGORY,
        RECOVERY_CATEGORY,
        ACCESS_LOG_CATEGORY,
        SESSIONS_CATEGORY,
        CARTS_CATEGORY,
        REVIEWS_CATEGORY,
        CONSENTS_CATEGORY,
    }
    counts = {key: len(section.records) for key, section in sections.items()}
    assert counts == {
        ACCOUNTS_CATEGORY: 1,
        ATTEMPTS_CATEGORY: 2,
        TOKENS_CATEGORY: 1,
        EVENTS_CATEGORY: 1,
        RECOVERY_CATEGORY: 1,
        ACCESS_LOG_CATEGORY: 2,
        SESSIONS_CATEGORY: 1,
        CARTS_CATEGORY: 1,
        REVIEWS_CATEGORY: 2,
        CONSENTS_CATEGORY: 6,
    }
    account = {f.key: f.value for f in sections[ACCOUNTS_CATEGORY].records[0].fields}
    assert account["email"] == EMAIL
    assert account["password_set"] is True
    session = {f.key: f.value for f in sections[SESSIONS_CATEGORY].records[0].fields}
    assert session["ip_address"] == IP
    assert "Talence" in str(session["shipping_address"])
    assert session["customer_account"] == "c-zoe"  # the declared account link (issue #19)
    cart = {f.key: f.value for f in sections[CARTS_CATEGORY].records[0].fields}
    assert cart["updated_at"] == NOW - timedelta(days=1)  # the carts.saved clock (issue #19)
    staff = [{f.key: f.value for f in r.fields} for r in sections[ACCESS_LOG_CATEGORY].records]
    assert [row["staff"] for row in staff] == ["admin-1", "manager-1"]
    document = bundle_to_json(bundle)
    for secret in (PASSWORD_HASH, VERIFIER_HASH, TOKEN_ID, "sess-zoe-cookie-value"):
        assert secret not in document
    assert "bob@example.com" not in document
    assert json.loads(document)["subject"]["email"] == EMAIL


def test_staff_reads_of_every_record_of_the_person_are_in_the_export(backend: Backend) -> None:
    """PRV-3, X-6 (issue #14's fewer statements): the access log's section holds the reads
    naming her account, her orders (by email or by account), her reviews, consents and
    lost-credentials request, found through one key list on SQL; reads of Bob's records
    and of her anonymised order stay out."""
    factory = seeded(backend)
    gone = order("o-zoe-old", customer_id="c-zoe", email=EMAIL).anonymised(NOW - DAY)
    with factory() as uow:
        uow.orders.add(order("o-zoe-guest", customer_id=None, email=EMAIL))
        uow.orders.add(order("o-zoe", customer_id="c-zoe", email="zoe.old@example.fr"))
        uow.orders.add(order("o-bob", customer_id="c-bob", email="bob@example.com"))
        uow.orders.add(gone)
        subjects = ["o-zoe-guest", "o-zoe", "r-zoe-2", "k-4", "lc-1", "o-bob", "r-bob", gone.id]
        for number, subject in enumerate(subjects):
            at = NOW - timedelta(minutes=number + 1)
            uow.access_log.add(
                AccessLogEntry(
                    f"al-x{number}", "manager-1", "shop_manager", "orders.read", subject, at
                )
            )
        uow.commit()
    bound = people.registry().bind(SCHEDULE)
    bundle = export_subject(bound, factory(), JOB, ZOE, now=NOW, ids=SequentialIds("x"))
    (section,) = [s for s in bundle.sections if s.category_id == ACCESS_LOG_CATEGORY]
    found = {
        field.value for record in section.records for field in record.fields if field.key == "at"
    }
    hers = {NOW - timedelta(minutes=number + 1) for number in range(5)}
    assert found == hers | {NOW - 9 * DAY, NOW - 500 * DAY}  # and the two reads of her account


def test_a_review_signed_with_markup_stays_text_in_the_html() -> None:
    """PRV-3, CAT-2: ``<script>`` typed in a review's name and text is exported as the text
    it is, and the HTML renderer escapes it."""
    store = MemoryStore()
    with store.unit_of_work() as uow:
        people.seed(uow)
        uow.commit()
    bound = people.registry().bind(SCHEDULE)
    bundle = export_subject(
        bound, store.unit_of_work(), JOB, ZOE, now=NOW, ids=SequentialIds("x"), locale="en"
    )
    reviews = next(s for s in bundle.sections if s.category_id == REVIEWS_CATEGORY)
    names = [f.value for r in reviews.records for f in r.fields if f.key == "author_name"]
    assert people.REVIEW_NAME in names
    html = HtmlBundleRenderer().render(bundle, "en")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert HOSTILE in bundle_to_json(bundle)


# ---------------------------------------------------------------------------- erasure
def test_erasure_leaves_nothing_of_the_person_but_the_kept_proofs(backend: Backend) -> None:
    """PRV-4, PRV-5: after erasure the person's email, name, phone, IP and addresses appear
    in no table but the consent ledger, whose rows are exactly the ones reported kept, with
    their legal basis and last day; Bob's data is untouched; twice is once."""
    factory = seeded(backend)
    bound = people.registry().bind(SCHEDULE)
    report = erase_subject(bound, factory(), ADMIN, ZOE, now=NOW, ids=SequentialIds("e"))
    by_category = {c.category_id: c for o in report.outcomes for c in o.categories}
    summary = {key: (c.deleted, c.anonymised, len(c.kept)) for key, c in by_category.items()}
    assert summary == {
        ACCOUNTS_CATEGORY: (1, 0, 0),
        ATTEMPTS_CATEGORY: (2, 0, 0),
        TOKENS_CATEGORY: (1, 0, 0),
        EVENTS_CATEGORY: (0, 1, 0),
        RECOVERY_CATEGORY: (1, 0, 0),
        ACCESS_LOG_CATEGORY: (1, 0, 1),  # the read 500 days ago is past its year
        SESSIONS_CATEGORY: (1, 0, 0),
        CARTS_CATEGORY: (1, 0, 0),
        REVIEWS_CATEGORY: (1, 1, 0),  # the pending review goes, the published one is unsigned
        CONSENTS_CATEGORY: (2, 0, 4),  # the newsletter proofs are past their five years
        STANDING_CATEGORY: (1, 0, 0),  # the terms of an order that is gone (PRV-5)
    }
    withdrawal = erasure_withdrawal_id("k-7")
    kept = {(k.category_id, k.reference): (k.legal_basis, k.keep_until) for k in report.kept}
    proofs, log = RULES["consents.proofs"], RULES["staff.access_log"]
    assert kept == {
        (CONSENTS_CATEGORY, "k-7"): (CONSENT_PROOF, keep_until(proofs, NOW)),
        (CONSENTS_CATEGORY, withdrawal): (CONSENT_PROOF, keep_until(proofs, NOW)),
        (CONSENTS_CATEGORY, "k-4"): (CONSENT_PROOF, keep_until(proofs, NOW - 300 * DAY)),
        (CONSENTS_CATEGORY, "k-5"): (CONSENT_PROOF, keep_until(proofs, NOW - 300 * DAY)),
        (ACCESS_LOG_CATEGORY, "al-1"): (STAFF_ACCOUNTABILITY, keep_until(log, NOW - 9 * DAY)),
    }
    # Only the consent ledger still holds any of Zoé's data, and only the kept proofs.
    assert backend.hits(PERSONAL_VALUES) == {"consents"}
    with factory() as uow:
        ledger = uow.consents.for_subject(EMAIL)
        assert {r.id for r in ledger} == {"k-7", withdrawal, "k-4", "k-5"}
        assert uow.reviews.get("r-zoe-1").is_anonymised
        assert uow.reviews.get("r-zoe-1").text.startswith("Très beau mug")
        assert uow.reviews.get("r-zoe-2") is None
        # Bob is untouched.
        assert uow.customers.get("c-bob") is not None
        assert uow.carts.get("c-bob") == Cart((CartLine("TEA", 1),))
        assert uow.sessions.get("sess-bob") is not None
        assert uow.reviews.get("r-bob").author_name == "Bob"
        assert [a.id for a in uow.login_attempts.for_customer("c-bob")] == ["la-3"]
        assert [r.id for r in uow.consents.for_subject("bob@example.com")] == ["k-6"]
    again = erase_subject(bound, factory(), ADMIN, ZOE, now=NOW + DAY, ids=SequentialIds("f"))
    assert not again.changed
    assert sorted(again.kept, key=repr) == sorted(report.kept, key=repr)


def test_a_dry_run_erasure_writes_nothing(backend: Backend) -> None:
    """PRV-4: a dry run reports what would go and changes nothing."""
    factory = seeded(backend)
    bound = people.registry().bind(SCHEDULE)
    before = backend.hits(PERSONAL_VALUES)
    report = erase_subject(
        bound, factory(), ADMIN, ZOE, now=NOW, ids=SequentialIds("e"), dry_run=True
    )
    assert report.deleted == 12
    assert report.anonymised == 2
    assert backend.hits(PERSONAL_VALUES) == before
    with factory() as uow:
        assert uow.customers.get("c-zoe") is not None
        assert len(uow.consents.for_subject(EMAIL)) == 6


def test_an_account_found_by_email_takes_what_hangs_off_it() -> None:
    """PRV-4: a request that names only the email still removes the account's cart,
    sessions, tokens and attempts, and strips its security events."""
    store = MemoryStore()
    with store.unit_of_work() as uow:
        people.seed(uow)
        uow.commit()
    bound = people.registry().bind(SCHEDULE)
    erase_subject(
        bound, store.unit_of_work(), ADMIN, DataSubject.of(EMAIL), now=NOW, ids=SequentialIds("e")
    )
    assert {table for table, _key in people.memory_hits(store, PERSONAL_VALUES)} == {"consents"}
    with store.unit_of_work() as uow:
        assert uow.carts.get("c-zoe") is None
        assert uow.sessions.for_customer("c-zoe") == []
        assert uow.tokens.for_subject("c-zoe") == []
        assert uow.security_events.for_customer("c-zoe") == []


# ---------------------------------------------------------------------------- sweep


@st.composite
def worlds(draw: st.DrawFn) -> dict[str, Any]:
    """Records of every people-side kind, with clocks from now back to six years."""
    hours = st.integers(0, 6 * 366 * 24)

    def ages(max_size: int) -> list[timedelta]:
        return [h * timedelta(hours=1) for h in draw(st.lists(hours, max_size=max_size))]

    accounts = []
    for index, age in enumerate(ages(4)):
        login = draw(st.one_of(st.none(), hours))
        accounts.append((f"c-{index}", age, None if login is None else login * timedelta(hours=1)))
    consents = []
    for group in range(3):
        steps = draw(st.lists(st.tuples(hours, st.booleans()), max_size=3))
        for step, (age, granted) in enumerate(sorted(steps, key=lambda s: -s[0])):
            consents.append(
                (f"k-{group}-{step}", f"p{group}@example.fr", age * timedelta(hours=1), granted)
            )
    return {
        "accounts": accounts,
        "sessions": ages(4),
        "attempts": ages(4),
        "tokens": [age - 3 * DAY for age in ages(3)],  # some expire in the future
        "events": ages(3),
        "log": ages(3),
        "requests": ages(3),
        "consents": consents,
    }


def populate(factory: Factory, world: dict[str, Any]) -> None:
    with factory() as uow:
        for cid, age, login in world["accounts"]:
            at = NOW - age
            uow.customers.add(
                Customer(cid, f"{cid}@example.fr", "Camille", "Martin", at, at, phone=None)
            )
            uow.carts.save(cid, Cart((CartLine("MUG", 1),)), at=at)
            uow.reviews.add(
                Review(f"r-{cid}", "MUG", 4, "Bien", "Camille", f"{cid}@example.fr", at, cid)
            )
            if login is not None:
                uow.login_attempts.add(
                    LoginAttempt(f"la-{cid}", NOW - login, AttemptOutcome.SUCCEEDED, cid, IP)
                )
        uow.carts.save("c-ghost", Cart((CartLine("TEA", 1),)), at=NOW)
        for i, age in enumerate(world["sessions"]):
            uow.sessions.add(VisitorSession(f"s-{i}", NOW - age - DAY, NOW - age, ip_address=IP))
        for i, age in enumerate(world["attempts"]):
            uow.login_attempts.add(
                LoginAttempt(f"a-{i}", NOW - age, AttemptOutcome.FAILED, None, IP)
            )
        for i, age in enumerate(world["tokens"]):
            expires = NOW - age
            uow.tokens.add(
                OneTimeToken(
                    f"t-{i}", "privacy.download", f"req-{i}", "ab" * 32, expires - DAY, expires
                )
            )
        for i, age in enumerate(world["events"]):
            uow.security_events.add(
                SecurityEvent(f"e-{i}", "login.lockout.ip", NOW - age, ip_address=IP)
            )
        for i, age in enumerate(world["log"]):
            uow.access_log.add(
                AccessLogEntry(
                    f"al-{i}", "manager-1", "shop_manager", "customers.read", "c-x", NOW - age
                )
            )
        for i, age in enumerate(world["requests"]):
            uow.lost_credentials.add(
                LostCredentialsRequest(f"q-{i}", NOW - age, "Camille", "c@example.fr", "Perdu")
            )
        for record_id, email, age, granted in world["consents"]:
            uow.consents.add(
                ConsentRecord(record_id, email, "newsletter", "v1", granted, NOW - age, "account")
            )
        uow.commit()


def due(rule_id: str, clock: datetime | None, now: datetime) -> bool:
    return clock is not None and is_due(RULES[rule_id], clock, now)


def check(factory: Factory, world: dict[str, Any], now: datetime) -> None:
    """Everything past its period is gone, everything inside it is there."""
    with factory() as uow:
        deleted_accounts = set()
        for cid, age, login in world["accounts"]:
            last = max(NOW - age, NOW - login) if login is not None else NOW - age
            gone = due("accounts.inactive", last, now)
            assert (uow.customers.get(cid) is None) == gone, cid
            # A cart goes with its account, or unchanged past carts.saved (issue #19).
            cart_gone = gone or due("carts.saved", NOW - age, now)
            assert (uow.carts.get(cid) is None) == cart_gone, cid
            assert uow.reviews.get(f"r-{cid}").is_anonymised == gone
            if gone:
                deleted_accounts.add(cid)
            if login is not None:
                attempt_gone = gone or due("accounts.login_attempts", NOW - login, now)
                assert (uow.login_attempts.for_customer(cid) == []) == attempt_gone
        assert uow.carts.get("c-ghost") is None
        for i, age in enumerate(world["sessions"]):
            assert (uow.sessions.get(f"s-{i}") is None) == due("sessions.visitor", NOW - age, now)
        failures = uow.login_attempts.count_failures(NOW - 10 * 366 * DAY, ip_address=IP)
        assert failures == sum(
            not due("accounts.login_attempts", NOW - age, now) for age in world["attempts"]
        )
        for i, age in enumerate(world["tokens"]):
            assert (uow.tokens.get(f"t-{i}") is None) == due("security.tokens", NOW - age, now)
        events = {e.id for e in uow.security_events.events(limit=100)}
        for i, age in enumerate(world["events"]):
            assert (f"e-{i}" not in events) == due("security.events", NOW - age, now)
        log = {e.id for e in uow.access_log.about("c-x")}
        for i, age in enumerate(world["log"]):
            assert (f"al-{i}" not in log) == due("staff.access_log", NOW - age, now)
        for i, age in enumerate(world["requests"]):
            gone = uow.lost_credentials.get(f"q-{i}") is None
            assert gone == due("contact.messages", NOW - age, now)
        records = [
            ConsentRecord(rid, email, "newsletter", "v1", granted, NOW - age, "account")
            for rid, email, age, granted in world["consents"]
        ]
        clocks = consent_clocks(records)
        left = {
            r.id
            for email in ("p0", "p1", "p2")
            for r in uow.consents.for_subject(f"{email}@example.fr")
        }
        for record in records:
            clock = clocks[record.id]
            ended = (  # a grant in force ends from when it was given (issue #12)
                due("consents.proofs", clock, now)
                if clock is not None
                else due("consents.standing", record.at, now)
            )
            assert (record.id not in left) == ended, record.id


def sweep_property(factory: Factory, world: dict[str, Any], steps: list[int]) -> None:
    populate(factory, world)
    bound = people.registry().bind(SCHEDULE)
    ids = SequentialIds("run")
    clock = AdvancingClock(NOW, step=timedelta(days=1))
    for days in steps:
        now = clock.advance(timedelta(days=days))
        run_sweep(bound, factory, JOB, now=now, ids=ids, batch_size=2)
        check(factory, world, now)
        again = run_sweep(bound, factory, JOB, now=now, ids=ids, batch_size=3)
        assert (again.deleted, again.anonymised) == (0, 0)  # twice = once
        check(factory, world, now)


_MEMORY = settings(max_examples=30, deadline=None)
_SQL = settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
STEPS = st.lists(st.integers(0, 800), min_size=1, max_size=3)


@_MEMORY
@given(world=worlds(), steps=STEPS)
def test_the_sweep_removes_exactly_what_is_past_its_period(
    world: dict[str, Any], steps: list[int]
) -> None:
    """PRV-1, PRV-2, SES-1: at every instant of an advancing clock, what is past its period
    is gone (an inactive account with its cart, its attempts and its reviews' signature),
    what is inside it is there, and a second run changes nothing."""
    sweep_property(MemoryStore().unit_of_work, world, steps)


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
@_SQL
@given(world=worlds(), steps=STEPS)
def test_the_sql_sweep_removes_exactly_what_is_past_its_period(
    request: pytest.FixtureRequest, kind: str, world: dict[str, Any], steps: list[int]
) -> None:
    """PRV-2 on SQL: the same property through the set-based statements."""
    store: SqlStore = request.getfixturevalue(f"{kind}_store")
    sql.empty(store)
    sweep_property(store.unit_of_work, world, steps)


def test_inactive_accounts_wait_for_their_notice(backend: Backend) -> None:
    """PRV-1 (CNIL: notice before deletion): with ``require_notice`` an inactive account
    never told is kept, and the report says why; once told, it goes after the notice
    period."""
    factory = backend.fresh()
    with factory() as uow:
        old = NOW - 800 * DAY
        uow.customers.add(Customer("c-old", "old@example.fr", "Ana", "Old", old, old))
        uow.commit()
    strict = PrivacyRegistry([AccountsProvider(require_notice=True)]).bind(SCHEDULE)
    ids = SequentialIds("run")
    report = run_sweep(strict, factory, JOB, now=NOW, ids=ids)
    tally = report.category(ACCOUNTS_CATEGORY).tally
    assert (tally.examined, tally.deleted) == (1, 0)
    assert [(k.reason.code, k.count) for k in tally.kept] == [(NOTICE_MISSING.code, 1)]
    with factory() as uow:
        uow.customers.record_inactivity_notice("c-old", NOW)
        uow.commit()
    soon = run_sweep(strict, factory, JOB, now=NOW + 10 * DAY, ids=ids)
    assert soon.category(ACCOUNTS_CATEGORY).tally.deleted == 0
    later = run_sweep(strict, factory, JOB, now=NOW + 31 * DAY, ids=ids)
    assert later.category(ACCOUNTS_CATEGORY).tally.deleted == 1
    with factory() as uow:
        assert uow.customers.get("c-old") is None


def test_a_login_swept_a_month_ago_still_counts_as_activity(backend: Backend) -> None:
    """PRV-1: the attempts sweep carries the last successful login to the account, so an
    account used 40 days ago is not deleted though its attempts are gone."""
    factory = backend.fresh()
    created = NOW - 3 * 365 * DAY
    with factory() as uow:
        uow.customers.add(Customer("c-1", "ana@example.fr", "Ana", "Lopez", created, created))
        uow.login_attempts.add(
            LoginAttempt("la-1", NOW - 40 * DAY, AttemptOutcome.SUCCEEDED, "c-1", IP)
        )
        uow.commit()
    bound = people.registry().bind(SCHEDULE)
    report = run_sweep(bound, factory, JOB, now=NOW, ids=SequentialIds("run"))
    assert report.category(ATTEMPTS_CATEGORY).tally.deleted == 1
    assert report.category(ACCOUNTS_CATEGORY).tally.deleted == 0
    with factory() as uow:
        assert uow.customers.get("c-1") is not None
        activity = uow.customers.activity("c-1")
        assert activity is not None
        assert activity.last_login_at == NOW - 40 * DAY
