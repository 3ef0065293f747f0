"""PAY-1, PAY-2, PAY-3, PAY-5: payment use cases against the sandbox gateway."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
import pytest

from klickit_core.adapters.gateways import SandboxGateway
from klickit_core.adapters.gateways.sandbox import luhn_valid
from klickit_core.payments.domain import (
    GatewayOutcome,
    GatewayResult,
    IllegalPaymentTransitionError,
    InvalidPaymentDataError,
    Payment,
    PaymentAmountError,
    PaymentRequest,
    PaymentRequestMismatchError,
    PaymentStatus,
    RefundInProgressError,
    RefundStatus,
)
from klickit_core.payments.ports import (
    GatewayRejectedError,
    GatewayTimeoutError,
    IdempotencyConflictError,
    PaymentGateway,
    PaymentNotFoundError,
    UnexpectedGatewayResultError,
)
from klickit_core.payments.services import (
    authorize_payment,
    capture_payment,
    charge_payment,
    refund_payment,
    start_payment,
    void_payment,
)
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import PermissionDeniedError
from klickit_core.testing import FixedClock, SequentialIds

#: The payment steps run as the checkout's payment job (payments.process, X-6).
JOB = Actor.system("gateway")

SUCCESS = "4242424242424242"
DECLINE = "4000000000000002"
INSUFFICIENT = "4000000000009995"
TIMEOUT = "4000000000000119"
MakeRequest = Callable[[Payment], PaymentRequest]


def token(sandbox: SandboxGateway, number: str = SUCCESS) -> str:
    return sandbox.tokenize(number, 12, 2030, "123")


class SpyGateway(PaymentGateway):
    """Wraps the sandbox and records what the store held at the moment of each call."""

    def __init__(self, inner: SandboxGateway, uow: Any) -> None:
        self.inner = inner
        self.uow = uow
        self.seen: list[Payment] = []
        self.keys: list[str] = []

    @property
    def provider_id(self) -> str:
        return self.inner.provider_id

    def _look(self, payment_id: str, key: str) -> None:
        with self.uow:
            stored = self.uow.payments.get(payment_id)
        assert stored is not None, "the payment must be committed before the gateway call"
        self.seen.append(stored)
        self.keys.append(key)

    def charge(self, request: PaymentRequest, token: str, idempotency_key: str) -> GatewayResult:
        self._look(request.payment_id, idempotency_key)
        return self.inner.charge(request, token, idempotency_key)

    def authorize(self, request: PaymentRequest, token: str, idempotency_key: str) -> GatewayResult:
        self._look(request.payment_id, idempotency_key)
        return self.inner.authorize(request, token, idempotency_key)

    def capture(
        self, reference: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        self.keys.append(idempotency_key)
        return self.inner.capture(reference, amount_minor, currency, idempotency_key)

    def refund(
        self, reference: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> GatewayResult:
        self.keys.append(idempotency_key)
        return self.inner.refund(reference, amount_minor, currency, idempotency_key)

    def void(self, reference: str, idempotency_key: str) -> GatewayResult:
        self.keys.append(idempotency_key)
        return self.inner.void(reference, idempotency_key)

    def status(self, reference: str) -> GatewayResult:
        return self.inner.status(reference)


# ---------------------------------------------------------------- start


def test_start_payment_commits_a_pending_payment_with_a_fresh_key(
    uow: Any, clock: FixedClock, pay_ids: SequentialIds
) -> None:
    """PAY-3: the payment and its idempotency key exist in the store before any call."""
    first = start_payment(
        uow,
        clock,
        pay_ids,
        JOB,
        order_id="o-1",
        provider_id="sandbox",
        amount_minor=100,
        currency="EUR",
    )
    second = start_payment(
        uow,
        clock,
        pay_ids,
        JOB,
        order_id="o-1",
        provider_id="sandbox",
        amount_minor=100,
        currency="EUR",
    )
    assert uow.stored(first.id) == first
    assert first.status is PaymentStatus.PENDING
    assert first.idempotency_key != second.idempotency_key
    with uow:
        assert uow.payments.for_order("o-1") == [first, second]


def test_start_payment_refuses_a_bad_amount_and_stores_nothing(
    uow: Any, clock: FixedClock, pay_ids: SequentialIds
) -> None:
    """X-9: nothing half-written."""
    with pytest.raises(InvalidPaymentDataError) as caught:
        start_payment(
            uow,
            clock,
            pay_ids,
            JOB,
            order_id="o-1",
            provider_id="sandbox",
            amount_minor=0,
            currency="EUR",
        )
    assert caught.value.reason == "amount_minor"
    assert uow.committed_payments == {}


# ---------------------------------------------------------------- charge


def test_charge_captures_and_keeps_only_a_masked_card(
    uow: Any,
    clock: FixedClock,
    sandbox: SandboxGateway,
    payment: Payment,
    make_request: MakeRequest,
) -> None:
    """PAY-1, PAY-2, PAY-5: a success card captures the full amount once."""
    spy = SpyGateway(sandbox, uow)
    paid = charge_payment(uow, clock, spy, JOB, payment.id, make_request(payment), token(sandbox))
    assert paid.status is PaymentStatus.CAPTURED
    assert paid.captured_minor == 4990
    assert paid.card is not None
    assert (paid.card.brand, paid.card.last4) == ("visa", "4242")
    assert paid.gateway_reference is not None
    assert sandbox.captured_total(paid.gateway_reference) == 4990
    assert uow.stored(payment.id) == paid
    # The attempt was committed before the call, with the stored key.
    assert spy.seen[0].attempts == 1
    assert spy.keys == [payment.idempotency_key]


@pytest.mark.parametrize(
    ("number", "code"), [(DECLINE, "card_declined"), (INSUFFICIENT, "insufficient_funds")]
)
def test_declined_cards_fail_the_payment_with_the_gateway_code(
    uow: Any,
    clock: FixedClock,
    sandbox: SandboxGateway,
    payment: Payment,
    make_request: MakeRequest,
    number: str,
    code: str,
) -> None:
    """PAY-5: decline and insufficient funds end the payment FAILED, nothing captured."""
    failed = charge_payment(
        uow, clock, sandbox, JOB, payment.id, make_request(payment), token(sandbox, number)
    )
    assert (failed.status, failed.failure_code) == (PaymentStatus.FAILED, code)
    assert failed.captured_minor == 0
    assert sandbox.charges == 0
    # A failed payment is final: charging it again is refused, not retried.
    with pytest.raises(IllegalPaymentTransitionError):
        charge_payment(uow, clock, sandbox, JOB, payment.id, make_request(payment), token(sandbox))


def test_a_timed_out_charge_is_retried_with_the_same_key_and_charges_once(
    uow: Any,
    clock: FixedClock,
    sandbox: SandboxGateway,
    payment: Payment,
    make_request: MakeRequest,
) -> None:
    """PAY-3: the timeout card captures, then times out; the retry charges nothing more."""
    spy = SpyGateway(sandbox, uow)
    tok = token(sandbox, TIMEOUT)
    with pytest.raises(GatewayTimeoutError) as caught:
        charge_payment(uow, clock, spy, JOB, payment.id, make_request(payment), tok)
    assert caught.value.retryable
    pending = uow.stored(payment.id)
    assert pending.status is PaymentStatus.PENDING
    assert pending.attempts == 1
    assert sandbox.charges == 1  # the money did move: that is what makes this case nasty

    paid = charge_payment(uow, clock, spy, JOB, payment.id, make_request(payment), tok)
    assert paid.status is PaymentStatus.CAPTURED
    assert paid.attempts == 2
    assert spy.keys == [payment.idempotency_key, payment.idempotency_key]
    assert sandbox.charges == 1
    assert paid.gateway_reference is not None
    assert sandbox.captured_total(paid.gateway_reference) == 4990


def test_charging_a_captured_payment_does_not_call_the_gateway(
    uow: Any,
    clock: FixedClock,
    sandbox: SandboxGateway,
    payment: Payment,
    make_request: MakeRequest,
) -> None:
    """PAY-3: a double submit returns the captured payment."""
    tok = token(sandbox)
    paid = charge_payment(uow, clock, sandbox, JOB, payment.id, make_request(payment), tok)
    calls = sandbox.calls
    again = charge_payment(uow, clock, sandbox, JOB, payment.id, make_request(payment), tok)
    assert again == paid
    assert sandbox.calls == calls
    assert sandbox.charges == 1


def test_a_retry_with_another_card_after_a_timeout_is_refused_by_the_gateway(
    uow: Any,
    clock: FixedClock,
    sandbox: SandboxGateway,
    payment: Payment,
    make_request: MakeRequest,
) -> None:
    """PAY-3: same key, different request: IdempotencyConflictError, never a second charge."""
    with pytest.raises(GatewayTimeoutError):
        charge_payment(
            uow, clock, sandbox, JOB, payment.id, make_request(payment), token(sandbox, TIMEOUT)
        )
    with pytest.raises(IdempotencyConflictError):
        charge_payment(uow, clock, sandbox, JOB, payment.id, make_request(payment), token(sandbox))
    assert sandbox.charges == 1
    assert uow.stored(payment.id).status is PaymentStatus.PENDING


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"payment_id": "pay-999"}, "payment_id"),
        ({"provider_id": "stripe"}, "provider_id"),
        ({"amount": Decimal("1.00")}, "amount"),
        ({"currency": "USD"}, "amount"),
    ],
)
def test_a_request_for_another_payment_is_refused_before_any_call(
    uow: Any,
    clock: FixedClock,
    sandbox: SandboxGateway,
    payment: Payment,
    make_request: MakeRequest,
    change: dict[str, Any],
    reason: str,
) -> None:
    request = attrs.evolve(make_request(payment), **change)
    with pytest.raises(PaymentRequestMismatchError) as caught:
        charge_payment(uow, clock, sandbox, JOB, payment.id, request, token(sandbox))
    assert caught.value.reason == reason
    assert sandbox.calls == 0
    assert uow.stored(payment.id).attempts == 0


def test_a_gateway_of_another_provider_is_refused(
    uow: Any,
    clock: FixedClock,
    pay_ids: SequentialIds,
    sandbox: SandboxGateway,
    make_request: MakeRequest,
) -> None:
    other = start_payment(
        uow,
        clock,
        pay_ids,
        JOB,
        order_id="o-1",
        provider_id="stripe",
        amount_minor=100,
        currency="EUR",
    )
    with pytest.raises(PaymentRequestMismatchError, match="gateway"):
        charge_payment(uow, clock, sandbox, JOB, other.id, make_request(other), token(sandbox))


def test_unknown_payment(uow: Any, clock: FixedClock, sandbox: SandboxGateway) -> None:
    request = PaymentRequest(
        "A", "a@example.fr", "1 rue", "+33600000000", "Paris", "", "75001", "nope", "sandbox",
        Decimal(1), "EUR",
    )  # fmt: skip
    with pytest.raises(PaymentNotFoundError):
        charge_payment(uow, clock, sandbox, JOB, "nope", request, token(sandbox))


def test_an_unexpected_outcome_is_a_typed_error(
    uow: Any,
    clock: FixedClock,
    sandbox: SandboxGateway,
    payment: Payment,
    make_request: MakeRequest,
) -> None:
    class Weird(SpyGateway):
        def charge(
            self, request: PaymentRequest, token: str, idempotency_key: str
        ) -> GatewayResult:
            return GatewayResult(GatewayOutcome.REFUNDED, "ch_1")

    with pytest.raises(UnexpectedGatewayResultError):
        charge_payment(
            uow, clock, Weird(sandbox, uow), JOB, payment.id, make_request(payment), token(sandbox)
        )
    assert uow.stored(payment.id).status is PaymentStatus.PENDING


# ---------------------------------------------------------------- authorize / capture / void


def test_authorize_then_capture_part_of_it(
    uow: Any,
    clock: FixedClock,
    sandbox: SandboxGateway,
    payment: Payment,
    make_request: MakeRequest,
) -> None:
    """PAY-1: authorize/capture; a capture carries its own derived key and never exceeds."""
    spy = SpyGateway(sandbox, uow)
    held = authorize_payment(
        uow, clock, spy, JOB, payment.id, make_request(payment), token(sandbox)
    )
    assert held.status is PaymentStatus.AUTHORIZED
    assert sandbox.charges == 0
    with pytest.raises(PaymentAmountError):
        capture_payment(uow, clock, spy, JOB, payment.id, 4991)
    captured = capture_payment(uow, clock, spy, JOB, payment.id, 3000)
    assert (captured.status, captured.captured_minor) == (PaymentStatus.CAPTURED, 3000)
    assert spy.keys[-1] == f"{payment.idempotency_key}:capture"
    assert capture_payment(uow, clock, spy, JOB, payment.id) == captured
    assert sandbox.charges == 1


def test_a_timed_out_capture_is_retried_without_capturing_twice(
    uow: Any,
    clock: FixedClock,
    sandbox: SandboxGateway,
    payment: Payment,
    make_request: MakeRequest,
) -> None:
    """PAY-3: the capture key is derived from the stored key, so a retry reuses it."""
    authorize_payment(uow, clock, sandbox, JOB, payment.id, make_request(payment), token(sandbox))
    sandbox.timeout_next_call()
    with pytest.raises(GatewayTimeoutError):
        capture_payment(uow, clock, sandbox, JOB, payment.id)
    assert uow.stored(payment.id).status is PaymentStatus.AUTHORIZED
    captured = capture_payment(uow, clock, sandbox, JOB, payment.id)
    assert captured.status is PaymentStatus.CAPTURED
    assert sandbox.charges == 1


def test_void_releases_an_authorization(
    uow: Any,
    clock: FixedClock,
    sandbox: SandboxGateway,
    payment: Payment,
    make_request: MakeRequest,
) -> None:
    authorize_payment(uow, clock, sandbox, JOB, payment.id, make_request(payment), token(sandbox))
    voided = void_payment(uow, clock, sandbox, JOB, payment.id)
    assert voided.status is PaymentStatus.VOIDED
    assert void_payment(uow, clock, sandbox, JOB, payment.id) == voided
    with pytest.raises(IllegalPaymentTransitionError):
        capture_payment(uow, clock, sandbox, JOB, payment.id)


def test_void_and_capture_need_an_authorization(
    uow: Any, clock: FixedClock, sandbox: SandboxGateway, payment: Payment
) -> None:
    with pytest.raises(IllegalPaymentTransitionError):
        void_payment(uow, clock, sandbox, JOB, payment.id)
    with pytest.raises(IllegalPaymentTransitionError):
        capture_payment(uow, clock, sandbox, JOB, payment.id)
    assert sandbox.calls == 0


# ---------------------------------------------------------------- refunds


@pytest.fixture
def paid(
    uow: Any,
    clock: FixedClock,
    sandbox: SandboxGateway,
    payment: Payment,
    make_request: MakeRequest,
) -> Payment:
    return charge_payment(
        uow, clock, sandbox, JOB, payment.id, make_request(payment), token(sandbox)
    )


def test_refunds_never_exceed_what_was_captured(
    uow: Any, clock: FixedClock, ids: SequentialIds, sandbox: SandboxGateway, paid: Payment
) -> None:
    """PAY-1: partial refunds add up; one more minor unit than is left is refused."""
    assert paid.gateway_reference is not None
    first = refund_payment(uow, clock, ids, sandbox, JOB, paid.id, 1000)
    assert (first.status, first.refunded_minor) == (PaymentStatus.PARTIALLY_REFUNDED, 1000)
    with pytest.raises(PaymentAmountError):
        refund_payment(uow, clock, ids, sandbox, JOB, paid.id, 3991)
    with pytest.raises(PaymentAmountError):
        refund_payment(uow, clock, ids, sandbox, JOB, paid.id, 0)
    last = refund_payment(uow, clock, ids, sandbox, JOB, paid.id, 3990)
    assert (last.status, last.refunded_minor) == (PaymentStatus.REFUNDED, 4990)
    assert sandbox.refunded_total(paid.gateway_reference) == 4990
    assert [r.status for r in last.refunds] == [RefundStatus.SUCCEEDED] * 2
    assert len({r.idempotency_key for r in last.refunds}) == 2
    with pytest.raises(IllegalPaymentTransitionError):
        refund_payment(uow, clock, ids, sandbox, JOB, paid.id, 1)


def test_an_unpaid_payment_cannot_be_refunded(
    uow: Any, clock: FixedClock, ids: SequentialIds, sandbox: SandboxGateway, payment: Payment
) -> None:
    with pytest.raises(IllegalPaymentTransitionError):
        refund_payment(uow, clock, ids, sandbox, JOB, payment.id, 100)
    assert sandbox.calls == 0


def test_a_timed_out_refund_is_retried_with_its_own_stored_key(
    uow: Any, clock: FixedClock, ids: SequentialIds, sandbox: SandboxGateway, paid: Payment
) -> None:
    """PAY-3: the refund record (and its key) is committed before the call; the retry
    reuses it, so the money goes back once."""
    assert paid.gateway_reference is not None
    spy = SpyGateway(sandbox, uow)
    sandbox.timeout_next_call()
    with pytest.raises(GatewayTimeoutError):
        refund_payment(uow, clock, ids, spy, JOB, paid.id, 2000)
    stored = uow.stored(paid.id)
    assert stored.pending_refund is not None
    assert stored.pending_refund.idempotency_key == spy.keys[0]
    assert sandbox.refunded_total(paid.gateway_reference) == 2000

    with pytest.raises(RefundInProgressError):
        refund_payment(uow, clock, ids, spy, JOB, paid.id, 500)
    done = refund_payment(uow, clock, ids, spy, JOB, paid.id, 2000)
    assert spy.keys == [spy.keys[0], spy.keys[0]]
    assert done.refunded_minor == 2000
    assert len(done.refunds) == 1
    assert sandbox.refunded_total(paid.gateway_reference) == 2000


def test_a_refund_the_gateway_rejects_is_settled_as_failed(
    uow: Any, clock: FixedClock, ids: SequentialIds, sandbox: SandboxGateway, paid: Payment
) -> None:
    """A rejection moved no money: the record is failed, and later refunds are possible."""
    assert paid.gateway_reference is not None

    class Rejecting(SpyGateway):
        def refund(
            self, reference: str, amount_minor: int, currency: str, idempotency_key: str
        ) -> GatewayResult:
            raise GatewayRejectedError("amount")

    with pytest.raises(GatewayRejectedError):
        refund_payment(uow, clock, ids, Rejecting(sandbox, uow), JOB, paid.id, 100)
    stored = uow.stored(paid.id)
    assert [(r.status, r.failure_code) for r in stored.refunds] == [
        (RefundStatus.FAILED, "rejected")
    ]
    assert refund_payment(uow, clock, ids, sandbox, JOB, paid.id, 100).refunded_minor == 100


# ---------------------------------------------------------------- nothing card-like (PAY-2)


def _strings(value: object) -> list[str]:
    """Every string reachable from an attrs value (ints included as text)."""
    if attrs.has(type(value)):
        return [s for f in attrs.fields(type(value)) for s in _strings(getattr(value, f.name))]
    if isinstance(value, tuple | list):
        return [s for item in value for s in _strings(item)]
    return [str(value)]


def _card_like(text: str) -> list[str]:
    digits = text.replace(" ", "").replace("-", "")
    found = []
    for length in range(13, 20):
        for start in range(len(digits) - length + 1):
            chunk = digits[start : start + length]
            if chunk.isascii() and chunk.isdigit() and luhn_valid(chunk):
                found.append(chunk)
    return found


@pytest.mark.parametrize("number", [SUCCESS, DECLINE, INSUFFICIENT, TIMEOUT, "5555555555554444"])
def test_no_card_number_is_ever_stored(
    uow: Any,
    clock: FixedClock,
    sandbox: SandboxGateway,
    payment: Payment,
    make_request: MakeRequest,
    number: str,
) -> None:
    """PAY-2: after paying with each test card, no field of the payment or its card summary
    holds a Luhn-valid run of 13 to 19 digits (nor the number itself)."""
    tok = token(sandbox, number)
    try:
        charge_payment(uow, clock, sandbox, JOB, payment.id, make_request(payment), tok)
    except GatewayTimeoutError:
        charge_payment(uow, clock, sandbox, JOB, payment.id, make_request(payment), tok)
    stored = uow.stored(payment.id)
    texts = [*_strings(stored), repr(stored)]
    assert stored.status in {PaymentStatus.CAPTURED, PaymentStatus.FAILED}
    assert all(_card_like(text) == [] for text in texts), texts
    assert all(number not in text and tok not in text for text in texts)


def test_the_card_like_detector_can_fail() -> None:
    """The check above is not vacuous."""
    assert "4242424242424242" in _card_like("ref 4242 4242 4242 4242 x")
    assert "4000000000000002" in _card_like("4000000000000002")
    assert _card_like("order 2026-11-24, 4990 EUR") == []


def test_a_refund_id_makes_the_refund_call_idempotent(
    uow: Any, clock: FixedClock, ids: SequentialIds, sandbox: SandboxGateway, paid: Payment
) -> None:
    """PAY-3: the same refund id twice refunds once; another amount under it is refused."""
    first = refund_payment(uow, clock, ids, sandbox, JOB, paid.id, 700, refund_id="support-1")
    calls = sandbox.calls
    assert (
        refund_payment(uow, clock, ids, sandbox, JOB, paid.id, 700, refund_id="support-1") == first
    )
    assert sandbox.calls == calls
    with pytest.raises(PaymentRequestMismatchError):
        refund_payment(uow, clock, ids, sandbox, JOB, paid.id, 800, refund_id="support-1")
    assert first.refund_record("support-1").status is RefundStatus.SUCCEEDED


def test_a_new_refund_id_waits_for_a_pending_refund(
    uow: Any, clock: FixedClock, ids: SequentialIds, sandbox: SandboxGateway, paid: Payment
) -> None:
    sandbox.timeout_next_call()
    with pytest.raises(GatewayTimeoutError):
        refund_payment(uow, clock, ids, sandbox, JOB, paid.id, 700, refund_id="support-1")
    with pytest.raises(RefundInProgressError):
        refund_payment(uow, clock, ids, sandbox, JOB, paid.id, 700, refund_id="support-2")
    done = refund_payment(uow, clock, ids, sandbox, JOB, paid.id, 700, refund_id="support-1")
    assert done.refunded_minor == 700
    assert [r.id for r in done.refunds] == ["support-1"]


@pytest.mark.parametrize(
    "actor",
    [
        Actor.visitor(),
        Actor("c-1", Role.CUSTOMER, customer_id="c-1"),
        Actor("manager-1", Role.SHOP_MANAGER),
        Actor("admin-1", Role.ADMINISTRATOR),
    ],
    ids=["visitor", "customer", "shop manager", "administrator"],
)
def test_payment_steps_need_the_payment_job(
    uow: Any,
    clock: FixedClock,
    ids: SequentialIds,
    sandbox: SandboxGateway,
    payment: Payment,
    make_request: MakeRequest,
    actor: Actor,
) -> None:
    """PAY-1, X-6 (issue #18, finding 7): capturing, voiding and refunding take the actor
    and need ``payments.process`` (the checkout's payment job; staff go through
    approve/reject/refund_order). Anyone else is refused; the gateway is not called and
    the payment is unchanged."""
    held = authorize_payment(
        uow, clock, sandbox, JOB, payment.id, make_request(payment), token(sandbox)
    )
    calls = sandbox.calls
    for step in (
        lambda: capture_payment(uow, clock, sandbox, actor, held.id),
        lambda: void_payment(uow, clock, sandbox, actor, held.id),
        lambda: refund_payment(uow, clock, ids, sandbox, actor, held.id, 100),
        lambda: start_payment(
            uow, clock, ids, actor, order_id="o-2", provider_id="sandbox", amount_minor=1,
            currency="EUR",
        ),
    ):  # fmt: skip
        with pytest.raises(PermissionDeniedError) as refused:
            step()
        assert refused.value.details == {"permission": "payments.process"}
    assert sandbox.calls == calls
    assert uow.stored(held.id) == held
