"""``shop.accounts`` (SEC-1 … SEC-6, CHK-3, X-6): sign-up, log-in with its limits, password
reset, customer details, staff searches and logs, lost credentials, through the service
on every backend (X-5), with only what a caller decides in each call (issue 14)."""

from __future__ import annotations

import re

import pytest

from klickit_core.accounts.login import LOGIN_REFUSED, LoginSucceeded
from klickit_core.accounts.ports import (
    CustomerNotFoundError,
    DuplicateAccountError,
    RequestAlreadyReviewedError,
)
from klickit_core.accounts.reset import RESET_REQUESTED
from klickit_core.accounts.security import RecoveryStatus, network_key
from klickit_core.accounts.services import AccountDetails
from klickit_core.adapters.memory import InMemoryOutbox
from klickit_core.application.accounts import AccountService
from klickit_core.application.parts import ShopParts
from klickit_core.checkout.domain import AccountDetailsForm, AddressForm
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.errors import PermissionDeniedError, ValidationError
from klickit_core.shared.locales import UnsupportedLocaleError
from klickit_core.shared.mail import MailMessage
from klickit_core.shared.security_events import SecurityEventKind
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.tokens import InvalidTokenError

from .conftest import IP

PASSWORD = Secret("un chat gris dort sur le toit")
NEW_PASSWORD = Secret("la pluie tombe sur Bordeaux ce matin")
WRONG = Secret("pas le bon mot de passe du tout")
CAMILLE = AccountDetailsForm(first_name="Camille", last_name="Martin", email="camille@example.fr")
MANAGER = Actor("manager-1", Role.SHOP_MANAGER)
ADMIN = Actor("admin-1", Role.ADMINISTRATOR)
TOKEN = re.compile(r"\?token=([A-Za-z0-9_.-]+)")


def _outbox(parts: ShopParts) -> InMemoryOutbox:
    assert isinstance(parts.mailer, InMemoryOutbox)
    return parts.mailer


def _last_mail(parts: ShopParts, to: str = "camille@example.fr") -> MailMessage:
    mails = _outbox(parts).to(to)
    assert mails, f"no mail to {to}"
    return mails[-1]


def _token(message: MailMessage) -> str:
    found = TOKEN.search(message.body)
    assert found is not None
    return found.group(1)


def _attempts(parts: ShopParts) -> int:
    with parts.unit_of_work() as uow:
        return uow.login_attempts.count_failures(
            parts.clock.now().replace(year=2000), ip_address=network_key(IP)
        )


def test_register_log_in_and_read_ones_own_account(shop_parts: ShopParts) -> None:
    """SEC-1, X-6: sign-up, then a login whose success alone makes the customer's actor,
    who reads their own account; a wrong password gets the one refusal."""
    accounts = AccountService(shop_parts)
    customer = accounts.register(CAMILLE, "camille", PASSWORD)

    result = accounts.log_in("Camille@Example.FR", PASSWORD, ip_address=IP)
    assert result == LoginSucceeded(customer.id)
    assert isinstance(result, LoginSucceeded)
    actor = accounts.actor_for(result)
    assert actor == Actor(customer.id, Role.CUSTOMER, customer_id=customer.id)
    assert accounts.customer(actor, customer.id) == customer
    assert accounts.log_in("camille", WRONG, ip_address=IP) is LOGIN_REFUSED
    with pytest.raises(PermissionDeniedError):
        accounts.actor_for(LOGIN_REFUSED)  # type: ignore[arg-type]


def test_a_second_account_on_the_same_email_is_refused(shop_parts: ShopParts) -> None:
    """CHK-3: a taken email (or username) is one refusal that says neither."""
    accounts = AccountService(shop_parts)
    accounts.register(CAMILLE, "camille", PASSWORD)
    with pytest.raises(DuplicateAccountError):
        accounts.register(CAMILLE, "another", PASSWORD)
    alix = AccountDetailsForm(first_name="Alix", last_name="Roy", email="alix@example.fr")
    with pytest.raises(DuplicateAccountError):
        accounts.register(alix, " CAMILLE ", PASSWORD)  # the same username, as checked


def test_sign_up_is_checked_with_the_checkouts_rules_and_normalised(
    shop_parts: ShopParts,
) -> None:
    """CHK-3, CHK-1: the sign-up form goes through the checkout's checks: the account
    holds the trimmed names and username, the lower-cased email, the phone in E.164
    and the checked address."""
    accounts = AccountService(shop_parts)
    form = AccountDetailsForm(
        first_name=" Camille ",
        last_name="Martin",
        email="Camille@Example.FR",
        phone="06 12 34 56 78",
        billing=AddressForm("fr", "1 rue de la Paix", "75002", "Paris"),
    )
    customer = accounts.register(form, " camille ", PASSWORD)
    stored = (customer.first_name, customer.email, customer.phone, customer.username)
    assert stored == ("Camille", "camille@example.fr", "+33612345678", "camille")
    assert customer.billing_address == PostalAddress("FR", "75002", "Paris", ("1 rue de la Paix",))
    assert customer.shipping_address is None
    assert accounts.log_in("camille", PASSWORD, ip_address=IP) == LoginSucceeded(customer.id)


def test_every_sign_up_error_at_once_and_nothing_written(shop_parts: ShopParts) -> None:
    """CHK-3, SEC-1, X-9: the details, the username and the password policy are checked
    together: one ValidationError with every field error, in form order (the form's
    fields, then ``username``, then ``password``), and no account is written."""
    accounts = AccountService(shop_parts)
    form = AccountDetailsForm(
        first_name="<b>",
        last_name="",
        email="camille@",
        phone="12",
        billing=AddressForm("FR", "1 rue de la Paix", "7500", "Paris"),
    )
    with pytest.raises(ValidationError) as refused:
        accounts.register(form, "x", Secret("password"))
    assert refused.value.codes == {
        "first_name": "name.invalid_characters",
        "last_name": "name.required",
        "email": "email.invalid",
        "phone": "phone.invalid",
        "billing.postcode": "address.invalid",
        "username": "username.invalid",
        "password": "password.too_short",
    }
    assert [e.message("en") for e in refused.value.errors][-2:] == [
        "Use 3 to 60 letters, digits or the characters . _ - @.",
        "Use at least 12 characters.",
    ]

    # Valid details but a common password: still nothing written.
    with pytest.raises(ValidationError) as common:
        accounts.register(CAMILLE, "camille", Secret("password2026"))
    assert common.value.codes == {"password": "password.too_common"}
    with shop_parts.unit_of_work() as uow:
        assert uow.customers.by_email("camille@example.fr") is None
        assert uow.customers.by_username("camille") is None
    assert accounts.register(CAMILLE, "camille", PASSWORD).email == "camille@example.fr"


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (None, ""),
        (AccountDetailsForm("Camille", "Martin", "camille@example.fr", billing="FR"), "billing"),  # type: ignore[arg-type]
    ],
)
def test_a_sign_up_that_is_not_a_form_is_a_field_error(
    shop_parts: ShopParts, form: AccountDetailsForm, field: str
) -> None:
    """X-9: an untyped caller's wrong values are field errors too, reported with the
    username's and the password's."""
    accounts = AccountService(shop_parts)
    with pytest.raises(ValidationError) as refused:
        accounts.register(form, 42, 1234)  # type: ignore[arg-type]
    assert refused.value.codes == {
        field: "form.invalid",
        "username": "username.required",
        "password": "password.required",
    }


def test_an_unsupported_locale_is_refused_before_the_attempt_counts(
    shop_parts: ShopParts,
) -> None:
    """SEC-2, X-2: ``locale`` is checked first, so a bad one neither counts a failed
    attempt nor leaves a held login without its mail."""
    accounts = AccountService(shop_parts)
    accounts.register(CAMILLE, "camille", PASSWORD)
    with pytest.raises(UnsupportedLocaleError):
        accounts.log_in("camille", WRONG, ip_address=IP, locale="de")
    assert _attempts(shop_parts) == 0
    assert accounts.log_in("camille", WRONG, ip_address=IP, locale="en-GB") is LOGIN_REFUSED
    assert _attempts(shop_parts) == 1


def test_login_limits_then_the_emailed_confirmation_in_the_callers_language(
    shop_parts: ShopParts,
) -> None:
    """SEC-2: past the account's limit (3 in these settings) the right password is held
    and a confirmation link mailed, in English for ``"en_GB"``; the login goes through
    with its token, and the security log says so."""
    accounts = AccountService(shop_parts)
    customer = accounts.register(CAMILLE, "camille", PASSWORD)
    for _ in range(3):
        assert accounts.log_in("camille", WRONG, ip_address=IP) is LOGIN_REFUSED
    assert accounts.log_in("camille", PASSWORD, ip_address=IP, locale="en_GB") is LOGIN_REFUSED
    mail = _last_mail(shop_parts)
    assert (mail.template, mail.locale, mail.subject) == (
        "accounts.login_confirmation",
        "en",
        "Confirm your login",
    )
    result = accounts.log_in("camille", PASSWORD, ip_address=IP, confirmation=_token(mail))
    assert result == LoginSucceeded(customer.id, confirmed=True)
    kinds = [event.kind for event in accounts.security_events(ADMIN)]
    assert kinds == [SecurityEventKind.LOGIN_CONFIRMED, SecurityEventKind.LOGIN_LOCKOUT_ACCOUNT]


def test_password_reset_through_the_service(shop_parts: ShopParts) -> None:
    """SEC-3: the same answer for any address; the emailed link sets a new password once
    and the notice follows, in the language asked for (``"fr-FR"``)."""
    accounts = AccountService(shop_parts)
    customer = accounts.register(CAMILLE, "camille", PASSWORD)
    assert accounts.request_password_reset("nobody@example.fr") is RESET_REQUESTED
    assert _outbox(shop_parts).messages == []
    assert accounts.request_password_reset("camille@example.fr", locale="en") is RESET_REQUESTED
    link = _last_mail(shop_parts)
    assert (link.template, link.locale) == ("accounts.password_reset", "en")

    changed = accounts.reset_password(_token(link), NEW_PASSWORD, ip_address=IP, locale="fr-FR")
    assert (changed.customer_id, changed.sessions_ended) == (customer.id, 0)
    notice = _last_mail(shop_parts)
    assert (notice.template, notice.subject) == (
        "accounts.password_changed",
        "Votre mot de passe a été modifié",
    )
    assert accounts.log_in("camille", NEW_PASSWORD, ip_address=IP) == LoginSucceeded(customer.id)
    with pytest.raises(InvalidTokenError):
        accounts.reset_password(_token(link), NEW_PASSWORD)


def test_staff_find_an_account_read_it_and_the_reads_are_logged(shop_parts: ShopParts) -> None:
    """SEC-4, SEC-5, X-6: a manager finds and reads an account; both land in the access
    log, which only an administrator reads; a customer may not search."""
    accounts = AccountService(shop_parts)
    customer = accounts.register(CAMILLE, "camille", PASSWORD)
    assert accounts.find(MANAGER, "camille") == customer
    assert accounts.find(MANAGER, "nobody@example.fr") is None
    assert accounts.customer(MANAGER, customer.id) == customer
    with pytest.raises(CustomerNotFoundError):
        accounts.customer(MANAGER, "nope")
    own = Actor(customer.id, Role.CUSTOMER, customer_id=customer.id)
    with pytest.raises(PermissionDeniedError):
        accounts.find(own, "camille")
    with pytest.raises(PermissionDeniedError):
        accounts.access_log(MANAGER)

    entries = accounts.access_log(ADMIN, actor_id=MANAGER.id)
    assert [(e.action, e.subject) for e in entries] == [
        ("customers.read", customer.id),
        ("customers.find", "*"),
        ("customers.find", customer.id),
    ]
    assert [e.action for e in accounts.access_log(ADMIN, subject=customer.id, limit=1)] == [
        "customers.read"
    ]


def test_details_are_edited_by_their_owner(shop_parts: ShopParts) -> None:
    """CHK-3, X-6: the customer edits their details; another customer may not."""
    accounts = AccountService(shop_parts)
    customer = accounts.register(CAMILLE, "camille", PASSWORD)
    own = Actor(customer.id, Role.CUSTOMER, customer_id=customer.id)
    new = AccountDetails(
        email="camille.martin@example.fr", first_name="Camille", last_name="Martin", phone="0600"
    )
    updated = accounts.update_details(own, customer.id, new)
    assert (updated.email, updated.phone) == ("camille.martin@example.fr", "0600")
    assert accounts.customer(own, customer.id) == updated
    stranger = Actor("someone", Role.CUSTOMER, customer_id="someone")
    with pytest.raises(PermissionDeniedError):
        accounts.update_details(stranger, customer.id, new)


def test_lost_credentials_reviewed_and_resolved_with_a_link_to_the_accounts_address(
    shop_parts: ShopParts,
) -> None:
    """SEC-4: a visitor's request is listed and read by staff, resolved with the account
    they matched: the reset link goes to the account's own address, in the language
    asked for; a second review is refused."""
    accounts = AccountService(shop_parts)
    customer = accounts.register(CAMILLE, "camille", PASSWORD)
    opened = accounts.open_lost_credentials_request(
        Actor.visitor(), name="Camille", email="autre@example.fr", message="Compte camille"
    )
    assert [r.id for r in accounts.lost_credentials_requests(MANAGER)] == [opened.id]
    assert accounts.lost_credentials_request(MANAGER, opened.id) == opened

    resolved = accounts.resolve_lost_credentials_request(
        MANAGER, opened.id, customer.id, locale="EN-gb"
    )
    assert (resolved.status, resolved.customer_id) == (RecoveryStatus.RESOLVED, customer.id)
    assert _outbox(shop_parts).to("autre@example.fr") == []
    link = _last_mail(shop_parts)
    assert (link.template, link.locale) == ("accounts.password_reset", "en")
    assert accounts.lost_credentials_requests(MANAGER) == []
    assert accounts.lost_credentials_requests(MANAGER, status=None) == [resolved]
    with pytest.raises(RequestAlreadyReviewedError):
        accounts.reject_lost_credentials_request(MANAGER, opened.id)


def test_lost_credentials_rejected_and_a_bad_locale_changes_nothing(
    shop_parts: ShopParts,
) -> None:
    """SEC-4, X-2: an unsupported locale is refused before the review is recorded; a
    request staff cannot match is rejected, once."""
    accounts = AccountService(shop_parts)
    customer = accounts.register(CAMILLE, "camille", PASSWORD)
    opened = accounts.open_lost_credentials_request(
        Actor.visitor(), name="Camille", email="autre@example.fr", message="Je ne sais plus"
    )
    with pytest.raises(UnsupportedLocaleError):
        accounts.resolve_lost_credentials_request(MANAGER, opened.id, customer.id, locale="it")
    assert accounts.lost_credentials_request(MANAGER, opened.id).is_open
    rejected = accounts.reject_lost_credentials_request(MANAGER, opened.id)
    assert (rejected.status, rejected.reviewed_by) == (RecoveryStatus.REJECTED, MANAGER.id)
    with pytest.raises(RequestAlreadyReviewedError):
        accounts.reject_lost_credentials_request(MANAGER, opened.id)


def test_staff_make_a_reset_link_for_an_existing_account_only(shop_parts: ShopParts) -> None:
    """SEC-4, SEC-3: staff recovering an account get a link that works once; none is made
    for an unknown account, nor for a customer."""
    accounts = AccountService(shop_parts)
    customer = accounts.register(CAMILLE, "camille", PASSWORD)
    link = accounts.new_reset_link(MANAGER, customer.id)
    assert link.startswith("https://boutique.example.fr/")
    token = link.split("token=")[1]
    assert accounts.reset_password(token, NEW_PASSWORD).customer_id == customer.id
    with pytest.raises(CustomerNotFoundError):
        accounts.new_reset_link(MANAGER, "nope")
    own = Actor(customer.id, Role.CUSTOMER, customer_id=customer.id)
    with pytest.raises(PermissionDeniedError):
        accounts.new_reset_link(own, customer.id)
