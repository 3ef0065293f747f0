"""The public namespace is deliberate: ``__all__`` is honest everywhere, and internal code
never imports from ``klickit_core`` itself (so the public names can stay stable)."""

from __future__ import annotations

import ast
import importlib
import inspect
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


#: First parameters that mark a use-case function: it opens or joins a unit of work, or
#: runs over the bound privacy registry with one.
_USE_CASE_FIRST = {"uow", "unit_of_work", "bound"}


def test_use_cases_are_public_only_as_service_methods() -> None:
    """X-7 (decision 0014): a use case is public as a method of the shop's services only;
    no module exports a function that takes a unit of work, so there is one convention
    and one way in."""
    exported = []
    for name in MODULES:
        if name.endswith(".personal_data"):
            continue  # a provider's helpers: the privacy engine hands providers a unit of work
        module = importlib.import_module(name)
        for item in getattr(module, "__all__", ()):
            value = getattr(module, item)
            if not inspect.isfunction(value):
                continue
            parameters = list(inspect.signature(value).parameters)
            if parameters and parameters[0] in _USE_CASE_FIRST:
                exported.append(f"{name}.{item}")
    assert exported == []
