"""What the strategies of every context share (private): free text, aware times, ids,
people's contact details, and the random walk through a status machine.

The names here have no leading underscore because the module itself is private; the
public ones (:func:`clean_text`, :func:`aware_datetimes`) are re-exported by the package.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from hypothesis import assume
from hypothesis import strategies as st

from klickit_core.orders.domain import OrderStatus
from klickit_core.payments.domain import PaymentStatus
from klickit_core.shared.card_numbers import contains_card_number

__all__ = [
    "EMAILS",
    "IDS",
    "LATEST_START",
    "NAMES",
    "OPTIONAL_IDS",
    "PHONES",
    "STARTS",
    "STEP",
    "aware_datetimes",
    "clean_text",
    "closure",
    "next_status",
]


_CLEAN = st.characters(exclude_categories=["Cc", "Cs", "Cn", "Co"])
_CLEAN_MULTILINE = st.one_of(_CLEAN, st.sampled_from("\n\t"))


def clean_text(
    min_size: int = 0, max_size: int = 60, *, multiline: bool = False
) -> st.SearchStrategy[str]:
    """Text people may type: valid UTF-8, no control characters (but line breaks when
    ``multiline``), no payment card number (PAY-2). Non-blank when ``min_size`` > 0."""
    alphabet = _CLEAN_MULTILINE if multiline else _CLEAN
    strategy = st.text(alphabet, min_size=min_size, max_size=max_size)
    strategy = strategy.filter(lambda text: not contains_card_number(text))
    return strategy.filter(str.strip) if min_size else strategy


def aware_datetimes(
    min_value: datetime = datetime(2000, 1, 1),  # noqa: DTZ001 - Hypothesis wants naive bounds
    max_value: datetime = datetime(2100, 1, 1),  # noqa: DTZ001
) -> st.SearchStrategy[datetime]:
    """Aware UTC datetimes, whole seconds (what stores and cookies keep)."""
    return st.datetimes(min_value=min_value, max_value=max_value).map(
        lambda moment: moment.replace(microsecond=0, tzinfo=UTC)
    )


#: Opaque ids (also valid payment identifiers: ``[A-Za-z0-9][A-Za-z0-9_.:-]*``).
IDS = st.uuids().map(lambda u: u.hex)
#: Email addresses as :func:`~klickit_core.shared.emails.check_email` leaves them.
EMAILS = st.builds(
    "{}@{}.{}".format,
    st.from_regex(r"[a-z0-9]{1,16}(\.[a-z0-9]{1,16})?", fullmatch=True),
    st.from_regex(r"[a-z0-9]{1,20}", fullmatch=True),
    st.sampled_from(["fr", "com", "org", "eu", "net", "de"]),
)
#: French mobile numbers in E.164, as :func:`~klickit_core.shared.phones.check_phone` gives.
PHONES = st.from_regex(r"\+33(6[0-24-8]|7[3-9])[0-9]{7}", fullmatch=True)
#: Personal names: one to three words of letters, joined by a space or a hyphen.
NAMES = st.builds(
    lambda words, joiner: joiner.join(words),
    st.lists(
        st.text(st.characters(categories=["Lu", "Ll"]), min_size=1, max_size=20),
        min_size=1,
        max_size=3,
    ),
    st.sampled_from([" ", "-"]),
)


#: Leave room after the start for the moves of a life cycle (a few weeks each).
LATEST_START = datetime(2099, 1, 1)  # noqa: DTZ001 - Hypothesis wants naive bounds
STEP = st.integers(1, 30 * 24 * 3600).map(lambda seconds: timedelta(seconds=seconds))

_T = TypeVar("_T", OrderStatus, PaymentStatus)


def closure(moves: Mapping[_T, frozenset[_T]]) -> dict[_T, frozenset[_T]]:
    """Every status reachable from each status in one or more moves."""
    reachable: dict[_T, frozenset[_T]] = {}
    for start in moves:
        seen: set[_T] = set()
        todo = list(moves[start])
        while todo:
            status = todo.pop()
            if status not in seen:
                seen.add(status)
                todo.extend(moves[status])
        reachable[start] = frozenset(seen)
    return reachable


def next_status(
    draw: st.DrawFn,
    current: _T,
    options: list[_T],
    target: _T | None,
    reachable: Mapping[_T, frozenset[_T]],
) -> _T | None:
    """The next status of a random walk, or ``None`` to stop there.

    Without ``target`` the walk may stop anywhere; with it, it moves only towards
    ``target`` and stops there (an impossible ``target`` rejects the example).
    """
    if target is None:  # stopping is one choice among the moves (and the simplest one)
        choice = draw(st.integers(0, len(options)))
        return sorted(options)[choice - 1] if choice else None
    if current is target:
        return None
    towards = sorted(s for s in options if s is target or target in reachable[s])
    assume(towards)
    return draw(st.sampled_from(towards))


# Strategies the composites of several contexts draw from, built once: building a
# strategy is far more costly than drawing from it, and a composite runs for every example.
OPTIONAL_IDS = st.none() | IDS
STARTS = aware_datetimes(max_value=LATEST_START)
