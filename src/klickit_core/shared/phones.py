"""Phone numbers: parsed with phonenumbers, stored in E.164, shown in national format.

Why E.164 (``+33612345678``) for storage: it is the one spelling of a number, whatever the
shopper typed (``06 12 34 56 78``, ``06.12.34.56.78``, ``+33 (0)6…``, ``0033…``), so the
privacy engine can find a person by phone and a payment gateway receives a canonical
value. Display is a separate concern: :func:`format_national` gives ``06 12 34 56 78``.

Rules beyond phonenumbers' own (SPEC CHK-1, X-9):

* Only digits, spaces, ``+``, ``(``, ``)``, ``.``, ``-`` and ``/`` are accepted. phonenumbers
  would turn letters into digits (``1-800-FLOWERS``) and read ``ext. 12`` as an extension;
  a number typed at checkout has neither, and a letter there is far more likely a typo.
* A number must be *valid* (an allocated range for its region), not merely *possible*
  (the right length): ``06 12 34 56 789`` or ``01 00 00 00 00`` are refused.
* A number typed nationally (``0470 12 34 56``) is read in the region of the address it
  belongs to (:func:`phone_region`: the billing country, else the shipping country, else
  the shop's default region): the same digits are ``+32470123456`` in Belgium and
  ``+33470123456`` in France. A number in international form (``+32…``, ``0032…``) is the
  same number whatever the address: a leading ``00`` is read as ``+`` even where the
  region dials abroad otherwise (``011`` in the United States; ``010`` in Japan, where
  ``0037…`` would otherwise be a national service number).
* The French overseas departments share the French numbering plan: a shopper in
  La Réunion types ``0692 12 34 56``, which phonenumbers, parsing for region ``FR``, finds
  invalid (those numbers are ``+262…``). A national number that is not valid for a region
  of that plan is therefore retried for its other regions, metropolitan France first, then
  the overseas ones that dial with the same national ``0`` prefix (Réunion, Mayotte,
  Guadeloupe, Saint-Barthélemy, Saint-Martin, Martinique, French Guiana).

Every failure is a :class:`~klickit_core.shared.errors.FieldError` (``phone.required``,
``phone.invalid``) that never carries the typed value; nothing from phonenumbers escapes.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from klickit_core.shared.errors import FieldError, KlickitError
from klickit_core.shared.i18n import N_

__all__ = [
    "FRENCH_NUMBERING_PLAN_REGIONS",
    "MAX_PHONE_INPUT_LENGTH",
    "InvalidPhoneNumberError",
    "check_phone",
    "format_national",
    "phone_region",
]

#: Longest typed number accepted: E.164 allows 15 digits; this leaves room for spacing.
MAX_PHONE_INPUT_LENGTH = 40

#: Regions dialled with the national ``0`` prefix of the French 10-digit plan: numbers of
#: the overseas departments are national numbers for a shopper in France, and the other way
#: round.
FRENCH_NUMBERING_PLAN_REGIONS = frozenset({"FR", "RE", "YT", "GP", "BL", "MF", "MQ", "GF"})
_FRENCH_PLAN_ORDER = ("FR", "RE", "YT", "GP", "BL", "MF", "MQ", "GF")
#: For each region of the French plan, the others to try, metropolitan France first.
_SAME_PLAN = {
    region: tuple(other for other in _FRENCH_PLAN_ORDER if other != region)
    for region in _FRENCH_PLAN_ORDER
}

# ``\d`` is Unicode-aware on purpose: phonenumbers reads Arabic-Indic and other decimal
# digits; full-width digits are folded to ASCII by NFKC before this check.
_TYPED_NUMBER = re.compile(r"\+?[\d ().\-/]+")

_REQUIRED = N_("Enter a phone number.")
_INVALID = N_("Enter a valid phone number.")


class InvalidPhoneNumberError(KlickitError):
    """:func:`format_national` was given something that is not an E.164 number."""

    code = "phone.invalid"
    message_template = _INVALID


@lru_cache(maxsize=64)
def _is_supported_region(region: str) -> bool:
    return region in phonenumbers.SUPPORTED_REGIONS


def phone_region(*countries: object, default: str = "FR") -> str:
    """The region a number typed nationally is read in: the first of ``countries`` (the
    billing country, then the shipping country, as typed) that phonenumbers knows, else
    ``default`` (the shop's region).

    A country phonenumbers does not know (Antarctica, the French Southern Territories), a
    missing address (``None``) or garbage from an untyped caller is skipped.
    """
    for country in countries:
        if isinstance(country, str):
            code = country.strip().upper()
            if code in phonenumbers.SUPPORTED_REGIONS:
                return code
    return default


def _parse_valid(number: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        parsed = phonenumbers.parse(number, region)
    except NumberParseException:
        return None
    if parsed.extension or not phonenumbers.is_valid_number(parsed):
        return None
    return parsed


def check_phone(
    value: object, path: tuple[str | int, ...], default_region: str = "FR"
) -> str | FieldError:
    """The number in E.164 (``"+33612345678"``), or a :class:`FieldError` at ``path``.

    ``default_region`` (ISO 3166-1 alpha-2) reads numbers typed without an international
    prefix: the region of the address the number belongs to (see :func:`phone_region`).
    An unsupported region is a programming error and raises :class:`ValueError`.
    """
    if not _is_supported_region(default_region):
        raise ValueError(f"unsupported default phone region {default_region!r}")
    if not isinstance(value, str):
        return FieldError(path, "phone.required", _REQUIRED)
    if len(value) > 4 * MAX_PHONE_INPUT_LENGTH:  # do not normalise megabytes
        return FieldError(path, "phone.invalid", _INVALID)
    typed = unicodedata.normalize("NFKC", value).strip()
    if not typed:
        return FieldError(path, "phone.required", _REQUIRED)
    if len(typed) > MAX_PHONE_INPUT_LENGTH or _TYPED_NUMBER.fullmatch(typed) is None:
        return FieldError(path, "phone.invalid", _INVALID)
    if typed.startswith("00"):  # international whatever the region (Japan dials 010)
        typed = f"+{typed[2:]}"
    parsed = _parse_valid(typed, default_region)
    if parsed is None and default_region in _SAME_PLAN and not typed.startswith("+"):
        for region in _SAME_PLAN[default_region]:
            parsed = _parse_valid(typed, region)
            if parsed is not None:
                break
    if parsed is None:
        return FieldError(path, "phone.invalid", _INVALID)
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def format_national(e164: str, region: str = "FR") -> str:
    """``e164`` for display to someone in ``region``: ``"+33123456789"`` → ``"01 23 45 67 89"``.

    A number of ``region`` (or, for ``FR``, of the French overseas departments, which are
    dialled the same way from France) is shown in national format; any other number in
    international format (``"+44 20 7946 0958"``), since its national format could not be
    dialled from ``region``. Raises :class:`InvalidPhoneNumberError` if ``e164`` is not a
    ``+``-prefixed number.
    """
    try:
        if not e164.startswith("+"):
            raise InvalidPhoneNumberError
        parsed = phonenumbers.parse(e164, None)
    except (AttributeError, NumberParseException):  # not a str (untyped callers), unparsable
        raise InvalidPhoneNumberError from None
    number_region = phonenumbers.region_code_for_number(parsed)
    same_plan = number_region == region or (
        region in FRENCH_NUMBERING_PLAN_REGIONS and number_region in FRENCH_NUMBERING_PLAN_REGIONS
    )
    number_format = PhoneNumberFormat.NATIONAL if same_plan else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(parsed, number_format)
