# ruff: noqa: S101 - test code: plain asserts
"""The accounts' repository contract (X-5, CHK-3, SEC-1): customers with unique emails
and usernames, and their password hashes kept apart."""

from __future__ import annotations

import attrs
import pytest

from klickit_core.accounts.domain import Customer
from klickit_core.accounts.ports import CustomerNotFoundError, DuplicateAccountError
from klickit_core.shared.addresses import PostalAddress
from klickit_core.testing.contracts.base import ContractBase, MakeUow
from klickit_core.testing.contracts.builders import HOME, customer

__all__ = ["AccountContract"]


class AccountContract(ContractBase):
    """What every backend must do for customers and credentials."""

    def test_customers_add_get_and_look_ups(self, make_uow: MakeUow) -> None:
        """CHK-3: by id, by (normalised) email, by username case-insensitively."""
        camille = customer("c-1", "camille@example.fr", "Camille.M")
        with make_uow() as uow:
            uow.customers.add(camille)
            uow.customers.add(customer("c-2", "bob@example.fr"))
            uow.commit()
        with make_uow() as uow:
            assert uow.customers.get("c-1") == camille
            assert uow.customers.get("c-9") is None
            assert uow.customers.by_email("camille@example.fr") == camille
            assert uow.customers.by_email("nobody@example.fr") is None
            for spelling in ("Camille.M", "camille.m", "CAMILLE.M"):
                assert uow.customers.by_username(spelling) == camille
            assert uow.customers.by_username("camille") is None
            assert uow.customers.by_username("bob") is None  # c-2 has no username

    def test_customers_keep_the_company_of_each_address(self, make_uow: MakeUow) -> None:
        """CHK-3: the company kept with each of the account's addresses is read back, and a
        company removed stays removed."""
        ajaccio = PostalAddress("FR", "20000", "Ajaccio", ("3 cours Napoléon",))
        camille = customer(
            "c-1",
            "camille@example.fr",
            billing_address=attrs.evolve(HOME, company="ACME SARL"),
            shipping_address=attrs.evolve(ajaccio, company="Atelier Corse"),
        )
        private = attrs.evolve(camille, billing_address=HOME, shipping_address=None)
        with make_uow() as uow:
            uow.customers.add(camille)
            uow.commit()
        with make_uow() as uow:
            assert uow.customers.get("c-1") == camille
            uow.customers.save(private)
            uow.commit()
        with make_uow() as uow:
            assert uow.customers.get("c-1") == private

    @pytest.mark.parametrize(
        "clash",
        [
            customer("c-2", "camille@example.fr", "other"),  # same email
            customer("c-2", "other@example.fr", "CAMILLE"),  # same username, another case
            customer("c-1", "other@example.fr", "other"),  # same id
        ],
        ids=["email", "username", "id"],
    )
    def test_customers_are_unique(self, make_uow: MakeUow, clash: Customer) -> None:
        """CHK-3: email, username (case-insensitive) and id are unique, against committed
        and pending customers: DuplicateAccountError, and nothing is added."""
        with make_uow() as uow:
            uow.customers.add(customer("c-1", "camille@example.fr", "camille"))
            uow.commit()
        with make_uow() as uow:
            with pytest.raises(DuplicateAccountError):
                uow.customers.add(clash)
            uow.commit()
        with make_uow() as uow:
            assert uow.customers.by_email("other@example.fr") is None
            assert uow.customers.get("c-1") == customer("c-1", "camille@example.fr", "camille")
        with make_uow() as uow:
            uow.customers.add(customer("c-5", "pending@example.fr", "pending"))
            with pytest.raises(DuplicateAccountError):
                uow.customers.add(customer("c-6", "pending@example.fr"))
            with pytest.raises(DuplicateAccountError):
                uow.customers.add(customer("c-7", "seven@example.fr", "PENDING"))

    def test_customers_without_username_do_not_clash(self, make_uow: MakeUow) -> None:
        """CHK-3: "no username" is not a username."""
        with make_uow() as uow:
            uow.customers.add(customer("c-1", "a@example.fr"))
            uow.customers.add(customer("c-2", "b@example.fr"))
            uow.commit()
        with make_uow() as uow:
            assert uow.customers.get("c-2") == customer("c-2", "b@example.fr")

    def test_customers_save(self, make_uow: MakeUow) -> None:
        """CHK-3: save replaces (a changed email frees the old one); another account's email
        is refused; a missing customer is not found."""
        with make_uow() as uow:
            uow.customers.add(customer("c-1", "camille@example.fr", "camille"))
            uow.customers.add(customer("c-2", "bob@example.fr", "bob"))
            uow.commit()
        moved = customer("c-1", "camille.martin@example.fr", "camille", phone=None)
        with make_uow() as uow:
            uow.customers.save(moved)
            with pytest.raises(DuplicateAccountError):
                uow.customers.save(customer("c-2", "camille.martin@example.fr", "bob"))
            with pytest.raises(CustomerNotFoundError):
                uow.customers.save(customer("c-9", "nine@example.fr"))
            uow.commit()
        with make_uow() as uow:
            assert uow.customers.get("c-1") == moved
            assert uow.customers.by_email("camille@example.fr") is None
            assert uow.customers.by_email("camille.martin@example.fr") == moved
            assert uow.customers.get("c-2") == customer("c-2", "bob@example.fr", "bob")
            assert uow.customers.get("c-9") is None
            uow.customers.add(customer("c-3", "camille@example.fr"))  # the old email is free
            uow.commit()

    def test_credentials_set_replace_and_read(self, make_uow: MakeUow) -> None:
        """SEC-1: one hash per customer, replaced on a password change, None when unset;
        uncommitted changes vanish. (A hash belongs to an account: SQL backends refuse one
        for a customer that does not exist, so the accounts come first.)"""
        with make_uow() as uow:
            assert uow.credentials.password_hash("c-1") is None
            uow.customers.add(customer("c-1", "camille@example.fr"))
            uow.customers.add(customer("c-2", "bob@example.fr"))
            uow.credentials.set_password_hash("c-1", "$argon2id$first")
            uow.credentials.set_password_hash("c-2", "$argon2id$other")
            uow.commit()
        with make_uow() as uow:
            uow.credentials.set_password_hash("c-1", "$argon2id$second")
            assert uow.credentials.password_hash("c-1") == "$argon2id$second"
        with make_uow() as uow:
            assert uow.credentials.password_hash("c-1") == "$argon2id$first"
            uow.credentials.set_password_hash("c-1", "$argon2id$second")
            uow.commit()
        with make_uow() as uow:
            assert uow.credentials.password_hash("c-1") == "$argon2id$second"
            assert uow.credentials.password_hash("c-2") == "$argon2id$other"
            assert uow.credentials.password_hash("c-3") is None
