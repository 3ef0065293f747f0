"""SQL repositories of the cart and visitor sessions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select

from klickit_core.adapters.sql.base import (
    MISSING,
    Aggregate,
    Loaded,
    RowSet,
    SqlTransaction,
    TableAggregate,
)
from klickit_core.adapters.sql.people import keyset_sweep
from klickit_core.adapters.sql.rows import address_from, address_row
from klickit_core.adapters.sql.tables import cart_lines, customers, sessions
from klickit_core.cart.domain import Cart, CartLine
from klickit_core.cart.ports import CartRepository
from klickit_core.sessions.domain import Location, VisitorSession
from klickit_core.sessions.ports import SessionNotFoundError, SessionRepository
from klickit_core.shared.errors import ConflictError
from klickit_core.shared.sweeps import SweepKey, SweepPage

__all__ = ["CARTS", "SESSIONS", "SqlCarts", "SqlSessions"]

#: A saved cart: the customer it belongs to, and the cart.
SavedCart = tuple[str, Cart]


class _Carts(Aggregate[str, SavedCart]):
    """A cart is its lines (``cart_lines``), with no row of its own and no version: a
    concurrent change is detected by comparing the lines stored at commit with the lines
    read (under ``FOR UPDATE`` on PostgreSQL)."""

    table = cart_lines
    key_column = "customer_id"
    versioned = False

    def rows(self, value: SavedCart) -> RowSet:
        customer_id, cart = value
        return [
            (
                cart_lines,
                [
                    {
                        "customer_id": customer_id,
                        "position": position,
                        "sku": line.sku,
                        "quantity": line.quantity,
                    }
                    for position, line in enumerate(cart.lines)
                ],
            )
        ]

    def _select(self, tx: SqlTransaction, keys: Sequence[str], *, lock: bool = False) -> Any:
        statement = (
            select(cart_lines)
            .where(cart_lines.c.customer_id.in_(keys))
            .order_by(cart_lines.c.customer_id, cart_lines.c.position)
        )
        return statement.with_for_update() if lock and tx.dialect == "postgresql" else statement

    def load(self, tx: SqlTransaction, keys: Sequence[str]) -> dict[str, Loaded[SavedCart]]:
        return self._group(tx.fetch(self._select(tx, keys)))

    @staticmethod
    def _group(rows: Sequence[Any]) -> dict[str, Loaded[SavedCart]]:
        lines: dict[str, list[CartLine]] = {}
        for row in rows:
            lines.setdefault(row.customer_id, []).append(CartLine(row.sku, row.quantity))
        return {key: Loaded((key, Cart(tuple(found)))) for key, found in lines.items()}

    def _unchanged(self, tx: SqlTransaction, key: str, seen: Loaded[SavedCart]) -> bool:
        current = self._group(tx.execute(self._select(tx, [key], lock=True)).all())
        unchanged: bool = current.get(key, Loaded(MISSING)).value == seen.value
        return unchanged

    def update(
        self, tx: SqlTransaction, seen: Loaded[SavedCart], value: SavedCart, rows: RowSet
    ) -> bool:
        key = value[0]
        if not self._unchanged(tx, key, seen):
            return False
        tx.execute(delete(cart_lines).where(cart_lines.c.customer_id == key))
        self.insert(tx, value, rows)
        return True

    def delete(self, tx: SqlTransaction, key: str, seen: Loaded[SavedCart]) -> bool:
        if not self._unchanged(tx, key, seen):
            return False
        tx.execute(delete(cart_lines).where(cart_lines.c.customer_id == key))
        return True


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
    """Saved carts in SQL, one row per line."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def get(self, customer_id: str) -> Cart | None:
        saved = self._tx.get(CARTS, customer_id)
        return None if saved is None else saved[1]

    def save(self, customer_id: str, cart: Cart) -> None:
        self._tx.stage(CARTS, customer_id, MISSING if cart.is_empty else (customer_id, cart))

    def delete(self, customer_id: str) -> bool:
        if self.get(customer_id) is None:
            return False
        self._tx.stage(CARTS, customer_id, MISSING)
        return True

    def sweep_orphans(self, *, after: SweepKey | None, limit: int, dry_run: bool) -> SweepPage:
        # One row per cart (its first line) stands for the cart in the keyset select.
        return keyset_sweep(
            self._tx,
            cart_lines,
            clock=None,
            key="customer_id",
            due=[
                cart_lines.c.position == 0,
                ~exists().where(customers.c.id == cart_lines.c.customer_id),
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
