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


def call(name: str, *args: Any, **kwargs: Any) -> Any:
    """Call the learner's function `name`. Its TODO stub raises
    NotImplementedError("TODO …"), which the grader reports as "to do". An
    `async def` one (a dependency may be) is run to its result."""
    import asyncio
    import inspect

    result = find(name)(*args, **kwargs)
    if inspect.iscoroutine(result):
        result = asyncio.run(result)
    return result


def override(app: Any, name: str, replacement: Any) -> None:
    """Swap the learner's dependency `name` for `replacement` in `app`
    (`app.dependency_overrides`), for the rest of the check."""
    app.dependency_overrides[find(name)] = replacement


class Counting:
    """A stand-in for a dependency that counts how often FastAPI calls it."""

    def __init__(self, value: Any) -> None:
        self.value = value
        self.calls = 0

    def __call__(self) -> Any:
        self.calls += 1
        return self.value
