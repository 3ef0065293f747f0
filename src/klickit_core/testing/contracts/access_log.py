# ruff: noqa: S101 - test code: plain asserts
"""The staff access log's contract (X-5, X-6, SEC-5)."""

from __future__ import annotations

from klickit_core.testing.contracts.base import ContractBase, MakeUow
from klickit_core.testing.contracts.builders import entry, ids_of

__all__ = ["AccessLogContract"]


class AccessLogContract(ContractBase):
    """What every backend must do for the access log."""

    def test_access_log_newest_first_with_filters_and_limit(self, make_uow: MakeUow) -> None:
        """X-6: entries newest first; by actor, by subject, both; limit keeps the newest."""
        with make_uow() as uow:
            uow.access_log.add(entry("e-2", "manager-1", "c-1", 20))
            uow.access_log.add(entry("e-4", "admin-1", "c-1", 40))
            uow.access_log.add(entry("e-1", "manager-1", "c-2", 10))
            uow.access_log.add(entry("e-3", "admin-1", "c-2", 30))
            uow.access_log.add(entry("e-5", "manager-1", "c-1", 50))
            uow.commit()
        with make_uow() as uow:
            assert ids_of(uow.access_log.entries()) == ["e-5", "e-4", "e-3", "e-2", "e-1"]
            assert ids_of(uow.access_log.entries(actor_id="manager-1")) == ["e-5", "e-2", "e-1"]
            assert ids_of(uow.access_log.entries(subject="c-2")) == ["e-3", "e-1"]
            assert ids_of(uow.access_log.entries(actor_id="admin-1", subject="c-1")) == ["e-4"]
            assert ids_of(uow.access_log.entries(limit=2)) == ["e-5", "e-4"]
            assert ids_of(uow.access_log.entries(actor_id="manager-1", limit=1)) == ["e-5"]
            assert uow.access_log.entries(actor_id="nobody") == []
            assert uow.access_log.entries()[0] == entry("e-5", "manager-1", "c-1", 50)

    def test_entries_about_any_of_several_subjects(self, make_uow: MakeUow) -> None:
        """PRV-3, X-6: a person's export reads the entries about their account and each of
        their records at once: oldest first, the transaction's own entries included,
        nobody else's, each entry once however often its subject is named."""
        with make_uow() as uow:
            uow.access_log.add(entry("e-3", "manager-1", "order-7", 30))
            uow.access_log.add(entry("e-1", "manager-1", "c-1", 10))
            uow.access_log.add(entry("e-9", "manager-1", "c-2", 5))
            uow.commit()
        with make_uow() as uow:
            uow.access_log.add(entry("e-2", "admin-1", "c-1", 20))  # not yet committed
            found = uow.access_log.about_any(["order-7", "c-1", "c-1", "nothing"])
            assert ids_of(found) == ["e-1", "e-2", "e-3"]
            assert found[0] == entry("e-1", "manager-1", "c-1", 10)
            assert uow.access_log.about_any([]) == []
            assert uow.access_log.about_any(["nothing"]) == []

    def test_entries_about_thousands_of_subjects(self, make_uow: MakeUow) -> None:
        """PRV-3: a person with thousands of records (a wholesaler's orders) still gets
        every entry (the SQL log binds the subjects as one key list: no bound-parameter
        limit applies)."""
        subjects = [f"order-{n:05d}" for n in range(2_500)]
        with make_uow() as uow:
            for n in (0, 999, 1_000, 2_000, 2_499):
                uow.access_log.add(entry(f"e-{n:05d}", "manager-1", subjects[n], n))
            uow.commit()
        with make_uow() as uow:
            found = uow.access_log.about_any(subjects[::-1])
            assert ids_of(found) == ["e-00000", "e-00999", "e-01000", "e-02000", "e-02499"]
