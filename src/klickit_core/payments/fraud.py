"""Fraud screening as pluggable rules (SPEC PAY-6).

Why rules and not a score: each rule is a small frozen value with its thresholds, easy to
read, test at its boundaries and configure per shop; a :class:`FraudScreen` is just a list
of them. The shop (or a downstream app) adds its own by implementing :class:`FraudRule`.

* Each rule looks at the :class:`FraudContext` of one checkout and may ask a
  :class:`FraudHistory` for counts (orders, failed payments) in a recent window. It returns
  a :class:`FraudSignal` or ``None``.
* The screen's verdict is the worst signal's (``allow`` < ``review`` < ``deny``); with no
  signal it allows. Signals carry machine codes only (``too_many_orders_for_email``): an
  assessment can be stored and logged without personal data.
* Counts are of what is *already recorded*: screen a checkout before placing its order,
  so the order being screened is not in the history yet.
* The amount threshold is currency-aware: a threshold in another currency is ignored,
  never converted (the library holds no exchange rates).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

import attrs

from klickit_core.shared.clock import ensure_utc
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_
from klickit_core.shared.money import Money

__all__ = [
    "AmountThresholdRule",
    "CountryMismatchRule",
    "EmailVelocityRule",
    "FailedPaymentBurstRule",
    "FraudAssessment",
    "FraudContext",
    "FraudHistory",
    "FraudRule",
    "FraudScreen",
    "FraudSignal",
    "FraudVerdict",
    "InvalidFraudRuleError",
    "IpVelocityRule",
    "default_fraud_screen",
]


class InvalidFraudRuleError(KlickitError):
    """A rule was configured with thresholds that make no sense."""

    code = "payments.invalid_fraud_rule"
    message_template = N_("Invalid fraud rule setting ({reason}).")

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason=reason)


@functools.total_ordering
class FraudVerdict(enum.Enum):
    """What to do with a checkout, ordered from mildest to harshest."""

    ALLOW = "allow"
    REVIEW = "review"
    DENY = "deny"

    @property
    def rank(self) -> int:
        """0 for allow, 1 for review, 2 for deny."""
        return _RANK[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, FraudVerdict):
            return NotImplemented
        return self.rank < other.rank


_RANK = {FraudVerdict.ALLOW: 0, FraudVerdict.REVIEW: 1, FraudVerdict.DENY: 2}


def _upper_or_none(value: object) -> object:
    return value.strip().upper() or None if isinstance(value, str) else value


@attrs.frozen(slots=True)
class FraudContext:
    """The facts of one checkout that rules look at.

    ``email`` and ``ip_address`` are personal data: hidden from ``repr``, and never copied
    into a signal. Countries are ISO 3166 alpha-2 codes (``FR``).
    """

    email: str | None = attrs.field(repr=False)
    ip_address: str | None = attrs.field(repr=False)
    billing_country: str | None = attrs.field(converter=_upper_or_none)
    shipping_country: str | None = attrs.field(converter=_upper_or_none)
    amount: Money
    at: datetime = attrs.field(converter=ensure_utc)


@attrs.frozen(slots=True)
class FraudSignal:
    """One rule's finding: which rule, what it advises, and a machine reason code."""

    rule: str
    verdict: FraudVerdict
    reason_code: str


@attrs.frozen(slots=True)
class FraudAssessment:
    """The screen's answer: the worst verdict among the signals (allow without any)."""

    verdict: FraudVerdict
    signals: tuple[FraudSignal, ...] = ()

    @classmethod
    def from_signals(cls, signals: Iterable[FraudSignal]) -> FraudAssessment:
        """The assessment of ``signals``: the worst verdict wins."""
        found = tuple(signals)
        verdict = max((s.verdict for s in found), default=FraudVerdict.ALLOW)
        return cls(verdict, found)

    @property
    def allowed(self) -> bool:
        """Whether the checkout may go on without a human look."""
        return self.verdict is FraudVerdict.ALLOW


@runtime_checkable
class FraudHistory(Protocol):
    """Counts of recent activity, answered by the app's stores (orders, payments)."""

    def orders_since(
        self, *, email: str | None = None, ip_address: str | None = None, since: datetime
    ) -> int:
        """Orders placed since ``since`` with this email, or from this IP address."""
        ...

    def failed_payments_since(
        self, *, email: str | None = None, ip_address: str | None = None, since: datetime
    ) -> int:
        """Failed payments since ``since`` for this email, or from this IP address."""
        ...


@runtime_checkable
class FraudRule(Protocol):
    """A rule: a name and an assessment of one checkout."""

    @property
    def name(self) -> str:
        """A stable, machine-readable name (``email_velocity``)."""
        ...

    def assess(self, context: FraudContext, history: FraudHistory) -> FraudSignal | None:
        """A signal if the rule has something to say, else ``None``."""
        ...


# ---------------------------------------------------------------------- validators


def _check_window(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise InvalidFraudRuleError("window")


def _check_count(_instance: Any, _attribute: Any, value: Any) -> None:
    if type(value) is not int or value < 1:
        raise InvalidFraudRuleError("threshold")


def _check_review_below_deny(instance: Any) -> None:
    if instance.review_at > instance.deny_at:
        raise InvalidFraudRuleError("review_above_deny")


def _velocity(count: int, review_at: int, deny_at: int) -> FraudVerdict | None:
    if count >= deny_at:
        return FraudVerdict.DENY
    if count >= review_at:
        return FraudVerdict.REVIEW
    return None


# ---------------------------------------------------------------------- default rules


@attrs.frozen(slots=True)
class EmailVelocityRule:
    """Many orders with one email in a short window: card testing or reselling.

    Defaults: 5 orders in the last hour → review, 10 → deny.
    """

    window: timedelta = attrs.field(default=timedelta(hours=1), validator=_check_window)
    review_at: int = attrs.field(default=5, validator=_check_count)
    deny_at: int = attrs.field(default=10, validator=_check_count)
    name: str = "email_velocity"

    def __attrs_post_init__(self) -> None:
        _check_review_below_deny(self)

    def assess(self, context: FraudContext, history: FraudHistory) -> FraudSignal | None:
        """Count orders with the context's email since ``at - window``."""
        if not context.email:
            return None
        count = history.orders_since(email=context.email, since=context.at - self.window)
        verdict = _velocity(count, self.review_at, self.deny_at)
        if verdict is None:
            return None
        return FraudSignal(self.name, verdict, "too_many_orders_for_email")


@attrs.frozen(slots=True)
class IpVelocityRule:
    """Many orders from one IP address in a short window.

    Defaults: 10 orders in the last hour → review, 20 → deny (an office or a mobile
    carrier's NAT legitimately shares an address, hence higher than per email).
    """

    window: timedelta = attrs.field(default=timedelta(hours=1), validator=_check_window)
    review_at: int = attrs.field(default=10, validator=_check_count)
    deny_at: int = attrs.field(default=20, validator=_check_count)
    name: str = "ip_velocity"

    def __attrs_post_init__(self) -> None:
        _check_review_below_deny(self)

    def assess(self, context: FraudContext, history: FraudHistory) -> FraudSignal | None:
        """Count orders from the context's IP address since ``at - window``."""
        if not context.ip_address:
            return None
        count = history.orders_since(ip_address=context.ip_address, since=context.at - self.window)
        verdict = _velocity(count, self.review_at, self.deny_at)
        if verdict is None:
            return None
        return FraudSignal(self.name, verdict, "too_many_orders_for_ip")


@attrs.frozen(slots=True)
class FailedPaymentBurstRule:
    """Several failed payments in a few minutes: someone trying cards until one works.

    Default: 3 failures for the email *or* for the IP address in 15 minutes → deny.
    """

    window: timedelta = attrs.field(default=timedelta(minutes=15), validator=_check_window)
    deny_at: int = attrs.field(default=3, validator=_check_count)
    name: str = "failed_payment_burst"

    def assess(self, context: FraudContext, history: FraudHistory) -> FraudSignal | None:
        """Deny when the email or the IP address reached ``deny_at`` failures."""
        since = context.at - self.window
        if context.email:
            failures = history.failed_payments_since(email=context.email, since=since)
            if failures >= self.deny_at:
                return FraudSignal(self.name, FraudVerdict.DENY, "failed_payments_for_email")
        if context.ip_address:
            failures = history.failed_payments_since(ip_address=context.ip_address, since=since)
            if failures >= self.deny_at:
                return FraudSignal(self.name, FraudVerdict.DENY, "failed_payments_for_ip")
        return None


@attrs.frozen(slots=True)
class CountryMismatchRule:
    """Billing and shipping in different countries: often legitimate (gifts), worth a look."""

    verdict: FraudVerdict = FraudVerdict.REVIEW
    name: str = "country_mismatch"

    def assess(self, context: FraudContext, history: FraudHistory) -> FraudSignal | None:
        """A signal when both countries are known and differ."""
        billing, shipping = context.billing_country, context.shipping_country
        if billing is None or shipping is None or billing == shipping:
            return None
        return FraudSignal(self.name, self.verdict, "billing_shipping_country_mismatch")


def _default_thresholds() -> tuple[Money, ...]:
    return (Money.of(1000, "EUR"),)


def _as_thresholds(value: Iterable[Money]) -> tuple[Money, ...]:
    try:
        return tuple(value)
    except TypeError:
        raise InvalidFraudRuleError("thresholds") from None


def _check_thresholds(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, tuple) or not all(isinstance(m, Money) for m in value):
        raise InvalidFraudRuleError("thresholds")
    currencies = [m.currency for m in value]
    if len(set(currencies)) != len(currencies) or any(m.amount <= 0 for m in value):
        raise InvalidFraudRuleError("thresholds")


@attrs.frozen(slots=True)
class AmountThresholdRule:
    """Large baskets get a human look. Default: 1,000 EUR or more → review.

    One threshold per currency; an amount in a currency without a threshold is not judged
    (thresholds are never converted).
    """

    thresholds: tuple[Money, ...] = attrs.field(
        factory=_default_thresholds, converter=_as_thresholds, validator=_check_thresholds
    )
    verdict: FraudVerdict = FraudVerdict.REVIEW
    name: str = "amount_threshold"

    def assess(self, context: FraudContext, history: FraudHistory) -> FraudSignal | None:
        """A signal when the amount reaches the threshold of its own currency."""
        for threshold in self.thresholds:
            if threshold.currency == context.amount.currency and context.amount >= threshold:
                return FraudSignal(self.name, self.verdict, "amount_over_threshold")
        return None


class FraudScreen:
    """Runs every rule on a checkout; the worst verdict wins (PAY-6)."""

    def __init__(self, rules: Sequence[FraudRule]) -> None:
        names = [rule.name for rule in rules]
        if len(set(names)) != len(names):
            raise InvalidFraudRuleError("duplicate_name")
        self._rules = tuple(rules)

    @property
    def rules(self) -> tuple[FraudRule, ...]:
        """The rules, in the order they run."""
        return self._rules

    def assess(self, context: FraudContext, history: FraudHistory) -> FraudAssessment:
        """Every rule's signal, and the worst verdict among them."""
        signals = (rule.assess(context, history) for rule in self._rules)
        return FraudAssessment.from_signals(s for s in signals if s is not None)


def default_fraud_screen() -> FraudScreen:
    """The rules with the thresholds above: email and IP velocity, failure bursts,
    country mismatch and the 1,000 EUR threshold."""
    return FraudScreen(
        [
            EmailVelocityRule(),
            IpVelocityRule(),
            FailedPaymentBurstRule(),
            CountryMismatchRule(),
            AmountThresholdRule(),
        ]
    )
