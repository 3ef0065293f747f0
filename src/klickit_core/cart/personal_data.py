"""Saved carts as personal data (SPEC CRT-1, PRV-1 … PRV-4).

A guest's cart lives only in its cookie (« Nous utilisons des cookies pour enregistrer les
contenus du panier sur votre navigateur »): the shop stores nothing of it. A signed-in
customer's cart is also saved server-side so that it follows them across devices; that
saved cart is what :class:`CartsProvider` declares.

The policy names only the cookie, « pendant que vous visitez notre site »; the saved cart
is therefore a category of its own with its own rule, ``carts.saved`` (issue #19): 30 days
by default from the cart's **last change**, the lifetime a cart cookie has by default (a
saved cart lives as long as a cookie cart would), then deleted; a shop configures it like
any rule. The sweep deletes every saved cart unchanged past the period, and any cart left
behind by an account deleted some other way (the account's own deletion, for inactivity
or on erasure, removes its cart at once).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from klickit_core.cart.domain import SavedCart
from klickit_core.cart.ports import CartRepository
from klickit_core.personal_data import (
    CONTRACT,
    CategoryErasure,
    ClockEvent,
    DataCategory,
    DataSubject,
    ErasureOutcome,
    ExportField,
    ExportRecord,
    ExportSection,
    PersonalDataProvider,
    PersonalField,
    RetentionTerms,
    SweepBatch,
    SweepCursor,
    SweepTask,
)
from klickit_core.shared.i18n import N_
from klickit_core.shared.sweeps import SweepKey
from klickit_core.shared.unit_of_work import Transaction

__all__ = ["CARTS_CATEGORY", "CARTS_RULE", "CartsPrivacyUnitOfWork", "CartsProvider"]

#: The category of saved carts, and the retention rule that governs it (from the last change).
CARTS_CATEGORY = "carts.saved"
CARTS_RULE = "carts.saved"


class CartsPrivacyUnitOfWork(Transaction, Protocol):
    """What :class:`CartsProvider` needs from the shop's unit of work."""

    @property
    def carts(self) -> CartRepository:
        """The saved carts."""
        ...


def _record(saved: SavedCart) -> ExportRecord:
    cart = saved.cart
    lines = tuple(
        ExportRecord(
            N_("Cart line"),
            line.sku,
            (
                ExportField("sku", N_("Product"), line.sku),
                ExportField("quantity", N_("Quantity"), line.quantity),
            ),
        )
        for line in cart.lines
    )
    return ExportRecord(
        N_("Saved cart"),
        "",
        (
            ExportField("items", N_("Number of items"), sum(line.quantity for line in cart.lines)),
            ExportField("updated_at", N_("Last change on"), saved.updated_at),
        ),
        lines,
    )


class CartsProvider(PersonalDataProvider[CartsPrivacyUnitOfWork]):
    """Saved carts of signed-in customers: export, erasure, and the sweep of carts
    unchanged past their period or left without an account."""

    @property
    def name(self) -> str:
        return "carts"

    def categories(self) -> Sequence[DataCategory]:
        return (
            DataCategory(
                CARTS_CATEGORY,
                N_("Saved cart"),
                N_(
                    "The products in your cart, kept with your account so that the cart "
                    "follows you from one device to another; a cart left unchanged for the "
                    "period shown is deleted."
                ),
                (PersonalField("lines", N_("Products and quantities")),),
                CARTS_RULE,
                ClockEvent.LAST_ACTIVITY,
                CONTRACT,
            ),
        )

    def export(self, uow: CartsPrivacyUnitOfWork, subject: DataSubject) -> Sequence[ExportSection]:
        if subject.customer_id is None:
            return []
        saved = uow.carts.get_saved(subject.customer_id)
        if saved is None or saved.cart.is_empty:
            return []
        return [ExportSection(self.name, CARTS_CATEGORY, N_("Saved cart"), (_record(saved),))]

    def erase(
        self,
        uow: CartsPrivacyUnitOfWork,
        subject: DataSubject,
        *,
        now: datetime,
        retention: RetentionTerms,
        dry_run: bool,
    ) -> ErasureOutcome:
        del now, retention  # nothing here must be kept
        deleted = 0
        if subject.customer_id is not None:
            if dry_run:
                deleted = int(uow.carts.get(subject.customer_id) is not None)
            else:
                deleted = int(uow.carts.delete(subject.customer_id))
        return ErasureOutcome(self.name, (CategoryErasure(CARTS_CATEGORY, deleted=deleted),))

    def sweep_batch(
        self,
        uow: CartsPrivacyUnitOfWork,
        task: SweepTask,
        *,
        after: SweepCursor | None,
        limit: int,
        dry_run: bool,
    ) -> SweepBatch:
        page = uow.carts.sweep_due(
            task.cutoff, after=SweepKey.from_cursor(after), limit=limit, dry_run=dry_run
        )
        return page.batch(task.category_id)
