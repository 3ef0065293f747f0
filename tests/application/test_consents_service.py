"""``shop.consents`` (CHK-2, PRV-5, X-6): a person's consents read and withdrawn through
the service on every backend (X-5), the ledger only ever appended to (issue 14)."""

from __future__ import annotations

import pytest

from klickit_core.application.accounts import AccountService
from klickit_core.application.consents import ConsentService
from klickit_core.application.parts import ShopParts
from klickit_core.checkout.domain import AccountDetailsForm
from klickit_core.consents.services import NoConsentInForceError
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import PermissionDeniedError, ValidationError
from klickit_core.shared.sensitive import Secret
from klickit_core.testing.contracts.builders import consent

CAMILLE = "camille@example.fr"
ADMIN = Actor("admin-1", Role.ADMINISTRATOR)
MANAGER = Actor("manager-1", Role.SHOP_MANAGER)


def _camille(parts: ShopParts) -> Actor:
    """Camille's account, with a newsletter consent given at checkout."""
    details = AccountDetailsForm(first_name="Camille", last_name="Martin", email=CAMILLE)
    customer = AccountService(parts).register(details, None, Secret("un chat gris dort ici"))
    with parts.unit_of_work() as uow:
        uow.consents.add(consent("c-1", CAMILLE, 0))
        uow.commit()
    return Actor(customer.id, Role.CUSTOMER, customer_id=customer.id)


def test_a_customer_reads_and_withdraws_their_own_consent(shop_parts: ShopParts) -> None:
    """PRV-5, X-6: the customer's consents are their account's; a withdrawal is a new
    record after the grant, and withdrawing again is refused."""
    camille = _camille(shop_parts)
    consents = ConsentService(shop_parts)
    assert {p: r.granted for p, r in consents.current(camille).items()} == {"newsletter": True}

    withdrawal = consents.withdraw(camille, None, "newsletter")
    assert (withdrawal.granted, withdrawal.channel, withdrawal.subject_email) == (
        False,
        "account",
        CAMILLE,
    )
    assert consents.current(camille, CAMILLE) == {"newsletter": withdrawal}
    with pytest.raises(NoConsentInForceError):
        consents.withdraw(camille, None, "newsletter")


def test_staff_act_on_a_named_email_and_the_reads_are_logged(shop_parts: ShopParts) -> None:
    """X-6, SEC-5: a manager reads the consents of the email they name (one access-log
    entry per record); withdrawing on someone's behalf is an administrator's."""
    _camille(shop_parts)
    consents = ConsentService(shop_parts)
    assert list(consents.current(MANAGER, CAMILLE)) == ["newsletter"]
    with pytest.raises(ValidationError):
        consents.current(MANAGER)  # staff must name the person
    with pytest.raises(PermissionDeniedError):
        consents.withdraw(MANAGER, CAMILLE, "newsletter")
    withdrawal = consents.withdraw(ADMIN, CAMILLE, "newsletter", channel="contact_form")
    assert withdrawal.channel == "contact_form"
    log = AccountService(shop_parts).access_log(ADMIN)
    assert [(e.actor_id, e.action, e.subject) for e in log] == [
        (ADMIN.id, "consents.withdraw", "c-1"),
        (MANAGER.id, "consents.read", "c-1"),
    ]


def test_another_customer_learns_nothing(shop_parts: ShopParts) -> None:
    """X-6: a customer naming someone else's email is refused before anything is read."""
    _camille(shop_parts)
    stranger = Actor("someone", Role.CUSTOMER, customer_id="someone")
    consents = ConsentService(shop_parts)
    with pytest.raises(PermissionDeniedError):
        consents.current(stranger, CAMILLE)
    with pytest.raises(PermissionDeniedError):
        consents.withdraw(stranger, CAMILLE, "newsletter")
    with pytest.raises(ValidationError):
        consents.withdraw(ADMIN, CAMILLE, "newsletter", channel="")
