"""Entry point of the ``klickit`` command (SPEC X-8)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime

from klickit_core.cli.output import Output
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.locales import UnsupportedLocaleError, locale_language
from klickit_core.shared.serialisation import to_json

__all__ = ["BUSY_STATUS", "DEMO_DATABASE", "build_parser", "main"]

#: Where ``klickit demo`` keeps its shop unless told otherwise: a SQLite file in the
#: current folder, recreated at each run so the story is always the same.
DEMO_DATABASE = "sqlite:///klickit-demo.db"

#: The exit status of a job that did not start because another run of it is at work
#: (``EX_TEMPFAIL`` of sysexits.h: try again later). Only these error codes get it.
BUSY_STATUS = 75
_BUSY_CODES = frozenset({"privacy.sweep_running"})
#: ``klickit privacy …`` jobs that read a policy configuration, not a database.
_POLICY_JOBS = frozenset({"register", "notice", "check"})


def _locale(value: str) -> str:
    """``--locale``: any form the library accepts (``fr``, ``fr_FR``, ``en-GB``...), as its
    language; anything else is a usage error (exit status 2)."""
    try:
        return locale_language(value)
    except UnsupportedLocaleError as refused:
        raise argparse.ArgumentTypeError(refused.message("en")) from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, exposed for documentation and tests."""
    parser = argparse.ArgumentParser(
        prog="klickit",
        description="Jobs of a Klickit shop: demo, database, retention and privacy requests.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="run a visit end to end and tell what happened")
    demo.add_argument(
        "--locale", type=_locale, default="fr", help="language of the story (fr, en, en_GB...)"
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
    sweep.add_argument(
        "--batch-size",
        type=_batch_size,
        default=1000,  # privacy.sweep.DEFAULT_BATCH_SIZE (not imported: start-up stays light)
        metavar="N",
        help="records per batch and transaction (1 to 10000; default: %(default)s)",
    )
    sweep.add_argument(
        "--workers",
        type=_workers,
        default=1,
        metavar="N",
        help="categories swept at once, each on its own connection (1 to 16; for PostgreSQL)",
    )
    sweep.add_argument("--json", action="store_true", help="print a JSON report only")
    _add_common(sweep)

    privacy = commands.add_parser("privacy", help="data-subject requests and erasures")
    jobs = privacy.add_subparsers(dest="privacy_command", required=True, metavar="JOB")
    export = jobs.add_parser("export", help="write a person's data as HTML and JSON files")
    export.add_argument("--db", required=True, metavar="URL", help="database URL")
    export.add_argument("--email", required=True, metavar="E", help="the person's email")
    export.add_argument("--out", required=True, metavar="DIR", help="folder for the files")
    export.add_argument(
        "--operator", metavar="NAME", help="who runs it, a label for the logs (default: login name)"
    )
    export.add_argument("--json", action="store_true", help="print a JSON report only")
    _add_common(export)

    erase = jobs.add_parser("erase", help="erase a person (with the erasure ledger entry)")
    erase.add_argument("--db", required=True, metavar="URL", help="database URL")
    erase.add_argument("--email", required=True, metavar="E", help="the person's email")
    erase.add_argument("--dry-run", action="store_true", help="report only, change nothing")
    erase.add_argument(
        "--key-file", metavar="PATH", help="erasure ledger key (else $KLICKIT_ERASURE_KEY)"
    )
    erase.add_argument(
        "--operator", metavar="NAME", help="who runs it, a label for the logs (default: login name)"
    )
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
    _add_policy_commands(jobs)


def _add_policy_commands(jobs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``klickit privacy register | notice | check`` (PRV-7, PRV-8): the policy documents,
    from a policy configuration file; no database."""
    register = jobs.add_parser(
        "register", help="the record of processing (GDPR art. 30) of a policy configuration"
    )
    register.add_argument("--config", required=True, metavar="FILE", help="policy file (TOML)")
    register.add_argument(
        "--out", metavar="DIR", help="write register.html and register.json there"
    )
    register.add_argument(
        "--json", action="store_true", help="print the JSON (with --out: a JSON summary)"
    )
    _add_common(register)

    notice = jobs.add_parser("notice", help="the privacy notice (GDPR art. 13) as HTML or Markdown")
    notice.add_argument("--config", required=True, metavar="FILE", help="policy file (TOML)")
    notice.add_argument(
        "--format", choices=("html", "md"), default="html", help="html (default) or md"
    )
    notice.add_argument("--out", metavar="FILE", help="write the notice there")
    _add_common(notice)

    check = jobs.add_parser(
        "check",
        help="list what GDPR art. 13 requires that a policy configuration does not give "
        "(exit status 1 if anything is missing)",
    )
    check.add_argument("--config", required=True, metavar="FILE", help="policy file (TOML)")
    check.add_argument("--json", action="store_true", help="print a JSON report only")
    _add_common(check)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--locale", type=_locale, default="fr", help="fr, fr_FR, en, en_GB...")
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


def _workers(text: str) -> int:
    value = _count(text)
    if not 1 <= value <= 16:
        raise argparse.ArgumentTypeError("must be between 1 and 16")
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
        elif args.command == "privacy" and args.privacy_command in _POLICY_JOBS:
            return _run_policy(args, output)
        elif args.command in {"retention", "privacy"}:
            _run_privacy(args, output)
    except KlickitError as error:
        if error.code in _BUSY_CODES and not getattr(args, "json", False):
            print(error.message(args.locale), file=sys.stderr)  # one line, for people
            return BUSY_STATUS
        print(to_json(error), file=sys.stderr)
        return BUSY_STATUS if error.code in _BUSY_CODES else 2
    except BrokenPipeError:  # `klickit demo | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0
    return 0


def _run_policy(args: argparse.Namespace, output: Output | None) -> int:
    """The policy jobs; ``check`` exits 1 when the configuration lacks items."""
    from klickit_core.cli import policy  # noqa: PLC0415 - keeps start-up light

    out = output or Output()
    if args.privacy_command == "register":
        policy.run_register(
            args.config, out, out_dir=args.out, as_json=args.json, locale=args.locale
        )
    elif args.privacy_command == "notice":
        policy.run_notice(args.config, out, fmt=args.format, out_file=args.out, locale=args.locale)
    else:
        report = policy.run_check(args.config, out, as_json=args.json, locale=args.locale)
        if not report["complete"]:
            return policy.INCOMPLETE_STATUS
    return 0


def _run_privacy(args: argparse.Namespace, output: Output | None) -> None:
    from klickit_core.cli import privacy  # noqa: PLC0415 - keeps start-up light

    out = output or Output()
    common = {"as_json": args.json, "locale": args.locale}
    if args.command == "retention":
        privacy.run_retention_sweep(
            args.db,
            out,
            now=args.now,
            dry_run=args.dry_run,
            batch_size=args.batch_size,
            workers=args.workers,
            **common,
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
