"""X-5, SEC-2 … SEC-6: the memory backend passes the account security contract suites."""

from __future__ import annotations

import pytest

from klickit_core.adapters.memory import MemoryStore
from klickit_core.testing.contracts import security
from klickit_core.testing.contracts.security import MakeUow


class MemoryBackend:
    """A fresh memory store per test."""

    @pytest.fixture
    def make_uow(self) -> MakeUow:
        return MemoryStore().unit_of_work


class TestMemoryLoginAttempts(MemoryBackend, security.LoginAttemptRepositoryContract):
    pass


class TestMemoryOneTimeTokens(MemoryBackend, security.OneTimeTokenRepositoryContract):
    pass


class TestMemorySecurityEvents(MemoryBackend, security.SecurityEventLogContract):
    pass


class TestMemoryLostCredentials(MemoryBackend, security.LostCredentialsRepositoryContract):
    pass


class TestMemoryCustomerSessions(MemoryBackend, security.CustomerSessionsContract):
    pass
