# ruff: noqa: S101 - test code: plain asserts
"""Every category's retention sweep at its cutoff, on every backend (PRV-1, PRV-2, X-5).

Why: the SQL sweep once kept cancelled orders eleven days instead of ten and the whole
suite passed, PostgreSQL included, because the contract data sat thirty days past the
cutoff (issue #19, break 1). Here every category of the default registry, found by walking
the bound registry (never listed by hand), gets four records whose clocks start around the
cutoff its rule gives at :data:`NOW`:

* ``due``: one day before the cutoff, and ``last``: one microsecond before it (the last
  instant :func:`~klickit_core.privacy.retention.is_due` calls due) are swept: deleted, or
  anonymised as :mod:`~klickit_core.testing.contracts.anonymised` defines it;
* ``first``: at the cutoff (the first instant still kept), and ``inside``: one day after
  it, read back unchanged.

The category's own provider runs the sweep (``sweep_batch`` with the task the engine
would give it), so the registry's rule, the cutoff and the backend's repository are
checked together. :data:`BOUNDARY_CASES` holds, per category id, how to store a record of
that category whose clock starts at a given instant and how to read it back; a category
without one fails with a message saying where to add it.

Reviews of erased authors have no clock of their own: they last as long as their account
(``follows_account``). Their due records are those whose account is gone, the kept ones
have an account, whatever the instant. Saved carts have their own clock (their last
change, ``carts.saved``) and every one of them keeps its account, so the clock alone
decides; published reviews count from their publication (``reviews.published``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import attrs
import pytest

from klickit_core.accounts.security import (
    PASSWORD_RESET,
    AttemptOutcome,
    LoginAttempt,
    LostCredentialsRequest,
)
from klickit_core.cart.domain import Cart, CartLine
from klickit_core.catalogue.domain import ReviewState
from klickit_core.consents.domain import ConsentRecord
from klickit_core.personal_data import RetentionAction, SweepCursor, SweepTask
from klickit_core.privacy.records import RequestStatus, StoredBundle
from klickit_core.privacy.registry import BoundRegistry
from klickit_core.privacy.retention import RetentionSchedule
from klickit_core.sessions.domain import VisitorSession
from klickit_core.shared.access_log import AccessLogEntry
from klickit_core.shared.security_events import SecurityEvent, SecurityEventKind
from klickit_core.shared.tokens import OneTimeToken
from klickit_core.testing.contracts.anonymised import ANONYMISED_CHECKS
from klickit_core.testing.contracts.base import ContractBase, MakeUow
from klickit_core.testing.contracts.builders import T0 as BUILDERS_T0
from klickit_core.testing.contracts.builders import customer, product, review
from klickit_core.testing.contracts.order_sweeps import (
    cancelled,
    cancelled_after_payment,
    completed,
    failed,
    paid_payment,
    request,
    unpaid,
)
from klickit_core.testing.contracts.privacy_requests import privacy_request

__all__ = [
    "BOUNDARY_CASES",
    "NOW",
    "BoundaryCase",
    "RetentionBoundaryContract",
    "check_boundaries",
    "default_bound_registry",
]

#: The sweep's reference instant: half past midnight in Paris, still the day before in
#: UTC, so a backend that counted days in UTC would be a day off.
NOW = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MICROSECOND = timedelta(microseconds=1)
IP = "203.0.113.7"
#: The four records of a category, by name: their clock relative to the cutoff, and
#: whether the sweep must take them.
_AROUND: dict[str, tuple[timedelta, bool]] = {
    "due": (-DAY, True),
    "last": (-MICROSECOND, True),
    "first": (timedelta(0), False),
    "inside": (DAY, False),
}

#: ``store(uow, key, clock)``: add a record of the category whose retention clock starts
#: at ``clock`` (in ``uow``, uncommitted) and return it as stored.
Store = Callable[[Any, str, datetime], object]
#: ``read(uow, key)``: the record back, or ``None`` when it is gone.
Read = Callable[[Any, str], object | None]


@attrs.frozen(slots=True)
class BoundaryCase:
    """How to make and read back a record of one category (see the module docstring)."""

    store: Store
    read: Read
    follows_account: bool = False


def account_of(key: str) -> str:
    """The id of the customer account a record stored under ``key`` belongs to."""
    return f"c-{key}"


@cache
def default_bound_registry() -> BoundRegistry[Any]:
    """The library's registry bound to the default schedule (what a shop runs on)."""
    from klickit_core.bootstrap import default_privacy_registry  # noqa: PLC0415 - cheap, once

    return default_privacy_registry().bind(RetentionSchedule.defaults())


def default_category_ids() -> tuple[str, ...]:
    """Every category of the default registry, in the order its sweep runs them."""
    return tuple(entry.category.id for entry in default_bound_registry().entries())


# ---------------------------------------------------------------------------- builders
def _first(found: list[Any], key: str) -> object | None:
    return next((item for item in found if item.id == key), None)


def _order_case(make: Callable[[str, datetime], Any]) -> BoundaryCase:
    def store(uow: Any, key: str, clock: datetime) -> object:
        placed = make(key, clock)
        uow.orders.add(placed)
        return placed

    return BoundaryCase(store, lambda uow, key: uow.orders.get(key))


def _either(
    first: Callable[[str, datetime], Any], second: Callable[[str, datetime], Any]
) -> Callable[[str, datetime], Any]:
    """Two variants of a category's rows, each on both sides of the cutoff: the ``due``
    and ``first`` records are made by ``first``, the ``last`` and ``inside`` ones by
    ``second`` (issue #19, break 3: every variant of a category's rows)."""

    def make(key: str, clock: datetime) -> Any:
        return first(key, clock) if key in ("b-due", "b-first") else second(key, clock)

    return make


def _failed_after_payment(key: str, clock: datetime) -> Any:
    return cancelled_after_payment(key, clock, failed=True)


def _payment(uow: Any, key: str, clock: datetime) -> object:
    paid = completed(f"o-{key}", clock)  # the order's ten years are the payment's
    settled = paid_payment(key, paid)
    uow.orders.add(paid)
    uow.payments.add(settled)
    return settled


def _support_request(uow: Any, key: str, clock: datetime) -> object:
    closed = request(key, f"o-{key}", clock - 20 * DAY, closed=clock)
    uow.support_requests.add(closed)
    return closed


def _session(uow: Any, key: str, clock: datetime) -> object:
    visit = VisitorSession(key, clock - HOUR, clock, ip_address=IP)
    uow.sessions.add(visit)
    return visit


def _account(uow: Any, key: str, clock: datetime) -> object:
    account = customer(key, f"{key}@example.fr", created_at=clock, updated_at=clock)
    uow.customers.add(account)
    return account


def _attempt(uow: Any, key: str, clock: datetime) -> object:
    attempt = LoginAttempt(key, clock, AttemptOutcome.FAILED, account_of(key), IP)
    uow.login_attempts.add(attempt)
    return attempt


def _token(uow: Any, key: str, clock: datetime) -> object:
    token = OneTimeToken(key, PASSWORD_RESET, account_of(key), "ab" * 32, clock - HOUR, clock)
    uow.tokens.add(token)
    return token


def _event(uow: Any, key: str, clock: datetime) -> object:
    event = SecurityEvent(
        key,
        SecurityEventKind.LOGIN_LOCKOUT_ACCOUNT,
        clock,
        customer_id=account_of(key),
        ip_address=IP,
    )
    uow.security_events.add(event)
    return event


def _lost_credentials(uow: Any, key: str, clock: datetime) -> object:
    lost = LostCredentialsRequest(key, clock, "Camille Martin", f"{key}@example.fr", "Perdu !")
    uow.lost_credentials.add(lost)
    return lost


def _access(uow: Any, key: str, clock: datetime) -> object:
    read = AccessLogEntry(
        key, "manager-1", "shop_manager", "customers.read", account_of(key), clock
    )
    uow.access_log.add(read)
    return read


def _cart(uow: Any, key: str, clock: datetime) -> object:
    """A cart last changed at the clock, whose account still exists (so only the clock
    can make it due, not the orphan rule)."""
    uow.customers.add(customer(account_of(key), f"{key}@example.fr"))
    saved = Cart((CartLine("MUG", 1), CartLine("TEA", 2)))
    uow.carts.save(account_of(key), saved, at=clock)
    return uow.carts.get_saved(account_of(key))


def _published_review(uow: Any, key: str, clock: datetime) -> object:
    """A review published (approved) at the clock, signed by an existing account."""
    if uow.products.get("MUG") is None:
        uow.products.add(product("MUG"))
    uow.customers.add(customer(account_of(key), f"{key}@example.fr"))
    written = review(key, state=ReviewState.PENDING)
    written = attrs.evolve(written, customer_id=account_of(key), created_at=clock - DAY)
    published = written.moderated(ReviewState.APPROVED, "manager-1", clock)
    uow.reviews.add(published)
    return published


def _review(uow: Any, key: str, clock: datetime) -> object:
    if uow.products.get("MUG") is None:
        uow.products.add(product("MUG"))
    written = attrs.evolve(
        review(key, state=ReviewState.APPROVED), customer_id=account_of(key), created_at=clock
    )
    uow.reviews.add(written)
    return written


def _consent(*, granted: bool) -> Store:
    """A newsletter consent given (or withdrawn) at the clock, the person's only one."""

    def store(uow: Any, key: str, clock: datetime) -> object:
        record = ConsentRecord(
            key, f"{key}@example.fr", "newsletter", "nl-1", granted, clock, "account"
        )
        uow.consents.add(record)
        return record

    return store


def _privacy_request(uow: Any, key: str, clock: datetime) -> object:
    received = clock - 2 * DAY
    minutes = int((received - BUILDERS_T0).total_seconds() // 60)
    answered = privacy_request(key, f"{key}@example.fr", minutes, status=RequestStatus.CONFIRMED)
    answered = answered.completed(clock)
    uow.privacy_requests.add(answered)
    return answered


def _bundle(uow: Any, key: str, clock: datetime) -> object:
    bundle = StoredBundle(
        key, f"q-{key}", clock, clock + 7 * DAY, "donnees-personnelles.zip", b"PK\x03\x04"
    )
    uow.export_bundles.add(bundle)
    return bundle


#: How to make each category's records (by category id). A category of the default
#: registry missing here fails :meth:`RetentionBoundaryContract` until it has one.
BOUNDARY_CASES: dict[str, BoundaryCase] = {
    "payments.details": BoundaryCase(_payment, lambda uow, key: uow.payments.get(key)),
    "orders.support_requests": BoundaryCase(
        _support_request, lambda uow, key: uow.support_requests.get(key)
    ),
    "orders.completed": _order_case(completed),
    "orders.cancelled_after_payment": _order_case(
        _either(cancelled_after_payment, _failed_after_payment)
    ),
    "orders.after_sales": _order_case(_either(completed, cancelled_after_payment)),
    "orders.cancelled": _order_case(cancelled),
    "orders.failed": _order_case(failed),
    "orders.unpaid": _order_case(unpaid),
    "sessions.visitor": BoundaryCase(_session, lambda uow, key: uow.sessions.get(key)),
    "accounts.customers": BoundaryCase(_account, lambda uow, key: uow.customers.get(key)),
    "accounts.login_attempts": BoundaryCase(
        _attempt, lambda uow, key: _first(uow.login_attempts.for_customer(account_of(key)), key)
    ),
    "security.tokens": BoundaryCase(_token, lambda uow, key: uow.tokens.get(key)),
    "security.events": BoundaryCase(
        _event, lambda uow, key: _first(uow.security_events.for_customer(account_of(key)), key)
    ),
    "accounts.lost_credentials": BoundaryCase(
        _lost_credentials, lambda uow, key: uow.lost_credentials.get(key)
    ),
    "staff.access_log": BoundaryCase(
        _access, lambda uow, key: _first(uow.access_log.about(account_of(key)), key)
    ),
    "carts.saved": BoundaryCase(_cart, lambda uow, key: uow.carts.get_saved(account_of(key))),
    "reviews.authors": BoundaryCase(
        _review, lambda uow, key: uow.reviews.get(key), follows_account=True
    ),
    "reviews.published": BoundaryCase(_published_review, lambda uow, key: uow.reviews.get(key)),
    "consents.ledger": BoundaryCase(
        _consent(granted=False),
        lambda uow, key: _first(uow.consents.for_subject(f"{key}@example.fr"), key),
    ),
    "consents.standing": BoundaryCase(
        _consent(granted=True),
        lambda uow, key: _first(uow.consents.for_subject(f"{key}@example.fr"), key),
    ),
    "privacy.request_proofs": BoundaryCase(
        _privacy_request, lambda uow, key: uow.privacy_requests.get(key)
    ),
    "privacy.export_bundles": BoundaryCase(_bundle, lambda uow, key: uow.export_bundles.get(key)),
}


# ---------------------------------------------------------------------------- the check
def check_boundaries(
    make_uow: MakeUow,
    category_id: str,
    *,
    bound: BoundRegistry[Any] | None = None,
    now: datetime = NOW,
) -> None:
    """Store the four records of ``category_id`` around its cutoff at ``now``, sweep the
    category with its provider to the end, and check what is left (module docstring).

    Raises :class:`AssertionError` naming the category, the record and what went wrong.
    """
    registry = bound if bound is not None else default_bound_registry()
    case = BOUNDARY_CASES.get(category_id)
    if case is None:
        raise AssertionError(
            f"category {category_id!r} has no boundary case: add a builder for it to "
            "BOUNDARY_CASES in klickit_core.testing.contracts.retention_boundaries"
        )
    rule = registry.rule_for(category_id)
    edge = registry.cutoff(category_id, now)
    clocks = {name: edge + offset for name, (offset, _due) in _AROUND.items()}
    for name, (_offset, due) in _AROUND.items():  # the schedule's two answers agree
        assert registry.is_due(category_id, clocks[name], now) is due, (category_id, name)
    keys = {name: f"b-{name}" for name in _AROUND}
    with make_uow() as uow:
        stored = {name: case.store(uow, keys[name], clocks[name]) for name in _AROUND}
        if case.follows_account:  # the kept ones still have their account
            for name, (_offset, due) in _AROUND.items():
                if not due:
                    uow.customers.add(customer(account_of(keys[name]), f"{keys[name]}@example.fr"))
        uow.commit()
    examined = _sweep(make_uow, registry, category_id, rule.action, edge, now)
    with make_uow() as uow:
        for name, (offset, due) in _AROUND.items():
            found = case.read(uow, keys[name])
            where = f"{category_id}: the record {name!r} ({offset} from the cutoff)"
            if not due:
                assert found == stored[name], f"{where} must be kept unchanged"
            elif rule.action is RetentionAction.DELETE:
                assert found is None, f"{where} is past its period and was kept"
            else:
                check = ANONYMISED_CHECKS.get(category_id)
                assert check is not None, f"{category_id} anonymises but has no anonymised check"
                try:
                    check(stored[name], found)
                except AssertionError as error:
                    raise AssertionError(f"{where}: {error}") from None
    due_names = [name for name, (_offset, due) in _AROUND.items() if due]
    assert examined == len(due_names), (
        f"{category_id}: the sweep examined {examined} records, expected {len(due_names)} "
        f"(cutoff {edge.isoformat()})"
    )


def _sweep(
    make_uow: MakeUow,
    registry: BoundRegistry[Any],
    category_id: str,
    action: RetentionAction,
    edge: datetime,
    now: datetime,
) -> int:
    """Run the category's sweep as the engine would, batch after batch, each committed;
    the number of records examined."""
    entry = next(e for e in registry.entries() if e.category.id == category_id)
    task = SweepTask(category_id, registry.rule_for(category_id).id, edge, action, now)
    after: SweepCursor | None = None
    examined = 0
    limit = 3  # smaller than the records stored: the cursor is used at least once
    for _ in range(100):
        with make_uow() as uow:
            batch = entry.provider.sweep_batch(uow, task, after=after, limit=limit, dry_run=False)
            uow.commit()
        examined += batch.examined
        if batch.examined < limit:
            return examined
        after = batch.last
    raise AssertionError(f"{category_id}: the sweep never ended")  # pragma: no cover


# ---------------------------------------------------------------------------- contract
class RetentionBoundaryContract(ContractBase):
    """Every category of the default registry, a day and an instant either side of its
    cutoff (PRV-1, PRV-2; issue #19). Subclassed once per backend."""

    def test_every_category_has_a_boundary_case(self) -> None:
        """PRV-2: a category added to the registry fails here until it has a builder,
        and no builder is left for a category that no longer exists."""
        categories = set(default_category_ids())
        assert set(BOUNDARY_CASES) == categories, (
            f"missing: {sorted(categories - set(BOUNDARY_CASES))}, "
            f"unknown: {sorted(set(BOUNDARY_CASES) - categories)}"
        )

    @pytest.mark.parametrize("category_id", default_category_ids())
    def test_a_day_past_the_cutoff_goes_and_a_day_inside_stays(
        self, make_uow: MakeUow, category_id: str
    ) -> None:
        """PRV-1, PRV-2: one day and one microsecond before the cutoff the record is
        swept (deleted, or anonymised field by field); at the cutoff and one day after it,
        it is read back unchanged."""
        check_boundaries(make_uow, category_id)
