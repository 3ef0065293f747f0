"""Audit the dependencies klickit-core installs against known advisories (``nox -s audit``).

Pins the versions installed for ``klickit-core`` and the extras asked for (``all`` by
default: every runtime and adapter dependency), then asks pip-audit about exactly those.

Exit status, never a silent pass:

* 0: every dependency was checked and none has a known advisory;
* 1: some have one (each is listed with the versions that fix it);
* 2: the audit could not be done: the advisory service could not be reached, or gave no
  answer for some dependency (pip-audit itself only warns about those).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT = "klickit-core"
EXIT_CLEAN, EXIT_FINDINGS, EXIT_NOT_AUDITED = 0, 1, 2


def pinned_dependencies(project: str = PROJECT, extras: Sequence[str] = ("all",)) -> dict[str, str]:
    """``{name: installed version}`` of everything ``project[extras]`` requires, transitively
    (markers evaluated for this interpreter; the project itself left out)."""
    pins: dict[str, str] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    todo: list[tuple[str, frozenset[str]]] = [(project, frozenset(extras))]
    while todo:
        name, wanted = todo.pop()
        key = canonicalize_name(name)
        if (key, wanted) in seen:
            continue
        seen.add((key, wanted))
        distribution = metadata.distribution(name)
        if key != canonicalize_name(project):
            pins[key] = distribution.version
        for text in distribution.requires or []:
            requirement = Requirement(text)
            environments = [{"extra": extra} for extra in wanted] or [{"extra": ""}]
            marker = requirement.marker
            if marker is None or any(marker.evaluate(env) for env in environments):
                todo.append((requirement.name, frozenset(requirement.extras)))
    return dict(sorted(pins.items()))


def _one_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def audit(
    pins: dict[str, str], pip_audit: Sequence[str], service: str, service_url: str | None
) -> tuple[int, list[str]]:
    """Run pip-audit on ``pins``; the exit status and the lines to print."""
    with tempfile.TemporaryDirectory() as folder:
        requirements = Path(folder) / "requirements.txt"
        requirements.write_text("".join(f"{n}=={v}\n" for n, v in pins.items()), "utf-8")
        report = Path(folder) / "report.json"
        command = [
            *pip_audit,
            *("--requirement", str(requirements), "--no-deps", "--disable-pip"),
            *("--vulnerability-service", service, "--format", "json", "--output", str(report)),
            *("--progress-spinner", "off", "--desc", "off"),
        ]
        if service_url is not None:
            command += ["--osv-url", service_url]
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        try:
            found = json.loads(report.read_text("utf-8"))["dependencies"]
        except (OSError, ValueError, KeyError, TypeError):
            return EXIT_NOT_AUDITED, [
                f"Audit not done: the advisory service ({service}) could not be reached "
                f"or pip-audit failed (exit {done.returncode}): {_one_line(done.stderr)}"
            ]
    unanswered = [d for d in found if "skip_reason" in d]
    findings = [
        f"{d['name']} {d['version']}: {v['id']} (fixed in {', '.join(v['fix_versions']) or '-'})"
        for d in found
        if "skip_reason" not in d
        for v in d.get("vulns", [])
    ]
    lines = [f"Known advisory: {finding}" for finding in findings]
    if unanswered:
        example = unanswered[0]["skip_reason"]
        lines.append(
            f"Audit not done: the advisory service ({service}) gave no answer for "
            f"{len(unanswered)} of {len(pins)} dependencies, e.g. {example}"
        )
        return EXIT_NOT_AUDITED, lines
    if findings:
        return EXIT_FINDINGS, lines
    if len(found) != len(pins):
        return EXIT_NOT_AUDITED, [
            f"Audit not done: pip-audit reported {len(found)} of {len(pins)} dependencies"
        ]
    return EXIT_CLEAN, [f"{len(pins)} dependencies audited ({service}): no known advisory."]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extras", default="all", help="comma-separated extras (default: all)")
    parser.add_argument("--service", default="pypi", choices=["pypi", "osv"])
    parser.add_argument("--service-url", help="the OSV API's URL (with --service osv)")
    parser.add_argument(
        "--pip-audit", help="the pip-audit program (default: this interpreter's pip_audit)"
    )
    parser.add_argument("--list", action="store_true", help="print the pins and stop")
    options = parser.parse_args(argv)
    pins = pinned_dependencies(extras=[e for e in options.extras.split(",") if e])
    if options.list:
        for name, version in pins.items():
            print(f"{name}=={version}")  # noqa: T201 - a command-line tool
        return EXIT_CLEAN
    command = [options.pip_audit] if options.pip_audit else [sys.executable, "-m", "pip_audit"]
    status, lines = audit(pins, command, options.service, options.service_url)
    for line in lines:
        print(line, file=sys.stderr if status else sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main())
