"""The ``service-errors`` directive: a table of an application service's use cases and
the typed errors each one raises (X-9), read from the methods' own ``Raises:`` sections.

The docstrings are the single source: ``tests/application/test_service_surface.py`` checks
that every public method of a service has such a section naming only the library's typed
errors, and this table shows the same names, linked to their classes. A name the
directive cannot match to a :class:`~klickit_core.shared.errors.KlickitError` subclass is
a build warning (so ``sphinx-build -W`` fails) rather than a silent gap.

Usage in a MyST page::

    ```{service-errors} klickit_core.application.cart.CartService
    ```
"""

from __future__ import annotations

import importlib
import inspect
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from docutils import nodes
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

import klickit_core  # conf.py puts the source tree first on the path
from klickit_core.shared.errors import KlickitError

if TYPE_CHECKING:
    from sphinx.application import Sphinx

_LOG = logging.getLogger(__name__)
_RAISES = re.compile(r"^(?P<indent>\s*)Raises:\s*$")
_ENTRY = re.compile(r"^(?P<indent>\s+)(?P<name>[A-Za-z_][\w.]*)\s*:")


def raised_errors(doc: str) -> list[str]:
    """The error names of the ``Raises:`` section of a Google-style docstring, in order.

    Only the entries' own lines count (the first indentation level under the heading), so
    an error named inside an explanation is not mistaken for one the method raises.
    """
    lines = doc.splitlines()
    for index, line in enumerate(lines):
        heading = _RAISES.match(line)
        if heading is None:
            continue
        names: list[str] = []
        entry_indent: int | None = None
        for entry_line in lines[index + 1 :]:
            if not entry_line.strip():
                continue
            indent = len(entry_line) - len(entry_line.lstrip())
            if indent <= len(heading["indent"]):
                break  # the next section, or the end of the docstring
            entry = _ENTRY.match(entry_line)
            if entry_indent is None:
                entry_indent = indent
            if entry is not None and indent == entry_indent:
                names.append(entry["name"].rsplit(".", 1)[-1])
        return names
    return []


@cache
def typed_errors() -> dict[str, str]:
    """Every typed error of the library, ``{class name: full dotted name}``."""
    # Modules are found by their files, not with pkgutil.walk_packages, which would import
    # every package on the way (the Alembic migrations too, whose import logs).
    root = Path(klickit_core.__file__).parent
    for path in sorted(root.rglob("*.py")):
        parts = ("klickit_core", *path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if {"testing", "cli", "migrations"} & set(parts) or parts[-1] == "__main__":
            continue
        importlib.import_module(".".join(parts))
    found: dict[str, str] = {}
    pending: list[type[KlickitError]] = [KlickitError]
    while pending:
        cls = pending.pop()
        if cls.__module__.startswith("klickit_core."):
            found.setdefault(cls.__name__, f"{cls.__module__}.{cls.__qualname__}")
        pending.extend(cls.__subclasses__())
    return found


def _xref(role: str, target: str, text: str) -> addnodes.pending_xref:
    """A Python cross-reference, as the ``:meth:``/``:class:`` roles make it."""
    reference = addnodes.pending_xref(
        "", refdomain="py", reftype=role, reftarget=target, refexplicit=True, refwarn=False
    )
    reference["py:module"] = None
    reference["py:class"] = None
    reference += nodes.literal(text, text, classes=["xref", "py", f"py-{role}"])
    return reference


def _row(*cells: list[nodes.Node]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        paragraph = nodes.paragraph()
        paragraph.extend(cell)
        row += nodes.entry("", paragraph)
    return row


class ServiceErrors(SphinxDirective):
    """``service-errors SERVICE``: one row per public method, with the errors it raises."""

    required_arguments = 1
    has_content = False
    option_spec: ClassVar[dict[str, object]] = {}

    def run(self) -> list[nodes.Node]:
        target = self.arguments[0]
        module_name, _, class_name = target.rpartition(".")
        service = getattr(importlib.import_module(module_name), class_name)
        errors = typed_errors()
        body = nodes.tbody()
        for name, member in vars(service).items():
            if name.startswith("_") or not inspect.isfunction(member):
                continue
            cell: list[nodes.Node] = []
            for error in dict.fromkeys(raised_errors(inspect.getdoc(member) or "")):
                if cell:
                    cell.append(nodes.Text(", "))
                full = errors.get(error)
                if full is None:
                    _LOG.warning(
                        "%s.%s names %s, which is not a typed error of the library",
                        target, name, error, location=self.get_location(),
                    )  # fmt: skip
                    cell.append(nodes.literal(error, error))
                else:
                    cell.append(_xref("class", full, error))
            if not cell:
                _LOG.warning(
                    "%s.%s has no Raises: section", target, name, location=self.get_location()
                )
            body += _row([_xref("meth", f"{target}.{name}", f"{name}()")], cell)
        if not body.children:
            _LOG.warning("%s has no public method", target, location=self.get_location())
            return []
        group = nodes.tgroup(cols=2)
        group += nodes.colspec(colwidth=35)
        group += nodes.colspec(colwidth=65)
        group += nodes.thead("", _row([nodes.Text("Use case")], [nodes.Text("Errors it raises")]))
        group += body
        table = nodes.table("", group, classes=["service-errors"])
        return [table]


def setup(app: Sphinx) -> dict[str, object]:
    """Register the directive."""
    app.add_directive("service-errors", ServiceErrors)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


__all__ = ["ServiceErrors", "raised_errors", "typed_errors"]
