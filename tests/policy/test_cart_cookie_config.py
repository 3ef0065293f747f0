"""The cart cookie's lifetime in the policy configuration (``[cart_cookie]``; CRT-3, PRV-8,
issue #19 item 7): read, refused when wrong (typed errors, every problem at once, nothing
half-read), applied to a shop, and checked against the shop's codec."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from klickit_core.bootstrap import build_shop
from klickit_core.cart.domain.cookie import CartCookieCodec, SigningKey
from klickit_core.policy import (
    CartCookieLifetime,
    InvalidPolicyConfigError,
    PolicyConfig,
    check_policy,
    policy_from_mapping,
)
from klickit_core.privacy.registry import BoundRegistry

Data = dict[str, Any]
KEY = SigningKey("k1", b"k" * 32)


def _refused(data: Data) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(InvalidPolicyConfigError) as caught:
        policy_from_mapping(data)
    return [(problem.path, problem.code) for problem in caught.value.errors]


def test_klickit_states_a_session_cookie_of_one_day(klickit_config: PolicyConfig) -> None:
    """CRT-3 (#19): « pendant que vous visitez notre site »: a session cookie, which the
    server also refuses one day after the cart's last change."""
    assert klickit_config.cart_cookie == CartCookieLifetime(timedelta(days=1), session=True)
    assert klickit_config.cart_cookie.shop_options() == {
        "cart_max_age": timedelta(days=1),
        "cart_session_cookie": True,
    }


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({"max_age": "P1D", "session": True}, CartCookieLifetime(timedelta(days=1), True)),
        ({"max_age": "p30d"}, CartCookieLifetime(timedelta(days=30), False)),
        ({"max_age": "P2W", "session": False}, CartCookieLifetime(timedelta(days=14), False)),
        ({"max_age": " PT12H ", "session": True}, CartCookieLifetime(timedelta(hours=12), True)),
    ],
)
def test_the_lifetime_is_read_in_days_weeks_or_hours(
    klickit_data: Data, table: Data, expected: CartCookieLifetime
) -> None:
    """CRT-3: ISO 8601 durations a cookie can have (whole days, weeks or hours); ``session``
    defaults to a persistent cookie."""
    klickit_data["cart_cookie"] = table
    assert policy_from_mapping(klickit_data).cart_cookie == expected


def test_without_the_table_the_configuration_states_nothing(klickit_data: Data) -> None:
    """CRT-3: ``[cart_cookie]`` is optional; the notice then prints the codec's facts alone."""
    del klickit_data["cart_cookie"]
    assert policy_from_mapping(klickit_data).cart_cookie is None


@pytest.mark.parametrize(
    ("value", "problems"),
    [
        ("P1D", [(("cart_cookie",), "policy.wrong_type")]),
        ({"session": True}, [(("cart_cookie", "max_age"), "policy.required")]),
        ({"max_age": 86_400}, [(("cart_cookie", "max_age"), "policy.wrong_type")]),
        ({"max_age": ""}, [(("cart_cookie", "max_age"), "policy.blank")]),
        ({"max_age": "P0D"}, [(("cart_cookie", "max_age"), "policy.invalid_cookie_lifetime")]),
        ({"max_age": "P1M"}, [(("cart_cookie", "max_age"), "policy.invalid_cookie_lifetime")]),
        ({"max_age": "P1Y"}, [(("cart_cookie", "max_age"), "policy.invalid_cookie_lifetime")]),
        ({"max_age": "-P1D"}, [(("cart_cookie", "max_age"), "policy.invalid_cookie_lifetime")]),
        ({"max_age": "1 day"}, [(("cart_cookie", "max_age"), "policy.invalid_cookie_lifetime")]),
        ({"max_age": "P1DT2H"}, [(("cart_cookie", "max_age"), "policy.invalid_cookie_lifetime")]),
        (
            {"max_age": "P1D", "session": "yes"},
            [(("cart_cookie", "session"), "policy.wrong_type")],
        ),
        (
            {"max_age": "P1D", "sesion": True},
            [(("cart_cookie", "sesion"), "policy.unknown_key")],
        ),
    ],
)
def test_a_bad_cart_cookie_is_a_typed_error(
    klickit_data: Data, value: object, problems: list[tuple[tuple[str, ...], str]]
) -> None:
    """CRT-3, PRV-8: every wrong ``[cart_cookie]`` is one ``FieldError`` under its path in
    one :class:`InvalidPolicyConfigError`; no configuration is returned half-read."""
    klickit_data["cart_cookie"] = value
    assert _refused(klickit_data) == problems


def test_cookie_problems_come_with_every_other_problem(klickit_data: Data) -> None:
    """PRV-8: the cookie's problems are listed with the rest of the file's, at once."""
    klickit_data["cart_cookie"] = {"max_age": "P1M", "session": 1, "path": "/"}
    klickit_data["retention"]["orders.cancelled"] = "ten days"
    assert _refused(klickit_data) == [
        (("retention", "orders.cancelled"), "retention.invalid_period"),
        (("cart_cookie", "path"), "policy.unknown_key"),
        (("cart_cookie", "session"), "policy.wrong_type"),
        (("cart_cookie", "max_age"), "policy.invalid_cookie_lifetime"),
    ]


def test_the_error_message_says_what_to_write(klickit_data: Data) -> None:
    """X-2: the message names the accepted forms, in French and English."""
    klickit_data["cart_cookie"] = {"max_age": "P6M"}
    with pytest.raises(InvalidPolicyConfigError) as caught:
        policy_from_mapping(klickit_data)
    (problem,) = caught.value.errors
    assert problem.message("en") == (
        "Give the cookie's lifetime in days, weeks or hours, more than zero: P1D, P2W or PT12H."
    )
    assert problem.message("fr") == (
        "Indiquez la durée du cookie en jours, semaines ou heures, supérieure à zéro : "
        "P1D, P2W ou PT12H."
    )


def test_a_shop_built_from_the_configuration_passes_the_check(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """CRT-3 (#19): ``build_shop(**lifetime.shop_options())`` gives the codec the file
    states; ``CartCookieLifetime.of`` reads it back; the check accepts a codec or a
    lifetime."""
    lifetime = klickit_config.cart_cookie
    assert lifetime is not None
    shop = build_shop(cart_keys=[KEY], **lifetime.shop_options())
    assert CartCookieLifetime.of(shop.cart_cookie) == lifetime
    check_policy(klickit_config, bound_registry, cart_cookie=shop.cart_cookie)
    check_policy(klickit_config, bound_registry, cart_cookie=lifetime)
    shop.close()


@pytest.mark.parametrize(
    ("codec", "paths"),
    [
        (CartCookieCodec([KEY]), [("cart_cookie", "session"), ("cart_cookie", "max_age")]),
        (
            CartCookieCodec([KEY], max_age=timedelta(days=1)),
            [("cart_cookie", "session")],
        ),
        (
            CartCookieCodec([KEY], max_age=timedelta(days=2), session_cookie=True),
            [("cart_cookie", "max_age")],
        ),
    ],
)
def test_a_codec_the_configuration_does_not_describe_is_a_mismatch(
    klickit_config: PolicyConfig,
    bound_registry: BoundRegistry[Any],
    codec: CartCookieCodec,
    paths: list[tuple[str, str]],
) -> None:
    """CRT-3, PRV-8 (#19): like a period the schedule does not apply
    (``policy.schedule_mismatch``), a cookie the codec does not set is refused, setting by
    setting (``policy.cookie_mismatch``)."""
    with pytest.raises(InvalidPolicyConfigError) as caught:
        check_policy(klickit_config, bound_registry, cart_cookie=codec)
    assert [(e.path, e.code) for e in caught.value.errors] == [
        (path, "policy.cookie_mismatch") for path in paths
    ]
