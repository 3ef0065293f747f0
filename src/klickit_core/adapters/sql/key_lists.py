"""``column IN (keys)`` with the keys bound as **one** parameter.

SQLAlchemy's ``column.in_(keys)`` renders one bound parameter per key. A retention sweep
or an erasure passes a page of up to thousands of keys per statement, and with one
parameter per key every page is a new SQL text: SQLAlchemy re-renders it, psycopg
re-parses it (no prepared statement can be reused) and the server plans it anew. Profiled
on a 100,000-order PostgreSQL store, that rendering and parsing was a third of the
sweep's time.

:func:`key_in` binds the whole list as one value, so the SQL text of a statement is the
same for every page:

* PostgreSQL: ``column = ANY(:keys)`` with ``:keys`` a ``VARCHAR[]``: the primary-key or
  foreign-key index is probed once per element;
* SQLite: ``column IN (SELECT value FROM json_each(:keys))`` with ``:keys`` a JSON array
  (SQLite's JSON functions are built in since 3.38; CPython ships 3.40 or newer).

Both also lift the backends' caps on bound parameters per statement (SQLite 32,766;
PostgreSQL 65,535).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import String, any_, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

__all__ = ["key_in"]


def key_in(dialect: str, column: Any, keys: Collection[str]) -> ColumnElement[bool]:
    """``column IN keys`` for ``dialect`` (``"postgresql"`` or ``"sqlite"``), the keys
    bound as one parameter; ``keys`` must be strings (ids, SKUs, hashes)."""
    values = list(keys)
    if dialect == "postgresql":
        array = bindparam("keys", values, type_=ARRAY(String), unique=True)
        condition: ColumnElement[bool] = column == any_(array)
        return condition
    listed = func.json_each(bindparam("keys", json.dumps(values), type_=String, unique=True))
    return column.in_(select(literal_column("value")).select_from(listed))  # type: ignore[no-any-return]
