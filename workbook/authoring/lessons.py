"""A stage README's generated parts, kept in step with the files they come from.

- **Acceptance criteria.** Each requirement's exact promise is written once, as
  `criterion` in stage.toml. The README's list between the markers
  `<!-- acceptance:start -->` and `<!-- acceptance:end -->` is generated from it.
- **Examples.** A ```python block right after `<!-- example: examples/NAME.py -->`
  is that file's text (under the stage folder), so the code a learner reads is
  the code `make test` runs. A block right after `<!-- fragment: why -->` is a
  fragment (a line to show, not a program) and is exempt, visibly. Any other
  python block is a problem.

`python -m workbook lessons` lists what is out of step; `--write` regenerates
the acceptance lists and the example blocks from their sources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from workbook.stages import Stage

ACCEPTANCE_START = "<!-- acceptance:start -->"
ACCEPTANCE_END = "<!-- acceptance:end -->"
_BLOCK = "```python\n(?P<code>.*?)^```"
_EXAMPLE = re.compile(r"^<!-- example: (?P<path>\S+) -->\n" + _BLOCK, re.M | re.S)
_FRAGMENT = re.compile(r"^<!-- fragment: (?P<why>[^>]+) -->\n" + _BLOCK, re.M | re.S)
_PYTHON_BLOCK = re.compile(r"^```python\n(?P<code>.*?)^```", re.M | re.S)
_SHELL_BLOCK = re.compile(r"^```(?:sh|bash|console)?\n(?P<code>.*?)^```", re.M | re.S)


@dataclass(frozen=True)
class Example:
    path: str  # relative to the stage folder, e.g. examples/first_app.py
    code: str  # the block's text in the README
    line: int  # where the block starts in the README


def readme(stage: Stage) -> str:
    return (stage.folder / "README.md").read_text(encoding="utf-8")


def acceptance_list(stage: Stage) -> str:
    """The README's acceptance list, as stage.toml's criteria make it."""
    lines = [f"- **{r.id}** {r.criterion or r.summary}" for r in stage.requirements]
    return "\n".join(lines) + "\n"


def examples(text: str) -> list[Example]:
    return [
        Example(m["path"], m["code"], text.count("\n", 0, m.start()) + 1)
        for m in _EXAMPLE.finditer(text)
    ]


def shell_blocks(text: str, heading: str = "## Try it by hand") -> list[str]:
    """The shell blocks of one section of the README (by default the one where
    the learner tries the app by hand)."""
    start = text.find(heading)
    if start < 0:
        return []
    end = text.find("\n## ", start + len(heading))
    section = text[start : end if end >= 0 else len(text)]
    return [m["code"] for m in _SHELL_BLOCK.finditer(section)]


def _unmarked_python(text: str) -> list[int]:
    marked = {m.start("code") for m in _EXAMPLE.finditer(text)} | {
        m.start("code") for m in _FRAGMENT.finditer(text)
    }
    return [
        text.count("\n", 0, m.start()) + 1
        for m in _PYTHON_BLOCK.finditer(text)
        if m.start("code") not in marked
    ]


def _acceptance_span(text: str) -> tuple[int, int] | None:
    start, end = text.find(ACCEPTANCE_START), text.find(ACCEPTANCE_END)
    if start < 0 or end < start:
        return None
    return start + len(ACCEPTANCE_START) + 1, end


def problems(stage: Stage) -> list[str]:
    """What is out of step in the stage's README; empty if nothing."""
    text = readme(stage)
    where = f"stages/{stage.name}/README.md"
    found = []
    span = _acceptance_span(text)
    if span is None:
        found.append(f"{where}: no {ACCEPTANCE_START} … {ACCEPTANCE_END} list")
    elif text[span[0] : span[1]] != acceptance_list(stage):
        found.append(f"{where}: the acceptance list differs from stage.toml's criteria")
    missing = [r.id for r in stage.requirements if not r.criterion]
    if missing:
        found.append(f"stages/{stage.name}/stage.toml: no criterion for {', '.join(missing)}")
    for example in examples(text):
        source = stage.folder / example.path
        if not source.is_file():
            found.append(f"{where}:{example.line}: {example.path} does not exist")
        elif source.read_text(encoding="utf-8") != example.code:
            found.append(f"{where}:{example.line}: the block differs from {example.path}")
    found += [
        f"{where}:{line}: a python block that is neither an example nor a fragment"
        for line in _unmarked_python(text)
    ]
    return found


def write(stage: Stage) -> bool:
    """Regenerate the README's acceptance list and example blocks; True if it changed."""
    path = stage.folder / "README.md"
    text = original = path.read_text(encoding="utf-8")
    span = _acceptance_span(text)
    if span is not None:
        text = text[: span[0]] + acceptance_list(stage) + text[span[1] :]

    def fill(match: re.Match[str]) -> str:
        source = stage.folder / match["path"]
        if not source.is_file():
            return match[0]
        code = source.read_text(encoding="utf-8")
        return f"<!-- example: {match['path']} -->\n```python\n{code}```"

    text = _EXAMPLE.sub(fill, text)
    if text != original:
        path.write_text(text, encoding="utf-8")
    return text != original


def example_files(stage: Stage) -> list[Path]:
    folder = stage.folder / "examples"
    return sorted(folder.glob("*.py")) if folder.is_dir() else []
