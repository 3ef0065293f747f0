"""Klickit's own configuration reproduces the figures of its published policy (PRV-8,
CRT-3; issue #19, must show).

The published text (``klickit-privacy-policy.fr.txt``) gives four figures. Each is quoted
here and checked where it takes effect: in ``examples/policy/klickit.toml``, in the shop
built from it (the schedule the sweep runs on, the cart cookie codec) and in the notice it
renders, in French.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from klickit_core.bootstrap import build_shop
from klickit_core.cart.domain import Cart
from klickit_core.personal_data import ClockEvent, RetentionAction
from klickit_core.policy.config import PolicyConfig
from klickit_core.policy.notice import build_notice, notice_facts
from klickit_core.privacy.registry import BoundRegistry
from klickit_core.privacy.retention import Period
from klickit_core.privacy.settings import PrivacySettings

#: « Par exemple, nous stockons les informations de commande pendant 10 ans (obligation
#: légale en vigueur) pour le calcul du chiffre d'affaires et la comptabilité. Ceci inclut
#: votre nom, e-mail et adresses de facturation et livraison. »
ORDERS = ("orders.completed", Period.years(10))
ORDER_FIELDS = {"name", "email", "billing_address", "shipping_address"}
#: « Mais seulement 10 jours, pour les opérations qui ont été annulées pour diverses
#: raisons. » (cancelled by the shop or the customer, or failed at payment)
CANCELLED = (("orders.cancelled", "orders.failed"), Period.days(10))
#: « Nous utilisons des cookies pour enregistrer les contenus du panier sur votre navigateur
#: pendant que vous visitez notre site. »
VISIT_ONLY = "jusqu’à la fermeture de votre navigateur"
#: « La CNIL en sera informée dans les 72h et nous vous informerons si la faille est
#: susceptible d'engendrer un risque élevé pour vos droits et libertés. »
BREACH = "72 heures"


def test_klickit_configuration_reproduces_the_published_figures(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """PRV-8, CRT-3 (issue #19): orders ten years, cancelled operations ten days, the cart
    cookie for the visit only (a session cookie), the CNIL told of a breach within 72
    hours: stated by the configuration, applied by the shop built from it, printed by its
    notice."""
    # Orders: ten years from completion, the name, email and both addresses among them.
    rule_id, period = ORDERS
    assert klickit_config.retention[rule_id] == period
    assert bound_registry.schedule.rule(rule_id).period == period
    assert bound_registry.schedule.rule(rule_id).starts is ClockEvent.COMPLETION
    fields = {field.key for field in bound_registry.category(rule_id).fields}
    assert fields >= ORDER_FIELDS
    # Cancelled operations: ten days, then deleted.
    rule_ids, period = CANCELLED
    for rule_id in rule_ids:
        assert klickit_config.retention[rule_id] == period
        rule = bound_registry.schedule.rule(rule_id)
        assert (rule.period, rule.action) == (period, RetentionAction.DELETE)
    # The cart cookie: for the visit only, bounded by the server a day after the change.
    lifetime = klickit_config.cart_cookie
    assert lifetime is not None
    assert lifetime.session is True
    assert lifetime.max_age <= timedelta(days=1)
    shop = build_shop(
        privacy=PrivacySettings(schedule=klickit_config.schedule()), **lifetime.shop_options()
    )
    cookie = shop.cart.cookie(Cart.of({"MUG": 1}))
    assert cookie.max_age is None
    assert "Max-Age" not in cookie.header()
    assert "Expires" not in cookie.header()
    assert shop.privacy_registry().schedule == bound_registry.schedule
    # The notice says all of it, in the published text's language.
    notice = build_notice(klickit_config, bound_registry, notice_facts(shop), locale="fr")
    retention = notice.section("retention").table()
    ten_years, ten_days = Period.years(10).label("fr"), Period.days(10).label("fr")
    assert ten_years.startswith("10")
    assert ten_years.endswith("ans")
    assert ten_days.startswith("10")
    assert ten_days.endswith("jours")
    assert retention.row("orders.completed").cells[1].startswith(f"{ten_years}, ")
    assert retention.row("orders.cancelled").cells[1].startswith(f"{ten_days}, ")
    assert retention.row("orders.failed").cells[1].startswith(f"{ten_days}, ")
    assert VISIT_ONLY in notice.section("cookies").facts().value("lifetime")
    assert BREACH in notice.section("security").text()
    shop.close()
