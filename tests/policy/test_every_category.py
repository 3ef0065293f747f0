"""Nothing is stored that the notice does not name (PRV-1, PRV-8; issue #19, item 8).

Two walks, neither of which lists categories by hand:

* every category of the library's bound registry has a period (its bound retention rule),
  a legal basis, and a line in the privacy notice rendered from Klickit's configuration,
  in French and in English;
* every table of the SQL schema either holds categories the registry declares, or is
  said to hold no personal data, with the reason
  (:mod:`klickit_core.adapters.sql.personal_data_map`): a new table fails here until it is
  classified.
"""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

from sqlalchemy import Column, MetaData, String, Table

from klickit_core.adapters.policy.notice_html import render_notice_html
from klickit_core.adapters.policy.notice_markdown import render_notice_markdown
from klickit_core.adapters.sql import tables
from klickit_core.adapters.sql.personal_data_map import (
    NO_PERSONAL_DATA,
    TABLE_CATEGORIES,
    misclassified_tables,
    unclassified_tables,
)
from klickit_core.cart.domain.cookie import CartCookieCodec, SigningKey
from klickit_core.payments.fraud import default_fraud_screen
from klickit_core.personal_data import CLOCK_EVENT_LABELS, RETENTION_ACTION_LABELS
from klickit_core.personal_data.legal_bases import LegalBasis
from klickit_core.policy.config import PolicyConfig
from klickit_core.policy.notice import NoticeFacts, build_notice
from klickit_core.privacy.registry import BoundRegistry
from klickit_core.privacy.retention import Period
from klickit_core.shared.i18n import translate
from klickit_core.testing.contracts.retention_boundaries import default_bound_registry

LOCALES = ("fr", "en")
#: Klickit's shop: its session cart cookie (the configuration's ``[cart_cookie]``).
FACTS = NoticeFacts.from_parts(
    CartCookieCodec([SigningKey("k1", b"k" * 32)], max_age=timedelta(days=1), session_cookie=True),
    default_fraud_screen(),
)


def _declared() -> set[str]:
    return {entry.category.id for entry in default_bound_registry().entries()}


def test_every_category_has_a_period_a_legal_basis_and_a_line_in_the_notice(
    klickit_config: PolicyConfig, bound_registry: BoundRegistry[Any]
) -> None:
    """PRV-1, PRV-8 (issue #19, must show): walk every category of the default bound
    registry; each has the period of its bound rule, a legal basis the library knows, and
    its row in the notice rendered from ``examples/policy/klickit.toml`` (label, period
    with its end, the event that starts it), in the HTML and the Markdown, in both
    languages, and it is covered by a purpose of that notice. No SQL table holding personal
    data lacks a category: see the next tests."""
    entries = bound_registry.entries()
    assert {entry.category.id for entry in entries} == _declared()  # the same categories
    assert len(entries) >= 20  # the walk really walks
    notices = {
        locale: build_notice(klickit_config, bound_registry, FACTS, locale=locale)
        for locale in LOCALES
    }
    rendered = {
        locale: (render_notice_html(notice), render_notice_markdown(notice))
        for locale, notice in notices.items()
    }
    for entry in entries:
        category = entry.category
        rule = bound_registry.rule_for(category.id)
        assert isinstance(rule.period, Period), category.id
        assert bound_registry.schedule.rule(category.retention_rule) == rule
        basis = category.legal_basis
        assert isinstance(basis, LegalBasis), category.id
        assert translate(basis.label, "fr") != basis.label, f"{category.id}: basis untranslated"
        assert klickit_config.purposes_for(category.id), f"{category.id}: no purpose"
        for locale, notice in notices.items():
            label = translate(category.label, locale)
            period = rule.period.label(locale)
            end = translate(RETENTION_ACTION_LABELS[rule.action], locale)
            starts = translate(CLOCK_EVENT_LABELS[rule.starts], locale)
            row = notice.section("retention").table().row(category.id)
            assert row.cells == (label, f"{period}, {end}", starts), (category.id, locale)
            purposes = notice.section("purposes").text()
            assert label in purposes, (category.id, locale)
            page, markdown = rendered[locale]
            assert f'data-key="{category.id}"' in page, (category.id, locale)
            assert label in html.unescape(page), (category.id, locale)
            assert label in markdown, (category.id, locale)


def test_every_sql_table_is_classified() -> None:
    """PRV-1, PRV-8 (issue #19, must show): every table of the schema either holds
    declared categories or is said to hold no personal data, never both; a table with a
    column that holds personal data elsewhere (an email, an IP address, an account id…)
    cannot be said to hold none; every category id of the map is declared, and every
    declared category is stored in some table."""
    assert unclassified_tables(tables.metadata) == []
    assert misclassified_tables(tables.metadata) == []
    assert set(TABLE_CATEGORIES) | set(NO_PERSONAL_DATA) == set(tables.metadata.tables)
    mapped = set().union(*TABLE_CATEGORIES.values())
    declared = _declared()
    assert sorted(mapped - declared) == [], "the map names categories nobody declares"
    assert sorted(declared - mapped) == [], "declared categories stored in no table"
    assert all(reason.strip() for reason in NO_PERSONAL_DATA.values())


def test_a_new_table_fails_until_it_is_classified() -> None:
    """PRV-8 (issue #19): the check is not vacuous: a table added to the schema without an
    entry in the map is named; one said to hold no personal data while it has an email
    column is named too."""
    schema = MetaData()
    for table in tables.metadata.tables.values():
        table.to_metadata(schema)
    Table("newsletter_subscribers", schema, Column("email", String(254), primary_key=True))
    assert unclassified_tables(schema) == ["newsletter_subscribers"]

    schema.remove(schema.tables["products"])
    Table(
        "products",
        schema,
        Column("sku", String(32), primary_key=True),
        Column("ip_address", String(45)),
    )
    assert misclassified_tables(schema) == ["products"]
