"""What consents need from persistence."""

from __future__ import annotations

import abc
from typing import Protocol

from klickit_core.consents.domain import ConsentRecord
from klickit_core.shared.unit_of_work import Transaction

__all__ = ["ConsentRepository", "ConsentsUnitOfWork"]


class ConsentRepository(abc.ABC):
    """An append-only ledger of consent records."""

    @abc.abstractmethod
    def add(self, record: ConsentRecord) -> None:
        """Append a record."""

    @abc.abstractmethod
    def for_subject(self, email: str) -> list[ConsentRecord]:
        """Every record of one person (normalised email), oldest first."""


class ConsentsUnitOfWork(Transaction, Protocol):
    """The repositories the consent use cases need."""

    consents: ConsentRepository
