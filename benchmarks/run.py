"""Run klickit_core's benchmarks: ``python benchmarks/run.py [NAME ...] [--quick] [--json]``.

Every ``bench_*.py`` module next to this file is imported; its ``@benchmark``-decorated
functions form the registry (see ``_harness.py``). With no NAME, every benchmark runs.

* ``--quick``: fewer, shorter repeats (the whole run takes a few seconds).
* ``--smoke``: 3 tiny repeats, only to check that everything runs (used by the tests).
* ``--repeats N``: override the number of timed repeats per side.
* ``--json``: stdout holds only a JSON list, one object per benchmark with ``name``,
  ``ours_s``, ``baseline``, ``baseline_s``, ``ratio`` (ours / baseline) and extra figures.
* ``--list``: print the registered benchmarks and exit.

Exit status: 0 on success, 2 for an unknown benchmark name or bad arguments, 1 when a
benchmark's set-up check fails (its sides disagree).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # ``python benchmarks/run.py`` already has it; -m or imports not
    sys.path.insert(0, str(HERE))

from _harness import (  # noqa: E402
    FULL,
    QUICK,
    REGISTRY,
    SMOKE,
    BenchmarkSetupError,
    Result,
    Settings,
)


def load_benchmarks() -> None:
    """Import every ``bench_*.py`` module of this directory (they register themselves)."""
    for path in sorted(HERE.glob("bench_*.py")):
        importlib.import_module(path.stem)


def _duration(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if abs(seconds) >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _figure(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return _duration(value) if key.endswith("_s") or "_s_" in key else f"{value:.3g}"
    if isinstance(value, dict) and key == "goals":
        return ", ".join(f"{k}: {'ok' if v else 'MISSED'}" for k, v in value.items())
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_figure(k, v)}" for k, v in value.items())
    return str(value)


def format_table(results: list[Result], settings: Settings) -> str:
    """A readable table: one row per benchmark, then its extra figures."""
    header = ("benchmark", "ours", "baseline", "baseline time", "ratio")
    rows = [
        (r.name, _duration(r.ours_s), r.baseline, _duration(r.baseline_s), f"{r.ratio:.3f}")
        for r in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [f"klickit_core benchmarks ({settings.label}, {settings.repeats} repeats per side)"]
    lines.append("  ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True)))
    lines.append("  ".join("-" * width for width in widths))
    for result, row in zip(results, rows, strict=True):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        for key, value in result.extra.items():
            lines.append(f"    {key}: {_figure(key, value)}")
    lines.append("ratio = ours / baseline, medians of interleaved repeats (lower is better).")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Run klickit_core's benchmarks against their baselines.",
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (all)")
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    parser.add_argument("--smoke", action="store_true", help="3 tiny repeats (tests only)")
    parser.add_argument("--repeats", type=int, metavar="N", help="timed repeats per side")
    parser.add_argument("--json", action="store_true", help="print only a JSON list")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        print("run.py: --repeats must be at least 1", file=sys.stderr)
        return 2
    load_benchmarks()
    if args.list:
        for bench in REGISTRY.values():
            print(f"{bench.name:<20} {bench.description}")
        return 0
    unknown = [name for name in args.names if name not in REGISTRY]
    if unknown:
        print(
            f"run.py: unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(REGISTRY)}",
            file=sys.stderr,
        )
        return 2
    names = list(dict.fromkeys(args.names)) or list(REGISTRY)
    settings = SMOKE if args.smoke else QUICK if args.quick else FULL
    if args.repeats is not None:
        settings = settings.with_repeats(args.repeats)

    results: list[Result] = []
    for name in names:
        if not args.json:
            print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            results.append(REGISTRY[name].func(settings))
        except BenchmarkSetupError as error:
            print(f"run.py: {name}: set-up check failed: {error}", file=sys.stderr)
            return 1
    if args.json:
        print(json.dumps([result.as_json() for result in results], indent=2))
    else:
        print(format_table(results, settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
