"""Shipping zones and methods (SPEC SES-2).

The policy asks the visitor for a shipping address "pour estimer les frais de livraison
avant que vous passiez commande". An estimate needs only the destination (country and
postcode), the goods' tax-inclusive subtotal and their weight, so it can be given before
checkout and before any account exists.

* A :class:`Zone` matches destinations by country and postcode prefix. Zones are tried in
  order and the first match wins, so "Corsica" (FR, postcodes 20…) must come before
  "Mainland France" (FR).
* A :class:`ShippingMethod` belongs to a zone and prices a parcel with one
  :data:`Rate` kind: flat, free above a threshold, or by weight brackets.
* Prices are tax-inclusive like product prices; the method's VAT class says which rate
  the cart applies to them.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_
from klickit_core.shared.money import Money
from klickit_core.shared.vat import VatClass

__all__ = [
    "ByWeight",
    "FlatRate",
    "FreeAbove",
    "InvalidShippingConfigError",
    "NoShippingOptionError",
    "Rate",
    "ShippingMethod",
    "ShippingOption",
    "ShippingTable",
    "Zone",
]


class NoShippingOptionError(KlickitError):
    """No zone covers the destination, or no method of its zone can carry the parcel."""

    code = "shipping.no_option"
    message_template = N_("We cannot ship to this destination ({reason}).")


class InvalidShippingConfigError(KlickitError):
    """The shipping table is inconsistent (unknown zone, duplicate code, bad brackets)."""

    code = "shipping.invalid_config"
    message_template = N_("Invalid shipping configuration ({reason}).")


@attrs.frozen(slots=True)
class Zone:
    """Destinations sharing the same methods.

    ``countries`` empty means any country. ``postcode_prefixes`` non-empty restricts the
    zone to postcodes starting with one of them; ``excluded_prefixes`` removes some.
    """

    code: str
    name: str
    countries: frozenset[str] = frozenset()
    postcode_prefixes: tuple[str, ...] = ()
    excluded_prefixes: tuple[str, ...] = ()

    def covers(self, address: PostalAddress) -> bool:
        """Whether ``address`` is in this zone."""
        if self.countries and address.country not in self.countries:
            return False
        postcode = address.postcode.replace(" ", "").upper()
        if self.postcode_prefixes and not postcode.startswith(self.postcode_prefixes):
            return False
        return not (self.excluded_prefixes and postcode.startswith(self.excluded_prefixes))


@attrs.frozen(slots=True)
class FlatRate:
    """One price whatever the parcel."""

    price: Money

    def price_for(self, subtotal: Money, weight_grams: int) -> Money | None:
        """The price, always available."""
        return self.price


@attrs.frozen(slots=True)
class FreeAbove:
    """``price`` below ``threshold`` (tax-inclusive goods subtotal), free from it on."""

    price: Money
    threshold: Money

    def price_for(self, subtotal: Money, weight_grams: int) -> Money | None:
        """Free when ``subtotal >= threshold``."""
        return Money.zero(self.price.currency) if subtotal >= self.threshold else self.price


@attrs.frozen(slots=True)
class ByWeight:
    """Brackets ``(max_grams, price)`` in increasing weight; heavier parcels are refused."""

    brackets: tuple[tuple[int, Money], ...]

    def __attrs_post_init__(self) -> None:
        limits = [limit for limit, _ in self.brackets]
        if not limits or limits != sorted(set(limits)) or limits[0] <= 0:
            raise InvalidShippingConfigError(reason="weight_brackets")

    def price_for(self, subtotal: Money, weight_grams: int) -> Money | None:
        """The first bracket that holds ``weight_grams``, or ``None`` when too heavy."""
        for limit, price in self.brackets:
            if weight_grams <= limit:
                return price
        return None


Rate = FlatRate | FreeAbove | ByWeight


@attrs.frozen(slots=True)
class ShippingMethod:
    """A way to ship to one zone (``"colissimo-fr"``)."""

    code: str
    name: str
    zone: str
    rate: Rate
    vat_class: VatClass = VatClass.STANDARD


@attrs.frozen(slots=True)
class ShippingOption:
    """One priced way to ship a given parcel to a given address."""

    method: str
    name: str
    price: Money
    vat_class: VatClass
    #: The price in minor units, computed once (the cart pricer reads it on every call).
    price_minor: int = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "price_minor", self.price.minor_units())


@attrs.frozen(slots=True)
class ShippingTable:
    """The shop's zones (in matching order) and methods."""

    zones: tuple[Zone, ...]
    methods: tuple[ShippingMethod, ...]

    def __attrs_post_init__(self) -> None:
        zone_codes = [zone.code for zone in self.zones]
        method_codes = [method.code for method in self.methods]
        if len(set(zone_codes)) != len(zone_codes) or len(set(method_codes)) != len(method_codes):
            raise InvalidShippingConfigError(reason="duplicate_code")
        if any(method.zone not in zone_codes for method in self.methods):
            raise InvalidShippingConfigError(reason="unknown_zone")
        if len(_currencies(self.methods)) > 1:
            raise InvalidShippingConfigError(reason="mixed_currencies")

    def zone_for(self, address: PostalAddress) -> Zone:
        """The first zone covering ``address``."""
        for zone in self.zones:
            if zone.covers(address):
                return zone
        raise NoShippingOptionError(reason="no_zone")

    def options(
        self, address: PostalAddress, subtotal: Money, weight_grams: int
    ) -> list[ShippingOption]:
        """Every method that can carry the parcel, cheapest first (SPEC SES-2)."""
        zone = self.zone_for(address)
        options: list[ShippingOption] = []
        for method in self.methods:
            if method.zone != zone.code:
                continue
            price = method.rate.price_for(subtotal, weight_grams)
            if price is not None:
                options.append(ShippingOption(method.code, method.name, price, method.vat_class))
        if not options:
            raise NoShippingOptionError(reason="too_heavy")
        options.sort(key=lambda option: (option.price.amount, option.method))
        return options

    def option(
        self, method_code: str, address: PostalAddress, subtotal: Money, weight_grams: int
    ) -> ShippingOption:
        """The option of one method for this parcel, or :class:`NoShippingOptionError`."""
        for option in self.options(address, subtotal, weight_grams):
            if option.method == method_code:
                return option
        raise NoShippingOptionError(reason="method_unavailable")


def _currencies(methods: Sequence[ShippingMethod]) -> set[str]:
    currencies: set[str] = set()
    for method in methods:
        rate = method.rate
        if isinstance(rate, ByWeight):
            currencies.update(price.currency for _, price in rate.brackets)
        else:
            currencies.add(rate.price.currency)
            if isinstance(rate, FreeAbove):
                currencies.add(rate.threshold.currency)
    return currencies
