"""Small helpers the providers share to put people's data into an export (SPEC PRV-3).

A postal address is exported as one text value, a line per part, so a person reads it as
they would on an envelope and a program still gets the exact text (the JSON keeps the
line breaks). The country stays an ISO code: the bundle is read in French or English.
"""

from __future__ import annotations

from klickit_core.shared.addresses import PostalAddress

__all__ = ["address_text"]


def address_text(address: PostalAddress | None) -> str | None:
    """``address`` as lines of text (company, street lines, postcode and city, region,
    country), or ``None``."""
    if address is None:
        return None
    lines = [
        address.company,
        *address.street,
        " ".join(p for p in (address.postcode, address.city) if p),
    ]
    lines += [address.region, address.country]
    return "\n".join(line for line in lines if line)
