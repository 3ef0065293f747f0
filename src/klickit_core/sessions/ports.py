"""What visitor sessions need from persistence."""

from __future__ import annotations

import abc
from datetime import datetime
from typing import Protocol

from klickit_core.catalogue.ports import ProductRepository
from klickit_core.sessions.domain import VisitorSession
from klickit_core.shared.errors import NotFoundError
from klickit_core.shared.i18n import N_
from klickit_core.shared.sweeps import SweepKey, SweepPage
from klickit_core.shared.unit_of_work import Transaction

__all__ = ["SessionExpiredError", "SessionNotFoundError", "SessionRepository", "SessionUnitOfWork"]


class SessionNotFoundError(NotFoundError):
    """No session has this id (never existed, or swept)."""

    code = "session.not_found"
    message_template = N_("The visit session was not found.")


class SessionExpiredError(NotFoundError):
    """The session has been idle too long; the app starts a new one."""

    code = "session.expired"
    message_template = N_("The visit session has expired.")


class SessionRepository(abc.ABC):
    """Visitor sessions by id."""

    @abc.abstractmethod
    def get(self, session_id: str) -> VisitorSession | None:
        """The session or ``None``."""

    @abc.abstractmethod
    def add(self, session: VisitorSession) -> None:
        """Store a new session."""

    @abc.abstractmethod
    def save(self, session: VisitorSession) -> None:
        """Replace an existing session; :class:`SessionNotFoundError` if there is none."""

    @abc.abstractmethod
    def delete(self, session_id: str) -> None:
        """Forget a session (logout, erasure); no error if it is already gone."""

    @abc.abstractmethod
    def delete_for_customer(self, customer_id: str, except_id: str | None = None) -> int:
        """Forget every session signed in as ``customer_id`` but ``except_id`` (a password
        reset ends the others, SEC-3); returns how many were deleted."""

    @abc.abstractmethod
    def for_customer(self, customer_id: str) -> list[VisitorSession]:
        """Every session signed in as ``customer_id``, oldest start first (PRV-3 export)."""

    @abc.abstractmethod
    def sweep_idle(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        """Delete up to ``limit`` sessions last active before ``before`` (SES-1, PRV-2).

        Keyset-paged on ``(last_activity_at, id)``, strictly after ``after``, in that
        order; on SQL one ``DELETE … WHERE id IN (SELECT … LIMIT …)`` (with
        ``FOR UPDATE SKIP LOCKED`` on PostgreSQL). A dry run only selects.
        """


class SessionUnitOfWork(Transaction, Protocol):
    """The repositories the session use cases need, in one transaction."""

    products: ProductRepository
    sessions: SessionRepository
