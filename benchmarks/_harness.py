"""The benchmark harness: a registry, interleaved timing and result records.

A benchmark is a function that takes the run's :class:`Settings` and returns a
:class:`Result`. Register it with the :func:`benchmark` decorator in a ``bench_*.py``
module of this directory; ``run.py`` imports every such module, so nothing else needs
editing to add one::

    from _harness import Result, Settings, benchmark, compare, same


    @benchmark("order_placement", "place an order vs a hand-written floor")
    def order_placement(settings: Settings) -> Result:
        ours, floor = ..., ...
        same({"ours": ours(), "floor": floor()}, "order_placement")  # whole, untimed
        times = compare({"ours": ours, "floor": floor}, settings)
        return Result.of("order_placement", times["ours"], "floor", times["floor"])

Timing (:func:`compare`): every side is warmed up, then calibrated to a number of calls
per timed batch (so one batch lasts about ``settings.batch_ns``); then the sides are
timed in turn, batch by batch, in an order that rotates each repeat (ours, baseline,
peer; baseline, peer, ours; ...) so that slow drift of the machine (frequency scaling,
other processes) is shared by all sides. Each side's figure is the median over the
repeats of the time per call, in seconds. The garbage collector is paused inside a batch
(as :mod:`timeit` does) and run between batches.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "FULL",
    "QUICK",
    "REGISTRY",
    "SMOKE",
    "Benchmark",
    "BenchmarkSetupError",
    "Result",
    "Settings",
    "benchmark",
    "check",
    "compare",
    "peak_rss_mb",
    "same",
]


@dataclass(frozen=True)
class Settings:
    """How hard to time: repeats per side, warm-up batches and the target batch length."""

    label: str
    repeats: int
    warmup: int
    batch_ns: int

    def with_repeats(self, repeats: int) -> Settings:
        """These settings with another repeat count."""
        return Settings(self.label, repeats, self.warmup, self.batch_ns)


#: The default run: stable medians; the current benchmarks take a few seconds.
FULL = Settings("full", repeats=41, warmup=3, batch_ns=10_000_000)
#: ``--quick``: fewer and shorter batches (the whole run stays well under 20 s).
QUICK = Settings("quick", repeats=11, warmup=1, batch_ns=3_000_000)
#: ``--smoke``: 3 tiny repeats, to check that everything runs (tests); figures are noise.
SMOKE = Settings("smoke", repeats=3, warmup=1, batch_ns=200_000)


class BenchmarkSetupError(RuntimeError):
    """A benchmark's set-up check failed: the compared sides do not compute the same thing."""


def check(condition: object, message: str) -> None:
    """Raise :class:`BenchmarkSetupError` unless ``condition`` (kept under ``python -O``)."""
    if not condition:
        raise BenchmarkSetupError(message)


#: Called with ``(what, results)`` by every :func:`same`, and with the sides by every
#: :func:`compare` before it times them. Empty in a run; the tests put spies here to see
#: which calls a side makes and what is compared (``tests/benchmarks``).
OBSERVERS: list[Callable[[str, Mapping[str, Any]], None]] = []


def same(results: Mapping[str, Any], what: str) -> None:
    """Check, once and outside the timing, that every side's **whole** result is equal.

    ``results`` maps each side to its whole result, made comparable (plain values, every
    amount, every record), never a summary such as a count.
    """
    for observer in OBSERVERS:
        observer(what, results)
    first, *others = results
    differing = [name for name in others if results[name] != results[first]]
    check(not differing, f"{what}: {', '.join(differing)} and {first} return different results")


def peak_rss_mb() -> float:
    """This process's own peak resident memory, in MB (``VmHWM`` of ``/proc/self/status``).

    Not ``ru_maxrss``: a child started by ``subprocess`` inherits its parent's high-water
    mark there (the memory map it was forked from), so every child of a big runner would
    read the runner's peak. Falls back to ``ru_maxrss`` where there is no ``/proc``.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Result:
    """One benchmark's figures: ours vs the baseline, plus any extra figures."""

    name: str
    ours_s: float
    baseline: str
    baseline_s: float
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, name: str, ours_s: float, baseline: str, baseline_s: float, **extra: Any) -> Result:
        """Build a result; extra keyword arguments become extra keys of the JSON object."""
        return cls(name, ours_s, baseline, baseline_s, dict(extra))

    @property
    def ratio(self) -> float:
        """Ours / baseline (below 1: ours is faster)."""
        return self.ours_s / self.baseline_s

    def as_json(self) -> dict[str, Any]:
        """The JSON object: ``name, ours_s, baseline, baseline_s, ratio`` then the extras."""
        return {
            "name": self.name,
            "ours_s": self.ours_s,
            "baseline": self.baseline,
            "baseline_s": self.baseline_s,
            "ratio": round(self.ratio, 6),
            **self.extra,
        }


@dataclass(frozen=True)
class Benchmark:
    """A registered benchmark."""

    name: str
    description: str
    func: Callable[[Settings], Result]


#: Every registered benchmark by name, in registration order.
REGISTRY: dict[str, Benchmark] = {}


def benchmark(
    name: str, description: str = ""
) -> Callable[[Callable[[Settings], Result]], Callable[[Settings], Result]]:
    """Register the decorated function as benchmark ``name``."""

    def register(func: Callable[[Settings], Result]) -> Callable[[Settings], Result]:
        if name in REGISTRY:
            raise ValueError(f"benchmark {name!r} is registered twice")
        REGISTRY[name] = Benchmark(name, description or (func.__doc__ or "").strip(), func)
        return func

    return register


def _time_batch(func: Callable[[], object], calls: int) -> int:
    """Nanoseconds for ``calls`` calls of ``func``, with the garbage collector paused."""
    loop = range(calls)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter_ns()
        for _ in loop:
            func()
        return time.perf_counter_ns() - start
    finally:
        if gc_was_enabled:
            gc.enable()


def _calibrate(func: Callable[[], object], batch_ns: int) -> int:
    """Calls per batch so that one batch lasts about ``batch_ns`` (at least one call)."""
    calls = 1
    while True:
        elapsed = _time_batch(func, calls)
        if elapsed >= batch_ns // 4 or calls >= 1 << 24:
            return max(1, round(calls * batch_ns / max(elapsed, 1)))
        calls *= 4 if elapsed < batch_ns // 40 else 2


def compare(sides: Mapping[str, Callable[[], object]], settings: Settings) -> dict[str, float]:
    """Median seconds per call of each side, timed interleaved in this process."""
    names = list(sides)
    for observer in OBSERVERS:
        observer("compare", sides)
    calls: dict[str, int] = {}
    for name in names:  # warm-up (caches, specialisation, lazy imports), then calibration
        func = sides[name]
        first_guess = _calibrate(func, settings.batch_ns)
        for _ in range(settings.warmup):
            _time_batch(func, first_guess)
        calls[name] = _calibrate(func, settings.batch_ns)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for repeat in range(settings.repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()
            elapsed = _time_batch(sides[name], calls[name])
            samples[name].append(elapsed / calls[name] / 1e9)
    return {name: statistics.median(values) for name, values in samples.items()}
