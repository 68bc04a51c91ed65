"""The learner's modules read as source text (ast), never imported: the routes
main.py declares, the routers each module declares, and the import graph
between the app's modules.

And one import of each module in a process of its own: a fork of the check's
process (FastAPI, SQLAlchemy and the rest already loaded, none of the app's
modules), so that each import starts from nothing of the app, as a fresh
interpreter does, for a few milliseconds rather than a second of library imports.
Where fork does not exist, `python -c "import …"` does the same, more slowly.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import json
import os
import select
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

# Decorators and calls that make a route.
ROUTE_DECORATORS = {
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "options",
    "head",
    "trace",
    "api_route",
    "route",
    "websocket",
    "websocket_route",
}
ROUTE_CALLS = {"add_api_route", "add_route", "add_api_websocket_route", "add_websocket_route"}
IMPORT_TIMEOUT = 20.0
# Imports at a time: the grader's children share the machine's cores.
PARALLEL = 2


def module_name(root: Path, path: Path) -> str:
    """`app.api.v1.orders` for root/app/api/v1/orders.py (a package for __init__.py)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def app_modules(root: Path) -> dict[str, Path]:
    """Every module of the learner's app package, by dotted name."""
    return {module_name(root, path): path for path in sorted((root / "app").rglob("*.py"))}


def parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return None


# --- Routes ---------------------------------------------------------------------------------


def routes_declared(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, source) of every route the module declares: decorators such as
    `@app.get(…)` or `@router.post(…)`, and calls such as `app.add_api_route(…)`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                call = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(call, ast.Attribute) and call.attr in ROUTE_DECORATORS:
                    found.append((decorator.lineno, f"@{ast.unparse(decorator)}"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ROUTE_CALLS
        ):
            found.append((node.lineno, ast.unparse(node)[:80]))
    return sorted(found)


@dataclass
class Router:
    """One `name = APIRouter(…)` of a module, and the routes declared on it."""

    name: str
    line: int
    keywords: dict[str, ast.expr]
    declared: list[tuple[str, list[str]]] = field(default_factory=list)  # (path, dependencies)

    def literal(self, keyword: str) -> object:
        with contextlib.suppress(ValueError, KeyError):
            return ast.literal_eval(self.keywords[keyword])
        return None


def routers(tree: ast.Module) -> list[Router]:
    """Every module-level `name = APIRouter(…)`, with the paths and the
    per-route dependencies of the `@name.<method>(path, …)` routes on it."""
    found: dict[str, Router] = {}
    for node in tree.body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if isinstance(value, ast.Call) and _called(value) == "APIRouter":
            for name in targets:
                if isinstance(name, ast.Name):
                    keywords = {k.arg: k.value for k in value.keywords if k.arg}
                    found[name.id] = Router(name.id, node.lineno, keywords)
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for decorator in node.decorator_list:
            if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)):
                continue
            owner = decorator.func.value
            if not (isinstance(owner, ast.Name) and owner.id in found):
                continue
            if decorator.func.attr not in ROUTE_DECORATORS:
                continue
            path = decorator.args[0] if decorator.args else None
            for keyword in decorator.keywords:
                if keyword.arg == "path":
                    path = keyword.value
            dependencies = [
                ast.unparse(item)
                for keyword in decorator.keywords
                if keyword.arg == "dependencies" and isinstance(keyword.value, ast.List | ast.Tuple)
                for item in keyword.value.elts
            ]
            text = path.value if isinstance(path, ast.Constant) else "?"
            found[owner.id].declared.append((str(text), dependencies))
    return list(found.values())


def reexported_router(tree: ast.Module) -> str | None:
    """The app module whose `router` this module imports at module level and
    serves as its own (v2 keeping a v1 module that did not change), or None."""
    for node in tree.body:
        if (
            isinstance(node, ast.ImportFrom)
            and (node.module or "").startswith("app.api.")
            and any((alias.asname or alias.name) == "router" for alias in node.names)
        ):
            return node.module
    return None


def _called(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def first_segment(path: str) -> str:
    return "/" + path.lstrip("/").split("/", 1)[0] if path.strip("/") else ""


# --- The import graph -----------------------------------------------------------------------


def imports(
    tree: ast.Module, name: str, is_package: bool, modules: set[str], everywhere: bool = False
) -> Iterator[str]:
    """The app modules `name` imports: at module level (outside `if TYPE_CHECKING:`),
    or anywhere in it when `everywhere`. `from package import submodule` names
    the submodule only: Python imports it even while the package is half made."""
    package = name if is_package else name.rpartition(".")[0]
    nodes = ast.walk(tree) if everywhere else _module_level(tree.body)
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _base(node, package)
            named = [f"{base}.{alias.name}" for alias in node.names]
            submodules = [module for module in named if module in modules]
            yield from submodules
            if len(submodules) < len(named):
                yield base  # a name defined in the module itself


def _base(node: ast.ImportFrom, package: str) -> str:
    """The module an ImportFrom reads from, relative imports resolved."""
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    anchor = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
    return ".".join([*anchor, *([node.module] if node.module else [])])


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements that run when the module is imported, except what only a
    type checker reads (`if TYPE_CHECKING:`) and the bodies of functions and classes."""
    for node in body:
        if isinstance(node, ast.If):
            if "TYPE_CHECKING" not in ast.unparse(node.test):
                yield from _module_level(node.body)
            yield from _module_level(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _module_level(block)
            for handler in node.handlers:
                yield from _module_level(handler.body)
        elif isinstance(node, ast.With):
            yield from _module_level(node.body)
        else:
            yield node


@dataclass
class Graph:
    """The app's modules and, for each, the app modules it imports."""

    root: Path
    edges: dict[str, set[str]]
    # Each package's submodules that its __init__ imports first thing, unconditionally.
    aggregated: dict[str, set[str]]

    def closure(self, name: str) -> set[str]:
        seen, pending = set(), [name]
        while pending:
            for following in self.edges.get(pending.pop(), ()):
                if following not in seen:
                    seen.add(following)
                    pending.append(following)
        return seen


def import_graph(root: Path, everywhere: bool = False) -> Graph:
    """The import graph of the app package under `root`."""
    root = root.resolve()
    paths = app_modules(root)
    modules = set(paths)
    edges: dict[str, set[str]] = {}
    aggregated: dict[str, set[str]] = {}
    for name, path in paths.items():
        tree = parse(path)
        package = path.name == "__init__.py"
        found = imports(tree, name, package, modules, everywhere) if tree else []
        edges[name] = {target for target in found if target in modules and target != name}
        if tree and package:
            direct = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
            named = {
                m
                for n in direct
                for m in imports(ast.Module(body=[n], type_ignores=[]), name, True, modules)
            }
            aggregated[name] = {m for m in named if m.rpartition(".")[0] == name}
    return Graph(root, edges, aggregated)


def cycle(graph: Graph) -> list[str] | None:
    """One import cycle, as the modules along it (the first again at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for following in sorted(graph.edges.get(node, ())):
            if state.get(following) == 1:
                return [*path[path.index(following) :], following]
            if following not in state and (found := visit(following)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph.edges):
        if start not in state and (found := visit(start)):
            return found
    return None


# --- Each module alone ----------------------------------------------------------------------


def import_alone(graph: Graph, workdir: Path) -> dict[str, str]:
    """{module: what went wrong} for each module that does not import on its own.

    Each import is a process that starts with none of the app's routers. What
    keeps that cheap is sound once the graph has no cycle (the check makes sure
    of it first):

    - a submodule that its package's __init__ imports first thing is imported
      alone exactly when the package is (Python runs the package's __init__
      before the submodule), so the package stands for it;
    - the layers under app/api (config, tables, schemas, services: whatever
      imports nothing of app/api nor app.main) are imported one after the other,
      dependencies first, in one process, each in a fork of it taken just before:
      what it imports is then loaded already, as it would be by the time its own
      body runs;
    - the routers and app.main are each imported in a fork of that process,
      with those layers loaded and nothing of app/api: from a router's first
      line on, it is what `python -c "import app.api.v2.orders"` does.
    """
    root = graph.root
    covered = {m for package, subs in graph.aggregated.items() for m in subs if m != package}
    tested = {m for m in graph.edges if m not in covered}
    if not hasattr(os, "fork"):
        return _interpreters(root, sorted(tested), workdir)
    upper = {m for m in graph.edges if m == "app.main" or m.startswith("app.api")}
    lower = _dependencies_first(
        graph, {m for m in graph.edges if not graph.closure(m) & upper} - upper
    )

    def work() -> dict[str, str]:
        _forget_the_app(root, workdir, keep=())
        for name in lower:
            if name in tested and (problems := _forked(root, [name], workdir, keep=sys.modules)):
                return problems
            importlib.import_module(name)
        return _forked(root, sorted(tested - set(lower)), workdir, keep=lower)

    return _in_a_fork(work)


def _dependencies_first(graph: Graph, names: set[str]) -> list[str]:
    """`names` in an order where each module comes after the modules it imports."""
    ordered: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        done.add(name)
        for following in sorted(graph.edges.get(name, ()) & names):
            visit(following)
        ordered.append(name)

    for name in sorted(names):
        visit(name)
    return ordered


def _in_a_fork(work: Callable[[], dict[str, str]]) -> dict[str, str]:
    """`work()` run in a forked process (which may import what it likes); its answer."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(reader)
        answer: dict[str, str] = {}
        try:
            answer = work()
        except BaseException as error:  # the learner's lower layers may raise
            answer = {"(the app's lower layers)": f"{type(error).__name__}: {error}"}
        finally:
            with contextlib.suppress(OSError):
                os.write(writer, json.dumps(answer).encode())
            os._exit(0)
    os.close(writer)
    chunks = []
    while chunk := os.read(reader, 65536):
        chunks.append(chunk)
    os.close(reader)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks) or b"{}")


def _forked(root: Path, modules: list[str], workdir: Path, keep: Collection[str]) -> dict[str, str]:
    """Import each of `modules` in a fork of its own, a few at a time; the
    children forget every app module but `keep`."""
    keep = set(keep)
    problems: dict[str, str] = {}
    pending = list(modules)
    running: dict[int, tuple[str, int, float, list[bytes]]] = {}
    while pending or running:
        while pending and len(running) < PARALLEL:
            name = pending.pop(0)
            reader, writer = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child
                os.close(reader)
                _import_in_child(root, name, workdir, writer, keep)
            os.close(writer)
            running[reader] = (name, pid, time.monotonic() + IMPORT_TIMEOUT, [])
        ready, _, _ = select.select(list(running), [], [], 0.2)
        for reader in ready:
            chunk = os.read(reader, 65536)
            if chunk:
                running[reader][3].append(chunk)
                continue
            name, pid, _deadline, chunks = running.pop(reader)
            os.close(reader)
            _, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                problems[name] = b"".join(chunks).decode(errors="replace").strip() or "it failed"
        for reader, (name, pid, deadline, _chunks) in list(running.items()):
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                os.close(reader)
                del running[reader]
                problems[name] = f"it did not finish importing within {IMPORT_TIMEOUT:g} s"
    return problems


def _forget_the_app(root: Path, workdir: Path, keep: Collection[str]) -> None:
    """Drop the app's modules (but `keep`) and import from `root`, as a fresh
    interpreter started in `workdir` with the stage folder on its path would."""
    for loaded in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
        if loaded not in keep:
            del sys.modules[loaded]
    sys.path[:] = [str(root), *(p for p in sys.path if p != str(root))]
    os.chdir(workdir)
    # No bytecode next to the learner's files.
    sys.dont_write_bytecode = sys.dont_write_bytecode or not sys.pycache_prefix
    importlib.invalidate_caches()


def _import_in_child(
    root: Path, name: str, workdir: Path, writer: int, keep: Collection[str]
) -> None:
    """In a forked child: forget the app (but `keep`), import `name`, report, exit."""
    code = 1
    try:
        _forget_the_app(root, workdir, keep)
        importlib.import_module(name)
        code = 0
    except BaseException as error:  # the learner's module may raise anything
        report = _where(error, root) + f"{type(error).__name__}: {error}"
        with contextlib.suppress(OSError):
            os.write(writer, report.encode(errors="replace")[:4000])
    finally:
        os._exit(code)


def _where(error: BaseException, root: Path) -> str:
    frames = [
        f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(str(root))
    ]
    if not frames:
        return ""
    frame = frames[-1]
    place = Path(frame.filename).relative_to(root)
    return f"{place}, line {frame.lineno}: {(frame.line or '').strip()}\n"


def _interpreters(root: Path, modules: list[str], workdir: Path) -> dict[str, str]:
    """Without fork: `python -c "import <module>"`, one after the other."""
    problems: dict[str, str] = {}
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    for name in modules:
        try:
            done = subprocess.run(
                [sys.executable, "-c", f"import {name}"],
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=IMPORT_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            problems[name] = f"it did not finish importing within {IMPORT_TIMEOUT:g} s"
            continue
        if done.returncode != 0:
            problems[name] = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "?"
    return problems
