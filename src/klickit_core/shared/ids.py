"""Identifiers as a port.

Aggregates get their ids from an :class:`IdGenerator` so that tests can use predictable
ids and a downstream app can plug in its own scheme. The default is random (UUID4 hex):
ids appear in URLs and must not reveal counts or order.
"""

from __future__ import annotations

import uuid
from typing import Protocol, runtime_checkable

__all__ = ["IdGenerator", "RandomIdGenerator"]


@runtime_checkable
class IdGenerator(Protocol):
    """Makes new unique identifiers."""

    def new_id(self) -> str:
        """A fresh identifier, unique in this store."""
        ...


class RandomIdGenerator:
    """32 hex characters from :func:`uuid.uuid4` (122 random bits)."""

    def new_id(self) -> str:
        return uuid.uuid4().hex
