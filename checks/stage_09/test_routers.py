"""Stage 9, requirement 9.1: the app is put together from routers, one module
per resource and version, over shared dependencies and one data layer.

Read from outside: main.py and the router modules as source text, each module
imported on its own, the operations from app.openapi(), and an override set
once on app.dependency_overrides seen in the answers of both versions."""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

import pytest
from fastapi import HTTPException

from checks.stage_09 import layout
from checks.stage_09.shop import ENVIRONMENT, RESOURCES, V1, V2, missing
from checks.support import body_of, expect, fail
from checks.support.accounts import member
from checks.support.answers import sent

pytestmark = pytest.mark.env(**ENVIRONMENT)

METHODS = ("get", "post", "put", "patch", "delete")
# The status of the overrides below: no route of the shop answers it by itself.
TEAPOT = 418


@pytest.mark.req("9.1")
def test_main_declares_no_route(target, graded_once):
    """app/main.py builds the app and includes routers: no @app.get, no add_api_route."""
    main = target / "app" / "main.py"
    tree = layout.parse(main)
    expect(tree is not None, "app/main.py cannot be read", expected="a Python module")
    declared = layout.routes_declared(tree)
    if declared:
        shown = "; ".join(f"line {line}: {text}" for line, text in declared[:4])
        missing(
            "9.1",
            f"app/main.py still declares {len(declared)} route(s) ({shown}): main.py only "
            "builds the app; each route goes to the router of its resource, in app/api/v1/ or "
            "app/api/v2/, and main.py includes the routers (app.include_router)",
            expected="no route in app/main.py, only app.include_router(…)",
            got=shown,
        )
    calls = {node.func.attr for node in _calls(tree)}
    expect(
        "include_router" in calls,
        "app/main.py includes no router: the routes of both versions reach the app through "
        "app.include_router(…)",
        expected="app.include_router(v1.router) and app.include_router(v2.router) in main.py",
    )


def _calls(tree):
    import ast

    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    ]


@pytest.mark.req("9.1")
def test_each_resource_module_declares_its_router(target, graded_once):
    """Each of auth, users, products, orders, admin in app/api/v1 and v2 has an APIRouter with
    tags, its shared path on the router's prefix and its shared dependencies on the router."""
    for version in ("v1", "v2"):
        for resource in RESOURCES:
            path = target / "app" / "api" / version / f"{resource}.py"
            where = f"app/api/{version}/{resource}.py"
            if not path.exists():
                missing(
                    "9.1",
                    f"there is no {where}: each version has one module per resource "
                    f"({', '.join(RESOURCES)})",
                    expected=f"{where} with `router = APIRouter(prefix=…, tags=[…])`",
                )
            tree = layout.parse(path)
            expect(tree is not None, f"{where} cannot be read", expected="a Python module")
            if layout.reexported_router(tree):
                continue  # another version's module, unchanged: checked where it is declared
            _expect_routers(where, layout.routers(tree))


def _expect_routers(where: str, found: list[layout.Router]) -> None:
    if not any(router.name == "router" for router in found):
        missing(
            "9.1",
            f"{where} declares no `router = APIRouter(…)` at module level: the version's "
            "package includes each module's `router`",
            expected=f'in {where}: router = APIRouter(prefix="/…", tags=["…"])',
            got=f"routers: {', '.join(r.name for r in found) or 'none'}",
        )
    for router in found:
        described = f"{where}, line {router.line}: {router.name} = APIRouter(…)"
        if "tags" not in router.keywords:
            missing(
                "9.1",
                f"{described} has no tags: declare them once on the router, "
                'APIRouter(…, tags=["…"]), so that every operation of the module is filed '
                "under its resource in /docs",
                expected='APIRouter(prefix="/…", tags=["…"])',
            )
        paths = [path for path, _ in router.declared]
        segments = {layout.first_segment(path) for path in paths}
        prefix = router.literal("prefix") if "prefix" in router.keywords else ""
        if len(paths) > 1 and len(segments) == 1 and "" not in segments and not prefix:
            (segment,) = segments
            missing(
                "9.1",
                f"every route on {router.name} in {where} starts with {segment} "
                f"({', '.join(paths[:3])}…), and the router has no prefix: declare it once, "
                f'APIRouter(prefix="{segment}", …), and the routes without it',
                expected=f'APIRouter(prefix="{segment}", tags=[…]) and @router.get("")…',
                got=", ".join(paths),
            )
        repeated = _repeated_dependencies(router)
        if repeated:
            missing(
                "9.1",
                f"every route on {router.name} in {where} repeats dependencies=[{repeated}]: "
                "what all the routes of a router need is declared once, on the router "
                f"(APIRouter(…, dependencies=[{repeated}]))",
                expected=f"APIRouter(…, dependencies=[{repeated}]), and not on each route",
            )


def _repeated_dependencies(router: layout.Router) -> str | None:
    """A dependency every route of the router (two or more) declares itself."""
    if len(router.declared) < 2:
        return None
    common = set(router.declared[0][1])
    for _path, dependencies in router.declared[1:]:
        common &= set(dependencies)
    return sorted(common)[0] if common else None


@pytest.mark.req("9.1")
def test_every_operation_has_a_tag_and_a_unique_operation_id(app):
    """In app.openapi(), every operation of both versions is tagged and its operationId unique."""
    schema = app.openapi()
    untagged, ids = [], Counter()
    versioned = 0
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            versioned += path.startswith((f"{V1}/", f"{V2}/"))
            if not operation.get("tags"):
                untagged.append(f"{method.upper()} {path}")
            ids[operation.get("operationId")] += 1
    if not versioned:
        missing(
            "9.1",
            "app.openapi() lists no operation under /api/v1 or /api/v2: the versions' routers "
            "are not included yet",
            expected="every operation under /api/v1/… and /api/v2/…",
        )
    expect(
        not untagged,
        f"{len(untagged)} operation(s) have no tag: {', '.join(untagged[:5])}. Give each "
        'router its tags (APIRouter(…, tags=["products"]))',
        expected="tags on every operation",
        got=", ".join(untagged[:10]),
    )
    twice = sorted(str(name) for name, count in ids.items() if count > 1)
    expect(
        not twice,
        f"these operationIds are used more than once: {', '.join(twice[:5])}. A generated "
        "client names its methods after them, so two operations (say v1's and v2's list of "
        "products) with one id clash: if you set generate_unique_id_function, make it use "
        "the path or the version too",
        expected="one operationId per operation",
        got=", ".join(twice[:10]),
    )


@pytest.mark.req("9.1")
@pytest.mark.timeout(60)
def test_each_module_imports_alone_and_none_imports_main(
    target, environment, tmp_path, graded_once
):
    """Every module of app/ imports alone in a fresh process; no import cycle; app/api never
    imports app.main."""
    modules = layout.app_modules(target)
    expect("app.api.deps" in modules, "there is no app/api/deps.py", expected="app/api/deps.py")
    everywhere = layout.import_graph(target, everywhere=True)
    into_main = sorted(
        name
        for name, imported in everywhere.edges.items()
        if name.startswith("app.api") and "app.main" in imported
    )
    expect(
        not into_main,
        f"{', '.join(into_main)} import(s) app.main: a router that imports main makes a cycle "
        "the moment main includes it. Take dependencies from app.api.deps, settings from "
        "app.core.config",
        expected="nothing under app/api/ imports app.main",
        got=", ".join(into_main),
    )
    graph = layout.import_graph(target)
    loop = layout.cycle(graph)
    expect(
        loop is None,
        f"the app's modules import each other in a circle: {' → '.join(loop or [])}. Which "
        "one Python finishes first depends on which is imported first, so one of them fails "
        "when imported alone. Move what both need into a module of its own (app/api/deps.py, "
        "app/schemas/…), or let v2 include v1's router rather than v1 import v2",
        expected="no import cycle between the app's modules",
        got=" → ".join(loop or []),
    )
    broken = layout.import_alone(graph, tmp_path)
    if broken:
        first = sorted(broken)[0]
        fail(
            f"{len(broken)} module(s) of app/ fail when imported on their own, as "
            f'`python -c "import {first}"` does: {", ".join(sorted(broken)[:6])}. '
            f"{first}: {broken[first]}",
            expected="each module imports alone",
            got="\n".join(
                f"{name}: {text.splitlines()[-1]}" for name, text in sorted(broken.items())[:6]
            ),
        )


def _deps(name: str) -> Any:
    """`name` from the learner's app/api/deps.py."""
    module = sys.modules.get("app.api.deps")
    if module is None:
        import importlib

        try:
            module = importlib.import_module("app.api.deps")
        except ImportError:
            module = None
    found = getattr(module, name, None)
    if found is None:
        missing(
            "9.1",
            f"app/api/deps.py has no {name}: the routes of both versions take their "
            "dependencies from there, under stage 8's names",
            expected=f"{name} in app/api/deps.py",
        )
    return found


def _teapot() -> None:
    raise HTTPException(status_code=TEAPOT, detail="overridden by the checks")


def _expect_overridden(client, name: str, requests: list[tuple[str, str, dict[str, Any]]]) -> None:
    for method, url, extra in requests:
        response = client.request(method, url, **extra)
        if response.status_code == 404 and body_of(response) == {"detail": "Not Found"}:
            missing(
                "9.1",
                f"{sent(response)} answers 404: the route is not there, so the override of "
                f"{name} cannot be seen reaching it",
                expected=f"status {TEAPOT}, from the override",
                response=response,
            )
        expect(
            response.status_code == TEAPOT,
            f"{name} was overridden in app.dependency_overrides (the override answers "
            f"{TEAPOT}), and {sent(response)} answered {response.status_code}: this route did "
            f"not use the app's {name}. Both versions must depend on the one in app.api.deps, "
            "not on a copy, and on the app itself (a mounted sub-application has overrides of "
            "its own)",
            expected=f"status {TEAPOT}, from the override",
            response=response,
        )


@pytest.mark.req("9.1")
def test_one_override_reaches_both_versions(app, client, data):
    """get_current_user, then get_session, each overridden once: v1's and v2's routes use it."""
    user = member(client, data, prefix=V1)
    app.dependency_overrides[_deps("get_current_user")] = _teapot
    signed_in = [
        (method, f"{prefix}{path}", {"headers": user.headers})
        for prefix in (V1, V2)
        for method, path in (("GET", "/users/me"), ("GET", "/orders"), ("GET", "/outbox"))
    ]
    _expect_overridden(client, "get_current_user", signed_in)
    # The open routes do not ask who is signed in, but every route reads the database.
    app.dependency_overrides[_deps("get_session")] = _teapot
    form = {"data": {"username": user.username, "password": user.password}}
    _expect_overridden(
        client,
        "get_session",
        [
            ("GET", f"{V1}/products", {}),
            ("GET", f"{V2}/products", {}),
            ("GET", f"{V1}/products/1", {}),
            ("GET", f"{V2}/products/1", {}),
            ("POST", f"{V1}/auth/token", form),
            ("POST", f"{V2}/auth/token", form),
        ],
    )
