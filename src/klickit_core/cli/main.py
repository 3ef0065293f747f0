"""Entry point of the ``klickit`` command (SPEC X-8)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime

from klickit_core.cli.output import Output
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import SUPPORTED_LOCALES

__all__ = ["DEMO_DATABASE", "build_parser", "main"]

#: Where ``klickit demo`` keeps its shop unless told otherwise: a SQLite file in the
#: current folder, recreated at each run so the story is always the same.
DEMO_DATABASE = "sqlite:///klickit-demo.db"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, exposed for documentation and tests."""
    parser = argparse.ArgumentParser(
        prog="klickit",
        description="Jobs of a Klickit shop: demo, database, retention and privacy requests.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="run a visit end to end and tell what happened")
    demo.add_argument(
        "--locale", choices=SUPPORTED_LOCALES, default="fr", help="language of the story"
    )
    demo.add_argument("--plain", action="store_true", help="plain text, no colours or tables")
    demo.add_argument(
        "--db",
        default=DEMO_DATABASE,
        metavar="URL",
        help=f"database to run on (default {DEMO_DATABASE}, recreated at each run; "
        "memory:// keeps nothing)",
    )

    db = commands.add_parser("db", help="database schema jobs")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="JOB")
    upgrade = db_commands.add_parser("upgrade", help="apply the shipped migrations")
    upgrade.add_argument("--db", required=True, metavar="URL", help="database URL")
    _add_common(upgrade)

    seed = commands.add_parser("seed", help="fill a database with a synthetic shop")
    seed.add_argument("--db", required=True, metavar="URL", help="database URL (empty)")
    seed.add_argument("--orders", type=_count, default=10_000, help="orders to make")
    _add_common(seed)
    _add_privacy_commands(commands)
    return parser


def _add_privacy_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``klickit retention sweep`` and ``klickit privacy …`` (PRV-2 … PRV-6)."""
    retention = commands.add_parser("retention", help="retention jobs (PRV-2)")
    retention_jobs = retention.add_subparsers(
        dest="retention_command", required=True, metavar="JOB"
    )
    sweep = retention_jobs.add_parser(
        "sweep", help="delete or anonymise what is past its retention period"
    )
    sweep.add_argument("--db", required=True, metavar="URL", help="database URL")
    sweep.add_argument(
        "--now",
        type=_instant,
        metavar="ISO",
        help="reference instant (default: now; UTC if no offset)",
    )
    sweep.add_argument("--dry-run", action="store_true", help="report only, change nothing")
    sweep.add_argument("--batch-size", type=_batch_size, default=500, metavar="N")
    sweep.add_argument("--json", action="store_true", help="print a JSON report only")
    _add_common(sweep)

    privacy = commands.add_parser("privacy", help="data-subject requests and erasures")
    jobs = privacy.add_subparsers(dest="privacy_command", required=True, metavar="JOB")
    export = jobs.add_parser("export", help="write a person's data as HTML and JSON files")
    export.add_argument("--db", required=True, metavar="URL", help="database URL")
    export.add_argument("--email", required=True, metavar="E", help="the person's email")
    export.add_argument("--out", required=True, metavar="DIR", help="folder for the files")
    export.add_argument("--operator", metavar="NAME", help="who runs it (default: login name)")
    export.add_argument("--json", action="store_true", help="print a JSON report only")
    _add_common(export)

    erase = jobs.add_parser("erase", help="erase a person (with the erasure ledger entry)")
    erase.add_argument("--db", required=True, metavar="URL", help="database URL")
    erase.add_argument("--email", required=True, metavar="E", help="the person's email")
    erase.add_argument("--dry-run", action="store_true", help="report only, change nothing")
    erase.add_argument(
        "--key-file", metavar="PATH", help="erasure ledger key (else $KLICKIT_ERASURE_KEY)"
    )
    erase.add_argument("--operator", metavar="NAME", help="who runs it (default: login name)")
    erase.add_argument("--json", action="store_true", help="print a JSON report only")
    _add_common(erase)

    ledger = jobs.add_parser("export-ledger", help="copy the erasure ledger to a file")
    ledger.add_argument("--db", required=True, metavar="URL", help="database URL")
    ledger.add_argument("--out", required=True, metavar="FILE", help="the ledger file")
    ledger.add_argument("--json", action="store_true", help="print a JSON report only")
    _add_common(ledger)

    reapply = jobs.add_parser(
        "reapply-erasures", help="after a restore, erase again everyone the ledger names"
    )
    reapply.add_argument("--db", required=True, metavar="URL", help="database URL")
    reapply.add_argument(
        "--key-file", metavar="PATH", help="erasure ledger key (else $KLICKIT_ERASURE_KEY)"
    )
    reapply.add_argument(
        "--ledger-from",
        action="append",
        default=[],
        metavar="FILE_OR_URL",
        help="a ledger file or the database to read more ledger entries from (repeatable)",
    )
    reapply.add_argument(
        "--since", type=_instant, metavar="ISO", help="only erasures after this (the backup's time)"
    )
    reapply.add_argument("--json", action="store_true", help="print a JSON report only")
    _add_common(reapply)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--locale", choices=SUPPORTED_LOCALES, default="fr")
    parser.add_argument("--plain", action="store_true", help="plain text, no colours")


def _instant(text: str) -> datetime:
    from klickit_core.cli.privacy import parse_instant  # noqa: PLC0415 - keeps start-up light

    try:
        return parse_instant(text)
    except ValueError:
        raise argparse.ArgumentTypeError("not an ISO 8601 date and time") from None


def _batch_size(text: str) -> int:
    value = _count(text)
    if not 1 <= value <= 10_000:
        raise argparse.ArgumentTypeError("must be between 1 and 10000")
    return value


def _count(text: str) -> int:
    value = int(text.replace("_", ""))
    if value < 0:
        raise argparse.ArgumentTypeError("must be zero or more")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
    output = Output(plain=True) if args.plain else None
    try:
        if args.command == "demo":
            from klickit_core.cli.demo import run_demo  # noqa: PLC0415 - keeps start-up light

            run_demo(args.locale, output, url=args.db, fresh=args.db == DEMO_DATABASE)
        elif args.command == "db":
            from klickit_core.cli.database import run_upgrade  # noqa: PLC0415

            run_upgrade(args.db, output or Output(), args.locale)
        elif args.command == "seed":
            from klickit_core.cli.database import run_seed  # noqa: PLC0415

            run_seed(args.db, args.orders, output or Output(), args.locale)
        elif args.command in {"retention", "privacy"}:
            _run_privacy(args, output)
    except KlickitError as error:
        print(json.dumps(error.to_dict(), ensure_ascii=False), file=sys.stderr)
        return 2
    except BrokenPipeError:  # `klickit demo | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0
    return 0


def _run_privacy(args: argparse.Namespace, output: Output | None) -> None:
    from klickit_core.cli import privacy  # noqa: PLC0415 - keeps start-up light

    out = output or Output()
    common = {"as_json": args.json, "locale": args.locale}
    if args.command == "retention":
        privacy.run_retention_sweep(
            args.db, out, now=args.now, dry_run=args.dry_run, batch_size=args.batch_size, **common
        )
    elif args.privacy_command == "export":
        privacy.run_export(args.db, args.email, args.out, out, operator=args.operator, **common)
    elif args.privacy_command == "erase":
        privacy.run_erase(
            args.db,
            args.email,
            out,
            key_file=args.key_file,
            dry_run=args.dry_run,
            operator=args.operator,
            **common,
        )
    elif args.privacy_command == "export-ledger":
        privacy.run_export_ledger(args.db, args.out, out, **common)
    else:
        privacy.run_reapply(
            args.db,
            out,
            key_file=args.key_file,
            ledger_from=args.ledger_from,
            since=args.since,
            **common,
        )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
