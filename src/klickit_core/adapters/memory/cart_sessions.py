"""Memory repositories of the cart and sessions contexts."""

from __future__ import annotations

from datetime import datetime

from klickit_core.adapters.memory.base import MISSING, MemoryTransaction
from klickit_core.adapters.memory.people import keyset_sweep
from klickit_core.cart.domain import Cart, SavedCart
from klickit_core.cart.ports import CartRepository
from klickit_core.sessions.domain import VisitorSession
from klickit_core.sessions.ports import SessionNotFoundError, SessionRepository
from klickit_core.shared.errors import ConflictError
from klickit_core.shared.sweeps import SweepKey, SweepPage

__all__ = ["MemoryCarts", "MemorySessions"]


class MemoryCarts(CartRepository):
    """Saved carts in memory, as :class:`SavedCart` values by customer id."""

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def get(self, customer_id: str) -> Cart | None:
        saved = self.get_saved(customer_id)
        return None if saved is None else saved.cart

    def get_saved(self, customer_id: str) -> SavedCart | None:
        value = self._tx.read("carts", customer_id)
        return None if value is MISSING else value

    def save(self, customer_id: str, cart: Cart, *, at: datetime) -> None:
        saved = MISSING if cart.is_empty else SavedCart(customer_id, cart, at)
        self._tx.write("carts", customer_id, saved)

    def delete(self, customer_id: str) -> bool:
        if self._tx.read("carts", customer_id) is MISSING:
            return False
        self._tx.write("carts", customer_id, MISSING)
        return True

    def sweep_due(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        due: list[SavedCart] = [
            saved
            for saved in self._tx.scan("carts")
            if saved.updated_at < before or self._tx.read("customers", saved.customer_id) is MISSING
        ]
        return keyset_sweep(
            due,
            lambda saved: SweepKey(saved.updated_at, saved.customer_id),
            lambda saved: self._tx.write("carts", saved.customer_id, MISSING),
            after=after,
            limit=limit,
            dry_run=dry_run,
        )


class MemorySessions(SessionRepository):
    """Visitor sessions in memory."""

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def get(self, session_id: str) -> VisitorSession | None:
        value = self._tx.read("sessions", session_id)
        return None if value is MISSING else value

    def add(self, session: VisitorSession) -> None:
        if self._tx.read("sessions", session.id) is not MISSING:
            raise ConflictError(table="sessions")
        self._tx.write("sessions", session.id, session)

    def save(self, session: VisitorSession) -> None:
        if self._tx.read("sessions", session.id) is MISSING:
            raise SessionNotFoundError
        self._tx.write("sessions", session.id, session)

    def delete(self, session_id: str) -> None:
        self._tx.write("sessions", session_id, MISSING)

    def delete_for_customer(self, customer_id: str, except_id: str | None = None) -> int:
        doomed = [
            s.id
            for s in self._tx.scan("sessions")
            if s.customer_id == customer_id and s.id != except_id
        ]
        for session_id in doomed:
            self._tx.write("sessions", session_id, MISSING)
        return len(doomed)

    def for_customer(self, customer_id: str) -> list[VisitorSession]:
        found = [s for s in self._tx.scan("sessions") if s.customer_id == customer_id]
        return sorted(found, key=lambda s: (s.started_at, s.id))

    def sweep_idle(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        return keyset_sweep(
            [s for s in self._tx.scan("sessions") if s.last_activity_at < before],
            lambda s: SweepKey(s.last_activity_at, s.id),
            lambda s: self._tx.write("sessions", s.id, MISSING),
            after=after,
            limit=limit,
            dry_run=dry_run,
        )
