"""CHK-3, SEC-1, SEC-5, X-6: account use cases on the memory store with a real hasher.

Accounts are created inside the caller's transaction, the password hash lives in the
credentials repository (never in the customer), duplicates are refused without saying
which detail clashed, and reads and edits follow the roles: customers their own account,
staff any (each staff read logged), everyone else nothing.
"""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from klickit_core.accounts.domain import Customer
from klickit_core.accounts.ports import CustomerNotFoundError, DuplicateAccountError
from klickit_core.accounts.services import (
    AccountDetails,
    create_account,
    get_customer,
    update_details,
)
from klickit_core.adapters.memory import MemoryStore
from klickit_core.adapters.passwords import OWASP_MINIMUM, Argon2PasswordHasher
from klickit_core.shared.access_log import AccessLogEntry
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.errors import PermissionDeniedError
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.serialisation import unstructure
from klickit_core.testing import FixedClock, SequentialIds

#: Argon2id at OWASP's minimum: compliant, and quick enough for a test suite.
HASHER = Argon2PasswordHasher(OWASP_MINIMUM)
PASSWORD = Secret("Un mot de passe solide, 2026 !")
HOME = PostalAddress("FR", "69003", "Lyon", ("12 rue des Lilas",))
OFFICE = PostalAddress("FR", "33000", "Bordeaux", ("1 cours de l'Intendance",))
MANAGER = Actor("manager-1", Role.SHOP_MANAGER)
ADMIN = Actor("admin-1", Role.ADMINISTRATOR)


def details(email: str = "camille@example.fr", **overrides: object) -> AccountDetails:
    fields: dict[str, object] = {
        "email": email,
        "first_name": "Camille",
        "last_name": "Martin",
        "phone": "+33612345678",
        "billing_address": HOME,
        "shipping_address": HOME,
    }
    fields.update(overrides)
    return AccountDetails(**fields)  # type: ignore[arg-type]


def open_account(
    store: MemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    email: str = "camille@example.fr",
    username: str | None = "camille",
    password: Secret = PASSWORD,
) -> Customer:
    """Create and commit an account, as checkout or sign-up would."""
    with store.unit_of_work() as uow:
        customer = create_account(uow, clock, ids, HASHER, details(email), username, password)
        uow.commit()
    return customer


def owner(customer: Customer) -> Actor:
    return Actor(f"actor-{customer.id}", Role.CUSTOMER, customer_id=customer.id)


def stored(store: MemoryStore, customer_id: str) -> Customer | None:
    with store.unit_of_work() as uow:
        return uow.customers.get(customer_id)


def stored_hash(store: MemoryStore, customer_id: str) -> str | None:
    with store.unit_of_work() as uow:
        return uow.credentials.password_hash(customer_id)


def access_log(store: MemoryStore) -> list[AccessLogEntry]:
    with store.unit_of_work() as uow:
        return uow.access_log.entries()


# ---------------------------------------------------------------------- create_account
def test_create_account_stores_the_details(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CHK-3: the account holds name, address, email and phone, to pre-fill checkout."""
    customer = open_account(store, clock, ids)
    assert customer == Customer(
        id="id-1",
        email="camille@example.fr",
        first_name="Camille",
        last_name="Martin",
        created_at=clock.now(),
        updated_at=clock.now(),
        phone="+33612345678",
        billing_address=HOME,
        shipping_address=HOME,
        username="camille",
    )
    assert stored(store, customer.id) == customer
    with store.unit_of_work() as uow:
        assert uow.customers.by_email("camille@example.fr") == customer
        assert uow.customers.by_username("camille") == customer


def test_create_account_keeps_the_hash_apart_from_the_customer(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """SEC-1: the Argon2id hash goes to the credentials repository; the customer value has
    no field for it, so no export, log or repr of a customer can carry it."""
    customer = open_account(store, clock, ids)
    password_hash = stored_hash(store, customer.id)
    assert password_hash is not None
    assert password_hash.startswith("$argon2id$")
    assert HASHER.verify(password_hash, PASSWORD)
    assert not HASHER.verify(password_hash, Secret("autre chose"))
    assert PASSWORD.reveal() not in password_hash
    assert not any("password" in f.name or "hash" in f.name for f in attrs.fields(Customer))
    values = [str(value) for value in attrs.asdict(customer, recurse=True).values()]
    assert password_hash not in values
    assert password_hash not in repr(customer)
    assert PASSWORD.reveal() not in repr(customer)


def test_create_account_runs_in_the_callers_transaction(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """X-5, CHK-4: nothing is stored until the caller commits (checkout creates the account
    and the order together, or neither)."""
    with store.unit_of_work() as uow:
        customer = create_account(uow, clock, ids, HASHER, details(), "camille", PASSWORD)
        assert uow.customers.get(customer.id) == customer  # the transaction sees its writes
    assert stored(store, customer.id) is None
    assert stored_hash(store, customer.id) is None
    with store.unit_of_work() as uow:
        assert uow.customers.by_email("camille@example.fr") is None


def test_accounts_without_username_do_not_clash(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CHK-3: the username is optional; several accounts may have none."""
    first = open_account(store, clock, ids, "a@example.fr", username=None)
    second = open_account(store, clock, ids, "b@example.fr", username=None)
    assert first.id != second.id
    assert stored(store, first.id) == first
    assert stored(store, second.id) == second


@pytest.mark.parametrize(
    ("email", "username"),
    [
        ("camille@example.fr", "someone-else"),  # the email is taken
        ("camille@example.fr", None),  # the email is taken, no username asked
        ("other@example.fr", "camille"),  # the username is taken
        ("other@example.fr", "CaMiLLe"),  # the username is taken, in another case
    ],
)
def test_duplicates_are_refused_without_saying_which(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, email: str, username: str | None
) -> None:
    """SEC-2, CHK-3: a taken email or username (case-insensitive) gives one and the same
    DuplicateAccountError, so the answer does not tell which detail has an account; nothing
    is written."""
    first = open_account(store, clock, ids)
    with store.unit_of_work() as uow, pytest.raises(DuplicateAccountError) as raised:
        create_account(uow, clock, ids, HASHER, details(email), username, Secret("x" * 12))
    error = raised.value
    assert unstructure(error) == unstructure(DuplicateAccountError())
    assert dict(error.details) == {}
    for detail in (email, str(username), "email", "username"):
        assert detail not in str(error)
        assert detail not in error.message("fr")
    with store.unit_of_work() as uow:
        assert uow.customers.by_email("camille@example.fr") == first
        if email != "camille@example.fr":
            assert uow.customers.by_email(email) is None
    assert stored_hash(store, first.id) is not None
    assert HASHER.verify(stored_hash(store, first.id) or "", PASSWORD)


# ---------------------------------------------------------------------- get_customer
def test_a_customer_reads_their_own_account_without_a_log_entry(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """SEC-5, X-6: one's own data is not someone else's: no access-log entry."""
    customer = open_account(store, clock, ids)
    found = get_customer(store.unit_of_work(), clock, ids, owner(customer), customer.id)
    assert found == customer
    assert access_log(store) == []


@pytest.mark.parametrize("which", ["existing", "unknown"])
def test_a_customer_cannot_read_another_account(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, which: str
) -> None:
    """SEC-5: another customer's account is refused, whether it exists or not (so ids
    cannot be probed), and nothing is logged."""
    alice = open_account(store, clock, ids, "alice@example.fr", "alice")
    bob = open_account(store, clock, ids, "bob@example.fr", "bob")
    target = bob.id if which == "existing" else "no-such-customer"
    with pytest.raises(PermissionDeniedError):
        get_customer(store.unit_of_work(), clock, ids, owner(alice), target)
    assert access_log(store) == []


@pytest.mark.parametrize(
    "actor",
    [Actor.visitor(), Actor.system("retention-sweep"), Actor("lost", Role.CUSTOMER)],
    ids=["visitor", "system", "customer-without-account"],
)
def test_everyone_else_reads_nothing(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, actor: Actor
) -> None:
    """SEC-5: visitors, jobs and customers without an account see no account."""
    customer = open_account(store, clock, ids)
    with pytest.raises(PermissionDeniedError):
        get_customer(store.unit_of_work(), clock, ids, actor, customer.id)
    assert access_log(store) == []


@pytest.mark.parametrize("staff", [MANAGER, ADMIN], ids=["shop_manager", "administrator"])
def test_staff_read_any_account_and_each_read_is_logged(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, staff: Actor
) -> None:
    """SEC-5, X-6: shop managers and administrators read any account; every read is
    written to the access log (who, role, 'customers.read', the customer id, when)."""
    customer = open_account(store, clock, ids)
    found = get_customer(store.unit_of_work(), clock, ids, staff, customer.id)
    assert found == customer
    assert access_log(store) == [
        AccessLogEntry(
            "id-2", staff.id, str(staff.role), "customers.read", customer.id, clock.now()
        )
    ]
    clock.advance(timedelta(minutes=5))
    get_customer(store.unit_of_work(), clock, ids, staff, customer.id)
    entries = access_log(store)
    assert [(e.action, e.subject, e.at) for e in entries] == [
        ("customers.read", customer.id, clock.now()),
        ("customers.read", customer.id, clock.now() - timedelta(minutes=5)),
    ]
    assert all(customer.email not in str(attrs.astuple(e)) for e in entries)


@pytest.mark.parametrize("staff", [MANAGER, ADMIN], ids=["shop_manager", "administrator"])
def test_staff_reading_an_unknown_account_get_not_found(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, staff: Actor
) -> None:
    """X-9: an unknown id is CustomerNotFoundError for staff; nothing was read, so nothing
    is logged."""
    with pytest.raises(CustomerNotFoundError):
        get_customer(store.unit_of_work(), clock, ids, staff, "no-such-customer")
    assert access_log(store) == []


def test_own_account_gone_is_not_found(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """X-9: a customer whose account no longer exists gets CustomerNotFoundError."""
    ghost = Actor("ghost", Role.CUSTOMER, customer_id="erased-customer")
    with pytest.raises(CustomerNotFoundError):
        get_customer(store.unit_of_work(), clock, ids, ghost, "erased-customer")


# ---------------------------------------------------------------------- update_details
def test_a_customer_updates_their_own_details(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CHK-3: "Mon compte > Détails du compte": every detail changes, ``updated_at`` moves,
    the id, username, creation time and password hash stay."""
    customer = open_account(store, clock, ids)
    hash_before = stored_hash(store, customer.id)
    clock.advance(timedelta(days=3))
    new = details(
        "camille.martin@example.com",
        first_name="Camille-Anne",
        last_name="Martin-Durand",
        phone=None,
        billing_address=OFFICE,
        shipping_address=None,
    )
    updated = update_details(store.unit_of_work(), clock, owner(customer), customer.id, new)
    assert updated == attrs.evolve(
        customer,
        email="camille.martin@example.com",
        first_name="Camille-Anne",
        last_name="Martin-Durand",
        phone=None,
        billing_address=OFFICE,
        shipping_address=None,
        updated_at=clock.now(),
    )
    assert updated.created_at == customer.created_at < updated.updated_at
    assert stored(store, customer.id) == updated
    assert stored_hash(store, customer.id) == hash_before
    with store.unit_of_work() as uow:
        assert uow.customers.by_email("camille@example.fr") is None
        assert uow.customers.by_email("camille.martin@example.com") == updated
    assert access_log(store) == []


@pytest.mark.parametrize(
    "actor",
    [
        Actor("bob", Role.CUSTOMER, customer_id="someone-else"),
        Actor.visitor(),
        Actor.system("retention-sweep"),
    ],
    ids=["other-customer", "visitor", "system"],
)
def test_others_cannot_update_an_account(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, actor: Actor
) -> None:
    """SEC-5: another customer (or a visitor, or a job) cannot change an account; nothing
    changes."""
    customer = open_account(store, clock, ids)
    with pytest.raises(PermissionDeniedError):
        update_details(store.unit_of_work(), clock, actor, customer.id, details("x@example.fr"))
    assert stored(store, customer.id) == customer


def test_an_administrator_updates_any_account(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """SEC-5: an administrator may correct a customer's details."""
    customer = open_account(store, clock, ids)
    clock.advance(timedelta(hours=1))
    updated = update_details(
        store.unit_of_work(), clock, ADMIN, customer.id, details(phone="+33698765432")
    )
    assert updated == attrs.evolve(customer, phone="+33698765432", updated_at=clock.now())
    assert stored(store, customer.id) == updated


@pytest.mark.parametrize(
    "actor",
    [ADMIN, Actor("ghost", Role.CUSTOMER, customer_id="no-such-customer")],
    ids=["administrator", "own-account-gone"],
)
def test_updating_an_unknown_account_is_not_found(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, actor: Actor
) -> None:
    """X-9: CustomerNotFoundError, and no account appears."""
    with pytest.raises(CustomerNotFoundError):
        update_details(store.unit_of_work(), clock, actor, "no-such-customer", details())
    assert stored(store, "no-such-customer") is None


def test_updating_to_another_accounts_email_is_refused(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CHK-3, X-9: an email stays unique through edits too; the account is left as it was."""
    alice = open_account(store, clock, ids, "alice@example.fr", "alice")
    bob = open_account(store, clock, ids, "bob@example.fr", "bob")
    with pytest.raises(DuplicateAccountError):
        update_details(store.unit_of_work(), clock, owner(bob), bob.id, details("alice@example.fr"))
    assert stored(store, bob.id) == bob
    assert stored(store, alice.id) == alice
