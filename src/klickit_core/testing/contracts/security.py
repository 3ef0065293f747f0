# ruff: noqa: S101, PT012 - test code: plain asserts; a backend may refuse at add or at commit
"""Contract suites for the account security repositories (SEC-2 … SEC-6, X-5).

What every persistence backend must do for login attempts, one-time tokens, the security
event log, lost-credentials requests, and ending a customer's visitor sessions. A backend's
test module subclasses each class (named ``Test…`` there, so pytest collects it) and
overrides the ``make_uow`` fixture of
:class:`~klickit_core.testing.contracts.base.ContractBase` with a factory of units of work
on one fresh, empty store::

    from klickit_core.testing.contracts import security


    class TestMemoryTokens(security.OneTimeTokenRepositoryContract):
        @pytest.fixture
        def make_uow(self):
            return MemoryStore().unit_of_work

Only the ports are used (``uow.login_attempts``, ``uow.tokens``, ``uow.security_events``,
``uow.lost_credentials``, ``uow.sessions``, ``commit``), so the same classes run against
memory, SQLite and PostgreSQL. The classes are not named ``Test…``: importing them into a
test module does not run them twice.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klickit_core.accounts.ports import LostCredentialsRequestNotFoundError
from klickit_core.accounts.security import (
    LOGIN_CONFIRMATION,
    PASSWORD_RESET,
    AttemptOutcome,
    LoginAttempt,
    LostCredentialsRequest,
    RecoveryStatus,
)
from klickit_core.sessions.domain import VisitorSession
from klickit_core.shared.errors import ConflictError
from klickit_core.shared.security_events import SecurityEvent, SecurityEventKind
from klickit_core.shared.tokens import OneTimeToken
from klickit_core.testing import strategies as kst
from klickit_core.testing.contracts.base import ContractBase, MakeUow

__all__ = [
    "CustomerSessionsContract",
    "LoginAttemptRepositoryContract",
    "LostCredentialsRepositoryContract",
    "OneTimeTokenRepositoryContract",
    "SecurityContractBase",
    "SecurityEventLogContract",
]

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
#: Hypothesis with a function-scoped fixture: each example uses fresh ids on the same store.
_UNIQUE = itertools.count()
#: Each backend's subclass runs the same test (a different executor): that is the point.
_ROUND_TRIP = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
)


class SecurityContractBase(ContractBase):
    """Helpers of the security suites, on the shared base (and its ``make_uow`` fixture,
    which every backend overrides)."""

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
    def token(make_uow: MakeUow, token_id: str) -> OneTimeToken | None:
        """The token record ``token_id`` as committed."""
        with make_uow() as uow:
            found: OneTimeToken | None = uow.tokens.get(token_id)
            return found

    @staticmethod
    def session(make_uow: MakeUow, session_id: str) -> VisitorSession | None:
        """The visitor session ``session_id`` as committed."""
        with make_uow() as uow:
            found: VisitorSession | None = uow.sessions.get(session_id)
            return found


def _attempt(
    attempt_id: str,
    minutes: int,
    outcome: AttemptOutcome = AttemptOutcome.FAILED,
    customer_id: str | None = "c1",
    ip_address: str | None = "203.0.113.7",
) -> LoginAttempt:
    return LoginAttempt(attempt_id, T0 + minutes * MINUTE, outcome, customer_id, ip_address)


class LoginAttemptRepositoryContract(SecurityContractBase):
    """``uow.login_attempts``: append-only, counted per account and per network."""

    def test_failures_are_counted_per_account_from_since_inclusive(self, make_uow: MakeUow) -> None:
        attempts = [
            _attempt("a1", 0),
            _attempt("a2", 5),
            _attempt("a3", 10),
            _attempt("a4", 11, AttemptOutcome.SUCCEEDED),
            _attempt("a5", 12, customer_id="c2"),
        ]
        self.commit(make_uow, lambda uow: [uow.login_attempts.add(a) for a in attempts])

        def count(since: datetime, customer_id: str) -> int:
            return int(
                self.read(
                    make_uow,
                    lambda uow: uow.login_attempts.count_failures(since, customer_id=customer_id),
                )
            )

        assert count(T0, "c1") == 3
        assert count(T0 + 5 * MINUTE, "c1") == 2  # "since" is inclusive
        assert count(T0 + 5 * MINUTE + timedelta(seconds=1), "c1") == 1
        assert count(T0 + 11 * MINUTE, "c1") == 0  # successes are not failures
        assert count(T0, "c2") == 1
        assert count(T0, "nobody") == 0
        assert count(T0, "") == 0

    def test_failures_are_counted_per_network(self, make_uow: MakeUow) -> None:
        attempts = [
            _attempt("a1", 0, ip_address="203.0.113.7"),
            _attempt("a2", 1, customer_id=None, ip_address="203.0.113.7"),
            _attempt("a3", 2, customer_id="c9", ip_address="203.0.113.7"),
            _attempt("a4", 3, ip_address="2001:db8:1:2::/64"),
            _attempt("a5", 4, AttemptOutcome.SUCCEEDED, ip_address="203.0.113.7"),
            _attempt("a6", 5, ip_address=None),
        ]
        self.commit(make_uow, lambda uow: [uow.login_attempts.add(a) for a in attempts])

        def count(since: datetime, network: str) -> int:
            return int(
                self.read(
                    make_uow,
                    lambda uow: uow.login_attempts.count_failures(since, ip_address=network),
                )
            )

        assert count(T0, "203.0.113.7") == 3  # whatever the account, known or not
        assert count(T0 + MINUTE, "203.0.113.7") == 2
        assert count(T0, "2001:db8:1:2::/64") == 1
        assert count(T0, "198.51.100.1") == 0

    def test_counting_needs_exactly_one_key(self, make_uow: MakeUow) -> None:
        with make_uow() as uow:
            with pytest.raises(ValueError):  # noqa: PT011 - the message is not the contract
                uow.login_attempts.count_failures(T0)
            with pytest.raises(ValueError):  # noqa: PT011
                uow.login_attempts.count_failures(T0, customer_id="c1", ip_address="192.0.2.1")

    def test_last_unlocked_at_is_the_latest_success_or_reset(self, make_uow: MakeUow) -> None:
        def last(customer_id: str) -> datetime | None:
            found: datetime | None = self.read(
                make_uow, lambda uow: uow.login_attempts.last_unlocked_at(customer_id)
            )
            return found

        assert last("c1") is None
        attempts = [
            _attempt("a1", 0, AttemptOutcome.SUCCEEDED),
            _attempt("a2", 3, AttemptOutcome.RESET),
            _attempt("a3", 7),  # a failure never unlocks
            _attempt("a4", 9, AttemptOutcome.SUCCEEDED, customer_id="c2"),
        ]
        self.commit(make_uow, lambda uow: [uow.login_attempts.add(a) for a in attempts])
        assert last("c1") == T0 + 3 * MINUTE
        assert last("c2") == T0 + 9 * MINUTE
        assert last("c3") is None

    def test_attempt_ids_are_unique(self, make_uow: MakeUow) -> None:
        self.commit(make_uow, lambda uow: uow.login_attempts.add(_attempt("a1", 0)))
        with make_uow() as uow, pytest.raises(ConflictError):
            uow.login_attempts.add(_attempt("a1", 1))
            uow.commit()

    def test_a_claim_settles_once_as_a_success(self, make_uow: MakeUow) -> None:
        """SEC-2: a login is claimed as a failure before its password is checked; a
        success settles it, and it stops counting (and unlocks the account)."""
        claim = _attempt("a1", 2)
        self.commit(make_uow, lambda uow: uow.login_attempts.add(claim))
        self.commit(
            make_uow, lambda uow: uow.login_attempts.settle(claim, AttemptOutcome.SUCCEEDED)
        )
        with make_uow() as uow:
            assert uow.login_attempts.count_failures(T0, customer_id="c1") == 0
            assert uow.login_attempts.last_unlocked_at("c1") == claim.at
            assert uow.login_attempts.for_customer("c1") == [
                attrs.evolve(claim, outcome=AttemptOutcome.SUCCEEDED)
            ]
        with make_uow() as uow, pytest.raises(ConflictError):  # already settled
            uow.login_attempts.settle(claim, AttemptOutcome.SUCCEEDED)
            uow.commit()

    def test_a_withdrawn_claim_is_gone(self, make_uow: MakeUow) -> None:
        """SEC-2: a login held for confirmation withdraws its claim: neither a failure nor
        a login."""
        claim, other = _attempt("a1", 2), _attempt("a2", 3)
        self.commit(make_uow, lambda uow: [uow.login_attempts.add(a) for a in (claim, other)])
        self.commit(make_uow, lambda uow: uow.login_attempts.settle(claim, None))
        assert self.read(make_uow, lambda uow: uow.login_attempts.for_customer("c1")) == [other]
        assert self.read(make_uow, lambda uow: uow.login_attempts.last_unlocked_at("c1")) is None

    def test_settling_a_claim_that_changed_is_a_conflict(self, make_uow: MakeUow) -> None:
        claim = _attempt("a1", 2)
        self.commit(make_uow, lambda uow: uow.login_attempts.add(claim))
        self.commit(make_uow, lambda uow: uow.login_attempts.settle(claim, None))
        with make_uow() as uow, pytest.raises(ConflictError):
            uow.login_attempts.settle(claim, AttemptOutcome.SUCCEEDED)
            uow.commit()
        assert self.read(make_uow, lambda uow: uow.login_attempts.for_customer("c1")) == []

    def test_serialised_count_then_add_keeps_a_limit_under_threads(self, make_uow: MakeUow) -> None:
        """SEC-2: twelve units fired at once each count the failures and add one only
        below a limit of five, inside :meth:`serialise`: exactly five are added, whatever
        the interleaving. (The same without ``serialise`` lets more through.)"""
        limit, callers = 5, 12
        start = threading.Barrier(callers)
        errors: list[BaseException] = []

        def caller(n: int) -> None:
            try:
                start.wait()
                with make_uow() as uow:
                    uow.serialise("login:account:c1")
                    if uow.login_attempts.count_failures(T0, customer_id="c1") < limit:
                        time.sleep(0.01)  # widen the window between the check and the write
                        uow.login_attempts.add(_attempt(f"t{n}", 1))
                    uow.commit()
            except BaseException as error:  # reported by the assert below
                errors.append(error)

        threads = [threading.Thread(target=caller, args=(n,)) for n in range(callers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        counted = self.read(
            make_uow, lambda uow: uow.login_attempts.count_failures(T0, customer_id="c1")
        )
        assert counted == limit

    def test_nothing_is_seen_before_commit(self, make_uow: MakeUow) -> None:
        with make_uow() as writer:
            writer.login_attempts.add(_attempt("a1", 0))
            with make_uow() as reader:
                assert reader.login_attempts.count_failures(T0, customer_id="c1") == 0
        # Rolled back: never committed.
        assert (
            self.read(make_uow, lambda uow: uow.login_attempts.count_failures(T0, customer_id="c1"))
            == 0
        )

    def test_delete_before_removes_old_attempts_in_bounded_batches(self, make_uow: MakeUow) -> None:
        attempts = [_attempt(f"a{i}", i) for i in range(5)]
        self.commit(make_uow, lambda uow: [uow.login_attempts.add(a) for a in attempts])
        deleted: list[int] = []
        self.commit(
            make_uow,
            lambda uow: deleted.append(uow.login_attempts.delete_before(T0 + 3 * MINUTE, limit=2)),
        )
        self.commit(
            make_uow,
            lambda uow: deleted.append(uow.login_attempts.delete_before(T0 + 3 * MINUTE, limit=2)),
        )
        assert deleted == [2, 1]
        remaining = self.read(
            make_uow, lambda uow: uow.login_attempts.count_failures(T0, customer_id="c1")
        )
        assert remaining == 2


def _token(
    token_id: str,
    subject: str = "c1",
    purpose: str = PASSWORD_RESET,
    created_minutes: int = 0,
    ttl_minutes: int = 60,
) -> OneTimeToken:
    created = T0 + created_minutes * MINUTE
    return OneTimeToken(
        id=token_id,
        purpose=purpose,
        subject=subject,
        verifier_hash="ab" * 32,
        created_at=created,
        expires_at=created + ttl_minutes * MINUTE,
    )


class OneTimeTokenRepositoryContract(SecurityContractBase):
    """``uow.tokens``: records by selector; spending is guarded; revocation per subject."""

    def test_a_record_reads_back_unchanged(self, make_uow: MakeUow) -> None:
        token = _token("t1")
        self.commit(make_uow, lambda uow: uow.tokens.add(token))
        assert self.read(make_uow, lambda uow: uow.tokens.get("t1")) == token
        assert self.read(make_uow, lambda uow: uow.tokens.get("t2")) is None

    @_ROUND_TRIP
    @given(data=st.data())
    def test_any_record_reads_back_unchanged(self, make_uow: MakeUow, data: st.DataObject) -> None:
        token = data.draw(kst.one_time_tokens())
        token = attrs.evolve(token, id=f"{token.id[:14]}{next(_UNIQUE):08d}")  # no replays clash
        self.commit(make_uow, lambda uow: uow.tokens.add(token))
        assert self.read(make_uow, lambda uow: uow.tokens.get(token.id)) == token

    def test_token_ids_are_unique(self, make_uow: MakeUow) -> None:
        self.commit(make_uow, lambda uow: uow.tokens.add(_token("t1")))
        with make_uow() as uow, pytest.raises(ConflictError):
            uow.tokens.add(_token("t1", subject="c2"))
            uow.commit()

    def test_mark_used_spends_once(self, make_uow: MakeUow) -> None:
        self.commit(make_uow, lambda uow: uow.tokens.add(_token("t1")))
        results: list[bool] = []
        at = T0 + 5 * MINUTE
        self.commit(make_uow, lambda uow: results.append(uow.tokens.mark_used("t1", at)))
        self.commit(make_uow, lambda uow: results.append(uow.tokens.mark_used("t1", at)))
        self.commit(make_uow, lambda uow: results.append(uow.tokens.mark_used("nope", at)))
        assert results == [True, False, False]
        stored = self.read(make_uow, lambda uow: uow.tokens.get("t1"))
        assert stored.used_at == at

    def test_a_spend_that_is_rolled_back_did_not_happen(self, make_uow: MakeUow) -> None:
        self.commit(make_uow, lambda uow: uow.tokens.add(_token("t1")))
        with make_uow() as uow:
            assert uow.tokens.mark_used("t1", T0) is True
        assert self.read(make_uow, lambda uow: uow.tokens.get("t1")).used_at is None

    def test_a_token_spent_elsewhere_cannot_be_spent_again(self, make_uow: MakeUow) -> None:
        """Two transactions: the second one to try, after the first committed, is refused
        (or, where the backend detects it only at commit, fails to commit)."""
        self.commit(make_uow, lambda uow: uow.tokens.add(_token("t1")))
        first, second = make_uow(), make_uow()
        with first, second:
            assert first.tokens.mark_used("t1", T0) is True
            first.commit()
            spent_again = second.tokens.mark_used("t1", T0)
            try:
                second.commit()
            except ConflictError:
                spent_again = False
        assert spent_again is False

    def test_revoke_spends_every_live_token_of_the_subject_and_purposes(
        self, make_uow: MakeUow
    ) -> None:
        tokens = [
            _token("t1"),
            _token("t2", purpose=LOGIN_CONFIRMATION),
            _token("t3", purpose="privacy.export_download"),
            _token("t4", subject="c2"),
            _token("t5"),
        ]
        self.commit(make_uow, lambda uow: [uow.tokens.add(t) for t in tokens])
        self.commit(make_uow, lambda uow: uow.tokens.mark_used("t5", T0))
        counts: list[int] = []
        at = T0 + MINUTE
        self.commit(
            make_uow,
            lambda uow: counts.append(
                uow.tokens.revoke("c1", (PASSWORD_RESET, LOGIN_CONFIRMATION), at)
            ),
        )
        assert counts == [2]  # t5 was already spent
        used = {t.id: getattr(self.token(make_uow, t.id), "used_at", "gone") for t in tokens}
        assert used == {"t1": at, "t2": at, "t3": None, "t4": None, "t5": T0}  # t3, t4: others

    def test_count_issued_per_subject_and_purpose_since_inclusive(self, make_uow: MakeUow) -> None:
        tokens = [
            _token("t1", created_minutes=0),
            _token("t2", created_minutes=10),
            _token("t3", created_minutes=20),
            _token("t4", created_minutes=20, purpose=LOGIN_CONFIRMATION),
            _token("t5", created_minutes=20, subject="c2"),
        ]
        self.commit(make_uow, lambda uow: [uow.tokens.add(t) for t in tokens])

        def count(minutes: int) -> int:
            since = T0 + minutes * MINUTE
            return int(
                self.read(
                    make_uow, lambda uow: uow.tokens.count_issued("c1", PASSWORD_RESET, since)
                )
            )

        assert [count(0), count(10), count(11), count(21)] == [3, 2, 1, 0]

    def test_delete_expired_in_bounded_batches(self, make_uow: MakeUow) -> None:
        tokens = [_token(f"t{i}", created_minutes=i, ttl_minutes=10) for i in range(4)]
        self.commit(make_uow, lambda uow: [uow.tokens.add(t) for t in tokens])
        deleted: list[int] = []
        before = T0 + 12 * MINUTE  # t0, t1 expired (at 10, 11); t2 expires at 12, not before
        self.commit(
            make_uow, lambda uow: deleted.append(uow.tokens.delete_expired(before, limit=1))
        )
        self.commit(make_uow, lambda uow: deleted.append(uow.tokens.delete_expired(before)))
        assert deleted == [1, 1]
        left = [self.token(make_uow, t.id) for t in tokens]
        assert [t is not None for t in left] == [False, False, True, True]


def _event(
    event_id: str,
    minutes: int,
    kind: str = SecurityEventKind.LOGIN_LOCKOUT_ACCOUNT,
    customer_id: str | None = "c1",
) -> SecurityEvent:
    return SecurityEvent(
        event_id, kind, T0 + minutes * MINUTE, customer_id=customer_id, ip_address="192.0.2.1"
    )


class SecurityEventLogContract(SecurityContractBase):
    """``uow.security_events``: append-only, queried newest first."""

    def test_events_newest_first_with_filters(self, make_uow: MakeUow) -> None:
        events = [
            _event("e1", 0),
            _event("e2", 2, SecurityEventKind.PASSWORD_RESET),
            _event("e3", 1, SecurityEventKind.LOGIN_LOCKOUT_IP, customer_id=None),
            _event("e4", 3, customer_id="c2"),
            _event("e5", 4, "privacy.export_downloaded", customer_id="c2"),  # a later kind
        ]
        self.commit(make_uow, lambda uow: [uow.security_events.add(e) for e in events])

        def ids(**filters: Any) -> list[str]:
            found = self.read(make_uow, lambda uow: uow.security_events.events(**filters))
            return [e.id for e in found]

        assert ids() == ["e5", "e4", "e2", "e3", "e1"]
        assert ids(kind=SecurityEventKind.LOGIN_LOCKOUT_ACCOUNT) == ["e4", "e1"]
        assert ids(kind="privacy.export_downloaded") == ["e5"]
        assert ids(customer_id="c1") == ["e2", "e1"]
        assert ids(since=T0 + 2 * MINUTE) == ["e5", "e4", "e2"]
        assert ids(customer_id="c2", kind=SecurityEventKind.LOGIN_LOCKOUT_ACCOUNT) == ["e4"]
        assert ids(limit=2) == ["e5", "e4"]

    def test_an_event_reads_back_unchanged(self, make_uow: MakeUow) -> None:
        event = SecurityEvent(
            "e1",
            SecurityEventKind.ACCOUNT_RECOVERY,
            T0,
            customer_id="c1",
            actor_id="manager-1",
            ip_address=None,
        )
        other = _event("e2", 1)
        self.commit(make_uow, lambda uow: [uow.security_events.add(e) for e in (event, other)])
        assert self.read(make_uow, lambda uow: uow.security_events.events()) == [other, event]

    def test_event_ids_are_unique(self, make_uow: MakeUow) -> None:
        self.commit(make_uow, lambda uow: uow.security_events.add(_event("e1", 0)))
        with make_uow() as uow, pytest.raises(ConflictError):
            uow.security_events.add(_event("e1", 1))
            uow.commit()

    def test_delete_before(self, make_uow: MakeUow) -> None:
        events = [_event(f"e{i}", i) for i in range(4)]
        self.commit(make_uow, lambda uow: [uow.security_events.add(e) for e in events])
        deleted: list[int] = []
        self.commit(
            make_uow,
            lambda uow: deleted.append(uow.security_events.delete_before(T0 + 2 * MINUTE)),
        )
        assert deleted == [2]
        left = self.read(make_uow, lambda uow: uow.security_events.events())
        assert [e.id for e in left] == ["e3", "e2"]


def _request(request_id: str, minutes: int) -> LostCredentialsRequest:
    return LostCredentialsRequest(
        request_id,
        T0 + minutes * MINUTE,
        name="Camille Martin",
        contact_email="camille@example.fr",
        message="J'ai perdu mon identifiant; commande KL-2026-000042.",
    )


class LostCredentialsRepositoryContract(SecurityContractBase):
    """``uow.lost_credentials``: requests by id, the review queue oldest first."""

    def test_add_get_save(self, make_uow: MakeUow) -> None:
        request = _request("r1", 0)
        self.commit(make_uow, lambda uow: uow.lost_credentials.add(request))
        assert self.read(make_uow, lambda uow: uow.lost_credentials.get("r1")) == request
        assert self.read(make_uow, lambda uow: uow.lost_credentials.get("r2")) is None
        resolved = request.resolved("manager-1", T0 + MINUTE, "c1")
        self.commit(make_uow, lambda uow: uow.lost_credentials.save(resolved))
        assert self.read(make_uow, lambda uow: uow.lost_credentials.get("r1")) == resolved

    @_ROUND_TRIP
    @given(data=st.data())
    def test_any_request_reads_back_unchanged(self, make_uow: MakeUow, data: st.DataObject) -> None:
        request = data.draw(kst.lost_credentials_requests())
        request = attrs.evolve(request, id=f"{request.id}-{next(_UNIQUE)}")  # no replays clash
        self.commit(make_uow, lambda uow: uow.lost_credentials.add(request))
        assert self.read(make_uow, lambda uow: uow.lost_credentials.get(request.id)) == request

    def test_saving_an_unknown_request_is_refused(self, make_uow: MakeUow) -> None:
        with make_uow() as uow, pytest.raises(LostCredentialsRequestNotFoundError):
            uow.lost_credentials.save(_request("r1", 0))

    def test_request_ids_are_unique(self, make_uow: MakeUow) -> None:
        self.commit(make_uow, lambda uow: uow.lost_credentials.add(_request("r1", 0)))
        with make_uow() as uow, pytest.raises(ConflictError):
            uow.lost_credentials.add(_request("r1", 1))
            uow.commit()

    def test_list_oldest_first_by_status(self, make_uow: MakeUow) -> None:
        requests = [_request("r1", 2), _request("r2", 0), _request("r3", 1), _request("r4", 3)]
        self.commit(make_uow, lambda uow: [uow.lost_credentials.add(r) for r in requests])
        rejected = requests[2].rejected("manager-1", T0 + 5 * MINUTE)
        self.commit(make_uow, lambda uow: uow.lost_credentials.save(rejected))

        def ids(**filters: Any) -> list[str]:
            found = self.read(make_uow, lambda uow: uow.lost_credentials.list(**filters))
            return [r.id for r in found]

        assert ids() == ["r2", "r3", "r1", "r4"]
        assert ids(status=RecoveryStatus.OPEN) == ["r2", "r1", "r4"]
        assert ids(status=RecoveryStatus.REJECTED) == ["r3"]
        assert ids(status=RecoveryStatus.RESOLVED) == []
        assert ids(status=RecoveryStatus.OPEN, limit=2) == ["r2", "r1"]


def _session(session_id: str, customer_id: str | None) -> VisitorSession:
    return VisitorSession(session_id, T0, T0, customer_id=customer_id)


class CustomerSessionsContract(SecurityContractBase):
    """``uow.sessions.delete_for_customer``: a password reset ends the other sessions."""

    def test_deletes_the_customers_sessions_but_the_one_kept(self, make_uow: MakeUow) -> None:
        sessions = [
            _session("s1", "c1"),
            _session("s2", "c1"),
            _session("s3", "c1"),
            _session("s4", "c2"),
            _session("s5", None),
        ]
        self.commit(make_uow, lambda uow: [uow.sessions.add(s) for s in sessions])
        counts: list[int] = []
        self.commit(
            make_uow, lambda uow: counts.append(uow.sessions.delete_for_customer("c1", "s2"))
        )
        self.commit(make_uow, lambda uow: counts.append(uow.sessions.delete_for_customer("c9")))
        assert counts == [2, 0]
        alive = {s.id: self.session(make_uow, s.id) is not None for s in sessions}
        assert alive == {"s1": False, "s2": True, "s3": False, "s4": True, "s5": True}

    def test_without_exception_every_session_goes(self, make_uow: MakeUow) -> None:
        self.commit(
            make_uow,
            lambda uow: [uow.sessions.add(_session(f"s{i}", "c1")) for i in range(3)],
        )
        counts: list[int] = []
        self.commit(make_uow, lambda uow: counts.append(uow.sessions.delete_for_customer("c1")))
        assert counts == [3]
        assert all(self.session(make_uow, f"s{i}") is None for i in range(3))

    def test_deletion_is_part_of_the_transaction(self, make_uow: MakeUow) -> None:
        self.commit(make_uow, lambda uow: uow.sessions.add(_session("s1", "c1")))
        with make_uow() as uow:
            assert uow.sessions.delete_for_customer("c1") == 1
        assert self.read(make_uow, lambda uow: uow.sessions.get("s1")) == _session("s1", "c1")
