"""PAY-6: fraud prevention as pluggable rules giving allow / review / deny."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from klickit_core.payments.fraud import (
    AmountThresholdRule,
    CountryMismatchRule,
    EmailVelocityRule,
    FailedPaymentBurstRule,
    FraudAssessment,
    FraudContext,
    FraudHistory,
    FraudRule,
    FraudScreen,
    FraudSignal,
    FraudVerdict,
    InvalidFraudRuleError,
    IpVelocityRule,
    default_fraud_screen,
)
from klickit_core.shared.clock import NaiveDatetimeError
from klickit_core.shared.money import Money

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
EMAIL = "camille@example.fr"
IP = "203.0.113.7"
V = FraudVerdict


class History:
    """An in-test FraudHistory over timestamped lists; counts what is in the window."""

    def __init__(self) -> None:
        self.orders: list[tuple[str | None, str | None, datetime]] = []
        self.failures: list[tuple[str | None, str | None, datetime]] = []
        self.queries: list[dict[str, Any]] = []

    def add_orders(
        self, count: int, *, email: str | None = None, ip: str | None = None, ago: timedelta
    ) -> None:
        self.orders += [(email, ip, NOW - ago)] * count

    def add_failures(
        self, count: int, *, email: str | None = None, ip: str | None = None, ago: timedelta
    ) -> None:
        self.failures += [(email, ip, NOW - ago)] * count

    @staticmethod
    def _count(
        rows: list[tuple[str | None, str | None, datetime]],
        email: str | None,
        ip_address: str | None,
        since: datetime,
    ) -> int:
        return sum(
            1
            for row_email, row_ip, at in rows
            if at >= since
            and (email is None or row_email == email)
            and (ip_address is None or row_ip == ip_address)
        )

    def orders_since(
        self, *, email: str | None = None, ip_address: str | None = None, since: datetime
    ) -> int:
        self.queries.append({"email": email, "ip_address": ip_address, "since": since})
        return self._count(self.orders, email, ip_address, since)

    def failed_payments_since(
        self, *, email: str | None = None, ip_address: str | None = None, since: datetime
    ) -> int:
        self.queries.append({"email": email, "ip_address": ip_address, "since": since})
        return self._count(self.failures, email, ip_address, since)


def context(**overrides: Any) -> FraudContext:
    fields: dict[str, Any] = {
        "email": EMAIL,
        "ip_address": IP,
        "billing_country": "FR",
        "shipping_country": "FR",
        "amount": Money.of("49.90", "EUR"),
        "at": NOW,
    }
    fields.update(overrides)
    return FraudContext(**fields)


MINUTE = timedelta(minutes=1)


# ---------------------------------------------------------------- verdicts


def test_verdicts_are_ordered() -> None:
    assert V.ALLOW < V.REVIEW < V.DENY
    assert max([V.REVIEW, V.DENY, V.ALLOW]) is V.DENY
    assert V.DENY >= V.REVIEW
    assert sorted([V.DENY, V.ALLOW, V.REVIEW]) == [V.ALLOW, V.REVIEW, V.DENY]


def test_assessment_without_signals_allows() -> None:
    assessment = FraudAssessment.from_signals([])
    assert assessment == FraudAssessment(V.ALLOW, ())
    assert assessment.allowed


@given(st.lists(st.sampled_from(list(V)), max_size=6))
def test_the_worst_verdict_wins(verdicts: list[FraudVerdict]) -> None:
    """PAY-6: the screen's verdict is the harshest signal's, allow when there is none."""
    signals = [FraudSignal(f"r{i}", v, "code") for i, v in enumerate(verdicts)]
    assessment = FraudAssessment.from_signals(signals)
    expected = V.DENY if V.DENY in verdicts else V.REVIEW if V.REVIEW in verdicts else V.ALLOW
    assert assessment.verdict is expected
    assert assessment.signals == tuple(signals)


# ---------------------------------------------------------------- email velocity


@pytest.mark.parametrize(
    ("orders", "verdict"), [(0, None), (4, None), (5, V.REVIEW), (9, V.REVIEW), (10, V.DENY)]
)
def test_email_velocity_thresholds(orders: int, verdict: FraudVerdict | None) -> None:
    """PAY-6: >= 5 orders with one email in an hour → review; >= 10 → deny."""
    history = History()
    history.add_orders(orders, email=EMAIL, ip="198.51.100.1", ago=30 * MINUTE)
    history.add_orders(20, email="other@example.fr", ago=MINUTE)
    signal = EmailVelocityRule().assess(context(), history)
    assert (signal.verdict if signal else None) is verdict
    if signal:
        assert (signal.rule, signal.reason_code) == ("email_velocity", "too_many_orders_for_email")


def test_email_velocity_window_boundary() -> None:
    """Orders exactly one hour old still count; older ones do not."""
    history = History()
    history.add_orders(4, email=EMAIL, ago=10 * MINUTE)
    history.add_orders(1, email=EMAIL, ago=timedelta(hours=1))
    assert EmailVelocityRule().assess(context(), history) is not None
    history = History()
    history.add_orders(4, email=EMAIL, ago=10 * MINUTE)
    history.add_orders(1, email=EMAIL, ago=timedelta(hours=1, seconds=1))
    assert EmailVelocityRule().assess(context(), history) is None


def test_email_velocity_is_configurable_and_skips_without_email() -> None:
    history = History()
    history.add_orders(2, email=EMAIL, ago=MINUTE)
    rule = EmailVelocityRule(window=timedelta(minutes=5), review_at=1, deny_at=2)
    signal = rule.assess(context(), history)
    assert signal is not None
    assert signal.verdict is V.DENY
    assert rule.assess(context(email=None), history) is None


# ---------------------------------------------------------------- IP velocity


@pytest.mark.parametrize(
    ("orders", "verdict"), [(9, None), (10, V.REVIEW), (19, V.REVIEW), (20, V.DENY)]
)
def test_ip_velocity_thresholds(orders: int, verdict: FraudVerdict | None) -> None:
    """PAY-6: >= 10 orders from one IP in an hour → review; >= 20 → deny."""
    history = History()
    history.add_orders(orders, ip=IP, ago=59 * MINUTE)
    history.add_orders(50, ip=IP, ago=61 * MINUTE)
    signal = IpVelocityRule().assess(context(), history)
    assert (signal.verdict if signal else None) is verdict
    assert IpVelocityRule().assess(context(ip_address=None), history) is None


def test_velocity_rules_ask_for_the_right_window() -> None:
    history = History()
    EmailVelocityRule().assess(context(), history)
    IpVelocityRule(window=timedelta(minutes=10)).assess(context(), history)
    assert history.queries == [
        {"email": EMAIL, "ip_address": None, "since": NOW - timedelta(hours=1)},
        {"email": None, "ip_address": IP, "since": NOW - timedelta(minutes=10)},
    ]


# ---------------------------------------------------------------- failed-payment bursts


@pytest.mark.parametrize(
    ("by_email", "by_ip", "reason"),
    [
        (0, 0, None),
        (2, 2, None),
        (3, 0, "failed_payments_for_email"),
        (0, 3, "failed_payments_for_ip"),
        (5, 5, "failed_payments_for_email"),
    ],
)
def test_failed_payment_burst(by_email: int, by_ip: int, reason: str | None) -> None:
    """PAY-6: >= 3 failures for the email or for the IP in 15 minutes → deny."""
    history = History()
    history.add_failures(by_email, email=EMAIL, ip="198.51.100.1", ago=14 * MINUTE)
    history.add_failures(by_ip, email="x@example.fr", ip=IP, ago=15 * MINUTE)
    history.add_failures(10, email=EMAIL, ip=IP, ago=16 * MINUTE)
    signal = FailedPaymentBurstRule().assess(context(), history)
    assert (signal.reason_code if signal else None) == reason
    if signal:
        assert signal.verdict is V.DENY


def test_failed_payment_burst_without_email_or_ip() -> None:
    history = History()
    history.add_failures(5, ago=MINUTE)
    assert FailedPaymentBurstRule().assess(context(email=None, ip_address=None), history) is None


# ---------------------------------------------------------------- countries


@pytest.mark.parametrize(
    ("billing", "shipping", "flagged"),
    [
        ("FR", "FR", False),
        ("fr", "FR", False),
        ("FR", "BE", True),
        (None, "BE", False),
        ("FR", None, False),
        ("", "BE", False),
    ],
)
def test_country_mismatch(billing: str | None, shipping: str | None, flagged: bool) -> None:
    """PAY-6: billing and shipping in different countries → review."""
    signal = CountryMismatchRule().assess(
        context(billing_country=billing, shipping_country=shipping), History()
    )
    assert (signal is not None) is flagged
    if signal:
        assert signal.verdict is V.REVIEW


# ---------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("amount", "currency", "flagged"),
    [
        ("999.99", "EUR", False),
        ("1000.00", "EUR", True),
        ("1000", "EUR", True),
        ("25000", "EUR", True),
        ("5000", "USD", False),  # no USD threshold: not converted, not judged
        ("1000000", "JPY", False),
    ],
)
def test_amount_threshold(amount: str, currency: str, flagged: bool) -> None:
    """PAY-6: >= 1,000 EUR → review; other currencies are ignored, never converted."""
    signal = AmountThresholdRule().assess(context(amount=Money.of(amount, currency)), History())
    assert (signal is not None) is flagged


def test_amount_thresholds_per_currency() -> None:
    rule = AmountThresholdRule(thresholds=(Money.of(500, "EUR"), Money.of(100_000, "JPY")))
    assert rule.assess(context(amount=Money.of(500, "EUR")), History())
    assert rule.assess(context(amount=Money.of(100_000, "JPY")), History())
    assert rule.assess(context(amount=Money.of(99_999, "JPY")), History()) is None


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: EmailVelocityRule(review_at=0), "threshold"),
        (lambda: EmailVelocityRule(review_at=11, deny_at=10), "review_above_deny"),
        (lambda: IpVelocityRule(window=timedelta(0)), "window"),
        (lambda: FailedPaymentBurstRule(deny_at=True), "threshold"),
        (
            lambda: AmountThresholdRule(thresholds=(Money.of(1, "EUR"), Money.of(2, "EUR"))),
            "thresholds",
        ),
        (lambda: AmountThresholdRule(thresholds=(Money.of(0, "EUR"),)), "thresholds"),
        (lambda: FraudScreen([EmailVelocityRule(), EmailVelocityRule()]), "duplicate_name"),
    ],
)
def test_rule_settings_are_checked(make: Any, reason: str) -> None:
    with pytest.raises(InvalidFraudRuleError) as caught:
        make()
    assert caught.value.reason == reason


# ---------------------------------------------------------------- the screen


def test_default_screen_allows_an_ordinary_checkout() -> None:
    assessment = default_fraud_screen().assess(context(), History())
    assert assessment == FraudAssessment(V.ALLOW, ())


def test_default_screen_worst_verdict_wins() -> None:
    """PAY-6: review (country, amount) and deny (burst) together give deny, with every signal."""
    history = History()
    history.add_failures(3, email=EMAIL, ago=MINUTE)
    assessment = default_fraud_screen().assess(
        context(shipping_country="US", amount=Money.of(1500, "EUR")), history
    )
    assert assessment.verdict is V.DENY
    assert {s.rule for s in assessment.signals} == {
        "failed_payment_burst",
        "country_mismatch",
        "amount_threshold",
    }


def test_a_custom_rule_plugs_in() -> None:
    """PAY-6: rules are pluggable: any object with a name and an assess method."""

    @attrs.frozen
    class BlockedDomains:
        domains: frozenset[str]
        name: str = "blocked_domain"

        def assess(self, context: FraudContext, history: FraudHistory) -> FraudSignal | None:
            if context.email and context.email.rsplit("@", 1)[-1] in self.domains:
                return FraudSignal(self.name, FraudVerdict.DENY, "blocked_email_domain")
            return None

    rule = BlockedDomains(frozenset({"example.fr"}))
    assert isinstance(rule, FraudRule)
    assert isinstance(History(), FraudHistory)
    screen = FraudScreen([*default_fraud_screen().rules, rule])
    assert screen.assess(context(), History()).verdict is V.DENY


def test_context_hides_personal_data_and_needs_an_aware_time() -> None:
    text = repr(context())
    assert EMAIL not in text
    assert IP not in text
    assert context(at=NOW.astimezone(UTC)).at == NOW
    with pytest.raises(NaiveDatetimeError):
        context(at=NOW.replace(tzinfo=None))


def test_signals_hold_no_personal_data() -> None:
    history = History()
    history.add_orders(25, email=EMAIL, ip=IP, ago=MINUTE)
    history.add_failures(5, email=EMAIL, ip=IP, ago=MINUTE)
    assessment = default_fraud_screen().assess(context(shipping_country="BE"), history)
    assert len(assessment.signals) == 4
    assert EMAIL not in repr(assessment)
    assert IP not in repr(assessment)
