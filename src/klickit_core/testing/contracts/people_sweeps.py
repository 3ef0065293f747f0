# ruff: noqa: S101 - test code: plain asserts
"""Contract suites for the people-side privacy port methods (PRV-2 … PRV-5, SES-1, X-5).

What every persistence backend must do for the retention steps and the export/erasure
lookups of visitor sessions, saved carts, reviews, the consent ledger, customer accounts,
login attempts, one-time tokens, security events, lost-credentials requests and the
access log. The same classes run on memory, SQLite and PostgreSQL; a backend's test module
subclasses them (named ``Test…`` there) and overrides ``make_uow``.

Every sweep method shares one contract, checked by :meth:`PeopleSweepsBase.drain`:
keyset paging in ``(clock, id)`` order (ids by code point), strictly after the position
given, at most ``limit`` rows per step, every due row exactly once, nothing that is not
due, and a dry run that selects the same rows and writes nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klickit_core.accounts.ports import (
    INACTIVITY_NOTICE_MISSING,
    INACTIVITY_NOTICE_RUNNING,
    CustomerNotFoundError,
)
from klickit_core.accounts.security import (
    PASSWORD_RESET,
    AttemptOutcome,
    LoginAttempt,
    LostCredentialsRequest,
)
from klickit_core.cart.domain import Cart, CartLine
from klickit_core.catalogue.domain import ReviewState
from klickit_core.consents.domain import ConsentRecord
from klickit_core.sessions.domain import Location, VisitorSession
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.security_events import SecurityEvent, SecurityEventKind
from klickit_core.shared.sweeps import SweepKey, SweepPage
from klickit_core.shared.tokens import OneTimeToken
from klickit_core.testing.contracts.anonymised import assert_review_anonymised
from klickit_core.testing.contracts.base import ContractBase, MakeUow
from klickit_core.testing.contracts.builders import (
    T0,
    customer,
    entry,
    order,
    review,
)

__all__ = [
    "AccessLogSweepContract",
    "AccountSweepContract",
    "CartSweepContract",
    "ConsentSweepContract",
    "PeopleSweepsBase",
    "PeopleSweepsContract",
    "ReviewSweepContract",
    "SecuritySweepContract",
    "SessionSweepContract",
]

DAY = timedelta(days=1)
#: One step of a sweep in a fresh unit of work: ``(uow, after, limit, dry_run) -> page``.
Step = Callable[[Any, SweepKey | None, int, bool], SweepPage]
#: Small: the property runs on every backend. Each backend's subclass runs the same test
#: (a different executor): that is the point. Fixtures are per test, so each example
#: cleans up after itself.
_SMALL = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
)
_UNIQUE = itertools.count()


def _day(days: float) -> datetime:
    return T0 + days * DAY


class PeopleSweepsBase(ContractBase):
    """Helpers: commit, read, and drain a sweep step by step."""

    @staticmethod
    def commit(make_uow: MakeUow, action: Callable[[Any], object]) -> None:
        """Run ``action(uow)`` in a fresh unit of work and commit."""
        with make_uow() as uow:
            action(uow)
            uow.commit()

    @staticmethod
    def read(make_uow: MakeUow, query: Callable[[Any], Any]) -> Any:
        """``query(uow)`` in a fresh unit of work (nothing committed)."""
        with make_uow() as uow:
            return query(uow)

    @staticmethod
    def drain(
        make_uow: MakeUow, step: Step, *, limit: int, dry_run: bool = False
    ) -> list[SweepPage]:
        """Run ``step`` until a page comes back short, each step in its own committed unit
        of work, carrying the cursor; check every page's size and cursor on the way."""
        pages: list[SweepPage] = []
        after: SweepKey | None = None
        for _ in range(10_000):
            with make_uow() as uow:
                page = step(uow, after, limit, dry_run)
                uow.commit()
            assert page.examined <= limit
            if page.examined:
                assert page.last is not None
                assert after is None or page.last.sort_key() > after.sort_key()
                after = page.last
            pages.append(page)
            if page.examined < limit:
                return pages
        raise AssertionError("the sweep never ended")  # pragma: no cover


def _examined(pages: list[SweepPage]) -> int:
    return sum(page.examined for page in pages)


# ---------------------------------------------------------------------------- sessions
def _visit(session_id: str, last_days: float, customer_id: str | None = None) -> VisitorSession:
    last = _day(last_days)
    return VisitorSession(
        session_id,
        last - timedelta(hours=1),
        last,
        ip_address="203.0.113.7",
        customer_id=customer_id,
    )


#: Every kind of session row (SES-1): guest or signed in (``customer_id``), and with or
#: without each personal field a session may hold (IP and browser, location, the address
#: typed for an estimate). A sweep must not tell them apart (issue 19).
_SESSION_KINDS = tuple(itertools.product((None, "c1"), (False, True), (False, True), (False, True)))


def _session_kind(
    session_id: str,
    last: datetime,
    kind: tuple[str | None, bool, bool, bool],
) -> VisitorSession:
    customer_id, with_ip, located, addressed = kind
    return VisitorSession(
        session_id,
        last - timedelta(hours=1),
        last,
        recently_viewed=("MUG",),
        ip_address="2001:db8::7" if with_ip else None,
        browser="Firefox 132" if with_ip else None,
        location=Location("FR", "Nouvelle-Aquitaine", "Bordeaux") if located else None,
        shipping_address=(
            PostalAddress("FR", "33000", "Bordeaux", ("1 rue Sainte-Catherine",))
            if addressed
            else None
        ),
        customer_id=customer_id,
    )


def _idle(before: datetime) -> Step:
    def step(uow: Any, after: SweepKey | None, limit: int, dry_run: bool) -> SweepPage:
        page: SweepPage = uow.sessions.sweep_idle(before, after=after, limit=limit, dry_run=dry_run)
        return page

    return step


class SessionSweepContract(PeopleSweepsBase):
    """``uow.sessions``: the idle-session sweep (SES-1) and the lookup by account."""

    def test_for_customer_lists_the_signed_in_sessions_oldest_first(
        self, make_uow: MakeUow
    ) -> None:
        """PRV-3: a customer's sessions, including this transaction's own writes."""
        visits = [_visit("s-b", 1, "c1"), _visit("s-a", 2, "c1"), _visit("s-c", 0, "c2")]
        self.commit(make_uow, lambda uow: [uow.sessions.add(v) for v in visits])
        with make_uow() as uow:
            uow.sessions.add(_visit("s-d", 3, "c1"))
            uow.sessions.delete("s-a")
            assert [s.id for s in uow.sessions.for_customer("c1")] == ["s-b", "s-d"]
            assert uow.sessions.for_customer("nobody") == []

    def test_sweep_deletes_only_sessions_idle_before_the_cutoff(self, make_uow: MakeUow) -> None:
        """SES-1, PRV-2: due = last activity strictly before the cutoff; keyset order."""
        visits = [_visit(f"s-{i}", i) for i in range(6)]
        visits.append(_visit("s-x", 2))  # same clock as s-2: ordered by id after it
        self.commit(make_uow, lambda uow: [uow.sessions.add(v) for v in visits])
        cutoff = _day(3)
        dry = self.drain(make_uow, _idle(cutoff), limit=2, dry_run=True)
        assert _examined(dry) == 4
        assert [p.last.id for p in dry if p.last] == ["s-1", "s-x"]
        assert all(p.changed == p.examined for p in dry)  # would delete
        left = self.read(make_uow, lambda uow: uow.sessions.get("s-0"))
        assert left is not None  # the dry run wrote nothing
        pages = self.drain(make_uow, _idle(cutoff), limit=2)
        assert _examined(pages) == 4
        with make_uow() as uow:
            assert [uow.sessions.get(v.id) is not None for v in visits] == [
                False,
                False,
                False,
                True,
                True,
                True,
                False,
            ]
        assert _examined(self.drain(make_uow, _idle(cutoff), limit=2)) == 0  # twice = once

    def test_every_kind_of_session_is_swept_alike(self, make_uow: MakeUow) -> None:
        """SES-1, PRV-2: a signed-in session past its period goes exactly like a guest's,
        whatever it holds (IP, location, address), and none inside the period (the cutoff
        itself included) is touched. Issue 19: a sweep that skipped signed-in sessions kept
        their IP forever while a guest-only contract passed."""
        cutoff = _day(3)
        old = [
            _session_kind(f"k{n:02d}-old", _day(1) + n * timedelta(minutes=7), kind)
            for n, kind in enumerate(_SESSION_KINDS)
        ]
        recent = [
            _session_kind(f"k{n:02d}-new", cutoff + n * timedelta(minutes=7), kind)
            for n, kind in enumerate(_SESSION_KINDS)
        ]
        self.commit(make_uow, lambda uow: [uow.sessions.add(v) for v in (*old, *recent)])
        dry = self.drain(make_uow, _idle(cutoff), limit=3, dry_run=True)
        assert (_examined(dry), sum(p.changed for p in dry)) == (len(old), len(old))
        assert self.read(make_uow, lambda uow: uow.sessions.get(old[-1].id)) == old[-1]
        pages = self.drain(make_uow, _idle(cutoff), limit=3)
        assert (_examined(pages), sum(p.changed for p in pages)) == (len(old), len(old))
        with make_uow() as uow:
            assert [v.id for v in old if uow.sessions.get(v.id) is not None] == []
            assert [uow.sessions.get(v.id) for v in recent] == recent  # untouched
            assert [s.id for s in uow.sessions.for_customer("c1")] == [
                v.id for v in recent if v.customer_id == "c1"
            ]
        assert _examined(self.drain(make_uow, _idle(cutoff), limit=3)) == 0

    def test_a_sweep_that_is_not_committed_deletes_nothing(self, make_uow: MakeUow) -> None:
        """PRV-2: the batch is part of the unit of work (rolled back with it)."""
        self.commit(make_uow, lambda uow: uow.sessions.add(_visit("s-1", 0)))
        with make_uow() as uow:
            page = uow.sessions.sweep_idle(_day(1), after=None, limit=10, dry_run=False)
            assert page.examined == 1
        assert self.read(make_uow, lambda uow: uow.sessions.get("s-1")) is not None

    @_SMALL
    @given(
        ages=st.lists(
            st.tuples(st.integers(0, 20), st.sampled_from((None, "c1", "c2"))), max_size=12
        ),
        limit=st.integers(1, 5),
        cutoff_day=st.integers(0, 21),
    )
    def test_paging_visits_every_due_session_once(
        self,
        make_uow: MakeUow,
        ages: list[tuple[int, str | None]],
        limit: int,
        cutoff_day: int,
    ) -> None:
        """PRV-2: whatever the batch size, every due session goes, exactly once, guest or
        signed in, and every other one stays."""
        run = next(_UNIQUE)
        visits = [_visit(f"p{run}-{i:02d}", age // 2, owner) for i, (age, owner) in enumerate(ages)]
        self.commit(make_uow, lambda uow: [uow.sessions.add(v) for v in visits])
        cutoff = _day(cutoff_day / 2)
        due = {v.id for v in visits if v.last_activity_at < cutoff}
        pages = self.drain(make_uow, _idle(cutoff), limit=limit)
        assert _examined(pages) == len(due)
        with make_uow() as uow:
            for visit in visits:
                assert (uow.sessions.get(visit.id) is None) == (visit.id in due)
            for visit in visits:
                uow.sessions.delete(visit.id)
            uow.commit()


# ---------------------------------------------------------------------------- carts
def _cart(*skus: str) -> Cart:
    return Cart(tuple(CartLine(sku, 1) for sku in skus))


class CartSweepContract(PeopleSweepsBase):
    """``uow.carts``: delete one, and sweep carts unchanged past their period or left
    without an account."""

    def test_delete_says_whether_there_was_a_cart(self, make_uow: MakeUow) -> None:
        """PRV-4: erasing a saved cart."""
        self.commit(make_uow, lambda uow: uow.carts.save("c1", _cart("MUG", "TEA"), at=T0))
        with make_uow() as uow:
            assert uow.carts.delete("c1") is True
            assert uow.carts.get("c1") is None
            assert uow.carts.delete("c2") is False
            uow.commit()
        assert self.read(make_uow, lambda uow: uow.carts.get("c1")) is None

    def test_sweep_removes_carts_whose_account_is_gone(self, make_uow: MakeUow) -> None:
        """PRV-2: a cart never outlives its account, however recent its last change."""

        def setup(uow: Any) -> None:
            uow.customers.add(customer("c1", "camille@example.fr"))
            for owner in ("c1", "c2", "c3", "c4"):
                uow.carts.save(owner, _cart("MUG", "TEA", "CUP"), at=_day(5))

        self.commit(make_uow, setup)

        def step(uow: Any, after: SweepKey | None, limit: int, dry_run: bool) -> SweepPage:
            page: SweepPage = uow.carts.sweep_due(
                _day(1), after=after, limit=limit, dry_run=dry_run
            )
            return page

        dry = self.drain(make_uow, step, limit=2, dry_run=True)
        assert _examined(dry) == 3
        assert self.read(make_uow, lambda uow: uow.carts.get("c2")) is not None
        pages = self.drain(make_uow, step, limit=2)
        assert [p.last.id for p in pages if p.last] == ["c3", "c4"]
        with make_uow() as uow:
            assert uow.carts.get("c1") == _cart("MUG", "TEA", "CUP")
            assert [uow.carts.get(c) for c in ("c2", "c3", "c4")] == [None, None, None]
        assert _examined(self.drain(make_uow, step, limit=2)) == 0

    def test_sweep_removes_carts_unchanged_past_the_cutoff(self, make_uow: MakeUow) -> None:
        """PRV-2 (``carts.saved``, issue #19): a cart last changed before the cutoff goes,
        its lines with it; one changed at the cutoff or later stays; saving it again
        moves its clock. Keyset-paged on (last change, customer id)."""

        def setup(uow: Any) -> None:
            for owner, day in (("c1", 1), ("c2", 2), ("c3", 2), ("c4", 3), ("c5", 9)):
                uow.customers.add(customer(owner, f"{owner}@example.fr"))
                uow.carts.save(owner, _cart("MUG", "TEA"), at=_day(day))

        self.commit(make_uow, setup)
        with make_uow() as uow:  # c1 changes again: its clock starts over
            uow.carts.save("c1", _cart("MUG"), at=_day(8))
            uow.commit()
        saved = self.read(make_uow, lambda uow: uow.carts.get_saved("c1"))
        assert (saved.customer_id, saved.cart, saved.updated_at) == ("c1", _cart("MUG"), _day(8))

        def step(uow: Any, after: SweepKey | None, limit: int, dry_run: bool) -> SweepPage:
            page: SweepPage = uow.carts.sweep_due(
                _day(3), after=after, limit=limit, dry_run=dry_run
            )
            return page

        dry = self.drain(make_uow, step, limit=1, dry_run=True)
        assert _examined(dry) == 2
        assert self.read(make_uow, lambda uow: uow.carts.get("c2")) is not None
        pages = self.drain(make_uow, step, limit=1)
        assert [(p.last.at, p.last.id) for p in pages if p.last] == [
            (_day(2), "c2"),
            (_day(2), "c3"),
        ]
        with make_uow() as uow:
            assert [uow.carts.get_saved(c) for c in ("c2", "c3")] == [None, None]
            assert uow.carts.get("c1") == _cart("MUG")
            assert uow.carts.get("c4") == _cart("MUG", "TEA")  # at the cutoff: kept
            assert uow.carts.get_saved("c5").updated_at == _day(9)
        assert _examined(self.drain(make_uow, step, limit=1)) == 0


# ---------------------------------------------------------------------------- reviews
class ReviewSweepContract(PeopleSweepsBase):
    """``uow.reviews``: by author, delete, and the sweep of reviews whose author's account
    is gone."""

    def test_by_author_matches_the_email_or_the_account(self, make_uow: MakeUow) -> None:
        """PRV-3: a person's reviews, oldest first."""
        mine = review("r-1", minutes=5)
        signed_in = attrs.evolve(
            review("r-2", minutes=1), author_email="x@example.fr", customer_id="c1"
        )
        other = attrs.evolve(review("r-3"), author_email="bob@example.fr")
        self.commit(make_uow, lambda uow: [uow.reviews.add(r) for r in (mine, signed_in, other)])
        with make_uow() as uow:
            assert [r.id for r in uow.reviews.by_author("alice@example.com", "c1")] == [
                "r-2",
                "r-1",
            ]
            assert [r.id for r in uow.reviews.by_author("alice@example.com")] == ["r-1"]
            uow.reviews.delete("r-1")
            uow.reviews.delete("never-there")
            assert [r.id for r in uow.reviews.by_author("alice@example.com", "c1")] == ["r-2"]
            uow.commit()
        assert self.read(make_uow, lambda uow: uow.reviews.get("r-1")) is None

    @pytest.mark.parametrize("anonymise", [True, False])
    def test_sweep_handles_reviews_of_deleted_accounts(
        self, make_uow: MakeUow, anonymise: bool
    ) -> None:
        """PRV-2, PRV-4: anonymised (or deleted) once, never selected again."""

        orphans = {
            "r-2": attrs.evolve(review("r-2", state=ReviewState.APPROVED), customer_id="gone"),
            "r-3": attrs.evolve(review("r-3"), customer_id="gone"),
        }

        def setup(uow: Any) -> None:
            uow.customers.add(customer("c1", "camille@example.fr"))
            uow.reviews.add(
                attrs.evolve(review("r-1", state=ReviewState.APPROVED), customer_id="c1")
            )
            for orphan in orphans.values():
                uow.reviews.add(orphan)
            uow.reviews.add(review("r-4"))  # a guest's review: no account to lose

        self.commit(make_uow, setup)

        def step(uow: Any, after: SweepKey | None, limit: int, dry_run: bool) -> SweepPage:
            page: SweepPage = uow.reviews.sweep_orphan_authors(
                after=after, limit=limit, anonymise=anonymise, dry_run=dry_run
            )
            return page

        assert _examined(self.drain(make_uow, step, limit=1, dry_run=True)) == 2
        assert self.read(make_uow, lambda uow: uow.reviews.get("r-2").customer_id) == "gone"
        assert _examined(self.drain(make_uow, step, limit=1)) == 2
        with make_uow() as uow:
            assert uow.reviews.get("r-1").customer_id == "c1"
            assert uow.reviews.get("r-4").author_name == "Alice"
            for review_id in ("r-2", "r-3"):
                found = uow.reviews.get(review_id)
                if anonymise:
                    assert_review_anonymised(orphans[review_id], found)
                    assert found.is_anonymised
                else:
                    assert found is None
        assert _examined(self.drain(make_uow, step, limit=1)) == 0

    def test_sweep_of_deleted_accounts_leaves_reviews_published_before_the_cutoff(
        self, make_uow: MakeUow
    ) -> None:
        """PRV-2 (issue #19): given the ``reviews.published`` cutoff, the erased authors'
        sweep leaves a review published before it that still names its author to that
        category, so the two never take the same review and their counts do not depend
        on which ran first; one published at the cutoff, or never published, is its own.
        Without the cutoff it takes every review whose account is gone."""

        def published(review_id: str, days: float) -> Any:
            written = attrs.evolve(review(review_id), created_at=_day(days - 1), customer_id="gone")
            return written.moderated(ReviewState.APPROVED, "manager-1", _day(days))

        def setup(uow: Any) -> None:
            uow.reviews.add(published("r-1", 2))  # the published category's
            uow.reviews.add(published("r-2", 3))  # published at the cutoff: ours
            uow.reviews.add(attrs.evolve(review("r-3"), customer_id="gone"))  # pending: ours

        self.commit(make_uow, setup)

        def step(cutoff: Any) -> Any:
            def run(uow: Any, after: SweepKey | None, limit: int, dry_run: bool) -> SweepPage:
                page: SweepPage = uow.reviews.sweep_orphan_authors(
                    after=after,
                    limit=limit,
                    anonymise=True,
                    dry_run=dry_run,
                    published_before=cutoff,
                )
                return page

            return run

        assert _examined(self.drain(make_uow, step(None), limit=5, dry_run=True)) == 3
        assert _examined(self.drain(make_uow, step(_day(3)), limit=1)) == 2
        with make_uow() as uow:
            assert uow.reviews.get("r-1").customer_id == "gone"
            assert uow.reviews.get("r-2").is_anonymised
            assert uow.reviews.get("r-3").is_anonymised
        assert _examined(self.drain(make_uow, step(_day(3)), limit=5)) == 0

    @pytest.mark.parametrize("anonymise", [True, False])
    def test_sweep_unsigns_reviews_published_before_the_cutoff(
        self, make_uow: MakeUow, anonymise: bool
    ) -> None:
        """PRV-2 (``reviews.published``, issue #19): a review published before the cutoff
        loses its author (or goes, if the shop chose ``delete``), whether a guest or a
        customer wrote it; one published at the cutoff or later, one never published
        (pending, or taken down) and one already unsigned are left alone, whether the
        author's account still exists or not. Keyset-paged on (publication, id); a rerun
        finds nothing."""

        def published(review_id: str, days: float, **changes: Any) -> Any:
            written = attrs.evolve(review(review_id), created_at=_day(days - 1), **changes)
            return written.moderated(ReviewState.APPROVED, "manager-1", _day(days))

        due = {
            "r-1": published("r-1", 1, customer_id="c1"),
            "r-2": published("r-2", 2),
            "r-3": published("r-3", 2),
            # Its account is gone: still this category's (the erased authors' sweep leaves
            # it alone when it knows this cutoff), so no review is counted twice.
            "r-9": published("r-9", 2.5, customer_id="gone"),
        }
        kept = {
            "r-4": published("r-4", 3),  # at the cutoff
            "r-5": published("r-5", 9),
            "r-6": attrs.evolve(review("r-6"), created_at=_day(0)),  # pending
            "r-7": published("r-7", 1).moderated(ReviewState.REJECTED, "manager-1", _day(1.5)),
            "r-8": published("r-8", 1).anonymised(),
        }

        def setup(uow: Any) -> None:
            uow.customers.add(customer("c1", "camille@example.fr"))
            for written in (*due.values(), *kept.values()):
                uow.reviews.add(written)

        self.commit(make_uow, setup)

        def step(uow: Any, after: SweepKey | None, limit: int, dry_run: bool) -> SweepPage:
            page: SweepPage = uow.reviews.sweep_published(
                _day(3), after=after, limit=limit, anonymise=anonymise, dry_run=dry_run
            )
            return page

        assert _examined(self.drain(make_uow, step, limit=2, dry_run=True)) == 4
        assert self.read(make_uow, lambda uow: uow.reviews.get("r-1")) == due["r-1"]
        pages = self.drain(make_uow, step, limit=2)
        assert [(p.last.at, p.last.id) for p in pages if p.last] == [
            (_day(2), "r-2"),
            (_day(2.5), "r-9"),
        ]
        with make_uow() as uow:
            for review_id, original in due.items():
                found = uow.reviews.get(review_id)
                if anonymise:
                    assert_review_anonymised(original, found)
                    assert found.state is ReviewState.APPROVED
                else:
                    assert found is None
            for review_id, original in kept.items():
                assert uow.reviews.get(review_id) == original, review_id
        assert _examined(self.drain(make_uow, step, limit=2)) == 0


# ---------------------------------------------------------------------------- consents
def _consent(
    record_id: str,
    days: float,
    *,
    granted: bool = True,
    email: str = "zoe@example.fr",
    purpose: str = "newsletter",
    customer_id: str | None = None,
    order_id: str | None = None,
) -> ConsentRecord:
    return ConsentRecord(
        record_id, email, purpose, "v1", granted, _day(days), "checkout", customer_id, order_id
    )


def _ledger_sweep(method: str, cutoff: datetime) -> Step:
    """A step of ``uow.consents.<method>`` (``sweep_proofs``, ``sweep_standing``)."""

    def step(uow: Any, after: SweepKey | None, limit: int, dry_run: bool) -> SweepPage:
        page: SweepPage = getattr(uow.consents, method)(
            cutoff, after=after, limit=limit, dry_run=dry_run
        )
        return page

    return step


def _proofs(cutoff: datetime) -> Step:
    return _ledger_sweep("sweep_proofs", cutoff)


def _standing(cutoff: datetime) -> Step:
    return _ledger_sweep("sweep_standing", cutoff)


def _ids(pages: list[SweepPage]) -> list[str]:
    """The keys swept, in order, from pages of one record each."""
    assert all(page.examined <= 1 for page in pages)
    return [page.last.id for page in pages if page.last is not None]


class ConsentSweepContract(PeopleSweepsBase):
    """``uow.consents``: the proofs sweep (PRV-5) and the lookups by account."""

    def test_for_customer_and_delete(self, make_uow: MakeUow) -> None:
        """PRV-3, PRV-4: records given through an account; deleting one."""
        records = [
            _consent("k-2", 2, customer_id="c1"),
            _consent("k-1", 1, customer_id="c1", email="old@example.fr"),
            _consent("k-3", 3),
        ]
        self.commit(make_uow, lambda uow: [uow.consents.add(r) for r in records])
        with make_uow() as uow:
            assert [r.id for r in uow.consents.for_customer("c1")] == ["k-1", "k-2"]
            uow.consents.delete("k-1")
            uow.consents.delete("never-there")
            uow.commit()
        assert [r.id for r in self.read(make_uow, lambda u: u.consents.for_customer("c1"))] == [
            "k-2"
        ]

    def test_due_proofs_are_withdrawals_and_replaced_grants(self, make_uow: MakeUow) -> None:
        """PRV-5, PRV-1: a record's clock starts when it stops being in force."""
        records = [
            _consent("a-1", 0),  # replaced by a-2 on day 2: due at cutoff day 5
            _consent("a-2", 2, granted=False),  # a withdrawal on day 2: due
            _consent("a-3", 6),  # a new grant in force: never due
            _consent("b-1", 1, purpose="terms_of_sale"),  # replaced on day 7: not yet due
            _consent("b-2", 7, purpose="terms_of_sale"),  # in force
            _consent("c-1", 3, email="bob@example.fr"),  # in force, whatever its age
            _consent("d-1", 4, granted=False, email="bob@example.fr", purpose="offers"),  # due
        ]
        self.commit(make_uow, lambda uow: [uow.consents.add(r) for r in records])
        cutoff = _day(5)
        assert _examined(self.drain(make_uow, _proofs(cutoff), limit=1, dry_run=True)) == 3
        pages = self.drain(make_uow, _proofs(cutoff), limit=2)
        assert [p.last.id for p in pages if p.last] == ["a-2", "d-1"]  # (at, id) order
        left = self.read(make_uow, lambda uow: uow.consents.for_subject("zoe@example.fr"))
        assert [r.id for r in left] == ["b-1", "a-3", "b-2"]
        assert _examined(self.drain(make_uow, _proofs(cutoff), limit=2)) == 0
        later = self.drain(make_uow, _proofs(_day(8)), limit=5)
        assert _examined(later) == 1  # b-1, replaced on day 7
        assert [
            r.id for r in self.read(make_uow, lambda u: u.consents.for_subject("zoe@example.fr"))
        ] == [
            "a-3",
            "b-2",
        ]

    def test_grants_never_ended_are_due_from_when_they_were_given(self, make_uow: MakeUow) -> None:
        """PRV-1, PRV-5 (issue #12): a grant never withdrawn nor replaced is due once it
        was given before the cutoff: a day before it is swept, at it or a day after it is
        not. What ``sweep_proofs`` takes (withdrawals, replaced grants) is never taken
        here, so no record is counted twice."""
        cutoff = _day(100)
        bob = "bob@example.fr"
        records = [
            _consent("s-1", 99),  # given the day before the cutoff: due
            _consent("s-2", 100, purpose="offers"),  # at the cutoff: not yet
            _consent("s-3", 101, purpose="reviews"),  # the day after: not yet
            _consent("s-4", 50, email=bob),  # replaced by s-5: the proofs' clock
            _consent("s-5", 60, email=bob, granted=False),  # a withdrawal: the proofs'
            _consent("s-6", 10, purpose="terms_of_sale"),  # terms of no order: a grant
        ]
        self.commit(make_uow, lambda uow: [uow.consents.add(r) for r in records])
        dry = self.drain(make_uow, _standing(cutoff), limit=1, dry_run=True)
        assert _ids(dry) == ["s-6", "s-1"]
        assert _ids(self.drain(make_uow, _standing(cutoff), limit=1)) == ["s-6", "s-1"]
        left = self.read(make_uow, lambda uow: uow.consents.for_subject("zoe@example.fr"))
        assert [r.id for r in left] == ["s-2", "s-3"]
        assert [r.id for r in self.read(make_uow, lambda u: u.consents.for_subject(bob))] == [
            "s-4",
            "s-5",
        ]
        assert _examined(self.drain(make_uow, _standing(cutoff), limit=5)) == 0
        assert _ids(self.drain(make_uow, _standing(_day(102)), limit=1)) == ["s-2", "s-3"]

    def test_the_terms_of_sale_of_a_live_order_follow_it(self, make_uow: MakeUow) -> None:
        """PRV-1, PRV-5 (issue #12): the terms accepted for an order that exists and is not
        anonymised are swept by neither rule, however old and even once a newer
        acceptance replaced them; those of an anonymised order or of an order that is
        gone are swept like any record, and so is a newsletter consent given with a live
        order."""
        self.commit(
            make_uow,
            lambda uow: [
                uow.orders.add(order("o-live")),
                uow.orders.add(order("o-live-2")),
                uow.orders.add(order("o-faded").anonymised(T0)),
            ],
        )
        terms = "terms_of_sale"
        records = [
            _consent("t-1", 0, purpose=terms, order_id="o-live"),  # replaced on day 1: kept
            _consent("t-2", 1, purpose=terms, order_id="o-faded"),  # replaced: due
            _consent("t-3", 2, purpose=terms, order_id="o-gone"),  # replaced: due
            _consent("t-4", 3, purpose=terms, order_id="o-live-2"),  # in force: kept
            _consent("n-1", 1, order_id="o-live"),  # a newsletter in force: due
        ]
        self.commit(make_uow, lambda uow: [uow.consents.add(r) for r in records])
        live = self.read(
            make_uow, lambda uow: uow.consents.live_orders(["o-live", "o-faded", "o-gone"])
        )
        assert live == {"o-live"}
        cutoff = _day(5)
        assert _ids(self.drain(make_uow, _proofs(cutoff), limit=1)) == ["t-2", "t-3"]
        assert _ids(self.drain(make_uow, _standing(cutoff), limit=1)) == ["n-1"]
        left = self.read(make_uow, lambda uow: uow.consents.for_subject("zoe@example.fr"))
        assert [r.id for r in left] == ["t-1", "t-4"]
        later = _day(10_000)
        assert _examined(self.drain(make_uow, _proofs(later), limit=5)) == 0
        assert _examined(self.drain(make_uow, _standing(later), limit=5)) == 0


# ---------------------------------------------------------------------------- accounts
def _attempt(
    attempt_id: str,
    days: float,
    customer_id: str | None = "c1",
    outcome: AttemptOutcome = AttemptOutcome.SUCCEEDED,
) -> LoginAttempt:
    return LoginAttempt(attempt_id, _day(days), outcome, customer_id, "203.0.113.7")


def _token(token_id: str, subject: str, expires_days: float) -> OneTimeToken:
    expires = _day(expires_days)
    return OneTimeToken(
        token_id, PASSWORD_RESET, subject, "ab" * 32, expires - timedelta(hours=1), expires
    )


def _event(event_id: str, days: float, customer_id: str | None = "c1") -> SecurityEvent:
    return SecurityEvent(
        event_id,
        SecurityEventKind.LOGIN_LOCKOUT_ACCOUNT,
        _day(days),
        customer_id=customer_id,
        ip_address="203.0.113.7",
    )


def _request(
    request_id: str, days: float, email: str = "camille@example.fr"
) -> LostCredentialsRequest:
    return LostCredentialsRequest(request_id, _day(days), "Camille Martin", email, "Perdu !")


def _account(customer_id: str, days: float = 0) -> Any:
    moment = _day(days)
    return customer(customer_id, f"{customer_id}@example.fr", created_at=moment, updated_at=moment)


class AccountSweepContract(PeopleSweepsBase):
    """``uow.customers``: deletion, activity, the inactivity rule and its sweep."""

    def test_delete_removes_the_account_and_frees_its_email(self, make_uow: MakeUow) -> None:
        """PRV-4: the account and its password hash go; the email is free again."""

        def setup(uow: Any) -> None:
            uow.customers.add(customer("c1", "camille@example.fr", "camille"))
            uow.credentials.set_password_hash("c1", "$argon2id$fake")

        self.commit(make_uow, setup)
        with make_uow() as uow:
            assert uow.customers.delete("c1") is True
            assert uow.customers.delete("c1") is False
            assert uow.customers.delete("nobody") is False
            uow.commit()
        with make_uow() as uow:
            assert uow.customers.get("c1") is None
            assert uow.customers.by_email("camille@example.fr") is None
            assert uow.credentials.password_hash("c1") is None
            uow.customers.add(customer("c2", "camille@example.fr", "camille"))
            uow.commit()

    def test_inactivity_notices_are_recorded(self, make_uow: MakeUow) -> None:
        """PRV-1: the notice before deletion (CNIL)."""
        self.commit(make_uow, lambda uow: uow.customers.add(_account("c1")))
        assert self.read(make_uow, lambda uow: uow.customers.activity("c1")) is None
        self.commit(make_uow, lambda uow: uow.customers.record_inactivity_notice("c1", _day(3)))
        activity = self.read(make_uow, lambda uow: uow.customers.activity("c1"))
        assert activity.inactivity_notice_at == _day(3)
        assert activity.last_login_at is None
        with make_uow() as uow, pytest.raises(CustomerNotFoundError):
            uow.customers.record_inactivity_notice("nobody", _day(3))

    def test_last_activity_counts_every_source(self, make_uow: MakeUow) -> None:
        """PRV-1: creation/update, successful logins (on file or swept), orders, sessions;
        never a failed login."""

        def setup(uow: Any) -> None:
            for cid in ("idle", "updated", "login", "failed", "ordered", "browsing", "swept"):
                uow.customers.add(_account(cid))
            uow.customers.save(attrs.evolve(_account("updated"), updated_at=_day(20)))
            uow.login_attempts.add(_attempt("l-1", 20, "login"))
            uow.login_attempts.add(_attempt("l-2", 20, "failed", AttemptOutcome.FAILED))
            uow.login_attempts.add(_attempt("l-3", 3, "swept", AttemptOutcome.RESET))
            uow.orders.add(order("o-1", 20 * 24 * 60, customer_id="ordered"))
            uow.sessions.add(_visit("s-1", 20, "browsing"))

        self.commit(make_uow, setup)
        # Sweep the reset of "swept" away: its time is carried to the account.
        self.commit(
            make_uow,
            lambda uow: uow.login_attempts.sweep(_day(10), after=None, limit=10, dry_run=False),
        )
        assert self.read(make_uow, lambda uow: uow.customers.activity("swept")).last_login_at == (
            _day(3)
        )
        inactive = self.read(
            make_uow, lambda uow: uow.customers.inactive(_day(10), after=None, limit=100)
        )
        assert inactive == ["failed", "idle", "swept"]
        assert self.read(
            make_uow, lambda uow: uow.customers.inactive(_day(2), after=None, limit=100)
        ) == ["failed", "idle"]
        assert self.read(
            make_uow, lambda uow: uow.customers.inactive(_day(10), after="failed", limit=1)
        ) == ["idle"]

    def test_sweep_deletes_inactive_accounts_with_what_hangs_off_them(
        self, make_uow: MakeUow
    ) -> None:
        """PRV-2: customer, password hash, cart, sessions, tokens, attempts go; security
        events lose the account id and the address; active accounts stay."""

        def setup(uow: Any) -> None:
            for cid in ("c1", "c2"):
                uow.customers.add(_account(cid))
                uow.credentials.set_password_hash(cid, "$argon2id$fake")
                uow.carts.save(cid, _cart("MUG"), at=_day(0.5))
                uow.tokens.add(_token(f"t-{cid}", cid, 1))
                uow.login_attempts.add(_attempt(f"l-{cid}", 0.5, cid, AttemptOutcome.FAILED))
                uow.security_events.add(_event(f"e-{cid}", 0.5, cid))
            uow.sessions.add(_visit("s-1", 0.5, "c1"))
            uow.sessions.add(_visit("s-2", 30, "c2"))  # c2 is active: recent session
            uow.customers.record_inactivity_notice("c1", _day(0.5))  # stale: before cutoff

        self.commit(make_uow, setup)

        def step(uow: Any, after: SweepKey | None, limit: int, dry_run: bool) -> SweepPage:
            page: SweepPage = uow.customers.sweep_inactive(
                _day(10),
                notice_after=_day(31 - 30),
                require_notice=False,
                after=after,
                limit=limit,
                dry_run=dry_run,
            )
            return page

        dry = self.drain(make_uow, step, limit=5, dry_run=True)
        assert (_examined(dry), sum(p.changed for p in dry)) == (1, 1)
        assert self.read(make_uow, lambda uow: uow.customers.get("c1")) is not None
        pages = self.drain(make_uow, step, limit=5)
        assert [p.last.id for p in pages if p.last] == ["c1"]
        with make_uow() as uow:
            assert uow.customers.get("c1") is None
            assert uow.customers.activity("c1") is None
            assert uow.credentials.password_hash("c1") is None
            assert uow.carts.get("c1") is None
            assert uow.sessions.get("s-1") is None
            assert uow.tokens.get("t-c1") is None
            assert uow.login_attempts.for_customer("c1") == []
            assert uow.security_events.for_customer("c1") == []
            event = uow.security_events.events(kind=SecurityEventKind.LOGIN_LOCKOUT_ACCOUNT)
            stripped = [e for e in event if e.id == "e-c1"]
            assert len(stripped) == 1
            assert stripped[0].customer_id is None
            assert stripped[0].ip_address is None
            # c2 untouched
            assert uow.customers.get("c2") is not None
            assert uow.carts.get("c2") == _cart("MUG")
            assert uow.tokens.get("t-c2") is not None
            assert [e.id for e in uow.security_events.for_customer("c2")] == ["e-c2"]
        assert _examined(self.drain(make_uow, step, limit=5)) == 0

    def test_a_recent_notice_holds_the_deletion(self, make_uow: MakeUow) -> None:
        """PRV-1 (CNIL: notice before deletion): notified too recently, or (when required)
        never notified, the account is kept and counted with its reason."""

        def setup(uow: Any) -> None:
            for cid in ("c1", "c2", "c3", "c4"):
                uow.customers.add(_account(cid))
            uow.customers.record_inactivity_notice("c1", _day(25))  # recent: running
            uow.customers.record_inactivity_notice("c2", _day(12))  # old enough: valid
            uow.customers.record_inactivity_notice("c3", _day(5))  # before the cutoff: stale

        self.commit(make_uow, setup)

        def step(require: bool) -> Step:
            def run(uow: Any, after: SweepKey | None, limit: int, dry_run: bool) -> SweepPage:
                page: SweepPage = uow.customers.sweep_inactive(
                    _day(10),
                    notice_after=_day(20),
                    require_notice=require,
                    after=after,
                    limit=limit,
                    dry_run=dry_run,
                )
                return page

            return run

        (strict,) = self.drain(make_uow, step(True), limit=10, dry_run=True)
        assert strict.examined == 4
        assert strict.changed == 1  # c2 only
        assert strict.kept_for(INACTIVITY_NOTICE_RUNNING) == 1
        assert strict.kept_for(INACTIVITY_NOTICE_MISSING) == 2
        (lenient,) = self.drain(make_uow, step(False), limit=10)
        assert (lenient.examined, lenient.changed) == (4, 3)
        assert lenient.kept == ((INACTIVITY_NOTICE_RUNNING, 1),)
        ids = self.read(make_uow, lambda uow: uow.customers.inactive(_day(10), after=None, limit=9))
        assert ids == ["c1"]


# ---------------------------------------------------------------------------- security
class SecuritySweepContract(PeopleSweepsBase):
    """Login attempts, tokens, security events and lost-credentials requests: lookups,
    erasure and sweeps."""

    def test_attempt_lookups_and_erasure(self, make_uow: MakeUow) -> None:
        """PRV-3, PRV-4."""
        attempts = [_attempt("l-2", 2), _attempt("l-1", 1), _attempt("l-3", 1, "c2")]
        self.commit(make_uow, lambda uow: [uow.login_attempts.add(a) for a in attempts])
        with make_uow() as uow:
            assert [a.id for a in uow.login_attempts.for_customer("c1")] == ["l-1", "l-2"]
            assert uow.login_attempts.delete_for_customer("c1") == 2
            assert uow.login_attempts.for_customer("c1") == []
            uow.commit()
        assert self.read(make_uow, lambda uow: uow.login_attempts.for_customer("c1")) == []
        assert len(self.read(make_uow, lambda uow: uow.login_attempts.for_customer("c2"))) == 1

    def test_attempt_sweep_carries_the_latest_success_to_the_account(
        self, make_uow: MakeUow
    ) -> None:
        """PRV-2, PRV-1: swept successes still count as activity; failures do not."""

        def setup(uow: Any) -> None:
            uow.customers.add(_account("c1"))
            uow.login_attempts.add(_attempt("l-1", 1))
            uow.login_attempts.add(_attempt("l-2", 3, outcome=AttemptOutcome.RESET))
            uow.login_attempts.add(_attempt("l-3", 4, outcome=AttemptOutcome.FAILED))
            uow.login_attempts.add(_attempt("l-4", 2, "gone"))  # no such account
            uow.login_attempts.add(_attempt("l-5", 9))  # not due

        self.commit(make_uow, setup)

        def step(uow: Any, after: SweepKey | None, limit: int, dry_run: bool) -> SweepPage:
            page: SweepPage = uow.login_attempts.sweep(
                _day(5), after=after, limit=limit, dry_run=dry_run
            )
            return page

        assert _examined(self.drain(make_uow, step, limit=2, dry_run=True)) == 4
        assert self.read(make_uow, lambda uow: uow.customers.activity("c1")) is None
        pages = self.drain(make_uow, step, limit=2)
        assert [p.last.id for p in pages if p.last] == ["l-4", "l-3"]
        assert self.read(make_uow, lambda uow: uow.customers.activity("c1")).last_login_at == (
            _day(3)
        )
        assert [
            a.id for a in self.read(make_uow, lambda u: u.login_attempts.for_customer("c1"))
        ] == ["l-5"]
        # An older success swept later never moves the time back.
        self.commit(make_uow, lambda uow: uow.login_attempts.add(_attempt("l-0", 0.5)))
        self.drain(make_uow, step, limit=2)
        assert self.read(make_uow, lambda uow: uow.customers.activity("c1")).last_login_at == (
            _day(3)
        )

    def test_tokens_by_subject_and_expiry_sweep(self, make_uow: MakeUow) -> None:
        """PRV-2, PRV-3, PRV-4: tokens go the day after they expire."""
        tokens = [_token("t-b", "c1", 1), _token("t-a", "c1", 1), _token("t-c", "c2", 5)]
        self.commit(make_uow, lambda uow: [uow.tokens.add(t) for t in tokens])
        assert [t.id for t in self.read(make_uow, lambda u: u.tokens.for_subject("c1"))] == [
            "t-a",
            "t-b",
        ]

        def step(uow: Any, after: SweepKey | None, limit: int, dry_run: bool) -> SweepPage:
            page: SweepPage = uow.tokens.sweep_expired(
                _day(2), after=after, limit=limit, dry_run=dry_run
            )
            return page

        pages = self.drain(make_uow, step, limit=1)
        assert [p.last.id for p in pages if p.last] == ["t-a", "t-b"]
        assert self.read(make_uow, lambda uow: uow.tokens.get("t-c")) is not None
        with make_uow() as uow:
            assert uow.tokens.delete_for_subject("c2") == 1
            assert uow.tokens.delete_for_subject("c2") == 0
            uow.commit()
        assert self.read(make_uow, lambda uow: uow.tokens.get("t-c")) is None

    def test_events_by_customer_anonymised_and_swept(self, make_uow: MakeUow) -> None:
        """PRV-2, PRV-4: erasure strips the account id and address; the sweep deletes."""
        events = [_event("e-1", 1), _event("e-2", 2), _event("e-3", 3, "c2")]
        self.commit(make_uow, lambda uow: [uow.security_events.add(e) for e in events])
        with make_uow() as uow:
            assert [e.id for e in uow.security_events.for_customer("c1")] == ["e-1", "e-2"]
            assert uow.security_events.anonymise_customer("c1") == 2
            uow.commit()
        with make_uow() as uow:
            assert uow.security_events.for_customer("c1") == []
            stripped = [e for e in uow.security_events.events() if e.id in {"e-1", "e-2"}]
            assert {(e.customer_id, e.ip_address) for e in stripped} == {(None, None)}

        def step(uow: Any, after: SweepKey | None, limit: int, dry_run: bool) -> SweepPage:
            page: SweepPage = uow.security_events.sweep(
                _day(2.5), after=after, limit=limit, dry_run=dry_run
            )
            return page

        assert _examined(self.drain(make_uow, step, limit=5)) == 2
        assert [e.id for e in self.read(make_uow, lambda u: u.security_events.events())] == ["e-3"]

    def test_lost_credentials_by_person_deleted_and_swept(self, make_uow: MakeUow) -> None:
        """PRV-2, PRV-3, PRV-4."""
        resolved = _request("q-2", 2).resolved("manager-1", _day(2.5), "c1")
        requests = [
            _request("q-1", 1),
            resolved,
            _request("q-3", 3, email="other@example.fr"),
        ]
        self.commit(make_uow, lambda uow: [uow.lost_credentials.add(r) for r in requests])
        with make_uow() as uow:
            found = uow.lost_credentials.for_person("camille@example.fr")
            assert [r.id for r in found] == ["q-1", "q-2"]
            by_account = uow.lost_credentials.for_person("nobody@example.fr", "c1")
            assert [r.id for r in by_account] == ["q-2"]
            uow.lost_credentials.delete("q-1")
            uow.lost_credentials.delete("never-there")
            uow.commit()
        assert self.read(make_uow, lambda uow: uow.lost_credentials.get("q-1")) is None

        def step(uow: Any, after: SweepKey | None, limit: int, dry_run: bool) -> SweepPage:
            page: SweepPage = uow.lost_credentials.sweep(
                _day(2.5), after=after, limit=limit, dry_run=dry_run
            )
            return page

        assert _examined(self.drain(make_uow, step, limit=5)) == 1
        assert self.read(make_uow, lambda uow: uow.lost_credentials.get("q-3")) is not None


# ---------------------------------------------------------------------------- access log
class AccessLogSweepContract(PeopleSweepsBase):
    """``uow.access_log``: entries about a person, deleting the old ones, the sweep."""

    def test_about_delete_about_and_sweep(self, make_uow: MakeUow) -> None:
        """X-6, PRV-2, PRV-3, PRV-4."""
        entries = [
            entry("x-2", "manager-1", "c1", 20),
            entry("x-1", "manager-1", "c1", 10),
            entry("x-3", "admin-1", "c2", 5),
            entry("x-4", "admin-1", "c1", 30),
        ]
        self.commit(make_uow, lambda uow: [uow.access_log.add(e) for e in entries])
        with make_uow() as uow:
            assert [e.id for e in uow.access_log.about("c1")] == ["x-1", "x-2", "x-4"]
            assert uow.access_log.delete_about("c1", entries[0].at) == 1  # x-1 only
            uow.commit()
        assert [e.id for e in self.read(make_uow, lambda u: u.access_log.about("c1"))] == [
            "x-2",
            "x-4",
        ]

        def step(uow: Any, after: SweepKey | None, limit: int, dry_run: bool) -> SweepPage:
            page: SweepPage = uow.access_log.sweep(
                entries[3].at, after=after, limit=limit, dry_run=dry_run
            )
            return page

        pages = self.drain(make_uow, step, limit=1)
        assert [p.last.id for p in pages if p.last] == ["x-3", "x-2"]
        assert [e.id for e in self.read(make_uow, lambda u: u.access_log.entries())] == ["x-4"]


class PeopleSweepsContract(
    SessionSweepContract,
    CartSweepContract,
    ReviewSweepContract,
    ConsentSweepContract,
    AccountSweepContract,
    SecuritySweepContract,
    AccessLogSweepContract,
):
    """Every people-side privacy contract in one class."""
