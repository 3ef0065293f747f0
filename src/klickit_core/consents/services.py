"""Consent use cases: record, and read the current state of each purpose."""

from __future__ import annotations

from klickit_core.consents.domain import ConsentRecord
from klickit_core.consents.ports import ConsentsUnitOfWork

__all__ = ["current_consents"]


def current_consents(uow: ConsentsUnitOfWork, email: str) -> dict[str, ConsentRecord]:
    """The latest record of each purpose for ``email``: what holds now."""
    with uow:
        records = uow.consents.for_subject(email)
    latest: dict[str, ConsentRecord] = {}
    for record in sorted(records, key=lambda r: r.at):
        latest[record.purpose] = record
    return latest
