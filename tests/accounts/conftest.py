"""Shared set-up of the account security tests (SEC-1 … SEC-6).

:class:`Security` is a shop reduced to what these use cases need: a memory store, a frozen
clock, predictable ids, an outbox, settings with an ``https`` base URL, and a real Argon2id
hasher at OWASP's minimum (compliant, and about 40 ms a verification rather than 300).

A test decorated with :data:`ANY_BACKEND` runs three times (X-5): on that memory store, and
on the units of work of a shop that :func:`~klickit_core.bootstrap.build_shop` built on a
SQLite file and on a PostgreSQL schema. Such a test reaches the data through the ports
only (``security.uow()``), never through the memory store's tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from klickit_core.accounts import login as login_module
from klickit_core.accounts import reset as reset_module
from klickit_core.accounts.domain import Customer
from klickit_core.accounts.login import LoginRefused, LoginSucceeded
from klickit_core.accounts.reset import PasswordChanged, ResetRequested
from klickit_core.accounts.security import LoginAttempt, SecuritySettings
from klickit_core.accounts.services import AccountDetails, create_account
from klickit_core.adapters.memory import InMemoryOutbox, MemoryStore, MemoryUnitOfWork
from klickit_core.adapters.passwords import OWASP_MINIMUM, Argon2PasswordHasher
from klickit_core.bootstrap import build_shop
from klickit_core.shared.mail import MailMessage
from klickit_core.shared.security_events import SecurityEvent
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.tokens import OneTimeToken
from klickit_core.testing import FixedClock, SequentialIds
from klickit_core.testing.contracts.sql import postgres_schema_url, postgres_url_or_skip

#: Argon2id at OWASP's minimum (m=19 MiB, t=2, p=1): compliant and quick enough.
HASHER = Argon2PasswordHasher(OWASP_MINIMUM)
PASSWORD = Secret("un chat gris dort sur le toit")
NEW_PASSWORD = Secret("la pluie tombe sur Bordeaux ce matin")
BASE_URL = "https://boutique.example.fr"
LINK = re.compile(r"(https://boutique\.example\.fr(/[^\s?]*))\?token=([A-Za-z0-9_.-]+)")
IP = "203.0.113.7"
#: The backends an :data:`ANY_BACKEND` test runs on.
BACKENDS = ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
#: Run the test with the ``security`` fixture on every backend.
ANY_BACKEND = pytest.mark.parametrize("security", BACKENDS, indirect=True)


@attrs.define
class Security:
    """The account security use cases on one memory store."""

    clock: FixedClock
    ids: SequentialIds
    store: MemoryStore = attrs.field(factory=MemoryStore)
    outbox: InMemoryOutbox = attrs.field(factory=InMemoryOutbox)
    settings: SecuritySettings = attrs.field(factory=lambda: SecuritySettings(base_url=BASE_URL))
    hasher: Argon2PasswordHasher = HASHER
    #: Opens the units of work of a SQL shop (``ANY_BACKEND``); ``None``: the memory store.
    opener: Callable[[], Any] | None = None

    def uow(self) -> MemoryUnitOfWork:
        if self.opener is not None:
            return self.opener()  # type: ignore[no-any-return] - a SQL unit of work
        return self.store.unit_of_work()

    def open_account(
        self,
        email: str = "camille@example.fr",
        username: str | None = "camille",
        password: Secret = PASSWORD,
        hasher: Argon2PasswordHasher | None = None,
    ) -> Customer:
        details = AccountDetails(email=email, first_name="Camille", last_name="Martin")
        with self.uow() as uow:
            customer = create_account(
                uow, self.clock, self.ids, hasher or self.hasher, details, username, password
            )
            uow.commit()
        return customer

    def login(
        self,
        identifier: object,
        password: Secret = PASSWORD,
        *,
        ip: str | None = IP,
        confirmation: object = None,
        hasher: Argon2PasswordHasher | None = None,
        locale: str = "fr",
    ) -> LoginSucceeded | LoginRefused:
        return login_module.login(
            self.uow(),
            self.clock,
            self.ids,
            hasher or self.hasher,
            self.outbox,
            self.settings,
            identifier,  # type: ignore[arg-type]
            password,
            ip_address=ip,
            confirmation=confirmation,  # type: ignore[arg-type]
            locale=locale,
        )

    def fail(self, times: int, identifier: str = "camille", ip: str | None = IP) -> None:
        """``times`` logins with a wrong password, each refused."""
        for _ in range(times):
            assert self.login(identifier, Secret("pas le bon mot de passe"), ip=ip) == (
                login_module.LOGIN_REFUSED
            )

    def request_reset(
        self, email: str = "camille@example.fr", locale: str = "fr"
    ) -> ResetRequested:
        return reset_module.request_password_reset(
            self.uow(), self.clock, self.outbox, self.settings, email, locale=locale
        )

    def reset(
        self,
        token: object,
        password: Secret = NEW_PASSWORD,
        *,
        keep_session_id: str | None = None,
        hasher: Argon2PasswordHasher | None = None,
    ) -> PasswordChanged:
        return reset_module.reset_password(
            self.uow(),
            self.clock,
            self.ids,
            hasher or self.hasher,
            self.outbox,
            self.settings,
            token,  # type: ignore[arg-type]
            password,
            keep_session_id=keep_session_id,
            ip_address=IP,
        )

    def mails(self, template: str, to: str = "camille@example.fr") -> list[MailMessage]:
        return [m for m in self.outbox.to(to) if m.template == template]

    def tokens_in(self, template: str, to: str = "camille@example.fr") -> list[str]:
        """The tokens of the links mailed to ``to`` with ``template``, oldest first."""
        found = []
        for message in self.mails(template, to):
            match = LINK.search(message.body)
            assert match is not None, "the mail carries a link on the configured base URL"
            found.append(match.group(3))
        return found

    def last_token(self, template: str, to: str = "camille@example.fr") -> str:
        tokens = self.tokens_in(template, to)
        assert tokens, f"no {template} mail to {to}"
        return tokens[-1]

    def events(self) -> list[SecurityEvent]:
        with self.uow() as uow:
            return uow.security_events.events()

    def stored_hash(self, customer_id: str) -> str:
        with self.uow() as uow:
            found = uow.credentials.password_hash(customer_id)
        assert found is not None
        return found

    def token_record(self, token: str) -> OneTimeToken | None:
        with self.uow() as uow:
            return uow.tokens.get(token.split(".", maxsplit=1)[0])

    def attempts(self) -> list[LoginAttempt]:
        with self.uow() as uow:
            return list(uow.scan("login_attempts"))

    def later(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta))


def _shop_on(url: str, security: Security) -> Iterator[Security]:
    """``security`` running on the units of work of a shop built on ``url``."""
    shop = build_shop(
        url, clock=security.clock, ids=security.ids, hasher=HASHER, mailer=security.outbox,
        security=security.settings,
    )  # fmt: skip
    try:
        security.opener = shop.unit_of_work
        yield security
    finally:
        shop.close()


@pytest.fixture
def security(
    request: pytest.FixtureRequest, clock: FixedClock, ids: SequentialIds, tmp_path: Path
) -> Iterator[Security]:
    """A fresh set-up per test: on a memory store, or (``ANY_BACKEND``) on a SQL shop."""
    backend = getattr(request, "param", "memory")
    fresh = Security(clock, ids)
    if backend == "memory":
        yield fresh
    elif backend == "sqlite":
        yield from _shop_on(f"sqlite:///{tmp_path / 'shop.db'}", fresh)
    else:
        with postgres_schema_url(postgres_url_or_skip(), "klickit_security") as url:
            yield from _shop_on(url, fresh)
