"""The plug-in point's values: subjects, categories, typed export items, erasure and sweep
outcomes. Malformed values are refused with typed errors that never echo personal data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given

from klickit_core.adapters.memory.base import MemoryStore
from klickit_core.adapters.memory.privacy import MemoryPrivacyAuditLog, MemorySweepCheckpoints
from klickit_core.personal_data import (
    ACCOUNTING_OBLIGATION,
    CategoryErasure,
    ClockEvent,
    DataCategory,
    DataSubject,
    ErasureOutcome,
    ExportField,
    ExportRecord,
    ExportSection,
    FieldKind,
    InvalidCategoryError,
    InvalidDataSubjectError,
    InvalidExportItemError,
    InvalidSweepDataError,
    KeepReason,
    KeptCount,
    KeptRecord,
    LegalBasis,
    PersonalField,
    RetentionAction,
    SweepBatch,
    SweepCursor,
    SweepTask,
    is_identifier,
)
from klickit_core.privacy.ports import (
    CategoryTally,
    PrivacyAction,
    PrivacyAuditEntry,
    SweepCheckpoint,
)
from klickit_core.shared.errors import ConflictError
from klickit_core.shared.serialisation import structure, unstructure
from klickit_core.testing import strategies as kst

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------- subject
def test_a_subject_is_a_normalised_email_hidden_from_repr() -> None:
    subject = DataSubject.of("  Zoe.Dupont@Example.FR ", "cust-1")
    assert subject.email == "zoe.dupont@example.fr"
    assert subject.customer_id == "cust-1"
    assert "zoe" not in repr(subject)
    assert subject == DataSubject("zoe.dupont@example.fr", "cust-1")


@pytest.mark.parametrize("email", ["not an email", "", "Zoe@Example.fr"])
def test_a_subject_needs_a_valid_normalised_email(email: str) -> None:
    with pytest.raises(InvalidDataSubjectError) as caught:
        DataSubject(email)
    assert caught.value.details == {"reason": "email"}
    assert email not in str(caught.value) or not email


def test_a_subject_from_garbage_is_refused() -> None:
    with pytest.raises(InvalidDataSubjectError):
        DataSubject.of("nope")
    with pytest.raises(InvalidDataSubjectError) as caught:
        DataSubject("a@example.fr", "")
    assert caught.value.details == {"reason": "customer_id"}


# ---------------------------------------------------------------------------- categories
def category(**changes: object) -> DataCategory:
    values: dict[str, object] = {
        "id": "orders.completed",
        "label": "Completed orders",
        "description": "Orders kept for the accounts",
        "fields": (PersonalField("name", "Name"), PersonalField("email", "Email")),
        "retention_rule": "orders.completed",
        "clock_starts": ClockEvent.COMPLETION,
        "legal_basis": ACCOUNTING_OBLIGATION,
    }
    values.update(changes)
    return DataCategory(**values)  # type: ignore[arg-type]


def test_a_category_declares_its_fields_rule_clock_and_basis() -> None:
    declared = category()
    assert declared.actions == frozenset({RetentionAction.DELETE})
    assert [f.key for f in declared.fields] == ["name", "email"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id": "Orders Completed"}, "id"),
        ({"label": " "}, "label"),
        ({"fields": ()}, "fields"),
        ({"fields": (PersonalField("a", "A"), PersonalField("a", "B"))}, "fields"),
        ({"retention_rule": ""}, "retention_rule"),
        ({"clock_starts": "completion"}, "clock_starts"),
        ({"legal_basis": "accounting"}, "legal_basis"),
        ({"actions": frozenset()}, "actions"),
    ],
)
def test_malformed_categories_are_refused(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidCategoryError) as caught:
        category(**changes)
    assert caught.value.details == {"field": field}


def test_identifiers() -> None:
    assert is_identifier("orders.completed")
    assert is_identifier("fr.commerce.l123_22")
    assert is_identifier("retention-sweep")
    assert not is_identifier("Orders")
    assert not is_identifier("a..b")
    assert not is_identifier("x" * 81)
    assert not is_identifier(3)
    with pytest.raises(InvalidCategoryError):
        LegalBasis("Bad Code", "x")


# ---------------------------------------------------------------------------- export items
def test_export_values_keep_their_types() -> None:
    moment = datetime(2026, 3, 1, 10, tzinfo=timezone(timedelta(hours=1)))
    field = ExportField("paid_at", "Paid at", moment)
    assert field.value == moment
    assert field.value.tzinfo is UTC  # type: ignore[union-attr]
    money = ExportField("total", "Total", Decimal("14.90"), FieldKind.MONEY, currency="EUR")
    assert money.value == Decimal("14.90")
    assert "14.90" not in repr(money)  # values are personal data


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        (lambda: ExportField("Bad Key", "X", 1), "key"),
        (lambda: ExportField("k", "", 1), "label"),
        (lambda: ExportField("k", "K", 1.5), "type"),  # no floats: exact values only
        (lambda: ExportField("k", "K", [1]), "type"),
        (lambda: ExportField("k", "K", datetime(2026, 1, 1)), "naive_datetime"),  # noqa: DTZ001
        (lambda: ExportField("k", "K", Decimal("NaN")), "not_finite"),
        (lambda: ExportField("k", "K", "x" * 100_001), "too_long"),
        (lambda: ExportField("k", "K", 3, FieldKind.MONEY, currency="EUR"), "money_value"),
        (lambda: ExportField("k", "K", Decimal(3), FieldKind.MONEY), "currency"),
        (lambda: ExportField("k", "K", Decimal(3), FieldKind.MONEY, currency="XXQ"), "currency"),
        (lambda: ExportField("k", "K", Decimal(3), currency="EUR"), "currency"),
        (lambda: ExportField("k", "K", 3, FieldKind.EMAIL), "text_value"),
        (lambda: ExportField("k", "K", 3, "email"), "kind"),
    ],
)
def test_malformed_export_fields_are_refused(field: object, reason: str) -> None:
    with pytest.raises(InvalidExportItemError) as caught:
        field()  # type: ignore[operator]
    assert caught.value.details["reason"] == reason


def test_records_and_sections_are_checked() -> None:
    leaf = ExportRecord("Line", "1", (ExportField("sku", "SKU", "MUG"),))
    deep = leaf
    for _ in range(3):
        deep = ExportRecord("Part", "p", (), (deep,))
    with pytest.raises(InvalidExportItemError) as too_deep:
        ExportRecord("Part", "p", (), (deep,))
    assert too_deep.value.details == {"key": "record", "reason": "depth"}
    with pytest.raises(InvalidExportItemError) as duplicate:
        ExportRecord("Order", "1", (ExportField("a", "A", 1), ExportField("a", "A", 2)))
    assert duplicate.value.details["reason"] == "duplicate_key"
    for bad, reason in (
        (lambda: ExportRecord("", "1"), "label"),
        (lambda: ExportRecord("Order", "x" * 201), "reference"),
        (lambda: ExportRecord("Order", "1", ("field",)), "fields"),  # type: ignore[arg-type]
        (lambda: ExportRecord("Order", "1", (), ("child",)), "children"),  # type: ignore[arg-type]
        (lambda: ExportSection("Bad", "a.b", "T"), "provider"),
        (lambda: ExportSection("p", "A B", "T"), "category"),
        (lambda: ExportSection("p", "a.b", " "), "title"),
        (lambda: ExportSection("p", "a.b", "T", ("r",)), "records"),  # type: ignore[arg-type]
    ):
        with pytest.raises(InvalidExportItemError) as caught:
            bad()
        assert caught.value.details["reason"] == reason


# ---------------------------------------------------------------------------- erasure
def test_erasure_outcomes() -> None:
    kept = KeptRecord("orders.completed", "KL-2026-000001", ACCOUNTING_OBLIGATION, date(2036, 1, 1))
    part = CategoryErasure("orders.completed", deleted=0, anonymised=1, kept=(kept,))
    assert not part.is_empty
    assert CategoryErasure("orders.cancelled").is_empty
    outcome = ErasureOutcome("orders", (part, CategoryErasure("orders.cancelled", deleted=2)))
    assert [c.category_id for c in outcome.categories] == ["orders.completed", "orders.cancelled"]
    with pytest.raises(InvalidSweepDataError):
        CategoryErasure("orders.cancelled", kept=(kept,))  # kept in another category
    with pytest.raises(InvalidSweepDataError):
        ErasureOutcome("orders", (part, part))
    with pytest.raises(InvalidSweepDataError):
        ErasureOutcome("Orders", ())
    with pytest.raises(InvalidSweepDataError):
        CategoryErasure("orders.cancelled", deleted=-1)
    with pytest.raises(InvalidSweepDataError):
        KeptRecord("orders.completed", "1", ACCOUNTING_OBLIGATION, NOW)  # type: ignore[arg-type]
    with pytest.raises(InvalidSweepDataError):
        KeptRecord("orders.completed", "1", "law", date(2030, 1, 1))  # type: ignore[arg-type]
    with pytest.raises(InvalidSweepDataError):
        KeptRecord("orders.completed", "x" * 201, ACCOUNTING_OBLIGATION, date(2030, 1, 1))


# ---------------------------------------------------------------------------- sweep
def test_sweep_tasks_and_batches() -> None:
    task = SweepTask(
        "notes.short", "test.short", NOW - timedelta(days=10), RetentionAction.DELETE, NOW
    )
    assert task.is_due(NOW - timedelta(days=11))
    assert not task.is_due(NOW - timedelta(days=10))
    with pytest.raises(InvalidSweepDataError):
        SweepTask("notes.short", "r", NOW + timedelta(1), RetentionAction.DELETE, NOW)
    with pytest.raises(InvalidSweepDataError):
        SweepTask("notes.short", "r", NOW.replace(tzinfo=None), RetentionAction.DELETE, NOW)
    with pytest.raises(InvalidSweepDataError):
        SweepTask("notes.short", "r", NOW, "delete", NOW)  # type: ignore[arg-type]
    assert task.rule_cutoffs == ()
    assert task.cutoff_of("test.long") is None
    knowing = SweepTask(
        "notes.short",
        "test.short",
        NOW - timedelta(days=10),
        RetentionAction.DELETE,
        NOW,
        rule_cutoffs=(("test.long", NOW - timedelta(days=30)),),
    )
    assert knowing.cutoff_of("test.long") == NOW - timedelta(days=30)  # issue #19
    for cutoffs in (
        (("test.long", NOW.replace(tzinfo=None)),),
        (("test.long",),),
        [("test.long", NOW)],
        ((1, NOW),),
    ):
        with pytest.raises(InvalidSweepDataError):
            SweepTask(
                "notes.short",
                "r",
                NOW,
                RetentionAction.DELETE,
                NOW,
                rule_cutoffs=cutoffs,  # type: ignore[arg-type]
            )
    reason = KeepReason("open_dispute", "An open dispute")
    batch = SweepBatch("notes.short", 4, 1, 2, (KeptCount(reason, 1),), SweepCursor("n-9"))
    assert batch.kept_total == 1
    for bad in (
        lambda: SweepBatch("notes.short", 3, 1, 1, (), SweepCursor("x")),  # counts
        lambda: SweepBatch("notes.short", 1, 1),  # no cursor
        lambda: SweepBatch("notes.short", 0, last=SweepCursor("x")),  # cursor, nothing seen
        lambda: SweepBatch(
            "notes.short", 2, 0, 0, (KeptCount(reason, 1), KeptCount(reason, 1)), SweepCursor("x")
        ),
        lambda: SweepBatch("notes.short", 0, kept=("x",)),  # type: ignore[arg-type]
        lambda: SweepCursor(""),
        lambda: SweepCursor("a\nb"),
        lambda: KeptCount(reason, True),
    ):
        with pytest.raises(InvalidSweepDataError):
            bad()


@given(kst.sweep_batches())
def test_tallies_add_batches(batch: SweepBatch) -> None:
    tally = CategoryTally(batch.category_id).plus(batch).plus(batch)
    assert tally.examined == 2 * batch.examined
    assert tally.kept_total == 2 * batch.kept_total
    assert structure(unstructure(tally), CategoryTally) == tally


# ---------------------------------------------------------------------------- memory ports
def test_memory_checkpoints_and_audit_log() -> None:
    store = MemoryStore()
    tx = FakeTx(store)
    saved = SweepCheckpoint("retention-sweep", "run-1", NOW, "system:x", NOW)
    with tx:
        assert tx.checkpoints.get("retention-sweep") is None
        tx.checkpoints.save(saved)
        tx.checkpoints.delete("other")  # nothing to delete: no error
        for index, action in enumerate([PrivacyAction.SWEEP, PrivacyAction.EXPORT] * 2):
            tx.audit.add(
                PrivacyAuditEntry(f"a-{index}", action, NOW + timedelta(index), "admin", "r", False)
            )
        tx.commit()
    other = FakeTx(store)
    with other:
        assert other.checkpoints.get("retention-sweep") == saved
        assert [e.id for e in other.audit.entries()] == ["a-3", "a-2", "a-1", "a-0"]
        assert [e.id for e in other.audit.entries(action=PrivacyAction.EXPORT, limit=1)] == ["a-3"]
        with pytest.raises(ConflictError):
            other.audit.add(PrivacyAuditEntry("a-0", PrivacyAction.SWEEP, NOW, "x", "r", False))
        other.checkpoints.delete("retention-sweep")
        other.commit()
    with FakeTx(store) as last:
        assert last.checkpoints.get("retention-sweep") is None


def test_concurrent_checkpoint_saves_conflict() -> None:
    store = MemoryStore()
    first, second = FakeTx(store), FakeTx(store)
    saved = SweepCheckpoint("job", "run-1", NOW, "a", NOW)
    with first, second:
        first.checkpoints.save(saved)
        second.checkpoints.save(saved)
        first.commit()
        with pytest.raises(ConflictError):
            second.commit()


@given(kst.sweep_batches(), kst.sweep_batches())
def test_checkpoints_survive_a_round_trip_through_json(a: SweepBatch, b: SweepBatch) -> None:
    checkpoint = SweepCheckpoint("job", "run-1", NOW, "actor", NOW, resumptions=2)
    checkpoint = checkpoint.after_batch(a, exhausted=True).after_batch(b, exhausted=False)
    assert structure(unstructure(checkpoint), SweepCheckpoint) == checkpoint
    assert a.category_id in checkpoint.done


class FakeTx:
    """A memory transaction with the two privacy ports under short names."""

    def __init__(self, store: MemoryStore) -> None:
        from klickit_core.adapters.memory.base import MemoryTransaction

        self.tx = MemoryTransaction(store)
        self.checkpoints = MemorySweepCheckpoints(self.tx)
        self.audit = MemoryPrivacyAuditLog(self.tx)

    def __enter__(self) -> FakeTx:
        self.tx.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.tx.__exit__(None, None, None)

    def commit(self) -> None:
        self.tx.commit()


@pytest.mark.parametrize(
    ("key", "label", "reason"),
    [
        ("billing_address", "", "label"),
        ("billing_address", "x" * 501, "label"),
        ("Billing", "Billing address", "key"),
        (["billing_address"], "Billing address", "key"),
        ("billing_address", ["Billing address"], "label"),
    ],
)
def test_a_bad_key_or_label_is_refused_after_a_good_one_was_checked(
    key: object, label: object, reason: str
) -> None:
    """PRV-3: ExportField checks each (key, label) pair once (issue #14's export
    benchmark); a pair that was refused, or that is not text at all, is checked every
    time, and still gives the typed error."""
    ExportField("billing_address", "Billing address", "12 rue de Rivoli")
    for _ in range(2):
        with pytest.raises(InvalidExportItemError) as raised:
            ExportField(key, label, "12 rue de Rivoli")  # type: ignore[arg-type]
        assert raised.value.details["reason"] == reason
