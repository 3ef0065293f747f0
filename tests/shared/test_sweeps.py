"""PRV-2, X-9: the keyset positions and pages repositories answer a sweep with — cursors
hold keys only and round-trip; malformed cursors and inconsistent pages are typed errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klickit_core.personal_data import (
    InvalidSweepDataError,
    KeepReason,
    SweepCursor,
)
from klickit_core.shared.sweeps import SweepKey, SweepPage

AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
#: Ids as the shop makes them (printable: a cursor is printable text).
_ID_CHARACTERS = st.characters(categories=("Lu", "Ll", "Nd", "Pd", "Pc"))
ids = st.text(_ID_CHARACTERS, min_size=1, max_size=40).filter(str.isprintable)


@given(
    at=st.one_of(st.none(), st.datetimes(timezones=st.just(UTC))),
    key=ids,
)
def test_a_key_round_trips_through_its_cursor(at: datetime | None, key: str) -> None:
    """PRV-2: what a checkpoint stores gives back the same position."""
    position = SweepKey(at, key)
    assert SweepKey.from_cursor(position.cursor()) == position
    assert SweepKey.from_cursor(None) is None


def test_a_cursor_keeps_the_offset_it_was_given() -> None:
    """X-3: an aware instant in another zone is the same instant after the round trip."""
    paris = timezone(timedelta(hours=1))
    position = SweepKey(AT.astimezone(paris), "s-1")
    assert SweepKey.from_cursor(position.cursor()).at == AT  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text",
    ["no-separator", "2026-11-24T09:00:00+00:00|", "yesterday|s-1", "2026-11-24T09:00:00|s-1"],
)
def test_a_foreign_cursor_is_refused(text: str) -> None:
    """X-9: a cursor this module did not make is a typed error, not a crash."""
    with pytest.raises(InvalidSweepDataError) as refused:
        SweepKey.from_cursor(SweepCursor(text))
    assert refused.value.code == "privacy.invalid_sweep_data"


@pytest.mark.parametrize(
    ("at", "key"),
    [(datetime(2026, 11, 24, 9, 0), "s-1"), (AT, ""), (AT, 3), ("2026", "s")],  # noqa: DTZ001
)
def test_a_malformed_key_is_refused(at: object, key: object) -> None:
    """X-9: a naive clock, an empty or non-text id."""
    with pytest.raises(InvalidSweepDataError):
        SweepKey(at, key)  # type: ignore[arg-type]


def test_keys_order_by_clock_then_id() -> None:
    """PRV-2: the order every backend pages in."""
    assert SweepKey(AT, "b").is_after(AT, "c")
    assert not SweepKey(AT, "b").is_after(AT, "b")
    assert SweepKey(AT, "z").is_after(AT + timedelta(seconds=1), "a")
    assert SweepKey(None, "b").is_after(None, "c")
    page = SweepPage.of([SweepKey(AT, "b"), SweepKey(AT, "a"), SweepKey(AT - timedelta(1), "z")])
    assert page.last == SweepKey(AT, "b")
    assert (page.examined, page.changed) == (3, 3)


def test_a_page_turns_into_the_engines_batch() -> None:
    """PRV-2: deleted or anonymised, kept with the reason of its code, the cursor."""
    held = KeepReason("held", "Held")
    page = SweepPage.of([SweepKey(None, "a"), SweepKey(None, "b")], changed=1, kept={"held": 1})
    batch = page.batch("x.y", reasons={"held": held})
    assert (batch.examined, batch.deleted, batch.anonymised) == (2, 1, 0)
    assert batch.kept[0].reason == held
    assert batch.last == SweepCursor("|b")
    assert page.batch("x.y", anonymised=True, reasons={"held": held}).anonymised == 1
    with pytest.raises(InvalidSweepDataError):
        page.batch("x.y")  # a reason code nobody explained
    empty = SweepPage.of([])
    assert empty.batch("x.y").last is None


@pytest.mark.parametrize(
    "arguments",
    [
        {"examined": 2, "changed": 1},  # one row unaccounted for
        {"examined": 1, "changed": 1},  # rows but no cursor
        {"examined": 0, "changed": 0, "last": SweepKey(None, "a")},  # a cursor but no rows
        {"examined": -1, "changed": -1},
        {"examined": 1, "changed": 0, "last": SweepKey(None, "a"), "kept": (("held", 0),)},
    ],
)
def test_an_inconsistent_page_is_refused(arguments: dict[str, object]) -> None:
    """X-9: a page's counts add up and its cursor is there exactly when rows were."""
    with pytest.raises(InvalidSweepDataError):
        SweepPage(**arguments)  # type: ignore[arg-type]
