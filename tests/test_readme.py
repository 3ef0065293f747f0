"""The README's promises: the API example runs, and the quick start is what CI runs."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _block_after(heading: str, language: str) -> str:
    match = re.search(rf"## {heading}.*?```{language}\n(.*?)```", README, re.S)
    assert match is not None, f"no ```{language} block under '## {heading}'"
    return match.group(1)


def test_api_example_runs_as_shown() -> None:
    """Every line of the README example gives exactly the output printed beside it."""
    block = _block_after("A taste of the API", "python")
    test = doctest.DocTestParser().get_doctest(block, {}, "README", "README.md", 0)
    assert len(test.examples) >= 10
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_quick_start_has_two_commands_and_ci_runs_the_second() -> None:
    """One command runs the demo, the other the tests; .ci/run runs that one verbatim."""
    commands = [line for line in _block_after("Quick start", "bash").splitlines() if line.strip()]
    assert len(commands) == 2
    demo, tests = commands
    assert "klickit demo" in demo
    ci_script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci_script.splitlines()
