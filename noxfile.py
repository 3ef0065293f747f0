"""Quality gates and jobs: ``nox`` runs the default gates (what CI runs).

Sessions: tests, lint, typecheck, architecture, docs, demo (default), plus bench, i18n,
fmt, audit and mutation on demand (``nox -s bench``). Every session runs on the interpreter
nox itself runs on (Python 3.11 or newer), so a missing interpreter can never skip a gate
silently.
"""

from __future__ import annotations

import shutil

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["lint", "typecheck", "architecture", "tests", "docs", "demo"]

LOCALE_DIR = "src/klickit_core/locale"


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite with branch coverage of src/ (fails under 90 %).

    It runs on up to four worker processes (pytest-xdist, one per core): on CI's two
    cores that halves the run. Every test that needs a store makes its own (a temporary
    SQLite file, a PostgreSQL schema of random name), so workers never share one. Four at
    most keeps the real-process race tests, which start their own processes and
    PostgreSQL connections, within the server's connection limit. ``nox -s tests -- -n 0``
    runs in one process.
    """
    session.install("-e", ".[test,bench]")
    session.run(
        "pytest",
        "--numprocesses=auto",
        "--maxprocesses=4",
        "--cov=klickit_core",
        "--cov-branch",
        "--cov-report=term",
        "--cov-fail-under=90",
        *session.posargs,
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install("ruff>=0.8")
    paths = ["src", "tests", "benchmarks", "examples", "noxfile.py", "docs/conf.py"]
    session.run("ruff", "check", *paths)
    session.run("ruff", "format", "--check", *paths)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on src/."""
    session.install("-e", ".[all]", "mypy>=1.11")
    session.run("mypy", "--strict", "src/klickit_core")


@nox.session
def architecture(session: nox.Session) -> None:
    """import-linter: the layer contracts in pyproject.toml."""
    session.install("-e", ".[all]", "import-linter>=2.1")
    session.run("lint-imports")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the Sphinx site; any warning fails."""
    session.install("-e", ".[all,docs]")
    session.run(
        "sphinx-build", "-W", "--keep-going", "-q", "-b", "html", "docs", "docs/_build/html"
    )


@nox.session
def demo(session: nox.Session) -> None:
    """The main job: ``klickit demo`` in French and English."""
    session.install("-e", ".[all]")
    session.run("klickit", "demo")
    session.run("klickit", "demo", "--locale", "en", "--plain")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against their baselines (ratios, never asserted in tests)."""
    session.install("-e", ".[all,bench]")
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session
def audit(session: nox.Session) -> None:
    """pip-audit of what klickit-core installs with every extra (tools/audit_dependencies.py):
    fails on any known advisory, and fails with a message, never passing silently, when the
    advisory service cannot be reached. ``nox -s audit -- --service osv`` asks OSV instead
    of PyPI. Not a default gate: it needs the advisory service on the network."""
    session.install("-e", ".[all]", "pip-audit==2.10.1")
    # The check of the check: a service that cannot be reached must fail the audit (exit 2).
    session.run(
        "python", "tools/audit_dependencies.py", "--service", "osv",
        "--service-url", "http://127.0.0.1:9/v1/query", success_codes=[2], silent=True,
    )  # fmt: skip
    session.run("python", "tools/audit_dependencies.py", *session.posargs)


@nox.session
def mutation(session: nox.Session) -> None:
    """Mutation testing (mutmut) of money, retention and the cart cookie against their own
    tests; configured in pyproject.toml ``[tool.mutmut]``. Not a default gate: about 1,200
    mutants, 5 to 10 minutes on 2 cores. Prints, per module, the mutants killed and the
    survivors; ``mutants/`` keeps the results (``mutmut show NAME`` shows one mutant)."""
    session.install("-e", ".[test]", "mutmut==3.8.1")
    # From scratch: mutmut keeps earlier verdicts, which go stale when the tests change.
    shutil.rmtree("mutants", ignore_errors=True)
    session.run("mutmut", "run", *session.posargs)
    session.run("python", "tools/mutation_report.py")


@nox.session
def i18n(session: nox.Session) -> None:
    """Extract messages, update the fr/en catalogues and compile them."""
    session.install("babel>=2.16")
    pot = f"{LOCALE_DIR}/klickit.pot"
    session.run(
        "pybabel", "extract", "-F", "babel.cfg", "-k", "N_", "--no-default-keywords",
        "--sort-by-file", "--project=klickit-core", "-o", pot, ".",
    )  # fmt: skip
    session.run(
        "pybabel",
        "update",
        "-D",
        "klickit",
        "-i",
        pot,
        "-d",
        LOCALE_DIR,
        "-w",
        "100",
        "--ignore-obsolete",
    )
    session.run("pybabel", "compile", "-D", "klickit", "-d", LOCALE_DIR, "--statistics")


@nox.session
def fmt(session: nox.Session) -> None:
    """Apply ruff's fixes and formatting."""
    session.install("ruff>=0.8")
    session.run("ruff", "check", "--fix", "src", "tests", "benchmarks", "examples", "noxfile.py")
    session.run("ruff", "format", "src", "tests", "benchmarks", "examples", "noxfile.py")
