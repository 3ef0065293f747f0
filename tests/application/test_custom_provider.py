"""PRV-3, PRV-7 (issue 14 item 4): an app registers its own personal-data provider on the
registry it gives ``build_shop``, and ``shop.privacy`` exports what the provider holds,
next to the library's own sections."""

from __future__ import annotations

import json
from typing import Any

from klickit_core import Actor, PrivacySettings, Role, build_shop
from klickit_core.bootstrap import ShopUnitOfWork, default_privacy_registry
from klickit_core.personal_data import (
    CONSENT,
    CategoryErasure,
    ClockEvent,
    DataCategory,
    DataSubject,
    ErasureOutcome,
    ExportField,
    ExportRecord,
    ExportSection,
    FieldKind,
    PersonalDataProvider,
    PersonalField,
    RetentionAction,
    SweepBatch,
)
from klickit_core.privacy.retention import Period, RetentionRule, RetentionSchedule

NEWSLETTER = {"ana@example.fr": "2026-01-05"}
RULE = RetentionRule(
    "newsletter.unsubscribed", Period.years(3), ClockEvent.WITHDRAWAL,
    RetentionAction.DELETE, "Newsletter subscriptions, once withdrawn",
    "CNIL: three years after the last contact",
)  # fmt: skip


class NewsletterProvider(PersonalDataProvider[ShopUnitOfWork]):
    """The app's newsletter list (held outside the shop's store, here a dict)."""

    name = "newsletter"

    def categories(self) -> list[DataCategory]:
        return [
            DataCategory(
                "newsletter.subscriptions", "Newsletter", "Your newsletter subscription",
                (PersonalField("email", "Email"),), "newsletter.unsubscribed",
                ClockEvent.WITHDRAWAL, CONSENT,
            )
        ]  # fmt: skip

    def export(self, uow: ShopUnitOfWork, subject: DataSubject) -> list[ExportSection]:
        since = NEWSLETTER.get(subject.email or "")
        records = () if since is None else (
            ExportRecord("Subscription", "s-1", (
                ExportField("email", "Email", subject.email, FieldKind.EMAIL),
                ExportField("since", "Subscribed since", since),
            )),
        )  # fmt: skip
        return [ExportSection(self.name, "newsletter.subscriptions", "Newsletter", records)]

    def erase(self, uow: ShopUnitOfWork, subject: DataSubject, **_: Any) -> ErasureOutcome:
        return ErasureOutcome(self.name, (CategoryErasure("newsletter.subscriptions"),))

    def sweep_batch(self, uow: ShopUnitOfWork, task: Any, **_: Any) -> SweepBatch:
        return SweepBatch(task.category_id, 0)


def test_the_shops_privacy_service_exports_an_apps_own_provider() -> None:
    """PRV-3: the operator export holds the app's section, with the subscription."""
    registry = default_privacy_registry()
    registry.register(NewsletterProvider())
    privacy = PrivacySettings(schedule=RetentionSchedule.defaults().with_rules(RULE))
    shop = build_shop(privacy_registry=registry, privacy=privacy)
    assert "newsletter" in [p.name for p in shop.privacy_registry().providers]
    exported = shop.privacy.export(Actor("admin-1", Role.ADMINISTRATOR), "ana@example.fr")
    document = json.loads(exported.json)
    sections = {s["category"]: s for s in document["sections"]}
    (record,) = sections["newsletter.subscriptions"]["records"]
    assert (record["reference"], record["fields"][0]["value"]) == ("s-1", "ana@example.fr")


def test_without_a_registry_the_shop_uses_the_librarys_own() -> None:
    """The default registry: the library's providers, no app's."""
    names = [p.name for p in build_shop().privacy_registry().providers]
    assert "newsletter" not in names
    assert names == [p.name for p in default_privacy_registry().providers]
