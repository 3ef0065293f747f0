"""Row helpers shared by the repositories: postal addresses in columns, and datetimes that
start a retention clock.

An address is stored as the columns :func:`~klickit_core.adapters.sql.tables.address_columns`
declares: country, postcode, city, region, up to four street lines and the company, each
in its own column, so that a privacy sweep can blank any of them with one ``UPDATE`` and a
line may hold any character. An optional address is absent when its country is ``NULL``;
a ``NULL`` company (rows written before the column existed) is no company.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from klickit_core.shared.addresses import PostalAddress

__all__ = ["STREET_LINES", "address_from", "address_row", "earliest"]

#: Street lines an address row holds (``PostalAddress`` allows four).
STREET_LINES = 4
_PARTS = ("country", "postcode", "city", "region", "company")


def address_row(prefix: str, address: PostalAddress | None) -> dict[str, Any]:
    """The columns of ``address`` under ``prefix``; all ``NULL`` for no address."""
    if address is None:
        return {f"{prefix}_{name}": None for name in _PARTS} | {
            f"{prefix}_street_{n}": None for n in range(1, STREET_LINES + 1)
        }
    street: list[str | None] = [*address.street, *([None] * (STREET_LINES - len(address.street)))]
    return {
        f"{prefix}_country": address.country,
        f"{prefix}_postcode": address.postcode,
        f"{prefix}_city": address.city,
        f"{prefix}_region": address.region,
        f"{prefix}_company": address.company,
    } | {f"{prefix}_street_{n}": line for n, line in enumerate(street, 1)}


def address_from(prefix: str, row: Mapping[Any, Any]) -> PostalAddress | None:
    """The address stored under ``prefix``, or ``None`` when its country is ``NULL``.

    Street lines are read up to the first ``NULL``: an empty line is a line.
    """
    country = row[f"{prefix}_country"]
    if country is None:
        return None
    street: list[str] = []
    for n in range(1, STREET_LINES + 1):
        line = row[f"{prefix}_street_{n}"]
        if line is None:
            break
        street.append(line)
    return PostalAddress(
        country=country,
        postcode=row[f"{prefix}_postcode"],
        city=row[f"{prefix}_city"],
        street=tuple(street),
        region=row[f"{prefix}_region"],
        company=row[f"{prefix}_company"] or "",
    )


def earliest(*moments: datetime | None) -> datetime | None:
    """The earliest of the moments that are set, or ``None``."""
    present = [moment for moment in moments if moment is not None]
    return min(present) if present else None
