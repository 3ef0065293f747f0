"""The public namespace is deliberate: ``__all__`` is honest everywhere, and internal code
never imports from ``klickit_core`` itself (so the public names can stay stable)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import klickit_core

SRC = Path(klickit_core.__file__).resolve().parent
MODULES = sorted(info.name for info in pkgutil.walk_packages([str(SRC)], prefix="klickit_core."))


@pytest.mark.parametrize("name", MODULES)
def test_all_lists_only_names_that_exist(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        return
    assert len(exported) == len(set(exported)), f"{name}.__all__ repeats a name"
    missing = [item for item in exported if not hasattr(module, item)]
    assert not missing, f"{name}.__all__ names missing attributes: {missing}"


def test_top_level_exports_are_the_intended_ones() -> None:
    public = {name for name in dir(klickit_core) if not name.startswith("_")}
    # Everything public at the top level is in __all__ (besides subpackages).
    subpackages = {info.name for info in pkgutil.iter_modules([str(SRC)])}
    assert public - set(klickit_core.__all__) - subpackages == set()
    assert {"Money", "Cart", "CartCookieCodec", "build_shop", "KlickitError"} <= set(
        klickit_core.__all__
    )


def test_internal_modules_never_import_the_public_namespace() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        if path == SRC / "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "klickit_core":
                offenders.append(str(path.relative_to(SRC)))
            if isinstance(node, ast.Import) and any(a.name == "klickit_core" for a in node.names):
                offenders.append(str(path.relative_to(SRC)))
    assert offenders == []
