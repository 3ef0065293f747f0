"""Set-based retention steps for the people-side tables (SPEC PRV-2, SES-1, decision 0007).

Every sweep port method of the accounts, sessions, cart, reviews, consents and security
repositories is answered here with bounded, keyset-paged statements:

1. ``SELECT <clock>, <id> FROM t WHERE <due> AND (<clock>, <id>) > :after
   ORDER BY <clock>, <id> LIMIT :limit`` — with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
   so several sweep workers share a table without waiting on each other's rows;
2. ``DELETE FROM t WHERE id IN (:ids)`` (or an ``UPDATE … SET`` that anonymises, bumping
   the row's version so a concurrent save of it becomes a conflict).

Both run in the unit of work's write phase (:meth:`~.base.SqlTransaction.write_now`), so a
batch commits with the sweep's checkpoint or not at all. Only keys travel to Python — never
a row's personal data — and a dry run runs the ``SELECT`` alone, in autocommit. Ids are
compared by code point on both databases (``COLLATE "C"`` on PostgreSQL), as the memory
backend compares them.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    case,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)

from klickit_core.accounts.domain import AccountActivity
from klickit_core.accounts.ports import INACTIVITY_NOTICE_MISSING, INACTIVITY_NOTICE_RUNNING
from klickit_core.accounts.security import AttemptOutcome
from klickit_core.adapters.sql.base import Loaded, RowSet, SqlTransaction, TableAggregate
from klickit_core.adapters.sql.errors import translated
from klickit_core.adapters.sql.tables import (
    account_activity,
    customers,
    login_attempts,
    orders,
    saved_carts,
    security_events,
    sessions,
    tokens,
)
from klickit_core.shared.sweeps import SweepKey, SweepPage

__all__ = [
    "ACCOUNT_ACTIVITY",
    "after_key",
    "apply_to_keys",
    "fold_logins",
    "inactive_accounts",
    "keyset_sweep",
    "select_keys",
    "sweep_inactive_accounts",
]


# ---------------------------------------------------------------------------- keysets
def after_key(
    tx: SqlTransaction, clock: Any | None, key: Any, after: SweepKey | None
) -> list[ColumnElement[bool]]:
    """The condition "strictly after ``after``" in ``(clock, key)`` order."""
    if after is None:
        return []
    ordered_key = tx.text_order(key)
    if clock is None or after.at is None:
        return [ordered_key > after.id]
    return [or_(clock > after.at, and_(clock == after.at, ordered_key > after.id))]


def select_keys(
    tx: SqlTransaction,
    table: Table,
    *,
    clock: str | None,
    key: str,
    due: Sequence[ColumnElement[bool]],
    after: SweepKey | None,
    limit: int,
    dry_run: bool,
    extra: Sequence[Any] = (),
) -> list[Any]:
    """The first ``limit`` due rows after ``after``: ``(clock, key, *extra)`` rows,
    locked ``FOR UPDATE SKIP LOCKED`` on PostgreSQL outside a dry run."""
    clock_column = table.c[clock] if clock is not None else None
    key_column = table.c[key]
    statement: Select[Any] = (
        select(*([clock_column] if clock_column is not None else []), key_column, *extra)
        .where(*due, *after_key(tx, clock_column, key_column, after))
        .order_by(*([clock_column] if clock_column is not None else []), tx.text_order(key_column))
        .limit(max(limit, 0))
    )
    if dry_run:
        return list(tx.fetch(statement))
    if tx.dialect == "postgresql":
        statement = statement.with_for_update(skip_locked=True, of=table)
    connection = tx.write_now()
    with translated(table.name):
        return list(connection.execute(statement).all())


def _keys(rows: Sequence[Any], *, clocked: bool) -> list[SweepKey]:
    return [SweepKey(row[0], row[1]) if clocked else SweepKey(None, row[0]) for row in rows]


def apply_to_keys(
    tx: SqlTransaction,
    table: Table,
    key: str,
    keys: Sequence[str],
    values: Mapping[str, Any] | None = None,
) -> None:
    """``DELETE FROM table WHERE key IN (:keys)``, or ``UPDATE … SET values`` (bumping the
    version of a versioned table), in the write phase."""
    if not keys:
        return
    connection = tx.write_now()
    where = tx.key_in(table.c[key], keys)
    with translated(table.name):
        if values is None:
            connection.execute(delete(table).where(where))
        else:
            bump = {"version": table.c.version + 1} if "version" in table.c else {}
            connection.execute(update(table).where(where).values({**values, **bump}))


def keyset_sweep(
    tx: SqlTransaction,
    table: Table,
    *,
    clock: str | None,
    key: str,
    due: Sequence[ColumnElement[bool]],
    after: SweepKey | None,
    limit: int,
    dry_run: bool,
    values: Mapping[str, Any] | None = None,
) -> SweepPage:
    """One bounded step: select a page of due rows, then delete them (or apply
    ``values``); a dry run only selects."""
    rows = select_keys(
        tx, table, clock=clock, key=key, due=due, after=after, limit=limit, dry_run=dry_run
    )
    keys = _keys(rows, clocked=clock is not None)
    if not dry_run:
        apply_to_keys(tx, table, key, [k.id for k in keys], values)
    return SweepPage.of(keys)


# ---------------------------------------------------------------------------- activity
class _AccountActivity(TableAggregate[str, AccountActivity]):
    """The activity record of an account. The repository only ever writes its notice
    column (``update`` leaves ``last_login_at`` alone: the attempts sweep owns it and may
    have moved it since this unit of work read the row)."""

    table = account_activity
    key_column = "customer_id"
    versioned = False

    def to_row(self, value: AccountActivity) -> dict[str, Any]:
        return {
            "customer_id": value.customer_id,
            "last_login_at": value.last_login_at,
            "inactivity_notice_at": value.inactivity_notice_at,
        }

    def from_row(self, row: Mapping[Any, Any]) -> AccountActivity:
        return AccountActivity(
            row["customer_id"], row["last_login_at"], row["inactivity_notice_at"]
        )

    def update(
        self,
        tx: SqlTransaction,
        seen: Loaded[AccountActivity],
        value: AccountActivity,
        rows: RowSet,
    ) -> bool:
        del seen, rows
        statement = (
            update(account_activity)
            .where(account_activity.c.customer_id == value.customer_id)
            .values(inactivity_notice_at=value.inactivity_notice_at)
        )
        return int(tx.execute(statement).rowcount) == 1


ACCOUNT_ACTIVITY = _AccountActivity()

_FAILED = AttemptOutcome.FAILED.value


def _upsert(tx: SqlTransaction) -> Any:
    """The dialect's ``INSERT`` (both have ``ON CONFLICT DO UPDATE``)."""
    module = "postgresql" if tx.dialect == "postgresql" else "sqlite"
    return importlib.import_module(f"sqlalchemy.dialects.{module}").insert


def fold_logins(tx: SqlTransaction, attempt_ids: Sequence[str]) -> None:
    """Carry the latest successful login or reset among ``attempt_ids`` to each account's
    ``last_login_at`` (when later), before the attempts are deleted: one
    ``INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE`` in the write phase."""
    if not attempt_ids:
        return
    latest = func.max(login_attempts.c.at)
    source = (
        select(login_attempts.c.customer_id, latest)
        .where(
            tx.key_in(login_attempts.c.id, attempt_ids),
            login_attempts.c.outcome != _FAILED,
            login_attempts.c.customer_id.is_not(None),
            exists().where(customers.c.id == login_attempts.c.customer_id),
        )
        .group_by(login_attempts.c.customer_id)
    )
    insert = _upsert(tx)
    statement = insert(account_activity).from_select(["customer_id", "last_login_at"], source)
    current = account_activity.c.last_login_at
    statement = statement.on_conflict_do_update(
        index_elements=[account_activity.c.customer_id],
        set_={
            "last_login_at": case(
                (
                    or_(current.is_(None), current < statement.excluded.last_login_at),
                    statement.excluded.last_login_at,
                ),
                else_=current,
            )
        },
    )
    connection = tx.write_now()
    with translated("account_activity"):
        connection.execute(statement)


# ---------------------------------------------------------------------------- accounts
def _inactive_since(cutoff: datetime) -> list[ColumnElement[bool]]:
    """Accounts whose last activity (creation, update, swept or live successful login,
    order, signed-in session) is before ``cutoff``."""
    customer_id = customers.c.id
    return [
        customers.c.created_at < cutoff,
        customers.c.updated_at < cutoff,
        ~exists().where(
            account_activity.c.customer_id == customer_id,
            account_activity.c.last_login_at >= cutoff,
        ),
        ~exists().where(
            login_attempts.c.customer_id == customer_id,
            login_attempts.c.outcome != _FAILED,
            login_attempts.c.at >= cutoff,
        ),
        ~exists().where(orders.c.customer_id == customer_id, orders.c.placed_at >= cutoff),
        ~exists().where(
            sessions.c.customer_id == customer_id, sessions.c.last_activity_at >= cutoff
        ),
    ]


def inactive_accounts(
    tx: SqlTransaction, cutoff: datetime, *, after: str | None, limit: int
) -> list[str]:
    """``CustomerRepository.inactive``: ids only, in code-point order."""
    where = _inactive_since(cutoff)
    if after is not None:
        where.append(tx.text_order(customers.c.id) > after)
    statement = (
        select(customers.c.id)
        .where(*where)
        .order_by(tx.text_order(customers.c.id))
        .limit(max(limit, 0))
    )
    return [row[0] for row in tx.fetch(statement)]


def delete_accounts(tx: SqlTransaction, ids: Sequence[str]) -> None:
    """Delete the accounts ``ids`` with everything that exists only because of them (see
    ``CustomerRepository.sweep_inactive``), in the write phase. Credentials and activity
    records go by ``ON DELETE CASCADE``."""
    if not ids:
        return
    keys = list(ids)
    connection = tx.write_now()
    statements: list[tuple[str, Any]] = [
        # A saved cart's lines go with it (ON DELETE CASCADE).
        ("saved_carts", delete(saved_carts).where(tx.key_in(saved_carts.c.customer_id, keys))),
        ("sessions", delete(sessions).where(tx.key_in(sessions.c.customer_id, keys))),
        ("tokens", delete(tokens).where(tx.key_in(tokens.c.subject, keys))),
        (
            "login_attempts",
            delete(login_attempts).where(tx.key_in(login_attempts.c.customer_id, keys)),
        ),
        (
            "security_events",
            update(security_events)
            .where(tx.key_in(security_events.c.customer_id, keys))
            .values(customer_id=None, ip_address=None),
        ),
        (
            "customers",
            delete(customers).where(tx.key_in(customers.c.id, keys)),
        ),
    ]
    for name, statement in statements:
        with translated(name):
            connection.execute(statement)


def sweep_inactive_accounts(
    tx: SqlTransaction,
    cutoff: datetime,
    *,
    notice_after: datetime,
    require_notice: bool,
    after: SweepKey | None,
    limit: int,
    dry_run: bool,
) -> SweepPage:
    """``CustomerRepository.sweep_inactive`` on SQL: one keyset ``SELECT`` of due ids with
    their notice time, then the deletions of the accounts whose notice allows it."""
    notice = (
        select(account_activity.c.inactivity_notice_at)
        .where(account_activity.c.customer_id == customers.c.id)
        .scalar_subquery()
    )
    rows = select_keys(
        tx,
        customers,
        clock=None,
        key="id",
        due=_inactive_since(cutoff),
        after=after,
        limit=limit,
        dry_run=dry_run,
        extra=(notice,),
    )
    kept = {INACTIVITY_NOTICE_RUNNING: 0, INACTIVITY_NOTICE_MISSING: 0}
    doomed: list[str] = []
    for row in rows:
        noticed: datetime | None = row[1]
        valid = noticed is not None and noticed >= cutoff
        if noticed is not None and valid and noticed >= notice_after:
            kept[INACTIVITY_NOTICE_RUNNING] += 1
        elif require_notice and not valid:
            kept[INACTIVITY_NOTICE_MISSING] += 1
        else:
            doomed.append(row[0])
    if not dry_run:
        delete_accounts(tx, doomed)
    return SweepPage.of([SweepKey(None, row[0]) for row in rows], changed=len(doomed), kept=kept)
