"""Reach into the learner's app package for what a stage README names: a
dependency to override, a settings function, a repository class."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from types import ModuleType
from typing import Any, NoReturn

from checks.support.failures import fail


def _app_modules() -> list[tuple[str, Any]]:
    return sorted(
        (name, module)
        for name, module in sys.modules.items()
        if module is not None and (name == "app" or name.startswith("app."))
    )


def _import_the_rest() -> None:
    """Import the app package's modules that the app itself has not imported
    (yet): a skeleton's dependencies.py, say, before main.py uses it."""
    package = sys.modules.get("app")
    for module in pkgutil.walk_packages(getattr(package, "__path__", []), "app."):
        if module.name not in sys.modules:
            try:
                importlib.import_module(module.name)
            except Exception:  # a module the app does not use may be broken: not ours to judge
                continue


def find(name: str, *, kind: str = "function") -> Any:
    """The object called `name` defined anywhere in the learner's app package;
    a clear failure when there is none."""
    found = _lookup(name)
    if found is None:
        _import_the_rest()
        found = _lookup(name)
    return found if found is not None else _missing(name, kind)


def _lookup(name: str) -> Any:
    found = [
        (module_name, candidate)
        for module_name, module in _app_modules()
        # A submodule of the same name (app.repository) is not what is asked for.
        if (candidate := getattr(module, name, None)) is not None
        and not isinstance(candidate, ModuleType)
    ]
    for module_name, candidate in found:
        if getattr(candidate, "__module__", module_name) == module_name:
            return candidate  # defined there
    return found[0][1] if found else None  # imported from elsewhere, but reachable


def _missing(name: str, kind: str) -> NoReturn:
    fail(
        f"your app has no {kind} named `{name}`: the stage README names it, and the "
        "checks use that name to swap it out",
        expected=f"a {kind} `{name}` in your app package (e.g. app/dependencies.py)",
    )
