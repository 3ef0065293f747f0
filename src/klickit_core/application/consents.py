"""Consents as an app uses them: what holds now, and withdrawing (SPEC CHK-2, PRV-5, X-6).

A customer acts on the consents of their account's email, found from the account; staff
name the email, and their reads are written to the access log. The implementation is
:mod:`klickit_core.consents.services`.
"""

from __future__ import annotations

import attrs

from klickit_core.application.parts import ShopParts
from klickit_core.consents import services
from klickit_core.consents.domain import ConsentRecord
from klickit_core.shared.actors import Actor

__all__ = ["ConsentService"]


@attrs.frozen
class ConsentService:
    """``shop.consents``: a person's consents, read and withdrawn."""

    _parts: ShopParts

    def current(self, actor: Actor, email: str | None = None) -> dict[str, ConsentRecord]:
        """The latest record of each purpose, what holds now: a customer's own (``email``,
        if given, must be their account's), or for staff those of ``email`` (one
        access-log entry per record read).

        Raises:
            PermissionDeniedError: ``actor`` may not read these consents (said before
                anything is read, so the answer tells nothing about the address).
            ValidationError: ``email`` is malformed, or missing for staff (at ``email``).
        """
        parts = self._parts
        return services.current_consents(parts.unit_of_work(), parts.clock, parts.ids, actor, email)

    def withdraw(
        self, actor: Actor, email: str | None, purpose: str, *, channel: str = "account"
    ) -> ConsentRecord:
        """Withdraw a consent to ``purpose`` (PRV-5): a withdrawal is appended to the
        ledger, the proof of the consent stays. A customer withdraws their account's
        (``email`` ``None`` or the account's); administrators those of ``email`` on the
        person's behalf. ``channel`` is where the person asked (``"account"``,
        ``"contact_form"``).

        Raises:
            NoConsentInForceError: no consent to ``purpose`` is in force.
            PermissionDeniedError: ``actor`` may not act on these consents.
            ValidationError: ``email`` or ``channel`` is malformed.
        """
        parts = self._parts
        return services.withdraw_consent(
            parts.unit_of_work(), parts.clock, parts.ids, actor, email, purpose, channel=channel
        )
