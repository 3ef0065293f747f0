# ruff: noqa: S101 - test code: plain asserts
"""The contracts of the request flows' and the erasure ledger's repositories (X-5, PRV-3,
PRV-4, PRV-6): requests, delivered bundles, the ledger and the subject directory.

Every backend (memory, SQLite, PostgreSQL) subclasses :class:`PrivacyRequestsContract`
with its ``make_uow`` fixture; a unit of work must carry ``privacy_requests``,
``export_bundles``, ``erasure_ledger`` and ``privacy_subjects`` beside the context
repositories the directory reads (customers, orders, reviews, consents).
"""

from __future__ import annotations

from datetime import date, timedelta

import attrs
import pytest

from klickit_core.privacy.ports import PrivacyRequestNotFoundError
from klickit_core.privacy.records import (
    ErasureKey,
    ErasureLedgerEntry,
    ExtensionReason,
    KnownSubject,
    PrivacyRequest,
    RequestChannel,
    RequestKind,
    RequestStatus,
    StoredBundle,
    answer_deadline,
)
from klickit_core.shared.errors import ConflictError
from klickit_core.testing.contracts.base import ContractBase, MakeUow
from klickit_core.testing.contracts.builders import (
    at,
    consent,
    customer,
    ids_of,
    order,
    review,
)

__all__ = ["PrivacyRequestsContract", "ledger_entry", "privacy_request", "stored_bundle"]

_KEY = ErasureKey(b"contract-key-of-at-least-32-bytes!!")
_OTHER_KEY = ErasureKey(b"another-contract-key-32-bytes-long!")


def privacy_request(
    request_id: str,
    email: str = "alice@example.fr",
    minutes: int = 0,
    *,
    status: RequestStatus = RequestStatus.AWAITING_CONFIRMATION,
    customer_id: str | None = None,
    kind: RequestKind = RequestKind.ACCESS,
    ttl: timedelta = timedelta(days=7),
) -> PrivacyRequest:
    """A request received ``minutes`` after T0, in ``status`` (confirmed and completed
    an hour after receipt)."""
    received = at(minutes)
    request = PrivacyRequest(
        id=request_id,
        kind=kind,
        channel=RequestChannel.CONTACT_FORM,
        email=email,
        locale="fr",
        received_at=received,
        due_on=answer_deadline(received),
        confirm_by=received + ttl,
        customer_id=customer_id,
    )
    if status in (RequestStatus.CONFIRMED, RequestStatus.COMPLETED):
        request = request.confirmed(received + timedelta(hours=1))
    if status is RequestStatus.COMPLETED:
        request = request.completed(received + timedelta(hours=1))
    return request


def stored_bundle(bundle_id: str, request_id: str, minutes: int = 0) -> StoredBundle:
    """A small ZIP-like payload made ``minutes`` after T0, valid a week."""
    made = at(minutes)
    return StoredBundle(
        bundle_id,
        request_id,
        made,
        made + timedelta(days=7),
        "donnees-personnelles.zip",
        b"PK\x03\x04" + bytes(range(256)),
    )


def ledger_entry(
    entry_id: str,
    email: str,
    customer_id: str | None = None,
    minutes: int = 0,
    key: ErasureKey = _KEY,
) -> ErasureLedgerEntry:
    """The ledger's record of erasing ``email`` (and ``customer_id``) under ``key``."""
    return ErasureLedgerEntry(
        entry_id,
        at(minutes),
        key.key_id,
        key.email_hash(email),
        None if customer_id is None else key.customer_hash(customer_id),
        f"ref-{entry_id}",
    )


class PrivacyRequestsContract(ContractBase):
    """What every backend must do for requests, bundles, the ledger and the directory."""

    # ------------------------------------------------------------------ requests
    def test_request_round_trips_with_every_field(self, make_uow: MakeUow) -> None:
        """PRV-3: a request comes back equal, dates, extension and bundle included."""
        extended = privacy_request("r-1", customer_id="cust-1", status=RequestStatus.CONFIRMED)
        extended = extended.extended(
            date(2027, 2, 24), ExtensionReason.COMPLEXITY, at(30), "manager-1"
        )
        completed = privacy_request("r-2", status=RequestStatus.COMPLETED)
        completed = attrs.evolve(completed, bundle_id="b-1")
        with make_uow() as uow:
            uow.privacy_requests.add(extended)
            uow.privacy_requests.add(completed)
            assert uow.privacy_requests.get("r-1") == extended  # its own write
            uow.commit()
        with make_uow() as uow:
            assert uow.privacy_requests.get("r-1") == extended
            assert uow.privacy_requests.get("r-2") == completed
            assert uow.privacy_requests.get("nope") is None

    def test_request_ids_are_unique_and_saves_need_a_request(self, make_uow: MakeUow) -> None:
        """X-9: a second request with the same id clashes; saving an unknown one is a
        typed not-found; deleting is reported."""
        with make_uow() as uow:
            uow.privacy_requests.add(privacy_request("r-1"))
            uow.commit()
        with make_uow() as uow:
            with pytest.raises(ConflictError):
                uow.privacy_requests.add(privacy_request("r-1"))
            with pytest.raises(PrivacyRequestNotFoundError):
                uow.privacy_requests.save(privacy_request("r-9"))
        request = privacy_request("r-1")
        with make_uow() as uow:
            uow.privacy_requests.save(request.confirmed(at(5)))
            uow.commit()
        with make_uow() as uow:
            assert uow.privacy_requests.delete("r-1") is True
            assert uow.privacy_requests.delete("r-1") is False
            uow.commit()
        with make_uow() as uow:
            assert uow.privacy_requests.get("r-1") is None

    def test_concurrent_saves_of_a_request_conflict(self, make_uow: MakeUow) -> None:
        """PRV-3: two transactions completing the same request: the later commit fails."""
        with make_uow() as uow:
            uow.privacy_requests.add(privacy_request("r-1", status=RequestStatus.CONFIRMED))
            uow.commit()
        first, second = make_uow(), make_uow()
        with first, second:
            one = first.privacy_requests.get("r-1")
            two = second.privacy_requests.get("r-1")
            first.privacy_requests.save(one.completed(at(90)))
            second.privacy_requests.save(two.completed(at(91)))
            first.commit()
            with pytest.raises(ConflictError):
                second.commit()
        with make_uow() as uow:
            assert uow.privacy_requests.get("r-1").completed_at == at(90)

    def test_requests_counted_per_email_since_a_moment(self, make_uow: MakeUow) -> None:
        """PRV-3: the rate limit counts one address's requests received since a moment."""
        with make_uow() as uow:
            uow.privacy_requests.add(privacy_request("r-1", minutes=0))
            uow.privacy_requests.add(privacy_request("r-2", minutes=10))
            uow.privacy_requests.add(privacy_request("r-3", "bob@example.com", minutes=10))
            uow.commit()
        with make_uow() as uow:
            assert uow.privacy_requests.count_since("alice@example.fr", at(0)) == 2
            assert uow.privacy_requests.count_since("alice@example.fr", at(10)) == 1
            assert uow.privacy_requests.count_since("alice@example.fr", at(11)) == 0
            assert uow.privacy_requests.count_since("carol@example.fr", at(0)) == 0
            uow.privacy_requests.add(privacy_request("r-4", minutes=20))
            assert uow.privacy_requests.count_since("alice@example.fr", at(10)) == 2

    def test_requests_of_a_subject_by_email_or_account(self, make_uow: MakeUow) -> None:
        """PRV-3, PRV-4: a person's requests are found by email or by account, oldest
        first."""
        with make_uow() as uow:
            uow.privacy_requests.add(privacy_request("r-2", minutes=20))
            uow.privacy_requests.add(
                privacy_request("r-1", "old@example.fr", minutes=10, customer_id="cust-1")
            )
            uow.privacy_requests.add(privacy_request("r-3", "bob@example.com", minutes=0))
            uow.commit()
        with make_uow() as uow:
            assert ids_of(uow.privacy_requests.for_subject("alice@example.fr", None)) == ["r-2"]
            found = uow.privacy_requests.for_subject("alice@example.fr", "cust-1")
            assert ids_of(found) == ["r-1", "r-2"]
            assert uow.privacy_requests.for_subject("nobody@example.fr", "cust-9") == []

    def test_listing_by_deadline_and_open_requests(self, make_uow: MakeUow) -> None:
        """PRV-3: staff see requests soonest deadline first; ``open_at`` keeps those still
        waiting for the person (link not expired) or for the shop."""
        waiting = privacy_request("r-1", minutes=0)
        expired = privacy_request("r-2", minutes=-20_000, ttl=timedelta(days=1))
        confirmed = privacy_request("r-3", minutes=-10_000, status=RequestStatus.CONFIRMED)
        done = privacy_request("r-4", minutes=-30_000, status=RequestStatus.COMPLETED)
        with make_uow() as uow:
            for request in (waiting, expired, confirmed, done):
                uow.privacy_requests.add(request)
            uow.commit()
        with make_uow() as uow:
            assert ids_of(uow.privacy_requests.list()) == ["r-4", "r-2", "r-3", "r-1"]
            assert ids_of(uow.privacy_requests.list(open_at=at(1))) == ["r-3", "r-1"]
            assert ids_of(uow.privacy_requests.list(open_at=at(20_000))) == ["r-3"]
            assert ids_of(uow.privacy_requests.list(limit=2)) == ["r-4", "r-2"]

    def test_sweeping_closed_requests_pages_by_id(self, make_uow: MakeUow) -> None:
        """PRV-2: requests closed before the cutoff (completed then, or never confirmed and
        expired then) go, in id order after the cursor, a page at a time; a dry run
        deletes nothing; open ones stay."""
        with make_uow() as uow:
            uow.privacy_requests.add(privacy_request("r-1", status=RequestStatus.COMPLETED))
            uow.privacy_requests.add(privacy_request("r-2", ttl=timedelta(hours=2)))
            uow.privacy_requests.add(privacy_request("r-3", status=RequestStatus.CONFIRMED))
            uow.privacy_requests.add(privacy_request("r-4", status=RequestStatus.COMPLETED))
            uow.privacy_requests.add(privacy_request("r-5"))  # link valid a week
            uow.commit()
        cutoff = at(180)
        with make_uow() as uow:
            dry = uow.privacy_requests.sweep_closed(cutoff, after=None, limit=10, dry_run=True)
            uow.commit()
        assert (dry.count, dry.last) == (3, "r-4")
        with make_uow() as uow:
            first = uow.privacy_requests.sweep_closed(cutoff, after=None, limit=2, dry_run=False)
            uow.commit()
        assert (first.count, first.last) == (2, "r-2")
        with make_uow() as uow:
            second = uow.privacy_requests.sweep_closed(cutoff, after="r-2", limit=2, dry_run=False)
            uow.commit()
        assert (second.count, second.last) == (1, "r-4")
        with make_uow() as uow:
            again = uow.privacy_requests.sweep_closed(cutoff, after=None, limit=2, dry_run=False)
            assert (again.count, again.last) == (0, None)
            assert ids_of(uow.privacy_requests.list()) == ["r-3", "r-5"]

    def test_a_sweep_rolled_back_deletes_nothing(self, make_uow: MakeUow) -> None:
        """PRV-2: a sweep's deletions commit with the unit of work, or not at all."""
        with make_uow() as uow:
            uow.privacy_requests.add(privacy_request("r-1", status=RequestStatus.COMPLETED))
            uow.commit()
        with make_uow() as uow:
            page = uow.privacy_requests.sweep_closed(at(180), after=None, limit=5, dry_run=False)
            assert page.count == 1
            uow.rollback()
        with make_uow() as uow:
            assert uow.privacy_requests.get("r-1") is not None

    # ------------------------------------------------------------------ bundles
    def test_bundles_round_trip_and_go_once(self, make_uow: MakeUow) -> None:
        """PRV-3: a bundle's bytes come back intact; it is found by request; deleting it
        twice deletes it once."""
        with make_uow() as uow:
            uow.export_bundles.add(stored_bundle("b-2", "r-1", minutes=5))
            uow.export_bundles.add(stored_bundle("b-1", "r-1"))
            uow.export_bundles.add(stored_bundle("b-3", "r-2"))
            uow.commit()
        with make_uow() as uow:
            assert uow.export_bundles.get("b-1") == stored_bundle("b-1", "r-1")
            with pytest.raises(ConflictError):
                uow.export_bundles.add(stored_bundle("b-1", "r-9"))
            assert ids_of(uow.export_bundles.for_requests(["r-1"])) == ["b-1", "b-2"]
            assert ids_of(uow.export_bundles.for_requests(["r-2", "r-9"])) == ["b-3"]
            assert uow.export_bundles.for_requests([]) == []
            assert uow.export_bundles.delete("b-1") is True
            assert uow.export_bundles.delete("b-1") is False
            uow.commit()
        with make_uow() as uow:
            assert uow.export_bundles.get("b-1") is None

    def test_sweeping_bundles_made_before_the_cutoff(self, make_uow: MakeUow) -> None:
        """PRV-2: bundles made before the cutoff go, a page at a time, in id order."""
        with make_uow() as uow:
            for number, minutes in ((1, 0), (2, 10), (3, 20), (4, 30)):
                uow.export_bundles.add(stored_bundle(f"b-{number}", "r-1", minutes))
            uow.commit()
        with make_uow() as uow:
            dry = uow.export_bundles.sweep_created_before(
                at(25), after=None, limit=10, dry_run=True
            )
            first = uow.export_bundles.sweep_created_before(
                at(25), after=None, limit=2, dry_run=False
            )
            uow.commit()
        assert (dry.count, dry.last, first.count, first.last) == (3, "b-3", 2, "b-2")
        with make_uow() as uow:
            rest = uow.export_bundles.sweep_created_before(
                at(25), after="b-2", limit=2, dry_run=False
            )
            uow.commit()
        assert (rest.count, rest.last) == (1, "b-3")
        with make_uow() as uow:
            assert ids_of(uow.export_bundles.for_requests(["r-1"])) == ["b-4"]

    # ------------------------------------------------------------------ ledger
    def test_ledger_entries_are_append_only_and_matched_by_hash(self, make_uow: MakeUow) -> None:
        """PRV-6: entries are matched by email hash or customer hash under one key, and
        only after ``since`` when given."""
        with make_uow() as uow:
            uow.erasure_ledger.add(ledger_entry("l-1", "alice@example.fr", "cust-1", 0))
            uow.erasure_ledger.add(ledger_entry("l-2", "bob@example.com", None, 10))
            uow.erasure_ledger.add(
                ledger_entry("l-3", "alice@example.fr", None, 20, key=_OTHER_KEY)
            )
            uow.commit()
        alice, bob = _KEY.email_hash("alice@example.fr"), _KEY.email_hash("bob@example.com")
        account = _KEY.customer_hash("cust-1")
        with make_uow() as uow:
            with pytest.raises(ConflictError):
                uow.erasure_ledger.add(ledger_entry("l-1", "carol@example.fr"))
            assert uow.erasure_ledger.get("l-2") == ledger_entry("l-2", "bob@example.com", None, 10)
            ledger = uow.erasure_ledger
            assert ids_of(ledger.matching(_KEY.key_id, [alice, bob], [])) == ["l-1", "l-2"]
            assert ids_of(ledger.matching(_KEY.key_id, [], [account])) == ["l-1"]
            assert ids_of(ledger.matching(_KEY.key_id, [bob], [], since=at(5))) == ["l-2"]
            assert ledger.matching(_KEY.key_id, [alice], [], since=at(5)) == []
            assert ledger.matching(_KEY.key_id, [], []) == []
            other = _OTHER_KEY.email_hash("alice@example.fr")
            assert ids_of(ledger.matching(_OTHER_KEY.key_id, [other], [])) == ["l-3"]

    def test_ledger_entries_page_in_id_order(self, make_uow: MakeUow) -> None:
        """PRV-6: the ledger is copied out page by page, in id order."""
        with make_uow() as uow:
            for number in (3, 1, 4, 2):
                uow.erasure_ledger.add(ledger_entry(f"l-{number}", f"p{number}@example.fr"))
            uow.commit()
        with make_uow() as uow:
            assert ids_of(uow.erasure_ledger.entries(limit=3)) == ["l-1", "l-2", "l-3"]
            assert ids_of(uow.erasure_ledger.entries(after="l-3", limit=3)) == ["l-4"]
            assert uow.erasure_ledger.entries(after="l-4") == []

    # ------------------------------------------------------------------ directory
    @staticmethod
    def _people(make_uow: MakeUow) -> None:
        with make_uow() as uow:
            uow.customers.add(customer("cust-1", "camille@example.fr"))
            uow.orders.add(order("o-1", email="alice@example.fr", customer_id=None))
            uow.orders.add(order("o-2", email="camille@example.fr", customer_id="cust-1"))
            uow.reviews.add(attrs.evolve(review("rv-1"), author_email="dan@example.org"))
            uow.consents.add(consent("c-1", "eve@example.net", 0))
            uow.privacy_requests.add(privacy_request("r-1", "fay@example.fr"))
            uow.commit()

    def test_directory_finds_an_email_in_any_table(self, make_uow: MakeUow) -> None:
        """PRV-3: "do we hold anything about this address?" looks at accounts, orders,
        reviews, consents and requests, and names the account that uses it."""
        self._people(make_uow)
        with make_uow() as uow:
            directory = uow.privacy_subjects
            assert directory.find("camille@example.fr") == KnownSubject(
                "camille@example.fr", "cust-1"
            )
            for email in ("alice@example.fr", "dan@example.org", "eve@example.net"):
                assert directory.find(email) == KnownSubject(email, None)
            assert directory.find("fay@example.fr") == KnownSubject("fay@example.fr", None)
            assert directory.find("nobody@example.fr") is None

    def test_directory_finds_the_subject_of_an_account(self, make_uow: MakeUow) -> None:
        """PRV-3, X-6: a customer's own export is found by their account: its email; an
        unknown account is ``None`` (an email held elsewhere names no account)."""
        self._people(make_uow)
        with make_uow() as uow:
            directory = uow.privacy_subjects
            assert directory.account("cust-1") == KnownSubject("camille@example.fr", "cust-1")
            assert directory.account("cust-9") is None
            assert directory.account("") is None

    def test_directory_pages_through_distinct_emails(self, make_uow: MakeUow) -> None:
        """PRV-6: keyset pages of distinct emails, each at most ``limit`` long, together
        every email once, with the account where there is one."""
        self._people(make_uow)
        seen: list[KnownSubject] = []
        after = None
        with make_uow() as uow:
            while True:
                page = uow.privacy_subjects.page(after=after, limit=2)
                assert len(page) <= 2
                seen.extend(page)
                if len(page) < 2:
                    break
                after = page[-1].email
            assert uow.privacy_subjects.page(after=None, limit=0) == []
        assert len(seen) == len({s.email for s in seen})  # distinct
        assert {s.email: s.customer_id for s in seen} == {
            "alice@example.fr": None,
            "camille@example.fr": "cust-1",
            "dan@example.org": None,
            "eve@example.net": None,
            "fay@example.fr": None,
        }
