"""SQL repositories of the cart and visitor sessions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import exists, or_

from klickit_core.adapters.sql.base import (
    MISSING,
    FamilyAggregate,
    RowSet,
    SqlTransaction,
    TableAggregate,
)
from klickit_core.adapters.sql.people import keyset_sweep
from klickit_core.adapters.sql.rows import address_from, address_row
from klickit_core.adapters.sql.tables import cart_lines, customers, saved_carts, sessions
from klickit_core.cart.domain import Cart, CartLine, SavedCart
from klickit_core.cart.ports import CartRepository
from klickit_core.sessions.domain import Location, VisitorSession
from klickit_core.sessions.ports import SessionNotFoundError, SessionRepository
from klickit_core.shared.errors import ConflictError
from klickit_core.shared.sweeps import SweepKey, SweepPage

__all__ = ["CARTS", "SESSIONS", "SqlCarts", "SqlSessions"]


class _Carts(FamilyAggregate[str, SavedCart]):
    """A saved cart: its root row (``saved_carts``: the last change, the version) and its
    lines (``cart_lines``, in cart order), guarded by the root's version like an order."""

    table = saved_carts
    key_column = "customer_id"
    children = (cart_lines,)

    def rows(self, value: SavedCart) -> RowSet:
        return [
            (saved_carts, [{"customer_id": value.customer_id, "updated_at": value.updated_at}]),
            (
                cart_lines,
                [
                    {
                        "customer_id": value.customer_id,
                        "position": position,
                        "sku": line.sku,
                        "quantity": line.quantity,
                    }
                    for position, line in enumerate(value.cart.lines)
                ],
            ),
        ]

    def build(
        self, root: Mapping[Any, Any], children: Mapping[Any, list[Mapping[Any, Any]]]
    ) -> SavedCart:
        lines = tuple(CartLine(row["sku"], row["quantity"]) for row in children[cart_lines])
        return SavedCart(root["customer_id"], Cart(lines), root["updated_at"])


class _Sessions(TableAggregate[str, VisitorSession]):
    table = sessions
    key_column = "id"

    def to_row(self, value: VisitorSession) -> dict[str, Any]:
        location = value.location
        return {
            "id": value.id,
            "started_at": value.started_at,
            "last_activity_at": value.last_activity_at,
            # SKUs hold no spaces, so a space-separated list is unambiguous.
            "recently_viewed": " ".join(value.recently_viewed),
            "ip_address": value.ip_address,
            "browser": value.browser,
            "has_location": location is not None,
            "location_country": location.country if location else None,
            "location_region": location.region if location else None,
            "location_city": location.city if location else None,
            "customer_id": value.customer_id,
            **address_row("shipping", value.shipping_address),
        }

    def from_row(self, row: Mapping[Any, Any]) -> VisitorSession:
        location = None
        if row["has_location"]:
            location = Location(
                country=row["location_country"],
                region=row["location_region"],
                city=row["location_city"],
            )
        return VisitorSession(
            id=row["id"],
            started_at=row["started_at"],
            last_activity_at=row["last_activity_at"],
            recently_viewed=tuple(row["recently_viewed"].split()),
            ip_address=row["ip_address"],
            browser=row["browser"],
            location=location,
            shipping_address=address_from("shipping", row),
            customer_id=row["customer_id"],
        )


CARTS = _Carts()
SESSIONS = _Sessions()


class SqlCarts(CartRepository):
    """Saved carts in SQL: a ``saved_carts`` row and one ``cart_lines`` row per line."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def get(self, customer_id: str) -> Cart | None:
        saved = self.get_saved(customer_id)
        return None if saved is None else saved.cart

    def get_saved(self, customer_id: str) -> SavedCart | None:
        return self._tx.get(CARTS, customer_id)

    def save(self, customer_id: str, cart: Cart, *, at: datetime) -> None:
        saved = MISSING if cart.is_empty else SavedCart(customer_id, cart, at)
        self._tx.stage(CARTS, customer_id, saved)

    def delete(self, customer_id: str) -> bool:
        if self.get(customer_id) is None:
            return False
        self._tx.stage(CARTS, customer_id, MISSING)
        return True

    def sweep_due(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        # Deleting the root row deletes the lines (ON DELETE CASCADE).
        return keyset_sweep(
            self._tx,
            saved_carts,
            clock="updated_at",
            key="customer_id",
            due=[
                or_(
                    saved_carts.c.updated_at < before,
                    ~exists().where(customers.c.id == saved_carts.c.customer_id),
                )
            ],
            after=after,
            limit=limit,
            dry_run=dry_run,
        )


class SqlSessions(SessionRepository):
    """Visitor sessions in SQL."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def get(self, session_id: str) -> VisitorSession | None:
        return self._tx.get(SESSIONS, session_id)

    def add(self, session: VisitorSession) -> None:
        if self._tx.exists(SESSIONS, session.id):
            raise ConflictError(table="sessions")
        self._tx.stage(SESSIONS, session.id, session)

    def save(self, session: VisitorSession) -> None:
        if self.get(session.id) is None:
            raise SessionNotFoundError
        self._tx.stage(SESSIONS, session.id, session)

    def delete(self, session_id: str) -> None:
        self._tx.stage(SESSIONS, session_id, MISSING)

    def delete_for_customer(self, customer_id: str, except_id: str | None = None) -> int:
        found = SESSIONS.load_where(self._tx, sessions.c.customer_id == customer_id)
        doomed = [
            session.id
            for session in self._tx.merge(
                SESSIONS, found, lambda s: s.customer_id == customer_id, lambda s: s.id
            )
            if session.id != except_id
        ]
        for session_id in doomed:
            self._tx.stage(SESSIONS, session_id, MISSING)
        return len(doomed)

    def for_customer(self, customer_id: str) -> list[VisitorSession]:
        found = SESSIONS.load_where(self._tx, sessions.c.customer_id == customer_id)
        return self._tx.merge(
            SESSIONS,
            found,
            lambda s: s.customer_id == customer_id,
            lambda s: (s.started_at, s.id),
        )

    def sweep_idle(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        return keyset_sweep(
            self._tx,
            sessions,
            clock="last_activity_at",
            key="id",
            due=[sessions.c.last_activity_at < before],
            after=after,
            limit=limit,
            dry_run=dry_run,
        )
