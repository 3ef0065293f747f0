"""SEC-4: lost credentials — a contact-form request that staff review, then SEC-3.

« Si vous avez perdu vos identifiants, il vous suffira de le demander par notre formulaire
de contact en fournissant le plus d'informations possibles de façon à retrouver votre
compte. Ensuite, il vous faudra suivre la procédure "mot de passe oublié". »
"""

from __future__ import annotations

import pytest

from klickit_core.accounts import lost_credentials as recovery
from klickit_core.accounts.login import LoginSucceeded
from klickit_core.accounts.ports import (
    CustomerNotFoundError,
    LostCredentialsRequestNotFoundError,
    RequestAlreadyReviewedError,
)
from klickit_core.accounts.security import LostCredentialsRequest, RecoveryStatus
from klickit_core.accounts.services import find_customer
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import PermissionDeniedError, ValidationError
from klickit_core.shared.security_events import SecurityEventKind

from .conftest import ANY_BACKEND, NEW_PASSWORD, Security

MANAGER = Actor("manager-1", Role.SHOP_MANAGER)
ADMIN = Actor("admin-1", Role.ADMINISTRATOR)
CUSTOMER = Actor("actor-c", Role.CUSTOMER, customer_id="someone")
RESET = "accounts.password_reset"
MESSAGE = "J'ai perdu mes identifiants. Ma dernière commande : KL-2026-000042, un mug."


def open_request(
    security: Security, email: str = "camille.perso@example.org"
) -> LostCredentialsRequest:
    return recovery.open_lost_credentials_request(
        security.uow(),
        security.clock,
        security.ids,
        Actor.visitor(),
        name="Camille Martin",
        email=email,
        message=MESSAGE,
    )


def test_a_visitor_opens_a_request(security: Security) -> None:
    """SEC-4: anyone may ask (they cannot log in); the request keeps what was given."""
    request = open_request(security, email=" Camille.Perso@EXAMPLE.org ")
    assert request.status is RecoveryStatus.OPEN
    assert (request.name, request.contact_email, request.message) == (
        "Camille Martin",
        "camille.perso@example.org",
        MESSAGE,
    )
    assert (request.reviewed_by, request.reviewed_at, request.customer_id) == (None, None, None)
    for personal in ("Camille", "camille.perso", "KL-2026"):
        assert personal not in repr(request)


def test_every_field_error_at_once(security: Security) -> None:
    with pytest.raises(ValidationError) as raised:
        recovery.open_lost_credentials_request(
            security.uow(),
            security.clock,
            security.ids,
            Actor.visitor(),
            name="  ",
            email="pas une adresse",
            message="x" * 5001,
        )
    assert raised.value.codes == {
        "name": "recovery.name_required",
        "email": "email.invalid",
        "message": "recovery.message_too_long",
    }
    with security.uow() as uow:
        assert uow.lost_credentials.list() == []


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("name", "Camille\x00", "recovery.name_invalid"),
        ("name", "C" * 101, "recovery.name_too_long"),
        ("message", "", "recovery.message_required"),
        ("message", None, "recovery.message_required"),
        ("message", "bonjour\ud800", "recovery.message_invalid"),
    ],
)
def test_field_rules(security: Security, field: str, value: object, code: str) -> None:
    fields: dict[str, object] = {"name": "Camille", "email": "c@example.fr", "message": "Aidez-moi"}
    fields[field] = value
    with pytest.raises(ValidationError) as raised:
        recovery.open_lost_credentials_request(
            security.uow(),
            security.clock,
            security.ids,
            Actor.visitor(),
            **fields,  # type: ignore[arg-type]
        )
    assert raised.value.codes == {field: code}


@ANY_BACKEND
def test_staff_review_the_queue_and_the_read_is_logged(security: Security) -> None:
    """SEC-4, X-6: staff read the queue (oldest first); the read lands in the access log."""
    first = open_request(security)
    security.later(minutes=1)
    second = open_request(security, email="zoe@example.org")
    queue = recovery.lost_credentials_requests(
        security.uow(), security.clock, security.ids, MANAGER
    )
    assert [r.id for r in queue] == [first.id, second.id]
    one = recovery.get_lost_credentials_request(
        security.uow(), security.clock, security.ids, ADMIN, first.id
    )
    assert one == first
    with security.uow() as uow:
        log = uow.access_log.entries()
    assert {(e.actor_id, e.action, e.subject) for e in log} == {
        ("manager-1", "lost_credentials.list", first.id),  # one entry per request listed
        ("manager-1", "lost_credentials.list", second.id),
        ("admin-1", "lost_credentials.read", first.id),
    }


@ANY_BACKEND
def test_resolving_mails_the_reset_link_to_the_accounts_own_address(security: Security) -> None:
    """SEC-4 then SEC-3: staff match the account; the reset link goes to the address of the
    account (never to the address typed in the form); the reviewer is recorded, the access
    log and the security log say who did it; the person then follows the usual link."""
    customer = security.open_account()
    request = open_request(security)  # written from another mailbox
    found = find_customer(security.uow(), security.clock, security.ids, MANAGER, "camille")
    assert found == customer
    security.later(minutes=5)
    resolved = recovery.resolve_lost_credentials_request(
        security.uow(),
        security.clock,
        security.ids,
        security.outbox,
        security.settings,
        MANAGER,
        request.id,
        customer.id,
    )
    assert resolved.status is RecoveryStatus.RESOLVED
    assert (resolved.reviewed_by, resolved.reviewed_at, resolved.customer_id) == (
        "manager-1",
        security.clock.now(),
        customer.id,
    )
    assert security.outbox.to("camille.perso@example.org") == []
    token = security.last_token(RESET)
    with security.uow() as uow:
        assert uow.lost_credentials.get(request.id) == resolved
        log = uow.access_log.entries(actor_id="manager-1")
    assert {(e.action, e.subject) for e in log} == {
        ("customers.find", customer.id),
        ("customers.recover", customer.id),
    }
    [event] = security.events()
    assert (event.kind, event.customer_id, event.actor_id) == (
        SecurityEventKind.ACCOUNT_RECOVERY,
        customer.id,
        "manager-1",
    )
    security.reset(token)
    assert security.login("camille", NEW_PASSWORD) == LoginSucceeded(customer.id)


def test_staff_are_not_held_by_the_customers_reset_quota(security: Security) -> None:
    customer = security.open_account()
    for _ in range(3):
        security.request_reset()
    request = open_request(security)
    recovery.resolve_lost_credentials_request(
        security.uow(),
        security.clock,
        security.ids,
        security.outbox,
        security.settings,
        ADMIN,
        request.id,
        customer.id,
    )
    assert len(security.mails(RESET)) == 4


@ANY_BACKEND
def test_rejecting_records_the_reviewer(security: Security) -> None:
    request = open_request(security)
    security.later(hours=2)
    rejected = recovery.reject_lost_credentials_request(
        security.uow(), security.clock, MANAGER, request.id
    )
    assert (rejected.status, rejected.reviewed_by, rejected.reviewed_at) == (
        RecoveryStatus.REJECTED,
        "manager-1",
        security.clock.now(),
    )
    assert rejected.customer_id is None
    queue = recovery.lost_credentials_requests(
        security.uow(), security.clock, security.ids, MANAGER
    )
    assert queue == []
    everything = recovery.lost_credentials_requests(
        security.uow(), security.clock, security.ids, MANAGER, status=None
    )
    assert everything == [rejected]
    assert security.outbox.messages == []


@ANY_BACKEND
def test_a_request_is_reviewed_once(security: Security) -> None:
    customer = security.open_account()
    request = open_request(security)
    recovery.reject_lost_credentials_request(security.uow(), security.clock, MANAGER, request.id)
    with pytest.raises(RequestAlreadyReviewedError):
        recovery.reject_lost_credentials_request(security.uow(), security.clock, ADMIN, request.id)
    with pytest.raises(RequestAlreadyReviewedError):
        recovery.resolve_lost_credentials_request(
            security.uow(),
            security.clock,
            security.ids,
            security.outbox,
            security.settings,
            ADMIN,
            request.id,
            customer.id,
        )
    assert security.outbox.messages == []


@ANY_BACKEND
def test_unknown_request_or_account(security: Security) -> None:
    request = open_request(security)
    with pytest.raises(LostCredentialsRequestNotFoundError):
        recovery.reject_lost_credentials_request(security.uow(), security.clock, MANAGER, "nope")
    with pytest.raises(CustomerNotFoundError):
        recovery.resolve_lost_credentials_request(
            security.uow(),
            security.clock,
            security.ids,
            security.outbox,
            security.settings,
            MANAGER,
            request.id,
            "no-such-customer",
        )
    with security.uow() as uow:
        stored = uow.lost_credentials.get(request.id)
    assert stored is not None
    assert stored.is_open  # nothing half-written


@pytest.mark.parametrize("actor", [Actor.visitor(), CUSTOMER, Actor.system("job")])
def test_only_staff_review(security: Security, actor: Actor) -> None:
    """SEC-4, SEC-5: reviewing needs ``accounts.recover`` (shop managers, administrators)."""
    customer = security.open_account()
    request = open_request(security)
    calls = [
        lambda: recovery.lost_credentials_requests(
            security.uow(), security.clock, security.ids, actor
        ),
        lambda: recovery.get_lost_credentials_request(
            security.uow(), security.clock, security.ids, actor, request.id
        ),
        lambda: recovery.resolve_lost_credentials_request(
            security.uow(),
            security.clock,
            security.ids,
            security.outbox,
            security.settings,
            actor,
            request.id,
            customer.id,
        ),
        lambda: recovery.reject_lost_credentials_request(
            security.uow(), security.clock, actor, request.id
        ),
        lambda: find_customer(security.uow(), security.clock, security.ids, actor, "camille"),
    ]
    for call in calls:
        with pytest.raises(PermissionDeniedError):
            call()
    assert security.outbox.messages == []


@pytest.mark.parametrize("field", ["name", "message"])
def test_a_request_holding_a_card_number_is_refused(security: Security, field: str) -> None:
    """SEC-4, PAY-2: a card number in the name or the message is refused
    (``text.card_number``); nothing is stored."""
    fields = {"name": "Camille Martin", "message": MESSAGE, field: "Camille 4242424242424242"}
    with pytest.raises(ValidationError) as caught:
        recovery.open_lost_credentials_request(
            security.uow(), security.clock, security.ids, Actor.visitor(),
            email="camille.perso@example.org", **fields,
        )  # fmt: skip
    assert caught.value.codes == {field: "text.card_number"}
    with security.uow() as uow:
        assert uow.lost_credentials.list(status=None) == []
