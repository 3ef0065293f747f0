"""Every ```python block of the docs runs: one namespace per page, blocks in order.

Pages use ``assert`` to state what an example shows, so a behaviour change that makes a
page wrong fails here instead of misleading a reader. Pages in sub-folders (the API
reference, the requirements, the decisions) count too (#16).
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(
    path.relative_to(DOCS).as_posix()
    for path in DOCS.rglob("*.md")
    if "_build" not in path.relative_to(DOCS).parts
)
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def test_the_docs_have_examples() -> None:
    assert sum(len(BLOCK.findall((DOCS / p).read_text("utf-8"))) for p in PAGES) >= 20


@pytest.mark.parametrize("page", PAGES)
def test_page_examples_run(page: str) -> None:
    blocks = BLOCK.findall((DOCS / page).read_text(encoding="utf-8"))
    namespace: dict[str, object] = {"__name__": f"docs_{page}"}
    for index, block in enumerate(blocks, 1):
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(block, f"{page}#block{index}", "exec"), namespace)  # noqa: S102


def test_no_example_silences_hypothesis_health_checks() -> None:
    """#16: an example that is slow under load is made robust (no deadline, smaller
    inputs), never by suppressing a health check, which would hide a slow or
    filter-heavy strategy from every reader who copies it."""
    silenced = [
        page
        for page in PAGES
        if any(
            "suppress_health_check" in block
            for block in BLOCK.findall((DOCS / page).read_text("utf-8"))
        )
    ]
    assert silenced == []
