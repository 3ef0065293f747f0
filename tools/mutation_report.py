"""Per-module summary of the last ``mutmut run`` (``nox -s mutation``).

Reads the ``mutants/<module>.meta`` files mutmut writes and prints, for each mutated module,
how many mutants the tests killed and which survived (``mutmut show NAME`` shows one). Exits 1
when a module has a mutant that was never checked, so an interrupted run cannot pass for a
complete one.
"""

from __future__ import annotations

import json
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# mutmut's exit codes (mutmut.stats.status_by_exit_code), the ones a run can leave.
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 36: "timeout"}
STATUS.update({37: "caught by type check", 24: "timeout", -24: "timeout", 152: "timeout"})


def main() -> int:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]
    complete = True
    for module in config["only_mutate"]:
        meta = ROOT / "mutants" / f"{module}.meta"
        if not meta.exists():
            print(f"{module}: no results (run `mutmut run` first)")  # noqa: T201
            complete = False
            continue
        exit_codes: dict[str, int | None] = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
        statuses = {
            name: "not checked" if code is None else STATUS.get(code, "suspicious")
            for name, code in exit_codes.items()
        }
        counts = Counter(statuses.values())
        killed = counts["killed"] + counts["timeout"] + counts["caught by type check"]
        survived = counts["survived"]
        print(f"{module}: {len(statuses)} mutants, {killed} killed, {survived} survived")  # noqa: T201
        for status in sorted(set(counts) - {"killed", "timeout", "caught by type check"}):
            for name in sorted(n for n, s in statuses.items() if s == status):
                print(f"    {status}: {name}")  # noqa: T201
        complete = complete and counts["not checked"] == 0
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
