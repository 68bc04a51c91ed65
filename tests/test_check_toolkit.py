"""The reference checks share one documented toolkit (issue 11): no stage's
checks import another stage's, every helper in checks/support says what it
does, and docs/grader.md's toolkit table names every helper a check imports."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from checks.support.marks import holds_todo

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ROOT / "checks"
SUPPORT = CHECKS / "support"
GUIDE = ROOT / "docs" / "grader.md"
# Methods that implement a base class's interface, documented there.
OVERRIDES = {"send", "handle_request", "close", "emit"}


def _stage_modules() -> list[Path]:
    return sorted(CHECKS.glob("stage_*/*.py"))


def _imports(path: Path) -> list[ast.ImportFrom]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module]


def test_no_stage_imports_another_stages_checks() -> None:
    crossing = []
    for path in _stage_modules():
        own = path.parent.name
        for node in _imports(path):
            if node.module.startswith("checks.stage_") and node.module.split(".")[1] != own:
                crossing.append(f"{path.relative_to(ROOT)}: from {node.module}")
    assert not crossing, "move what two stages share into checks/support: " + "; ".join(crossing)


def _undocumented(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    missing = []

    def visit(nodes: list[ast.stmt], owner: str = "") -> None:
        for node in nodes:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            name = node.name
            if name.startswith("_") or name.startswith("pytest_"):
                continue
            if owner and name in OVERRIDES:
                continue
            if not ast.get_docstring(node):
                missing.append(f"{path.relative_to(ROOT)}: {owner}{name}")
            if isinstance(node, ast.ClassDef):
                visit(node.body, f"{name}.")

    visit(tree.body)
    return missing


def test_every_helper_has_a_docstring() -> None:
    missing = [entry for path in sorted(SUPPORT.glob("*.py")) for entry in _undocumented(path)]
    assert not missing, "a helper without a docstring: " + ", ".join(missing)


def test_the_guide_lists_every_helper_the_checks_import() -> None:
    section = GUIDE.read_text(encoding="utf-8").split("## Writing a check", 1)[1]
    section = re.sub(r"```.*?```", "", section, flags=re.DOTALL)  # examples, not names
    named = set(re.findall(r"`([^`]+)`", section))
    words = {word for text in named for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)}
    unlisted = set()
    for path in _stage_modules():
        for node in _imports(path):
            if node.module.startswith("checks.support"):
                unlisted |= {alias.name for alias in node.names if alias.name not in words}
    assert not unlisted, f"docs/grader.md's toolkit table does not name: {sorted(unlisted)}"


def test_holds_todo_reads_the_stage_folder_and_the_files_named(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("# TODO 1.10: the welcome\n", encoding="utf-8")
    (tmp_path / "Dockerfile").write_text("# TODO 10.1: a slim base\nFROM python\n")
    assert holds_todo(tmp_path, "1.10")
    assert not holds_todo(tmp_path, "1.1"), "TODO 1.10 is not TODO 1.1"
    assert not holds_todo(tmp_path, "10.1"), "a file not named is not read"
    assert holds_todo(tmp_path, "10.1", ["Dockerfile"])
    assert not holds_todo(tmp_path, "10.2", ["Dockerfile", "gone.txt"]), "a missing file is no mark"
