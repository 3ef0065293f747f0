"""Memory repositories of the cart and sessions contexts."""

from __future__ import annotations

from klickit_core.adapters.memory.base import MISSING, MemoryTransaction
from klickit_core.cart.domain import Cart
from klickit_core.cart.ports import CartRepository
from klickit_core.sessions.domain import VisitorSession
from klickit_core.sessions.ports import SessionNotFoundError, SessionRepository
from klickit_core.shared.errors import ConflictError

__all__ = ["MemoryCarts", "MemorySessions"]


class MemoryCarts(CartRepository):
    """Saved carts in memory."""

    def __init__(self, tx: MemoryTransaction) -> None:
        self._tx = tx

    def get(self, customer_id: str) -> Cart | None:
        value = self._tx.read("carts", customer_id)
        return None if value is MISSING else value

    def save(self, customer_id: str, cart: Cart) -> None:
        self._tx.write("carts", customer_id, MISSING if cart.is_empty else cart)


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
