"""PRV-3, PRV-4, X-6 (issue #18, findings 1, 2 and 9; issue #12, item 6): whose data an
export or an erasure reaches is decided from the actor, and every staff read of a person's
data is in that person's own export.

A customer exports themselves by their account (``export_own_data``), never by naming a
subject: Bob naming Alice's email with his own customer id gets nothing. Erasure is for
administrators and system jobs. A staff export, and a staff read of a guest's or a
customer's order, land in the access log, where the person's export finds them.
"""

from __future__ import annotations

from typing import Any

import pytest

from klickit_core.bootstrap import Shop, build_shop
from klickit_core.orders import services as orders
from klickit_core.personal_data import DataSubject
from klickit_core.privacy.bundle import ExportBundle
from klickit_core.privacy.erasure import erase_subject
from klickit_core.privacy.export import export_subject
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import PermissionDeniedError
from klickit_core.testing import FixedClock, SequentialIds
from klickit_core.testing.contracts.builders import T0, customer, order

ALICE_EMAIL, BOB_EMAIL, GUEST_EMAIL = "alice@example.fr", "bob@example.fr", "gus@example.org"
ALICE = Actor("alice-login", Role.CUSTOMER, customer_id="cust-alice")
BOB = Actor("bob-login", Role.CUSTOMER, customer_id="cust-bob")
MANAGER = Actor("manager-1", Role.SHOP_MANAGER)
ADMIN = Actor("admin-1", Role.ADMINISTRATOR)
JOB = Actor.system("privacy-requests")


@pytest.fixture
def shop() -> Shop:
    """Alice with an account and two orders, Bob with an account, a guest's order."""
    made = build_shop(clock=FixedClock(T0), ids=SequentialIds("x"))
    with made.unit_of_work() as uow:
        uow.customers.add(customer("cust-alice", ALICE_EMAIL))
        uow.customers.add(customer("cust-bob", BOB_EMAIL))
        uow.orders.add(order("o-alice-1", customer_id="cust-alice", email=ALICE_EMAIL))
        uow.orders.add(order("o-alice-2", 5, customer_id="cust-alice", email=ALICE_EMAIL))
        uow.orders.add(order("o-guest", 9, customer_id=None, email=GUEST_EMAIL))
        uow.commit()
    return made


def _export(shop: Shop, actor: Actor, subject: DataSubject) -> ExportBundle:
    return export_subject(
        shop.privacy_registry(), shop.unit_of_work(), actor, subject, now=T0, ids=shop.ids
    )


def _own(shop: Shop, actor: Actor) -> ExportBundle:
    from klickit_core.privacy.export import export_own_data

    return export_own_data(
        shop.privacy_registry(), shop.unit_of_work(), actor, now=T0, ids=shop.ids
    )


def _values(bundle: ExportBundle, category: str, key: str) -> list[Any]:
    return [
        field.value
        for section in bundle.sections
        if section.category_id == category
        for record in section.records
        for field in record.fields
        if field.key == key
    ]


def _staff_reads(bundle: ExportBundle) -> list[tuple[str, str]]:
    staff = _values(bundle, "staff.access_log", "staff")
    actions = _values(bundle, "staff.access_log", "action")
    return list(zip(staff, actions, strict=True))


def test_a_customer_cannot_export_someone_else_by_naming_them(shop: Shop) -> None:
    """PRV-3, X-6 (finding 1): Bob naming Alice's email with his own customer id is
    refused; his own export, found by his account, holds nothing of Alice's."""
    for subject in (
        DataSubject.of(ALICE_EMAIL, BOB.customer_id),
        DataSubject.of(ALICE_EMAIL, ALICE.customer_id),
        DataSubject.of(BOB_EMAIL, BOB.customer_id),  # even himself: by his account only
    ):
        with pytest.raises(PermissionDeniedError) as refused:
            _export(shop, BOB, subject)
        assert refused.value.details == {"permission": "customers.read"}
    mine = _own(shop, BOB)
    assert mine.subject == DataSubject(BOB_EMAIL, "cust-bob")
    assert _values(mine, "accounts.customers", "email") == [BOB_EMAIL]
    assert mine.records_in("orders.unpaid") == 0
    alices = _own(shop, ALICE)
    assert alices.subject == DataSubject(ALICE_EMAIL, "cust-alice")
    assert alices.records_in("orders.unpaid") == 2


@pytest.mark.parametrize(
    "actor", [Actor.visitor(), MANAGER, JOB], ids=["visitor", "manager", "job"]
)
def test_only_a_customer_exports_their_own_data(shop: Shop, actor: Actor) -> None:
    """PRV-3, X-6: export_own_data needs a customer actor with an account."""
    with pytest.raises(PermissionDeniedError):
        _own(shop, actor)


@pytest.mark.parametrize(
    "actor",
    [BOB, ALICE, MANAGER, Actor.visitor()],
    ids=["another customer", "the customer herself", "shop manager", "visitor"],
)
def test_only_administrators_and_jobs_erase(shop: Shop, actor: Actor) -> None:
    """PRV-4, X-6 (finding 2): customers (who ask through the emailed request flow) and
    shop managers are refused, whatever subject they name; nothing is erased."""
    with pytest.raises(PermissionDeniedError) as refused:
        erase_subject(
            shop.privacy_registry(), shop.unit_of_work(), actor,
            DataSubject.of(ALICE_EMAIL, actor.customer_id), now=T0, ids=shop.ids,
        )  # fmt: skip
    assert refused.value.details == {"permission": "privacy.retention"}
    with shop.unit_of_work() as uow:
        assert uow.customers.get("cust-alice") is not None
        assert uow.orders.get("o-alice-1") is not None
    report = erase_subject(
        shop.privacy_registry(), shop.unit_of_work(), ADMIN,
        DataSubject.of(ALICE_EMAIL, "cust-alice"), now=T0, ids=shop.ids,
    )  # fmt: skip
    assert report.changed


def test_a_staff_export_is_in_the_access_log_and_in_the_persons_own_export(shop: Shop) -> None:
    """PRV-3, X-6 (finding 9): a manager's export of Alice writes the access log in the
    export's transaction; the job that answers her own request does not; her export
    says who on the staff read her data."""
    _export(shop, MANAGER, DataSubject.of(ALICE_EMAIL, "cust-alice"))
    _export(shop, JOB, DataSubject.of(ALICE_EMAIL, "cust-alice"))
    with shop.unit_of_work() as uow:
        logged = [(e.actor_id, e.action, e.subject) for e in uow.access_log.entries()]
    assert logged == [("manager-1", "privacy.export", "cust-alice")]
    assert _staff_reads(_own(shop, ALICE)) == [("manager-1", "privacy.export")]


def test_staff_reads_of_orders_are_in_the_persons_export(shop: Shop) -> None:
    """PRV-3, X-6 (issue #12, item 6): the access log names an order by its id; the
    export of its customer — and of a guest, found by email — lists those reads, and
    nobody else's export does."""
    clock, ids = shop.clock, shop.ids
    orders.get_order(shop.unit_of_work(), clock, ids, MANAGER, "o-alice-1")
    orders.support_requests(shop.unit_of_work(), clock, ids, ADMIN, "o-alice-2")
    orders.get_order(shop.unit_of_work(), clock, ids, MANAGER, "o-guest")
    assert sorted(_staff_reads(_own(shop, ALICE))) == [
        ("admin-1", "support.read"),
        ("manager-1", "orders.read"),
    ]
    guest = _export(shop, JOB, DataSubject.of(GUEST_EMAIL))
    assert _staff_reads(guest) == [("manager-1", "orders.read")]
    assert _staff_reads(_own(shop, BOB)) == []


@pytest.mark.parametrize("staff", [MANAGER, ADMIN], ids=["manager", "administrator"])
def test_a_staff_export_by_email_only_is_in_the_account_holders_own_export(
    shop: Shop, staff: Actor
) -> None:
    """PRV-3, X-6 (issue #18, finding 9): staff who name only the email of someone with an
    account export that account — the access-log entry is about the account, not the
    export's reference — so the person's own export says who on the staff read them."""
    bundle = _export(shop, staff, DataSubject.of(ALICE_EMAIL))
    assert bundle.subject == DataSubject(ALICE_EMAIL, "cust-alice")
    with shop.unit_of_work() as uow:
        logged = [(e.actor_id, e.action, e.subject) for e in uow.access_log.entries()]
    assert logged == [(staff.id, "privacy.export", "cust-alice")]
    assert _staff_reads(_own(shop, ALICE)) == [(staff.id, "privacy.export")]
    assert _staff_reads(_own(shop, BOB)) == []
