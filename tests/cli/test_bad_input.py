"""X-8, X-9 (issue #16): every command, given bad input, prints one readable line and
exits with status 2, never a traceback.

Bad input is what a person mistypes or a machine lacks: a database that does not answer,
a file that is not there, a URL of the wrong scheme, a number that is not one, a path
that cannot be written. Each is run twice: as at a terminal (standard output and error
say they are terminals), where a person reads one sentence in the environment's language
(``LANG=en_GB.UTF-8`` here), and with ``--json``, where a script reads the error's JSON,
whose message is that sentence. A real pseudo-terminal checks the first form end to end.
"""

from __future__ import annotations

import errno
import io
import json
import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from klickit_core.cli import main
from klickit_core.cli.files import REASONS, CannotReadError, CannotWriteError, reason_of
from klickit_core.cli.privacy import ERASURE_KEY_VARIABLE
from klickit_core.shared.i18n import translate

KEY = "une clé de registre d'effacement pour les tests de la ligne de commande"
ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "examples" / "policy" / "klickit.toml"
#: A PostgreSQL URL where nothing listens (port 1 is never a database server's).
UNREACHABLE = "postgresql+psycopg://shop:s3cret@127.0.0.1:1/shop"
WRONG_SCHEME = "mysql://shop@127.0.0.1/shop"
EMAIL = "nobody@example.fr"


class _Terminal(io.StringIO):
    """A stream that says it is a terminal, as a person's standard output and error do."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(scope="module")
def shop_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An empty shop (made by ``klickit db upgrade``): the commands get past opening it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('shop') / 'shop.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdout", io.StringIO())
        assert main.main(["db", "upgrade", "--db", url, "--json"]) == 0
    return url


@pytest.fixture(autouse=True)
def english_terminal_user(monkeypatch: pytest.MonkeyPatch) -> None:
    """The person's environment: English, a wide terminal, the erasure key set."""
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv(ERASURE_KEY_VARIABLE, KEY)


def _run(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    """Run ``argv`` with standard output and error on simulated terminals; a usage error's
    ``SystemExit`` is read as its status."""
    out, err = _Terminal(), _Terminal()
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stdout", out)
        patch.setattr(sys, "stderr", err)
        try:
            status = main.main(argv)
        except SystemExit as stopped:
            status = int(stopped.code or 0)
    return status, out.getvalue(), err.getvalue()


def _one_line(status: int, out: str, err: str) -> str:
    """Exit status 2, nothing on standard output, one line on standard error."""
    assert "Traceback" not in out + err
    assert (status, out) == (2, ""), err
    assert err.endswith("\n")
    assert err.count("\n") == 1, err
    return err.rstrip("\n")


# ------------------------------------------------------------------------------ the cases
#: (id, argv, what the sentence says, the error code). ``{shop}`` is an empty shop,
#: ``{tmp}`` the test's folder, ``{file}`` a file there, ``{policy}`` a valid policy file.
DATABASE_JOBS = {
    "db upgrade": ["db", "upgrade", "--db", "{url}"],
    "seed": ["seed", "--db", "{url}", "--orders", "5"],
    "retention sweep": ["retention", "sweep", "--db", "{url}", "--dry-run"],
    "privacy export": ["privacy", "export", "--db", "{url}", "--email", EMAIL, "--out", "{tmp}/o"],
    "privacy erase": ["privacy", "erase", "--db", "{url}", "--email", EMAIL, "--dry-run"],
    "privacy export-ledger": ["privacy", "export-ledger", "--db", "{url}", "--out", "{tmp}/l"],
    "privacy reapply-erasures": ["privacy", "reapply-erasures", "--db", "{url}"],
}


def _database_cases() -> Iterator[tuple[str, list[str], str, str]]:
    for name, argv in DATABASE_JOBS.items():
        with_url = [part.replace("{url}", UNREACHABLE) for part in argv]
        yield (f"{name}: unreachable", with_url, "No database server answers at 127.0.0.1:1.",
               "storage.server_unreachable")  # fmt: skip
        with_scheme = [part.replace("{url}", WRONG_SCHEME) for part in argv]
        yield (f"{name}: wrong scheme", with_scheme, "Unsupported database URL scheme mysql",
               "bootstrap.unsupported_database")  # fmt: skip
    for name in ("retention sweep", "privacy export", "privacy erase", "privacy export-ledger"):
        missing = [part.replace("{url}", "sqlite:///{tmp}/shpo.db") for part in DATABASE_JOBS[name]]
        yield (f"{name}: no shop file", missing, "There is no shop at this database URL",
               "storage.no_shop")  # fmt: skip


CASES: list[tuple[str, list[str], str, str]] = [
    *_database_cases(),
    ("demo: unreachable", ["demo", "--db", UNREACHABLE],
     "No database server answers at 127.0.0.1:1.", "storage.server_unreachable"),
    ("demo: wrong scheme", ["demo", "--db", "shop.db"],
     "Unsupported database URL scheme", "bootstrap.unsupported_database"),
    ("reapply-erasures: ledger URL of the wrong scheme",
     ["privacy", "reapply-erasures", "--db", "{shop}", "--ledger-from", "ftp://host/ledger"],
     "Unsupported database URL scheme ftp", "bootstrap.unsupported_database"),
    # missing files
    ("register: missing policy", ["privacy", "register", "--config", "{tmp}/none.toml"],
     "Could not read {tmp}/none.toml: no such file.", "cli.cannot_read"),
    ("notice: missing policy", ["privacy", "notice", "--config", "{tmp}/none.toml"],
     "Could not read {tmp}/none.toml: no such file.", "cli.cannot_read"),
    ("check: policy is a folder", ["privacy", "check", "--config", "{tmp}"],
     "Could not read {tmp}: it is a folder, not a file.", "cli.cannot_read"),
    ("erase: missing key file",
     ["privacy", "erase", "--db", "{shop}", "--email", EMAIL, "--key-file", "{tmp}/none.key"],
     "Could not read {tmp}/none.key: no such file.", "cli.cannot_read"),
    ("reapply-erasures: missing ledger file",
     ["privacy", "reapply-erasures", "--db", "{shop}", "--ledger-from", "{tmp}/none.jsonl"],
     "Could not read {tmp}/none.jsonl: no such file.", "cli.cannot_read"),
    ("reapply-erasures: missing key file",
     ["privacy", "reapply-erasures", "--db", "{shop}", "--key-file", "{tmp}/none.key"],
     "Could not read {tmp}/none.key: no such file.", "cli.cannot_read"),
    # bad numbers, dates and values
    ("seed: orders not a number", ["seed", "--db", "{shop}", "--orders", "abc"],
     "klickit seed: argument --orders: 'abc' is not a whole number (see klickit seed --help)",
     "cli.usage"),
    ("seed: negative orders", ["seed", "--db", "{shop}", "--orders", "-1"],
     "klickit seed: argument --orders: must be 0 or more, not -1", "cli.usage"),
    ("sweep: batch size -1", ["retention", "sweep", "--db", "{shop}", "--batch-size", "-1"],
     "argument --batch-size: must be from 1 to 10000, not -1", "cli.usage"),
    ("sweep: batch size 0", ["retention", "sweep", "--db", "{shop}", "--batch-size", "0"],
     "argument --batch-size: must be from 1 to 10000, not 0", "cli.usage"),
    ("sweep: batch size 1e3", ["retention", "sweep", "--db", "{shop}", "--batch-size", "1e3"],
     "argument --batch-size: '1e3' is not a whole number", "cli.usage"),
    ("sweep: 17 workers", ["retention", "sweep", "--db", "{shop}", "--workers", "17"],
     "argument --workers: must be from 1 to 16, not 17", "cli.usage"),
    ("sweep: now not a date", ["retention", "sweep", "--db", "{shop}", "--now", "yesterday"],
     "argument --now: 'yesterday' is not an ISO 8601 date and time", "cli.usage"),
    ("erase: naive now",
     ["privacy", "erase", "--db", "{shop}", "--email", EMAIL, "--now", "2026-11-24T09:00"],
     "argument --now: '2026-11-24T09:00' has no UTC offset", "cli.usage"),
    ("export: month 13",
     ["privacy", "export", "--db", "{shop}", "--email", EMAIL, "--out", "{tmp}/o",
      "--now", "2026-13-01T00:00:00Z"],
     "argument --now: '2026-13-01T00:00:00Z' is not an ISO 8601 date and time", "cli.usage"),
    ("reapply-erasures: since not a date",
     ["privacy", "reapply-erasures", "--db", "{shop}", "--since", "soon"],
     "argument --since: 'soon' is not an ISO 8601 date and time", "cli.usage"),
    ("export: malformed email",
     ["privacy", "export", "--db", "{shop}", "--email", "nope", "--out", "{tmp}/o"],
     "Some fields are invalid (1). email: Enter a valid email address.", "klickit.validation"),
    ("demo: unsupported locale", ["demo", "--locale", "de"],
     "klickit demo: argument --locale: Unsupported locale de", "cli.usage"),
    # paths that cannot be written
    ("export: out is a file",
     ["privacy", "export", "--db", "{shop}", "--email", EMAIL, "--out", "{file}"],
     "Could not write {file}: it is a file, not a folder.", "cli.cannot_write"),
    ("export: out under a file",
     ["privacy", "export", "--db", "{shop}", "--email", EMAIL, "--out", "{file}/exports"],
     "Could not write {file}/exports: a part of the path is not a folder.", "cli.cannot_write"),
    ("export-ledger: folder missing",
     ["privacy", "export-ledger", "--db", "{shop}", "--out", "{tmp}/none/ledger.jsonl"],
     "Could not write {tmp}/none/ledger.jsonl: its folder does not exist.", "cli.cannot_write"),
    ("export-ledger: out is a folder",
     ["privacy", "export-ledger", "--db", "{shop}", "--out", "{tmp}"],
     "Could not write {tmp}: it is a folder, not a file.", "cli.cannot_write"),
    ("register: out is a file",
     ["privacy", "register", "--config", "{policy}", "--out", "{file}"],
     "Could not write {file}: it is a file, not a folder.", "cli.cannot_write"),
    ("notice: folder missing",
     ["privacy", "notice", "--config", "{policy}", "--out", "{tmp}/none/notice.html"],
     "Could not write {tmp}/none/notice.html: its folder does not exist.", "cli.cannot_write"),
]  # fmt: skip
#: The commands without ``--json``: the demo tells a story to a person.
NO_JSON = frozenset({"demo"})


def _fill(text: str, tmp_path: Path, shop: str) -> str:
    return (
        text.replace("{shop}", shop)
        .replace("{tmp}", str(tmp_path))
        .replace("{file}", str(tmp_path / "a-file.txt"))
        .replace("{policy}", str(POLICY))
    )


@pytest.fixture
def case_paths(tmp_path: Path) -> Path:
    (tmp_path / "a-file.txt").write_text("in the way\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("argv", "said", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_at_a_terminal_is_one_sentence(
    argv: list[str],
    said: str,
    code: str,
    case_paths: Path,
    shop_db: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """X-8, X-9 (issue #16): at a terminal, one sentence in the environment's language
    (English here), exit status 2, no traceback, no JSON; a write error names the path
    and the reason."""
    line = _one_line(*_run([_fill(part, case_paths, shop_db) for part in argv], monkeypatch))
    assert _fill(said, case_paths, shop_db) in line
    assert not line.startswith("{")
    assert "s3cret" not in line


@pytest.mark.parametrize(
    ("argv", "said", "code"),
    [c[1:] for c in CASES if c[1][0] not in NO_JSON],
    ids=[c[0] for c in CASES if c[1][0] not in NO_JSON],
)
def test_bad_input_with_json_is_one_json_line(
    argv: list[str],
    said: str,
    code: str,
    case_paths: Path,
    shop_db: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """X-8, X-9: with ``--json``, the same error as one JSON line, its message the
    sentence a person reads (the JSON's message is English, whatever the locale; a
    validation error's field errors are its ``errors``, which the sentence adds)."""
    filled = [_fill(part, case_paths, shop_db) for part in argv]
    line = _one_line(*_run([*filled, "--json"], monkeypatch))
    payload = json.loads(line)
    assert payload["code"] == code
    assert "s3cret" not in line
    sentence = _one_line(*_run(filled, monkeypatch))
    assert _fill(said, case_paths, shop_db) in sentence
    if code == "klickit.validation":
        assert sentence.startswith(payload["message"])
        assert [e["field"] for e in payload["errors"]] == ["email"]
    else:
        assert payload["message"] == sentence


def test_a_write_error_names_the_path_and_reason_in_french(
    case_paths: Path, shop_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """X-2, X-9: in a French environment the sentence is French, the path as typed."""
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    target = case_paths / "none" / "ledger.jsonl"
    argv = ["privacy", "export-ledger", "--db", shop_db, "--out", str(target)]
    line = _one_line(*_run(argv, monkeypatch))
    assert line == f"Impossible d'écrire {target} : son dossier n'existe pas."


def test_permission_denied_is_named(
    case_paths: Path, shop_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """X-9: a folder the operator may not write in (simulated: tests may run as root,
    who may write anywhere) is "permission denied", with the file's path."""

    def refused(self: Path, data: bytes) -> int:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))

    monkeypatch.setattr(Path, "write_bytes", refused)
    out = case_paths / "exports"
    argv = ["privacy", "export", "--db", shop_db, "--email", EMAIL, "--out", str(out), "--json"]
    payload = json.loads(_one_line(*_run(argv, monkeypatch)))
    assert payload["code"] == "cli.cannot_write"
    assert payload["details"]["reason"] == "permission_denied"
    assert payload["message"].startswith(f"Could not write {out}/klickit-export-")
    assert payload["message"].endswith(": permission denied.")


def test_a_full_disk_is_named(
    shop_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """X-9: a device with no space left (the ``ENOSPC`` a full disk gives on any system,
    raised here for the output file only) is "no space left on the device"."""
    out = tmp_path / "ledger.jsonl"
    opened = Path.open

    def full_disk(self: Path, *args: object, **kwargs: object) -> object:
        if self == out:
            raise OSError(errno.ENOSPC, "No space left on device")
        return opened(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", full_disk)
    argv = ["privacy", "export-ledger", "--db", shop_db, "--out", str(out)]
    line = _one_line(*_run(argv, monkeypatch))
    assert line == f"Could not write {out}: no space left on the device."


# ------------------------------------------------------------------------------ reasons
@pytest.mark.parametrize(
    ("error", "writing", "reason"),
    [
        (PermissionError(errno.EACCES, "x"), True, "permission_denied"),
        (PermissionError(errno.EPERM, "x"), False, "permission_denied"),
        (FileNotFoundError(errno.ENOENT, "x"), False, "no_such_file"),
        (FileNotFoundError(errno.ENOENT, "x"), True, "no_such_folder"),
        (NotADirectoryError(errno.ENOTDIR, "x"), True, "not_a_folder"),
        (FileExistsError(errno.EEXIST, "x"), True, "file_not_folder"),
        (IsADirectoryError(errno.EISDIR, "x"), False, "is_a_folder"),
        (OSError(errno.EROFS, "x"), True, "read_only"),
        (OSError(errno.ENOSPC, "x"), True, "no_space"),
        (OSError(errno.ENAMETOOLONG, "x"), True, "name_too_long"),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), False, "not_text"),
        (OSError(errno.EIO, "Input/output error"), True, "other"),
        (OSError("no errno at all"), False, "other"),
    ],
)
def test_reasons(error: OSError | UnicodeDecodeError, writing: bool, reason: str) -> None:
    """X-9: each system error has its reason code; a code without a phrase is ``other``."""
    assert reason_of(error, writing=writing) == reason
    assert reason == "other" or reason in REASONS


def test_an_unnamed_reason_keeps_the_systems_words() -> None:
    """X-9: an error with no phrase of its own still says what happened (in English, the
    system's words), in both languages."""
    error = CannotWriteError.of(OSError(errno.EIO, "Input/output error"), what="x", path="/mnt/f")
    assert dict(error.details) == {
        "what": "x", "path": "/mnt/f", "reason": "other", "error": "Input/output error",
    }  # fmt: skip
    assert error.message("en") == "Could not write /mnt/f: Input/output error."
    assert error.message("fr") == "Impossible d'écrire /mnt/f : Input/output error."
    unknown = CannotReadError.of(OSError("odd"), what="x", path="f")
    assert unknown.message("en") == "Could not read f: OSError."


@pytest.mark.parametrize("reason", sorted(REASONS))
def test_every_reason_reads_in_both_languages(reason: str) -> None:
    """X-2: each reason's phrase is translated (the French differs from the English)."""
    assert translate(REASONS[reason], "fr") != translate(REASONS[reason], "en")


# ------------------------------------------------------------------------------ a real tty
def _at_a_terminal(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """Run ``klickit argv`` in a child process whose standard output and error are a
    pseudo-terminal, as a person's; returns its status and what the terminal showed."""
    leader, follower = pty.openpty()
    child = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "klickit_core.cli.main", *argv],
        stdin=follower, stdout=follower, stderr=follower, env=env, cwd=cwd, close_fds=True,
    )  # fmt: skip
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return child.wait(timeout=60), shown.decode("utf-8").replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["privacy", "export-ledger", "--db", UNREACHABLE, "--out", "ledger.jsonl"],
         "Aucun serveur de base de données ne répond à l’adresse 127.0.0.1:1."),
        (["retention", "sweep", "--db", "sqlite://", "--batch-size", "0"],
         "klickit retention sweep: argument --batch-size: must be from 1 to 10000, not 0 "
         "(see klickit retention sweep --help)"),
    ],
)  # fmt: skip
def test_a_real_terminal_shows_one_sentence(argv: list[str], expected: str, tmp_path: Path) -> None:
    """X-8, X-9: through a real pseudo-terminal (a person's), in a French environment:
    exactly one line, the sentence, and status 2; with ``--json``, one JSON line."""
    env = {**os.environ, "LANG": "fr_FR.UTF-8", "COLUMNS": "200"}
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    status, shown = _at_a_terminal(argv, env, tmp_path)
    assert (status, shown) == (2, expected + "\n")
    status, shown = _at_a_terminal([*argv, "--json"], env, tmp_path)
    assert status == 2
    assert shown.count("\n") == 1
    assert "Traceback" not in shown
    assert json.loads(shown)["code"] in {"storage.server_unreachable", "cli.usage"}
