"""X-6, SEC-3, SEC-5 (issue #18, findings 6 and 11): the trust boundary. A customer actor
is made from a verified login (or a session signed in with one), never from an id; a reset
link is handed only to staff recovering an account."""

from __future__ import annotations

import pytest

from klickit_core.accounts import reset
from klickit_core.accounts.login import LOGIN_REFUSED, LoginSucceeded
from klickit_core.sessions import services as sessions
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import PermissionDeniedError

from .conftest import ANY_BACKEND, Security


@ANY_BACKEND
def test_a_customer_actor_comes_from_a_verified_login(security: Security) -> None:
    """X-6, SEC-5 (finding 11): the login's result makes the actor; a refusal, or an id
    typed anywhere, does not."""
    from klickit_core.accounts.identity import customer_actor

    camille = security.open_account()
    result = security.login("camille")
    assert isinstance(result, LoginSucceeded)
    actor = customer_actor(result)
    assert actor == Actor(camille.id, Role.CUSTOMER, customer_id=camille.id)
    for forged in (LOGIN_REFUSED, camille.id, {"customer_id": camille.id}, None):
        with pytest.raises(PermissionDeniedError) as refused:
            customer_actor(forged)  # type: ignore[arg-type]
        assert refused.value.details == {"permission": "customer.login"}


@ANY_BACKEND
def test_a_session_stands_for_the_customer_who_signed_it_in(security: Security) -> None:
    """X-6, SES-1: a session signed in with a customer actor gives that actor back; an
    anonymous, unknown or idle one is a visitor; only a customer signs a session in."""
    from klickit_core.accounts.identity import customer_actor

    camille = security.open_account()
    actor = customer_actor(security.login("camille"))  # type: ignore[arg-type]
    visit = sessions.start_session(security.uow(), security.clock, security.ids)
    assert sessions.session_actor(security.uow(), security.clock, visit.id) == Actor.visitor()
    for stranger in (Actor.visitor(), Actor("m", Role.SHOP_MANAGER), Actor.system("job")):
        with pytest.raises(PermissionDeniedError):
            sessions.sign_in_session(security.uow(), security.clock, visit.id, stranger)
    sessions.sign_in_session(security.uow(), security.clock, visit.id, actor)
    assert sessions.session_actor(security.uow(), security.clock, visit.id) == actor
    assert actor.customer_id == camille.id
    assert sessions.session_actor(security.uow(), security.clock, "nope") == Actor.visitor()
    security.later(hours=49)  # idle past the 48-hour timeout
    assert sessions.session_actor(security.uow(), security.clock, visit.id) == Actor.visitor()


@pytest.mark.parametrize(
    "actor",
    [
        Actor.visitor(),
        Actor("c", Role.CUSTOMER, customer_id="c-1"),
        Actor.system("nightly"),
    ],
    ids=["visitor", "customer", "system"],
)
def test_a_reset_link_is_handed_out_to_staff_only(security: Security, actor: Actor) -> None:
    """SEC-3, SEC-4, X-6 (finding 6): new_reset_link returns a working way into an
    account, so it needs ``accounts.recover``; anyone else is refused and no token is
    stored. The public path mails the link to the account's own address only."""
    camille = security.open_account()
    with security.uow() as uow:
        with pytest.raises(PermissionDeniedError) as refused:
            reset.new_reset_link(uow, security.clock, security.settings, actor, camille.id)
        uow.commit()
    assert refused.value.details == {"permission": "accounts.recover"}
    with security.uow() as uow:
        assert (
            uow.tokens.count_issued(camille.id, "accounts.password_reset", camille.created_at) == 0
        )
    with security.uow() as uow:
        link = reset.new_reset_link(
            uow, security.clock, security.settings, Actor("m", Role.SHOP_MANAGER), camille.id
        )
        uow.commit()
    assert link.startswith("https://boutique.example.fr/")


@ANY_BACKEND
def test_a_reset_link_handed_out_by_staff_is_in_the_access_log(security: Security) -> None:
    """SEC-4, SEC-5, X-6 (issue #18, findings 6 and 9; decision 0011: every staff use case
    on someone's records writes one access-log entry in its transaction, changes alike):
    the link is a way into the account, so who took one and when is in the access log,
    under the account, and the customer's own export lists it."""
    from klickit_core.bootstrap import default_privacy_registry
    from klickit_core.privacy.export import export_own_data
    from klickit_core.privacy.retention import RetentionSchedule
    from klickit_core.testing import SequentialIds

    camille = security.open_account()
    manager = Actor("manager-1", Role.SHOP_MANAGER)
    with security.uow() as uow:
        reset.new_reset_link(
            uow, security.clock, security.settings, manager, camille.id, ids=SequentialIds("r")
        )
        uow.commit()
    with security.uow() as uow:
        logged = [(e.actor_id, e.action, e.subject, e.id) for e in uow.access_log.entries()]
    assert logged == [("manager-1", "customers.reset_link", camille.id, "r-1")]
    bundle = export_own_data(
        default_privacy_registry().bind(RetentionSchedule.defaults()), security.uow(),
        Actor(camille.id, Role.CUSTOMER, customer_id=camille.id),
        now=security.clock.now(), ids=SequentialIds("x"),
    )  # fmt: skip
    reads = [
        {field.key: field.value for field in record.fields}
        for section in bundle.sections
        if section.category_id == "staff.access_log"
        for record in section.records
    ]
    assert [(read["staff"], read["action"]) for read in reads] == [
        ("manager-1", "customers.reset_link")
    ]
