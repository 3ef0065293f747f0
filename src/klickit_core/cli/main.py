"""Entry point of the ``klickit`` command (SPEC X-8, X-9).

The command is read by people at a terminal and by scripts (cron jobs, deployments), and
each gets its own form (issue #16):

* an error is one line on standard error and exit status 2, never a traceback: a
  sentence in the chosen language, or with ``--json`` the error's JSON. The choice
  depends on ``--json`` only, never on whether the output is a terminal, so a log shows
  what the person at the terminal saw. Usage errors (a bad number, a missing option) are
  one line too, in argparse's English, naming the command whose ``--help`` tells more;
* the language is ``--locale``, else the environment's (``LC_ALL``, ``LC_MESSAGES``,
  ``LANG``), else the shop's (French);
* tables sent to a pipe or a file are drawn at their natural width
  (:mod:`klickit_core.cli.output`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import NoReturn

from klickit_core.cli.output import Output
from klickit_core.shared.errors import KlickitError, ValidationError
from klickit_core.shared.i18n import DEFAULT_LOCALE, N_, negotiate_locale
from klickit_core.shared.locales import UnsupportedLocaleError, locale_language
from klickit_core.shared.serialisation import to_json

__all__ = [
    "BUSY_STATUS",
    "DEMO_DATABASE",
    "LOCALE_VARIABLES",
    "UsageError",
    "build_parser",
    "environment_locale",
    "main",
    "package_version",
]

#: Where ``klickit demo`` keeps its shop unless told otherwise: a SQLite file in the
#: current folder, recreated at each run so the story is always the same.
DEMO_DATABASE = "sqlite:///klickit-demo.db"

#: The exit status of a job that did not start because another run of it is at work
#: (``EX_TEMPFAIL`` of sysexits.h: try again later). Only these error codes get it.
BUSY_STATUS = 75
_BUSY_CODES = frozenset({"privacy.sweep_running"})
#: ``klickit privacy …`` jobs that read a policy configuration, not a database.
_POLICY_JOBS = frozenset({"register", "notice", "check"})
#: Where the language comes from when ``--locale`` is not given, in POSIX order: the first
#: one set wins (``LC_ALL`` overrides ``LC_MESSAGES``, which overrides ``LANG``).
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")
#: The help text's note on ``--locale``, shared by every command.
_LOCALE_HELP = (
    "fr, fr_FR, en, en_GB... (default: the language of LC_ALL, LC_MESSAGES or LANG if the "
    "shop speaks it, else fr)"
)


class UsageError(KlickitError):
    """The command line itself is wrong: an unknown option, a missing one, a value of the
    wrong kind. Its message is argparse's (English: the locale is not known until the
    line is read), with the command and where its usage is (``command``, ``problem``)."""

    code = "cli.usage"
    message_template = N_("{command}: {problem} (see {command} --help)")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (a :class:`UsageError`), not the
    usage block followed by the problem: ``main`` prints it as it prints every error."""

    def error(self, message: str) -> NoReturn:
        """Raise the problem as a :class:`UsageError` instead of printing and exiting."""
        problem = " ".join(message.split()).rstrip(".")
        raise UsageError(
            f"{self.prog}: {problem} (see {self.prog} --help)", command=self.prog, problem=problem
        )


class _VersionAction(argparse.Action):
    """``--version``: the installed package's version, looked up only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str) -> None:  # noqa: A002 - argparse's name
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        print(f"{parser.prog} {package_version()}")
        parser.exit()


def package_version() -> str:
    """The version of the installed ``klickit-core`` distribution (``importlib.metadata``),
    or ``unknown`` when the sources run without being installed."""
    from importlib.metadata import (  # noqa: PLC0415 - only for --version
        PackageNotFoundError,
        version,
    )

    try:
        return version("klickit-core")
    except PackageNotFoundError:
        return "unknown"


def environment_locale(environ: Mapping[str, str] | None = None) -> str:
    """The language when ``--locale`` is not given: that of the first of
    :data:`LOCALE_VARIABLES` that is set (``en_GB.UTF-8`` and ``en_US.UTF-8`` are ``en``),
    or the shop's default (:data:`~klickit_core.shared.i18n.DEFAULT_LOCALE`) when none is
    set or the shop does not speak it (``C``, ``POSIX``, ``de_DE.UTF-8``). Never an error:
    the environment is the person's, not a choice typed for this command."""
    variables = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        value = variables.get(name, "")
        if value:
            return negotiate_locale(value.partition(".")[0].partition("@")[0])
    return DEFAULT_LOCALE


def _locale(value: str) -> str:
    """``--locale``: any form the library accepts (``fr``, ``fr_FR``, ``en-GB``...), as its
    language; anything else is a usage error (exit status 2)."""
    try:
        return locale_language(value)
    except UnsupportedLocaleError as refused:
        raise argparse.ArgumentTypeError(refused.message("en")) from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, exposed for documentation and tests. Its usage errors are
    :class:`UsageError`; ``--locale`` is ``None`` when not given (``main`` then reads the
    environment, :func:`environment_locale`)."""
    parser = _Parser(
        prog="klickit",
        description="Jobs of a Klickit shop: demo, database, retention and privacy requests.",
    )
    parser.add_argument("--version", action=_VersionAction, help="print the version and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="run a visit end to end and tell what happened")
    demo.add_argument("--locale", type=_locale, help=f"language of the story: {_LOCALE_HELP}")
    demo.add_argument("--plain", action="store_true", help="plain text, no colours or tables")
    demo.add_argument(
        "--db",
        default=DEMO_DATABASE,
        metavar="URL",
        help=f"database to run on (default: {DEMO_DATABASE}, recreated at each run; "
        "memory:// keeps nothing)",
    )

    db = commands.add_parser("db", help="database schema jobs")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="JOB")
    upgrade = db_commands.add_parser("upgrade", help="apply the shipped migrations")
    upgrade.add_argument("--db", required=True, metavar="URL", help="database URL")
    upgrade.add_argument("--json", action="store_true", help="print a JSON report only")
    _add_common(upgrade)

    seed = commands.add_parser("seed", help="fill a database with a synthetic shop")
    seed.add_argument("--db", required=True, metavar="URL", help="database URL (empty)")
    seed.add_argument(
        "--orders",
        type=_order_count,
        default=10_000,
        metavar="N",
        help="orders to make, 0 or more (default: %(default)s)",
    )
    seed.add_argument("--json", action="store_true", help="print a JSON report only")
    _add_common(seed)
    _add_privacy_commands(commands)
    return parser


def _add_privacy_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    """``klickit retention sweep`` and ``klickit privacy …`` (PRV-2 … PRV-6)."""
    retention = commands.add_parser(
        "retention", help="delete or anonymise personal data past its retention period"
    )
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
        help="reference instant, ISO 8601 (default: now; UTC if no offset)",
    )
    sweep.add_argument("--dry-run", action="store_true", help="report only, change nothing")
    sweep.add_argument(
        "--batch-size",
        type=_batch_size,
        default=1000,  # privacy.sweep.DEFAULT_BATCH_SIZE (not imported: start-up stays light)
        metavar="N",
        help="records per batch and transaction, 1 to 10000 (default: %(default)s)",
    )
    sweep.add_argument(
        "--workers",
        type=_workers,
        default=1,
        metavar="N",
        help="categories swept at once, each on its own connection, 1 to 16; for PostgreSQL "
        "(default: %(default)s)",
    )
    sweep.add_argument("--json", action="store_true", help="print a JSON report only")
    _add_common(sweep)

    privacy = commands.add_parser("privacy", help="data-subject requests and erasures")
    jobs = privacy.add_subparsers(dest="privacy_command", required=True, metavar="JOB")
    export = jobs.add_parser(
        "export", help="write a person's data as the file an access request delivers"
    )
    export.add_argument("--db", required=True, metavar="URL", help="database URL")
    export.add_argument("--email", required=True, metavar="E", help="the person's email")
    export.add_argument("--out", required=True, metavar="DIR", help="folder for the file")
    export.add_argument(
        "--format",
        dest="export_format",
        choices=("html", "zip"),
        default=None,
        help="one HTML page with the JSON inside it, or a ZIP of the HTML and JSON files "
        "(default: the shop's setting, html)",
    )
    export.add_argument(
        "--operator",
        metavar="NAME",
        help="who runs it, a label for the shop's logs, never shown in the person's file "
        "(default: login name)",
    )
    export.add_argument(
        "--shop-name",
        type=_display_name,
        metavar="NAME",
        help="the shop's name, as the file says it (default: Klickit)",
    )
    export.add_argument(
        "--staff-name",
        type=_display_name,
        metavar="NAME",
        help="how the file names the shop's staff where they read or changed the person's "
        "data (default: the <shop name> team, in the file's language)",
    )
    export.add_argument(
        "--now",
        type=_aware_instant,
        metavar="ISO",
        help="the instant to run at, ISO 8601 with its UTC offset, to replay or test a run "
        "(default: now)",
    )
    export.add_argument("--json", action="store_true", help="print a JSON report only")
    _add_common(export)

    erase = jobs.add_parser("erase", help="erase a person (with the erasure ledger entry)")
    erase.add_argument("--db", required=True, metavar="URL", help="database URL")
    erase.add_argument("--email", required=True, metavar="E", help="the person's email")
    erase.add_argument("--dry-run", action="store_true", help="report only, change nothing")
    erase.add_argument(
        "--key-file",
        metavar="PATH",
        help="file holding the erasure ledger key (default: $KLICKIT_ERASURE_KEY)",
    )
    erase.add_argument(
        "--operator", metavar="NAME", help="who runs it, a label for the logs (default: login name)"
    )
    erase.add_argument(
        "--now",
        type=_aware_instant,
        metavar="ISO",
        help="the instant to run at, ISO 8601 with its UTC offset, to replay or test a run "
        "(default: now)",
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
        "--key-file",
        metavar="PATH",
        help="file holding the erasure ledger key (default: $KLICKIT_ERASURE_KEY)",
    )
    reapply.add_argument(
        "--ledger-from",
        action="append",
        default=[],
        metavar="FILE_OR_URL",
        help="a ledger file or the database to read more ledger entries from (repeatable)",
    )
    reapply.add_argument(
        "--since",
        type=_instant,
        metavar="ISO",
        help="only erasures after this instant, the backup's time, ISO 8601 (UTC if no "
        "offset; default: every erasure)",
    )
    reapply.add_argument("--json", action="store_true", help="print a JSON report only")
    _add_common(reapply)
    _add_policy_commands(jobs)


def _add_policy_commands(jobs: argparse._SubParsersAction[_Parser]) -> None:
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
    notice.add_argument(
        "--json",
        action="store_true",
        help="print a JSON report only (the notice in it as text, unless written to --out)",
    )
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
    parser.add_argument("--locale", type=_locale, help=f"language of the output: {_LOCALE_HELP}")
    parser.add_argument("--plain", action="store_true", help="plain text, no colours or tables")


#: An example of the instants the options take, for their error messages.
_ISO_EXAMPLE = "2026-11-24T09:00:00+01:00"


def _instant(text: str) -> datetime:
    """``--now`` of the sweep and ``--since``: ISO 8601, UTC when it has no offset (as
    documented since these options exist)."""
    from klickit_core.cli.privacy import parse_instant  # noqa: PLC0415 - keeps start-up light

    try:
        return parse_instant(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 date and time, such as {_ISO_EXAMPLE}"
        ) from None


def _aware_instant(text: str) -> datetime:
    """``--now`` of ``privacy export`` and ``privacy erase``: an ISO 8601 instant with its
    UTC offset. A replayed erasure or export is evidence of when it ran, so a time
    without an offset is refused rather than guessed."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 date and time, such as {_ISO_EXAMPLE}"
        ) from None
    if moment.utcoffset() is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no UTC offset; add one, as in {_ISO_EXAMPLE} or 2026-11-24T08:00:00Z"
        )
    return moment


def _display_name(text: str) -> str:
    """``--shop-name`` and ``--staff-name``: a name the person's file shows, not blank and
    at most 200 characters (surrounding spaces dropped)."""
    name = text.strip()
    if not name or len(name) > 200:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a name of 1 to 200 characters")
    return name


def _whole_number(text: str, low: int, high: int | None = None) -> int:
    """``text`` as a whole number from ``low`` to ``high`` (no bound when ``None``);
    ``_`` may group digits. One message per problem, whatever side of the range."""
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < low or (high is not None and value > high):
        bounds = f"{low} or more" if high is None else f"from {low} to {high}"
        raise argparse.ArgumentTypeError(f"must be {bounds}, not {value}")
    return value


def _batch_size(text: str) -> int:
    return _whole_number(text, 1, 10_000)


def _workers(text: str) -> int:
    return _whole_number(text, 1, 16)


def _order_count(text: str) -> int:
    return _whole_number(text, 0)


def _sentence(error: KlickitError, locale: str) -> str:
    """The error as one line for a person: its message in ``locale``, and for a
    validation error what is wrong with each field."""
    text = error.message(locale)
    if isinstance(error, ValidationError) and error.errors:
        text += " " + " ".join(f"{e.field}: {e.message(locale)}" for e in error.errors)
    return " ".join(text.split())


def _report(error: KlickitError, locale: str, *, as_json: bool) -> None:
    """One line on standard error: the error's JSON with ``--json``, else a sentence."""
    print(to_json(error) if as_json else _sentence(error, locale), file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code (a usage error exits 2, with
    one line on standard error, as argparse does)."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser().parse_args(arguments)
    except UsageError as error:
        _report(error, environment_locale(), as_json="--json" in arguments)
        raise SystemExit(2) from None
    if args.locale is None:
        args.locale = environment_locale()
    output = Output(plain=True) if args.plain else None
    try:
        if args.command == "demo":
            from klickit_core.cli.demo import run_demo  # noqa: PLC0415 - keeps start-up light

            run_demo(args.locale, output, url=args.db, fresh=args.db == DEMO_DATABASE)
        elif args.command == "db":
            from klickit_core.cli.database import run_upgrade  # noqa: PLC0415

            run_upgrade(args.db, output or Output(), args.locale, as_json=args.json)
        elif args.command == "seed":
            from klickit_core.cli.database import run_seed  # noqa: PLC0415

            run_seed(args.db, args.orders, output or Output(), args.locale, as_json=args.json)
        elif args.command == "privacy" and args.privacy_command in _POLICY_JOBS:
            return _run_policy(args, output)
        elif args.command in {"retention", "privacy"}:
            _run_privacy(args, output)
    except KlickitError as error:
        _report(error, args.locale, as_json=getattr(args, "json", False))
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
        policy.run_notice(
            args.config,
            out,
            fmt=args.format,
            out_file=args.out,
            as_json=args.json,
            locale=args.locale,
        )
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
        privacy.run_export(
            args.db,
            args.email,
            args.out,
            out,
            operator=args.operator,
            export_format=args.export_format,
            shop_name=args.shop_name,
            staff_name=args.staff_name,
            now=args.now,
            **common,
        )
    elif args.privacy_command == "erase":
        privacy.run_erase(
            args.db,
            args.email,
            out,
            key_file=args.key_file,
            dry_run=args.dry_run,
            operator=args.operator,
            now=args.now,
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
