"""What in a submission deserves an instructor's look: code that reaches for
the grader or the machine rather than answering requests.

A submission shares its process with the checks that grade it, so inside the
sandbox it can still lie about its own results; this list, a gradebook column,
is how such a lie gets noticed. It reads the code with `ast` and never runs it.
"""

from __future__ import annotations

import ast
from pathlib import Path

# Importing any of these is flagged: the grader's own packages, and the modules
# that reach below Python (memory, the garbage collector, other processes, sockets).
MODULES = {
    "pytest": "pytest",
    "_pytest": "pytest",
    "pluggy": "pytest",
    "workbook": "the grader",
    "checks": "the checks",
    "ctypes": "ctypes",
    "cffi": "ctypes",
    "gc": "gc",
    "subprocess": "subprocess",
    "multiprocessing": "subprocess",
    "pty": "subprocess",
    "socket": "sockets",
    "socketserver": "sockets",
    "inspect": "inspect",
    "importlib": "importlib",
}
CALLS = {
    ("os", "fork"): "os.fork",
    ("os", "forkpty"): "os.fork",
    ("os", "system"): "subprocess",
    ("os", "popen"): "subprocess",
    ("os", "kill"): "os.kill",
    ("os", "killpg"): "os.kill",
    ("os", "setsid"): "os.setsid",
    ("os", "_exit"): "os._exit",
    ("sys", "_getframe"): "frames",
    ("builtins", "__import__"): "__import__",
}
NAMES = {"__import__": "__import__", "__builtins__": "__builtins__", "__subclasses__": "frames"}
MAX_FILES, MAX_BYTES = 400, 1_000_000


class _Finder(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[tuple[str, int]] = []

    def flag(self, what: str, node: ast.AST) -> None:
        self.found.append((what, getattr(node, "lineno", 0)))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._module(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and not node.level:
            self._module(node.module, node)
            for alias in node.names:
                self._attribute(node.module.split(".")[0], alias.name, node)

    def _module(self, name: str, node: ast.AST) -> None:
        top = name.split(".")[0]
        if top in MODULES:
            self.flag(MODULES[top], node)

    def _attribute(self, owner: str, name: str, node: ast.AST) -> None:
        if (owner, name) in CALLS:
            self.flag(CALLS[owner, name], node)
        if owner == "sys" and name == "modules":
            self.flag("sys.modules", node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.value, ast.Name):
            self._attribute(node.value.id, node.attr, node)
        if node.attr in NAMES:
            self.flag(NAMES[node.attr], node)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in NAMES:
            self.flag(NAMES[node.id], node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and "/proc" in node.value:
            self.flag("/proc", node)

    def visit_Call(self, node: ast.Call) -> None:
        # importlib.import_module("ctypes"), __import__("gc"): a module named in a string.
        function = node.func
        name = getattr(function, "attr", None) or getattr(function, "id", None)
        first = node.args[0] if node.args else None
        if name in ("import_module", "__import__") and isinstance(first, ast.Constant):
            self._module(str(first.value), node)
        self.generic_visit(node)


def _sources(folder: Path) -> list[Path]:
    """The submission's Python files; links are not followed, so that a link to
    a file elsewhere on the machine is never read."""
    found: list[Path] = []
    for path in sorted(folder.rglob("*.py")):
        if len(found) >= MAX_FILES:
            break
        if path.is_symlink() or not path.is_file() or "__pycache__" in path.parts:
            continue
        if any(parent.is_symlink() for parent in path.relative_to(folder).parents if parent.name):
            continue
        found.append(path)
    return found


def flags(folder: Path) -> list[str]:
    """One entry per kind of reach, with where it first appears: 'ctypes (app/main.py:3)'."""
    first: dict[str, str] = {}
    for path in _sources(folder):
        try:
            with open(path, "rb") as handle:
                source = handle.read(MAX_BYTES + 1)
        except OSError:
            continue
        shown = path.relative_to(folder).as_posix()
        if len(source) > MAX_BYTES:
            first.setdefault("a file over 1 MB", shown)
            continue
        try:
            tree = ast.parse(source, filename=shown)
        except (SyntaxError, ValueError):
            continue  # the grade says so already
        finder = _Finder()
        finder.visit(tree)
        for what, line in finder.found:
            first.setdefault(what, f"{shown}:{line}")
    return [f"{what} ({where})" for what, where in sorted(first.items())]
