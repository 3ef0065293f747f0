"""``key_in``: a page of keys bound as one parameter (sweeps and erasure, PRV-2/PRV-4).

It must select exactly the rows ``IN`` would, for any keys (quotes, backslashes, JSON
escapes, non-ASCII), for none, and for more keys than SQLite allows bound parameters in one
statement; and its SQL text must not depend on the keys, which is its reason to exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from klickit_core.adapters.sql import SqlStore
from klickit_core.adapters.sql import tables as t
from klickit_core.adapters.sql.key_lists import key_in
from klickit_core.testing.contracts import sql

AT = datetime(2026, 1, 1, tzinfo=UTC)
ODD = ["o'hara", 'say "hi"', "back\\slash", "tab\tnew\nline", "é-ü-日本", "😀", "[1]", "{}"]
MANY = 40_000  # more than SQLite's 32,766 bound parameters per statement


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Iterator[SqlStore]:
    chosen: SqlStore = request.getfixturevalue(f"{request.param}_store")
    sql.empty(chosen)
    yield chosen
    sql.empty(chosen)


def _fill(store: SqlStore, ids: list[str]) -> None:
    rows = [{"id": i, "sku": "S", "delta": 1, "reason": "adjusted", "at": AT} for i in ids]
    with store.engine.begin() as connection:
        connection.execute(insert(t.stock_movements), rows)


def _chosen(store: SqlStore, keys: list[str]) -> list[str]:
    column = t.stock_movements.c.id
    statement = select(column).where(key_in(store.engine.dialect.name, column, keys))
    with store.engine.connect() as connection:
        return sorted(connection.execute(statement).scalars())


def test_selects_exactly_the_listed_keys_whatever_their_characters(store: SqlStore) -> None:
    _fill(store, [*ODD, "plain", "other"])
    assert _chosen(store, [*ODD, "absent"]) == sorted(ODD)
    assert _chosen(store, []) == []
    assert _chosen(store, ["plain", "plain"]) == ["plain"]


def test_more_keys_than_a_statement_may_bind(store: SqlStore) -> None:
    ids = [f"k{n:06d}" for n in range(MANY)]
    _fill(store, ids)
    assert _chosen(store, ids[::2]) == ids[::2]


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(st.characters(exclude_categories=["Cs", "Cc"]), max_size=12), max_size=8))
def test_agrees_with_in_for_any_keys(store: SqlStore, keys: list[str]) -> None:
    sql.empty(store)
    stored = sorted({*keys[::2], "x"})
    _fill(store, stored)
    column = t.stock_movements.c.id
    with store.engine.connect() as connection:
        expected = sorted(connection.execute(select(column).where(column.in_(keys))).scalars())
    assert _chosen(store, keys) == expected


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_the_sql_text_does_not_depend_on_the_keys(dialect: str) -> None:
    """One SQL text per statement, whatever the page: compiled, parsed and planned once."""
    from sqlalchemy.dialects import postgresql, sqlite

    compiler = {"sqlite": sqlite.dialect(), "postgresql": postgresql.dialect()}[dialect]
    column = t.stock_movements.c.id

    def text(keys: list[str]) -> str:
        return str(select(column).where(key_in(dialect, column, keys)).compile(dialect=compiler))

    assert text(["a"]) == text([f"k{n}" for n in range(1000)]) == text([])
