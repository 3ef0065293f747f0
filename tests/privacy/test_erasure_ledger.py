"""PRV-6, BAK-1: an erasure survives a backup restore.

Every erasure writes a ledger entry (keyed hashes only) in its own transaction; the
ledger is copied out; after an older copy of the store is restored, the ledger is read
back and everyone it names is erased again, with a report. The ledger holds nothing a
reader could recognise a person by without the key.
"""

from __future__ import annotations

import hashlib
import io
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from klickit_core.adapters.sql import SqlStore
from klickit_core.adapters.sql.tables import privacy_erasure_ledger
from klickit_core.bootstrap import ShopUnitOfWork, default_privacy_registry
from klickit_core.personal_data import DataSubject
from klickit_core.privacy.erasure import ErasureReport
from klickit_core.privacy.ledger import (
    InvalidLedgerFileError,
    erase_and_record,
    export_ledger,
    import_ledger,
    ledger_entry,
    read_ledger_lines,
    reapply_erasures,
    write_ledger_lines,
)
from klickit_core.privacy.ports import PrivacyAction
from klickit_core.privacy.records import ErasureKey, ErasureLedgerEntry, InvalidErasureKeyError
from klickit_core.privacy.registry import BoundRegistry
from klickit_core.privacy.retention import RetentionSchedule
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import PermissionDeniedError
from klickit_core.shared.ids import RandomIdGenerator
from klickit_core.shared.serialisation import structure, unstructure
from klickit_core.testing import MemoryStore, SequentialIds
from klickit_core.testing.contracts import sql
from klickit_core.testing.contracts.builders import consent, customer, order, review

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
KEY_TEXT = "la clé du registre des effacements, gardée hors de la base"
KEY = ErasureKey.from_text(KEY_TEXT)
OTHER_KEY = ErasureKey.from_text("une autre clé, d'une autre époque, tout aussi longue")
ADMIN = Actor("admin-1", Role.ADMINISTRATOR)
JOB = Actor.system("reapply-erasures")
CAMILLE = DataSubject("camille@example.fr", "cust-1")

MakeUow = Callable[[], ShopUnitOfWork]


def bound() -> BoundRegistry[ShopUnitOfWork]:
    return default_privacy_registry().bind(RetentionSchedule.defaults())


def seed(make_uow: MakeUow, *, people: int = 0) -> None:
    """Camille (account, an unpaid order, a review, a consent), Bob (a guest order), and
    ``people`` more guests."""
    with make_uow() as uow:
        uow.customers.add(
            customer("cust-1", "camille@example.fr", first_name="Camille", last_name="Durand")
        )
        uow.orders.add(order("o-1", email="camille@example.fr", customer_id="cust-1"))
        uow.reviews.add(attrs.evolve(review("rv-1"), author_email="camille@example.fr"))
        uow.consents.add(consent("c-1", "camille@example.fr", 0))
        uow.orders.add(order("o-2", email="bob@example.com", customer_id=None))
        for number in range(people):
            uow.orders.add(
                order(f"g-{number:03d}", email=f"guest{number:03d}@example.org", customer_id=None)
            )
        uow.commit()


def camille_present(make_uow: MakeUow) -> bool:
    with make_uow() as uow:
        return uow.customers.get("cust-1") is not None or uow.orders.get("o-1") is not None


def erase(make_uow: MakeUow, subject: DataSubject = CAMILLE, **options: Any) -> ErasureReport:
    return erase_and_record(
        bound(), make_uow(), ADMIN, subject, key=KEY, now=NOW, ids=RandomIdGenerator(), **options
    )


# ---------------------------------------------------------------------------- the key
def test_keys_are_long_secrets_and_hashes_are_keyed() -> None:
    """PRV-6: a key has at least 32 characters; hashes are HMAC-SHA256 under it, never a
    plain hash anyone could compute from a list of addresses; the key id reveals nothing."""
    for text in ("", "   ", "trop courte"):
        with pytest.raises(InvalidErasureKeyError):
            ErasureKey.from_text(text)
    email = "camille@example.fr"
    assert KEY.email_hash(email) != hashlib.sha256(email.encode()).hexdigest()
    assert KEY.email_hash(email) != OTHER_KEY.email_hash(email)
    assert KEY.email_hash(email) == ErasureKey.from_text(f"  {KEY_TEXT}\n").email_hash(email)
    assert KEY.customer_hash("cust-1") != KEY.email_hash("cust-1")  # separate domains
    assert len(KEY.key_id) == 16
    assert KEY.key_id != OTHER_KEY.key_id
    assert "clé" not in repr(KEY)
    assert KEY_TEXT.encode() not in repr(KEY).encode()


# ---------------------------------------------------------------------------- recording
def test_the_entry_commits_with_the_erasure_or_not_at_all() -> None:
    """PRV-6, X-9: the ledger entry is written in the erasure's transaction: a failure
    before the commit leaves both the person and the ledger as they were."""
    store = MemoryStore()
    seed(store.unit_of_work)

    def fail(_uow: ShopUnitOfWork, _report: ErasureReport) -> None:
        raise RuntimeError

    with pytest.raises(RuntimeError):
        erase(store.unit_of_work, before_commit=fail)
    assert camille_present(store.unit_of_work)
    assert list(export_ledger(store.unit_of_work, JOB)) == []

    report = erase(store.unit_of_work)
    assert report.changed
    assert not camille_present(store.unit_of_work)
    (entry,) = export_ledger(store.unit_of_work, JOB)
    assert entry == ledger_entry(
        KEY, CAMILLE, at=NOW, entry_id=entry.id, reference=report.reference
    )
    with store.unit_of_work() as uow:
        (audit,) = uow.privacy_audit.entries(action=PrivacyAction.ERASURE)
    assert audit.reference == entry.reference


def test_a_dry_run_records_nothing() -> None:
    """PRV-4, PRV-6: a dry run erases nothing and writes no ledger entry."""
    store = MemoryStore()
    seed(store.unit_of_work)
    report = erase(store.unit_of_work, dry_run=True)
    assert report.changed
    assert camille_present(store.unit_of_work)
    assert list(export_ledger(store.unit_of_work, JOB)) == []


# ---------------------------------------------------------------------------- restore
def _raw_rows(store: SqlStore) -> list[tuple[Any, ...]]:
    with store.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(select(privacy_erasure_ledger))]


def test_erasure_survives_a_restored_sqlite_backup(tmp_path: Path) -> None:
    """PRV-6, BAK-1: erase → copy the ledger out → restore the copy of the file taken
    before the erasure → read the ledger back → re-apply: Camille is erased again, Bob is
    untouched, and a second run changes nothing. The ledger table holds no email, name or
    customer id in clear."""
    live, backup = tmp_path / "shop.db", tmp_path / "backup.db"
    with sql.sqlite_store(live) as store:
        seed(store.unit_of_work)
    shutil.copyfile(live, backup)  # the nightly backup, before the erasure

    with sql.sqlite_store(live) as store:
        erase(store.unit_of_work)
        assert not camille_present(store.unit_of_work)
        ledger_file = "".join(write_ledger_lines(export_ledger(store.unit_of_work, JOB)))
        for row in _raw_rows(store):
            text = " ".join(str(value) for value in row).lower()
            for clear in ("camille", "durand", "example.fr", "cust-1", "bob"):
                assert clear not in text

    shutil.copyfile(backup, live)  # the restore
    with sql.sqlite_store(live) as store:
        assert camille_present(store.unit_of_work)
        assert list(export_ledger(store.unit_of_work, JOB)) == []  # the restored ledger is older
        added = import_ledger(store.unit_of_work, JOB, read_ledger_lines(io.StringIO(ledger_file)))
        assert added == 1
        assert (
            import_ledger(store.unit_of_work, JOB, read_ledger_lines(io.StringIO(ledger_file))) == 0
        )
        report = reapply_erasures(
            bound(), store.unit_of_work, JOB, key=KEY, now=NOW, ids=SequentialIds("r")
        )
        assert (report.matched, report.erased, report.unchanged) == (1, 1, 0)
        assert report.examined == 2  # Camille and Bob
        assert report.deleted >= 2
        assert report.entries == 1
        assert report.other_key == 0
        assert not camille_present(store.unit_of_work)
        with store.unit_of_work() as uow:
            assert uow.orders.get("o-2") is not None  # Bob stays
            audits = uow.privacy_audit.entries(action=PrivacyAction.ERASURE)
        assert [a.actor_id for a in audits] == [JOB.id]
        assert audits[0].reference == report.references[0]

        again = reapply_erasures(
            bound(), store.unit_of_work, JOB, key=KEY, now=NOW, ids=SequentialIds("s")
        )
        # Her consent proof is kept five years and still names her: matched, unchanged.
        assert (again.matched, again.unchanged, again.erased) == (1, 1, 0)
        assert (again.deleted, again.anonymised) == (0, 0)
        assert "camille" not in str(unstructure(again)).lower()


def test_reapply_only_after_the_backup_time_and_with_the_right_key() -> None:
    """PRV-6: with ``since`` (the backup's time), erasures made before it are not
    re-applied (the backup already reflects them); entries under another key are counted,
    not matched."""
    source, restored = MemoryStore(), MemoryStore()
    seed(source.unit_of_work)
    seed(restored.unit_of_work)
    erase(source.unit_of_work)
    import_ledger(restored.unit_of_work, JOB, export_ledger(source.unit_of_work, JOB))

    later = reapply_erasures(
        bound(), restored.unit_of_work, JOB, key=KEY, now=NOW, ids=SequentialIds("r"),
        since=NOW + timedelta(minutes=1),
    )  # fmt: skip
    assert later.matched == 0
    assert camille_present(restored.unit_of_work)
    wrong = reapply_erasures(
        bound(), restored.unit_of_work, JOB, key=OTHER_KEY, now=NOW, ids=SequentialIds("w")
    )
    assert (wrong.matched, wrong.entries, wrong.other_key) == (0, 0, 1)
    assert camille_present(restored.unit_of_work)
    with pytest.raises(PermissionDeniedError):
        reapply_erasures(
            bound(), restored.unit_of_work, Actor("m", Role.SHOP_MANAGER), key=KEY, now=NOW,
            ids=SequentialIds("x"),
        )  # fmt: skip
    right = reapply_erasures(
        bound(), restored.unit_of_work, JOB, key=KEY, now=NOW, ids=SequentialIds("y"),
        since=NOW - timedelta(minutes=1),
    )  # fmt: skip
    assert right.matched == 1
    assert not camille_present(restored.unit_of_work)


def test_a_match_by_account_id_alone_is_erased_too() -> None:
    """PRV-6: a backup from before Camille changed her address still names her account:
    the customer hash finds her under the old address."""
    source, restored = MemoryStore(), MemoryStore()
    seed(source.unit_of_work)
    with restored.unit_of_work() as uow:
        uow.customers.add(customer("cust-1", "ancienne@example.fr"))
        uow.commit()
    erase(source.unit_of_work)
    import_ledger(restored.unit_of_work, JOB, export_ledger(source.unit_of_work, JOB))
    report = reapply_erasures(
        bound(), restored.unit_of_work, JOB, key=KEY, now=NOW, ids=SequentialIds("r")
    )
    assert (report.matched, report.erased) == (1, 1)
    with restored.unit_of_work() as uow:
        assert uow.customers.get("cust-1") is None


@settings(max_examples=15, deadline=None)
@given(
    people=st.integers(min_value=0, max_value=12),
    erased=st.sets(st.integers(min_value=0, max_value=11), max_size=6),
    page=st.integers(min_value=1, max_value=5),
)
def test_reapply_erases_exactly_the_people_the_ledger_names(
    people: int, erased: set[int], page: int
) -> None:
    """PRV-6: whatever the page size, re-applying erases exactly the people whose erasure
    the ledger holds, each once, and nobody else."""
    source, restored = MemoryStore(), MemoryStore()
    seed(source.unit_of_work, people=people)
    seed(restored.unit_of_work, people=people)
    named = sorted(n for n in erased if n < people)
    for number in named:
        erase(source.unit_of_work, DataSubject(f"guest{number:03d}@example.org"))
    import_ledger(
        restored.unit_of_work, JOB, export_ledger(source.unit_of_work, JOB, page=2), page=3
    )
    report = reapply_erasures(
        bound(), restored.unit_of_work, JOB, key=KEY, now=NOW, ids=SequentialIds("r"), page=page
    )
    assert (report.matched, report.erased) == (len(named), len(named))
    assert report.examined == people + 2
    with restored.unit_of_work() as uow:
        left = {o.id for o in uow.orders.list()}
    assert left == {"o-1", "o-2"} | {f"g-{n:03d}" for n in range(people) if n not in named}


# ---------------------------------------------------------------------------- the file
def test_ledger_file_round_trip_and_bad_files() -> None:
    """PRV-6, X-9: the ledger file reads back equal; a missing header or a bad line is a
    typed error naming the line, never quoting it."""
    entries = [
        ledger_entry(KEY, CAMILLE, at=NOW, entry_id="l-1", reference="req-1"),
        ledger_entry(KEY, DataSubject("bob@example.com"), at=NOW, entry_id="l-2", reference="x"),
    ]
    text = "".join(write_ledger_lines(entries))
    assert list(read_ledger_lines(io.StringIO(text))) == entries
    assert "example" not in text
    lines = text.splitlines(keepends=True)
    for bad, line in (
        ("", 1),
        (lines[1], 1),  # no header
        (lines[0] + '{"id": "secret@example.fr"}\n', 2),
        (lines[0] + "not json\n", 2),
    ):
        with pytest.raises(InvalidLedgerFileError) as refused:
            list(read_ledger_lines(io.StringIO(bad)))
        assert refused.value.details == {"line": line}
        assert "secret" not in str(refused.value)


def test_entries_refuse_anything_but_digests() -> None:
    """PRV-6: an entry holds SHA-256 hex digests, nothing else (an email would not fit)."""
    with pytest.raises(ValueError, match="email_hash"):
        ErasureLedgerEntry("l-1", NOW, KEY.key_id, "camille@example.fr")
    entry = ErasureLedgerEntry("l-1", NOW, KEY.key_id, KEY.email_hash("a@example.fr"))
    assert structure(unstructure(entry), ErasureLedgerEntry) == entry
