"""The learner's report: one line per requirement, and under each problem what
was sent, what was expected, what came back and the first hint."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.text import Text

from workbook import paths
from workbook.results import CheckOutcome, RequirementResult, StageResult

SYMBOLS = {"pass": ("✓", "green"), "fail": ("✗", "red"), "error": ("✗", "red"), "todo": ("○", "yellow")}
LABEL_WIDTH = 10
INDENT = " " * 7


def _field(label: str, value: str, style: str = "") -> Text:
    lines = value.rstrip().splitlines() or [""]
    text = Text(INDENT)
    text.append(f"{label:<{LABEL_WIDTH}}", style="dim")
    text.append(lines[0], style=style)
    for line in lines[1:]:
        text.append("\n" + INDENT + " " * LABEL_WIDTH + line, style=style)
    return text


def _validation_errors(body: str) -> str | None:
    """FastAPI's 422 details as one line per error, or None if not that shape."""
    try:
        detail = json.loads(body).get("detail")
    except (ValueError, AttributeError):
        return None
    if not isinstance(detail, list):
        return None
    lines = []
    for error in detail:
        if not isinstance(error, dict):
            return None
        where = ".".join(str(part) for part in error.get("loc", ()))
        sent = f" (sent {json.dumps(error['input'])[:60]})" if "input" in error else ""
        lines.append(f"{where}: {error.get('msg', '?')}{sent}")
    return "\n".join(lines) if lines else None


def _got(got: dict[str, Any]) -> str:
    body = got.get("body") or ""
    if got.get("status") == 422:
        errors = _validation_errors(body)
        if errors:
            return f"422 Unprocessable Content\n{errors}"
    return f"{got['status']}  {body}" if body else f"{got['status']}  (empty body)"


def _problem(check: CheckOutcome) -> list[Text]:
    lines: list[Text] = []
    if check.message:
        message = check.message.strip().splitlines()
        text = Text(INDENT + message[0], style="bold" if check.outcome != "todo" else "")
        for line in message[1:]:
            text.append("\n" + INDENT + line)
        lines.append(text)
    if check.sent:
        sent = f"{check.sent['method']} {check.sent['url']}"
        if check.sent.get("body"):
            sent += f"\n{check.sent['body']}"
        lines.append(_field("sent", sent))
    if check.expected:
        lines.append(_field("expected", check.expected, "green"))
    if check.got:
        lines.append(_field("got", _got(check.got), "red"))
    elif check.sent and check.outcome == "error":
        lines.append(_field("got", "no response: the handler raised", "red"))
    return lines


def _requirement(result: RequirementResult, show_hint: bool) -> list[Text]:
    symbol, style = SYMBOLS[result.status]
    head = Text(f" {symbol} ", style=f"bold {style}")
    head.append(f"{result.id:<4} ", style="bold")
    head.append(result.requirement.summary)
    lines = [head]
    problem = result.first_problem
    if result.status in ("fail", "error"):
        if problem is None:
            lines.append(Text(INDENT + result.message))
        else:
            lines.extend(_problem(problem))
    if show_hint and result.status != "pass":
        lines.append(_field("hint", result.requirement.hints[0], "cyan"))
    return lines


def render(result: StageResult, console: Console, *, verbose: bool = False) -> None:
    stage = result.stage
    if verbose and result.output:
        console.print(Text(result.output))
        console.rule()
    title = Text(f"Stage {stage.number} · {stage.title}", style="bold")
    title.append(f"   ({paths.shown(result.target)})", style="dim")
    console.print(title)
    console.print()
    if result.error is not None:
        console.print(Text(" ✗ Your app could not be loaded, so no requirement could be checked:",
                           style="bold red"))
        for line in result.error.splitlines():
            console.print(Text(INDENT + line))
        console.print()
    shown_todo_hint = False
    for requirement in result.requirements:
        show_hint = requirement.status in ("fail", "error")
        if requirement.status == "todo" and not shown_todo_hint:
            show_hint, shown_todo_hint = True, True
        if result.error is not None:
            show_hint = False
        for line in _requirement(requirement, show_hint):
            console.print(line)
    console.print()
    _score(result, console)


def _score(result: StageResult, console: Console) -> None:
    number = result.stage.number
    score = Text(f"Stage {number} · {result.passed}/{result.total} done", style="bold")
    console.print(score)
    if result.status == "pass":
        console.print(Text(f"All done. On to stage {number + 1}: read its README.md, "
                           f"then `make check STAGE={number + 1}`.", style="green"))
        return
    if result.error is not None:
        console.print("Next: fix the problem above, then run the check again.")
        return
    wrong = [r for r in result.requirements if r.status in ("fail", "error")]
    todo = [r for r in result.requirements if r.status == "todo"]
    if wrong:
        ids = ", ".join(r.id for r in wrong)
        console.print(f"Next: fix {ids} (details above). "
                      f"More help: `make hint STAGE={number}`.")
    elif todo:
        console.print(f"Next: {todo[0].id} — {todo[0].requirement.summary}. "
                      f"More help: `make hint STAGE={number}`.")
    if result.seed:
        console.print(Text(f"(random data seed {result.seed}; `--seed {result.seed}` replays it)",
                           style="dim"))
