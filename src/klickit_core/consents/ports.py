"""What consents need from persistence."""

from __future__ import annotations

import abc
from datetime import datetime
from typing import Protocol

from klickit_core.consents.domain import ConsentRecord
from klickit_core.shared.sweeps import SweepKey, SweepPage
from klickit_core.shared.unit_of_work import Transaction

__all__ = ["ConsentRepository", "ConsentsUnitOfWork"]


class ConsentRepository(abc.ABC):
    """An append-only ledger of consent records.

    Records are never rewritten. They are deleted only once their proof is no longer
    needed (the ``consents.proofs`` retention rule, PRV-1): a record's clock starts when
    it stops being the one in force — a withdrawal at its own time, a grant when a newer
    record of the same person (``subject_email``) and purpose replaces it.
    """

    @abc.abstractmethod
    def add(self, record: ConsentRecord) -> None:
        """Append a record."""

    @abc.abstractmethod
    def for_subject(self, email: str) -> list[ConsentRecord]:
        """Every record of one person (normalised email), oldest first."""

    @abc.abstractmethod
    def for_customer(self, customer_id: str) -> list[ConsentRecord]:
        """Every record given through the account ``customer_id``, oldest first."""

    @abc.abstractmethod
    def delete(self, record_id: str) -> None:
        """Forget a record whose proof is past its period (erasure); no error if gone."""

    @abc.abstractmethod
    def sweep_proofs(
        self, cutoff: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        """Delete up to ``limit`` records whose clock started before ``cutoff`` (PRV-2,
        PRV-5): withdrawals made before it, and grants replaced by a newer record of the
        same person and purpose made before it.

        Keyset-paged on ``(at, id)``, oldest first: a record's clock depends only on newer
        records, so deleting older ones first never changes whether a remaining record is
        due. A dry run only selects.
        """


class ConsentsUnitOfWork(Transaction, Protocol):
    """The repositories the consent use cases need."""

    consents: ConsentRepository
