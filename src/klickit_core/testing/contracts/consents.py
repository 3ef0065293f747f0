# ruff: noqa: S101 - test code: plain asserts
"""The consent ledger's contract (X-5, CHK-2, PRV-5)."""

from __future__ import annotations

import attrs

from klickit_core.consents.domain import TERMS_OF_SALE
from klickit_core.testing.contracts.base import ContractBase, MakeUow
from klickit_core.testing.contracts.builders import consent

__all__ = ["ConsentContract"]


class ConsentContract(ContractBase):
    """What every backend must do for the consent ledger."""

    def test_consents_for_subject_oldest_first(self, make_uow: MakeUow) -> None:
        """PRV-5: the ledger of one person, oldest first whatever the insertion order, a
        withdrawal kept beside the consent it withdraws."""
        with make_uow() as uow:
            uow.consents.add(consent("k-3", "camille@example.fr", 30, granted=False))
            uow.consents.add(consent("k-1", "camille@example.fr", 10))
            uow.consents.add(consent("k-2", "bob@example.fr", 20))
            uow.consents.add(
                attrs.evolve(
                    consent("k-0", "camille@example.fr", 0),
                    purpose=TERMS_OF_SALE,
                    channel="checkout",
                    order_id="order-1",
                )
            )
            uow.commit()
        with make_uow() as uow:
            ledger = uow.consents.for_subject("camille@example.fr")
            assert [r.id for r in ledger] == ["k-0", "k-1", "k-3"]
            assert [r.granted for r in ledger] == [True, True, False]
            assert ledger[2] == consent("k-3", "camille@example.fr", 30, granted=False)
            assert [r.id for r in uow.consents.for_subject("bob@example.fr")] == ["k-2"]
            assert uow.consents.for_subject("nobody@example.fr") == []
