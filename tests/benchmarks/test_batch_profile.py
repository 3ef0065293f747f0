"""The retention-sweep benchmark's batch statistics (issue #6, PRV-2).

``batch_p90_over_p10`` must stay sensitive to what it is there to catch: batches whose
cost grows with their position (``IN (SELECT … LIMIT)`` paging), while a slow spell of
the machine that hits different batches in each run is filtered by the batch-by-batch
median of the runs.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def bench_privacy() -> Iterator[ModuleType]:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import bench_privacy as module

        yield module
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_tail_ratio_is_slowest_tenth_over_fastest_tenth(bench_privacy: ModuleType) -> None:
    durations = [1.0] * 18 + [3.0, 5.0]
    assert bench_privacy._tail_ratio(durations) == 4.0
    assert bench_privacy._tail_ratio([2.0]) is None


def test_median_profile_filters_a_slow_spell_of_one_run(bench_privacy: ModuleType) -> None:
    flat = [1.0] * 30
    spell_early = [2.0] * 10 + [1.0] * 20
    spell_late = [1.0] * 20 + [2.0] * 10
    assert bench_privacy._tail_ratio(spell_early) == 2.0
    profile = bench_privacy._median_profile([spell_early, flat, spell_late])
    assert bench_privacy._tail_ratio(profile) == 1.0


def test_median_profile_keeps_cost_that_grows_with_position(bench_privacy: ModuleType) -> None:
    growing = [1.0 + i / 10 for i in range(30)]  # keyset-less paging: each page costs more
    noisy = [t * (1.5 if 5 <= i < 12 else 1.0) for i, t in enumerate(growing)]
    profile = bench_privacy._median_profile([growing, noisy, growing])
    assert profile == growing
    assert bench_privacy._tail_ratio(profile) == bench_privacy._tail_ratio(growing) > 3


def test_median_profile_refuses_runs_of_different_lengths(bench_privacy: ModuleType) -> None:
    with pytest.raises(bench_privacy.BenchmarkSetupError, match="different numbers"):
        bench_privacy._median_profile([[1.0, 1.0], [1.0]])


def test_growth_compares_the_last_batches_with_the_first(bench_privacy: ModuleType) -> None:
    assert bench_privacy._growth([1.0] * 20) == 1.0
    growing = [1.0 + i for i in range(20)]  # 1 .. 20
    assert bench_privacy._growth(growing) == round(19.5 / 1.5, 3)
    assert bench_privacy._growth(list(reversed(growing))) == round(1.5 / 19.5, 3)
    assert bench_privacy._growth([3.0]) is None
