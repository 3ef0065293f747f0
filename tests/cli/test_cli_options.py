"""X-8, X-2 (issue #16): the options a person reads and relies on.

``klickit --version``; every option explained, with its default, in plain words (no spec
ids); the language taken from the environment when ``--locale`` is not given; ``--now``
to replay an export or an erasure at a fixed instant; and output sent to a file or a
pipe that keeps every cell whole, at any width.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import io
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from klickit_core.adapters.sql.tables import access_log, orders
from klickit_core.catalogue.domain import Product
from klickit_core.cli import demo, main
from klickit_core.cli.output import Output
from klickit_core.shared.money import Money

#: A spec id as the docs cite them (PRV-2, X-8, CHK-1...): not for help texts.
SPEC_ID = re.compile(r"\b[A-Z]{1,4}-\d+\b")
NOW = "2026-11-24T10:00:00+01:00"
NOW_UTC = "2026-11-24T09:00:00+00:00"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A shop of 40 orders made by ``klickit seed``, copied for each test."""
    path = tmp_path_factory.mktemp("seeded") / "shop.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdout", io.StringIO())
        assert main.main(["seed", "--db", f"sqlite:///{path}", "--orders", "40", "--json"]) == 0
    return path


@pytest.fixture
def db(seeded: Path, tmp_path: Path) -> str:
    copy = tmp_path / "shop.db"
    shutil.copyfile(seeded, copy)
    return f"sqlite:///{copy}"


def _best_customer(url: str) -> str:
    """The email of the seeded customer with the most orders (the most records kept)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = list(connection.execute(select(orders.c.customer_id, orders.c.contact_email)))
    finally:
        engine.dispose()
    counts: dict[str, int] = {}
    for customer_id, email in rows:
        if customer_id is not None:
            counts[email] = counts.get(email, 0) + 1
    return max(counts, key=lambda email: (counts[email], email))


# ------------------------------------------------------------------------------ version
def test_version_is_the_installed_packages(capsys: pytest.CaptureFixture[str]) -> None:
    """X-8: ``klickit --version`` prints the distribution's version and exits 0."""
    with pytest.raises(SystemExit) as stopped:
        main.main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out == f"klickit {importlib.metadata.version('klickit-core')}\n"
    assert main.package_version() == importlib.metadata.version("klickit-core")


def test_version_without_the_package_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """X-8: run from sources that are not installed, the version is "unknown", not a
    traceback."""

    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    assert main.package_version() == "unknown"


# ------------------------------------------------------------------------------ help
def _parsers(
    parser: argparse.ArgumentParser, name: str = "klickit"
) -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(name, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, child in action.choices.items():
                found += _parsers(child, f"{name} {sub}")
    return found


PARSERS = _parsers(main.build_parser())
OPTIONS = [
    (f"{name} {action.option_strings[-1]}", action)
    for name, parser in PARSERS
    for action in parser._actions
    if action.option_strings and action.dest != "help"
]


def test_every_command_is_reached() -> None:
    """The walk below sees every command (a guard for the tests that use it)."""
    names = {name for name, _ in PARSERS}
    assert {"klickit demo", "klickit seed", "klickit db upgrade", "klickit retention sweep",
            "klickit privacy export", "klickit privacy erase",
            "klickit privacy notice"} <= names  # fmt: skip
    assert len(OPTIONS) > 40


@pytest.mark.parametrize(("option", "action"), OPTIONS, ids=[o for o, _ in OPTIONS])
def test_every_option_is_explained_in_plain_words(option: str, action: argparse.Action) -> None:
    """X-8 (issue #16): every option has help text; one with a default says it; no help
    text cites a spec id ("retention jobs (PRV-2)" meant nothing to an operator)."""
    assert action.help, option
    assert not SPEC_ID.search(action.help), action.help
    has_default = action.default not in (None, False, [], argparse.SUPPRESS)
    if has_default or action.dest == "locale":
        assert "default" in action.help, option


@pytest.mark.parametrize(("name", "parser"), PARSERS, ids=[n for n, _ in PARSERS])
def test_no_spec_ids_in_command_help(name: str, parser: argparse.ArgumentParser) -> None:
    """X-8: the command list and descriptions speak plainly too."""
    assert not SPEC_ID.search(parser.format_help()), name


@pytest.mark.parametrize(
    ("option", "shown"),
    [("--batch-size", "(default: 1000)"), ("--workers", "(default: 1)")],
)
def test_sweep_help_shows_the_defaults(
    capsys: pytest.CaptureFixture[str], option: str, shown: str
) -> None:
    """X-8: ``--help`` writes the default out."""
    with pytest.raises(SystemExit):
        main.main(["retention", "sweep", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert f"{option} N" in text
    assert shown in text.split(f"{option} N", 1)[1]


def test_seed_help_shows_the_default_orders(capsys: pytest.CaptureFixture[str]) -> None:
    """X-8: ``klickit seed --help``: ``--orders N ... (default: 10000)``."""
    with pytest.raises(SystemExit):
        main.main(["seed", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--orders N orders to make, 0 or more (default: 10000)" in text
    assert "--locale LOCALE language of the output" in text


@pytest.mark.parametrize("bad", ["-1", "0"])
def test_a_batch_size_out_of_range_says_the_range(
    capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    """X-8 (issue #16): -1 said "zero or more" and 0 "between 1 and 10000": now both say
    the range and the value."""
    with pytest.raises(SystemExit) as stopped:
        main.main(["retention", "sweep", "--db", "sqlite://", "--batch-size", bad])
    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        f"klickit retention sweep: argument --batch-size: must be from 1 to 10000, not {bad} "
        "(see klickit retention sweep --help)\n"
    )


def test_a_count_that_is_not_a_number(capsys: pytest.CaptureFixture[str]) -> None:
    """X-8 (issue #16): ``--orders abc`` said "invalid _count value"."""
    with pytest.raises(SystemExit):
        main.main(["seed", "--db", "sqlite://", "--orders", "abc"])
    err = capsys.readouterr().err
    assert "argument --orders: 'abc' is not a whole number" in err
    assert "_count" not in err


def test_digits_may_be_grouped() -> None:
    """X-8: ``--orders 1_000_000`` is a million, as Python writes it."""
    args = main.build_parser().parse_args(["seed", "--db", "x", "--orders", "1_000_000"])
    assert args.orders == 1_000_000


# ------------------------------------------------------------------------------ locale
@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({}, "fr"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "fr_CA.UTF-8"}, "fr"),
        ({"LANG": "en"}, "en"),
        ({"LANG": "C.UTF-8"}, "fr"),
        ({"LANG": "POSIX"}, "fr"),
        ({"LANG": "de_DE.UTF-8"}, "fr"),
        ({"LANG": "en_GB.ISO-8859-15@euro"}, "en"),
        ({"LC_MESSAGES": "en_GB.UTF-8", "LANG": "fr_FR.UTF-8"}, "en"),
        ({"LC_ALL": "fr_FR.UTF-8", "LC_MESSAGES": "en_GB.UTF-8", "LANG": "en_GB"}, "fr"),
        ({"LC_ALL": "", "LANG": "en_GB.UTF-8"}, "en"),
        ({"LC_ALL": "C", "LANG": "en_GB.UTF-8"}, "fr"),
    ],
)
def test_the_environment_locale(environ: dict[str, str], language: str) -> None:
    """X-2 (issue #16): LC_ALL, then LC_MESSAGES, then LANG (the first set wins); a
    language the shop does not speak gives the shop's, French."""
    assert main.environment_locale(environ) == language


def test_the_environment_sets_the_language(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """X-2 (issue #16): output was French even with ``LANG=en_GB.UTF-8``."""
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert main.main(["demo", "--plain", "--db", "memory://"]) == 0
    assert "== 3. The cart ==" in capsys.readouterr().out


def test_locale_overrides_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """X-2: ``--locale`` wins over the environment."""
    monkeypatch.setenv("LC_ALL", "en_GB.UTF-8")
    assert main.main(["demo", "--plain", "--db", "memory://", "--locale", "fr"]) == 0
    assert "== 3. Le panier ==" in capsys.readouterr().out


def test_an_explicit_unsupported_locale_is_still_an_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """X-2: the environment's unknown language falls back; a typed one is refused."""
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    with pytest.raises(SystemExit) as stopped:
        main.main(["demo", "--plain", "--db", "memory://", "--locale", "de_DE"])
    assert stopped.value.code == 2
    assert "Unsupported locale de_DE" in capsys.readouterr().err


# ------------------------------------------------------------------------------ --now
def test_erase_runs_at_the_given_instant(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    """PRV-4, X-8 (issue #16): ``privacy erase --now`` runs as at that instant (here a
    dry run: its report is dated then, in UTC); the same run twice gives the same
    counts."""
    email = _best_customer(db)
    argv = ["privacy", "erase", "--db", db, "--email", email, "--dry-run", "--now", NOW, "--json"]
    code, out, err = run(capsys, *argv)
    assert (code, err) == (0, "")
    report: dict[str, Any] = json.loads(out)
    assert report["at"] == NOW_UTC
    assert report["categories"] == json.loads(run(capsys, *argv)[1])["categories"]


def test_export_runs_at_the_given_instant(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """PRV-3, X-8 (issue #16): ``privacy export --now`` reads as at that instant: the
    access log dates the operator's read then."""
    email = _best_customer(db)
    argv = ["privacy", "export", "--db", db, "--email", email, "--out", str(tmp_path / "out"),
            "--operator", "lea", "--now", NOW, "--json"]  # fmt: skip
    code, _out, err = run(capsys, *argv)
    assert (code, err) == (0, "")
    engine = create_engine(db)
    try:
        with engine.connect() as connection:
            logged = list(
                connection.execute(
                    select(access_log.c.at).where(access_log.c.actor_id == "system:operator:lea")
                )
            )
    finally:
        engine.dispose()
    assert [row.at.isoformat() for row in logged] == [NOW_UTC]


# ------------------------------------------------------------------------------ width
def test_a_plain_erasure_report_pads_no_row(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    """PRV-4, X-8 (issue #16): ``--plain`` erase reports padded every row to the longest
    "kept" cell (over 1,000 characters for a faithful customer): now each record kept
    has a row of its own, and no line ends in blanks."""
    email = _best_customer(db)
    code, out, err = run(
        capsys, "privacy", "erase", "--db", db, "--email", email, "--dry-run", "--plain",
        "--locale", "en",
    )  # fmt: skip
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert all(line == line.rstrip() for line in lines)
    assert max(len(line) for line in lines) < 200
    kept = [line for line in lines if line.startswith("KL-")]
    assert len(kept) >= 2
    assert all("Accounting obligation" in line for line in kept)
    assert re.search(r"^Record kept +Category +Legal basis +Kept until$", out, re.M)


#: A product name as long as the catalogue takes (200 characters): its row is wider than 200.
LONG_NAME = ("Service à thé « Garonne » en porcelaine de Limoges, " * 4)[:200]
#: The colours a terminal gets (not part of the width a person sees).
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_a_table_piped_to_a_file_keeps_long_rows_whole(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """X-8 (issue #16): ``klickit demo > file`` with ``COLUMNS=200``: rich laid tables out
    at the width and wrapped or cut the cells; piped, a table is drawn at its natural
    width, so a 200-character product name stays on its row, whole."""
    monkeypatch.setenv("COLUMNS", "200")
    product = Product("SERVICE-THE", LONG_NAME, Money.of("89.00", "EUR"), stock=3)
    monkeypatch.setattr(demo, "DEMO_PRODUCTS", (*demo.DEMO_PRODUCTS, product))
    log = tmp_path / "demo.log"
    with log.open("w", encoding="utf-8") as piped:
        monkeypatch.setattr(sys, "stdout", piped)
        assert main.main(["demo", "--db", "memory://", "--locale", "en"]) == 0
    text = log.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if "SERVICE-THE" in line)
    assert LONG_NAME in row
    assert "€89.00" in row
    assert len(row) > 200
    assert "…" not in text
    assert "\x1b" not in text  # no colours in a file


def test_a_terminal_still_fits_the_table_to_its_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """X-8: at a terminal, rich fits the table to the terminal's width (a person reads
    it there); only output that is not a terminal is drawn at natural width."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("TERM", raising=False)
    screen = Terminal()
    Output(screen, plain=False).table(["Name", "Price"], [[LONG_NAME, "€89.00"]])
    lines = ANSI.sub("", screen.getvalue()).splitlines()
    assert max(len(line) for line in lines) == 100
    assert len(lines) > 5  # the name wrapped over several lines


def test_a_table_written_to_a_file_at_width_200(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """X-8 (issue #16): the Output itself, on a real file, at ``COLUMNS=200``: a row of
    600 characters is one line, every cell whole."""
    monkeypatch.setenv("COLUMNS", "200")
    cells = ["a" * 200, "b" * 200, "c" * 200]
    path = tmp_path / "table.txt"
    with path.open("w", encoding="utf-8") as stream:
        Output(stream, plain=False).table(["A", "B", "C"], [cells])
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5  # top, headers, rule, the row, bottom: nothing wrapped
    assert all(cell in lines[3] for cell in cells)
