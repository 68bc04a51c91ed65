"""Make each stage's skeleton from its solution.

`solutions/NN_slug/app/` is the single source of truth. In it, the code a
learner has to write for a requirement is a marked block:

        # SOLUTION 1.3
        return {"status": "ok"}
        # END SOLUTION

In the skeleton the block becomes `raise NotImplementedError("TODO 1.3: …")` at
the block's indentation, with the requirement's summary from stage.toml, so the
app still imports and serves, and the grader can tell "to do" from "wrong". When
the skeleton needs something else in its place (an app object without its
metadata, a route without its status code), the block gives its own stub, written
as comments that the generator uncomments:

    # SOLUTION 1.1
    app = FastAPI(title="Shop API", version="1.0.0")
    # STUB
    # app = FastAPI()  # TODO 1.1: give the app a title, a version and a description
    # END SOLUTION

Only the new requirements of a stage are marked, so the skeleton of stage N+1
is the solution of stage N plus the new TODOs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from workbook.stages import Stage

_BEGIN = re.compile(r"^(?P<indent>[ \t]*)# SOLUTION (?P<req>\d+\.\d+)\s*$")
_STUB = re.compile(r"^[ \t]*# STUB\s*$")
_END = re.compile(r"^[ \t]*# END SOLUTION\s*$")
SKIPPED = {"__pycache__", ".pytest_cache"}


class MarkerError(Exception):
    """A solution file whose markers do not pair up."""


def _uncomment(line: str, indent: str, where: str) -> str:
    if not line.strip():
        return "\n"
    body = line[len(indent) :] if line.startswith(indent) else None
    if body is None or not body.startswith("#"):
        raise MarkerError(f"{where}: a STUB line must be a comment at the block's indentation")
    body = body[2:] if body.startswith("# ") else body[1:]
    return indent + body


def render(source: str, summaries: dict[str, str], where: str = "<source>") -> str:
    """The skeleton text of one solution file."""
    out: list[str] = []
    lines = source.splitlines(keepends=True)
    index = 0
    while index < len(lines):
        begin = _BEGIN.match(lines[index])
        if begin is None:
            if _STUB.match(lines[index]) or _END.match(lines[index]):
                raise MarkerError(f"{where}:{index + 1}: marker outside a SOLUTION block")
            out.append(lines[index])
            index += 1
            continue
        indent, req = begin["indent"], begin["req"]
        if req not in summaries:
            raise MarkerError(f"{where}:{index + 1}: requirement {req} is not in stage.toml")
        start = index
        index += 1
        stub: list[str] | None = None
        while index < len(lines) and not _END.match(lines[index]):
            if _STUB.match(lines[index]):
                stub = []
            elif stub is not None:
                stub.append(_uncomment(lines[index], indent, f"{where}:{index + 1}"))
            elif _BEGIN.match(lines[index]):
                raise MarkerError(f"{where}:{index + 1}: SOLUTION blocks cannot nest")
            index += 1
        if index == len(lines):
            raise MarkerError(f"{where}:{start + 1}: SOLUTION {req} has no END SOLUTION")
        index += 1  # past END SOLUTION
        if stub is None:
            message = f"TODO {req}: {summaries[req]}".replace("\\", "\\\\").replace('"', '\\"')
            stub = [f'{indent}raise NotImplementedError("{message}")\n']
        out.extend(stub)
    return "".join(out)


def solution_only(source: str) -> str:
    """The code with every marker and stub removed: what the solution runs.
    A new stage starts from this copy of the previous stage's solution."""
    out: list[str] = []
    in_stub = False
    for line in source.splitlines(keepends=True):
        if _BEGIN.match(line):
            in_stub = False
        elif _STUB.match(line):
            in_stub = True
        elif _END.match(line):
            in_stub = False
        elif not in_stub:
            out.append(line)
    return "".join(out)


@dataclass(frozen=True)
class SkeletonFile:
    relative: Path  # relative to the stage folder, e.g. app/main.py
    content: bytes


def build(stage: Stage) -> list[SkeletonFile]:
    """Every file of the stage's skeleton `app/`, generated from its solution."""
    summaries = {r.id: r.summary for r in stage.requirements}
    source_root = stage.solution
    files = []
    for path in sorted((source_root / "app").rglob("*")):
        if path.is_dir() or SKIPPED & set(path.relative_to(source_root).parts):
            continue
        relative = path.relative_to(source_root)
        if path.suffix == ".py":
            text = render(path.read_text(encoding="utf-8"), summaries, str(relative))
            content = text.encode("utf-8")
        else:
            content = path.read_bytes()
        files.append(SkeletonFile(relative, content))
    return files


def differences(stage: Stage) -> list[str]:
    """What differs between the committed skeleton and a freshly generated one."""
    expected = {f.relative: f.content for f in build(stage)}
    actual_root = stage.folder
    actual = {
        p.relative_to(actual_root): p.read_bytes()
        for p in (actual_root / "app").rglob("*")
        if p.is_file() and not SKIPPED & set(p.relative_to(actual_root).parts)
    }
    problems = []
    for relative in sorted(expected.keys() | actual.keys()):
        if relative not in actual:
            problems.append(f"{stage.name}/{relative}: missing from the skeleton")
        elif relative not in expected:
            problems.append(f"{stage.name}/{relative}: not in the solution")
        elif actual[relative] != expected[relative]:
            problems.append(f"{stage.name}/{relative}: differs from what the solution generates")
    return problems
