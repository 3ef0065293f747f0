"""Entry point of the ``klickit`` command (SPEC X-8)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

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
        prog="klickit", description="Jobs of a Klickit shop: demo, and more as they land."
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
    return parser


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--locale", choices=SUPPORTED_LOCALES, default="fr")
    parser.add_argument("--plain", action="store_true", help="plain text, no colours")


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
    except KlickitError as error:
        print(json.dumps(error.to_dict(), ensure_ascii=False), file=sys.stderr)
        return 2
    except BrokenPipeError:  # `klickit demo | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
