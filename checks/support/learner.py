"""Reach into the learner's app package for what a stage README names: a
dependency to override, a settings function, a repository class."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

from checks.support.failures import fail


def _app_modules() -> list[tuple[str, Any]]:
    return sorted(
        (name, module)
        for name, module in sys.modules.items()
        if module is not None and (name == "app" or name.startswith("app."))
    )


def find(name: str, *, kind: str = "function") -> Any:
    """The object called `name` defined anywhere in the learner's (already
    imported) app package; a clear failure when there is none."""
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
    if found:
        return found[0][1]  # imported from elsewhere, but reachable
    fail(
        f"your app has no {kind} named `{name}`: the stage README names it, and the "
        "checks use that name to swap it out",
        expected=f"a {kind} `{name}` in your app package (e.g. app/dependencies.py)",
    )
