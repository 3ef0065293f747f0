"""CHK-1, CHK-2, X-2, X-9: the checkout form is validated field by field, all at once."""

from __future__ import annotations

import json
import pickle
import unicodedata
from typing import Any

import attrs
import phonenumbers
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from klickit_core.checkout.domain import (
    MAX_NAME_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    AccountForm,
    AccountRequest,
    AddressForm,
    CheckoutForm,
    ContactDetails,
    ValidatedCheckout,
    validate_checkout,
)
from klickit_core.shared.address_rules import MAX_ADDRESS_FIELD_LENGTH, check_address
from klickit_core.shared.addresses import PostalAddress, is_known_country
from klickit_core.shared.emails import check_email
from klickit_core.shared.errors import FieldError, ValidationError
from klickit_core.shared.phones import check_phone
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.serialisation import unstructure

PASSWORD = "tr0ub4dor&3-horse-staple"
PARIS = AddressForm(
    country="FR", street="12 rue de Rivoli\nBâtiment B", postcode="75001", city="Paris"
)
AJACCIO = AddressForm(country="FR", street="3 cours Napoléon", postcode="20000", city="Ajaccio")


def french_form(**changes: Any) -> CheckoutForm:
    """A complete, valid French checkout form; ``changes`` replace fields."""
    form = CheckoutForm(
        first_name="Élodie",
        last_name="Martin-Dupont",
        email="Elodie.Martin@Example.FR",
        phone="06 12 34 56 78",
        billing=PARIS,
        shipping=AJACCIO,
        account=AccountForm("elodie.m", Secret(PASSWORD)),
        accept_terms=True,
        optional_consents={"sms": False, "newsletter": True},
    )
    return attrs.evolve(form, **changes)


def errors_of(form: object, **kwargs: Any) -> dict[str, str]:
    """``{field: code}`` of the ValidationError the form raises."""
    with pytest.raises(ValidationError) as info:
        validate_checkout(form, **kwargs)  # type: ignore[arg-type]
    return info.value.codes


def error_list(form: object) -> tuple[FieldError, ...]:
    with pytest.raises(ValidationError) as info:
        validate_checkout(form)  # type: ignore[arg-type]
    return info.value.errors


# ---------------------------------------------------------------------- valid forms


def test_complete_french_form() -> None:
    """CHK-1: a valid form gives checked, normalised values."""
    checkout = validate_checkout(french_form())
    assert checkout.contact == ContactDetails(
        first_name="Élodie",
        last_name="Martin-Dupont",
        email="elodie.martin@example.fr",  # normalised
        phone="+33612345678",  # E.164
    )
    assert checkout.contact.phone_national == "06 12 34 56 78"
    assert checkout.contact.full_name == "Élodie Martin-Dupont"
    assert checkout.billing == PostalAddress(
        "FR", "75001", "Paris", ("12 rue de Rivoli", "Bâtiment B")
    )
    assert checkout.shipping == PostalAddress("FR", "20000", "Ajaccio", ("3 cours Napoléon",))
    assert checkout.shipping_same_as_billing is False
    assert checkout.account == AccountRequest("elodie.m", Secret(PASSWORD))
    assert checkout.accept_terms is True
    assert checkout.optional_consents == (("newsletter", True), ("sms", False))
    assert (checkout.billing_company, checkout.shipping_company) == ("", "")


def test_guest_checkout_shipping_to_billing() -> None:
    """CHK-1: ``shipping=None`` ships to the billing address; no account is optional."""
    checkout = validate_checkout(
        french_form(shipping=None, account=None, optional_consents={}, phone="+33123456789")
    )
    assert checkout.shipping_same_as_billing is True
    assert checkout.shipping == checkout.billing
    assert checkout.account is None
    assert checkout.optional_consents == ()
    assert checkout.contact.phone_national == "01 23 45 67 89"


@pytest.mark.parametrize(
    ("billing", "phone", "expected"),
    [
        (  # Corsica
            AddressForm("FR", "3 cours Napoléon", "20000", "Ajaccio"),
            "04 95 12 34 56",
            PostalAddress("FR", "20000", "Ajaccio", ("3 cours Napoléon",)),
        ),
        (  # overseas: La Réunion, with a Réunion mobile typed nationally
            AddressForm("FR", "5 rue de Paris", "97400", "Saint-Denis"),
            "0692 12 34 56",
            PostalAddress("FR", "97400", "Saint-Denis", ("5 rue de Paris",)),
        ),
        (
            AddressForm("DE", "Invalidenstraße 117", "10115", "Berlin", company="Muster GmbH"),
            "+49 30 901820",
            PostalAddress("DE", "10115", "Berlin", ("Invalidenstraße 117",), company="Muster GmbH"),
        ),
        (
            AddressForm("GB", "10 Downing Street", "sw1a 2aa", "London"),
            "+44 20 7946 0958",
            PostalAddress("GB", "SW1A 2AA", "London", ("10 Downing Street",)),
        ),
        (
            AddressForm("US", "1600 Amphitheatre Pkwy", "94043", "Mountain View", "California"),
            "+1 650 253 0000",
            PostalAddress("US", "94043", "Mountain View", ("1600 Amphitheatre Pkwy",), "CA"),
        ),
    ],
)
def test_valid_forms_from_several_countries(
    billing: AddressForm, phone: str, expected: PostalAddress
) -> None:
    """CHK-1: addresses are checked per country; the result is normalised."""
    checkout = validate_checkout(french_form(billing=billing, shipping=None, phone=phone))
    assert checkout.billing == checkout.shipping == expected
    assert checkout.billing_company == checkout.shipping_company == billing.company
    assert phonenumbers.is_valid_number(phonenumbers.parse(checkout.contact.phone, None))


def test_overseas_phone_is_stored_with_its_own_country_code() -> None:
    """CHK-1: ``0692…`` typed in La Réunion is +262, shown nationally in France."""
    checkout = validate_checkout(french_form(phone="0692 12 34 56"))
    assert checkout.contact.phone == "+262692123456"
    assert checkout.contact.phone_national == "0692 12 34 56"


def test_foreign_phone_is_displayed_internationally() -> None:
    """CHK-1: a number that cannot be dialled nationally from France keeps its prefix."""
    checkout = validate_checkout(french_form(phone="+44 20 7946 0958"))
    assert checkout.contact.phone_national == "+44 20 7946 0958"


def test_default_region() -> None:
    """CHK-1: the shop's default region reads a national number only when no address has a
    country phonenumbers knows (here the French Southern Territories, TF)."""
    assert errors_of(french_form(phone="030 901820")) == {"phone": "phone.invalid"}
    # A French billing address wins over a German shop's default.
    assert errors_of(french_form(phone="030 901820"), default_region="DE") == {
        "phone": "phone.invalid"
    }
    kerguelen = AddressForm("TF", "Port-aux-Français", "", "Kerguelen")
    form = french_form(billing=kerguelen, shipping=None, phone="030 901820")
    checkout = validate_checkout(form, default_region="DE")
    assert checkout.contact.phone == "+4930901820"


def test_company_names_are_kept_with_the_addresses() -> None:
    """CHK-1: the company typed with each address is kept in it, trimmed."""
    checkout = validate_checkout(
        french_form(
            billing=attrs.evolve(PARIS, company="  ACME SARL "),
            shipping=attrs.evolve(AJACCIO, company="Atelier Corse"),
        )
    )
    assert (checkout.billing.company, checkout.shipping.company) == ("ACME SARL", "Atelier Corse")
    assert (checkout.billing_company, checkout.shipping_company) == ("ACME SARL", "Atelier Corse")


# ---------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Zoë", "Zoë"),
        ("Zoe\u0308", "Zoë"),  # NFD typed, NFC stored
        ("  N'Diaye ", "N'Diaye"),
        ("D’Artagnan", "D’Artagnan"),
        ("Jean-Pierre", "Jean-Pierre"),
        ("Jean    Pierre", "Jean Pierre"),
        ("St. John", "St. John"),
        ("José María", "José María"),
        ("Nguyễn", "Nguyễn"),
        ("王", "王"),
        ("Ольга", "Ольга"),
        ("محمد", "محمد"),
        ("देवनागरी", "देवनागरी"),  # combining vowel signs (marks)
        ("L" * MAX_NAME_LENGTH, "L" * MAX_NAME_LENGTH),
    ],
)
def test_valid_names(typed: str, stored: str) -> None:
    """CHK-1: names in any script, with their usual punctuation, NFC and trimmed."""
    checkout = validate_checkout(french_form(first_name=typed, last_name=typed))
    assert checkout.contact.first_name == checkout.contact.last_name == stored


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "name.required"),
        ("   ", "name.required"),
        ("\u00a0", "name.required"),  # only a no-break space
        (None, "name.required"),
        (42, "name.required"),
        (b"Alice", "name.required"),
        (["Alice"], "name.required"),
        ("<script>alert(1)</script>", "name.invalid_characters"),
        ("Bob<b>", "name.invalid_characters"),
        ('Bob" onmouseover="x', "name.invalid_characters"),
        ("Robert'); DROP TABLE students;--", "name.invalid_characters"),
        ("{{7*7}}", "name.invalid_characters"),
        ("R2D2", "name.invalid_characters"),
        ("Bob\x00", "name.invalid_characters"),
        ("Bob\nMarley", "name.invalid_characters"),
        ("\tBob", "name.invalid_characters"),
        ("Bob\x1b[31m", "name.invalid_characters"),
        ("\ud800", "name.invalid_characters"),  # lone surrogate (malformed unicode)
        ("Al\udcffice", "name.invalid_characters"),
        ("Bob\u200bMarley", "name.invalid_characters"),  # zero-width space
        ("Bob\u202eyeltraM", "name.invalid_characters"),  # right-to-left override
        ("Bob\u00a0Marley", "name.invalid_characters"),  # only plain spaces inside
        ("-", "name.invalid_characters"),
        ("'.", "name.invalid_characters"),
        ("\u0301", "name.invalid_characters"),  # a mark and no letter
        ("Bob 😀", "name.invalid_characters"),
        ("L" * (MAX_NAME_LENGTH + 1), "name.too_long"),
        ("L" * 10_000, "name.too_long"),
        ("é" * 10_000, "name.too_long"),
    ],
)
@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_bad_names(field: str, typed: object, code: str) -> None:
    """CHK-1, X-9: each bad name gives one typed error at its path."""
    assert errors_of(french_form(**{field: typed})) == {field: code}


def test_name_messages() -> None:
    """X-2: messages in French and English; the limit is in the too-long message."""
    errors = {e.field: e for e in error_list(french_form(first_name="", last_name="L" * 101))}
    assert errors["first_name"].message("en") == "Enter your first name."
    assert errors["first_name"].message("fr") == "Saisissez votre prénom."
    assert errors["last_name"].message("en") == "At most 100 characters."
    assert errors["last_name"].message("fr") == "100 caractères au maximum."
    bad = error_list(french_form(first_name="<b>"))[0]
    assert bad.message("en") == "Use only letters, spaces, apostrophes, hyphens and full stops."
    assert bad.message("fr").startswith("Utilisez uniquement des lettres")


# ---------------------------------------------------------------------- email, phone


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "email.required"),
        (None, "email.required"),
        (7, "email.required"),
        ("alice", "email.invalid"),
        ("alice@", "email.invalid"),
        ("<script>@example.fr", "email.invalid"),
        ("alice@exa\ud800mple.fr", "email.invalid"),
        ("alice\x00@example.fr", "email.invalid"),
        ("a" * 10_000 + "@example.fr", "email.invalid"),
    ],
)
def test_bad_email(typed: object, code: str) -> None:
    """CHK-1, X-9: email checked with email-validator, errors at ``("email",)``."""
    assert errors_of(french_form(email=typed)) == {"email": code}


def test_email_is_normalised() -> None:
    """CHK-1, PRV-3: one person, one key: the address is lower-cased and trimmed."""
    checkout = validate_checkout(french_form(email="  ALICE.Martin+Shop@EXAMPLE.fr "))
    assert checkout.contact.email == "alice.martin+shop@example.fr"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "phone.required"),
        (None, "phone.required"),
        (612345678, "phone.required"),
        ("06 12 34 56", "phone.invalid"),
        ("06 12 34 56 78 90", "phone.invalid"),
        ("07 00 00 00 00", "phone.invalid"),  # possible but not valid
        ("06 CALL ME", "phone.invalid"),
        ("<script>", "phone.invalid"),
        ("\ud800", "phone.invalid"),
        ("0" * 10_000, "phone.invalid"),
    ],
)
def test_bad_phone(typed: object, code: str) -> None:
    """CHK-1, X-9: phone parsed with phonenumbers, errors at ``("phone",)``."""
    assert errors_of(french_form(phone=typed)) == {"phone": code}


# ---------------------------------------------------------------------- addresses


@pytest.mark.parametrize("part", ["billing", "shipping"])
@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"postcode": "7500"}, "postcode", "address.invalid"),
        ({"postcode": ""}, "postcode", "address.required"),
        ({"city": ""}, "city", "address.required"),
        ({"city": "<script>alert(1)</script>"}, "city", "address.invalid_characters"),
        ({"city": "Paris<img src=x onerror=alert(1)>"}, "city", "address.invalid_characters"),
        ({"city": "\ud800"}, "city", "address.invalid_characters"),
        ({"city": "Pa\x07ris"}, "city", "address.invalid_characters"),
        ({"city": "P" * 10_000}, "city", "address.too_long"),
        ({"city": None}, "city", "address.required"),
        ({"city": 75}, "city", "address.invalid"),
        ({"street": ""}, "street", "address.required"),
        ({"street": "a\nb\nc\nd\ne"}, "street", "address.too_many_lines"),
        ({"street": "s" * 10_000}, "street", "address.too_long"),
        ({"country": "XX"}, "country", "address.country_invalid"),
        ({"country": ""}, "country", "address.required"),
        ({"company": "<b>ACME</b>"}, "company", "address.invalid_characters"),
        ({"company": "c" * 10_000}, "company", "address.too_long"),
    ],
)
def test_bad_address_fields(part: str, changes: dict[str, object], field: str, code: str) -> None:
    """CHK-1, X-9: address errors are located at ``(part, field)``."""
    form = french_form(**{part: attrs.evolve(PARIS, **changes)})
    assert errors_of(form) == {f"{part}.{field}": code}


def test_us_address_needs_a_state() -> None:
    """CHK-1: required fields depend on the country."""
    us = AddressForm("US", "1 Main St", "94043", "Mountain View")
    assert errors_of(french_form(shipping=us)) == {"shipping.region": "address.required"}
    ok = validate_checkout(french_form(shipping=attrs.evolve(us, region="ca")))
    assert ok.shipping.region == "CA"


@pytest.mark.parametrize(
    ("shipping", "field"),
    [
        (AddressForm("IQ", "1 street", "", "Baghdad", region="ß" * 150), "region"),
        (AddressForm("KP", "1 street", "⒇" * 100, "Pyongyang"), "postcode"),
    ],
)
def test_a_field_lengthened_past_its_limit_is_a_field_error(
    shipping: AddressForm, field: str
) -> None:
    """X-9, CHK-1: upper-casing (an Iraqi region: ``ß`` is ``SS``) or NFKC (a postcode:
    ``⒇`` is ``(20)``) can make a field that passed the length check longer than
    ``MAX_ADDRESS_FIELD_LENGTH``: ``address.too_long`` at that field, with the form's
    other errors, never an ``InvalidAddressError``."""
    form = french_form(first_name="", shipping=shipping)
    with pytest.raises(ValidationError) as info:
        validate_checkout(form)
    assert info.value.codes == {
        "first_name": "name.required",
        f"shipping.{field}": "address.too_long",
    }
    too_long = info.value.errors[-1]
    assert (too_long.message("fr"), too_long.message("en")) == (
        "200 caractères au maximum.",
        "At most 200 characters.",
    )


def test_a_field_lengthened_up_to_its_limit_is_kept() -> None:
    """CHK-1: at ``MAX_ADDRESS_FIELD_LENGTH`` once lengthened, a field is accepted, as
    stored (the region upper-cased, the postcode folded by NFKC)."""
    iraq = AddressForm("IQ", "1 street", "", "Baghdad", region="ß" * 100)
    korea = AddressForm("KP", "1 street", "⒇" * 50, "Pyongyang")
    assert validate_checkout(french_form(shipping=iraq)).shipping.region == "SS" * 100
    assert validate_checkout(french_form(shipping=korea)).shipping.postcode == "(20)" * 50


def test_shipping_errors_are_not_reported_when_same_as_billing() -> None:
    """CHK-1: with ``shipping=None`` only billing is checked (and reported once)."""
    form = french_form(billing=attrs.evolve(PARIS, postcode="1"), shipping=None)
    assert errors_of(form) == {"billing.postcode": "address.invalid"}


@pytest.mark.parametrize("value", [None, {"country": "FR"}, "12 rue de Rivoli", 1])
def test_billing_must_be_an_address_form(value: object) -> None:
    """X-9: an untyped caller passing something else gets a field error."""
    assert errors_of(french_form(billing=value)) == {"billing": "form.invalid"}


@pytest.mark.parametrize("value", [{"country": "FR"}, "same", 0])
def test_shipping_must_be_an_address_form_or_none(value: object) -> None:
    """X-9: ``None`` means "same as billing"; anything else but a form is an error."""
    assert errors_of(french_form(shipping=value)) == {"shipping": "form.invalid"}


# ---------------------------------------------------------------------- account


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("", "username.required"),
        (None, "username.required"),
        (3, "username.required"),
        ("ab", "username.invalid"),
        ("u" * 61, "username.invalid"),
        ("u" * 10_000, "username.invalid"),
        ("élodie", "username.invalid"),  # ASCII only: no look-alike accounts
        ("bob smith", "username.invalid"),
        ("<script>", "username.invalid"),
        ("bob\x00", "username.invalid"),
        ("\ud800bob", "username.invalid"),
    ],
)
def test_bad_username(username: object, code: str) -> None:
    """CHK-1: usernames are 3 to 60 ASCII letters, digits or ``. _ - @``."""
    form = french_form(account=AccountForm(username, Secret(PASSWORD)))  # type: ignore[arg-type]
    assert errors_of(form) == {"account.username": code}


@pytest.mark.parametrize("username", ["bob", "elodie.m", "a_b-c", "elodie@example.fr", "u" * 60])
def test_valid_usernames(username: str) -> None:
    """CHK-1: the allowed characters and lengths."""
    form = french_form(account=AccountForm(f"  {username} ", Secret(PASSWORD)))
    account = validate_checkout(form).account
    assert account is not None
    assert account.username == username


@pytest.mark.parametrize(
    ("password", "code"),
    [
        (Secret(""), "password.required"),
        (None, "password.required"),
        (12345678901234, "password.required"),
        (Secret("x" * (MIN_PASSWORD_LENGTH - 1)), "password.too_short"),
        (Secret("x" * (MAX_PASSWORD_LENGTH + 1)), "password.too_long"),
        (Secret("x" * 10_000), "password.too_long"),
        (Secret("correct horse\ud800battery"), "password.invalid_characters"),
        (Secret("correct horse\x00battery"), "password.invalid_characters"),
    ],
)
def test_bad_password(password: object, code: str) -> None:
    """CHK-1: interim bounds, 12 to 128 characters; the full policy comes with SEC-1."""
    form = french_form(account=AccountForm("elodie.m", password))  # type: ignore[arg-type]
    assert errors_of(form) == {"account.password": code}


def test_password_is_kept_as_typed() -> None:
    """SEC-1: no trimming nor normalisation: hashing decides (spaces are allowed)."""
    typed = "  mot de passe très long  "
    account = validate_checkout(french_form(account=AccountForm("bob", Secret(typed)))).account
    assert account is not None
    assert account.password.reveal() == typed
    phrase = "un chat gris dort sur le toit de la gare " * 4
    for length in (MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH):
        form = french_form(account=AccountForm("bob", Secret(phrase[:length])))
        assert validate_checkout(form).account is not None


def test_plain_str_password_is_wrapped() -> None:
    """X-9: an untyped caller passing a str gets a Secret back, never a bare str."""
    form = french_form(account=AccountForm("bob", PASSWORD))  # type: ignore[arg-type]
    account = validate_checkout(form).account
    assert account is not None
    assert isinstance(account.password, Secret)
    assert account.password.reveal() == PASSWORD


@pytest.mark.parametrize("value", [{"username": "bob"}, "bob", True])
def test_account_must_be_an_account_form(value: object) -> None:
    """X-9: anything but ``None`` or an AccountForm is a field error."""
    assert errors_of(french_form(account=value)) == {"account": "form.invalid"}


def test_password_messages() -> None:
    """X-2: the bound is in the message, never the password nor its length."""
    form = french_form(account=AccountForm("bob", Secret("short")))
    (error,) = error_list(form)
    assert error.message("en") == "Use at least 12 characters."
    assert error.message("fr") == "Utilisez au moins 12 caractères."
    assert error.params == {"min": MIN_PASSWORD_LENGTH}


# ---------------------------------------------------------------------- password never shown


def _renderings(value: object) -> str:
    return f"{value!r} {value!s} {value}"


@pytest.mark.parametrize(
    "password",
    ["short-secret", PASSWORD, "p" * (MAX_PASSWORD_LENGTH + 5), "secret\x00value-long"],
)
def test_password_never_appears_in_errors(password: str) -> None:
    """SEC-1: no error, message or JSON view ever carries the password."""
    form = french_form(account=AccountForm("x", Secret(password)), first_name="")
    with pytest.raises(ValidationError) as info:
        validate_checkout(form)
    error = info.value
    texts = [_renderings(error), json.dumps(unstructure(error)), repr(error.args)]
    for field_error in error.errors:
        texts += [_renderings(field_error), field_error.message("fr"), field_error.message("en")]
        texts.append(json.dumps(unstructure(field_error)))
    assert not [text for text in texts if password in text]


def test_password_never_appears_in_forms_or_results() -> None:
    """SEC-1: str/repr of the form, the account form and every validated object hide it."""
    form = french_form()
    checkout = validate_checkout(form)
    for obj in (form, form.account, checkout, checkout.account, checkout.contact):
        assert PASSWORD not in _renderings(obj)
    assert "***" not in repr(checkout.contact)  # (no password there at all)
    assert checkout.account is not None
    assert "password" not in attrs.asdict(checkout.contact)


def test_reprs_hide_personal_data() -> None:
    """X-9: tracebacks and logs show the shape of a checkout, not who is buying."""
    form = french_form()
    checkout = validate_checkout(form)
    personal = ["Élodie", "Martin", "elodie", "06 12", "+336", "Rivoli", "Paris", "Ajaccio"]
    personal += ["tok_", "20000", "75001"]
    for obj in (form, form.billing, form.account, checkout, checkout.contact, checkout.account):
        text = repr(obj)
        assert not [p for p in personal if p.lower() in text.lower()], text


def test_validated_checkout_cannot_be_pickled() -> None:
    """SEC-1: the clear password cannot travel into a cache or a queue with the checkout."""
    with pytest.raises(TypeError):
        pickle.dumps(validate_checkout(french_form()))
    guest = validate_checkout(french_form(account=None))
    assert pickle.loads(pickle.dumps(guest)) == guest  # noqa: S301 - our own bytes


def test_stored_contact_has_no_password_field() -> None:
    """SEC-1: what is stored (contact, addresses) has no field for a password."""
    for cls in (ContactDetails, PostalAddress):
        assert not [f.name for f in attrs.fields(cls) if "pass" in f.name]


# ---------------------------------------------------------------------- terms, consents, token


@pytest.mark.parametrize("value", [False, None, "true", "on", 1, "yes"])
def test_terms_must_be_accepted(value: object) -> None:
    """CHK-2: the terms of sale box must be ticked (exactly ``True``)."""
    errors = error_list(french_form(accept_terms=value))
    assert [(e.path, e.code) for e in errors] == [(("accept_terms",), "terms.required")]
    assert errors[0].message("fr") == (
        "Acceptez les conditions générales de vente pour passer commande."
    )


@pytest.mark.parametrize(
    ("consents", "expected"),
    [
        ({"newsletter": "yes"}, {"optional_consents.newsletter": "consent.invalid"}),
        ({"newsletter": 1}, {"optional_consents.newsletter": "consent.invalid"}),
        ({"Newsletter!": True}, {"optional_consents": "consent.invalid"}),
        ({"<script>": True}, {"optional_consents": "consent.invalid"}),
        ({3: True}, {"optional_consents": "consent.invalid"}),
        ({"x" * 65: True}, {"optional_consents": "consent.invalid"}),
        ([("newsletter", True)], {"optional_consents": "form.invalid"}),
        (None, {"optional_consents": "form.invalid"}),
    ],
)
def test_bad_consents(consents: object, expected: dict[str, str]) -> None:
    """CHK-2: each optional consent is a purpose identifier answered yes or no."""
    assert errors_of(french_form(optional_consents=consents)) == expected


# ---------------------------------------------------------------------- all at once


def test_every_error_is_returned_at_once_in_form_order() -> None:
    """CHK-1: a form with everything wrong lists every field, each once, in form order."""
    form = CheckoutForm(
        first_name="<script>alert(1)</script>",
        last_name="",
        email="not-an-email",
        phone="06 CALL ME",
        billing=AddressForm("FR", "", "7500", "Pa\x00ris", company="<b>"),
        shipping=AddressForm("US", "1 Main St", "94043", "\ud800"),
        account=AccountForm("a", Secret("short")),
        accept_terms=False,
        optional_consents={"newsletter": "yes"},
    )
    errors = error_list(form)
    assert [(e.field, e.code) for e in errors] == [
        ("first_name", "name.invalid_characters"),
        ("last_name", "name.required"),
        ("email", "email.invalid"),
        ("phone", "phone.invalid"),
        ("billing.street", "address.required"),
        ("billing.postcode", "address.invalid"),
        ("billing.city", "address.invalid_characters"),
        ("billing.company", "address.invalid_characters"),
        ("shipping.city", "address.invalid_characters"),
        ("shipping.region", "address.required"),
        ("account.username", "username.invalid"),
        ("account.password", "password.too_short"),
        ("accept_terms", "terms.required"),
        ("optional_consents.newsletter", "consent.invalid"),
    ]
    for error in errors:  # every message exists in both languages
        assert error.message("en")
        assert error.message("fr")
        assert error.message("fr") != error.message("en") or "{" in error.message_template


def test_validation_error_is_json_ready() -> None:
    """X-9: one ValidationError with a JSON view listing every field error."""
    with pytest.raises(ValidationError) as info:
        validate_checkout(french_form(first_name="", phone=""))
    data = json.loads(json.dumps(unstructure(info.value)))
    assert data["code"] == "klickit.validation"
    assert data["details"] == {"count": 2}
    assert data["errors"] == [
        {"field": "first_name", "code": "name.required", "message": "Enter your first name."},
        {"field": "phone", "code": "phone.required", "message": "Enter a phone number."},
    ]
    assert info.value.message("fr") == "Certains champs sont invalides (2)."


@pytest.mark.parametrize("value", [None, {}, "form", attrs.asdict(french_form(account=None))])
def test_not_a_form(value: object) -> None:
    """X-9: anything but a CheckoutForm is one ValidationError, not an AttributeError."""
    assert errors_of(value) == {"": "form.invalid"}


# ---------------------------------------------------------------------- properties

_GARBAGE = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-16", categories=["Cs", "Cc", "Cf", "Zs"])),
    st.sampled_from(["", " ", "\ud800", "<script>", "x" * 5_000, "\x00"]),
    st.none(),
    st.integers(),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=2),
    st.booleans(),
)


def _mixed(*valid: object) -> st.SearchStrategy[object]:
    """Mostly a valid value, sometimes garbage: about one form in six passes."""
    return st.integers(0, 9).flatmap(lambda roll: _GARBAGE if roll == 0 else st.sampled_from(valid))


def _or_garbage(strategy: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.integers(0, 9).flatmap(lambda roll: _GARBAGE if roll == 0 else strategy)


_ADDRESSES = st.builds(
    AddressForm,
    country=_mixed("FR", "fr", "DE", "US", "GB", "RE"),
    street=_mixed("1 rue de la Paix", "Hauptstr. 1\nHinterhaus", "1 Main St"),
    postcode=_mixed("75002", "10115", "94043", "SW1A 2AA", "97400"),
    city=_mixed("Paris", "Berlin", "Mountain View", "London", "Saint-Denis"),
    region=_mixed("", "CA", "California"),
    company=_mixed("", "ACME"),
)
#: Characters that the checks make longer: upper-casing turns ``ß`` into ``SS``, NFKC
#: turns ``⒇`` into ``(20)``, both turn ``ﬃ`` into three letters.
_EXPANDING = ("ß", "⒇", "ﬃ")


@st.composite
def _lengthened(draw: st.DrawFn) -> str:
    """Text whose expanded form is a few characters from ``MAX_ADDRESS_FIELD_LENGTH``
    (under, at or over it) while, typed, it is mostly within it."""
    char = draw(st.sampled_from(_EXPANDING))
    grown = len(unicodedata.normalize("NFKC", char).upper())
    target = MAX_ADDRESS_FIELD_LENGTH + draw(st.integers(-2, 2))
    count = draw(st.integers(0, target // grown))
    return char * count + "a" * (target - count * grown)


#: Addresses of countries that upper-case the city and region (Iraq) or take any
#: postcode (North Korea), with lengthening text near the limit (X-9).
_LENGTHENED_ADDRESSES = st.builds(
    AddressForm,
    country=st.sampled_from(["IQ", "KP", "FR"]),
    street=st.just("1 street"),
    postcode=st.one_of(st.just(""), _lengthened()),
    city=st.one_of(st.just("Baghdad"), _lengthened()),
    region=st.one_of(st.just(""), _lengthened()),
)
_ACCOUNTS = st.builds(
    AccountForm,
    username=_mixed("bob", "elodie.m"),
    password=_or_garbage(
        st.one_of(st.builds(Secret, st.text(max_size=140)), st.just(Secret(PASSWORD)))
    ),
)
_FORMS = st.builds(
    CheckoutForm,
    first_name=_mixed("Élodie", "Jean-Pierre"),
    last_name=_mixed("Martin", "N'Diaye"),
    email=_mixed("alice@example.fr", "Bob@Example.COM"),
    phone=_mixed("06 12 34 56 78", "+44 20 7946 0958", "0692 12 34 56"),
    billing=_or_garbage(st.one_of(_ADDRESSES, _LENGTHENED_ADDRESSES)),
    shipping=_or_garbage(st.one_of(st.none(), _ADDRESSES, _LENGTHENED_ADDRESSES)),
    account=_or_garbage(st.one_of(st.none(), _ACCOUNTS)),
    accept_terms=_mixed(True),
    optional_consents=_or_garbage(
        st.one_of(
            st.dictionaries(st.sampled_from(["newsletter", "sms"]), st.booleans()),
            st.dictionaries(st.one_of(st.text(max_size=5), st.integers()), _GARBAGE, max_size=2),
        )
    ),
)

_ROOTS = {
    "first_name",
    "last_name",
    "email",
    "phone",
    "billing",
    "shipping",
    "account",
    "accept_terms",
    "optional_consents",
}


def _assert_valid(checkout: ValidatedCheckout) -> None:
    """Everything a ValidatedCheckout holds passes its checks again, unchanged."""
    contact = checkout.contact
    for name in (contact.first_name, contact.last_name):
        assert name == name.strip()
        assert 1 <= len(name) <= MAX_NAME_LENGTH
        assert "<" not in name
        assert validate_checkout(french_form(first_name=name)).contact.first_name == name
    assert check_email(contact.email, ("email",)) == contact.email
    assert check_phone(contact.phone, ("phone",)) == contact.phone
    assert contact.phone_national
    for address in (checkout.billing, checkout.shipping):
        assert is_known_country(address.country)
        retyped = AddressForm(
            address.country,
            "\n".join(address.street),
            address.postcode,
            address.city,
            address.region,
        )
        checked = check_address(retyped, ("billing",))
        assert isinstance(checked, PostalAddress)
        assert attrs.evolve(checked, company=address.company) == address
    assert checkout.accept_terms is True
    assert all(isinstance(v, bool) for _, v in checkout.optional_consents)
    assert list(checkout.optional_consents) == sorted(checkout.optional_consents)
    if checkout.account is not None:
        password = checkout.account.password.reveal()
        assert MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH
        password.encode("utf-8")  # hashable later: no lone surrogate


def _outcome(form: CheckoutForm) -> ValidatedCheckout | ValidationError:
    try:
        return validate_checkout(form)
    except ValidationError as error:
        return error


@given(_FORMS)
def test_garbage_gives_only_validation_errors(form: CheckoutForm) -> None:
    """X-9: whatever is typed, the validator raises ValidationError or returns valid data.

    Any other exception fails the test; so does a result that does not check again.
    """
    outcome = _outcome(form)
    event("valid" if isinstance(outcome, ValidatedCheckout) else "refused")
    if isinstance(outcome, ValidatedCheckout):
        _assert_valid(outcome)
        return
    assert outcome.errors
    fields = [e.field for e in outcome.errors]
    assert len(fields) == len(set(fields))  # one error per field
    for field_error in outcome.errors:
        assert str(field_error.path[0]) in _ROOTS
        assert field_error.message("en")
        assert field_error.message("fr")


@given(_FORMS)
def test_validation_is_idempotent(form: CheckoutForm) -> None:
    """CHK-1: validating a form rebuilt from a validated checkout gives it back."""
    try:
        checkout = validate_checkout(form)
    except ValidationError:
        return

    def retype(address: PostalAddress, company: str) -> AddressForm:
        street = "\n".join(address.street)
        return AddressForm(
            address.country, street, address.postcode, address.city, address.region, company
        )

    account = checkout.account
    again = CheckoutForm(
        first_name=checkout.contact.first_name,
        last_name=checkout.contact.last_name,
        email=checkout.contact.email,
        phone=checkout.contact.phone,
        billing=retype(checkout.billing, checkout.billing_company),
        shipping=None
        if checkout.shipping_same_as_billing
        else retype(checkout.shipping, checkout.shipping_company),
        account=None if account is None else AccountForm(account.username, account.password),
        accept_terms=True,
        optional_consents=dict(checkout.optional_consents),
    )
    assert validate_checkout(again) == checkout


def test_card_numbers_are_refused_in_every_free_text_field_at_once() -> None:
    """PAY-2, X-9: a card number in any free-text field of the form is
    ``text.card_number`` at that field, every one reported at once."""
    card = "4242 4242 4242 4242"
    address = AddressForm(
        country="FR", street=card, postcode=card, city=card, region=card, company=card
    )
    form = french_form(
        first_name=card,
        last_name=f"Martin {card}",
        billing=address,
        shipping=address,
        account=AccountForm("elodie.4242-4242-4242-4242", Secret(PASSWORD)),
    )
    fields = ["first_name", "last_name", "account.username"]
    for part in ("billing", "shipping"):
        fields += [f"{part}.{name}" for name in ("street", "postcode", "city", "region", "company")]
    assert errors_of(form) == dict.fromkeys(fields, "text.card_number")
