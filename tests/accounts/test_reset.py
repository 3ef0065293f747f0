"""SEC-3, SEC-6: forgotten passwords, reset links, and what a reset ends.

« Si vous avez oublié votre mot de passe, vous pourrez en redemander un par simple clic sur
le bouton prévu à cet effet dans l'espace de connexion. Vous recevrez un e-mail vous
demandant de changer votre mot de passe. »
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import timedelta

import pytest

from klickit_core.accounts.login import LOGIN_REFUSED, LoginSucceeded
from klickit_core.accounts.reset import RESET_REQUESTED, PasswordChanged, ResetRequested
from klickit_core.accounts.security import AttemptOutcome, ResetSettings, SecuritySettings
from klickit_core.sessions.domain import VisitorSession
from klickit_core.shared.errors import ValidationError
from klickit_core.shared.security_events import SecurityEventKind
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.serialisation import unstructure
from klickit_core.shared.tokens import InvalidTokenError

from .conftest import ANY_BACKEND, BASE_URL, LINK, NEW_PASSWORD, PASSWORD, Security

RESET = "accounts.password_reset"
CHANGED = "accounts.password_changed"
CONFIRMATION = "accounts.login_confirmation"


def reset_token(security: Security) -> str:
    assert security.request_reset() is RESET_REQUESTED
    return security.last_token(RESET)


# ---------------------------------------------------------------------- the request
def test_a_request_mails_a_link_on_the_configured_base_url(security: Security) -> None:
    """SEC-3, SEC-6: the link is built from the settings' base URL and reset path, never
    from anything in the request."""
    security.open_account()
    assert security.request_reset("  Camille@EXAMPLE.fr") is RESET_REQUESTED
    [mail] = security.mails(RESET)
    match = LINK.search(mail.body)
    assert match is not None
    assert match.group(1) == f"{BASE_URL}/compte/mot-de-passe/nouveau"
    assert mail.subject == "Choisissez un nouveau mot de passe"
    assert "60 minutes" in mail.body


def test_the_token_is_long_random_and_stored_only_as_a_hash(security: Security) -> None:
    """SEC-3: at least 128 bits from ``secrets`` (here 128 for the selector and 256 for the
    verifier), only the SHA-256 of the verifier is stored, bound to the account and to the
    purpose, expiring in an hour."""
    customer = security.open_account()
    tokens = [reset_token(security) for _ in range(3)]
    assert len(set(tokens)) == 3
    for token in tokens:
        selector, verifier = token.split(".")
        assert len(base64.urlsafe_b64decode(verifier + "=")) * 8 == 256
        assert len(base64.urlsafe_b64decode(selector + "==")) * 8 == 128
        record = security.token_record(token)
        assert record is not None
        assert record.verifier_hash == hashlib.sha256(verifier.encode()).hexdigest()
        assert (record.purpose, record.subject) == (RESET, customer.id)
        assert record.expires_at - record.created_at == timedelta(hours=1)
        stored = repr(security.store.tables)
        assert verifier not in stored
        assert token not in stored


def test_unknown_addresses_get_the_same_answer_and_no_mail(security: Security) -> None:
    """SEC-3: the answer is the same object and message whether an account uses the address
    or not; nothing is mailed or stored for an unknown one."""
    security.open_account()
    known = security.request_reset("camille@example.fr")
    unknown = security.request_reset("nobody@example.fr")
    assert known is unknown is RESET_REQUESTED
    assert unstructure(known, locale="fr") == unstructure(unknown, locale="fr")
    assert unstructure(known, locale="en") == {
        "code": "accounts.reset_requested",
        "message": ResetRequested.message_template,
    }
    assert security.outbox.to("nobody@example.fr") == []
    with security.uow() as uow:
        assert len(list(uow.scan("one_time_tokens"))) == 1


@pytest.mark.parametrize("email", ["", "not an email", None, "a@b", "x" * 300 + "@example.fr"])
def test_a_malformed_address_is_a_form_error(security: Security, email: object) -> None:
    """X-9: a malformed address is refused as a field error (which says nothing about any
    account)."""
    with pytest.raises(ValidationError) as raised:
        security.request_reset(email)  # type: ignore[arg-type]
    assert set(raised.value.codes) == {"email"}


@ANY_BACKEND
def test_requests_are_rate_limited_per_account(security: Security) -> None:
    """SEC-3: at most 3 links per account per hour (the default); more requests get the
    same answer and send nothing; the quota comes back as the window slides."""
    security.open_account()
    security.open_account(email="zoe@example.fr", username="zoe")
    for _ in range(5):
        assert security.request_reset() is RESET_REQUESTED
    assert len(security.mails(RESET)) == 3
    assert security.request_reset("zoe@example.fr") is RESET_REQUESTED  # another account
    assert len(security.mails(RESET, to="zoe@example.fr")) == 1
    security.later(hours=1, seconds=1)
    security.request_reset()
    assert len(security.mails(RESET)) == 4


def test_the_rate_limit_is_configurable(security: Security) -> None:
    reset = ResetSettings(requests_per_window=1, token_ttl=timedelta(minutes=5))
    security.settings = SecuritySettings(base_url=BASE_URL, reset=reset)
    security.open_account()
    security.request_reset()
    security.request_reset()
    [mail] = security.mails(RESET)
    assert "5 minutes" in mail.body


# ---------------------------------------------------------------------- using the link
@ANY_BACKEND
def test_the_link_sets_the_new_password(security: Security) -> None:
    """SEC-3: the new password works, the old one no longer does."""
    customer = security.open_account()
    changed = security.reset(reset_token(security))
    assert changed == PasswordChanged(customer.id, 0)
    assert security.login("camille", NEW_PASSWORD) == LoginSucceeded(customer.id)
    assert security.login("camille", PASSWORD) is LOGIN_REFUSED


@ANY_BACKEND
def test_the_link_works_once(security: Security) -> None:
    security.open_account()
    token = reset_token(security)
    security.reset(token)
    with pytest.raises(InvalidTokenError) as raised:
        security.reset(token, Secret("encore une autre phrase secrète"))
    assert raised.value.details == {"reason": "used"}
    assert raised.value.code == "tokens.invalid"


@ANY_BACKEND
def test_the_link_expires_after_an_hour(security: Security) -> None:
    security.open_account()
    token = reset_token(security)
    security.later(minutes=59, seconds=59)
    security.reset(token)  # still valid
    token = reset_token(security)
    security.later(hours=1)
    with pytest.raises(InvalidTokenError) as raised:
        security.reset(token)
    assert raised.value.details == {"reason": "expired"}


@pytest.mark.parametrize(
    ("mangle", "reasons"),
    [
        (lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), {"mismatch"}),
        (lambda t: ("A" if t[0] != "A" else "B") + t[1:], {"unknown"}),
        (lambda t: t.upper(), {"unknown", "mismatch"}),
        (lambda t: t.replace(".", ""), {"malformed"}),
        (lambda t: t + "A", {"malformed"}),
        (lambda t: t[:-1], {"malformed"}),
        (lambda t: "", {"malformed"}),
        (lambda t: f" {t}", {"malformed"}),
        (lambda t: t.replace(".", ".."), {"malformed"}),
    ],
)
def test_a_tampered_link_is_refused(
    security: Security, mangle: Callable[[str], str], reasons: set[str]
) -> None:
    """SEC-6: a token changed anywhere is refused, and the password is unchanged."""
    customer = security.open_account()
    token = reset_token(security)
    with pytest.raises(InvalidTokenError) as raised:
        security.reset(mangle(token))
    assert raised.value.details["reason"] in reasons
    assert security.login("camille", PASSWORD) == LoginSucceeded(customer.id)


def test_a_login_confirmation_token_is_not_a_reset_token(security: Security) -> None:
    """SEC-6: tokens are purpose-bound."""
    security.open_account()
    security.fail(5)
    security.login("camille")
    token = security.last_token(CONFIRMATION)
    with pytest.raises(InvalidTokenError) as raised:
        security.reset(token)
    assert raised.value.details == {"reason": "purpose"}


def test_the_policy_applies_and_a_refused_password_keeps_the_link(security: Security) -> None:
    """SEC-1, SEC-3: a too short or too common new password is a field error; nothing
    changes, and the same link still works for a better password."""
    customer = security.open_account()
    token = reset_token(security)
    for weak, code in (
        (Secret("court"), "password.too_short"),
        (Secret("Password1234"), "password.too_common"),
        (Secret("qwertyuiop123"), "password.too_common"),
    ):
        with pytest.raises(ValidationError) as raised:
            security.reset(token, weak)
        assert raised.value.codes == {"password": code}
    assert security.login("camille", PASSWORD) == LoginSucceeded(customer.id)
    assert security.reset(token).customer_id == customer.id


def test_an_erased_account_cannot_be_reset(security: Security) -> None:
    customer = security.open_account()
    token = reset_token(security)
    with security.uow() as uow:
        uow.store.tables["customers"].pop(customer.id)
    with pytest.raises(InvalidTokenError):
        security.reset(token)


# ---------------------------------------------------------------------- what a reset ends
SESSIONS = ("here", "phone", "laptop", "someone-else", "guest")


def _sessions(security: Security, customer_id: str) -> None:
    now = security.clock.now()
    owners = (customer_id, customer_id, customer_id, "other-customer", None)
    with security.uow() as uow:
        for session_id, owner in zip(SESSIONS, owners, strict=True):
            uow.sessions.add(VisitorSession(session_id, now, now, customer_id=owner))
        uow.commit()


def _alive(security: Security) -> set[str]:
    with security.uow() as uow:
        return {s for s in SESSIONS if uow.sessions.get(s) is not None}


@ANY_BACKEND
def test_a_reset_ends_the_other_sessions(security: Security) -> None:
    """SEC-3: "using it ends other sessions": every session signed in as the account but
    the current one; other people's and guests' sessions stay."""
    customer = security.open_account()
    _sessions(security, customer.id)
    changed = security.reset(reset_token(security), keep_session_id="here")
    assert changed.sessions_ended == 2
    assert _alive(security) == {"here", "someone-else", "guest"}


def test_without_a_current_session_every_session_ends(security: Security) -> None:
    customer = security.open_account()
    _sessions(security, customer.id)
    assert security.reset(reset_token(security)).sessions_ended == 3
    assert _alive(security) == {"someone-else", "guest"}


@ANY_BACKEND
def test_a_reset_ends_the_outstanding_tokens(security: Security) -> None:
    """SEC-3: "…and tokens": other reset links and login confirmations of the account stop
    working; other accounts' tokens do not."""
    security.open_account()
    security.open_account(email="zoe@example.fr", username="zoe")
    first = reset_token(security)
    second = reset_token(security)
    security.request_reset("zoe@example.fr")
    zoes = security.last_token(RESET, to="zoe@example.fr")
    security.fail(5)
    security.login("camille")
    confirmation = security.last_token(CONFIRMATION)
    security.reset(second)
    for token in (first, confirmation):
        record = security.token_record(token)
        assert record is not None
        assert record.used_at is not None
    with pytest.raises(InvalidTokenError):
        security.reset(first)
    zoe_record = security.token_record(zoes)
    assert zoe_record is not None
    assert zoe_record.used_at is None


def test_a_reset_mails_a_notice(security: Security) -> None:
    """SEC-3, ORD-3: the owner hears of it, in the shop's time zone, without the password."""
    security.open_account()
    security.reset(reset_token(security))
    [notice] = security.mails(CHANGED)
    assert notice.subject == "Votre mot de passe a été modifié"
    assert "24 novembre 2026" in notice.body  # 09:00 UTC is 10:00 in Paris
    assert "10:00" in notice.body
    assert NEW_PASSWORD.reveal() not in notice.body
    assert "token" not in notice.body


def test_a_reset_unlocks_the_account_and_is_logged(security: Security) -> None:
    """SEC-2, SEC-3: the link proves control of the mailbox, so failures before it stop
    counting; a ``password.reset`` security event is written."""
    customer = security.open_account()
    security.fail(5)
    security.later(seconds=1)
    security.reset(reset_token(security))
    security.later(seconds=1)
    assert security.login("camille", NEW_PASSWORD) == LoginSucceeded(customer.id)
    outcomes = [a.outcome for a in security.attempts()]
    assert AttemptOutcome.RESET in outcomes
    kinds = [e.kind for e in security.events()]
    assert SecurityEventKind.PASSWORD_RESET in kinds
