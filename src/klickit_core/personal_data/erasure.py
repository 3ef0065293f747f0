"""What an erasure did, and what it had to keep (SPEC PRV-4).

For what must be kept, an erasure states the legal basis and the last day it is kept,
from the shop's configured retention schedule (:class:`RetentionTerms`), never a
hard-coded date.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

import attrs

from klickit_core.personal_data import _checks
from klickit_core.personal_data.errors import InvalidSweepDataError
from klickit_core.personal_data.identifiers import is_identifier
from klickit_core.personal_data.legal_bases import LegalBasis

__all__ = ["CategoryErasure", "ErasureOutcome", "KeptRecord", "RetentionTerms"]


@attrs.frozen(slots=True)
class KeptRecord:
    """A record an erasure had to keep: which, why (its legal basis) and until when.

    ``reference`` is what the person knows the record by (an order number), never a
    name or an email. ``keep_until`` is the last day it is kept (the day after, the
    retention sweep removes or anonymises it).
    """

    category_id: str = attrs.field(validator=_checks.identifier("kept.category_id"))
    reference: str
    legal_basis: LegalBasis
    keep_until: date

    def __attrs_post_init__(self) -> None:
        if not _checks.is_text(self.reference, max_length=_checks.MAX_REFERENCE, blank=True):
            raise InvalidSweepDataError(reason="reference")
        if not isinstance(self.legal_basis, LegalBasis):
            raise InvalidSweepDataError(reason="legal_basis")
        if isinstance(self.keep_until, datetime) or not isinstance(self.keep_until, date):
            raise InvalidSweepDataError(reason="keep_until")


@attrs.frozen(slots=True)
class CategoryErasure:
    """What an erasure did in one category: deleted, anonymised, and what it kept."""

    category_id: str = attrs.field(validator=_checks.identifier("erasure.category_id"))
    deleted: int = attrs.field(default=0, validator=_checks.count)
    anonymised: int = attrs.field(default=0, validator=_checks.count)
    kept: tuple[KeptRecord, ...] = ()

    def __attrs_post_init__(self) -> None:
        if not _checks.is_tuple_of(self.kept, KeptRecord) or any(
            item.category_id != self.category_id for item in self.kept
        ):
            raise InvalidSweepDataError(reason="kept")

    @property
    def is_empty(self) -> bool:
        """Whether nothing was found in this category."""
        return not (self.deleted or self.anonymised or self.kept)


@attrs.frozen(slots=True)
class ErasureOutcome:
    """One provider's answer to an erasure: one entry per category it touched."""

    provider: str
    categories: tuple[CategoryErasure, ...] = ()

    def __attrs_post_init__(self) -> None:
        if not is_identifier(self.provider):
            raise InvalidSweepDataError(reason="provider")
        ids = [item.category_id for item in self.categories]
        if len(set(ids)) != len(ids):
            raise InvalidSweepDataError(reason="duplicate_category")


class RetentionTerms(Protocol):
    """What a provider may ask about the shop's retention schedule during an erasure.

    The privacy engine passes one in (the registry bound to the shop's schedule), so a
    provider states the *configured* keep-until date, not a hard-coded one.
    """

    def keep_until(self, category_id: str, clock_started_at: datetime) -> date:
        """The last day a record of ``category_id`` whose clock started then is kept."""
        ...

    def is_due(self, category_id: str, clock_started_at: datetime, now: datetime) -> bool:
        """Whether such a record is past its period at ``now``."""
        ...
