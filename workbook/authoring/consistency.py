"""A skeleton differs from its solution only where a TODO says so.

Both trees are committed as plain code: `solutions/NN_slug/app/` is what we
would show, `stages/NN_slug/app/` is where a learner starts. Every place they
differ (a diff hunk) must lie in a *region* of the skeleton that names a
requirement of the stage with `TODO N.k`, in a comment or in the message of the
`NotImplementedError` it raises. A region is the innermost function or class of
the skeleton that holds the hunk; a hunk outside any of them is judged by the
top-level statements it touches (and, where the skeleton has nothing, by the
statements on either side). A file that is not Python (stage 10's Dockerfile,
nginx.conf, compose.yaml) is one region: its TODOs name every change in it.
Hunks that only change import lines need no TODO: the imports follow the code
that uses them. Every requirement must own at
least one region, so no requirement is "to do" without the learner being shown
where.

`solutions/NN_slug/skeleton.patch` records the skeleton as a diff against the
solution, so `reset` can rebuild it without git; a test keeps it in step.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from workbook.authoring.patches import apply_to, files_of, make, parse
from workbook.authoring.source_regions import TODO, is_import_line, named_blocks, region_around
from workbook.stages import Stage

PATCH_NAME = "skeleton.patch"


@dataclass
class Region:
    """One place where the skeleton and the solution differ."""

    path: str
    skeleton_lines: tuple[int, int]  # 1-based, inclusive: the region in the skeleton
    solution: list[str]  # the hunk's lines in the solution
    skeleton: list[str]  # the hunk's lines in the skeleton
    requirements: set[str] = field(default_factory=set)


def regions(solution: dict[str, str], skeleton: dict[str, str]) -> list[Region]:
    """Every hunk between a solution and a skeleton, with the requirements its
    region names."""
    found = []
    for path in sorted(solution.keys() | skeleton.keys()):
        old = solution.get(path, "").splitlines(keepends=True)
        new_text = skeleton.get(path, "")
        new = new_text.splitlines(keepends=True)
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            # A file that is not Python (a Dockerfile, nginx.conf, compose.yaml)
            # has no functions to hold a hunk: it is one region, and its TODOs,
            # wherever they stand, name every difference in it.
            whole = not path.endswith(".py")
            start, end = (1, max(len(new), 1)) if whole else region_around(new_text, j1 + 1, j2)
            text = "".join(new[start - 1 : end])
            region = Region(path, (start, end), old[i1:i2], new[j1:j2], set(TODO.findall(text)))
            found.append(region)
    return found


def problems(stage: Stage) -> list[str]:
    """Why the stage's skeleton and solution are not consistent; empty if they are."""
    known = {r.id for r in stage.requirements}
    found: list[str] = []
    owned: set[str] = set()
    for region in regions(files_of(stage.solution), files_of(stage.folder)):
        owned |= region.requirements & known
        if region.requirements & known:
            unknown = region.requirements - known
            if unknown:
                why = f"names unknown requirements {sorted(unknown)}"
                found.append(_describe(stage, region, why))
            continue
        if all(is_import_line(line) for line in region.solution + region.skeleton):
            continue
        found.append(_describe(stage, region, "differs from the solution without a TODO N.k"))
    for requirement in stage.requirements:
        if requirement.id not in owned:
            found.append(f"{stage.name}: requirement {requirement.id} has no TODO region")
    recorded = stage.solution / PATCH_NAME
    if not recorded.exists() or recorded.read_text(encoding="utf-8") != skeleton_patch(stage):
        found.append(
            f"{stage.name}: {recorded.name} is not the diff from the solution to the skeleton "
            "(run `python -m workbook skeletons --record`)"
        )
    return found


def _describe(stage: Stage, region: Region, why: str) -> str:
    start, end = region.skeleton_lines
    shown = "".join(f"    - {line}" for line in region.solution[:3]) + "".join(
        f"    + {line}" for line in region.skeleton[:3]
    )
    return f"stages/{stage.name}/{region.path}:{start}-{end} {why}:\n{shown.rstrip()}"


def skeleton_patch(stage: Stage) -> str:
    """The skeleton as a diff against the solution."""
    return make(files_of(stage.solution), files_of(stage.folder))


def record(stage: Stage) -> Path:
    path = stage.solution / PATCH_NAME
    path.write_text(skeleton_patch(stage), encoding="utf-8")
    return path


def skeleton_files(stage: Stage) -> dict[str, str]:
    """The pristine skeleton of a stage, rebuilt from its solution and its
    recorded patch (what `reset` puts back)."""
    return apply_to(files_of(stage.solution), (stage.solution / PATCH_NAME).read_text("utf-8"))


def solution_of(stage: Stage, requirement_id: str) -> str:
    """The solution of one requirement, for the last hint rung: each function or
    class whose skeleton names `TODO <requirement_id>`, as the solution has it,
    and the solution's lines of any other region that names it."""
    solution = files_of(stage.solution)
    pristine = skeleton_files(stage)  # not the stage folder: the learner edits it
    shown: list[str] = []
    seen: set[tuple[str, str]] = set()
    for region in regions(solution, pristine):
        if requirement_id not in region.requirements:
            continue
        skeleton_blocks = named_blocks(pristine.get(region.path, ""))
        solution_blocks = named_blocks(solution.get(region.path, ""))
        name = next(
            (n for n, span in skeleton_blocks.items() if span == region.skeleton_lines), None
        )
        if name is not None and name in solution_blocks:
            if (region.path, name) in seen:
                continue
            seen.add((region.path, name))
            start, end = solution_blocks[name]
            lines = solution[region.path].splitlines(keepends=True)[start - 1 : end]
            shown.append(f"# {region.path}: {name}\n" + "".join(lines))
        elif region.solution:
            shown.append(f"# {region.path}, near line {region.skeleton_lines[0]}\n")
            shown[-1] += "".join(region.solution)
    return "\n".join(shown)


__all__ = ["Region", "parse", "problems", "record", "regions", "skeleton_files", "solution_of"]
