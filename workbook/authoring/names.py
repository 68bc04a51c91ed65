"""The names a module binds and reads, and the repairs built on them that make
a partly completed module importable again (workbook/authoring/completion.py):
the skeleton's imports its remaining code needs, the solution's helpers that
completed code calls, and imports from the app cut to what exists so far.
"""

from __future__ import annotations

import ast
import builtins


def _bound_names(tree: ast.AST) -> set[str]:
    """Every name the module binds anywhere: definitions, assignments,
    parameters, imports, loop and comprehension variables."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound


def _missing_names(tree: ast.AST) -> set[str]:
    """The names `tree` reads but binds nowhere (builtins aside)."""
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return read - _bound_names(tree) - set(dir(builtins))


def with_skeleton_imports(text: str, skeleton: str) -> str:
    """`text` with the skeleton's imports of the names it uses but no longer
    imports: import-only hunks take the solution's lines, and the solution may
    have dropped an import that the skeleton's code, still there, needs (a
    column type that a later requirement replaces). Each comes back as its own
    import statement, after the module's last top-level import."""
    try:
        tree = ast.parse(text)
        skeleton_tree = ast.parse(skeleton)
    except SyntaxError:
        return text
    missing = _missing_names(tree)
    statements: list[str] = []
    for node in skeleton_tree.body:
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        for alias in node.names:
            if (alias.asname or alias.name).split(".")[0] not in missing:
                continue
            if isinstance(node, ast.Import):
                statement: ast.stmt = ast.Import(names=[alias])
            else:
                statement = ast.ImportFrom(module=node.module, names=[alias], level=node.level)
            statements.append(ast.unparse(statement) + "\n")
    if not statements:
        return text
    imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    at = (imports[-1].end_lineno or 0) if imports else 0
    lines = text.splitlines(keepends=True)
    lines[at:at] = statements
    return "".join(lines)


def with_helpers(text: str, solution: str) -> str:
    """`text` with the solution's top-level definitions of the names it uses
    but does not define (a type alias or a model that completed code refers
    to, left in a region of a later requirement), each put, with the comments
    above it, before the first top-level statement that uses it."""
    try:
        solution_tree = ast.parse(solution)
    except SyntaxError:
        return text
    definitions: dict[str, ast.stmt] = {}
    for node in solution_tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            definitions[node.name] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    definitions[target.id] = node
    solution_lines = solution.splitlines(keepends=True)
    for _ in range(len(definitions)):  # each round brings one helper
        try:
            tree = ast.parse(text)
        except SyntaxError:
            return text
        missing = _missing_names(tree)
        wanted = sorted(name for name in missing if name in definitions)
        if not wanted:
            return text
        name = wanted[0]
        node = definitions[name]
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        while start > 1 and solution_lines[start - 2].strip().startswith("#"):
            start -= 1
        helper = solution_lines[start - 1 : node.end_lineno]
        user = next(
            (
                statement
                for statement in tree.body
                if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(statement))
            ),
            None,
        )
        if user is None:
            return text
        at = min([user.lineno, *(d.lineno for d in getattr(user, "decorator_list", []))])
        lines = text.splitlines(keepends=True)
        while at > 1 and lines[at - 2].strip().startswith("#"):
            at -= 1
        lines[at - 1 : at - 1] = [*helper, "\n\n"]
        text = "".join(lines)
    return text


def _top_level_names(text: str) -> set[str]:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def importable(text: str, files: dict[str, str]) -> str:
    """`text` with the names it imports from its own app package cut down to
    those the (partly completed) modules define: the solution's imports of
    code that is not written yet would fail."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text
    lines = text.splitlines(keepends=True)
    for node in reversed(tree.body):
        if not (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "app"):
            continue
        module = files.get("app/" + "/".join(node.module.split(".")[1:]) + ".py")
        if module is None:
            continue
        try:
            ast.parse(module)
        except SyntaxError:
            continue  # a module that does not parse is reported when it is imported
        defined = _top_level_names(module)
        kept = [alias for alias in node.names if alias.name in defined]
        if len(kept) == len(node.names):
            continue
        replacement = (
            ast.unparse(ast.ImportFrom(module=node.module, names=kept, level=0)) + "\n"
            if kept
            else ""
        )
        lines[node.lineno - 1 : node.end_lineno] = [replacement]
    return "".join(lines)


def defines_only_used_names(lines: list[str], text: str) -> bool:
    """Whether `lines` are whole definitions (functions, classes, assignments)
    of names that `text` uses but does not define: a helper the solution added
    that completed code calls."""
    try:
        tree = ast.parse("".join(lines))
        used_tree = ast.parse(text)
    except SyntaxError:
        return False
    defined = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defined |= {t.id for t in targets if isinstance(t, ast.Name)}
        else:
            return False
    used = {n.id for n in ast.walk(used_tree) if isinstance(n, ast.Name)}
    return bool(defined) and defined <= used
