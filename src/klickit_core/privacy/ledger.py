"""The erasure ledger (SPEC PRV-6, BAK-1): an erasure survives a backup restore.

« Nous sauvegardons vos données »: a backup taken before someone's erasure still holds
their data. Restoring it would bring them back. So every erasure also writes an
:class:`~klickit_core.privacy.records.ErasureLedgerEntry` — **in the erasure's own
transaction** (:func:`erase_and_record`), so there is never an erasure without its entry,
nor the reverse. The entry holds no personal data: keyed hashes (HMAC-SHA256 with the
shop's :class:`~klickit_core.privacy.records.ErasureKey`) of the normalised email and of
the account id, the key's fingerprint, the time and the request's reference.

After a restore, :func:`reapply_erasures` walks the restored store's people
(:class:`~klickit_core.privacy.ports.SubjectDirectory`, keyset pages of distinct emails),
hashes each page with the key, asks the ledger which of those hashes it holds (one bounded
query per page), and erases every match again, each in its own transaction, with a
report. Nothing in that walk holds more than one page in memory, and the ledger is never
loaded whole.

The ledger must outlive the store it describes: a restored store also restores an older
ledger. So it is copied out (:func:`export_ledger`, ``klickit privacy export-ledger``: a
JSON Lines file with nothing personal in it, safe to keep beside the backups or anywhere
else), and a restore reads it back (:func:`import_ledger`, ``--ledger-from``) before
re-applying. With ``since`` (the time the backup was taken) only erasures made after the
backup are re-applied: older ones are already in it, and a person who came back and gave
their data again after such an erasure keeps it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, TypeVar

import attrs

from klickit_core.personal_data import DataSubject, InvalidDataSubjectError, KeptCount
from klickit_core.privacy.erasure import ErasureReport, erase_subject
from klickit_core.privacy.ports import CategoryTally, ErasureLedgerUnitOfWork
from klickit_core.privacy.records import ErasureKey, ErasureLedgerEntry
from klickit_core.privacy.registry import BoundRegistry
from klickit_core.shared.actors import Actor
from klickit_core.shared.authorization import authorize
from klickit_core.shared.clock import ensure_utc
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.events import ErasureDone
from klickit_core.shared.i18n import N_
from klickit_core.shared.ids import IdGenerator
from klickit_core.shared.serialisation import (
    InvalidDataError,
    converter,
    structure,
    unstructure,
)

__all__ = [
    "LEDGER_FORMAT",
    "REAPPLY_JOB",
    "InvalidLedgerFileError",
    "ReapplyReport",
    "ledger_entry",
    "read_ledger_lines",
    "write_ledger_lines",
]

LU = TypeVar("LU", bound=ErasureLedgerUnitOfWork)

#: The first line of a ledger file.
LEDGER_FORMAT = "klickit.erasure-ledger"
_LEDGER_VERSION = 1
#: The name the re-applying job goes by in the audit log.
REAPPLY_JOB = "reapply-erasures"
_PAGE = 500


class InvalidLedgerFileError(KlickitError):
    """A ledger file could not be read (``line`` says where; nothing was imported)."""

    code = "privacy.invalid_ledger_file"
    message_template = N_("The erasure ledger file is invalid (line {line}).")


def ledger_entry(
    key: ErasureKey, subject: DataSubject, *, at: datetime, entry_id: str, reference: str
) -> ErasureLedgerEntry:
    """The ledger's record of ``subject``'s erasure (keyed hashes only)."""
    return ErasureLedgerEntry(
        id=entry_id,
        erased_at=ensure_utc(at),
        key_id=key.key_id,
        email_hash=key.email_hash(subject.email),
        customer_hash=None
        if subject.customer_id is None
        else key.customer_hash(subject.customer_id),
        reference=reference,
    )


def erase_and_record(
    bound: BoundRegistry[LU],
    uow: LU,
    actor: Actor,
    subject: DataSubject,
    *,
    key: ErasureKey,
    now: datetime,
    ids: IdGenerator,
    reference: str | None = None,
    dry_run: bool = False,
    before_commit: Callable[[LU, ErasureReport], None] | None = None,
) -> ErasureReport:
    """:func:`~klickit_core.privacy.erasure.erase_subject`, with the ledger entry written
    in the same transaction (nothing is written in a dry run). ``before_commit`` adds
    more to that transaction (a request's completion). Administrators and system jobs."""
    authorize(actor, "privacy.ledger.erase_and_record")

    def record(tx: LU, report: ErasureReport) -> None:
        entry_id = ids.new_id()
        tx.erasure_ledger.add(
            ledger_entry(key, subject, at=report.at, entry_id=entry_id, reference=report.reference)
        )
        if before_commit is not None:
            before_commit(tx, report)
        tx.record(
            ErasureDone(report.reference, report.deleted, report.anonymised, occurred_at=report.at)
        )

    return erase_subject(
        bound,
        uow,
        actor,
        subject,
        now=now,
        ids=ids,
        reference=reference,
        dry_run=dry_run,
        before_commit=record,
    )


# ---------------------------------------------------------------------------- copy out, in
def export_ledger(
    unit_of_work: Callable[[], LU], actor: Actor, *, page: int = _PAGE
) -> Iterator[ErasureLedgerEntry]:
    """Every ledger entry, in id order, one page (one short transaction) at a time.

    Administrators and system jobs (``privacy.retention``), checked when called, before
    anything is read: the entries hold no personal data, but with the key they tell
    whether a given person was erased, and they are the operator's copy (issue #18)."""
    authorize(actor, "privacy.ledger.export_ledger")
    return _ledger_pages(unit_of_work, page)


def _ledger_pages(unit_of_work: Callable[[], LU], page: int) -> Iterator[ErasureLedgerEntry]:
    after: str | None = None
    while True:
        uow = unit_of_work()
        with uow:
            found = uow.erasure_ledger.entries(after=after, limit=page)
        yield from found
        if len(found) < page:
            return
        after = found[-1].id


def import_ledger(
    unit_of_work: Callable[[], LU],
    actor: Actor,
    entries: Iterable[ErasureLedgerEntry],
    *,
    page: int = _PAGE,
) -> int:
    """Add the entries the store's ledger lacks (by id), a page per transaction; returns
    how many were added. Importing the same file twice adds nothing the second time.
    Administrators and system jobs (``privacy.retention``): an imported entry makes
    :func:`reapply_erasures` erase whoever it names (issue #18)."""
    authorize(actor, "privacy.ledger.import_ledger")
    added = 0
    batch: list[ErasureLedgerEntry] = []

    def flush() -> None:
        nonlocal added
        uow = unit_of_work()
        with uow:
            for entry in batch:
                if uow.erasure_ledger.get(entry.id) is None:
                    uow.erasure_ledger.add(entry)
                    added += 1
            uow.commit()
        batch.clear()

    for entry in entries:
        batch.append(entry)
        if len(batch) >= page:
            flush()
    if batch:
        flush()
    return added


def write_ledger_lines(entries: Iterable[ErasureLedgerEntry]) -> Iterator[str]:
    """The ledger file, line by line (JSON Lines; a header line first)."""
    yield json.dumps({"format": LEDGER_FORMAT, "version": _LEDGER_VERSION}) + "\n"
    for entry in entries:
        yield json.dumps(unstructure(entry), sort_keys=True) + "\n"


def read_ledger_lines(lines: Iterable[str]) -> Iterator[ErasureLedgerEntry]:
    """The entries of a ledger file written by :func:`write_ledger_lines`.

    :class:`InvalidLedgerFileError` names the first bad line (a missing header, a line
    that is not an entry); it never quotes the line.
    """
    number = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data: Any = json.loads(line)
            if number == 1:
                if data != {"format": LEDGER_FORMAT, "version": _LEDGER_VERSION}:
                    raise InvalidLedgerFileError(line=number)
                continue
            yield structure(data, ErasureLedgerEntry)
        except (ValueError, InvalidDataError):  # not JSON; not an entry
            raise InvalidLedgerFileError(line=number) from None
    if number == 0:
        raise InvalidLedgerFileError(line=1)


# ---------------------------------------------------------------------------- re-apply
@attrs.frozen(slots=True)
class ReapplyReport:
    """What :func:`reapply_erasures` found and did. Counts and ids only.

    ``examined``: people (distinct emails) checked in the store; ``matched``: those the
    ledger names; ``erased``: matches whose erasure changed something (they had come back
    with the restore); ``unchanged``: matches already erased (kept records only);
    ``entries``: ledger entries under this key, ``other_key``: entries written under
    another key, which this key cannot recognise (re-apply with that key too).
    """

    run_id: str
    at: datetime
    key_id: str
    since: datetime | None
    examined: int
    matched: int
    erased: int
    unchanged: int
    entries: int
    other_key: int
    references: tuple[str, ...]
    tallies: tuple[CategoryTally, ...]

    @property
    def deleted(self) -> int:
        """Records deleted across every re-applied erasure."""
        return sum(tally.deleted for tally in self.tallies)

    @property
    def anonymised(self) -> int:
        """Records anonymised across every re-applied erasure."""
        return sum(tally.anonymised for tally in self.tallies)


def _reapply_data(report: ReapplyReport) -> dict[str, Any]:
    """A re-apply report's JSON (``klickit privacy reapply-erasures --json``): the counts,
    with the totals of the re-applied erasures, under the names the CLI has always used."""
    return {
        "run_id": report.run_id,
        "at": converter.unstructure(report.at),
        "key_id": report.key_id,
        "since": converter.unstructure(report.since),
        "examined": report.examined,
        "matched": report.matched,
        "erased": report.erased,
        "unchanged": report.unchanged,
        "deleted": report.deleted,
        "anonymised": report.anonymised,
        "ledger_entries": report.entries,
        "other_key_entries": report.other_key,
        "references": list(report.references),
        "categories": [converter.unstructure(tally) for tally in report.tallies],
    }


converter.register_unstructure_hook(ReapplyReport, _reapply_data)


def _add_tallies(totals: dict[str, CategoryTally], report: ErasureReport) -> None:
    for tally in report.tallies():
        before = totals.get(tally.category_id, CategoryTally(tally.category_id))
        reasons = {item.reason.code: item.reason for item in (*before.kept, *tally.kept)}
        counts: dict[str, int] = {}
        for item in (*before.kept, *tally.kept):
            counts[item.reason.code] = counts.get(item.reason.code, 0) + item.count
        totals[tally.category_id] = CategoryTally(
            tally.category_id,
            before.examined + tally.examined,
            before.deleted + tally.deleted,
            before.anonymised + tally.anonymised,
            tuple(KeptCount(reasons[code], counts[code]) for code in sorted(counts)),
        )


def _count_entries(unit_of_work: Callable[[], LU], key_id: str, page: int) -> tuple[int, int]:
    mine = other = 0
    for entry in _ledger_pages(unit_of_work, page):
        if entry.key_id == key_id:
            mine += 1
        else:
            other += 1
    return mine, other


def reapply_erasures(
    bound: BoundRegistry[LU],
    unit_of_work: Callable[[], LU],
    actor: Actor,
    *,
    key: ErasureKey,
    now: datetime,
    ids: IdGenerator,
    since: datetime | None = None,
    page: int = _PAGE,
) -> ReapplyReport:
    """Erase again everyone the ledger names who is in the store (after a restore).

    Needs ``privacy.retention`` (administrators, system jobs). ``since``: re-apply only
    erasures made after it (the backup's time). Each person is erased in a transaction of
    their own, through every provider, with an audit entry whose reference is the ledger
    entry's id. Running it twice changes nothing the second time.
    """
    authorize(actor, "privacy.ledger.reapply_erasures")
    size: object = page
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 10_000:
        raise ValueError("page must be between 1 and 10,000")
    at = ensure_utc(now)
    cutoff = None if since is None else ensure_utc(since)
    run_id = ids.new_id()
    examined = matched = erased = unchanged = 0
    references: list[str] = []
    totals: dict[str, CategoryTally] = {}
    after: str | None = None
    while True:
        uow = unit_of_work()
        with uow:
            found = uow.privacy_subjects.page(after=after, limit=page)
            by_email = {key.email_hash(s.email): s for s in found}
            by_customer = {
                key.customer_hash(s.customer_id): s for s in found if s.customer_id is not None
            }
            entries = uow.erasure_ledger.matching(
                key.key_id, list(by_email), list(by_customer), since=cutoff
            )
        examined += len(found)
        hits: dict[str, list[str]] = {}
        for entry in entries:
            subject = by_email.get(entry.email_hash)
            if subject is None and entry.customer_hash is not None:
                subject = by_customer.get(entry.customer_hash)
            if subject is not None:
                hits.setdefault(subject.email, []).append(entry.id)
        for known in found:  # page order: deterministic
            if known.email not in hits:
                continue
            try:
                person = DataSubject(known.email, known.customer_id)
            except InvalidDataSubjectError:  # a stored value no address can be made of
                continue
            entry_ids = sorted(hits[known.email])
            matched += 1
            references.extend(entry_ids)
            report = erase_subject(
                bound, unit_of_work(), actor, person, now=at, ids=ids, reference=entry_ids[0]
            )
            if report.changed:
                erased += 1
            else:
                unchanged += 1
            _add_tallies(totals, report)
        if len(found) < page:
            break
        after = found[-1].email
    mine, other = _count_entries(unit_of_work, key.key_id, page)
    return ReapplyReport(
        run_id=run_id,
        at=at,
        key_id=key.key_id,
        since=cutoff,
        examined=examined,
        matched=matched,
        erased=erased,
        unchanged=unchanged,
        entries=mine,
        other_key=other,
        references=tuple(references),
        tallies=tuple(totals[category] for category in sorted(totals)),
    )
