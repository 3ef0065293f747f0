"""CHK-1, PAY-1: a phone number typed nationally is read in the country of its address.

The billing country decides, else the shipping country, else the shop's default region; a
number typed in international form (``+32…``, ``0032…``) is the same number whatever the
address. What checkout stores is what the payment gateway receives.
"""

from __future__ import annotations

from typing import Any

import attrs
import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from klickit_core.adapters.gateways import SandboxGateway
from klickit_core.adapters.memory import MemoryStore
from klickit_core.cart.domain import Cart
from klickit_core.checkout import services as checkout
from klickit_core.checkout.domain import (
    AccountDetailsForm,
    AccountForm,
    AddressForm,
    CheckoutForm,
    validate_account_details,
    validate_checkout,
)
from klickit_core.payments.domain import PaymentRequest
from klickit_core.payments.fraud import FraudScreen
from klickit_core.payments.ports import GatewayResult
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import ValidationError
from klickit_core.shared.phones import check_phone, phone_region
from klickit_core.shared.sensitive import Secret
from klickit_core.testing import FixedClock, SequentialIds

from .conftest import HASHER, RULES, SHIPPING, WEBHOOK_SECRET, token, valid_form

#: A valid address in each region the properties draw from.
ADDRESSES = {
    "FR": AddressForm("FR", "1 rue Sainte-Catherine", "33000", "Bordeaux"),
    "BE": AddressForm("BE", "Rue de la Loi 16", "1000", "Bruxelles"),
    "DE": AddressForm("DE", "Invalidenstraße 117", "10115", "Berlin"),
    "CH": AddressForm("CH", "Bundesplatz 3", "3005", "Bern"),
    "LU": AddressForm("LU", "2 place Guillaume II", "1648", "Luxembourg"),
    "IT": AddressForm("IT", "Via del Corso 1", "00186", "Roma", "RM"),
    "ES": AddressForm("ES", "Calle Mayor 1", "28013", "Madrid", "M"),
    "NL": AddressForm("NL", "Dam 1", "1012 JS", "Amsterdam"),
    "GB": AddressForm("GB", "10 Downing Street", "SW1A 2AA", "London"),
    "AT": AddressForm("AT", "Stephansplatz 1", "1010", "Wien"),
    "PT": AddressForm("PT", "Praça do Comércio 1", "1100-148", "Lisboa"),
    "PL": AddressForm("PL", "ul. Marszałkowska 1", "00-624", "Warszawa"),
    "US": AddressForm("US", "1600 Amphitheatre Pkwy", "94043", "Mountain View", "CA"),
    "CA": AddressForm("CA", "111 Wellington St", "K1A 0A9", "Ottawa", "ON"),
    "RE": AddressForm("RE", "5 rue de Paris", "97400", "Saint-Denis"),
    "GP": AddressForm("GP", "1 rue Schoelcher", "97110", "Pointe-à-Pitre"),
    "MQ": AddressForm("MQ", "1 rue Victor Hugo", "97200", "Fort-de-France"),
    "YT": AddressForm("YT", "1 rue du Commerce", "97600", "Mamoudzou"),
    "MC": AddressForm("MC", "2 avenue de Monte-Carlo", "98000", "Monaco"),
    "MA": AddressForm("MA", "1 avenue Mohammed V", "10000", "Rabat"),
    "SN": AddressForm("SN", "1 avenue Léopold Sédar Senghor", "10000", "Dakar"),
    "JP": AddressForm("JP", "1-1 Chiyoda", "100-8111", "Chiyoda-ku", "Tokyo"),
    "AU": AddressForm("AU", "1 Parliament Dr", "2600", "Canberra", "ACT"),
}
#: French Southern Territories: a country with addresses but no numbering plan of its own
#: in phonenumbers, so the next country in line decides.
KERGUELEN = AddressForm("TF", "Port-aux-Français", "", "Kerguelen")
BRUSSELS = ADDRESSES["BE"]
BERLIN = ADDRESSES["DE"]


def form(billing: AddressForm, phone: str, shipping: AddressForm | None = None) -> CheckoutForm:
    return valid_form(billing=billing, shipping=shipping, phone=phone)


def phone_of(checkout_form: CheckoutForm, **kwargs: Any) -> str:
    return validate_checkout(checkout_form, **kwargs).contact.phone


# ---------------------------------------------------------------------- examples


@pytest.mark.parametrize(
    ("billing", "typed", "e164"),
    [
        (BRUSSELS, "0470 12 34 56", "+32470123456"),  # was +33470123456
        (BRUSSELS, "02 555 12 12", "+3225551212"),
        (BERLIN, "030 1234567", "+49301234567"),  # was +33301234567
        (BERLIN, "0151 23456789", "+4915123456789"),
        (ADDRESSES["CH"], "044 668 18 00", "+41446681800"),
        (ADDRESSES["US"], "(650) 253-0000", "+16502530000"),
        (ADDRESSES["FR"], "06 12 34 56 78", "+33612345678"),
    ],
)
def test_national_numbers_are_read_in_the_billing_country(
    billing: AddressForm, typed: str, e164: str
) -> None:
    """CHK-1: the billing country reads a number typed without a country code, whatever
    the shipping country (here France)."""
    assert phone_of(form(billing, typed, shipping=ADDRESSES["FR"])) == e164
    assert phone_of(form(billing, typed)) == e164  # shipped to the billing address


def test_the_shipping_country_then_the_shop_region_come_next() -> None:
    """CHK-1: a billing country without a numbering plan of its own falls back to the
    shipping country, then to the shop's default region."""
    assert phone_of(form(KERGUELEN, "0470 12 34 56", shipping=BRUSSELS)) == "+32470123456"
    assert phone_of(form(KERGUELEN, "0470 12 34 56"), default_region="BE") == "+32470123456"
    assert phone_of(form(KERGUELEN, "06 12 34 56 78")) == "+33612345678"  # the default FR
    assert phone_region("TF", "be", default="FR") == "BE"
    assert phone_region(None, 42, " de ", default="FR") == "DE"
    assert phone_region("TF", None, default="LU") == "LU"


@pytest.mark.parametrize(
    "typed", ["+32 470 12 34 56", "+32470123456", "0032 470 12 34 56", "+32 (0)470 12 34 56"]
)
def test_an_international_number_stays_as_given(typed: str) -> None:
    """CHK-1: a Belgian number in international form with a French billing address (or an
    American or Japanese one, where 00 is not how one dials abroad) stays Belgian."""
    assert phone_of(form(ADDRESSES["FR"], typed)) == "+32470123456"
    assert phone_of(form(ADDRESSES["US"], typed)) == "+32470123456"
    assert phone_of(form(ADDRESSES["JP"], typed)) == "+32470123456"
    # In Japan, 0037 also starts national service numbers: 00 is still read as +.
    assert phone_of(form(ADDRESSES["JP"], "00377 99 12 34 56")) == "+37799123456"
    assert phone_of(form(BRUSSELS, "+33 6 12 34 56 78")) == "+33612345678"


@pytest.mark.parametrize(
    ("billing", "typed"),
    [
        (BRUSSELS, "06 12 34 56 78"),  # a French mobile typed nationally: not Belgian
        (ADDRESSES["US"], "06 12 34 56 78"),
        (ADDRESSES["NL"], "0470 12 34 56"),  # a Belgian mobile typed nationally: not Dutch
        (ADDRESSES["GB"], "0470 12 34 56"),
    ],
)
def test_a_number_invalid_for_the_billing_country_is_a_field_error(
    billing: AddressForm, typed: str
) -> None:
    """CHK-1, X-9: no guessing another country: a typed ``phone.invalid`` at ``phone``,
    carrying nothing of what was typed."""
    with pytest.raises(ValidationError) as caught:
        validate_checkout(form(billing, typed))
    assert caught.value.codes == {"phone": "phone.invalid"}
    (error,) = caught.value.errors
    assert (error.path, error.params) == (("phone",), {})


def test_a_french_plan_number_is_found_from_any_of_its_regions() -> None:
    """CHK-1: metropolitan France and the overseas departments dial each other nationally
    (0 + 9 digits): either way round, the number gets its own country code."""
    assert phone_of(form(ADDRESSES["RE"], "0692 12 34 56")) == "+262692123456"
    assert phone_of(form(ADDRESSES["RE"], "06 12 34 56 78")) == "+33612345678"
    assert phone_of(form(ADDRESSES["FR"], "0690 12 34 56")) == "+590690123456"


def test_account_details_read_the_phone_in_their_address_country() -> None:
    """CHK-3: the account page follows the same rule; without any address, the shop's
    region."""
    details = AccountDetailsForm("Anna", "Peeters", "anna@example.be", "0470 12 34 56", BRUSSELS)
    assert validate_account_details(details).phone == "+32470123456"
    moved = AccountDetailsForm("Anna", "Peeters", "anna@example.be", "030 1234567", None, BERLIN)
    assert validate_account_details(moved).phone == "+49301234567"
    bare = AccountDetailsForm("Anna", "Peeters", "anna@example.be", "0470 12 34 56")
    assert validate_account_details(bare, default_region="BE").phone == "+32470123456"


# ---------------------------------------------------------------------- the property

_TYPES = (
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER,
    PhoneNumberType.PAGER,
    PhoneNumberType.UAN,
    PhoneNumberType.VOICEMAIL,
)


def _examples() -> list[tuple[str, phonenumbers.PhoneNumber]]:
    found = []
    for region in ADDRESSES:
        for kind in _TYPES:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None and phonenumbers.is_valid_number(example):
                found.append((region, example))
    return found


#: phonenumbers' example number of each type in each region (about 150 numbers).
EXAMPLES = _examples()
_REGIONS = st.sampled_from(sorted(ADDRESSES))


def _national_spellings(example: phonenumbers.PhoneNumber) -> st.SearchStrategy[str]:
    national = phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL)
    digits = "".join(c for c in national if c.isdigit())
    return st.sampled_from([national, digits, f"  {national} "])


def _international_spellings(example: phonenumbers.PhoneNumber) -> st.SearchStrategy[str]:
    e164 = phonenumbers.format_number(example, PhoneNumberFormat.E164)
    international = phonenumbers.format_number(example, PhoneNumberFormat.INTERNATIONAL)
    return st.sampled_from([e164, international, f"00{e164[1:]}", f"00{international[1:]}"])


@given(
    st.sampled_from(EXAMPLES).flatmap(
        lambda found: st.tuples(
            st.just(found),
            _national_spellings(found[1]),
            _international_spellings(found[1]),
            st.none() | _REGIONS,
            _REGIONS,
        )
    )
)
def test_a_national_number_read_in_its_country_is_its_international_form(
    drawn: tuple[tuple[str, phonenumbers.PhoneNumber], str, str, str | None, str],
) -> None:
    """CHK-1: for phonenumbers' example number of every type in many regions, typed
    nationally with a billing address in that region (whatever the shipping country), the
    number stored is the one its international form gives; and the international form
    gives that number whatever the billing country."""
    (region, example), national, international, shipping, elsewhere = drawn
    expected = check_phone(international, ("phone",), region)
    assert expected == phonenumbers.format_number(example, PhoneNumberFormat.E164)
    ship_to = None if shipping is None else ADDRESSES[shipping]
    assert phone_of(form(ADDRESSES[region], national, ship_to)) == expected
    assert phone_of(form(ADDRESSES[elsewhere], international, ship_to)) == expected


# ---------------------------------------------------------------------- end to end


class RecordingGateway(SandboxGateway):
    """The sandbox, remembering every payment request it was sent."""

    def __init__(self, clock: FixedClock) -> None:
        super().__init__(WEBHOOK_SECRET, clock)
        self.requests: list[PaymentRequest] = []

    def charge(self, request: PaymentRequest, token: str, idempotency_key: str) -> GatewayResult:
        self.requests.append(request)
        return super().charge(request, token, idempotency_key)

    def authorize(self, request: PaymentRequest, token: str, idempotency_key: str) -> GatewayResult:
        self.requests.append(request)
        return super().authorize(request, token, idempotency_key)


def place(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds, checkout_form: CheckoutForm
) -> checkout.PlacedOrder:
    """A guest's order of one mug, shipped within Europe."""
    return checkout.place_order(
        store.unit_of_work(),
        clock,
        ids,
        HASHER,
        actor=Actor.visitor(),
        form=checkout_form,
        cart=Cart.of({"MUG": 1}),
        rules=RULES,
        shipping_table=SHIPPING,
        shipping_method="colissimo-eu",
        provider_id="sandbox",
    )


@pytest.mark.parametrize(
    ("billing", "typed", "e164"),
    [(BRUSSELS, "0470 12 34 56", "+32470123456"), (BERLIN, "030 1234567", "+49301234567")],
)
def test_the_gateway_receives_the_number_of_the_billing_country(
    store: MemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    billing: AddressForm,
    typed: str,
    e164: str,
) -> None:
    """CHK-1, PAY-1: the order keeps the number in E.164 and the gateway gets exactly it."""
    gateway = RecordingGateway(clock)
    placed = place(store, clock, ids, form(billing, typed))
    assert placed.order.contact.phone == e164
    checkout.pay_order(
        store.unit_of_work(),
        clock,
        ids,
        gateway,
        FraudScreen([]),
        Actor.visitor(),
        placed.order.id,
        token(gateway),
    )
    assert [request.phone for request in gateway.requests] == [e164]


def test_the_next_checkout_shows_the_number_as_dialled_in_its_country(
    store: MemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    """CHK-3: an account's Belgian number is pre-filled as a Belgian dials it, and the
    pre-filled form validates back to the same number."""
    account = AccountForm("anna.p", Secret("correct horse battery staple"))
    with_account = attrs.evolve(form(BRUSSELS, "0470 12 34 56"), account=account)
    placed = place(store, clock, ids, with_account)
    assert placed.customer_id is not None
    anna = Actor("anna", Role.CUSTOMER, customer_id=placed.customer_id)
    prefilled = checkout.prefill_checkout(store.unit_of_work(), anna)
    assert prefilled.phone == "0470 12 34 56"
    again = attrs.evolve(prefilled, accept_terms=True)
    assert phone_of(again) == "+32470123456"
