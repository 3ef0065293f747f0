"""The plug-in interface: :class:`PersonalDataProvider` (SPEC PRV-1 … PRV-4).

Every context that stores personal data says so *in code* by implementing one; the
:mod:`klickit_core.privacy` engine walks a registry of providers and knows no context by
name, and a downstream app registers its own providers the same way. A provider is given
its unit of work and the instant by the engine.

Why the unit of work is a type parameter: each provider needs only its own context's
repositories (``OrdersUnitOfWork``, ``SessionUnitOfWork``…), while the engine holds the
shop's one unit of work that carries them all. ``PersonalDataProvider`` is *contravariant*
in that parameter, so a ``PersonalDataProvider[OrdersUnitOfWork]`` is accepted wherever a
``PersonalDataProvider[MemoryUnitOfWork]`` is expected (the memory unit of work satisfies
``OrdersUnitOfWork`` structurally) and ``mypy --strict`` checks the wiring without a cast.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from datetime import datetime
from typing import Generic, TypeVar

from klickit_core.personal_data.categories import DataCategory
from klickit_core.personal_data.erasure import ErasureOutcome, RetentionTerms
from klickit_core.personal_data.exports import ExportSection
from klickit_core.personal_data.subjects import DataSubject
from klickit_core.personal_data.sweeps import SweepBatch, SweepCursor, SweepTask
from klickit_core.shared.unit_of_work import Transaction

__all__ = ["PersonalDataProvider"]

#: The unit of work a provider works in. Contravariant: a provider that needs only its
#: context's repositories accepts any unit of work that carries them.
UoW_contra = TypeVar("UoW_contra", bound=Transaction, contravariant=True)


class PersonalDataProvider(abc.ABC, Generic[UoW_contra]):
    """A context's declaration of the personal data it stores, and how to export, erase and
    sweep it.

    Contract (checked by the engine where it can be):

    * :attr:`name` is a stable identifier, unique in the registry; every category id it
      declares is unique across the registry.
    * :meth:`export` returns sections only for its own categories, holding everything it
      knows about the subject — and never a password hash, a token or a card number.
    * :meth:`erase` deletes or anonymises everything of the subject that need not be kept,
      and reports what it kept with its legal basis and keep-until date (from the
      ``retention`` terms it is given). Erasing twice changes nothing the second time
      (nothing deleted or anonymised; the same records kept). In a dry run it writes
      nothing.
    * :meth:`sweep_batch` selects at most ``limit`` *due* records of one category, in a
      stable key order, strictly after ``after``; it deletes, anonymises or keeps each, and
      returns a :class:`SweepBatch`. A record it already deleted or anonymised is never
      selected again (anonymised records leave the category), so a rerun is a no-op. In a
      dry run it writes nothing. On SQL this is one or two set-based statements
      (``… WHERE clock < :cutoff AND id > :after ORDER BY id LIMIT :limit``, with
      ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), never a Python loop over rows.

    The engine owns the transactions: a provider never commits or rolls back.
    """

    @property
    @abc.abstractmethod
    def name(self) -> str:
        """Stable identifier of the provider (``"orders"``, ``"newsletter"``)."""

    @abc.abstractmethod
    def categories(self) -> Sequence[DataCategory]:
        """The categories this provider holds."""

    @abc.abstractmethod
    def export(self, uow: UoW_contra, subject: DataSubject) -> Sequence[ExportSection]:
        """Everything this provider holds about ``subject``, as typed, labelled sections."""

    @abc.abstractmethod
    def erase(
        self,
        uow: UoW_contra,
        subject: DataSubject,
        *,
        now: datetime,
        retention: RetentionTerms,
        dry_run: bool,
    ) -> ErasureOutcome:
        """Erase or anonymise ``subject``'s data; say what was kept, why and until when."""

    @abc.abstractmethod
    def sweep_batch(
        self,
        uow: UoW_contra,
        task: SweepTask,
        *,
        after: SweepCursor | None,
        limit: int,
        dry_run: bool,
    ) -> SweepBatch:
        """Process one bounded batch of due records of ``task.category_id``."""
