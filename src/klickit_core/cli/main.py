"""Entry point of the ``klickit`` command (SPEC X-8)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from klickit_core.cli.output import Output
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import SUPPORTED_LOCALES

__all__ = ["build_parser", "main"]


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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "demo":
            from klickit_core.cli.demo import run_demo  # noqa: PLC0415 - keeps start-up light

            run_demo(args.locale, Output(plain=True) if args.plain else None)
    except KlickitError as error:
        print(json.dumps(error.to_dict(), ensure_ascii=False), file=sys.stderr)
        return 2
    except BrokenPipeError:  # `klickit demo | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
