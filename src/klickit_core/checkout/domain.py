"""The checkout form and its validation (SPEC CHK-1, CHK-2, X-2, X-9).

Why a form type *and* a validated type: :class:`CheckoutForm` holds what the shopper typed,
as typed (any web framework can fill it from a POST); :class:`ValidatedCheckout` holds only
checked, normalised values (names in NFC, email lower-cased, phone in E.164, addresses
checked against their country's rules). Code that places an order takes the second, so it
cannot be handed an unchecked value by mistake.

:func:`validate_checkout` reports **every** problem at once, in one
:class:`~klickit_core.shared.errors.ValidationError` whose field errors each carry a code,
a path (``("billing", "postcode")``) and a French/English message: a shopper fixes the whole
form in one round trip. Untyped callers may put anything in any field (``None``, numbers,
bytes, lone surrogates, megabytes of text): each gives a field error, never an exception
from a dependency (X-9).

Personal data and the password: form and validated types hide personal fields from
``repr`` (tracebacks and log lines end up in places personal data must not), and the
password only ever travels as a :class:`~klickit_core.shared.sensitive.Secret`. It is never
copied into an error; the stored models (customer, order) have no field for it; hashing it
is the accounts context's job (SEC-1).

Name rules: 1 to :data:`MAX_NAME_LENGTH` characters after NFC normalisation, trimming and
collapsing runs of spaces; letters, combining marks, spaces and ``'`` ``’`` ``-`` ``.``
only, with at least one letter. That admits ``Zoë``, ``N'Diaye``, ``Jean-Pierre``,
``D’Artagnan``, ``St. John`` and names in any script, and refuses markup (``<script>``),
digits and invisible or control characters, which have no place on a parcel label.

Usernames are ASCII (letters, digits, ``.``, ``_``, ``-``, ``@``): a login identifier in
Unicode invites look-alike accounts (Latin ``a`` and Cyrillic ``а``), and shoppers can log in
with their email anyway.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import TypeVar

import attrs

from klickit_core.accounts.password_policy import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    check_password,
)
from klickit_core.shared.address_rules import check_address
from klickit_core.shared.addresses import PostalAddress
from klickit_core.shared.emails import check_email
from klickit_core.shared.errors import FieldError, ValidationError
from klickit_core.shared.i18n import N_
from klickit_core.shared.phones import check_phone, format_national, phone_region
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.text import free_text_error

__all__ = [
    "MAX_CONSENT_PURPOSE_LENGTH",
    "MAX_NAME_LENGTH",
    "MAX_PASSWORD_LENGTH",
    "MAX_USERNAME_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "MIN_USERNAME_LENGTH",
    "AccountDetailsForm",
    "AccountForm",
    "AccountRequest",
    "AddressForm",
    "CheckoutForm",
    "ContactDetails",
    "ValidatedAccountDetails",
    "ValidatedCheckout",
    "check_username",
    "validate_account_details",
    "validate_checkout",
]

MAX_NAME_LENGTH = 100
MIN_USERNAME_LENGTH = 3
MAX_USERNAME_LENGTH = 60
MAX_CONSENT_PURPOSE_LENGTH = 64
#: Text longer than this is refused before it is normalised, so a huge value costs nothing.
_RAW_LIMIT = 4096

#: Characters a name may hold besides letters and combining marks.
_NAME_PUNCTUATION = " '’-."
_DROP_NAME_PUNCTUATION = str.maketrans("", "", _NAME_PUNCTUATION)
_SPACES = re.compile(r" {2,}")
_USERNAME = re.compile(r"[A-Za-z0-9._@-]+")
#: Consent purposes are identifiers chosen by the shop (``"newsletter"``), not free text.
_CONSENT_PURPOSE = re.compile(r"[a-z0-9][a-z0-9_.-]*")

_T = TypeVar("_T")

_NAME_REQUIRED = {
    "first_name": N_("Enter your first name."),
    "last_name": N_("Enter your last name."),
}
_NAME_INVALID = N_("Use only letters, spaces, apostrophes, hyphens and full stops.")
_TOO_LONG = N_("At most {max} characters.")
_FORM_INVALID = N_("This part of the form is invalid.")
_USERNAME_REQUIRED = N_("Choose a username.")
_USERNAME_INVALID = N_("Use {min} to {max} letters, digits or the characters . _ - @.")
_TERMS_REQUIRED = N_("Accept the terms of sale to place your order.")
_CONSENT_INVALID = N_("Invalid consent answer.")


# ---------------------------------------------------------------------- the raw form


@attrs.frozen(slots=True)
class AddressForm:
    """An address as typed. ``street`` may hold several lines (one per line break)."""

    country: str
    street: str = attrs.field(repr=False)
    postcode: str = attrs.field(repr=False)
    city: str = attrs.field(repr=False)
    region: str = attrs.field(default="", repr=False)
    company: str = attrs.field(default="", repr=False)


@attrs.frozen(slots=True)
class AccountForm:
    """The optional "create an account" part of the form."""

    username: str = attrs.field(repr=False)
    password: Secret = attrs.field(repr=False)


@attrs.frozen(slots=True)
class CheckoutForm:
    """Everything the shopper typed at checkout, unchecked.

    ``shipping=None`` means "ship to the billing address". ``optional_consents`` maps a
    consent purpose (``"newsletter"``) to the shopper's answer; ``accept_terms`` is the
    terms-of-sale box (CGV), which must be ticked. The payment token is not part of
    the form: it is asked once, when the order is paid (decision 0014).
    """

    first_name: str = attrs.field(repr=False)
    last_name: str = attrs.field(repr=False)
    email: str = attrs.field(repr=False)
    phone: str = attrs.field(repr=False)
    billing: AddressForm
    shipping: AddressForm | None = None
    account: AccountForm | None = None
    accept_terms: bool = False
    optional_consents: Mapping[str, bool] = attrs.field(factory=dict)


# ---------------------------------------------------------------------- validated values


@attrs.frozen(slots=True)
class ContactDetails:
    """Who is buying: checked names, normalised email, phone in E.164.

    Built by :func:`validate_checkout`; building one by hand skips the checks.
    """

    first_name: str = attrs.field(repr=False)
    last_name: str = attrs.field(repr=False)
    email: str = attrs.field(repr=False)
    phone: str = attrs.field(repr=False)  # E.164

    @property
    def full_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}"

    @property
    def phone_national(self) -> str:
        """The phone for display in France: ``"06 12 34 56 78"`` (foreign: international)."""
        return format_national(self.phone)


@attrs.frozen(slots=True)
class AccountRequest:
    """A checked request to create an account; the password is still clear text.

    It is a transient value: the accounts context hashes the password (SEC-1) and stores
    only the hash, in a separate credentials store. Nothing stored or exported holds this.
    """

    username: str = attrs.field(repr=False)
    password: Secret = attrs.field(repr=False)


@attrs.frozen(slots=True)
class ValidatedCheckout:
    """A checkout form whose every field passed its checks, normalised.

    ``shipping`` is the billing address itself when ``shipping_same_as_billing``. Each
    address carries its (optional) company name; ``billing_company`` and
    ``shipping_company`` repeat it for callers that read it there. ``optional_consents`` is
    sorted by purpose.
    """

    contact: ContactDetails
    billing: PostalAddress = attrs.field(repr=False)
    shipping: PostalAddress = attrs.field(repr=False)
    shipping_same_as_billing: bool
    account: AccountRequest | None
    accept_terms: bool
    optional_consents: tuple[tuple[str, bool], ...]
    billing_company: str = attrs.field(default="", repr=False)
    shipping_company: str = attrs.field(default="", repr=False)


# ---------------------------------------------------------------------- field checks


def _is_name_character(char: str) -> bool:
    return unicodedata.category(char)[0] in "LM"


def _check_name(value: object, field: str) -> str | FieldError:
    path = (field,)
    if not isinstance(value, str):
        return FieldError(path, "name.required", _NAME_REQUIRED[field])
    if len(value) > _RAW_LIMIT:
        return FieldError(path, "name.too_long", _TOO_LONG, {"max": MAX_NAME_LENGTH})
    problem = free_text_error(
        value, path, invalid_code="name.invalid_characters", invalid_message=_NAME_INVALID
    )
    if problem is not None:  # lone surrogates, controls, a card number (PAY-2)
        return problem
    name = unicodedata.normalize("NFC", value).strip()
    if not name:
        return FieldError(path, "name.required", _NAME_REQUIRED[field])
    if "  " in name:
        name = _SPACES.sub(" ", name)
    if len(name) > MAX_NAME_LENGTH:
        return FieldError(path, "name.too_long", _TOO_LONG, {"max": MAX_NAME_LENGTH})
    letters = name.translate(_DROP_NAME_PUNCTUATION)
    # ``isalpha`` (categories L*) settles the common case at C speed.
    if letters.isalpha():
        return name
    # Combining marks that NFC could not compose (some scripts need them) take the slow
    # path; a name needs at least one letter besides them.
    if (
        not letters
        or not all(map(_is_name_character, letters))
        or not any(map(str.isalpha, letters))
    ):
        return FieldError(path, "name.invalid_characters", _NAME_INVALID)
    return name


def check_username(value: object, path: tuple[str | int, ...]) -> str | FieldError:
    """The username, trimmed, or the :class:`FieldError` at ``path`` that refuses it
    (``username.required``, ``username.invalid``, ``text.card_number``): checkout and
    sign-up apply the same rule."""
    if not isinstance(value, str) or not value.strip():
        return FieldError(path, "username.required", _USERNAME_REQUIRED)
    username = value.strip()
    if (
        not MIN_USERNAME_LENGTH <= len(username) <= MAX_USERNAME_LENGTH
        or _USERNAME.fullmatch(username) is None
    ):
        return FieldError(
            path,
            "username.invalid",
            _USERNAME_INVALID,
            {"min": MIN_USERNAME_LENGTH, "max": MAX_USERNAME_LENGTH},
        )
    return free_text_error(username, path) or username  # a card number fits the pattern


def _check_password(value: object) -> Secret | FieldError:
    """The password as typed (never trimmed nor normalised: hashing decides that), checked
    with the accounts' password policy (SEC-1: length, common passwords).

    No error ever carries any part of it, nor its length.
    """
    return check_password(value, ("account", "password"))


def _check_account(value: object, errors: list[FieldError]) -> AccountRequest | None:
    if not isinstance(value, AccountForm):
        errors.append(FieldError(("account",), "form.invalid", _FORM_INVALID))
        return None
    username = check_username(value.username, ("account", "username"))
    password = _check_password(value.password)
    if isinstance(username, FieldError):
        errors.append(username)
    if isinstance(password, FieldError):
        errors.append(password)
    if isinstance(username, FieldError) or isinstance(password, FieldError):
        return None
    return AccountRequest(username, password)


def _check_consents(value: object, errors: list[FieldError]) -> tuple[tuple[str, bool], ...]:
    path = ("optional_consents",)
    if not isinstance(value, Mapping):
        errors.append(FieldError(path, "form.invalid", _FORM_INVALID))
        return ()
    answers: list[tuple[str, bool]] = []
    malformed_purpose = False
    for purpose, answer in value.items():
        if (
            not isinstance(purpose, str)
            or len(purpose) > MAX_CONSENT_PURPOSE_LENGTH
            or _CONSENT_PURPOSE.fullmatch(purpose) is None
        ):
            # The purpose itself is malformed: it cannot be part of a path, and one
            # error at ``("optional_consents",)`` says it for all of them.
            if not malformed_purpose:
                errors.append(FieldError(path, "consent.invalid", _CONSENT_INVALID))
            malformed_purpose = True
        elif not isinstance(answer, bool):  # "false" or 0 from an untyped caller
            errors.append(FieldError((*path, purpose), "consent.invalid", _CONSENT_INVALID))
        else:
            answers.append((purpose, answer))
    return tuple(sorted(answers))


def _check_address_form(
    value: object, field: str, errors: list[FieldError]
) -> PostalAddress | None:
    """The checked address with its company (its errors, the company's last, collected)."""
    path = (field,)
    if not isinstance(value, AddressForm):
        errors.append(FieldError(path, "form.invalid", _FORM_INVALID))
        return None
    address = check_address(value, path, company=value.company)
    if isinstance(address, list):
        errors.extend(address)
        return None
    return address


def _take(result: _T | FieldError, errors: list[FieldError]) -> _T | None:
    """``result`` unless it is a :class:`FieldError`, which is collected (``None``)."""
    if isinstance(result, FieldError):
        errors.append(result)
        return None
    return result


def _phone_region(billing: object, shipping: object, default_region: str) -> str:
    """The region a national phone number is read in (CHK-1): the billing country as
    typed, else the shipping country, else the shop's ``default_region``."""
    countries = (a.country if isinstance(a, AddressForm) else None for a in (billing, shipping))
    return phone_region(*countries, default=default_region)


# ---------------------------------------------------------------------- the use of it all


def validate_checkout(form: CheckoutForm, *, default_region: str = "FR") -> ValidatedCheckout:
    """Check and normalise a checkout form, or raise one :class:`ValidationError`.

    The error lists every field error, in form order, each with a code, a path and a
    message (``error.codes`` gives ``{"billing.postcode": "address.invalid", ...}``).
    A phone typed without an international prefix is read in the billing country, else the
    shipping country, else ``default_region`` (the shop's; see
    :func:`~klickit_core.shared.phones.phone_region`).
    """
    if not isinstance(form, CheckoutForm):
        raise ValidationError([FieldError((), "form.invalid", _FORM_INVALID)])
    errors: list[FieldError] = []
    first_name = _take(_check_name(form.first_name, "first_name"), errors)
    last_name = _take(_check_name(form.last_name, "last_name"), errors)
    email = _take(check_email(form.email, ("email",)), errors)
    region = _phone_region(form.billing, form.shipping, default_region)
    phone = _take(check_phone(form.phone, ("phone",), region), errors)
    billing = _check_address_form(form.billing, "billing", errors)
    same_as_billing = form.shipping is None
    shipping = (
        billing if same_as_billing else _check_address_form(form.shipping, "shipping", errors)
    )
    account = None if form.account is None else _check_account(form.account, errors)
    if form.accept_terms is not True:
        errors.append(FieldError(("accept_terms",), "terms.required", _TERMS_REQUIRED))
    consents = _check_consents(form.optional_consents, errors)

    if (  # any ``None`` implies an error was collected
        errors
        or first_name is None
        or last_name is None
        or email is None
        or phone is None
        or billing is None
        or shipping is None
    ):
        raise ValidationError(errors)
    return ValidatedCheckout(
        contact=ContactDetails(first_name, last_name, email, phone),
        billing=billing,
        shipping=shipping,
        shipping_same_as_billing=same_as_billing,
        account=account,
        accept_terms=True,
        optional_consents=consents,
        billing_company=billing.company,
        shipping_company=shipping.company,
    )


@attrs.frozen(slots=True)
class AccountDetailsForm:
    """The "Mon compte > Détails du compte" form, as typed (CHK-3).

    ``billing`` / ``shipping`` may be ``None`` when the customer keeps no address.
    """

    first_name: str = attrs.field(repr=False)
    last_name: str = attrs.field(repr=False)
    email: str = attrs.field(repr=False)
    phone: str = attrs.field(default="", repr=False)
    billing: AddressForm | None = None
    shipping: AddressForm | None = None


@attrs.frozen(slots=True)
class ValidatedAccountDetails:
    """Account details after the same checks as checkout."""

    first_name: str = attrs.field(repr=False)
    last_name: str = attrs.field(repr=False)
    email: str = attrs.field(repr=False)
    phone: str | None = attrs.field(repr=False)
    billing: PostalAddress | None = attrs.field(repr=False)
    shipping: PostalAddress | None = attrs.field(repr=False)


def validate_account_details(
    form: AccountDetailsForm, *, default_region: str = "FR"
) -> ValidatedAccountDetails:
    """Check an account-page form with the checkout's rules; the phone is optional here
    (and read in the billing, else shipping, country, else ``default_region``).

    Raises one :class:`ValidationError` listing every field error.
    """
    if not isinstance(form, AccountDetailsForm):
        raise ValidationError([FieldError((), "form.invalid", _FORM_INVALID)])
    errors: list[FieldError] = []
    first_name = _take(_check_name(form.first_name, "first_name"), errors)
    last_name = _take(_check_name(form.last_name, "last_name"), errors)
    email = _take(check_email(form.email, ("email",)), errors)
    phone: str | None = None
    typed_phone: object = form.phone  # untyped callers may pass anything
    if not (isinstance(typed_phone, str) and not typed_phone.strip()):
        region = _phone_region(form.billing, form.shipping, default_region)
        phone = _take(check_phone(typed_phone, ("phone",), region), errors)
    billing = None if form.billing is None else _check_address_form(form.billing, "billing", errors)
    shipping = (
        None if form.shipping is None else _check_address_form(form.shipping, "shipping", errors)
    )
    if errors or first_name is None or last_name is None or email is None:
        raise ValidationError(errors)
    return ValidatedAccountDetails(
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        billing=billing,
        shipping=shipping,
    )
