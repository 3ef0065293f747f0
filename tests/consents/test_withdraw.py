"""PRV-5, CHK-2, X-6, X-9: withdrawing a consent appends a withdrawal to the ledger (nothing is
rewritten), for the customer whose account's email it names or an administrator on their
behalf; anyone else, a purpose without a consent in force, or malformed input is refused
with a typed error and nothing written. Consents are read by their owner or staff."""

from __future__ import annotations

from datetime import timedelta

import pytest

from klickit_core.adapters.memory import MemoryStore
from klickit_core.consents.domain import ConsentRecord
from klickit_core.consents.services import (
    NoConsentInForceError,
    current_consents,
    withdraw_consent,
)
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import PermissionDeniedError, ValidationError
from klickit_core.testing import FixedClock, SequentialIds
from klickit_core.testing.contracts.builders import customer

from ..conftest import NOW

OWNER = Actor("u-zoe", Role.CUSTOMER, customer_id="c-zoe")
ADMIN = Actor("admin-1", Role.ADMINISTRATOR)


def _store(*records: ConsentRecord) -> MemoryStore:
    """The ledger ``records``, and Zoé's and Bob's accounts."""
    store = MemoryStore()
    with store.unit_of_work() as uow:
        uow.customers.add(customer("c-zoe", "zoe@example.fr"))
        uow.customers.add(customer("c-bob", "bob@example.fr"))
        for record in records:
            uow.consents.add(record)
        uow.commit()
    return store


def _grant(
    record_id: str, customer_id: str | None = "c-zoe", purpose: str = "newsletter"
) -> ConsentRecord:
    return ConsentRecord(
        record_id,
        "zoe@example.fr",
        purpose,
        "nl-2026",
        True,
        NOW - timedelta(days=3),
        "checkout",
        customer_id,
        "o-1",
    )


def _ledger(store: MemoryStore) -> list[ConsentRecord]:
    with store.unit_of_work() as uow:
        return uow.consents.for_subject("zoe@example.fr")


def _current(store: MemoryStore, actor: Actor = OWNER) -> dict[str, ConsentRecord]:
    return current_consents(store.unit_of_work(), FixedClock(NOW), SequentialIds("r"), actor)


def test_the_customer_withdraws_their_own_consent() -> None:
    """PRV-5: a withdrawal record with the text version withdrawn; the grant stays as proof."""
    store = _store(_grant("k-1"))
    clock = FixedClock(NOW)
    withdrawal = withdraw_consent(
        store.unit_of_work(), clock, SequentialIds("w"), OWNER, " Zoe@Example.fr ", "newsletter"
    )
    assert (withdrawal.granted, withdrawal.text_version, withdrawal.channel) == (
        False,
        "nl-2026",
        "account",
    )
    assert (withdrawal.at, withdrawal.customer_id, withdrawal.order_id) == (NOW, "c-zoe", None)
    assert [r.id for r in _ledger(store)] == ["k-1", withdrawal.id]
    assert _current(store)["newsletter"] == withdrawal
    with pytest.raises(NoConsentInForceError) as twice:
        withdraw_consent(
            store.unit_of_work(), clock, SequentialIds("x"), OWNER, "zoe@example.fr", "newsletter"
        )
    assert twice.value.code == "consents.not_in_force"
    assert len(_ledger(store)) == 2


def test_a_withdrawal_is_always_after_the_grant() -> None:
    """PRV-5: with a clock that has not moved (or lags), the withdrawal still comes last."""
    store = _store(_grant("k-9"))
    late = FixedClock(NOW - timedelta(days=10))
    withdrawal = withdraw_consent(
        store.unit_of_work(), late, SequentialIds("a"), OWNER, "zoe@example.fr", "newsletter"
    )
    assert withdrawal.at == NOW - timedelta(days=3, microseconds=-1)
    assert _current(store)["newsletter"] == withdrawal


def test_an_administrator_withdraws_a_guests_consent_on_their_behalf() -> None:
    """X-6, PRV-5: a consent given without an account, withdrawn through the contact form."""
    store = _store(_grant("k-1", customer_id=None))
    withdrawal = withdraw_consent(
        store.unit_of_work(),
        FixedClock(NOW),
        SequentialIds("w"),
        ADMIN,
        "zoe@example.fr",
        "newsletter",
        channel="contact_form",
    )
    assert (withdrawal.channel, withdrawal.customer_id) == ("contact_form", None)


@pytest.mark.parametrize(
    "actor",
    [
        Actor.visitor(),
        Actor("u-bob", Role.CUSTOMER, customer_id="c-bob"),
        Actor("manager-1", Role.SHOP_MANAGER),
        Actor.system("retention-sweep"),
    ],
    ids=["visitor", "other customer", "shop manager", "system"],
)
def test_anyone_else_is_refused_and_nothing_is_written(actor: Actor) -> None:
    """X-6: only the owner or an administrator."""
    store = _store(_grant("k-1"))
    with pytest.raises(PermissionDeniedError):
        withdraw_consent(
            store.unit_of_work(),
            FixedClock(NOW),
            SequentialIds("w"),
            actor,
            "zoe@example.fr",
            "newsletter",
        )
    assert [r.id for r in _ledger(store)] == ["k-1"]


def test_a_purpose_never_consented_to_is_refused() -> None:
    """PRV-5: nothing to withdraw."""
    store = _store(_grant("k-1"))
    with pytest.raises(NoConsentInForceError):
        withdraw_consent(
            store.unit_of_work(),
            FixedClock(NOW),
            SequentialIds("w"),
            ADMIN,
            "zoe@example.fr",
            "offers",
        )
    assert len(_ledger(store)) == 1


@pytest.mark.parametrize(
    ("email", "channel", "codes"),
    [
        ("not an email", "account", {"email": "email.invalid"}),
        ("", "account", {"email": "email.required"}),
        ("zoe@example.fr", "", {"channel": "consents.channel"}),
        ("@", "x" * 41, {"email": "email.invalid", "channel": "consents.channel"}),
    ],
)
def test_malformed_input_is_a_validation_error_and_nothing_is_written(
    email: str, channel: str, codes: dict[str, str]
) -> None:
    """X-9: every field problem at once, typed; the ledger is unchanged."""
    store = _store(_grant("k-1"))
    with pytest.raises(ValidationError) as refused:
        withdraw_consent(
            store.unit_of_work(),
            FixedClock(NOW),
            SequentialIds("w"),
            OWNER,
            email,
            "newsletter",
            channel=channel,
        )
    assert refused.value.codes == codes
    assert [r.id for r in _ledger(store)] == ["k-1"]


def test_consents_are_read_by_their_owner_or_staff_only() -> None:
    """X-6, PRV-5 (issue #18, finding 3): the owner reads their account's consents; staff
    read anyone's, written to the access log; a visitor, another customer or a job is
    refused before anything is read, so the answer says nothing about the address."""
    store = _store(_grant("k-1"))
    assert set(_current(store)) == {"newsletter"}
    manager = Actor("manager-1", Role.SHOP_MANAGER)
    seen = current_consents(
        store.unit_of_work(), FixedClock(NOW), SequentialIds("r"), manager, "zoe@example.fr"
    )
    assert [record.id for record in seen.values()] == ["k-1"]
    with store.unit_of_work() as uow:
        logged = [(e.actor_id, e.action, e.subject) for e in uow.access_log.entries()]
    assert logged == [("manager-1", "consents.read", "k-1")]
    bob = Actor("u-bob", Role.CUSTOMER, customer_id="c-bob")
    for stranger in (Actor.visitor(), bob, Actor.system("retention-sweep")):
        for email in ("zoe@example.fr", "nobody@example.fr"):
            with pytest.raises(PermissionDeniedError) as refused:
                current_consents(
                    store.unit_of_work(), FixedClock(NOW), SequentialIds("r"), stranger, email
                )
            assert refused.value.details == {"permission": "customers.read"}
    assert _current(store, bob) == {}  # Bob's own: none


def test_a_consent_typed_with_someone_elses_email_belongs_to_that_email() -> None:
    """X-6, PRV-5 (issue #18, finding 3): Bob checked out with Zoé's email, so the consent
    names his account; still, it is Zoé's to withdraw (her account holds the email), not
    Bob's."""
    store = _store(_grant("k-1", customer_id="c-bob"))
    bob = Actor("u-bob", Role.CUSTOMER, customer_id="c-bob")
    with pytest.raises(NoConsentInForceError):  # his own email has none
        withdraw_consent(
            store.unit_of_work(), FixedClock(NOW), SequentialIds("w"), bob, None, "newsletter"
        )
    with pytest.raises(PermissionDeniedError):
        withdraw_consent(
            store.unit_of_work(),
            FixedClock(NOW),
            SequentialIds("w"),
            bob,
            "zoe@example.fr",
            "newsletter",
        )
    assert [r.id for r in _ledger(store)] == ["k-1"]
    withdrawal = withdraw_consent(
        store.unit_of_work(), FixedClock(NOW), SequentialIds("w"), OWNER, None, "newsletter"
    )
    assert (withdrawal.subject_email, withdrawal.customer_id) == ("zoe@example.fr", "c-zoe")
