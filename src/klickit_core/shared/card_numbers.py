"""Payment card numbers in text typed by people (SPEC PAY-2).

A number counts as a card number when it has the length and issuer prefix (IIN) of a
brand in :data:`CARD_BRANDS` and passes the Luhn check (``stdnum.luhn``). How it is found
in free text, and how identifiers that are Luhn-valid by design (SIRET, IBAN, IMEI) are
told apart, is decision 0009 (``docs/decisions/0009-card-numbers-in-free-text.md``).
"""

from __future__ import annotations

import re

import attrs
from stdnum import iban, luhn
from stdnum.fr import siret

__all__ = ["CARD_BRANDS", "CardBrand", "card_brand", "contains_card_number"]

#: The shortest and longest card numbers (Maestro: 12 to 19 digits).
_MIN_DIGITS = 12
_MAX_DIGITS = 19
#: A stretch of a longer run is read as a number of its own when its groups have at least
#: three digits each (the card layouts 4-4-4-4, 4-6-5, 4-3-3-3, not the pairs of a French
#: phone number) and it has at least 13 digits (so a 16-digit number in groups of four is
#: only ever read whole: three of its groups are not a 12-digit Maestro card).
_MIN_GROUP = 3
_MIN_STRETCH = 13

#: One separator between digit groups: a space (no-break ones too), a hyphen or a dot.
_SEPARATOR = "[ \u00a0\u2007\u202f.\u2010\u2011\u2012\u2013-]"
_RUN = re.compile(rf"\d+(?:{_SEPARATOR}\d+)*")
#: Twelve digits in a row, one separator at most between two: text without it (nearly
#: all text) is settled by one scan in C.
_TWELVE_DIGITS = re.compile(rf"\d(?:{_SEPARATOR}?\d){{{_MIN_DIGITS - 1}}}")
_SPLIT = re.compile(_SEPARATOR)
_SEPARATORS = frozenset(" \u00a0\u2007\u202f.\u2010\u2011\u2012\u2013-")


@attrs.frozen(slots=True)
class CardBrand:
    """A card scheme: its issuer prefixes, as inclusive ranges of equal-length digit
    strings (``("51", "55")``), and the lengths its numbers have."""

    name: str
    prefixes: tuple[tuple[str, str], ...]
    lengths: frozenset[int]

    def issued(self, digits: str) -> bool:
        """Whether ``digits`` (ASCII digits only) has this brand's length and prefix."""
        return len(digits) in self.lengths and any(
            low <= digits[: len(low)] <= high for low, high in self.prefixes
        )


def _lengths(low: int, high: int) -> frozenset[int]:
    return frozenset(range(low, high + 1))


#: The brands a shop's gateway takes. Cartes Bancaires (CB) cards carry numbers of the
#: Visa or Mastercard ranges, so they are covered by those two.
CARD_BRANDS: tuple[CardBrand, ...] = (
    CardBrand("visa", (("4", "4"),), frozenset({13, 16, 19})),
    CardBrand("mastercard", (("51", "55"), ("2221", "2720")), frozenset({16})),
    CardBrand("amex", (("34", "34"), ("37", "37")), frozenset({15})),
    CardBrand(
        "discover",
        (("6011", "6011"), ("644", "649"), ("65", "65"), ("622126", "622925")),
        _lengths(16, 19),
    ),
    CardBrand(
        "diners", (("300", "305"), ("3095", "3095"), ("36", "36"), ("38", "39")), _lengths(14, 19)
    ),
    CardBrand("jcb", (("3528", "3589"),), _lengths(16, 19)),
    CardBrand(
        "maestro",
        (
            ("5018", "5018"),
            ("5020", "5020"),
            ("5038", "5038"),
            ("5893", "5893"),
            ("6304", "6304"),
            ("6759", "6759"),
            ("6761", "6763"),
            ("676770", "676770"),
            ("676774", "676774"),
        ),
        _lengths(12, 19),
    ),
    CardBrand("unionpay", (("62", "62"),), _lengths(16, 19)),
)


#: The first digits of every brand's numbers.
_FIRST_DIGITS = frozenset(
    brand_prefix[0] for brand in CARD_BRANDS for brand_prefix, _ in brand.prefixes
)


def card_brand(digits: str) -> str | None:
    """The brand whose length and prefix ``digits`` has, or ``None`` (no Luhn check)."""
    for brand in CARD_BRANDS:
        if brand.issued(digits):
            return brand.name
    return None


def _is_card_number(digits: str) -> bool:
    """A brand's length and prefix, Luhn-valid, and not a SIRET (decision 0009)."""
    if len(digits) > _MAX_DIGITS or digits[0] not in _FIRST_DIGITS:
        return False  # the common case, settled before the brand table
    if card_brand(digits) is None or not luhn.is_valid(digits):
        return False
    # A SIRET is Luhn-valid over its 14 digits *and* its first nine (the SIREN): such a
    # number is read as a SIRET, in every field (the ambiguity left by decision 0009).
    return not (len(digits) == 14 and siret.is_valid(digits))


def _ascii(digits: str) -> str:
    """``digits`` in ASCII: ``\\d`` also matches full-width and other decimal digits."""
    return digits if digits.isascii() else "".join(str(int(char)) for char in digits)


def _is_iban(text: str, start: int, digits: str) -> bool:
    """Whether the run at ``start`` follows a country code (``FR 76 3000…``) as an IBAN."""
    if start < 3 or text[start - 1] not in _SEPARATORS:
        return False
    country = text[start - 3 : start - 1]
    if not country.isalpha() or (start > 3 and text[start - 4].isalpha()):
        return False
    return iban.is_valid(country + digits)


def _windows(groups: list[str]) -> list[str]:
    """The numbers a run holds: the whole run, and every stretch of whole groups that
    looks like a card on its own (a card followed by its expiry date or CVC, or after a
    house number): see :data:`_MIN_STRETCH`."""
    numbers = ["".join(groups)]
    if len(groups) == 1:
        return numbers
    for first, group in enumerate(groups):
        if len(group) < _MIN_GROUP:
            continue
        size = 0
        for last in range(first, len(groups)):
            if len(groups[last]) < _MIN_GROUP:
                break
            size += len(groups[last])
            if size > _MAX_DIGITS:
                break
            if size >= _MIN_STRETCH and (first, last) != (0, len(groups) - 1):
                numbers.append("".join(groups[first : last + 1]))
    return numbers


def contains_card_number(text: str) -> bool:
    """Whether ``text`` holds a payment card number, with or without separators.

    A number is a run of digits in groups joined by one space, hyphen or dot. A run glued
    to a letter (``FR7630006000…``, ``A4242…``) or that follows ``+`` (an international
    phone number) is an identifier, never a card; so is an IBAN whose country code is set
    apart by a space. Inside a run, the whole run and every stretch of whole groups that
    could be a card on its own are tried against :data:`CARD_BRANDS` and the Luhn check.
    """
    if len(text) < _MIN_DIGITS or _TWELVE_DIGITS.search(text) is None:
        return False
    for match in _RUN.finditer(text):
        start, end = match.span()
        if end - start < _MIN_DIGITS:
            continue
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        if before.isalpha() or before == "+" or after.isalpha():
            continue
        groups = [_ascii(group) for group in _SPLIT.split(match.group())]
        if sum(map(len, groups)) < _MIN_DIGITS:
            continue
        if _is_iban(text, start, "".join(groups)):
            continue
        if any(_is_card_number(number) for number in _windows(groups)):
            return True
    return False
