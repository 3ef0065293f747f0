"""PRV-7, PRV-8, PRV-1 (decision 0015): one retention period, changed in the policy
configuration alone, changes the notice, the record of processing, the export's table and
what the sweep deletes, together. No other place holds the figure."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from klickit_core.adapters.policy import render_notice_markdown, render_register_html
from klickit_core.bootstrap import Shop, build_shop
from klickit_core.cart.domain import Cart
from klickit_core.catalogue.domain import Product
from klickit_core.checkout.domain import AddressForm, CheckoutForm
from klickit_core.policy import PolicyConfig, policy_from_mapping
from klickit_core.policy.notice import build_notice, notice_facts
from klickit_core.policy.register import build_register
from klickit_core.privacy.settings import PrivacySettings
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.money import Money
from klickit_core.testing import FixedClock

KLICKIT = Path(__file__).resolve().parents[2] / "examples" / "policy" / "klickit.toml"
PLACED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ADMIN = Actor("admin-1", Role.ADMINISTRATOR)
EMAIL = "alice@example.fr"
#: Swept 15 days after the cancellation: past ten days, within twenty.
SWEPT = PLACED + timedelta(days=15)


def _config(cancelled: str) -> PolicyConfig:
    data: dict[str, Any] = tomllib.loads(KLICKIT.read_text(encoding="utf-8"))
    data["retention"]["orders.cancelled"] = cancelled
    return policy_from_mapping(data)


def _shop(config: PolicyConfig) -> Shop:
    assert config.cart_cookie is not None  # Klickit's states its cart cookie
    shop = build_shop(
        "memory://",
        clock=FixedClock(PLACED),
        privacy=PrivacySettings(schedule=config.schedule()),
        **config.cart_cookie.shop_options(),
    )
    with shop.unit_of_work() as uow:
        uow.products.add(Product("MUG", "Mug", Money.of("14.90", "EUR"), stock=5))
        uow.commit()
    return shop


def _cancelled_order(shop: Shop) -> str:
    form = CheckoutForm(
        first_name="Alice",
        last_name="Martin",
        email=EMAIL,
        phone="06 12 34 56 78",
        billing=AddressForm(
            country="FR", street="1 rue Sainte-Catherine", postcode="33000", city="Bordeaux"
        ),
        accept_terms=True,
    )
    placed = shop.checkout.place_order(
        Actor.visitor(), form, Cart().add("MUG", 1, None), "colissimo-fr"
    )
    shop.orders.cancel(ADMIN, placed.order.id)
    return placed.order.id


def _row(markdown: str, label: str) -> str:
    rows = [line for line in markdown.splitlines() if line.startswith(f"| {label} |")]
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.parametrize(("period", "days", "deleted"), [("P10D", 10, 1), ("P20D", 20, 0)])
def test_one_period_in_the_configuration_moves_notice_register_export_and_sweep(
    period: str, days: int, deleted: int
) -> None:
    config = _config(period)
    shop = _shop(config)
    registry = shop.privacy_registry()
    assert registry.rule_for("orders.cancelled").period.label("en") == f"{days} days"

    notice = build_notice(config, registry, notice_facts(shop), locale="en")
    row = _row(render_notice_markdown(notice), "Cancelled orders")
    assert f"{days} days" in row
    assert f"{30 - days} days" not in row

    register = render_register_html(build_register(config, registry, locale="en"))
    assert f"{days} days" in register
    assert "10 days" in register  # orders.failed stays at ten days in both configurations

    order_id = _cancelled_order(shop)
    export = json.loads(shop.privacy.export(ADMIN, EMAIL, locale="en").json)
    (table,) = [c for c in export["categories"] if c["id"] == "orders.cancelled"]
    assert table["retention"]["period"] == period
    assert table["retention"]["period_label"] == f"{days} days"
    assert table["records"] == 1

    report = shop.privacy.sweep(Actor.system("retention-sweep"), now=SWEPT)
    assert report.category("orders.cancelled").tally.deleted == deleted
    with shop.unit_of_work() as uow:
        assert (uow.orders.get(order_id) is None) is bool(deleted)


def test_a_notice_from_a_configuration_the_shop_does_not_apply_is_refused() -> None:
    """The notice may not print a period the sweep does not enforce."""
    from klickit_core.policy import InvalidPolicyConfigError

    shop = _shop(_config("P10D"))
    with pytest.raises(InvalidPolicyConfigError) as caught:
        build_notice(_config("P20D"), shop.privacy_registry(), notice_facts(shop), locale="fr")
    assert any(e.code == "policy.schedule_mismatch" for e in caught.value.errors)
