"""The learner's app as a list of operations, read through FastAPI's public API.

Since FastAPI 0.137, `app.routes` is a tree: a router included with
`app.include_router(router, prefix=…, dependencies=…)` is one node whose routes
sit inside it, without the prefix or the router's dependencies. A check that
walks `app.routes` sees neither, and marks correct router-based work as wrong.
`fastapi.routing.iter_route_contexts` (public since 0.137.2) flattens the tree
into each route as the app really serves it: the full path, the methods, the
endpoint and a dependency tree that includes every router's dependencies.

Checks read the app's structure only from here or from `app.openapi()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import RouteContext, iter_route_contexts


def operations(app: FastAPI) -> list[RouteContext]:
    """Every path operation the app serves, routers included, in the order
    FastAPI matches them (the first that matches a request answers it).

    Each item has `.path` (with every router's prefix), `.methods`,
    `.endpoint` (the learner's function) and `.dependant` (its dependency
    tree, with the dependencies of the app and of each router it is in).
    Mounts, websockets and plain Starlette routes are left out."""
    return [
        context
        for context in iter_route_contexts(app.routes)
        if getattr(context, "dependant", None) is not None and context.methods
    ]


def route_for(app: FastAPI, method: str, path: str) -> RouteContext | None:
    """The operation that serves `METHOD path` (the path as declared, e.g.
    `/products/{product_id}`), or None."""
    method = method.upper()
    return next(
        (op for op in operations(app) if op.path == path and method in (op.methods or ())),
        None,
    )


def dependency_calls(found: RouteContext) -> Iterator[Callable[..., Any]]:
    """Every dependency the operation runs: its own, its routers', the app's,
    and their dependencies in turn."""
    pending = list(found.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        if dependant.call is not None:
            yield dependant.call
        pending.extend(dependant.dependencies)


def depends_on(found: RouteContext, functions: Any) -> bool:
    """Whether the operation runs any of `functions` (one callable or several)
    as a dependency, directly or through another dependency."""
    wanted = list(functions) if isinstance(functions, list | set | tuple) else [functions]
    return any(any(call is function for function in wanted) for call in dependency_calls(found))


def runs(app: FastAPI, method: str, path: str, functions: Any) -> bool:
    """Whether `METHOD path` exists and runs any of `functions` as a dependency:
    its own, its router's (`APIRouter(dependencies=…)`) or the app's."""
    found = route_for(app, method, path)
    return found is not None and depends_on(found, functions)


def takes_query_model(app: FastAPI, method: str, path: str) -> bool:
    """Whether the operation's function has a parameter `Annotated[SomeModel, Query()]`."""
    import typing

    from fastapi import params
    from pydantic import BaseModel

    route = route_for(app, method, path)
    if route is None:
        return False
    try:
        hints = typing.get_type_hints(route.endpoint, include_extras=True)
    except Exception:  # a hint that does not resolve: no model we can see
        return False
    for name, hint in hints.items():
        if name == "return" or typing.get_origin(hint) is not typing.Annotated:
            continue
        base, *metadata = typing.get_args(hint)
        if (
            isinstance(base, type)
            and issubclass(base, BaseModel)
            and any(isinstance(item, params.Query) for item in metadata)
        ):
            return True
    return False
