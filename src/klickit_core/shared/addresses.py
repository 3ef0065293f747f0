"""Postal addresses as plain values.

An address here is only its structure: the country decides which fields are required and
what a postcode looks like, and that validation belongs to checkout (SPEC CHK-1). The
visitor session (SES-1) and the shipping estimate (SES-2) need only a country and a
postcode, so those are the only fields required at this level. ``company`` is the
organisation the address is for (a "raison sociale" line, as in WooCommerce's addresses);
it is empty for a private person.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import attrs
from babel import Locale

from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_

__all__ = ["InvalidAddressError", "PostalAddress", "is_known_country"]

_MAX_FIELD = 200


class InvalidAddressError(KlickitError):
    """An address field is malformed (unknown country, oversized field)."""

    code = "address.invalid"
    message_template = N_("Invalid address ({reason}).")


#: CLDR territory codes that are not ISO 3166-1 countries (unknown region, unions,
#: outlying Oceania, pseudo-locales).
_NOT_COUNTRIES = frozenset({"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"})


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    territories = Locale("en").territories
    codes = {code for code in territories if isinstance(code, str) and len(code) == 2}
    return frozenset(code for code in codes if code.isalpha()) - _NOT_COUNTRIES


def is_known_country(code: str) -> bool:
    """Whether ``code`` is an ISO 3166-1 alpha-2 code known to CLDR."""
    return code in _countries()


def _check_country(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, str) or not is_known_country(value):
        raise InvalidAddressError(reason="country")


def _check_text(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or len(value) > _MAX_FIELD:
        raise InvalidAddressError(reason=attribute.name)


def _check_lines(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, tuple) or len(value) > 4:
        raise InvalidAddressError(reason="street")
    if any(not isinstance(line, str) or len(line) > _MAX_FIELD for line in value):
        raise InvalidAddressError(reason="street")


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


@attrs.frozen(slots=True)
class PostalAddress:
    """A postal address. ``country`` is ISO 3166-1 alpha-2 (``"FR"``); ``company`` the
    company name typed with it (``""`` for none)."""

    country: str = attrs.field(converter=_upper, validator=_check_country)
    postcode: str = attrs.field(default="", converter=_strip, validator=_check_text)
    city: str = attrs.field(default="", converter=_strip, validator=_check_text)
    street: tuple[str, ...] = attrs.field(default=(), validator=_check_lines)
    region: str = attrs.field(default="", converter=_strip, validator=_check_text)
    company: str = attrs.field(default="", converter=_strip, validator=_check_text)


_set = object.__setattr__


def _checked_address(
    country: str, postcode: str, city: str, street: tuple[str, ...], region: str, company: str
) -> PostalAddress:
    """A :class:`PostalAddress` from values that have already passed the checks its
    converters and validators make, built without running them again.

    Only :func:`klickit_core.shared.address_rules.check_address` calls it, on the address it
    has just checked: a known upper-case country code, trimmed text of at most
    ``_MAX_FIELD`` characters in every field (lengths that NFKC or upper-casing changed
    are checked again there, as field errors), at most four street lines. Going through
    ``__init__`` there re-ran the same checks on every checkout (about a tenth of
    ``validate_checkout``).
    Everything else builds addresses through ``__init__``, which checks.
    """
    address: PostalAddress = object.__new__(PostalAddress)
    _set(address, "country", country)
    _set(address, "postcode", postcode)
    _set(address, "city", city)
    _set(address, "street", street)
    _set(address, "region", region)
    _set(address, "company", company)
    return address
