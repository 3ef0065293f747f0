"""X-10: the dependency audit (``nox -s audit``) fails on a finding and never passes silently.

``tools/audit_dependencies.py`` pins what klickit-core installs and hands the pins to
pip-audit. Here pip-audit is replaced by a stand-in program that answers the way pip-audit
does (its JSON report, its exit status, or its traceback when the service is unreachable),
so each outcome of the wrapper is checked without the network. The ``audit`` session itself
also runs the real pip-audit against an advisory service that cannot be reached, and
requires the failure.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "audit_dependencies.py"
CONNECTION_REFUSED = (
    "requests.exceptions.ConnectionError: HTTPConnectionPool(host='127.0.0.1', port=9): "
    "Max retries exceeded with url: /v1/query"
)


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own tool, with this interpreter
        [sys.executable, str(TOOL), *args], capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def pins() -> dict[str, str]:
    """What the tool pins (``--list``), as ``{name: version}``."""
    listed = run_tool("--list")
    assert listed.returncode == 0, listed.stderr
    return dict(line.split("==") for line in listed.stdout.splitlines())


#: The stand-in's body: reads the pins like pip-audit, answers as ANSWER says.
STAND_IN = """
import json, sys
args = sys.argv[1:]
with open(args[args.index("--requirement") + 1]) as pinned:
    versions = dict(line.strip().split("==") for line in pinned)
if ANSWER == "unreachable":
    print("Traceback (most recent call last):", file=sys.stderr)
    print(REFUSED, file=sys.stderr)
    sys.exit(1)
deps = []
for name, version in versions.items():
    if ANSWER == "no_answer":
        reason = "Dependency not found on PyPI and could not be audited: " + name
        deps.append({"name": name, "skip_reason": reason})
        continue
    vulns = []
    if ANSWER == "finding" and name == "jinja2":
        vulns = [{"id": "GHSA-cpwx-vrp4-4pq7", "fix_versions": ["3.1.6"]}]
    deps.append({"name": name, "version": version, "vulns": vulns})
if ANSWER == "partial":
    deps = deps[1:]
with open(args[args.index("--output") + 1], "w") as out:
    json.dump({"dependencies": deps, "fixes": []}, out)
sys.exit(1 if ANSWER == "finding" else 0)
"""


def stand_in(tmp_path: Path, answer: str) -> Path:
    """A program called like pip-audit that answers as ``answer`` says."""
    program = tmp_path / "pip-audit"
    header = f"#!{sys.executable}\nANSWER = {answer!r}\nREFUSED = {CONNECTION_REFUSED!r}\n"
    program.write_text(header + STAND_IN, "utf-8")
    program.chmod(0o755)
    return program


def test_the_pins_are_what_klickit_core_installs_with_every_extra(pins: dict[str, str]) -> None:
    """X-10: runtime and adapter dependencies, transitively, at their installed versions;
    not the project itself, not the test tooling of the ``test`` extra."""
    found = pins
    for name in ("jinja2", "attrs", "cattrs", "babel", "sqlalchemy", "psycopg", "rich"):
        assert found[name] == metadata.version(name)
    assert found["markupsafe"] == metadata.version("markupsafe")  # jinja2's own dependency
    assert "klickit-core" not in found
    assert "pytest-cov" not in found
    assert "playwright" not in found


def test_no_known_advisory_passes(tmp_path: Path, pins: dict[str, str]) -> None:
    result = run_tool("--pip-audit", str(stand_in(tmp_path, "clean")))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{len(pins)} dependencies audited (pypi): no known advisory.\n"


def test_a_known_advisory_fails_and_is_named(tmp_path: Path) -> None:
    """X-10: one advisory is enough to fail, and the line says what to upgrade to."""
    result = run_tool("--pip-audit", str(stand_in(tmp_path, "finding")))
    assert result.returncode == 1
    jinja2 = metadata.version("jinja2")
    assert (
        result.stderr == f"Known advisory: jinja2 {jinja2}: GHSA-cpwx-vrp4-4pq7 (fixed in 3.1.6)\n"
    )


@pytest.mark.parametrize("service", ["pypi", "osv"])
def test_an_unreachable_advisory_service_fails_with_a_clear_message(
    tmp_path: Path, service: str
) -> None:
    """X-10: pip-audit ends in a traceback when it cannot connect; the audit fails with one
    line naming the service and the cause, exit 2 (not done), never 0."""
    result = run_tool("--pip-audit", str(stand_in(tmp_path, "unreachable")), "--service", service)
    assert result.returncode == 2
    assert result.stderr == (
        f"Audit not done: the advisory service ({service}) could not be reached or pip-audit "
        f"failed (exit 1): {CONNECTION_REFUSED}\n"
    )


def test_a_service_without_answers_is_not_a_pass(tmp_path: Path, pins: dict[str, str]) -> None:
    """X-10: pip-audit exits 0 when the service has no data for a dependency (a registry
    mirror without PyPI's JSON API answers 404 for every one): that is no audit at all."""
    result = run_tool("--pip-audit", str(stand_in(tmp_path, "no_answer")))
    assert result.returncode == 2
    count = len(pins)
    first = next(iter(pins))
    assert result.stderr == (
        f"Audit not done: the advisory service (pypi) gave no answer for {count} of {count} "
        f"dependencies, e.g. Dependency not found on PyPI and could not be audited: {first}\n"
    )


def test_a_report_missing_dependencies_is_not_a_pass(tmp_path: Path, pins: dict[str, str]) -> None:
    result = run_tool("--pip-audit", str(stand_in(tmp_path, "partial")))
    assert result.returncode == 2
    count = len(pins)
    assert (
        result.stderr == f"Audit not done: pip-audit reported {count - 1} of {count} dependencies\n"
    )


def test_jinja2_is_floored_past_its_advisories() -> None:
    """X-10: jinja2 releases before 3.1.6 have known sandbox-escape advisories."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert [r for r in project["dependencies"] if r.startswith("jinja2")] == ["jinja2>=3.1.6"]
