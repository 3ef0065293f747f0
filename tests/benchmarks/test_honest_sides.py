"""The benchmarks time what users get (issue #17: X-1, CHK-1, PRV-2, PRV-3).

Each benchmark's ``ours`` side must go through the public call its section of
``benchmarks/README.md`` names after **The user's call** (seen with ``sys.setprofile``
while the side runs once), and each benchmark must compare its sides' whole results: a
change deep inside ours' result makes its set-up check fail. The benchmarks run
in-process at ``--smoke`` size; no timing is asserted.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import CodeType, FrameType, ModuleType
from typing import Any

import attrs
import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ROOT / "benchmarks"


@pytest.fixture(scope="module")
def bench() -> Iterator[dict[str, ModuleType]]:
    """The harness and every benchmark module, imported from ``benchmarks/``."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        names = ("_harness", "bench_cart", "bench_checkout", "bench_login")
        names += ("bench_persistence", "bench_privacy")
        yield {name: importlib.import_module(name) for name in names}
    finally:
        sys.path.remove(str(BENCHMARKS))


def _public_calls(name: str) -> list[str]:
    """The dotted names after **The user's call** in the README section of ``name``."""
    readme = (BENCHMARKS / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^## `{name}`\n(.*?)(?=^## )", readme, re.MULTILINE | re.DOTALL)
    assert match is not None, f"no README section for {name}"
    call = re.search(r"\*\*The user's call\*\*:(.*?)(?:\n\n|\. )", match.group(1), re.DOTALL)
    assert call is not None, f"the {name} section names no user's call"
    dotted = re.findall(r"`(klickit_core(?:\.\w+)+)`", call.group(1))
    assert dotted, f"the {name} section's user's call names no klickit_core function"
    return dotted


def _code_of(dotted: str) -> CodeType:
    """The code object of the function or method at ``dotted``."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            target: Any = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            target = getattr(target, attribute)
        code: CodeType = target.__code__
        return code
    raise AssertionError(f"cannot resolve {dotted}")


def _entered(run: Callable[[], object]) -> set[CodeType]:
    """The code objects of every Python function entered while ``run()`` runs."""
    seen: set[CodeType] = set()

    def profile(frame: FrameType, event: str, _arg: object) -> None:
        if event == "call":
            seen.add(frame.f_code)

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(previous)
    return seen


class _Spy:
    """Observes :func:`_harness.compare` and :func:`_harness.same` during a benchmark."""

    def __init__(self) -> None:
        self.ours_entered: list[set[CodeType]] = []
        self.compared: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, what: str, payload: Any) -> None:
        if what == "compare":
            if "ours" in payload:
                self.ours_entered.append(_entered(payload["ours"]))
        else:
            self.compared.append((what, dict(payload)))


@pytest.fixture
def spy(bench: dict[str, ModuleType]) -> Iterator[_Spy]:
    observers = bench["_harness"].OBSERVERS
    watcher = _Spy()
    observers.append(watcher)
    try:
        yield watcher
    finally:
        observers.remove(watcher)


def _run(bench: dict[str, ModuleType], name: str) -> dict[str, Any]:
    harness = bench["_harness"]
    result: dict[str, Any] = harness.REGISTRY[name].func(harness.SMOKE).as_json()
    return result


# ---------------------------------------------------------------------- call paths


@pytest.mark.parametrize(
    "name",
    ["cart_pricing", "cart_cookie", "checkout_validation", "login", "order_placement"],
)
def test_ours_goes_through_the_public_call_of_its_readme_section(
    bench: dict[str, ModuleType], spy: _Spy, name: str
) -> None:
    """Issue #17 (X-1, CHK-1, SEC-1): every timed ``ours`` side of the benchmark enters the
    public function(s) its README section names as the user's call."""
    _run(bench, name)
    assert spy.ours_entered, f"{name} timed no ours side"
    for dotted in _public_calls(name):
        code = _code_of(dotted)
        for entered in spy.ours_entered:
            assert code in entered, f"an ours side of {name} never calls {dotted}"


@pytest.mark.parametrize(
    "name", ["login", "order_placement", "retention_sweep", "export_one_subject"]
)
def test_use_case_benchmarks_name_a_service_method(name: str) -> None:
    """Issue #14 (decision 0014): a benchmark of a use case times the service method an
    app calls (``shop.accounts``, ``shop.checkout``, ``shop.privacy``), not the module
    function behind it, which left the public API."""
    [dotted] = _public_calls(name)
    module, cls, method = dotted.rsplit(".", 2)
    assert module.startswith("klickit_core.application."), dotted
    assert cls.endswith("Service"), dotted
    assert (
        _code_of(dotted) is getattr(importlib.import_module(module), cls).__dict__[method].__code__
    )


def test_cart_pricing_pays_the_preparation_and_reads_every_amount(
    bench: dict[str, ModuleType], spy: _Spy
) -> None:
    """X-1: the timed call prepares each product as a load does, and returns the amounts
    read (``Decimal``s), not ``Money`` values whose amount was never made."""
    from decimal import Decimal

    from klickit_core.catalogue.domain import Product
    from klickit_core.shared.vat import FRANCE_VAT

    cart = bench["bench_cart"]
    case = cart._PricingCase(20, "EUR")
    ours = cart._ours(case, FRANCE_VAT)
    entered = _entered(ours)
    assert Product.__attrs_post_init__.__code__ in entered
    total, per_rate = ours()
    amounts = [total, *(amount for amounts in per_rate.values() for amount in amounts)]
    assert len(amounts) == 1 + 3 * 3  # the total, and gross, VAT, net of three rates
    assert all(type(amount) is Decimal for amount in amounts)
    assert _run(bench, "cart_pricing")["ratio_amortised"] > 0
    compared = [results for what, results in spy.compared if what.startswith("cart_pricing")]
    assert compared
    assert all({"ours", "ours_amortised", "floor", "prices"} <= set(r) for r in compared)


def _cli_batch_size() -> int:
    """What ``klickit retention sweep`` batches by when not told (the default a shop's
    cron job runs with; it changed from 500 to 1,000 in issue #12's last step)."""
    from klickit_core.cli.main import build_parser

    args = build_parser().parse_args(["retention", "sweep", "--db", "sqlite:///x.db"])
    return int(args.batch_size)


def test_retention_sweep_runs_the_public_sweep_at_the_default_batch_size(
    bench: dict[str, ModuleType], spy: _Spy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PRV-2: ours is ``shop.privacy.sweep`` (the README's user's call) at its defaults,
    so ``run_sweep`` gets the library's and the CLI's default batch size, and the swept
    databases are compared whole."""
    from klickit_core.application.privacy import PrivacyService
    from klickit_core.privacy import sweep

    privacy = bench["bench_privacy"]
    [dotted] = _public_calls("retention_sweep")
    assert _code_of(dotted) is PrivacyService.sweep.__code__
    calls: list[tuple[bool, dict[str, Any]]] = []
    services: list[bool] = []
    sides: list[str] = []
    inside = [False]
    real_sweep, real_side = sweep.run_sweep, privacy._ours_sweep
    real_service = PrivacyService.sweep

    def service_sweep(self: PrivacyService, *args: Any, **kwargs: Any) -> Any:
        services.append(inside[0])
        return real_service(self, *args, **kwargs)

    def run_sweep(*args: Any, **kwargs: Any) -> Any:
        calls.append((inside[0], kwargs))
        return real_sweep(*args, **kwargs)

    def ours_side(url: str) -> Any:  # a spy (cheaper than a profile of a whole sweep)
        sides.append(url)
        inside[0] = True
        try:
            return real_side(url)
        finally:
            inside[0] = False

    monkeypatch.setattr(sweep, "run_sweep", run_sweep)
    monkeypatch.setattr(PrivacyService, "sweep", service_sweep)
    monkeypatch.setattr(privacy, "_ours_sweep", ours_side)
    result = _run(bench, "retention_sweep")
    assert sides
    assert services == [True] * len(sides)  # each ours side sweeps once, through the service
    assert len(calls) == len(sides)  # which runs run_sweep once
    assert all(from_ours for from_ours, _ in calls)
    cli_default = _cli_batch_size()
    assert all(k.get("batch_size", sweep.DEFAULT_BATCH_SIZE) == cli_default for _, k in calls)
    assert result["batch_size"] == sweep.DEFAULT_BATCH_SIZE == cli_default
    backends = [what for what, _ in spy.compared if what.startswith("retention_sweep")]
    assert "retention_sweep (sqlite)" in backends


def test_export_goes_through_the_export_service_with_its_audit(
    bench: dict[str, ModuleType], spy: _Spy
) -> None:
    """PRV-3: ours is the service call the README names (``shop.privacy.export_own_data``,
    which commits its audit entry), each subject's whole bundle is compared, and each call
    exports another subject."""
    result = _run(bench, "export_one_subject")
    [dotted] = _public_calls("export_one_subject")
    code = _code_of(dotted)
    assert spy.ours_entered
    assert all(code in entered for entered in spy.ours_entered)
    compared = [results for what, results in spy.compared if what == "export_one_subject"]
    assert len(compared) >= 2 * result["subjects"]  # every subject, big and small stores
    assert all(results["ours"] for results in compared)  # a bundle with sections
    assert result["subjects"] > 1


def test_seed_goes_through_the_command_line(
    bench: dict[str, ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #17 item 6: ``seed_1m`` times ``klickit seed`` itself and has goals."""
    persistence = bench["bench_persistence"]
    entered: list[set[CodeType]] = []
    real = persistence._seed_child

    def child(url: str, orders: int) -> Any:
        answers: list[Any] = []
        entered.append(_entered(lambda: answers.append(real(url, orders))))
        return answers[0]

    monkeypatch.setattr(persistence, "_seed_child", child)
    result = _run(bench, "seed_1m")
    [dotted] = _public_calls("seed_1m")
    assert len(entered) == 2
    assert all(_code_of(dotted) in codes for codes in entered)
    assert set(result["goals"]) == {"linear (ratio <= 1.2)", "memory flat (growth <= 1.2)"}


def test_order_placement_has_goals_on_both_backends(bench: dict[str, ModuleType]) -> None:
    """Issue #17 item 6: order placement at most 2x the raw-SQL floor, SQLite and
    PostgreSQL."""
    result = _run(bench, "order_placement")
    assert "postgres_error" not in result
    assert set(result["goals"]) == {"sqlite <= 2.0", "postgres <= 2.0"}


# ---------------------------------------------------------------------- whole results


def _cart_mutations() -> dict[str, Callable[[Any], Any]]:
    def vat(priced: Any) -> Any:
        rate, gross, vat = priced.raw_vat[0]
        return priced._replace(raw_vat=((rate, gross, vat + 1), *priced.raw_vat[1:]))

    def total(priced: Any) -> Any:
        return priced._replace(items_minor=priced.items_minor + 1)

    return {"one rate's VAT": vat, "the total": total}


@pytest.mark.parametrize("mutation", list(_cart_mutations()))
def test_cart_pricing_compares_every_amount(
    bench: dict[str, ModuleType], monkeypatch: pytest.MonkeyPatch, mutation: str
) -> None:
    """X-1: a price one minor unit off anywhere in ours' result fails the set-up."""
    from klickit_core.shared.vat import FRANCE_VAT

    cart = bench["bench_cart"]
    real, change = cart.price_cart, _cart_mutations()[mutation]
    monkeypatch.setattr(cart, "price_cart", lambda *a, **k: change(real(*a, **k)))
    with pytest.raises(bench["_harness"].BenchmarkSetupError, match="cart_pricing"):
        cart._verify_pricing(cart._PricingCase(20, "EUR"), FRANCE_VAT)


_CHECKOUT_MUTATIONS: dict[str, Callable[[Any], Any]] = {
    "a consent": lambda v: attrs.evolve(v, optional_consents=v.optional_consents[:1]),
    "the shipping street": lambda v: attrs.evolve(
        v, shipping=attrs.evolve(v.shipping, street=(*v.shipping.street[:-1], "3 cours X"))
    ),
    "the username": lambda v: attrs.evolve(
        v, account=attrs.evolve(v.account, username="someone.else")
    ),
}


@pytest.mark.parametrize("mutation", list(_CHECKOUT_MUTATIONS))
def test_checkout_validation_compares_every_field(
    bench: dict[str, ModuleType], mutation: str
) -> None:
    """CHK-1: ours and the floor agree on the whole validated form, so a change to any
    field of ours' result fails the set-up (the old check compared email, phone and
    addresses only)."""
    checkout = bench["bench_checkout"]
    ours = checkout.validate_checkout(checkout.build_form())
    checkout._verify(ours)  # unchanged: the same whole result
    with pytest.raises(bench["_harness"].BenchmarkSetupError, match="checkout_validation"):
        checkout._verify(_CHECKOUT_MUTATIONS[mutation](ours))


def _drop_last_child(bundle: Any) -> Any:
    section = next(s for s in bundle.sections if any(r.children for r in s.records))
    record = next(r for r in section.records if r.children)
    changed = attrs.evolve(record, children=record.children[:-1])
    records = tuple(changed if r is record else r for r in section.records)
    sections = tuple(
        attrs.evolve(s, records=records) if s is section else s for s in bundle.sections
    )
    return attrs.evolve(bundle, sections=sections)


def _change_a_field(bundle: Any) -> Any:
    section = bundle.sections[-1]
    record = section.records[0]
    field = record.fields[0]
    text = f"{field.value}x" if isinstance(field.value, str) else None
    fields = (attrs.evolve(field, value=text), *record.fields[1:])
    records = (attrs.evolve(record, fields=fields), *section.records[1:])
    sections = (*bundle.sections[:-1], attrs.evolve(section, records=records))
    return attrs.evolve(bundle, sections=sections)


@pytest.fixture(scope="module")
def seeded_store(bench: dict[str, ModuleType]) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'shop.db'}"
        bench["bench_privacy"]._seed(url, 200)
        yield url


@pytest.mark.parametrize("mutation", [_drop_last_child, _change_a_field])
def test_export_compares_every_record_and_field(
    bench: dict[str, ModuleType],
    monkeypatch: pytest.MonkeyPatch,
    seeded_store: str,
    mutation: Callable[[Any], Any],
) -> None:
    """PRV-3: the export and the floor agree record by record, field by field, so a
    missing child record or a changed value fails the set-up (the old check compared the
    number of orders only)."""
    from klickit_core.privacy import export

    privacy = bench["bench_privacy"]
    people, _ = privacy._subjects(seeded_store, None, 2)
    _, _, close = privacy._export_sides(seeded_store, people)  # unchanged: they agree
    close()
    real = export.export_own_data  # what shop.privacy.export_own_data calls
    monkeypatch.setattr(export, "export_own_data", lambda *a, **k: mutation(real(*a, **k)))
    with pytest.raises(bench["_harness"].BenchmarkSetupError, match="export_one_subject"):
        privacy._export_sides(seeded_store, people)


# ---------------------------------------------------------------------- memory


def test_a_child_reports_its_own_peak_memory(bench: dict[str, ModuleType]) -> None:
    """Issue #17 item 5: a child's ``ru_maxrss`` carries its parent's high-water mark, so
    the benchmarks read each process's own ``VmHWM`` instead."""
    assert Path("/proc/self/status").exists(), "the benchmarks read VmHWM (Linux)"
    ballast = bytearray(150 * 2**20)
    ballast[::4096] = b"\x01" * len(range(0, len(ballast), 4096))  # touch every page
    code = (
        "import resource, sys; sys.path.insert(0, sys.argv[1]); import _harness; "
        "print(_harness.peak_rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    completed = subprocess.run(  # noqa: S603 - our interpreter, our constant code
        [sys.executable, "-c", code, str(BENCHMARKS)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    own_mb, inherited_kb = completed.stdout.split()
    del ballast
    assert float(own_mb) < 100  # a bare interpreter with the harness
    assert int(inherited_kb) / 1024 >= 150  # what ``ru_maxrss`` said instead
