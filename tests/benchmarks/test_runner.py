"""The benchmark runner's contract: JSON shape and exit codes, never timing values.

The benchmarks run in ``--smoke`` mode (3 tiny repeats): the figures are noise, only their
shape is checked. Their set-up checks (ours, the floor and the peers agree) do run.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from klickit_core.privacy.sweep import DEFAULT_BATCH_SIZE

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "benchmarks" / "run.py"
CORE_KEYS = ("name", "ours_s", "baseline", "baseline_s", "ratio")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(RUNNER), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def results() -> list[dict[str, Any]]:
    completed = _run(
        "cart_pricing", "cart_cookie", "checkout_validation", "--quick", "--json", "--smoke"
    )
    assert completed.returncode == 0, completed.stderr
    parsed = json.loads(completed.stdout)  # stdout holds only the JSON list
    assert isinstance(parsed, list)
    return parsed


def _positive(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def test_one_object_per_named_benchmark_in_order(results: list[dict[str, Any]]) -> None:
    assert [result["name"] for result in results] == [
        "cart_pricing",
        "cart_cookie",
        "checkout_validation",
    ]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_core_keys_and_ratio(results: list[dict[str, Any]], index: int) -> None:
    result = results[index]
    assert list(result)[: len(CORE_KEYS)] == list(CORE_KEYS)
    assert isinstance(result["baseline"], str)
    assert result["baseline"]
    for key in ("ours_s", "baseline_s", "ratio"):
        assert _positive(result[key]), key
    assert result["ratio"] == pytest.approx(result["ours_s"] / result["baseline_s"], rel=1e-4)


def test_cart_pricing_extra_figures(results: list[dict[str, Any]]) -> None:
    pricing = results[0]
    assert pricing["lines"] == 20
    assert pricing["baseline"] == "decimal_floor"
    for key in (
        "prices_s",
        "prices_vs_ours",
        "prices_over_floor",
        "ratio_1_line",
        "ratio_200_lines",
        "ratio_jpy",
        "ratio_bhd",
        "ours_s_1_line",
        "baseline_s_1_line",
        "ours_s_200_lines",
        "baseline_s_200_lines",
    ):
        assert _positive(pricing[key]), key
    assert pricing["prices_vs_ours"] == pytest.approx(
        pricing["prices_s"] / pricing["ours_s"], rel=1e-4
    )
    assert pricing["prices_over_floor"] == pytest.approx(
        pricing["prices_s"] / pricing["baseline_s"], rel=1e-4
    )
    for label in ("1_line", "200_lines", "jpy", "bhd"):
        assert pricing[f"ratio_{label}"] == pytest.approx(
            pricing[f"ours_s_{label}"] / pricing[f"baseline_s_{label}"], rel=1e-4
        )
        assert _positive(pricing[f"prices_vs_ours_{label}"]), label
    assert set(pricing["goals"]) == {"ratio <= 1.3", "prices_vs_ours >= 5"}
    assert all(isinstance(met, bool) for met in pricing["goals"].values())


def test_cart_cookie_extra_figures(results: list[dict[str, Any]]) -> None:
    cookie = results[1]
    assert cookie["baseline"] == "itsdangerous"
    for key in (
        "cookie_bytes_20",
        "itsdangerous_bytes_20",
        "cookie_bytes_100",
        "itsdangerous_bytes_100",
    ):
        assert isinstance(cookie[key], int), key
        assert cookie[key] > 0, key
    # Sizes are deterministic (not timings): the 100-line worst case must fit in a cookie.
    assert cookie["cookie_bytes_100"] < 4096
    assert cookie["cookie_bytes_20"] < cookie["cookie_bytes_100"]
    assert all(isinstance(met, bool) for met in cookie["goals"].values())


def test_unknown_name_exits_2_with_a_message() -> None:
    completed = _run("no_such_benchmark", "--smoke", "--json")
    assert completed.returncode == 2
    assert "no_such_benchmark" in completed.stderr
    assert completed.stdout == ""


def test_list_names_the_benchmarks() -> None:
    completed = _run("--list")
    assert completed.returncode == 0, completed.stderr
    names = {line.split()[0] for line in completed.stdout.splitlines() if line.strip()}
    assert {"cart_pricing", "cart_cookie", "checkout_validation"} <= names


def test_table_output_without_json() -> None:
    completed = _run("cart_cookie", "--smoke")
    assert completed.returncode == 0, completed.stderr
    assert "cart_cookie" in completed.stdout
    assert "itsdangerous" in completed.stdout
    assert "cookie_bytes_20" in completed.stdout


def test_checkout_validation_reports_cold_start_separately(results: list[dict[str, Any]]) -> None:
    """CHK-1 benchmark: cold import and first call are reported apart from the ratio."""
    result = results[2]
    for key in ("cold_import_s", "first_call_s"):
        assert _positive(result[key]), key


def test_login_smoke() -> None:
    """SEC-1, SEC-2 benchmark: a login against a bare argon2-cffi verify, with the Argon2
    parameters used and the unknown-vs-wrong timing ratio reported."""
    completed = _run("login", "--smoke", "--json")
    assert completed.returncode == 0, completed.stderr
    [result] = json.loads(completed.stdout)
    assert list(result)[: len(CORE_KEYS)] == list(CORE_KEYS)
    assert (result["name"], result["baseline"]) == ("login", "argon2_verify")
    for key in ("ours_s", "baseline_s", "ratio", "unknown_s", "wrong_s", "ratio_unknown_vs_wrong"):
        assert _positive(result[key]), key
    assert (result["memory_kib"], result["time_cost"], result["parallelism"]) == (19456, 2, 1)
    assert set(result["goals"]) == {"ratio <= 1.1"}


def test_privacy_benchmarks_smoke() -> None:
    """PRV-2, PRV-3 benchmarks (issue #6): the retention sweep against one statement per
    table (its set-up checks that both leave equivalent tables) and one subject's export
    against indexed SELECTs, on SQLite and PostgreSQL, with the issue's extra figures."""
    completed = _run("retention_sweep", "export_one_subject", "--smoke", "--json")
    assert completed.returncode == 0, completed.stderr
    sweep, export = json.loads(completed.stdout)
    for result in (sweep, export):
        assert list(result)[: len(CORE_KEYS)] == list(CORE_KEYS)
        for key in ("ours_s", "baseline_s", "ratio"):
            assert _positive(result[key]), key
        assert all(isinstance(met, bool) for met in result["goals"].values())
        assert "postgres_error" in result or _positive(result["postgres_ratio"])
    assert (sweep["name"], sweep["baseline"]) == ("retention_sweep", "one_statement")
    assert sweep["batch_size"] == DEFAULT_BATCH_SIZE  # the library's and the CLI's (issue #17)
    assert sweep["sweep_repeats"] == 1  # --smoke: one sweep per side
    assert len(sweep["ours_s_runs"]) == len(sweep["floor_s_runs"]) == 1
    assert sweep["due"]["orders.completed"] > 0
    for key in ("woocommerce_s_extrapolated", "peak_rss_mb", "peak_rss_mb_small"):
        assert _positive(sweep[key]), key
    assert sweep["memory_growth"] == pytest.approx(
        sweep["peak_rss_mb"] / sweep["peak_rss_mb_small"], rel=0.01
    )
    assert "sqlite <= 2" in sweep["goals"]
    assert (export["name"], export["baseline"]) == ("export_one_subject", "indexed_selects")
    assert _positive(export["scaling"])
    assert export["subject_orders"] > 0
    assert {"sqlite <= 3", "scaling <= 1.5"} <= set(export["goals"])
