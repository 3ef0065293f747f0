"""A ready-made French shipping table, for demos and as a starting point.

The zones follow how French carriers price parcels: mainland France, Corsica (postcodes
20…), the overseas departments and territories (postcodes 97… and 98…, or their own ISO
codes), the rest of the European Union, and the world. Prices are illustrative, not a
carrier's tariff; a shop passes its own :class:`~klickit_core.shipping.domain.ShippingTable`.
"""

from __future__ import annotations

from decimal import Decimal

from klickit_core.shared.i18n import N_
from klickit_core.shared.money import Money
from klickit_core.shipping.domain import (
    ByWeight,
    FlatRate,
    FreeAbove,
    ShippingMethod,
    ShippingTable,
    Zone,
)

__all__ = ["EU_COUNTRIES", "METHOD_LABELS", "OVERSEAS_CODES", "french_shipping_table"]

#: What a customer reads for each method of :func:`french_shipping_table`, by its code
#: (``N_`` msgids): an order keeps the code, a person's export shows the label (PRV-3,
#: issue #16).
METHOD_LABELS: dict[str, str] = {
    "relay-fr": N_("Pick-up point (mainland France)"),
    "colissimo-fr": N_("Colissimo home delivery (mainland France)"),
    "colissimo-corsica": N_("Colissimo home delivery (Corsica)"),
    "colissimo-om": N_("Colissimo home delivery (overseas France)"),
    "colissimo-om-iso": N_("Colissimo home delivery (overseas France)"),
    "colissimo-eu": N_("Colissimo delivery (European Union)"),
    "colissimo-world": N_("Colissimo delivery (rest of the world)"),
}

#: EU member states (ISO 3166-1 alpha-2), France included.
EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
#: French overseas departments and territories with their own ISO codes.
OVERSEAS_CODES = frozenset(["GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "WF", "PF", "NC", "TF"])


def french_shipping_table(currency: str = "EUR") -> ShippingTable:
    """Mainland, Corsica, overseas, EU and world zones with flat, free-above and weight rates."""

    def eur(value: str) -> Money:
        return Money(Decimal(value), currency)

    zones = (
        Zone("fr-corsica", "Corse", frozenset({"FR"}), postcode_prefixes=("20",)),
        Zone("fr-overseas", "Outre-mer", frozenset({"FR"}), postcode_prefixes=("97", "98")),
        Zone("fr-overseas-iso", "Outre-mer", OVERSEAS_CODES),
        Zone("fr-mainland", "France métropolitaine", frozenset({"FR", "MC"})),
        Zone("eu", "Union européenne", EU_COUNTRIES - {"FR"}),
        Zone("world", "Monde"),
    )
    colissimo_fr = ByWeight(
        ((250, eur("4.95")), (500, eur("6.95")), (1000, eur("8.95")), (5000, eur("13.95")),
         (30000, eur("29.95")))
    )  # fmt: skip
    overseas = FlatRate(eur("24.50"))
    methods = (
        ShippingMethod(
            "relay-fr", "Point relais", "fr-mainland", FreeAbove(eur("3.90"), eur("60"))
        ),
        ShippingMethod("colissimo-fr", "Colissimo domicile", "fr-mainland", colissimo_fr),
        ShippingMethod("colissimo-corsica", "Colissimo Corse", "fr-corsica", colissimo_fr),
        ShippingMethod("colissimo-om", "Colissimo Outre-mer", "fr-overseas", overseas),
        ShippingMethod("colissimo-om-iso", "Colissimo Outre-mer", "fr-overseas-iso", overseas),
        ShippingMethod("colissimo-eu", "Colissimo Europe", "eu", FlatRate(eur("15.90"))),
        ShippingMethod("colissimo-world", "Colissimo Monde", "world", FlatRate(eur("29.90"))),
    )
    return ShippingTable(zones=zones, methods=methods)
