"""The one converter (decision 0014): every public value type goes to JSON and back, and
reading bad data is a typed error (X-1, X-3, X-7, X-9)."""

from __future__ import annotations

import json
import typing
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klickit_core.accounts.login import LOGIN_REFUSED
from klickit_core.cart.domain import Cart, CartLine
from klickit_core.catalogue.domain import Product
from klickit_core.orders.domain import Order, OrderStatus
from klickit_core.payments.domain import Payment
from klickit_core.privacy.bundle import ExportBundle
from klickit_core.privacy.ledger import read_ledger_lines, write_ledger_lines
from klickit_core.privacy.records import ErasureLedgerEntry
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.clock import NaiveDatetimeError
from klickit_core.shared.errors import FieldError, NotFoundError, ValidationError
from klickit_core.shared.locales import UnsupportedLocaleError
from klickit_core.shared.money import Money
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.serialisation import (
    InvalidDataError,
    SecretNotSerialisableError,
    converter,
    from_json,
    structure,
    to_json,
    unstructure,
)
from klickit_core.shared.vat import VatClass
from klickit_core.testing import strategies as kst

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
HASH = "ab" * 32


# ---------------------------------------------------------------------------- every type
def _strategies() -> dict[str, tuple[st.SearchStrategy[Any], object | None]]:
    """Every public strategy of ``klickit_core.testing``, with the type it yields: read
    from the function's return annotation, or (``None``) from what it draws."""
    found: dict[str, tuple[st.SearchStrategy[Any], object | None]] = {}
    for name in kst.__all__:
        value = getattr(kst, name)
        if isinstance(value, st.SearchStrategy):
            found[name] = (value, None)
        elif callable(value):
            returned = typing.get_type_hints(value)["return"]
            assert typing.get_origin(returned) is st.SearchStrategy, name
            (yielded,) = typing.get_args(returned)
            found[name] = (value(), yielded)
    return found


STRATEGIES = _strategies()

#: Strategies whose values the converter refuses to write, on purpose.
REFUSED: dict[str, type[Exception]] = {"passwords": SecretNotSerialisableError}


def test_the_strategies_cover_the_public_value_types() -> None:
    """X-7: the round trip below walks every strategy, and they yield the known types."""
    types = {yielded for _, yielded in STRATEGIES.values()}
    assert len(STRATEGIES) >= 45
    assert {Money, Cart, CartLine, Product, Order, Payment, Actor, ExportBundle} <= types
    assert {datetime, Secret, dict[str, Product]} <= types
    assert set(REFUSED) <= set(STRATEGIES)


@pytest.mark.parametrize("name", sorted(STRATEGIES))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_structuring_what_was_unstructured_through_json_gives_the_value_back(
    name: str, data: st.DataObject
) -> None:
    """X-7: for every strategy's values, structure(json(unstructure(v)), T) == v."""
    strategy, yielded = STRATEGIES[name]
    value = data.draw(strategy)
    if name in REFUSED:
        with pytest.raises(REFUSED[name]):
            unstructure(value)
        return
    cls: Any = type(value) if yielded is None else yielded
    text = json.dumps(unstructure(value))
    assert structure(json.loads(text), cls) == value
    assert from_json(to_json(value), cls) == value


# ---------------------------------------------------------------------------- hooks
def test_money_is_an_exact_amount_and_its_currency_as_text() -> None:
    """X-1: amounts travel as text, digits kept; floats are refused on the way in."""
    assert unstructure(Money.of("12.30", "EUR")) == {"amount": "12.30", "currency": "EUR"}
    assert unstructure(Money.of("1E+3", "JPY")) == {"amount": "1000", "currency": "JPY"}
    back = structure({"amount": "0.125", "currency": "BHD"}, Money)
    assert back == Money.of("0.125", "BHD")
    assert str(back.amount) == "0.125"
    with pytest.raises(InvalidDataError) as floated:
        structure({"amount": 12.3, "currency": "EUR"}, Money)
    assert floated.value.codes == {"": "serialisation.wrong_type"}
    with pytest.raises(InvalidDataError) as unknown:
        structure({"amount": "1", "currency": "XYZ"}, Money)
    assert unknown.value.codes == {"": "money.unknown_currency"}


def test_decimals_are_text_and_only_finite_numbers_are_read() -> None:
    """X-1: Decimal as plain text; NaN, floats and Python-only spellings refused."""
    assert unstructure(Decimal("0.10")) == "0.10"
    assert unstructure(Decimal("2E+2")) == "200"
    assert structure("-3.50", Decimal) == Decimal("-3.50")
    assert structure(7, Decimal) == Decimal(7)
    for bad in ("NaN", "Infinity", "1_000", "", 0.1, True, None):
        with pytest.raises(InvalidDataError) as refused:
            structure(bad, Decimal)
        assert refused.value.codes == {"": "serialisation.wrong_type"}


def test_datetimes_carry_their_offset_and_naive_ones_are_refused() -> None:
    """X-3: ISO 8601 with the offset; a datetime without one is refused both ways."""
    paris = timezone(timedelta(hours=1))
    assert unstructure(NOW) == "2026-11-24T09:00:00+00:00"
    assert unstructure(NOW.astimezone(paris)) == "2026-11-24T10:00:00+01:00"
    assert structure("2026-11-24T10:00:00+01:00", datetime) == NOW
    assert structure("2026-11-24T10:00:00+01:00", datetime).utcoffset() == timedelta(hours=1)
    with pytest.raises(InvalidDataError) as naive:
        structure("2026-11-24T09:00:00", datetime)
    assert naive.value.codes == {"": "time.naive_datetime"}
    with pytest.raises(InvalidDataError) as nested:
        structure(
            {"id": "e1", "erased_at": "2026-11-24T09:00:00", "key_id": "k", "email_hash": HASH},
            ErasureLedgerEntry,
        )
    assert nested.value.codes == {"erased_at": "time.naive_datetime"}
    with pytest.raises(NaiveDatetimeError):
        unstructure(datetime(2026, 11, 24, 9, 0))  # noqa: DTZ001 - the point of the test
    assert unstructure(date(2026, 12, 24)) == "2026-12-24"


def test_durations_are_iso_8601_seconds() -> None:
    """Durations (settings' windows) in exact seconds."""
    assert unstructure(timedelta(minutes=15)) == "PT900S"
    assert unstructure(timedelta(seconds=-1, microseconds=500_000)) == "-PT0.5S"
    assert structure("PT86400.000001S", timedelta) == timedelta(days=1, microseconds=1)
    for bad in ("P1D", "15 minutes", 900):
        with pytest.raises(InvalidDataError):
            structure(bad, timedelta)


def test_enums_are_their_value_and_unknown_values_are_refused() -> None:
    """X-9: an enum by value; a value it does not have is a typed error."""
    assert unstructure(Role.SHOP_MANAGER) == "shop_manager"
    assert unstructure(VatClass.REDUCED) == VatClass.REDUCED.value
    assert structure("on_hold", OrderStatus) is OrderStatus.ON_HOLD
    with pytest.raises(InvalidDataError) as refused:
        structure({"id": "a1", "role": "owner"}, Actor)
    assert refused.value.codes == {"role": "serialisation.wrong_type"}


def test_identifiers_and_text_are_read_strictly() -> None:
    """X-9: ids are plain text; null or a number is not an id (no ``"None"`` invented)."""
    assert structure({"id": "a1", "role": "visitor"}, Actor) == Actor("a1", Role.VISITOR)
    with pytest.raises(InvalidDataError) as refused:
        structure({"id": None, "role": "visitor", "customer_id": 42}, Actor)
    assert refused.value.codes == {
        "id": "serialisation.wrong_type",
        "customer_id": "serialisation.wrong_type",
    }
    with pytest.raises(InvalidDataError) as boolean:
        structure({"sku": "MUG", "quantity": True}, CartLine)
    assert boolean.value.codes == {"quantity": "serialisation.wrong_type"}


def test_a_secret_is_never_written_nor_read() -> None:
    """SEC: a password has no JSON form; neither clear nor masked text is produced."""
    with pytest.raises(SecretNotSerialisableError):
        unstructure(Secret("correct horse battery staple"))
    with pytest.raises(SecretNotSerialisableError):
        to_json({"password": Secret("correct horse battery staple")})
    with pytest.raises(InvalidDataError) as refused:
        structure("correct horse battery staple", Secret)
    assert refused.value.codes == {"": "serialisation.secret"}


def test_errors_and_notices_are_code_and_message_in_the_locale_asked() -> None:
    """X-2, X-9: the payload APIs and the CLI print."""
    error = ValidationError([FieldError(("billing", "postcode"), "postcode.invalid", "Bad.")])
    assert unstructure(error, locale="fr") == {
        "code": "klickit.validation",
        "message": error.message("fr"),
        "details": {"count": 1},
        "errors": [{"field": "billing.postcode", "code": "postcode.invalid", "message": "Bad."}],
    }
    assert unstructure(NotFoundError(sku="MUG")) == {
        "code": "klickit.not_found",
        "message": "The requested item was not found.",
        "details": {"sku": "MUG"},
    }
    assert unstructure(LOGIN_REFUSED, locale="fr-FR") == {
        "code": "accounts.login_refused",
        "message": LOGIN_REFUSED.message("fr"),
    }
    with pytest.raises(UnsupportedLocaleError):
        unstructure(LOGIN_REFUSED, locale="de")


# ---------------------------------------------------------------------------- bad data
def test_bad_data_names_every_bad_field_by_its_path() -> None:
    """X-9: missing, unexpected and mistyped fields, all at once, nested paths included."""
    with pytest.raises(InvalidDataError) as refused:
        structure({"lines": [{"sku": "MUG", "quantity": "2"}, {"sku": "TEA"}], "x": 1}, Cart)
    error = refused.value
    assert error.code == "serialisation.invalid_data"
    assert error.codes == {
        "x": "serialisation.unexpected",
        "lines.0.quantity": "serialisation.wrong_type",
        "lines.1.quantity": "serialisation.missing",
    }
    assert unstructure(error)["details"] == {"count": 3}
    assert error.message("fr") != error.message("en")
    with pytest.raises(InvalidDataError) as not_json:
        from_json("{not json", Cart)
    assert not_json.value.codes == {"": "serialisation.not_json"}


def test_a_refusal_never_quotes_the_data() -> None:
    """X-9: personal data read from a request never reaches the error."""
    with pytest.raises(InvalidDataError) as refused:
        structure({"id": "ana@example.fr", "role": "ana@example.fr"}, Actor)
    shown = str(refused.value) + repr(refused.value) + to_json(refused.value, locale="fr")
    assert "ana@" not in shown


# ---------------------------------------------------------------------------- files
#: A ledger file as the hand-written serialiser wrote it before the converter (PRV-6).
OLD_LEDGER = (
    '{"format": "klickit.erasure-ledger", "version": 1}\n'
    f'{{"customer_hash": null, "email_hash": "{HASH}", '
    '"erased_at": "2026-11-24T09:00:00+00:00", "id": "e1", "key_id": "0123456789abcdef", '
    '"reference": "req-1"}\n'
)


def test_the_erasure_ledger_file_keeps_its_format() -> None:
    """PRV-6: a ledger file written before the converter reads back, and is written the
    same, byte for byte."""
    (entry,) = read_ledger_lines(OLD_LEDGER.splitlines(keepends=True))
    assert entry == ErasureLedgerEntry("e1", NOW, "0123456789abcdef", HASH, None, "req-1")
    assert "".join(write_ledger_lines([entry])) == OLD_LEDGER


def test_apps_register_their_own_types_on_the_one_converter() -> None:
    """Decision 0014: the module-level converter is the one the helpers use."""
    hooks: list[Callable[..., Any]] = [converter.get_unstructure_hook(Money)]
    assert hooks[0](Money.of("1", "EUR")) == {"amount": "1", "currency": "EUR"}
