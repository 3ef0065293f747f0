"""A fake context holding personal data ("notes"), its provider, and a unit of work that
carries the privacy ports: what the privacy engine tests run on.

The provider behaves as the contract asks a real one to: keyset paging on the note id,
due records only (clock strictly before the cutoff), anonymised notes leave the category,
held notes are kept with a reason, and a dry run writes nothing. It can be told to crash
after a number of batches, *after* writing, to prove the engine's rollback and resume.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import attrs

from klickit_core.adapters.memory.base import MISSING, MemoryStore, MemoryTransaction
from klickit_core.adapters.memory.orders_accounts import MemoryAccessLog
from klickit_core.adapters.memory.privacy import MemoryPrivacyAuditLog, MemorySweepCheckpoints
from klickit_core.personal_data import (
    ACCOUNTING_OBLIGATION,
    CONSENT,
    CategoryErasure,
    ClockEvent,
    DataCategory,
    DataSubject,
    ErasureOutcome,
    ExportField,
    ExportRecord,
    ExportSection,
    FieldKind,
    KeepReason,
    KeptCount,
    KeptRecord,
    PersonalDataProvider,
    PersonalField,
    RetentionAction,
    RetentionTerms,
    SweepBatch,
    SweepCursor,
    SweepTask,
)
from klickit_core.privacy.bundle import CategoryNotice, ExportBundle
from klickit_core.privacy.registry import PrivacyRegistry
from klickit_core.privacy.retention import Period, RetentionRule, RetentionSchedule

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
SHORT = "notes.short"  # deleted 10 days after creation
LONG = "notes.long"  # anonymised 1 year after completion; held notes are kept
DISPUTE = KeepReason("open_dispute", "An open dispute")

RULES = (
    RetentionRule(
        "test.short",
        Period.days(10),
        ClockEvent.CREATION,
        RetentionAction.DELETE,
        "Short notes",
        "Test default",
    ),
    RetentionRule(
        "test.long",
        Period.years(1),
        ClockEvent.COMPLETION,
        RetentionAction.ANONYMISE,
        "Long notes",
        "Test default",
    ),
)


def schedule() -> RetentionSchedule:
    """The test rules beside the library's defaults."""
    return RetentionSchedule.defaults().with_rules(*RULES)


@attrs.frozen
class Note:
    """One record of the fake context."""

    id: str  # zero-padded, so that text order is key order
    category: str
    email: str
    name: str
    text: str
    clock_at: datetime
    customer_id: str | None = None
    held: bool = False
    anonymised: bool = False


class FakeUnitOfWork(MemoryTransaction):
    """The shop's unit of work for these tests: the notes and the privacy ports."""

    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store)
        self.sweep_checkpoints = MemorySweepCheckpoints(self)
        self.privacy_audit = MemoryPrivacyAuditLog(self)
        self.access_log = MemoryAccessLog(self)  # a staff export is logged

    def notes(self) -> list[Note]:
        return sorted(self.scan("notes"), key=lambda note: note.id)

    def put(self, note: Note) -> None:
        self.write("notes", note.id, note)

    def remove(self, note_id: str) -> None:
        self.write("notes", note_id, MISSING)


def add_notes(store: MemoryStore, notes: Sequence[Note]) -> None:
    uow = FakeUnitOfWork(store)
    with uow:
        for note in notes:
            uow.put(note)
        uow.commit()


def all_notes(store: MemoryStore) -> dict[str, Note]:
    return {note.id: note for note in FakeUnitOfWork(store).notes()}


class CrashError(RuntimeError):
    """The process "died" mid-batch."""


class NotesProvider(PersonalDataProvider[FakeUnitOfWork]):
    """The fake context's declaration and its exporter, eraser and sweeper."""

    def __init__(self, *, crash_after: int | None = None) -> None:
        self.crash_after = crash_after
        self.calls = 0
        self.dry_calls = 0  # the engine's final check reads through dry runs
        self.limits: list[int] = []
        #: Notes another transaction holds: a real batch passes over them (PostgreSQL's
        #: ``FOR UPDATE SKIP LOCKED``), a dry run still sees them.
        self.held_elsewhere: set[str] = set()
        #: Called with ``dry_run`` as each batch starts: what happens meanwhile elsewhere.
        self.meanwhile: Callable[[bool], None] | None = None

    @property
    def name(self) -> str:
        return "notes"

    def categories(self) -> Sequence[DataCategory]:
        return (
            DataCategory(
                SHORT,
                "Short notes",
                "Notes kept a few days",
                (PersonalField("name", "Name"), PersonalField("text", "Text")),
                "test.short",
                ClockEvent.CREATION,
                CONSENT,
            ),
            DataCategory(
                LONG,
                "Long notes",
                "Notes kept a year",
                (PersonalField("email", "Email"), PersonalField("name", "Name")),
                "test.long",
                ClockEvent.COMPLETION,
                ACCOUNTING_OBLIGATION,
                frozenset({RetentionAction.ANONYMISE, RetentionAction.DELETE}),
            ),
        )

    # ------------------------------------------------------------------ export
    def export(self, uow: FakeUnitOfWork, subject: DataSubject) -> Sequence[ExportSection]:
        mine = [n for n in uow.notes() if n.email == subject.email and not n.anonymised]
        sections = []
        for category, title in ((SHORT, "Short notes"), (LONG, "Long notes")):
            records = tuple(
                ExportRecord(
                    "Note",
                    note.id,
                    (
                        ExportField("name", "Name", note.name),
                        ExportField("email", "Email", note.email, FieldKind.EMAIL),
                        ExportField("text", "Text", note.text, FieldKind.MULTILINE),
                        ExportField("written_at", "Written at", note.clock_at),
                        ExportField("held", "On hold", note.held),
                        ExportField("day", "Day", note.clock_at.date()),
                        ExportField("length", "Length", len(note.text)),
                        ExportField(
                            "price", "Price", Decimal("1234.50"), FieldKind.MONEY, currency="EUR"
                        ),
                        ExportField("ratio", "Ratio", Decimal("0.125")),
                        ExportField("account", "Account", note.customer_id, FieldKind.IDENTIFIER),
                    ),
                    (ExportRecord("Line", "1", (ExportField("sku", "SKU", "MUG"),)),),
                )
                for note in mine
                if note.category == category
            )
            if records:
                sections.append(ExportSection("notes", category, title, records))
        return sections

    # ------------------------------------------------------------------ erasure
    def erase(
        self,
        uow: FakeUnitOfWork,
        subject: DataSubject,
        *,
        now: datetime,
        retention: RetentionTerms,
        dry_run: bool,
    ) -> ErasureOutcome:
        deleted, anonymised, kept = 0, 0, []
        for note in uow.notes():
            if note.email != subject.email or note.anonymised:
                continue
            if note.category == LONG and not retention.is_due(LONG, note.clock_at, now):
                kept.append(
                    KeptRecord(
                        LONG,
                        note.id,
                        ACCOUNTING_OBLIGATION,
                        retention.keep_until(LONG, note.clock_at),
                    )
                )
                continue
            if note.category == LONG:
                anonymised += 1
                if not dry_run:
                    uow.put(attrs.evolve(note, email="", name="", anonymised=True))
            else:
                deleted += 1
                if not dry_run:
                    uow.remove(note.id)
        return ErasureOutcome(
            "notes",
            (
                CategoryErasure(SHORT, deleted=deleted),
                CategoryErasure(LONG, anonymised=anonymised, kept=tuple(kept)),
            ),
        )

    # ------------------------------------------------------------------ sweep
    def sweep_batch(
        self,
        uow: FakeUnitOfWork,
        task: SweepTask,
        *,
        after: SweepCursor | None,
        limit: int,
        dry_run: bool,
    ) -> SweepBatch:
        self.calls += 1
        self.dry_calls += dry_run
        if self.meanwhile is not None:
            self.meanwhile(dry_run)
        self.limits.append(limit)
        due = [
            note
            for note in uow.notes()
            if note.category == task.category_id
            and not note.anonymised
            and task.is_due(note.clock_at)
            and (after is None or note.id > after.value)
            and (dry_run or note.id not in self.held_elsewhere)
        ][:limit]
        deleted = anonymised = held = 0
        for note in due:
            if note.held:
                held += 1
            elif task.action is RetentionAction.DELETE:
                deleted += 1
                if not dry_run:
                    uow.remove(note.id)
            else:
                anonymised += 1
                if not dry_run:
                    uow.put(attrs.evolve(note, email="", name="", anonymised=True))
        if self.crash_after is not None and self.calls > self.crash_after:
            raise CrashError
        return SweepBatch(
            task.category_id,
            examined=len(due),
            deleted=deleted,
            anonymised=anonymised,
            kept=(KeptCount(DISPUTE, held),) if held else (),
            last=SweepCursor(due[-1].id) if due else None,
        )


def registry(provider: NotesProvider | None = None) -> PrivacyRegistry[FakeUnitOfWork]:
    return PrivacyRegistry([provider or NotesProvider()])


HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'


def sample_bundle(
    *, locale: str = "fr", name: str = "Zoé Dupont", text: str = "Très bien\nmerci"
) -> ExportBundle:
    """A bundle as the engine builds it, without a store."""
    provider = NotesProvider()
    bound = registry(provider).bind(schedule())
    at = NOW - timedelta(days=3)
    subject = DataSubject.of("zoe@example.fr", "cust-1")
    records = (
        ExportRecord(
            "Note",
            "n-001",
            (
                ExportField("name", "Name", name),
                ExportField("email", "Email", subject.email, FieldKind.EMAIL),
                ExportField("text", "Text", text, FieldKind.MULTILINE),
                ExportField("written_at", "Written at", at),
                ExportField("held", "On hold", False),
                ExportField("day", "Day", date(2026, 2, 28)),
                ExportField("length", "Length", 12345),
                ExportField("price", "Price", Decimal("1234.50"), FieldKind.MONEY, currency="EUR"),
                ExportField("ratio", "Ratio", Decimal("0.125")),
                ExportField("account", "Account", None, FieldKind.IDENTIFIER),
            ),
            (ExportRecord("Line", "1", (ExportField("sku", "SKU", "MUG-BDX"),)),),
        ),
    )
    sections = (ExportSection("notes", SHORT, "Short notes", records),)
    notices = tuple(
        CategoryNotice("notes", entry.category, bound.rule_for(entry.category.id))
        for entry in bound.entries()
    )
    return ExportBundle(subject, NOW, locale, "Klickit", sections, notices)


class _DataBlocks(HTMLParser):
    """Collects the text of every ``<script>`` element, with its attributes, as a browser's
    tokenizer splits them (script text ends at the first ``</script``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._open: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._open, self._text = dict(attrs), []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._open is not None:
            self.scripts.append((self._open, "".join(self._text)))
            self._open = None


def data_block(html: str) -> str:
    """The text of the page's one JSON data block (PRV-3, issue #19 item 9). Fails unless
    the page holds exactly one ``<script>``, and it is ``type="application/json"`` with
    ``id="export-data"``: hostile text that closed the block would add another."""
    parser = _DataBlocks()
    parser.feed(html)
    parser.close()
    (only,) = parser.scripts
    attributes, text = only
    assert attributes == {"type": "application/json", "id": "export-data"}
    return text
