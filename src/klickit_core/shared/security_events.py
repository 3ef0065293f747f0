"""Security events (SPEC SEC-2, SEC-3, BRE-1): what the incident rules will watch.

The policy: « Dans le cas d'une attaque ou d'utilisation anormale du site, nous sommes
automatiquement avertis par e-mail ». The anomaly rules that send those mails (failed-login
bursts, mass exports, staff logins from a new place) need a record of what happened; this
module is that record and its port. Contexts add events; the incidents work reads them.

What an event holds, on purpose: a kind, a time, and ids (the customer concerned, the staff
member who acted), plus the client's network address where the event is about one (a
lockout by address, say). No email, no name, no identifier as typed: a login attempt on an
address that has no account must not write that address down. The network address is
personal data under the GDPR; it is kept because detecting an attack needs it, and the
retention schedule (PRV-1) bounds it like the login attempts it comes from. For IPv6 it is
the /64 network, which is what the login limits count (see ``accounts.login``).
"""

from __future__ import annotations

import abc
import enum
import re
from datetime import datetime

import attrs

from klickit_core.shared.sweeps import SweepKey, SweepPage

__all__ = ["SecurityEvent", "SecurityEventKind", "SecurityEventLog", "is_valid_event_kind"]

_KIND = re.compile(r"[a-z][a-z0-9_.-]{0,63}")


class SecurityEventKind(enum.StrEnum):
    """The kinds recorded today. The field is a plain string so that later contexts (the
    privacy exports, the incidents work) add their own kinds without editing this list."""

    #: Too many failed logins on one account: the next login needs an emailed confirmation.
    LOGIN_LOCKOUT_ACCOUNT = "login.lockout.account"
    #: Too many failed logins from one network address.
    LOGIN_LOCKOUT_IP = "login.lockout.ip"
    #: A login went through thanks to an emailed confirmation.
    LOGIN_CONFIRMED = "login.confirmed"
    #: A password was changed through a reset link; other sessions and tokens were ended.
    PASSWORD_RESET = "password.reset"  # noqa: S105 - an event kind, not a password
    #: Staff reviewed a lost-credentials request and sent the account a reset link.
    ACCOUNT_RECOVERY = "account.recovery"


def is_valid_event_kind(value: object) -> bool:
    """Whether ``value`` is a kind name: lower-case ASCII, digits, ``_ . -``, at most 64."""
    return isinstance(value, str) and _KIND.fullmatch(value) is not None


def _check_kind(_instance: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if not is_valid_event_kind(value):
        raise ValueError("a security event kind is a short lower-case identifier")


@attrs.frozen(slots=True)
class SecurityEvent:
    """One security-relevant fact. ``ip_address`` is hidden from ``repr``."""

    id: str
    kind: str = attrs.field(validator=_check_kind)
    at: datetime
    customer_id: str | None = None
    actor_id: str | None = None  # the staff member or job who acted, when one did
    ip_address: str | None = attrs.field(default=None, repr=False)


class SecurityEventLog(abc.ABC):
    """Where security events go; administrators and the incident rules read it."""

    @abc.abstractmethod
    def add(self, event: SecurityEvent) -> None:
        """Record an event; :class:`~klickit_core.shared.errors.ConflictError` if the id
        exists (events are never rewritten)."""

    @abc.abstractmethod
    def events(
        self,
        *,
        kind: str | None = None,
        customer_id: str | None = None,
        since: datetime | None = None,
        limit: int = 1000,
    ) -> list[SecurityEvent]:
        """Events newest first, optionally of one kind, about one customer, at or after
        ``since``."""

    @abc.abstractmethod
    def delete_before(self, moment: datetime, limit: int = 1000) -> int:
        """Delete up to ``limit`` events older than ``moment`` (retention); how many."""

    @abc.abstractmethod
    def for_customer(self, customer_id: str) -> list[SecurityEvent]:
        """Every event about the account ``customer_id``, oldest first (PRV-3 export)."""

    @abc.abstractmethod
    def anonymise_customer(self, customer_id: str) -> int:
        """Drop the account id and the network address from every event about
        ``customer_id`` (erasure, PRV-4); how many events. The kind and time stay, so the
        year's incident statistics (BRE-1) still add up, and nothing left names anyone."""

    @abc.abstractmethod
    def sweep(
        self, before: datetime, *, after: SweepKey | None, limit: int, dry_run: bool
    ) -> SweepPage:
        """Delete up to ``limit`` events recorded before ``before`` (PRV-2), keyset-paged on
        ``(at, id)``. A dry run only selects."""
