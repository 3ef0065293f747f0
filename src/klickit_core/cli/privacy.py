"""``klickit retention …`` and ``klickit privacy …``: the privacy jobs of a shop (SPEC X-8,
PRV-2, PRV-3, PRV-4, PRV-6).

* ``retention sweep`` — :meth:`shop.privacy.sweep
  <klickit_core.application.privacy.PrivacyService.sweep>` over the shop's registry bound
  to its schedule, with a progress bar and a report per category;
* ``privacy export`` — staff export someone's data to the file an access request
  delivers: one HTML page with the JSON inside it, or with ``--format zip`` a ZIP of the
  HTML and JSON files (an operator job: the access log and the audit log name the
  operator; the person's file names the shop's staff, ``--staff-name``, and the shop,
  ``--shop-name``);
* ``privacy erase`` — erase someone, with the erasure ledger's entry;
* ``privacy export-ledger`` — copy the erasure ledger out (JSON Lines, no personal data),
  to keep beside the backups;
* ``privacy reapply-erasures`` — after a restore, erase again everyone the ledger names.

The erasure-ledger key comes from the ``KLICKIT_ERASURE_KEY`` environment variable or a
``--key-file``; the commands that need it refuse to run without it. With ``--json`` a
command prints one JSON document on standard output and nothing else.

The commands act as a system job, never as a role named on the command line: whoever runs
them holds the database URL (and, to erase, the erasure key), so the library cannot and
need not check a person there. ``--operator`` is a label for the logs only
(``system:operator:<name>``, decision 0011).
"""

from __future__ import annotations

import getpass
import json
import os
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from klickit_core.bootstrap import Shop, build_shop
from klickit_core.cli.files import CannotReadError, CannotWriteError
from klickit_core.cli.output import Output
from klickit_core.privacy.erasure import ErasureReport
from klickit_core.privacy.ledger import (
    REAPPLY_JOB,
    ReapplyReport,
    read_ledger_lines,
    write_ledger_lines,
)
from klickit_core.privacy.records import ErasureKey, ErasureLedgerEntry
from klickit_core.privacy.settings import PrivacySettings
from klickit_core.privacy.sweep import DEFAULT_BATCH_SIZE, DEFAULT_JOB, SweepProgress, SweepReport
from klickit_core.shared.actors import Actor
from klickit_core.shared.i18n import N_, translate
from klickit_core.shared.serialisation import unstructure

__all__ = [
    "ERASURE_KEY_VARIABLE",
    "CannotReadError",
    "CannotWriteError",
    "load_erasure_key",
    "operator_actor",
    "parse_instant",
    "run_erase",
    "run_export",
    "run_export_ledger",
    "run_reapply",
    "run_retention_sweep",
]

#: The environment variable that holds the erasure-ledger key.
ERASURE_KEY_VARIABLE = "KLICKIT_ERASURE_KEY"

_OPERATOR = re.compile(r"[^a-z0-9_.-]+")
#: The job that copies the erasure ledger out (it reads hashes only; nothing is logged).
_LEDGER_JOB = "export-ledger"


def load_erasure_key(key_file: str | None, environ: Mapping[str, str] | None = None) -> ErasureKey:
    """The key from ``key_file`` if given, else from :data:`ERASURE_KEY_VARIABLE`;
    :class:`~klickit_core.privacy.records.InvalidErasureKeyError` when there is none (or
    it is too short), :class:`~klickit_core.cli.files.CannotReadError` (naming the path
    and why) when the file cannot be read. The key is never printed."""
    if key_file is not None:
        try:
            text = Path(key_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CannotReadError.of(error, what="key", path=key_file) from None
        return ErasureKey.from_text(text)
    value = (os.environ if environ is None else environ).get(ERASURE_KEY_VARIABLE, "")
    return ErasureKey.from_text(value)


def operator_actor(name: str | None = None) -> Actor:
    """The job a command runs as: a system actor named after the operator for the access
    and audit logs (``system:operator:<name>``, the login name by default). The name is a
    label only; it grants nothing."""
    if name is None:
        try:
            name = getpass.getuser()
        except (OSError, KeyError):  # no login name in some containers
            name = "unknown"
    cleaned = _OPERATOR.sub("-", name.strip().lower()).strip("-") or "unknown"
    return Actor.system(f"operator:{cleaned[:64]}")


def _print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _in_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


@attrs.frozen
class _At:
    """The clock of a run replayed at ``--now``: every reading is that instant (UTC)."""

    moment: datetime = attrs.field(converter=_in_utc)

    def now(self) -> datetime:
        return self.moment


def _shop(
    url: str,
    key: ErasureKey | None = None,
    now: datetime | None = None,
    *,
    shop_name: str | None = None,
    staff_name: str | None = None,
) -> Shop:
    # An existing shop only: a mistyped path is an error, not a new, empty shop.
    clock = None if now is None else _At(now)
    settings = PrivacySettings(erasure_key=key, staff_name=staff_name)
    if shop_name is not None:
        settings = attrs.evolve(settings, shop_name=shop_name)
    return build_shop(url, create=False, privacy=settings, clock=clock)


# ---------------------------------------------------------------------------- sweep
def _kept_text(kept: Iterable[Mapping[str, Any]]) -> str:
    return "; ".join(f"{item['count']} ({item['label']})" for item in kept) or "0"


def _sweep_table(report: SweepReport, out: Output, locale: str) -> None:
    headers = [
        translate(text, locale)
        for text in (
            N_("Category"),
            N_("Rule"),
            N_("Action"),
            N_("Examined"),
            N_("Deleted"),
            N_("Anonymised"),
            N_("Kept, and why"),
        )
    ]
    rows = []
    for item in report.categories:
        data: dict[str, Any] = unstructure(item, locale=locale)
        rows.append(
            [
                item.category_id,
                item.rule_id,
                str(item.action),
                str(data["examined"]),
                str(data["deleted"]),
                str(data["anonymised"]),
                _kept_text(data["kept"]),
            ]
        )
    out.table(headers, rows)


def run_retention_sweep(
    url: str,
    out: Output,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int = 1,
    as_json: bool = False,
    locale: str = "fr",
) -> dict[str, Any]:
    """``klickit retention sweep``: sweep every category of the shop at ``url``; returns
    the report as JSON-ready data. Refused with
    :class:`~klickit_core.privacy.ports.SweepAlreadyRunningError` while another run of
    the job is at work."""
    shop = _shop(url)
    try:
        job = Actor.system(DEFAULT_JOB)
        if as_json:
            report = shop.privacy.sweep(
                job, now=now, dry_run=dry_run, batch_size=batch_size, workers=workers
            )
        else:
            total = len(shop.privacy_registry().entries())
            label = translate(N_("Categories swept"), locale)
            finished: set[str] = set()
            with out.progress(label, total) as advance_to:

                def progress(step: SweepProgress) -> None:  # workers finish in any order
                    if step.exhausted:
                        finished.add(step.category_id)
                    advance_to(len(finished))

                report = shop.privacy.sweep(
                    job,
                    now=now,
                    dry_run=dry_run,
                    batch_size=batch_size,
                    workers=workers,
                    on_progress=progress,
                )
    finally:
        shop.close()
    data: dict[str, Any] = unstructure(report, locale=locale)
    if as_json:
        _print_json(data)
        return data
    if dry_run:
        out.line(translate(N_("Dry run: nothing was deleted or anonymised."), locale))
    _sweep_table(report, out, locale)
    summary = N_(
        "{examined} examined, {deleted} deleted, {anonymised} anonymised, {kept} kept (run {run})."
    )
    out.line(
        translate(summary, locale).format(
            examined=report.examined,
            deleted=report.deleted,
            anonymised=report.anonymised,
            kept=report.kept,
            run=report.run_id,
        )
    )
    return data


# ---------------------------------------------------------------------------- export
def _write(path: Path, data: bytes, what: str) -> None:
    try:
        path.write_bytes(data)
    except OSError as error:
        raise CannotWriteError.of(error, what=what, path=path) from None


def run_export(
    url: str,
    email: str,
    out_dir: str,
    out: Output,
    *,
    operator: str | None = None,
    as_json: bool = False,
    locale: str = "fr",
    export_format: str | None = None,
    now: datetime | None = None,
    shop_name: str | None = None,
    staff_name: str | None = None,
) -> dict[str, Any]:
    """``klickit privacy export``: write ``klickit-export-<reference>.html`` (the page
    with the JSON inside it) or, with ``export_format="zip"``, ``….zip`` (the HTML and
    JSON files) into ``out_dir``: named after the export's reference, never after the
    person. ``export_format`` is the shop's setting unless given; ``now`` (aware) replays
    the export at that instant. ``shop_name`` is the shop's name the file shows
    (``Klickit`` by default) and ``staff_name`` how it names the staff (issue #16): the
    ``operator`` label goes to the shop's access and audit logs only, never to the
    person's file."""
    shop = _shop(url, now=now, shop_name=shop_name, staff_name=staff_name)
    try:
        export = shop.privacy.export(
            operator_actor(operator), email, locale=locale, export_format=export_format
        )
    finally:
        shop.close()
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CannotWriteError.of(error, what="output", path=out_dir) from None
    delivered = export.file
    extension = delivered.filename.rpartition(".")[2]
    path = folder / f"klickit-export-{export.reference}.{extension}"
    _write(path, delivered.data, extension)
    data = {
        "reference": export.reference,
        "records": export.records,
        "format": extension,
        "file": str(path),
        "content_type": delivered.content_type,
    }
    if as_json:
        _print_json(data)
    else:
        message = N_("{records} records exported (reference {reference}):")
        out.line(
            translate(message, locale).format(records=export.records, reference=export.reference)
        )
        out.line(str(path))
    return data


# ---------------------------------------------------------------------------- erasure
def _erasure_table(report: ErasureReport, out: Output, locale: str) -> None:
    """The counts per category, then one row per record kept, with why and until when: a
    customer with many orders makes a longer table, never a row thousands of characters
    wide (issue #16)."""
    data: dict[str, Any] = unstructure(report, locale=locale)
    headers = [
        translate(text, locale)
        for text in (N_("Category"), N_("Deleted"), N_("Anonymised"), N_("Kept"))
    ]
    touched = [
        item for item in data["categories"] if item["deleted"] or item["anonymised"] or item["kept"]
    ]
    out.table(
        headers,
        [
            [
                item["category"],
                str(item["deleted"]),
                str(item["anonymised"]),
                str(len(item["kept"])),
            ]
            for item in touched
        ],
    )
    kept = [
        [record["reference"], item["category"], record["legal_basis_label"], record["keep_until"]]
        for item in touched
        for record in item["kept"]
    ]
    if kept:
        headers = [
            translate(text, locale)
            for text in (N_("Record kept"), N_("Category"), N_("Legal basis"), N_("Kept until"))
        ]
        out.table(headers, kept)


def run_erase(
    url: str,
    email: str,
    out: Output,
    *,
    key_file: str | None = None,
    dry_run: bool = False,
    operator: str | None = None,
    as_json: bool = False,
    locale: str = "fr",
    environ: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """``klickit privacy erase``: erase the person using ``email`` (the ledger entry in the
    same transaction). Refused without a key, unless in a dry run. ``now`` (aware) runs
    it as at that instant, to replay or test it: what is kept, and until when, and the
    time of the ledger entry follow it."""
    key = None if dry_run else load_erasure_key(key_file, environ)
    shop = _shop(url, key, now)
    try:
        report = shop.privacy.erase(operator_actor(operator), email, dry_run=dry_run)
    finally:
        shop.close()
    data: dict[str, Any] = unstructure(report, locale=locale)
    if as_json:
        _print_json(data)
        return data
    if dry_run:
        out.line(translate(N_("Dry run: nothing was deleted or anonymised."), locale))
    _erasure_table(report, out, locale)
    message = N_("{deleted} deleted, {anonymised} anonymised, {kept} kept (reference {reference}).")
    out.line(
        translate(message, locale).format(
            deleted=report.deleted,
            anonymised=report.anonymised,
            kept=len(report.kept),
            reference=report.reference,
        )
    )
    return data


# ---------------------------------------------------------------------------- ledger
def _ledger_source(source: str) -> list[ErasureLedgerEntry]:
    if "://" in source:
        other = build_shop(source, create=False)
        try:
            return list(other.privacy.ledger_entries(Actor.system(REAPPLY_JOB)))
        finally:
            other.close()
    try:
        with Path(source).open(encoding="utf-8") as handle:
            return list(read_ledger_lines(handle))
    except (OSError, UnicodeDecodeError) as error:
        raise CannotReadError.of(error, what="ledger", path=source) from None


def run_export_ledger(
    url: str, out_file: str, out: Output, *, as_json: bool = False, locale: str = "fr"
) -> dict[str, Any]:
    """``klickit privacy export-ledger``: copy the erasure ledger of ``url`` to a file."""
    shop = _shop(url)
    count = 0
    try:
        with Path(out_file).open("w", encoding="utf-8") as handle:
            entries = shop.privacy.ledger_entries(Actor.system(_LEDGER_JOB))
            for line in write_ledger_lines(entries):
                handle.write(line)
                count += 1
    except OSError as error:
        raise CannotWriteError.of(error, what="ledger", path=out_file) from None
    finally:
        shop.close()
    data = {"entries": max(0, count - 1), "file": out_file}
    if as_json:
        _print_json(data)
    else:
        message = N_("{entries} erasure ledger entries written to {file}.")
        out.line(translate(message, locale).format(entries=data["entries"], file=out_file))
    return data


def run_reapply(
    url: str,
    out: Output,
    *,
    key_file: str | None = None,
    ledger_from: Iterable[str] = (),
    since: datetime | None = None,
    as_json: bool = False,
    locale: str = "fr",
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``klickit privacy reapply-erasures``: import the ledgers named by ``ledger_from``
    (ledger files or database URLs), then erase again everyone they name who is in the
    store at ``url``. Refused without the key."""
    key = load_erasure_key(key_file, environ)
    entries = [entry for source in ledger_from for entry in _ledger_source(source)]
    shop = _shop(url, key)
    try:
        job = Actor.system(REAPPLY_JOB)
        imported = shop.privacy.import_ledger(job, entries)
        report: ReapplyReport = shop.privacy.reapply_erasures(job, since=since)
    finally:
        shop.close()
    data: dict[str, Any] = unstructure(report, locale=locale)
    data["imported"] = imported
    if as_json:
        _print_json(data)
        return data
    message = N_(
        "{examined} people checked, {matched} named by the ledger: {erased} erased again, "
        "{unchanged} already erased ({imported} ledger entries imported)."
    )
    out.line(
        translate(message, locale).format(
            examined=report.examined,
            matched=report.matched,
            erased=report.erased,
            unchanged=report.unchanged,
            imported=imported,
        )
    )
    if report.other_key:
        warning = N_("{count} ledger entries were written under another key: run again with it.")
        out.line(translate(warning, locale).format(count=report.other_key))
    return data


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant from the command line (UTC when it has no offset)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
