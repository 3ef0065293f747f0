"""PRV-4: erasure — everything erased or anonymised except what the law keeps, with the
legal basis and keep-until date; one transaction; idempotent; audited without data."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klickit_core.adapters.memory.base import MemoryStore
from klickit_core.personal_data import (
    ACCOUNTING_OBLIGATION,
    CategoryErasure,
    DataCategory,
    DataSubject,
    ErasureOutcome,
    KeptRecord,
    RetentionTerms,
)
from klickit_core.privacy.erasure import ErasureReport, erase_subject
from klickit_core.privacy.ports import PrivacyAction
from klickit_core.privacy.registry import BoundRegistry, PrivacyRegistry, ProviderContractError
from klickit_core.privacy.retention import clock_date
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import PermissionDeniedError
from klickit_core.shared.i18n import translate
from klickit_core.shared.serialisation import unstructure
from klickit_core.testing import SequentialIds

from .fakes import (
    LONG,
    NOW,
    SHORT,
    FakeUnitOfWork,
    Note,
    NotesProvider,
    add_notes,
    all_notes,
    registry,
    schedule,
)

ANA = DataSubject.of("ana@example.fr", "cust-ana")
ADMIN = Actor("admin-1", Role.ADMINISTRATOR)


def note(note_id: str, category: str, days_ago: int, email: str = "ana@example.fr") -> Note:
    return Note(note_id, category, email, "Ana", "text", NOW - timedelta(days=days_ago))


NOTES = [
    note("n-01", SHORT, 40),  # past its period
    note("n-02", SHORT, 1),  # inside: erased anyway, nothing obliges the shop to keep it
    note("n-03", LONG, 30),  # inside its year: kept for the accounts
    note("n-04", LONG, 400),  # past its year: anonymised
    note("n-05", SHORT, 1, email="bob@example.com"),
    note("n-06", LONG, 30, email="bob@example.com"),
]


def setup() -> tuple[MemoryStore, BoundRegistry[FakeUnitOfWork], SequentialIds]:
    store = MemoryStore()
    add_notes(store, NOTES)
    return store, registry().bind(schedule()), SequentialIds("e")


def erase(
    store: MemoryStore,
    bound: BoundRegistry[FakeUnitOfWork],
    ids: SequentialIds,
    *,
    actor: Actor = ADMIN,
    dry_run: bool = False,
    now: datetime = NOW,
) -> ErasureReport:
    return erase_subject(
        bound,
        FakeUnitOfWork(store),
        actor,
        ANA,
        now=now,
        ids=ids,
        reference="req-7",
        dry_run=dry_run,
    )


def test_erasure_removes_anonymises_and_keeps_with_basis_and_date() -> None:
    store, bound, ids = setup()
    report = erase(store, bound, ids)
    left = all_notes(store)
    assert set(left) == {"n-03", "n-04", "n-05", "n-06"}
    assert left["n-04"].anonymised
    assert left["n-04"].email == ""
    assert left["n-03"] == NOTES[2]  # kept as it is
    assert (left["n-05"], left["n-06"]) == (NOTES[4], NOTES[5])  # Bob is untouched
    assert (report.deleted, report.anonymised) == (2, 1)
    assert report.changed
    (kept,) = report.kept
    assert kept == KeptRecord(
        LONG, "n-03", ACCOUNTING_OBLIGATION, clock_date(NOW - timedelta(days=30)).replace(2027)
    )
    assert report.kept_until == kept.keep_until == date(2027, 10, 25)
    assert "ana@" not in repr(report)


def test_erasure_is_idempotent() -> None:
    store, bound, ids = setup()
    first = erase(store, bound, ids)
    after_once = all_notes(store)
    second = erase(store, bound, ids)
    assert all_notes(store) == after_once
    assert not second.changed
    assert (second.deleted, second.anonymised) == (0, 0)
    assert second.kept == first.kept


@settings(max_examples=30)
@given(st.integers(0, 800))
def test_erasure_then_time_then_erasure_never_keeps_past_the_date(days_later: int) -> None:
    """What was kept is kept until its date, and an erasure after that date removes it."""
    store, bound, ids = setup()
    first = erase(store, bound, ids)
    later = NOW + timedelta(days=days_later)
    second = erase(store, bound, ids, now=later)
    for kept in second.kept:
        assert kept.keep_until >= clock_date(later)
    if clock_date(later) > first.kept_until:  # type: ignore[operator]
        assert second.kept == ()
        assert second.anonymised == 1


def test_a_dry_run_changes_nothing_and_reports_the_same() -> None:
    store, bound, ids = setup()
    dry = erase(store, bound, ids, dry_run=True)
    assert all_notes(store) == {n.id: n for n in NOTES}
    real = erase(store, bound, ids)
    assert (dry.deleted, dry.anonymised, dry.kept) == (real.deleted, real.anonymised, real.kept)
    uow = FakeUnitOfWork(store)
    with uow:
        entries = uow.privacy_audit.entries()
    assert len(entries) == 1  # the dry run left nothing, not even an audit entry


def test_the_audit_entry_counts_and_holds_no_personal_data() -> None:
    store, bound, ids = setup()
    erase(store, bound, ids)
    uow = FakeUnitOfWork(store)
    with uow:
        (entry,) = uow.privacy_audit.entries(action=PrivacyAction.ERASURE)
    assert entry.reference == "req-7"
    assert entry.actor_id == ADMIN.id
    text = json.dumps(unstructure(entry)) + repr(entry)
    assert "ana" not in text.lower().replace("anonymised", "")
    long = next(t for t in entry.tallies if t.category_id == LONG)
    assert (long.anonymised, long.kept_total) == (1, 1)
    assert long.kept[0].reason.code == ACCOUNTING_OBLIGATION.code


def test_the_report_reads_in_french_and_english() -> None:
    store, bound, ids = setup()
    report = erase(store, bound, ids)
    french = unstructure(report, locale="fr")
    long = next(c for c in french["categories"] if c["category"] == LONG)
    assert long["kept"] == [
        {
            "reference": "n-03",
            "legal_basis": "fr.commerce.l123_22",
            "legal_basis_label": translate(ACCOUNTING_OBLIGATION.label, "fr"),
            "keep_until": "2027-10-25",
        }
    ]
    assert translate(ACCOUNTING_OBLIGATION.label, "fr") != ACCOUNTING_OBLIGATION.label
    assert unstructure(report)["deleted"] == 2


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        # Customers ask through the request flow, whose emailed link is the proof.
        (Actor("cust-ana", Role.CUSTOMER, "cust-ana"), False),
        (Actor.system("privacy-request"), True),
        (ADMIN, True),
        (Actor("cust-bob", Role.CUSTOMER, "cust-bob"), False),
        (Actor("manager-1", Role.SHOP_MANAGER), False),
        (Actor.visitor(), False),
    ],
)
def test_who_may_erase(actor: Actor, allowed: bool) -> None:
    store, bound, ids = setup()
    if allowed:
        erase(store, bound, ids, actor=actor)
    else:
        with pytest.raises(PermissionDeniedError):
            erase(store, bound, ids, actor=actor)
        assert all_notes(store) == {n.id: n for n in NOTES}


class Broken(NotesProvider):
    """Answers erasures wrongly, or fails after another provider already wrote."""

    def __init__(self, answer: str) -> None:
        super().__init__()
        self.answer = answer

    @property
    def name(self) -> str:
        return "broken"

    def categories(self) -> Sequence[DataCategory]:
        return tuple(attrs.evolve(c, id=f"{c.id}_b") for c in super().categories())

    def erase(
        self,
        uow: FakeUnitOfWork,
        subject: DataSubject,
        *,
        now: datetime,
        retention: RetentionTerms,
        dry_run: bool,
    ) -> ErasureOutcome:
        if self.answer == "crash":
            raise RuntimeError
        if self.answer == "foreign":
            return ErasureOutcome("broken", (CategoryErasure(SHORT, deleted=1),))
        if self.answer == "not_its":
            return ErasureOutcome("notes", ())
        past = KeptRecord(f"{LONG}_b", "x", ACCOUNTING_OBLIGATION, date(2020, 1, 1))
        return ErasureOutcome("broken", (CategoryErasure(f"{LONG}_b", kept=(past,)),))


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("foreign", "foreign_category"),
        ("not_its", "not_its_outcome"),
        ("late", "kept_past_its_period"),
    ],
)
def test_provider_answers_are_checked_and_nothing_is_half_done(answer: str, reason: str) -> None:
    store = MemoryStore()
    add_notes(store, NOTES)
    bound = PrivacyRegistry([NotesProvider(), Broken(answer)]).bind(
        schedule()
    )  # notes erases first, then the broken provider answers
    with pytest.raises(ProviderContractError) as caught:
        erase(store, bound, SequentialIds())
    assert caught.value.details == {"provider": "broken", "reason": reason}
    assert all_notes(store) == {n.id: n for n in NOTES}  # the notes' deletions rolled back


def test_a_provider_failure_rolls_everything_back() -> None:
    store = MemoryStore()
    add_notes(store, NOTES)
    bound = PrivacyRegistry([NotesProvider(), Broken("crash")]).bind(schedule())
    with pytest.raises(RuntimeError):
        erase(store, bound, SequentialIds())
    assert all_notes(store) == {n.id: n for n in NOTES}
