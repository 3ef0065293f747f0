"""The visitor session value: SES-1 (what it holds, idle expiry) and CAT-3 (recently viewed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klickit_core.sessions.domain import (
    DEFAULT_IDLE_TIMEOUT,
    RECENTLY_VIEWED_LIMIT,
    InvalidSessionDataError,
    Location,
    VisitorSession,
    normalise_ip,
)
from klickit_core.shared.addresses import PostalAddress
from klickit_core.testing import strategies as kst

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def session(**kw: object) -> VisitorSession:
    return VisitorSession(id="s-1", started_at=T0, last_activity_at=T0, **kw)  # type: ignore[arg-type]


def reference_recent(start: tuple[str, ...], skus: list[str], limit: int) -> tuple[str, ...]:
    """Recently viewed, computed by hand: move to front, drop the older copy, cut."""
    recent = list(start)
    for sku in skus:
        if sku in recent:
            recent.remove(sku)
        recent.insert(0, sku)
        del recent[limit:]
    return tuple(recent)


# ---------------------------------------------------------------------------- CAT-3


def test_viewed_puts_the_newest_first_without_duplicates() -> None:
    """CAT-3: newest first, deduplicated."""
    s = session()
    for sku in ("TEA", "MUG", "BOOK", "MUG"):
        s = s.viewed(sku, T0)
    assert s.recently_viewed == ("MUG", "BOOK", "TEA")


def test_viewed_is_bounded() -> None:
    """CAT-3: at most RECENTLY_VIEWED_LIMIT products, the oldest fall off."""
    s = session()
    skus = [f"P{i}" for i in range(RECENTLY_VIEWED_LIMIT + 5)]
    for sku in skus:
        s = s.viewed(sku, T0)
    assert len(s.recently_viewed) == RECENTLY_VIEWED_LIMIT
    assert s.recently_viewed == tuple(reversed(skus))[:RECENTLY_VIEWED_LIMIT]


@pytest.mark.parametrize(
    ("limit", "expected"), [(1, 1), (3, 3), (0, 1), (-4, 1), (RECENTLY_VIEWED_LIMIT + 50, 12)]
)
def test_viewed_limit_is_clamped(limit: int, expected: int) -> None:
    """CAT-3: a smaller limit is honoured, never below 1 nor above the hard limit."""
    s = session()
    for i in range(20):
        s = s.viewed(f"P{i}", T0, limit=limit)
    assert len(s.recently_viewed) == min(expected, RECENTLY_VIEWED_LIMIT)
    assert s.recently_viewed[0] == "P19"


@given(
    st.data(),
    st.lists(kst.skus(), min_size=1, max_size=20, unique=True),
    st.integers(1, RECENTLY_VIEWED_LIMIT),
)
def test_viewed_matches_the_reference(data: st.DataObject, pool: list[str], limit: int) -> None:
    """CAT-3 (property): for any sequence of SKUs (with repeats), the list equals the one
    computed by hand, has no duplicates, and is bounded."""
    skus = data.draw(st.lists(st.sampled_from(pool), max_size=60), label="views")
    s = session()
    for sku in skus:
        s = s.viewed(sku, T0, limit=limit)
    expected = reference_recent((), skus, limit)
    assert s.recently_viewed == expected
    assert len(set(s.recently_viewed)) == len(s.recently_viewed)
    assert len(s.recently_viewed) <= limit
    if skus:
        assert s.recently_viewed[0] == skus[-1]


@given(kst.visitor_sessions(), st.lists(kst.skus(max_length=2), max_size=30))
def test_viewed_from_any_session_matches_the_reference(
    start: VisitorSession, skus: list[str]
) -> None:
    """CAT-3 (property): starting from any valid session, the default limit applies."""
    s = start
    for sku in skus:
        s = s.viewed(sku, start.last_activity_at)
    assert s.recently_viewed == reference_recent(start.recently_viewed, skus, RECENTLY_VIEWED_LIMIT)


@pytest.mark.parametrize("sku", ["", "has space", "-x", "A" * 33, None, 7])
def test_viewed_refuses_malformed_skus(sku: object) -> None:
    """CAT-3, X-9: only SKUs can be remembered."""
    with pytest.raises(InvalidSessionDataError) as caught:
        session().viewed(sku, T0)  # type: ignore[arg-type]
    assert caught.value.details == {"field": "recently_viewed"}
    assert caught.value.code == "session.invalid_data"


def test_session_refuses_an_oversized_or_malformed_recent_list() -> None:
    """CAT-3, X-9: a session cannot be built holding more than the limit or a bad SKU."""
    with pytest.raises(InvalidSessionDataError):
        session(recently_viewed=tuple(f"P{i}" for i in range(RECENTLY_VIEWED_LIMIT + 1)))
    with pytest.raises(InvalidSessionDataError):
        session(recently_viewed=("ok", "not ok"))


def test_viewed_touches_the_session_and_never_goes_back() -> None:
    """SES-1: viewing is activity; an older timestamp does not move the clock backwards."""
    later = T0 + timedelta(minutes=5)
    s = session().viewed("MUG", later)
    assert s.last_activity_at == later
    assert s.started_at == T0
    assert s.viewed("TEA", T0).last_activity_at == later


# ---------------------------------------------------------------------------- SES-1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("  203.0.113.7\n", "203.0.113.7"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("::1", "::1"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("::FFFF:cb00:7107", "203.0.113.7"),
    ],
)
def test_normalise_ip(raw: str, expected: str) -> None:
    """SES-1: IPv4, IPv6 (compressed, lower case) and IPv4-mapped IPv6 (as IPv4)."""
    assert normalise_ip(raw) == expected


@given(st.ip_addresses())
def test_normalise_ip_is_idempotent(address: object) -> None:
    """SES-1 (property): normalising twice changes nothing."""
    once = normalise_ip(str(address))
    assert normalise_ip(once) == once


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "garbage",
        "256.1.1.1",
        "1.2.3",
        "01.2.3.4",
        "1.2.3.4/24",
        "1.2.3.4:80",
        "gggg::1",
        "\ud800",
        "1.2.3.4\x00",
        "١.٢.٣.٤",
    ],
)
def test_normalise_ip_refuses_garbage(raw: str) -> None:
    """SES-1, X-9: anything that is not an address is a typed error."""
    with pytest.raises(InvalidSessionDataError) as caught:
        normalise_ip(raw)
    assert caught.value.details == {"field": "ip_address"}


@pytest.mark.parametrize("raw", [None, 3_405_803_783, b"1.2.3.4", ["1.2.3.4"]])
def test_normalise_ip_refuses_non_strings(raw: object) -> None:
    """SES-1, X-9: a non-string from an untyped caller is a typed error, not AttributeError
    from ``.strip()`` (and an int is not silently read as an address)."""
    with pytest.raises(InvalidSessionDataError):
        normalise_ip(raw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("idle_for", "expected"),
    [
        (timedelta(0), False),
        (DEFAULT_IDLE_TIMEOUT - timedelta(seconds=1), False),
        (DEFAULT_IDLE_TIMEOUT, True),
        (DEFAULT_IDLE_TIMEOUT + timedelta(days=300), True),
    ],
)
def test_is_idle_after_the_timeout(idle_for: timedelta, expected: bool) -> None:
    """SES-1: a session idle for the timeout or longer has expired (48 h by default)."""
    assert session().is_idle(T0 + idle_for) is expected


def test_is_idle_counts_from_last_activity_with_a_custom_timeout() -> None:
    """SES-1: expiry runs from the last activity, not the start."""
    s = session().viewed("MUG", T0 + timedelta(hours=47))
    assert not s.is_idle(T0 + timedelta(hours=50))
    assert s.is_idle(T0 + timedelta(hours=95))
    assert s.is_idle(T0 + timedelta(hours=48), timeout=timedelta(hours=1))


def test_with_shipping_address_remembers_it() -> None:
    """SES-1: the address typed for an estimate is kept and the session touched."""
    address = PostalAddress("FR", "33000", "Bordeaux")
    later = T0 + timedelta(minutes=1)
    s = session().with_shipping_address(address, later)
    assert s.shipping_address == address
    assert s.last_activity_at == later


def test_personal_fields_are_hidden_from_repr() -> None:
    """SES-1: IP address, location and address never reach logs through repr."""
    s = session(
        ip_address="203.0.113.7",
        location=Location("FR", "Nouvelle-Aquitaine", "Bordeaux"),
        shipping_address=PostalAddress("FR", "33000", "Bordeaux", ("1 rue Sainte-Catherine",)),
    )
    text = repr(s)
    assert "203.0.113.7" not in text
    assert "Bordeaux" not in text
    assert "Sainte-Catherine" not in text


def test_browser_type_is_short_text() -> None:
    """SES-1: the browser *type* (e.g. "Firefox 132"), not a full User-Agent string."""
    assert session(browser="Firefox 132").browser == "Firefox 132"
    for bad in ("Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0", 132):
        with pytest.raises(InvalidSessionDataError) as caught:
            session(browser=bad)
        assert caught.value.details == {"field": "browser"}


@pytest.mark.parametrize("name", ["country", "region", "city"])
def test_location_fields_are_bounded_text(name: str) -> None:
    """SES-1, X-9: location parts are short strings."""
    assert getattr(Location(**{name: "x" * 100}), name) == "x" * 100
    for bad in ("x" * 101, 42):
        with pytest.raises(InvalidSessionDataError) as caught:
            Location(**{name: bad})  # type: ignore[arg-type]
        assert caught.value.details == {"field": f"location.{name}"}
