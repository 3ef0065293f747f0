"""The example shop stays small and on the public surface (issue #14, decision 0014).

"The library does the work": the app's Python is under 400 lines, and it imports only the
public API (the top-level package, the application services, the composition root, the
sandbox and memory adapters, the converter, the errors, and the few value modules whose
types ``build_shop`` or a service signature asks for), never a context's use-case
implementation (``services``, ``login``, ``reset``, ``requests``, …) nor a unit of work.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "examples" / "webshop"

PUBLIC = {
    "klickit_core",
    "klickit_core.bootstrap",
    "klickit_core.adapters.gateways",
    "klickit_core.adapters.memory",
    "klickit_core.shared.serialisation",
    "klickit_core.shared.errors",
    # Value modules: the settings build_shop takes.
    "klickit_core.accounts.security",
    "klickit_core.privacy.settings",
    "klickit_core.privacy.records",
}


def _python_files() -> list[Path]:
    return sorted(APP.rglob("*.py"))


def _klickit_imports(path: Path) -> list[tuple[str, str]]:
    """``(module, name)`` for every import of klickit_core in ``path`` (``name`` is ``*``
    for a plain ``import``)."""
    found: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, "*") for a in node.names if a.name.startswith("klickit_core")]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("klickit_core"):
            found += [(node.module or "", a.name) for a in node.names]
    return found


def test_the_app_is_under_400_lines() -> None:
    """Issue #14 must-show: the example's own Python stays small."""
    files = _python_files()
    assert [f.name for f in files] == ["app.py"]
    lines = sum(len(f.read_text(encoding="utf-8").splitlines()) for f in files)
    assert lines < 400, f"examples/webshop has {lines} lines of Python"


def test_the_app_imports_only_the_public_api() -> None:
    """Decision 0014: apps use the services, never the use-case functions underneath."""
    imports = [item for f in _python_files() for item in _klickit_imports(f)]
    assert imports  # the check reads something
    outside = [
        (module, name)
        for module, name in imports
        if module not in PUBLIC and not module.startswith("klickit_core.application.")
    ]
    assert outside == []
    assert not any("unit_of_work" in module for module, _ in imports)
