"""The skeleton of a stage with only its first requirements done, rebuilt from
its solution: what a learner working in the README's order has at each step.
`tests/test_requirement_order.py` grades it to show that requirements 1..k pass
without the work of the ones after them.

The rebuild takes each TODO region from the solution, which is the stage's end
state; where a later requirement rewrites an earlier one's code, no such state
can be taken from it, and the test says so case by case.
"""

from __future__ import annotations

import difflib

from workbook.authoring.names import (
    defines_only_used_names,
    importable,
    with_helpers,
    with_skeleton_imports,
)
from workbook.authoring.patches import files_of
from workbook.authoring.source_regions import TODO, is_import_line, named_blocks, region_around
from workbook.stages import Stage


def _complete_blocks(solution: str, skeleton: str, done: set[str]) -> str:
    """The skeleton with each function or class whose own TODOs are all done
    replaced by the solution's function or class of the same name. Innermost
    first: a method is completed on its own, while another of its class is not."""
    wanted = named_blocks(solution)
    lines = skeleton.splitlines(keepends=True)
    completed: set[str] = set()
    # Deepest names first, so replacing a method leaves its class's span valid
    # for the blocks around it (spans are taken again after each change).
    while True:
        blocks = named_blocks("".join(lines))
        candidates = []
        for name, (start, end) in blocks.items():
            own = "".join(lines[start - 1 : end])
            named = set(TODO.findall(own))
            inner = [n for n in blocks if n.startswith(name + ".")]
            if (
                named
                and named <= done
                and not any(
                    TODO.findall("".join(lines[blocks[n][0] - 1 : blocks[n][1]])) for n in inner
                )
            ):
                candidates.append((name, start, end))
        if not candidates:
            return _in_solution_order("".join(lines), solution, completed)
        name, start, end = max(candidates, key=lambda c: c[0].count("."))
        if name in wanted:
            sol_start, sol_end = wanted[name]
            replacement = solution.splitlines(keepends=True)[sol_start - 1 : sol_end]
        else:
            # Gone from the solution (a class the requirement removes): its
            # TODOs say so, and it goes before the lines are diffed, so that
            # difflib cannot pair its lines with unrelated code of the solution.
            replacement = []
        lines[start - 1 : end] = replacement
        completed.add(name)


def _in_solution_order(text: str, solution: str, completed: set[str]) -> str:
    """The completed top-level functions and classes put in the solution's order
    among themselves (the order can be what a requirement teaches: a fixed path
    before a path with a parameter), in the places they hold in `text`."""
    blocks = named_blocks(text)
    order = list(named_blocks(solution))
    names = [n for n in blocks if n in completed and "." not in n and n in order]
    wanted = sorted(names, key=order.index)
    if names == wanted:
        return text
    lines = text.splitlines(keepends=True)
    pieces = {n: lines[blocks[n][0] - 1 : blocks[n][1]] for n in names}
    for slot, name in sorted(zip(names, wanted, strict=True), key=lambda p: -blocks[p[0]][0]):
        start, end = blocks[slot]
        lines[start - 1 : end] = pieces[name]
    return "".join(lines)


def completed_up_to(stage: Stage, done: set[str]) -> dict[str, str]:
    """The skeleton with the requirements in `done` completed from the solution
    and the others left as they are: what a learner working in the README's
    order has after finishing them. Functions and classes whose TODOs are all
    done take the solution's version; then any other region is completed once
    every requirement it names is done; import-only changes take the solution's
    lines (the imports of code that is not written yet do no harm), and the
    skeleton's imports come back where its code, still there, needs them. A
    definition that the solution no longer has goes once its TODOs are done."""
    solution, skeleton = files_of(stage.solution), files_of(stage.folder)
    order = [r.id for r in stage.requirements]
    result: dict[str, str] = {}
    for path in sorted(solution.keys() | skeleton.keys()):
        if path not in skeleton:
            continue
        if not path.endswith(".py"):
            # One region (consistency.py): the solution's file once every
            # requirement its TODOs name is done, else the skeleton's.
            named = set(TODO.findall(skeleton[path]))
            whole = not named or named <= done
            result[path] = solution.get(path, "") if whole else skeleton[path]
            continue
        old_text = solution.get(path, "")
        old = old_text.splitlines(keepends=True)
        new_text = _complete_blocks(old_text, skeleton[path], done)
        new = new_text.splitlines(keepends=True)
        out: list[str] = []
        for tag, i1, i2, j1, j2 in _fine_opcodes(old, new):
            if tag == "equal":
                out.extend(new[j1:j2])
                continue
            own = set(TODO.findall("".join(new[j1:j2])))
            if len(own) > 1:
                # The TODOs of several requirements in one hunk: each takes its
                # own piece of the solution where the pieces line up with them.
                # Where they do not, and the skeleton's lines are only the
                # TODOs, the earliest requirement writes the lines and a later
                # one refines them (the bound on a field that an earlier one
                # adds). Where the skeleton keeps code there, all must be done.
                pieces = _split_by_todo(old[i1:i2], new[j1:j2])
                if pieces is None:
                    first = min(own, key=order.index)
                    only_todos = all(_is_announcement(line) for line in new[j1:j2])
                    needs = first if only_todos else max(own, key=order.index)
                    pieces = [(needs, old[i1:i2], new[j1:j2])]
                for requirement, solution_part, skeleton_part in pieces:
                    out.extend(solution_part if requirement in done else skeleton_part)
                continue
            # A hunk that names a TODO itself belongs to that TODO alone (one
            # function can hold the TODOs of two requirements); otherwise to
            # the requirements its region names.
            start, end = region_around(new_text, j1 + 1, j2)
            named = (
                own
                or _nearest_todo_above(new, j1, start)
                or set(TODO.findall("".join(new[start - 1 : end])))
            )
            imports_only = not named and all(is_import_line(x) for x in old[i1:i2] + new[j1:j2])
            needed = tag == "delete" and defines_only_used_names(old[i1:i2], new_text)
            take = (named and named <= done) or imports_only or needed
            out.extend(old[i1:i2] if take else new[j1:j2])
        completed = with_skeleton_imports("".join(out), skeleton[path])
        result[path] = with_helpers(completed, old_text)
    return {path: importable(text, result) for path, text in result.items()}


def _is_announcement(line: str) -> bool:
    """A blank line, a comment, or the `raise NotImplementedError(…)` of a TODO."""
    stripped = line.strip()
    return not stripped or stripped.startswith(("#", "raise NotImplementedError("))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _split_by_todo(
    solution: list[str], skeleton: list[str]
) -> list[tuple[str, list[str], list[str]]] | None:
    """A hunk whose skeleton lines announce one TODO each (a comment naming it,
    with its continuation lines) cut into one piece per TODO: the solution's
    items at the skeleton lines' indentation (a field, a keyword argument,
    with the comments above it and the lines nested under it), one per TODO in
    order. None when the items and the TODOs do not pair up."""
    announced: list[tuple[str, list[str]]] = []
    for line in skeleton:
        named = TODO.findall(line)
        if len(named) > 1 or (not named and not announced):
            return None
        if named:
            announced.append((named[0], [line]))
        else:
            announced[-1][1].append(line)
    base = _indent(skeleton[0])
    items: list[list[str]] = []
    pending: list[str] = []
    for line in solution:
        stripped = line.strip()
        if stripped and _indent(line) < base:
            return None
        if stripped and _indent(line) == base and not stripped.startswith(("#", ")", "]", "}")):
            items.append([*pending, line])
            pending = []
        elif (not stripped or stripped.startswith("#")) and (not items or _indent(line) <= base):
            pending.append(line)
        elif items:
            items[-1].append(line)
        else:
            return None
    if pending:
        if not items:
            return None
        items[-1].extend(pending)
    if len(items) != len(announced):
        return None
    return [(todo, item, lines) for (todo, lines), item in zip(announced, items, strict=True)]


def _nearest_todo_above(lines: list[str], index: int, region_start: int) -> set[str]:
    """The TODOs of the nearest comment line above `index` (0-based) in its
    region: in a class whose TODO comments each announce a field, the fields
    written under a comment are that comment's work."""
    for line in reversed(lines[region_start - 1 : index]):
        if not line.strip().startswith("#"):
            if line.strip():
                return set()
            continue
        if found := set(TODO.findall(line)):
            return found
    return set()


def _fine_opcodes(old: list[str], new: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes, with a replacement of n lines by n lines split into
    n one-line replacements: each line can then belong to its own TODO."""
    found = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "replace" and i2 - i1 == j2 - j1:
            found += [("replace", i1 + n, i1 + n + 1, j1 + n, j1 + n + 1) for n in range(i2 - i1)]
        else:
            found.append((tag, i1, i2, j1, j2))
    return found
