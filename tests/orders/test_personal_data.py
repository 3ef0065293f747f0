"""PRV-1 … PRV-4 for orders, support requests and the payments that follow them.

The providers are run through the privacy engine (``run_sweep``, ``export_subject``,
``erase_subject``) on memory, SQLite and PostgreSQL. The properties compare a sweep with a
model built from the domain alone (an order's retention stage and clock, the schedule's
``is_due``), at instants told by an advancing clock; they run on memory and, with fewer
examples, on SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import String, select

from klickit_core.adapters.export import HtmlBundleRenderer
from klickit_core.adapters.memory import MemoryStore
from klickit_core.adapters.sql import SqlStore
from klickit_core.adapters.sql import tables as t
from klickit_core.consents.domain import ConsentRecord
from klickit_core.consents.personal_data import (
    CONSENTS_CATEGORY,
    STANDING_CATEGORY,
    ConsentsProvider,
    erasure_withdrawal_id,
)
from klickit_core.orders.domain import (
    HOLDS_STOCK,
    PAID_STAGES,
    Order,
    OrderStatus,
    RetentionStage,
    SupportRequest,
)
from klickit_core.orders.personal_data import (
    ORDERS_AFTER_SALES,
    ORDERS_CANCELLED,
    ORDERS_CANCELLED_AFTER_PAYMENT,
    ORDERS_COMPLETED,
    ORDERS_FAILED,
    ORDERS_UNPAID,
    SUPPORT_REQUESTS,
    OrdersProvider,
    category_of,
)
from klickit_core.payments.domain import Payment
from klickit_core.payments.personal_data import PAYMENTS_DETAILS, PaymentsProvider
from klickit_core.personal_data import (
    ACCOUNTING_OBLIGATION,
    CIVIL_LIMITATION,
    CONTRACT,
    DataSubject,
    ExportField,
    ExportRecord,
    FieldKind,
    InvalidSweepDataError,
    RetentionAction,
    SweepCursor,
    SweepTask,
)
from klickit_core.privacy.bundle import bundle_to_json
from klickit_core.privacy.erasure import ErasureReport, erase_subject
from klickit_core.privacy.export import export_subject
from klickit_core.privacy.registry import BoundRegistry, PrivacyRegistry, RegistryScheduleError
from klickit_core.privacy.retention import RetentionSchedule, cutoff, is_due
from klickit_core.privacy.sweep import SweepReport, run_sweep
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.addresses import PostalAddress
from klickit_core.testing import AdvancingClock, SequentialIds
from klickit_core.testing import strategies as kst
from klickit_core.testing.contracts import sql
from klickit_core.testing.contracts.anonymised import (
    assert_order_anonymised,
    assert_order_stripped,
)
from klickit_core.testing.contracts.builders import T0, product
from klickit_core.testing.contracts.order_sweeps import (
    DAY,
    cancelled,
    cancelled_after_payment,
    checkout_consent,
    completed,
    failed,
    paid_payment,
    request,
    unpaid,
)

NOW = T0
HOUR = timedelta(hours=1)
JOB = Actor.system("retention-sweep")
ADMIN = Actor("admin-1", Role.ADMINISTRATOR)
SCHEDULE = RetentionSchedule.defaults()
MakeUow = Callable[[], Any]
#: One id sequence for the module: audit entries and runs never share an id.
IDS = SequentialIds("id")

ZOE = DataSubject.of("Zoe.Quintessa@Example.fr", "cust-zoe")
ZOE_HOME = PostalAddress("FR", "33330", "Saint-Émilion", ("7 impasse des Chartreux",), "Gironde")
ZOE_PHONE = "+33639980001"
ZOE_IP = "192.0.2.77"
#: What must vanish from every table, except from the rows kept under a legal basis.
ZOE_VALUES = (ZOE.email, "Quintessa", ZOE_PHONE, ZOE_IP, "impasse des Chartreux", "Saint-Émilion")


def bound(*providers: Any, schedule: RetentionSchedule = SCHEDULE) -> BoundRegistry[Any]:
    chosen = providers or (OrdersProvider(), PaymentsProvider())
    return PrivacyRegistry(list(chosen)).bind(schedule)


def zoe(order: Order, **fields: Any) -> Order:
    """``order`` placed by Zoé (a contact and an address nobody else has)."""
    contact = attrs.evolve(
        order.contact, first_name="Zoé", last_name="Quintessa", email=ZOE.email, phone=ZOE_PHONE
    )
    return attrs.evolve(
        order,
        contact=contact,
        billing_address=ZOE_HOME,
        shipping_address=ZOE_HOME,
        ip_address=ZOE_IP,
        customer_id=fields.pop("customer_id", ZOE.customer_id),
        **fields,
    )


def store_all(make_uow: MakeUow, *items: Any) -> None:
    with make_uow() as uow:
        for item in items:
            if isinstance(item, Order):
                uow.orders.add(item)
            elif isinstance(item, SupportRequest):
                uow.support_requests.add(item)
            elif isinstance(item, Payment):
                uow.payments.add(item)
            elif isinstance(item, ConsentRecord):
                uow.consents.add(item)
            else:
                uow.products.add(item)
        uow.commit()


# ---------------------------------------------------------------------------- backends
@pytest.fixture(scope="module")
def sqlite_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlStore]:
    with sql.sqlite_store(tmp_path_factory.mktemp("orders-privacy") / "shop.db") as store:
        yield store


@pytest.fixture(scope="module")
def postgres_shop() -> Iterator[SqlStore]:
    with sql.postgres_store(sql.postgres_url_or_skip(), prefix="klickit_orders_privacy") as store:
        yield store


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> tuple[str, MakeUow, SqlStore | None]:
    if request.param == "memory":
        return "memory", MemoryStore().unit_of_work, None
    store: SqlStore = request.getfixturevalue(f"{request.param}_shop")
    sql.empty(store)
    return request.param, store.unit_of_work, store


# ---------------------------------------------------------------------------- declaration
def test_the_providers_fit_the_default_schedule() -> None:
    """PRV-1: every category names a default rule, starts from its event, and supports
    the rule's action; paid orders may be anonymised (the default) or deleted."""
    registry = bound()
    ids = [entry.category.id for entry in registry.entries()]
    assert ids == [
        SUPPORT_REQUESTS,
        ORDERS_COMPLETED,
        ORDERS_CANCELLED_AFTER_PAYMENT,
        ORDERS_AFTER_SALES,
        ORDERS_CANCELLED,
        ORDERS_FAILED,
        ORDERS_UNPAID,
        PAYMENTS_DETAILS,
    ]
    assert registry.rule_for(PAYMENTS_DETAILS).id == "orders.completed"
    assert registry.category(ORDERS_COMPLETED).legal_basis == ACCOUNTING_OBLIGATION
    assert registry.category(SUPPORT_REQUESTS).legal_basis == CIVIL_LIMITATION
    deleting = SCHEDULE.with_overrides(actions={"orders.completed": "delete"})
    assert bound(schedule=deleting).rule_for(ORDERS_COMPLETED).action is RetentionAction.DELETE


def test_paid_orders_keep_the_invoice_ten_years_and_the_rest_two() -> None:
    """PRV-1 (issue #19): orders cancelled or failed after payment are a category of their
    own, ten years (a legal minimum) from that end on the accounting obligation, then
    anonymised; the after-sales data of every paid order (phone, IP address, account
    link, staff history) has a category of two years on the contract, whose end only
    strips it (no shop may make it delete the order); the paid categories name only what
    the invoice needs, as the policy does."""
    registry = bound()
    paid_then_ended = registry.category(ORDERS_CANCELLED_AFTER_PAYMENT)
    rule = registry.rule_for(ORDERS_CANCELLED_AFTER_PAYMENT)
    assert (paid_then_ended.legal_basis, rule.period.iso, rule.action.value) == (
        ACCOUNTING_OBLIGATION,
        "P10Y",
        "anonymise",
    )
    assert rule.minimum is not None
    assert rule.minimum.iso == "P10Y"
    after_sales = registry.category(ORDERS_AFTER_SALES)
    assert after_sales.legal_basis == CONTRACT
    assert registry.rule_for(ORDERS_AFTER_SALES).period.iso == "P2Y"
    assert after_sales.actions == frozenset({RetentionAction.ANONYMISE})
    assert [f.key for f in after_sales.fields] == [
        "phone",
        "ip_address",
        "customer_account",
        "staff_history",
    ]
    invoice = ["name", "email", "billing_address", "shipping_address"]
    for category in (ORDERS_COMPLETED, ORDERS_CANCELLED_AFTER_PAYMENT):
        assert [f.key for f in registry.category(category).fields] == invoice
    with pytest.raises(RegistryScheduleError):
        bound(schedule=SCHEDULE.with_overrides(actions={"orders.after_sales": "delete"}))


def test_an_order_is_exported_and_erased_under_its_stage() -> None:
    """PRV-1: open orders have no clock; they count as paid orders when money came in."""
    old = NOW - 40 * DAY
    assert category_of(unpaid("o", old)) == ORDERS_UNPAID
    assert category_of(unpaid("o", old).with_payment(100)) == ORDERS_COMPLETED
    processing = unpaid("o", old).with_payment(2980).moved_to(OrderStatus.PROCESSING, old, "g")
    assert category_of(processing) == ORDERS_COMPLETED
    assert processing.retention_clock is None
    assert category_of(cancelled("o", old)) == ORDERS_CANCELLED
    assert category_of(failed("o", old)) == ORDERS_FAILED
    assert category_of(cancelled_after_payment("o", old)) == ORDERS_CANCELLED_AFTER_PAYMENT
    ended = cancelled_after_payment("o", old, failed=True)
    assert category_of(ended) == ORDERS_CANCELLED_AFTER_PAYMENT


_SETTLED = {OrderStatus.COMPLETED, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED}


@given(kst.orders())
def test_every_order_has_the_stage_and_clock_its_life_says(order: Order) -> None:
    """PRV-1: unpaid from placement; paid from completion or the last refund, whichever
    is later; cancelled and failed from that end; processing has no clock yet; an
    anonymised order is in no stage and keeps its accounting figures."""
    stage, clock = order.retention_stage, order.retention_clock
    if order.status is OrderStatus.PROCESSING:
        assert (stage, clock) == (None, None)
    elif order.status in HOLDS_STOCK:
        assert (stage, clock) == (RetentionStage.UNPAID, order.placed_at)
    elif order.status in _SETTLED:
        assert stage is RetentionStage.COMPLETED
        assert clock is not None
        assert clock >= order.history[-1].at
        assert clock == max(d for d in (order.completed_at, order.refunded_at) if d)
    elif order.status is OrderStatus.CANCELLED:
        assert (stage, clock) == (RetentionStage.CANCELLED, order.cancelled_at)
    else:
        assert (stage, clock) == (RetentionStage.FAILED, order.failed_at)
    faded = order.anonymised(NOW)
    assert (faded.retention_stage, faded.retention_clock) == (None, None)
    assert (faded.lines, faded.vat, faded.total_minor, faded.status) == (
        order.lines,
        order.vat,
        order.total_minor,
        order.status,
    )
    assert faded.billing_address == PostalAddress(order.billing_address.country)
    assert (faded.contact.email, faded.ip_address, faded.customer_id) == ("", None, None)
    assert [c.at for c in faded.history] == [c.at for c in order.history]
    assert {c.actor for c in faded.history} <= {""}


def test_a_cursor_the_provider_did_not_make_is_refused_and_nothing_is_written() -> None:
    """X-9: a forged checkpoint cursor is a typed error, before any write."""
    store = MemoryStore()
    store_all(store.unit_of_work, cancelled("o-1", NOW - 40 * DAY))
    task = SweepTask(
        ORDERS_CANCELLED, "orders.cancelled", NOW - 10 * DAY, RetentionAction.DELETE, NOW
    )
    with store.unit_of_work() as uow, pytest.raises(InvalidSweepDataError):
        OrdersProvider().sweep_batch(
            uow, task, after=SweepCursor("not a cursor"), limit=5, dry_run=False
        )
    wrong = attrs.evolve(task, category_id="orders.nope")
    with store.unit_of_work() as uow, pytest.raises(InvalidSweepDataError):
        OrdersProvider().sweep_batch(uow, wrong, after=None, limit=5, dry_run=False)
    with store.unit_of_work() as uow:
        assert uow.orders.get("o-1") is not None


# ---------------------------------------------------------------------------- export
def _fields(record: ExportRecord) -> dict[str, ExportField]:
    return {item.key: item for item in record.fields}


def test_the_export_holds_every_order_with_its_lines_vat_history_and_requests(
    backend: tuple[str, MakeUow, SqlStore | None],
) -> None:
    """PRV-3: the person's orders (by email and by account), typed and labelled: contact,
    addresses, IP, lines, VAT, status history (never who moved it), support requests and
    payments (never an idempotency key); another person's nothing."""
    _name, make_uow, _store = backend
    done = zoe(completed("o-1", NOW - 300 * DAY, refunded_at=NOW - 200 * DAY))
    guest = zoe(cancelled("o-2", NOW - 2 * DAY), customer_id=None)
    other = unpaid("o-3", NOW - DAY, customer_id="cust-bob", email="bob@example.fr")
    store_all(
        make_uow,
        done,
        guest,
        other,
        paid_payment("pay-1", done),
        request("r-1", "o-1", NOW - 250 * DAY, closed=NOW - 249 * DAY),
        request("r-3", "o-3", NOW),
    )
    bundle = export_subject(bound(), make_uow(), ADMIN, ZOE, now=NOW, ids=SequentialIds("e"))
    by_category = {section.category_id: section for section in bundle.sections}
    assert set(by_category) == {
        ORDERS_COMPLETED,
        ORDERS_CANCELLED,
        SUPPORT_REQUESTS,
        PAYMENTS_DETAILS,
    }
    (record,) = by_category[ORDERS_COMPLETED].records
    fields = _fields(record)
    assert record.reference == done.number
    assert fields["email"].value == ZOE.email
    assert fields["email"].kind is FieldKind.EMAIL
    assert (
        fields["billing_address"].value
        == "7 impasse des Chartreux\n33330 Saint-Émilion\nGironde\nFR"
    )
    assert fields["ip_address"].value == ZOE_IP
    assert fields["total"].value == done.total.amount
    assert fields["total"].currency == "EUR"
    assert fields["refunded_at"].value == NOW - 200 * DAY
    assert fields["completed_at"].value == done.completed_at
    labels = [child.label for child in record.children]
    assert labels.count("Order line") == 1
    assert labels.count("VAT") == 1
    assert labels.count("Status change") == len(done.history)
    (ticket,) = by_category[SUPPORT_REQUESTS].records
    assert _fields(ticket)["order_number"].value == done.number
    (paid,) = by_category[PAYMENTS_DETAILS].records
    assert _fields(paid)["card_last4"].value == "4242"
    text = bundle_to_json(bundle)
    assert "staff-1" not in text  # staff ids are not the person's data
    assert "bob@example.fr" not in text
    assert paid_payment("pay-1", done).idempotency_key not in text
    html = HtmlBundleRenderer().render(bundle, "fr")
    assert "Saint-Émilion" in html
    assert json.loads(text)["subject"]["email"] == ZOE.email


# ---------------------------------------------------------------------------- erasure
def _zoe_shop(make_uow: MakeUow) -> dict[str, Order]:
    """Zoé's orders in every situation, Bob's beside them, and what hangs off them."""
    orders = {
        "unpaid": zoe(unpaid("o-unpaid", NOW - 2 * DAY)),
        "cancelled": zoe(cancelled("o-cancelled", NOW - 2 * DAY)),
        "failed": zoe(failed("o-failed", NOW - 3 * DAY)),
        "recent": zoe(completed("o-recent", NOW - 400 * DAY, refunded_at=NOW - 300 * DAY)),
        "processing": zoe(
            unpaid("o-processing", NOW - DAY)
            .with_payment(2980)
            .moved_to(OrderStatus.PROCESSING, NOW - DAY, "gateway")
        ),
        "ancient": zoe(completed("o-ancient", NOW - 3700 * DAY)),
        "guest": zoe(completed("o-guest", NOW - 100 * DAY), customer_id=None),
        "bob": completed("o-bob", NOW - 3700 * DAY, customer_id="cust-bob", email="bob@example.fr"),
    }
    store_all(
        make_uow,
        product("MUG", stock=10),
        *orders.values(),
        attrs.evolve(
            request("r-cancelled", "o-cancelled", NOW - DAY), message=f"Rappelez-moi au {ZOE_PHONE}"
        ),
        attrs.evolve(
            request("r-recent", "o-recent", NOW - 350 * DAY), message=f"Mon numéro : {ZOE_PHONE}"
        ),
        request("r-old", "o-ancient", NOW - 3690 * DAY, closed=NOW - 2000 * DAY),
        request("r-stale", "o-ancient", NOW - 3690 * DAY),
        request("r-bob", "o-bob", NOW - 3690 * DAY),
        paid_payment("pay-recent", orders["recent"]),
        paid_payment("pay-cancelled", orders["cancelled"]),
        paid_payment("pay-bob", orders["bob"]),
    )
    return orders


def _erase(make_uow: MakeUow, *, dry_run: bool = False, providers: Any = ()) -> ErasureReport:
    return erase_subject(bound(*providers), make_uow(), JOB, ZOE, now=NOW, ids=IDS, dry_run=dry_run)


def _state(make_uow: MakeUow) -> tuple[Any, ...]:
    with make_uow() as uow:
        orders = {o.id: o for o in uow.orders.list(limit=1000)}
        requests = {r.id: r for r in uow.support_requests.for_orders(sorted(orders))}
        requests |= {
            r.id: r
            for r in uow.support_requests.for_orders(["o-cancelled", "o-unpaid", "o-failed"])
        }
        payments = {p.id: p for oid in orders for p in uow.payments.for_order(oid)}
        payments |= {p.id: p for p in uow.payments.for_order("o-cancelled")}
        mug = uow.products.get("MUG")
        return orders, requests, payments, mug.stock if mug else None


def test_erasure_deletes_anonymises_and_keeps_what_the_law_requires(
    backend: tuple[str, MakeUow, SqlStore | None],
) -> None:
    """PRV-4: unpaid, cancelled and failed orders go (the unpaid one's stock comes back),
    paid orders past ten years are anonymised, the others are kept with the Code de
    commerce L123-22 and their last day, restricted to staff; support requests follow
    their order or their own five years; the card summary goes at once."""
    _name, make_uow, _store = backend
    placed = _zoe_shop(make_uow)
    report = _erase(make_uow)
    by_category = {c.category_id: c for o in report.outcomes for c in o.categories}
    assert by_category[ORDERS_UNPAID].deleted == 1
    assert by_category[ORDERS_CANCELLED].deleted == 1
    assert by_category[ORDERS_FAILED].deleted == 1
    assert by_category[ORDERS_COMPLETED].anonymised == 1
    kept = {k.reference: k for k in by_category[ORDERS_COMPLETED].kept}
    recent, processing, guest = placed["recent"], placed["processing"], placed["guest"]
    assert set(kept) == {recent.number, processing.number, guest.number}
    assert kept[recent.number].legal_basis == ACCOUNTING_OBLIGATION
    assert kept[recent.number].keep_until.isoformat() == "2036-01-28"  # refund + 10 years
    assert kept[processing.number].keep_until.isoformat() == "2036-11-24"  # not started yet
    requests = by_category[SUPPORT_REQUESTS]
    assert requests.deleted == 3  # with its order, past five years, left open on an old order
    (ticket,) = requests.kept
    assert ticket.legal_basis == CIVIL_LIMITATION
    assert ticket.reference.startswith(recent.number)
    assert by_category[PAYMENTS_DETAILS].anonymised == 1  # the card of the kept order

    orders, tickets, payments, stock = _state(make_uow)
    assert set(orders) == {"o-recent", "o-processing", "o-ancient", "o-guest", "o-bob"}
    assert orders["o-recent"] == recent.restricted(NOW)
    assert orders["o-ancient"] == placed["ancient"].anonymised(NOW)
    assert orders["o-bob"] == placed["bob"]
    assert set(tickets) == {"r-recent", "r-bob"}
    assert tickets["r-recent"].customer_id is None
    assert set(payments) == {"pay-recent", "pay-bob"}
    assert payments["pay-recent"].card is None
    assert payments["pay-recent"].gateway_reference == "ch_pay-recent"
    assert stock == 12  # the unpaid order's two mugs came back
    with make_uow() as uow:
        assert uow.orders.list(customer_id=ZOE.customer_id) == []  # gone from the account


def test_erasing_twice_changes_nothing_the_second_time(
    backend: tuple[str, MakeUow, SqlStore | None],
) -> None:
    """PRV-4: idempotent — nothing deleted or anonymised, the same records kept."""
    _name, make_uow, _store = backend
    _zoe_shop(make_uow)
    first = _erase(make_uow)
    after_first = _state(make_uow)
    second = _erase(make_uow)
    assert not second.changed
    assert second.kept == first.kept
    assert _state(make_uow) == after_first


def test_a_dry_run_erasure_writes_nothing_and_tells_the_same(
    backend: tuple[str, MakeUow, SqlStore | None],
) -> None:
    """PRV-4: a dry run reports what the erasure would do, and changes nothing."""
    _name, make_uow, _store = backend
    _zoe_shop(make_uow)
    before = _state(make_uow)
    dry = _erase(make_uow, dry_run=True)
    assert _state(make_uow) == before
    real = _erase(make_uow)
    assert (dry.deleted, dry.anonymised, dry.kept) == (real.deleted, real.anonymised, real.kept)


def test_the_providers_may_erase_in_either_order(
    backend: tuple[str, MakeUow, SqlStore | None],
) -> None:
    """PRV-4: payments follow their order whichever provider runs first."""
    _name, make_uow, _store = backend
    _zoe_shop(make_uow)
    _erase(make_uow, providers=(PaymentsProvider(), OrdersProvider()))
    orders, _tickets, payments, stock = _state(make_uow)
    assert set(payments) == {"pay-recent", "pay-bob"}
    assert payments["pay-recent"].card is None
    assert set(orders) == {"o-recent", "o-processing", "o-ancient", "o-guest", "o-bob"}
    assert stock == 12


def test_the_orders_kept_after_erasure_hold_no_ip_address_nor_phone(
    backend: tuple[str, MakeUow, SqlStore | None],
) -> None:
    """PRV-4 (issue #12): an order kept for the accounting obligation keeps what an
    invoice needs (name, email, both addresses, lines, amounts) and loses the client IP
    address and the phone number, which that obligation does not cover; a second erasure
    changes nothing more, and other people's orders keep theirs."""
    _name, make_uow, _store = backend
    placed = _zoe_shop(make_uow)
    _erase(make_uow)
    orders, *_rest = _state(make_uow)
    for key in ("recent", "processing", "guest"):
        kept = orders[placed[key].id]
        assert kept.ip_address is None
        assert kept.contact.phone == ""
        assert kept.contact.email == ZOE.email
        assert (kept.contact.first_name, kept.contact.last_name) == ("Zoé", "Quintessa")
        assert (kept.billing_address, kept.shipping_address) == (ZOE_HOME, ZOE_HOME)
        assert (kept.lines, kept.total_minor) == (placed[key].lines, placed[key].total_minor)
    assert orders["o-bob"].ip_address == placed["bob"].ip_address is not None
    assert orders["o-bob"].contact.phone == placed["bob"].contact.phone != ""
    assert not _erase(make_uow).changed


def test_an_order_ended_after_payment_is_exported_kept_and_erased_under_its_category(
    backend: tuple[str, MakeUow, SqlStore | None],
) -> None:
    """PRV-1, PRV-3, PRV-4 (issue #19): orders cancelled or failed after money was taken
    are exported under ``orders.cancelled_after_payment``; an erasure keeps those inside
    their ten years (Code de commerce L123-22, ten years from the cancellation, reported
    under that category), restricted and stripped of their after-sales data, anonymises
    the one past them, and forgets the card of the payment that took the money."""
    _name, make_uow, _store = backend
    young = zoe(cancelled_after_payment("o-young", NOW - 100 * DAY))
    ended = zoe(cancelled_after_payment("o-ended", NOW - 50 * DAY, failed=True))
    old = zoe(cancelled_after_payment("o-old", NOW - 3700 * DAY))
    store_all(make_uow, young, ended, old, paid_payment("pay-young", young))
    bundle = export_subject(bound(), make_uow(), ADMIN, ZOE, now=NOW, ids=SequentialIds("c"))
    sections = {section.category_id: section for section in bundle.sections}
    assert set(sections) == {ORDERS_CANCELLED_AFTER_PAYMENT, PAYMENTS_DETAILS}
    records = sections[ORDERS_CANCELLED_AFTER_PAYMENT].records
    assert [r.reference for r in records] == [old.number, young.number, ended.number]
    assert _fields(records[1])["stripped_at"].value is None
    report = _erase(make_uow)
    erased = {c.category_id: c for o in report.outcomes for c in o.categories}
    paid_then_ended = erased[ORDERS_CANCELLED_AFTER_PAYMENT]
    assert (paid_then_ended.deleted, paid_then_ended.anonymised) == (0, 1)
    kept = {k.reference: k for k in paid_then_ended.kept}
    assert set(kept) == {young.number, ended.number}
    assert kept[young.number].legal_basis == ACCOUNTING_OBLIGATION
    assert kept[young.number].keep_until.isoformat() == "2036-08-16"  # cancelled + 10 years
    assert erased[ORDERS_COMPLETED].kept == ()
    assert erased[ORDERS_CANCELLED].deleted == erased[ORDERS_FAILED].deleted == 0
    assert erased[PAYMENTS_DETAILS].anonymised == 1
    with make_uow() as uow:
        for original in (young, ended):
            found = uow.orders.get(original.id)
            assert found == original.restricted(NOW)
            assert_order_stripped(original, attrs.evolve(found, restricted_at=None))
        assert_order_anonymised(old, uow.orders.get("o-old"))
        payment = uow.payments.get("pay-young")
        assert payment is not None
        assert (payment.card, payment.gateway_reference) == (None, "ch_pay-young")
    assert not _erase(make_uow).changed


def test_a_sweep_strips_paid_orders_after_two_years_and_says_so(
    backend: tuple[str, MakeUow, SqlStore | None],
) -> None:
    """PRV-1, PRV-2 (issue #19): a sweep strips the after-sales data of the paid orders
    (completed, refunded, cancelled or failed after payment) whose clock is a day past two
    years, reports them under ``orders.after_sales``, leaves the paid orders a day inside
    and those past ten years (anonymised, counted once, under their own category); the
    dry run says the same, and a second run finds nothing."""
    _name, make_uow, _store = backend
    past = NOW - 732 * DAY  # the cutoff is 24 November 2024, midnight in Paris
    inside = NOW - 729 * DAY
    orders = {
        "done": completed("o-done", past),
        "refunded": completed("o-refunded", past - 400 * DAY, refunded_at=past),
        "ended": cancelled_after_payment("o-ended", past),
        "ended-failed": cancelled_after_payment("o-ended-failed", past, failed=True),
        "inside": completed("o-inside", inside),
        "refunded-inside": completed("o-refunded-inside", past, refunded_at=inside),
        "ancient": completed("o-ancient", NOW - 3700 * DAY),
        "ancient-ended": cancelled_after_payment("o-ancient-ended", NOW - 3700 * DAY),
    }
    store_all(make_uow, *orders.values())
    dry = sweep(make_uow, NOW, dry_run=True)
    real = sweep(make_uow, NOW)
    assert [c.tally for c in dry.categories] == [c.tally for c in real.categories]
    assert real.category(ORDERS_AFTER_SALES).tally.anonymised == 4
    assert real.category(ORDERS_COMPLETED).tally.anonymised == 1
    assert real.category(ORDERS_CANCELLED_AFTER_PAYMENT).tally.anonymised == 1
    with make_uow() as uow:
        for key in ("done", "refunded", "ended", "ended-failed"):
            assert_order_stripped(orders[key], uow.orders.get(orders[key].id))
        for key in ("inside", "refunded-inside"):
            assert uow.orders.get(orders[key].id) == orders[key]
        for key in ("ancient", "ancient-ended"):
            assert_order_anonymised(orders[key], uow.orders.get(orders[key].id))
    again = sweep(make_uow, NOW)
    assert (again.examined, again.deleted, again.anonymised) == (0, 0, 0)


def test_an_erasure_takes_the_terms_of_sale_along_with_their_orders(
    backend: tuple[str, MakeUow, SqlStore | None],
) -> None:
    """PRV-4, PRV-5 (issue #12): the terms of the orders an erasure deletes or anonymises
    go with them; those of the orders it keeps stay with them, off the account; the
    newsletter chosen at a deleted order's checkout loses the order link and is withdrawn
    and kept as any consent. A dry run reports the same."""
    _name, make_uow, _store = backend
    placed = _zoe_shop(make_uow)
    store_all(
        make_uow,
        *(checkout_consent(f"terms-{key}", order) for key, order in placed.items()),
        checkout_consent("nl", placed["cancelled"], "newsletter"),
    )
    providers = (OrdersProvider(), PaymentsProvider(), ConsentsProvider())
    dry = _erase(make_uow, providers=providers, dry_run=True)
    report = _erase(make_uow, providers=providers)
    assert (dry.deleted, dry.anonymised) == (report.deleted, report.anonymised)
    assert dry.kept == report.kept
    with make_uow() as uow:
        left = {r.id: r for r in uow.consents.for_subject(ZOE.email)}
    withdrawal = erasure_withdrawal_id("nl")
    assert set(left) == {"terms-recent", "terms-processing", "terms-guest", "nl", withdrawal}
    for key in ("recent", "processing", "guest"):
        terms = checkout_consent(f"terms-{key}", placed[key])
        assert left[f"terms-{key}"] == attrs.evolve(terms, customer_id=None)
    assert left["nl"].order_id is None
    assert left[withdrawal].granted is False
    consents = {
        c.category_id: c for o in report.outcomes if o.provider == "consents" for c in o.categories
    }
    assert {k.reference for k in consents[CONSENTS_CATEGORY].kept} == {"nl", withdrawal}
    assert (consents[CONSENTS_CATEGORY].deleted, consents[STANDING_CATEGORY].deleted) == (0, 0)
    with make_uow() as uow:  # Bob's are untouched
        bobs = uow.consents.for_subject("bob@example.fr")
    assert bobs == [checkout_consent("terms-bob", placed["bob"])]


def test_twenty_years_on_no_guest_email_is_left_in_the_consent_ledger(
    backend: tuple[str, MakeUow, SqlStore | None],
) -> None:
    """PRV-1, PRV-2, PRV-5 (issue #12): a guest's order of twenty years ago is anonymised
    and its terms of sale go with it; the newsletter consent of that checkout, never
    withdrawn, ends eight years after it was given (``consents.standing``): one given on
    the day whose period ends today stays, one given the day before goes. Recent orders
    keep their terms; a dry run counts what the real run does."""
    _name, make_uow, _store = backend
    guest = completed("o-gaston", NOW - 7305 * DAY, customer_id=None, email="gaston@example.fr")
    recent = completed("o-bob", NOW - 365 * DAY, customer_id=None, email="bob@example.fr")

    def newsletter(record_id: str, email: str, given: datetime) -> ConsentRecord:
        return ConsentRecord(record_id, email, "newsletter", "nl-1", True, given, "account")

    last_day = datetime(2018, 11, 24, 12, tzinfo=NOW.tzinfo)  # kept until 2026-11-24: today
    store_all(
        make_uow,
        guest,
        recent,
        checkout_consent("k-gaston", guest),
        checkout_consent("n-gaston", guest, "newsletter"),
        checkout_consent("k-bob", recent),
        newsletter("n-ida", "ida@example.fr", last_day),
        newsletter("n-jo", "jo@example.fr", last_day - DAY),
    )
    providers = (OrdersProvider(), PaymentsProvider(), ConsentsProvider())
    dry = sweep(make_uow, NOW, *providers, dry_run=True)
    real = sweep(make_uow, NOW, *providers)
    assert [c.tally for c in dry.categories] == [c.tally for c in real.categories]
    assert real.category(ORDERS_COMPLETED).tally.anonymised == 1
    assert real.category(STANDING_CATEGORY).tally.deleted == 2  # n-gaston, n-jo
    assert real.category(CONSENTS_CATEGORY).tally.deleted == 0
    with make_uow() as uow:
        assert uow.consents.for_subject("gaston@example.fr") == []
        assert uow.orders.for_subject("gaston@example.fr") == []
        assert uow.orders.get("o-gaston").contact.email == ""
        assert [r.id for r in uow.consents.for_subject("bob@example.fr")] == ["k-bob"]
        assert [r.id for r in uow.consents.for_subject("ida@example.fr")] == ["n-ida"]
        assert uow.consents.for_subject("jo@example.fr") == []


_SCANNED = (
    t.orders,
    t.order_lines,
    t.order_vat,
    t.order_history,
    t.support_requests,
    t.payments,
    t.payment_refunds,
    t.stock_movements,
)


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_after_erasure_the_person_is_nowhere_but_in_rows_kept_and_reported(
    engine: str, request: pytest.FixtureRequest
) -> None:
    """PRV-4: every text column of the orders, payments and support tables is scanned for
    the person's email, name, phone, IP and address: they remain only in rows kept under a
    legal basis, and each of those is listed in the report."""
    store: SqlStore = request.getfixturevalue(f"{engine}_shop")
    sql.empty(store)
    _zoe_shop(store.unit_of_work)
    report = _erase(store.unit_of_work)
    reported = {kept.reference for kept in report.kept}
    holders: set[str] = set()
    numbers: dict[str, str] = {}
    with store.engine.connect() as connection:
        numbers = dict(
            tuple(row) for row in connection.execute(select(t.orders.c.id, t.orders.c.number))
        )  # type: ignore[misc]
        for table in _SCANNED:
            texts = [c for c in table.columns if isinstance(c.type, String)]
            for row in connection.execute(select(table)):
                values = row._mapping
                if not any(
                    needle in str(values[column.name])
                    for column in texts
                    for needle in ZOE_VALUES
                    if values[column.name] is not None
                ):
                    continue
                if table is t.orders:
                    holders.add(values["number"])
                elif table is t.support_requests:
                    created = values["created_at"].date().isoformat()
                    holders.add(f"{numbers[values['order_id']]} {created}")
                else:  # pragma: no cover - no other table holds them
                    holders.add(f"{table.name}:{values}")
    assert holders
    assert holders <= reported
    assert numbers  # Bob's order and the anonymised one are still there


# ---------------------------------------------------------------------------- sweeps
KINDS = (
    "unpaid",
    "cancelled",
    "failed",
    "completed",
    "refunded",
    "processing",
    "cancelled_after_payment",
    "failed_after_payment",
)


@st.composite
def shops(draw: st.DrawFn, max_size: int = 10) -> list[Any]:
    """Orders of every kind with clocks from now back to twelve years, some with a paid
    payment, some with support requests (open or closed)."""
    items: list[Any] = [product("MUG", stock=50)]
    for n in range(draw(st.integers(0, max_size))):
        kind = draw(st.sampled_from(KINDS))
        at = NOW - draw(st.integers(0, 12 * 366 * 24)) * HOUR
        order_id = f"o-{n:03d}"
        if kind == "unpaid":
            order = unpaid(order_id, at)
        elif kind == "cancelled":
            order = cancelled(order_id, at)
        elif kind == "failed":
            order = failed(order_id, at)
        elif kind == "completed":
            order = completed(order_id, at)
        elif kind == "refunded":
            order = completed(order_id, at - draw(st.integers(0, 900)) * DAY, refunded_at=at)
        elif kind.endswith("_after_payment"):  # issue #19: ended once money was taken
            order = cancelled_after_payment(order_id, at, failed=kind.startswith("failed"))
        else:
            order = (
                unpaid(order_id, at)
                .with_payment(2980)
                .moved_to(OrderStatus.PROCESSING, at + HOUR, "gateway")
            )
        items.append(order)
        items.append(checkout_consent(f"k-{n:03d}", order))  # its terms of sale
        if draw(st.booleans()):  # and a newsletter choice made at its checkout
            items.append(checkout_consent(f"n-{n:03d}", order, "newsletter"))
        if kind not in ("unpaid", "cancelled", "failed") and draw(st.booleans()):
            items.append(paid_payment(f"p-{n:03d}", order))
        if draw(st.booleans()):
            sent = order.placed_at + HOUR
            closing = draw(st.none() | st.integers(0, 4000))
            closed = None if closing is None else min(sent + closing * DAY, NOW)
            items.append(request(f"r-{n:03d}", order_id, sent, closed=closed))
    return items


@attrs.frozen
class Shop:
    """What a sweep may change: orders, support requests, payments, the mug's stock, and
    the consents given at each checkout."""

    orders: dict[str, Order]
    requests: dict[str, SupportRequest]
    payments: dict[str, Payment]
    stock: int
    consents: dict[str, ConsentRecord]


def initial(items: list[Any]) -> Shop:
    return Shop(
        {i.id: i for i in items if isinstance(i, Order)},
        {i.id: i for i in items if isinstance(i, SupportRequest)},
        {i.id: i for i in items if isinstance(i, Payment)},
        50,
        {i.id: i for i in items if isinstance(i, ConsentRecord)},
    )


def model(shop: Shop, now: datetime) -> Shop:
    """What a sweep at ``now`` must leave, from the domain alone: past their own period,
    paid orders anonymised and the others deleted; paid orders past the after-sales
    period (and not anonymised) stripped, their terms of sale off the account."""
    orders: dict[str, Order] = {}
    deleted: set[str] = set()
    faded: set[str] = set()
    stripped: set[str] = set()
    after_sales = SCHEDULE.rule("orders.after_sales")
    stock = shop.stock
    for order in shop.orders.values():
        stage, clock = order.retention_stage, order.retention_clock
        if (
            stage is None
            or clock is None
            or not is_due(SCHEDULE.rule(f"orders.{stage}"), clock, now)
        ):
            if (
                stage in PAID_STAGES
                and clock is not None
                and order.stripped_at is None
                and is_due(after_sales, clock, now)
            ):
                orders[order.id] = order.stripped(now)
                stripped.add(order.id)
            else:
                orders[order.id] = order
        elif stage in PAID_STAGES:
            orders[order.id] = order.anonymised(now)
            faded.add(order.id)
        else:
            deleted.add(order.id)
            if order.status in HOLDS_STOCK:
                stock += sum(line.quantity for line in order.lines)
    requests: dict[str, SupportRequest] = {}
    support_rule = SCHEDULE.rule("orders.support_requests")
    for ticket in shop.requests.values():
        if ticket.order_id in deleted or (ticket.order_id in faded and ticket.closed_at is None):
            continue
        if ticket.closed_at is not None and is_due(support_rule, ticket.closed_at, now):
            continue
        unlinked = attrs.evolve(ticket, customer_id=None) if ticket.order_id in faded else ticket
        requests[ticket.id] = unlinked
    payments: dict[str, Payment] = {}
    limit = cutoff(SCHEDULE.rule("orders.completed"), now)
    for paid in shop.payments.values():
        if paid.order_id in deleted:
            continue
        owner = orders.get(paid.order_id)
        over = owner is None or owner.anonymised_at is not None
        payments[paid.id] = paid.anonymised() if over and paid.created_at < limit else paid
    consents: dict[str, ConsentRecord] = {}
    for record in shop.consents.values():  # PRV-5: the terms follow their order
        if record.order_id in stripped and record.follows_order:
            consents[record.id] = attrs.evolve(record, customer_id=None)
        elif record.order_id not in deleted | faded:
            consents[record.id] = record
        elif not record.follows_order:
            consents[record.id] = attrs.evolve(record, order_id=None)
    return Shop(orders, requests, payments, stock, consents)


def read(make_uow: MakeUow, ids: Shop) -> Shop:
    with make_uow() as uow:
        orders = {o.id: o for o in uow.orders.list(limit=10_000)}
        requests = {r.id: r for r in uow.support_requests.for_orders(sorted(ids.orders))}
        payments = {p.id: p for oid in ids.orders for p in uow.payments.for_order(oid)}
        mug = uow.products.get("MUG")
        consents = {r.id: r for r in uow.consents.for_subject("alice@example.fr")}
        return Shop(orders, requests, payments, mug.stock, consents)


class CrashError(RuntimeError):
    """The process died mid-batch."""


class CrashingOrders(OrdersProvider):
    """The orders provider, dying after ``crash_after`` batches (after writing)."""

    def __init__(self, crash_after: int) -> None:
        self.crash_after = crash_after
        self.calls = 0

    def sweep_batch(self, uow: Any, task: SweepTask, **options: Any) -> Any:
        self.calls += 1
        batch = super().sweep_batch(uow, task, **options)
        if self.calls > self.crash_after:
            raise CrashError
        return batch


def sweep(make_uow: MakeUow, now: datetime, *providers: Any, **options: Any) -> SweepReport:
    return run_sweep(bound(*providers), make_uow, JOB, now=now, ids=IDS, **options)


_SQLITE: list[SqlStore] = []


def fresh(kind: str, items: list[Any]) -> MakeUow:
    if kind == "memory":
        make: MakeUow = MemoryStore().unit_of_work
    else:
        if not _SQLITE:
            path = Path(__import__("tempfile").mkdtemp()) / "sweeps.db"
            store = SqlStore.from_url(f"sqlite:///{path}")
            store.create_schema()
            _SQLITE.append(store)
        sql.empty(_SQLITE[0])
        make = _SQLITE[0].unit_of_work
    store_all(make, *items)
    return make


BACKENDS = pytest.mark.parametrize(
    ("kind", "examples"), [("memory", 40), ("sqlite", 8)], ids=["memory", "sqlite"]
)


def _settings(examples: int) -> Any:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@BACKENDS
def test_a_sweep_removes_exactly_what_is_past_its_period(kind: str, examples: int) -> None:
    """PRV-2: never anything still inside its period; always everything past it; the
    report counts what changed; whichever provider is registered first."""

    @_settings(examples)
    @given(shops(), st.integers(1, 4), st.integers(0, 400), st.booleans())
    def check(items: list[Any], batch_size: int, days_later: int, payments_first: bool) -> None:
        make = fresh(kind, items)
        now = NOW + days_later * DAY
        before = initial(items)
        providers = [OrdersProvider(), PaymentsProvider()]
        if payments_first:  # the order of registration must not matter
            providers.reverse()
        report = sweep(make, now, *providers, batch_size=batch_size)
        after = read(make, before)
        assert after == model(before, now)
        assert report.complete
        assert report.kept == 0
        gone = len(before.orders) - len(after.orders)
        orders_deleted = sum(
            report.category(c).tally.deleted
            for c in (ORDERS_CANCELLED, ORDERS_FAILED, ORDERS_UNPAID)
        )
        assert orders_deleted == gone

    check()


@BACKENDS
def test_with_an_advancing_clock_every_sweep_keeps_the_model(kind: str, examples: int) -> None:
    """PRV-2: sweeps at later and later instants: after each, the shop is what the model
    says for that instant (so nothing comes back, and nothing goes early)."""

    @_settings(max(4, examples // 2))
    @given(shops(), st.integers(1, 4), st.integers(1, 900))
    def check(items: list[Any], batch_size: int, step_days: int) -> None:
        make = fresh(kind, items)
        clock = AdvancingClock(NOW, step=timedelta(days=step_days, hours=5))
        expected = initial(items)
        for _ in range(4):
            now = clock.now()
            sweep(make, now, batch_size=batch_size)
            expected = model(expected, now)
            assert read(make, expected) == expected

    check()


@BACKENDS
def test_sweeping_twice_equals_sweeping_once(kind: str, examples: int) -> None:
    """PRV-2: idempotent — the second run finds nothing to do."""

    @_settings(examples)
    @given(shops(), st.integers(1, 4), st.integers(0, 400))
    def check(items: list[Any], batch_size: int, days_later: int) -> None:
        make = fresh(kind, items)
        now = NOW + days_later * DAY
        sweep(make, now, batch_size=batch_size)
        once = read(make, initial(items))
        second = sweep(make, now, batch_size=batch_size)
        assert (second.examined, second.deleted, second.anonymised) == (0, 0, 0)
        assert read(make, initial(items)) == once

    check()


@BACKENDS
def test_a_sweep_killed_mid_way_and_rerun_ends_as_an_uninterrupted_one(
    kind: str, examples: int
) -> None:
    """PRV-2: the batch in flight rolls back; the rerun resumes after the last committed
    batch and ends with the same shop and the same counts."""

    @_settings(examples)
    @given(shops(), st.integers(1, 3), st.integers(0, 400), st.integers(0, 6))
    def check(items: list[Any], batch_size: int, days_later: int, crash_after: int) -> None:
        now = NOW + days_later * DAY
        reference = fresh("memory", items)
        uninterrupted = sweep(reference, now, batch_size=batch_size)
        expected = read(reference, initial(items))
        make = fresh(kind, items)
        try:
            sweep(make, now, CrashingOrders(crash_after), PaymentsProvider(), batch_size=batch_size)
        except CrashError:
            rerun = sweep(make, now, batch_size=batch_size)
            assert [c.tally for c in rerun.categories] == [
                c.tally for c in uninterrupted.categories
            ]
        assert read(make, initial(items)) == expected

    check()


@BACKENDS
def test_a_dry_run_sweep_changes_nothing_and_tells_what_would_happen(
    kind: str, examples: int
) -> None:
    """PRV-2: a dry run is the selects alone, and its report is the real run's."""

    @_settings(examples)
    @given(shops(), st.integers(1, 4), st.integers(0, 400))
    def check(items: list[Any], batch_size: int, days_later: int) -> None:
        make = fresh(kind, items)
        now = NOW + days_later * DAY
        before = read(make, initial(items))
        dry = sweep(make, now, batch_size=batch_size, dry_run=True)
        assert read(make, initial(items)) == before
        real = sweep(make, now, batch_size=batch_size)
        assert [c.tally for c in dry.categories] == [c.tally for c in real.categories]

    check()
