# ruff: noqa: S101 - test code: plain asserts
"""The visitor-session repository contract (X-5, SES-1)."""

from __future__ import annotations

import pytest

from klickit_core.sessions.ports import SessionNotFoundError
from klickit_core.shared.errors import ConflictError
from klickit_core.testing.contracts.base import ContractBase, MakeUow
from klickit_core.testing.contracts.builders import visit

__all__ = ["SessionContract"]


class SessionContract(ContractBase):
    """What every backend must do for visitor sessions."""

    def test_sessions_add_get_save_delete(self, make_uow: MakeUow) -> None:
        """X-5, SES-1: add (duplicate id conflicts), save (missing raises), delete (idempotent)."""
        with make_uow() as uow:
            assert uow.sessions.get("s-1") is None
            uow.sessions.add(visit("s-1"))
            with pytest.raises(ConflictError):
                uow.sessions.add(visit("s-1", "MUG"))
            with pytest.raises(SessionNotFoundError):
                uow.sessions.save(visit("s-2"))
            uow.sessions.add(visit("s-3"))
            uow.commit()
        with make_uow() as uow:
            assert uow.sessions.get("s-1") == visit("s-1")
            assert uow.sessions.get("s-2") is None
            uow.sessions.save(visit("s-1", "MUG"))
            uow.sessions.delete("s-3")
            uow.sessions.delete("never-existed")
            assert uow.sessions.get("s-3") is None
            uow.commit()
        with make_uow() as uow:
            assert uow.sessions.get("s-1") == visit("s-1", "MUG")
            assert uow.sessions.get("s-3") is None
            with pytest.raises(SessionNotFoundError):
                uow.sessions.save(visit("s-3"))

    def test_deleted_session_can_be_added_again(self, make_uow: MakeUow) -> None:
        """X-5, SES-1: after a delete the id is free in the same transaction."""
        with make_uow() as uow:
            uow.sessions.add(visit("s-1"))
            uow.commit()
        with make_uow() as uow:
            uow.sessions.delete("s-1")
            uow.sessions.add(visit("s-1", "TEA"))
            uow.commit()
        with make_uow() as uow:
            assert uow.sessions.get("s-1") == visit("s-1", "TEA")
