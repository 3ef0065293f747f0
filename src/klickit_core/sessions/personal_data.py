"""Visitor sessions as personal data (SPEC SES-1, PRV-1 … PRV-4).

The policy: « Pendant votre visite du site, nous stockons en session : les produits que
vous avez vu […] ; votre localisation, adresse IP et type de navigateur […] ; votre
adresse de livraison ». :class:`SessionsProvider` declares that, exports the sessions
signed in as the person's account, deletes them on erasure, and sweeps every session
idle past the ``sessions.visitor`` rule (SES-1: sessions expire, and expired ones are
swept), counted from its *last activity*, not its start.

A guest's session names nobody (no email, no account), so only sessions signed in as the
subject's account can be found and exported; guest sessions go with the sweep. A signed-in
session stores the customer account it is signed in as: the category declares that link
(``customer_account``, issue #19), and it goes with the session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from klickit_core.personal_data import (
    LEGITIMATE_INTEREST,
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
    RetentionTerms,
    Shown,
    SweepBatch,
    SweepCursor,
    SweepTask,
    account_shown,
    address_shown,
    place_shown,
)
from klickit_core.sessions.domain import VisitorSession
from klickit_core.sessions.ports import SessionRepository
from klickit_core.shared.export_values import address_text
from klickit_core.shared.i18n import N_
from klickit_core.shared.sweeps import SweepKey
from klickit_core.shared.unit_of_work import Transaction

__all__ = [
    "SESSIONS_CATEGORY",
    "SESSIONS_RULE",
    "SessionsPrivacyUnitOfWork",
    "SessionsProvider",
]

#: The category of visitor sessions, and the retention rule that governs it.
SESSIONS_CATEGORY = "sessions.visitor"
SESSIONS_RULE = "sessions.visitor"


class SessionsPrivacyUnitOfWork(Transaction, Protocol):
    """What :class:`SessionsProvider` needs from the shop's unit of work."""

    @property
    def sessions(self) -> SessionRepository:
        """The visitor sessions."""
        ...


def _location(session: VisitorSession) -> str | None:
    place = session.location
    if place is None:
        return None
    parts = [part for part in (place.city, place.region, place.country) if part]
    return ", ".join(parts) or None


def _reference(moment: datetime) -> str:
    # Never the session id: it may be the cookie that signs a browser in.
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _location_shown(session: VisitorSession) -> tuple[Shown, ...] | None:
    place = session.location
    if place is None:
        return None
    return place_shown(place.city, place.region, country=place.country)


def _record(session: VisitorSession) -> ExportRecord:
    return ExportRecord(
        N_("Visit"),
        _reference(session.started_at),
        (
            ExportField("started_at", N_("Started at"), session.started_at),
            ExportField(
                "customer_account",
                N_("Customer account"),
                session.customer_id,
                FieldKind.IDENTIFIER,
                shown=account_shown(session.customer_id),
            ),
            ExportField("last_activity_at", N_("Last activity"), session.last_activity_at),
            ExportField("ip_address", N_("IP address"), session.ip_address, FieldKind.IP_ADDRESS),
            ExportField("browser", N_("Browser"), session.browser),
            ExportField(
                "location", N_("Location"), _location(session), shown=_location_shown(session)
            ),
            ExportField(
                "shipping_address",
                N_("Shipping address for an estimate"),
                address_text(session.shipping_address),
                FieldKind.ADDRESS,
                shown=address_shown(session.shipping_address),
            ),
            ExportField(
                "recently_viewed",
                N_("Recently viewed products"),
                ", ".join(session.recently_viewed) or None,
            ),
        ),
        shown=(Shown.time(session.started_at),),
    )


class SessionsProvider(PersonalDataProvider[SessionsPrivacyUnitOfWork]):
    """Visitor sessions: export, erasure and the idle-session sweep (SES-1)."""

    @property
    def name(self) -> str:
        return "sessions"

    def categories(self) -> Sequence[DataCategory]:
        return (
            DataCategory(
                SESSIONS_CATEGORY,
                N_("Visits to the shop"),
                N_(
                    "What the shop remembers during a visit: the products you viewed, your "
                    "location, IP address and browser type (so you need not type your "
                    "address again), the address typed for a shipping estimate, and your "
                    "customer account while you are signed in."
                ),
                (
                    PersonalField("recently_viewed", N_("Recently viewed products")),
                    PersonalField("location", N_("Location")),
                    PersonalField("ip_address", N_("IP address")),
                    PersonalField("browser", N_("Browser")),
                    PersonalField("shipping_address", N_("Shipping address for an estimate")),
                    PersonalField("customer_account", N_("Customer account")),
                ),
                SESSIONS_RULE,
                ClockEvent.LAST_ACTIVITY,
                LEGITIMATE_INTEREST,
            ),
        )

    def export(
        self, uow: SessionsPrivacyUnitOfWork, subject: DataSubject
    ) -> Sequence[ExportSection]:
        if subject.customer_id is None:
            return []
        found = uow.sessions.for_customer(subject.customer_id)
        if not found:
            return []
        records = tuple(_record(session) for session in found)
        return [ExportSection(self.name, SESSIONS_CATEGORY, N_("Visits to the shop"), records)]

    def erase(
        self,
        uow: SessionsPrivacyUnitOfWork,
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
                deleted = len(uow.sessions.for_customer(subject.customer_id))
            else:
                deleted = uow.sessions.delete_for_customer(subject.customer_id)
        return ErasureOutcome(self.name, (CategoryErasure(SESSIONS_CATEGORY, deleted=deleted),))

    def sweep_batch(
        self,
        uow: SessionsPrivacyUnitOfWork,
        task: SweepTask,
        *,
        after: SweepCursor | None,
        limit: int,
        dry_run: bool,
    ) -> SweepBatch:
        page = uow.sessions.sweep_idle(
            task.cutoff, after=SweepKey.from_cursor(after), limit=limit, dry_run=dry_run
        )
        return page.batch(task.category_id)
