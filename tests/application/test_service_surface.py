"""X-7, X-8 (issue 14): the application services are the surface apps build on, so every
public method takes only what its caller decides, at most six of them, and says in its
docstring which typed errors it raises.

The classes are found, not listed: a service added later is held to the same rules.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

from klickit_core import application
from klickit_core.bootstrap import Shop, build_shop
from klickit_core.shared.errors import KlickitError

#: Collaborators bound once by ``build_shop``; a caller never passes them.
BOUND = {
    "uow",
    "unit_of_work",
    "clock",
    "ids",
    "id_generator",
    "gateway",
    "hasher",
    "mailer",
    "verifier",
    "fraud",
    "settings",
    "links",
    "bound",
    "registry",
    "renderer",
    "codec",
    "rules",
    "shipping_table",
    "parts",
}
MAX_PARAMETERS = 6
_RAISES = re.compile(r"^\s*Raises:\s*$", re.MULTILINE)
_ERROR_NAME = re.compile(r"^\s*([A-Z][A-Za-z]+Error)\b", re.MULTILINE)


def _services() -> list[type]:
    found: list[type] = []
    for module_info in pkgutil.iter_modules(application.__path__):
        module = importlib.import_module(f"{application.__name__}.{module_info.name}")
        found.extend(
            value
            for name, value in vars(module).items()
            if inspect.isclass(value)
            and name.endswith("Service")
            and value.__module__ == module.__name__
        )
    return sorted(found, key=lambda cls: cls.__qualname__)


def _methods() -> list[tuple[type, str]]:
    return [
        (service, name)
        for service in _services()
        for name, member in vars(service).items()
        if not name.startswith("_") and inspect.isfunction(member)
    ]


SERVICES = _services()
METHODS = _methods()


def test_every_context_has_a_service_on_the_shop() -> None:
    """Each service class is reachable as an attribute of the shop ``build_shop`` makes."""
    assert len(SERVICES) >= 9
    shop = build_shop()
    on_shop = {type(getattr(shop, f.name)) for f in Shop.__attrs_attrs__}  # type: ignore[attr-defined]
    assert set(SERVICES) <= on_shop


@pytest.mark.parametrize(("service", "name"), METHODS, ids=lambda x: getattr(x, "__name__", x))
def test_a_method_takes_only_what_its_caller_decides(service: type, name: str) -> None:
    """At most six parameters besides ``self``, none of them a bound collaborator."""
    parameters = list(inspect.signature(getattr(service, name)).parameters)[1:]
    assert len(parameters) <= MAX_PARAMETERS, parameters
    assert not BOUND & set(parameters), parameters


def _typed_errors() -> dict[str, type[KlickitError]]:
    """Every :class:`KlickitError` subclass of the library, by class name."""
    import klickit_core

    for info in pkgutil.walk_packages(klickit_core.__path__, "klickit_core."):
        if ".testing" in info.name or ".cli" in info.name or "migrations" in info.name:
            continue
        importlib.import_module(info.name)
    found: dict[str, type[KlickitError]] = {}
    pending: list[type[KlickitError]] = [KlickitError]
    while pending:
        cls = pending.pop()
        if cls.__module__.startswith("klickit_core."):
            found[cls.__name__] = cls
        pending.extend(cls.__subclasses__())
    return found


@pytest.mark.parametrize(("service", "name"), METHODS, ids=lambda x: getattr(x, "__name__", x))
def test_a_method_names_the_typed_errors_it_raises(service: type, name: str) -> None:
    """The docstring has a ``Raises:`` section naming at least one error, and every error
    it names is one of the library's typed errors (a :class:`KlickitError`)."""
    doc = inspect.getdoc(getattr(service, name)) or ""
    match = _RAISES.search(doc)
    assert match is not None, "no Raises: section"
    names = _ERROR_NAME.findall(doc[match.end() :])
    assert names, "the Raises: section names no error"
    unknown = set(names) - set(TYPED_ERRORS)
    assert not unknown, f"not typed errors of the library: {sorted(unknown)}"


TYPED_ERRORS = _typed_errors()
