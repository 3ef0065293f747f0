"""PAY-4: webhook signatures with a time tolerance, applied idempotently and forwards only."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klickit_core.adapters.gateways import SandboxGateway
from klickit_core.payments.domain import (
    Payment,
    PaymentRequest,
    PaymentStatus,
    RefundStatus,
    WebhookEvent,
    WebhookOutOfOrderError,
)
from klickit_core.payments.ports import (
    DuplicateEventError,
    GatewayTimeoutError,
    PaymentNotFoundError,
)
from klickit_core.payments.services import apply_webhook, charge_payment, refund_payment
from klickit_core.payments.webhooks import (
    InvalidWebhookError,
    InvalidWebhookSecretError,
    WebhookVerifier,
    encode_webhook_body,
    sign_webhook,
)
from klickit_core.shared.actors import Actor
from klickit_core.shared.serialisation import unstructure
from klickit_core.testing import FixedClock, SequentialIds

#: The payment steps run as the checkout's payment job (payments.process, X-6).
JOB = Actor.system("gateway")

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
SECRET = b"w" * 32
NEW_SECRET = b"n" * 32
OTHER = b"o" * 32
S = PaymentStatus
MakeRequest = Callable[[Payment], PaymentRequest]


def make_event(**overrides: Any) -> WebhookEvent:
    fields: dict[str, Any] = {
        "id": "evt_1",
        "type": "payment.captured",
        "payment_id": "pay-1",
        "gateway_reference": "ch_1",
        "status": S.CAPTURED,
        "amount_minor": 4990,
        "currency": "EUR",
        "created_at": NOW,
    }
    fields.update(overrides)
    return WebhookEvent(**fields)


def body_of(**overrides: Any) -> bytes:
    return encode_webhook_body(make_event(**overrides))


def mac(secret: bytes, timestamp: int, body: bytes) -> str:
    """The documented signature, computed independently of the module."""
    return hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def verifier(*secrets: bytes) -> WebhookVerifier:
    return WebhookVerifier(list(secrets) or [SECRET])


UNIX = int(NOW.timestamp())


# ---------------------------------------------------------------- signatures


def test_a_valid_notification_is_parsed() -> None:
    body = body_of()
    header = sign_webhook(SECRET, body, NOW)
    assert header == f"t={UNIX},v1={mac(SECRET, UNIX, body)}"
    assert verifier().verify(header, body, NOW + timedelta(seconds=30)) == make_event()


def test_a_forged_signature_is_refused() -> None:
    body = body_of()
    forged = f"t={UNIX},v1={'0' * 64}"
    with pytest.raises(InvalidWebhookError) as caught:
        verifier().verify(forged, body, NOW)
    assert caught.value.reason == "signature"
    assert caught.value.code == "payments.invalid_webhook"


def test_a_tampered_body_is_refused() -> None:
    header = sign_webhook(SECRET, body_of(), NOW)
    with pytest.raises(InvalidWebhookError, match="signature"):
        verifier().verify(header, body_of(amount_minor=1), NOW)


def test_a_tampered_timestamp_is_refused() -> None:
    body = body_of()
    signature = mac(SECRET, UNIX, body)
    with pytest.raises(InvalidWebhookError, match="signature"):
        verifier().verify(f"t={UNIX + 1},v1={signature}", body, NOW)


def test_a_signature_with_the_wrong_secret_is_refused() -> None:
    body = body_of()
    with pytest.raises(InvalidWebhookError, match="signature"):
        verifier().verify(sign_webhook(OTHER, body, NOW), body, NOW)


@pytest.mark.parametrize(
    ("age", "reason"),
    [
        (timedelta(minutes=5, seconds=1), "stale"),
        (timedelta(hours=3), "stale"),
        (-timedelta(minutes=5, seconds=1), "future"),
        (-timedelta(days=400), "future"),
    ],
)
def test_notifications_outside_the_tolerance_are_refused(age: timedelta, reason: str) -> None:
    """PAY-4: older than 5 minutes is a replay; more than 5 minutes ahead is refused too."""
    body = body_of()
    header = sign_webhook(SECRET, body, NOW - age)
    with pytest.raises(InvalidWebhookError) as caught:
        verifier().verify(header, body, NOW)
    assert caught.value.reason == reason


@pytest.mark.parametrize("age", [timedelta(minutes=5), -timedelta(minutes=5), timedelta(0)])
def test_the_tolerance_boundary_is_accepted(age: timedelta) -> None:
    body = body_of()
    assert verifier().verify(sign_webhook(SECRET, body, NOW - age), body, NOW)


def test_a_custom_tolerance() -> None:
    body = body_of()
    strict = WebhookVerifier([SECRET], tolerance=timedelta(seconds=10))
    with pytest.raises(InvalidWebhookError, match="stale"):
        strict.verify(sign_webhook(SECRET, body, NOW - timedelta(seconds=11)), body, NOW)


def test_a_timestamp_beyond_year_9999_is_future() -> None:
    body = body_of()
    timestamp = 999_999_999_999
    header = f"t={timestamp},v1={mac(SECRET, timestamp, body)}"
    with pytest.raises(InvalidWebhookError, match="future"):
        verifier().verify(header, body, NOW)


def test_rotation_two_secrets_on_the_shop_side() -> None:
    """PAY-4: while rotating, the shop accepts the new and the old secret."""
    body = body_of()
    both = verifier(NEW_SECRET, SECRET)
    assert both.verify(sign_webhook(SECRET, body, NOW), body, NOW)
    assert both.verify(sign_webhook(NEW_SECRET, body, NOW), body, NOW)
    with pytest.raises(InvalidWebhookError, match="signature"):
        both.verify(sign_webhook(OTHER, body, NOW), body, NOW)


def test_rotation_several_signatures_from_the_gateway() -> None:
    """PAY-4: a gateway rotating its secret sends one v1 per secret; one match is enough."""
    body = body_of()
    header = f"t={UNIX},v1={mac(NEW_SECRET, UNIX, body)},v1={mac(SECRET, UNIX, body)}"
    assert verifier(SECRET).verify(header, body, NOW)
    assert verifier(NEW_SECRET).verify(header, body, NOW)
    with pytest.raises(InvalidWebhookError, match="signature"):
        verifier(OTHER).verify(header, body, NOW)


def test_unknown_schemes_are_ignored() -> None:
    body = body_of()
    header = f"t={UNIX},v0={'a' * 64},v1={mac(SECRET, UNIX, body)}"
    assert verifier().verify(header, body, NOW)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "garbage",
        "t=,v1=" + "a" * 64,
        f"t={UNIX}",
        f"v1={'a' * 64}",
        f"t={UNIX},v1=xyz",
        f"t={UNIX},v1={'A' * 64}",
        f"t={UNIX},v1={'a' * 63}",
        f"t=-{UNIX},v1={'a' * 64}",
        f"t={UNIX}.5,v1={'a' * 64}",
        f"t={UNIX},t={UNIX},v1={'a' * 64}",
        f"t={UNIX},v1={'a' * 64},=x",
        f"t={UNIX};v1={'a' * 64}",
        f"t=１２３,v1={'a' * 64}",
        f"t={UNIX}," + ",".join([f"v1={'a' * 64}"] * 9),
        "t=1," + "x" * 5000,
    ],
)
def test_malformed_headers_are_refused(header: str) -> None:
    with pytest.raises(InvalidWebhookError) as caught:
        verifier().verify(header, body_of(), NOW)
    assert caught.value.reason == "malformed_header"


def _signed(body: bytes) -> tuple[str, bytes]:
    return sign_webhook(SECRET, body, NOW), body


def _json(document: object) -> bytes:
    return json.dumps(document).encode()


GOOD = json.loads(body_of())


def _with(path: tuple[str, ...], value: object) -> dict[str, Any]:
    document = json.loads(json.dumps(GOOD))
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document  # type: ignore[no-any-return]


def _without(path: tuple[str, ...]) -> dict[str, Any]:
    document = json.loads(json.dumps(GOOD))
    target = document
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return document  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"{",
        b"[]",
        b"null",
        b'"evt"',
        b"\xff\xfe",
        b"[" * 100_000,
        _json(_with(("extra",), 1)),
        _json(_without(("created",))),
        _json(_with(("data",), [])),
        _json(_with(("data", "extra"), 1)),
        _json(_without(("data", "currency"))),
        _json(_with(("data", "amount_minor"), 49.9)),
        _json(_with(("data", "amount_minor"), "4990")),
        _json(_with(("data", "amount_minor"), True)),
        _json(_with(("data", "amount_minor"), -1)),
        _json(_with(("data", "status"), "paid")),
        _json(_with(("data", "currency"), "XXX1")),
        _json(_with(("data", "payment_id"), "")),
        _json(_with(("data", "payment_id"), None)),
        _json(_with(("data", "failure_code"), "Declined for Camille")),
        _json(_with(("type",), "payment.refunded")),
        _json(_with(("created",), 1.5)),
        _json(_with(("created",), -1)),
        _json(_with(("created",), 10**15)),
        _json(_with(("id",), 7)),
        b'{"id":"evt_1","id":"evt_2","type":"payment.captured","created":1,"data":{}}',
        body_of().replace(b"4990", b"NaN"),
        body_of().replace(b"4990", b"Infinity"),
        body_of().replace(b"4990", b"1e3"),
    ],
)
def test_malformed_bodies_are_refused_even_when_signed(body: bytes) -> None:
    """X-9, PAY-4: strict parsing; every failure is InvalidWebhookError('body')."""
    header, raw = _signed(body)
    with pytest.raises(InvalidWebhookError) as caught:
        verifier().verify(header, raw, NOW)
    assert caught.value.reason == "body"


def test_an_oversized_body_is_refused() -> None:
    body = b" " * (64 * 1024 + 1)
    with pytest.raises(InvalidWebhookError, match="body"):
        verifier().verify(sign_webhook(SECRET, body, NOW), body, NOW)


def test_refusals_hold_no_personal_data_or_secrets() -> None:
    """X-9: the error shows the reason only: not the header, body or secret."""
    body = body_of(payment_id="camille-martin")
    with pytest.raises(InvalidWebhookError) as caught:
        verifier().verify(sign_webhook(OTHER, body, NOW), body, NOW)
    error = caught.value
    for text in (str(error), repr(error), str(unstructure(error)), error.message("fr")):
        assert "camille" not in text
        assert "ch_1" not in text
        assert "w" * 32 not in text


def test_verifier_configuration_is_checked() -> None:
    with pytest.raises(InvalidWebhookSecretError, match="no_secret"):
        WebhookVerifier([])
    with pytest.raises(InvalidWebhookSecretError, match="no_secret"):
        WebhookVerifier(SECRET)
    with pytest.raises(InvalidWebhookSecretError, match="too_short"):
        WebhookVerifier([b"short"])
    with pytest.raises(InvalidWebhookSecretError, match="too_short"):
        WebhookVerifier(["w" * 32])  # type: ignore[list-item]
    with pytest.raises(InvalidWebhookSecretError, match="tolerance"):
        WebhookVerifier([SECRET], tolerance=timedelta(0))
    assert "w" * 32 not in repr(verifier())


_STATUSES = st.sampled_from(list(S))
_IDS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,40}", fullmatch=True)


@st.composite
def events(draw: st.DrawFn) -> WebhookEvent:
    status = draw(_STATUSES)
    return WebhookEvent(
        id=draw(_IDS),
        type=f"payment.{status}",
        payment_id=draw(_IDS),
        gateway_reference=draw(_IDS),
        status=status,
        amount_minor=draw(st.integers(0, 10**12)),
        currency=draw(st.sampled_from(["EUR", "USD", "JPY", "KWD"])),
        created_at=datetime.fromtimestamp(draw(st.integers(0, 4_000_000_000)), UTC),
        failure_code=draw(st.none() | st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True)),
    )


@given(events())
def test_any_event_round_trips_through_sign_and_verify(event: WebhookEvent) -> None:
    body = encode_webhook_body(event)
    header = sign_webhook(SECRET, body, NOW)
    assert verifier().verify(header, body, NOW) == event


@given(st.binary(max_size=300))
def test_any_signed_bytes_give_an_event_or_one_typed_error(body: bytes) -> None:
    """X-9: never a bare exception from json or datetime."""
    reasons: list[str] = []
    try:
        verifier().verify(sign_webhook(SECRET, body, NOW), body, NOW)
    except InvalidWebhookError as error:
        reasons.append(error.reason)
    assert reasons in ([], ["body"])


@given(st.text(max_size=200))
def test_any_header_gives_one_typed_error(header: str) -> None:
    with pytest.raises(InvalidWebhookError):
        verifier().verify(header, body_of(), NOW)


# ---------------------------------------------------------------- applying (services)


@pytest.fixture
def paid(
    uow: Any,
    clock: FixedClock,
    sandbox: SandboxGateway,
    payment: Payment,
    make_request: MakeRequest,
) -> Payment:
    tok = sandbox.tokenize("4242424242424242", 12, 2030, "123")
    return charge_payment(uow, clock, sandbox, JOB, payment.id, make_request(payment), tok)


def deliver(uow: Any, sandbox: SandboxGateway, index: int = -1) -> Payment | None:
    """Verify the sandbox's delivery ``index`` and apply it, as an app's endpoint would."""
    delivery = sandbox.outbox[index]
    event = WebhookVerifier([SECRET]).verify(delivery.header, delivery.body, NOW)
    return apply_webhook(uow, JOB, event, NOW)


def test_a_notification_confirms_a_timed_out_charge(
    uow: Any,
    clock: FixedClock,
    sandbox: SandboxGateway,
    payment: Payment,
    make_request: MakeRequest,
) -> None:
    """PAY-3, PAY-4: after a timeout, the gateway's notification captures the payment, and
    a later retry returns it without a second charge."""
    tok = sandbox.tokenize("4000000000000119", 12, 2030, "123")
    with pytest.raises(GatewayTimeoutError):
        charge_payment(uow, clock, sandbox, JOB, payment.id, make_request(payment), tok)
    applied = deliver(uow, sandbox)
    assert applied is not None
    assert applied.status is S.CAPTURED
    assert applied.gateway_reference == sandbox.outbox[-1].event.gateway_reference
    calls = sandbox.calls
    again = charge_payment(uow, clock, sandbox, JOB, payment.id, make_request(payment), tok)
    assert again == applied
    assert sandbox.calls == calls
    assert sandbox.charges == 1


def test_our_own_notifications_change_nothing_after_the_call(
    uow: Any, clock: FixedClock, ids: SequentialIds, sandbox: SandboxGateway, paid: Payment
) -> None:
    """PAY-4: the capture and refund notifications echo what the calls already recorded."""
    assert deliver(uow, sandbox) is None
    refunded = refund_payment(uow, clock, ids, sandbox, JOB, paid.id, 1000)
    assert deliver(uow, sandbox) is None
    assert uow.stored(paid.id) == refunded
    assert len(uow.committed_events) == 2  # both recorded as processed


def test_a_duplicate_notification_changes_nothing(
    uow: Any, sandbox: SandboxGateway, payment: Payment
) -> None:
    """PAY-4: the same event id applied twice is applied once."""
    delivery = sandbox.emit_webhook(
        payment_id=payment.id,
        reference="ch_remote",
        status=S.CAPTURED,
        amount_minor=4990,
        currency="EUR",
    )
    first = deliver(uow, sandbox)
    assert first is not None
    assert first.status is S.CAPTURED
    stored, events_before = uow.stored(payment.id), dict(uow.committed_events)
    assert deliver(uow, sandbox) is None
    assert uow.stored(payment.id) == stored
    assert uow.committed_events == events_before
    assert delivery.event.id in uow.committed_events


def test_a_duplicate_refund_notification_refunds_once(
    uow: Any, sandbox: SandboxGateway, paid: Payment
) -> None:
    """PAY-4: a redelivered partial refund does not refund twice."""
    assert paid.gateway_reference is not None
    sandbox.emit_webhook(
        payment_id=paid.id,
        reference=paid.gateway_reference,
        status=S.PARTIALLY_REFUNDED,
        amount_minor=1000,
        currency="EUR",
    )
    once = deliver(uow, sandbox)
    assert once is not None
    assert once.refunded_minor == 1000
    assert deliver(uow, sandbox) is None
    # A *new* event with the same cumulative total is also a no-op.
    sandbox.emit_webhook(
        payment_id=paid.id,
        reference=paid.gateway_reference,
        status=S.PARTIALLY_REFUNDED,
        amount_minor=1000,
        currency="EUR",
    )
    assert deliver(uow, sandbox) is None
    assert uow.stored(paid.id).refunded_minor == 1000


def test_a_capture_arriving_after_the_refund_is_ignored(
    uow: Any, sandbox: SandboxGateway, payment: Payment
) -> None:
    """PAY-4: out of order — 'captured' after 'refunded' is recorded and ignored."""

    def emit(status: PaymentStatus, amount: int) -> None:
        sandbox.emit_webhook(
            payment_id=payment.id,
            reference="ch_remote",
            status=status,
            amount_minor=amount,
            currency="EUR",
        )

    emit(S.CAPTURED, 4990)  # delivery 0
    emit(S.REFUNDED, 4990)  # delivery 1
    emit(S.CAPTURED, 4990)  # delivery 2: a late redelivery with a new id
    assert deliver(uow, sandbox, 0) is not None
    refunded = deliver(uow, sandbox, 1)
    assert refunded is not None
    assert refunded.status is S.REFUNDED
    assert deliver(uow, sandbox, 2) is None
    assert uow.stored(payment.id) == refunded
    assert sandbox.outbox[2].event.id in uow.committed_events


def test_a_refund_arriving_before_its_capture_is_deferred(
    uow: Any, sandbox: SandboxGateway, payment: Payment
) -> None:
    """PAY-4: nothing is recorded, so the gateway's redelivery is applied later."""
    for status in (S.REFUNDED, S.CAPTURED):
        sandbox.emit_webhook(
            payment_id=payment.id,
            reference="ch_remote",
            status=status,
            amount_minor=4990,
            currency="EUR",
        )
    with pytest.raises(WebhookOutOfOrderError):
        deliver(uow, sandbox, 0)
    assert uow.committed_events == {}
    assert uow.stored(payment.id).status is S.PENDING
    deliver(uow, sandbox, 1)
    redelivered = deliver(uow, sandbox, 0)
    assert redelivered is not None
    assert redelivered.status is S.REFUNDED


def test_a_notification_for_an_unknown_payment_is_a_typed_error(uow: Any) -> None:
    with pytest.raises(PaymentNotFoundError):
        apply_webhook(uow, JOB, make_event(payment_id="nope"), NOW)
    assert uow.committed_events == {}


def test_the_processed_events_store_refuses_a_second_record(uow: Any) -> None:
    """The contract that makes concurrent deliveries safe."""
    with uow:
        uow.processed_events.record("evt_1", NOW)
        with pytest.raises(DuplicateEventError):
            uow.processed_events.record("evt_1", NOW)


def test_a_refund_notification_settles_a_timed_out_refund(
    uow: Any, clock: FixedClock, ids: SequentialIds, sandbox: SandboxGateway, paid: Payment
) -> None:
    """PAY-3, PAY-4: the notification of a refund whose call timed out settles its pending
    record; retrying with the same refund id then refunds nothing more."""
    assert paid.gateway_reference is not None
    sandbox.timeout_next_call()
    with pytest.raises(GatewayTimeoutError):
        refund_payment(uow, clock, ids, sandbox, JOB, paid.id, 1500, refund_id="support-7")
    settled = deliver(uow, sandbox)
    assert settled is not None
    assert settled.refunded_minor == 1500
    assert settled.pending_refund is None
    assert settled.refund_record("support-7").status is RefundStatus.SUCCEEDED
    calls = sandbox.calls
    again = refund_payment(uow, clock, ids, sandbox, JOB, paid.id, 1500, refund_id="support-7")
    assert again == settled
    assert sandbox.calls == calls
    assert sandbox.refunded_total(paid.gateway_reference) == 1500
