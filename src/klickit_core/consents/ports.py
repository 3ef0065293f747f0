"""What consents need from persistence."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from klickit_core.consents.domain import ConsentRecord
from klickit_core.shared.access_log import AccessLog
from klickit_core.shared.sweeps import SweepKey, SweepPage
from klickit_core.shared.unit_of_work import Transaction

__all__ = ["AccountEmail", "AccountEmails", "ConsentRepository", "ConsentsUnitOfWork"]


class ConsentRepository(abc.ABC):
    """An append-only ledger of consent records.

    Records are never rewritten. They are deleted only once their proof is no longer
    needed (PRV-1): under ``consents.proofs`` once they stopped being the one in force — a
    withdrawal at its own time, a grant when a newer record of the same person
    (``subject_email``) and purpose replaces it — and under ``consents.standing`` when a
    grant was never withdrawn nor replaced, from the time it was given.

    The terms of sale of an order that still holds personal data (it exists and is not
    anonymised) *follow that order* (:attr:`ConsentRecord.follows_order`): no sweep here
    selects them; the orders repository deletes them with the order or its personal data.
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
    def live_orders(self, order_ids: Sequence[str]) -> set[str]:
        """The ids among ``order_ids`` of orders that exist and are not anonymised: the
        terms of sale of those follow their order."""

    @abc.abstractmethod
    def sweep_proofs(
        self, cutoff: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        """Delete up to ``limit`` records whose clock started before ``cutoff`` (PRV-2,
        PRV-5): withdrawals made before it, and grants replaced by a newer record of the
        same person and purpose made before it — never the terms of sale of a live order.

        Keyset-paged on ``(at, id)``, oldest first: a record's clock depends only on newer
        records, so deleting older ones first never changes whether a remaining record is
        due. A dry run only selects.
        """

    @abc.abstractmethod
    def sweep_standing(
        self, cutoff: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        """Delete up to ``limit`` grants still in force (no newer record of the same person
        and purpose) given before ``cutoff`` (PRV-1, PRV-5) — never the terms of sale of a
        live order. Keyset-paged on ``(at, id)`` like :meth:`sweep_proofs`, which never
        selects the same record. A dry run only selects.
        """


class AccountEmail(Protocol):
    """What the consent use cases read of an account: its email (the person a customer's
    consents belong to). Structural, so that consents does not import its sibling."""

    @property
    def email(self) -> str: ...


class AccountEmails(Protocol):
    """The accounts, by id. :class:`~klickit_core.accounts.ports.CustomerRepository`
    satisfies it."""

    def get(self, customer_id: str) -> AccountEmail | None:
        """The account or ``None``."""
        ...


class ConsentsUnitOfWork(Transaction, Protocol):
    """The repositories the consent use cases need."""

    consents: ConsentRepository
    access_log: AccessLog  # staff reads of someone's consents

    @property
    def customers(self) -> AccountEmails:
        """The accounts (a customer's consents are those of their account's email)."""
        ...
