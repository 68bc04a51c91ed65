"""The learner's report: one line per requirement, and under each problem what
was sent, what was expected, what came back and the first hint."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from workbook import paths
from workbook.engine.results import CheckOutcome, StageResult, excerpt, sent_line

SYMBOLS = {
    "pass": ("✓", "green"),
    "fail": ("✗", "red"),
    "error": ("✗", "red"),
    "todo": ("○", "yellow"),
}


NO_RESPONSE = "no response: the app failed (a client would get a 500)"


def console() -> Console:
    """Colour on a terminal; plain, unwrapped-looking text when piped or in CI.

    Whether this is a terminal is rich's own answer (`Console.is_terminal`, which
    also honours FORCE_COLOR, TTY_COMPATIBLE and the like); we only choose what a
    pipe gets.
    """
    import sys

    terminal = Console(highlight=False)
    if terminal.is_terminal:
        return terminal
    from workbook.learner.plain_output import TrimmedLines

    # rich pads table cells to their column's width; a pipe gets no trailing
    # spaces, and a wider page than rich's 80 columns so lines rarely wrap.
    return Console(highlight=False, width=120, file=TrimmedLines(sys.stdout))


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
    if got.get("status") is None:
        return body  # a check's own summary of what it found
    if got.get("status") == 422:
        errors = _validation_errors(body)
        if errors:
            return f"422 Unprocessable Content\n{errors}"
    return f"{got['status']}  {excerpt(body)}" if body else f"{got['status']}  (empty body)"


def _details(check: CheckOutcome | None, hint: str | None) -> Table | None:
    """The sent / expected / got / hint lines under a requirement."""
    rows: list[tuple[str, Text]] = []
    if check is not None:
        if check.message and check.outcome != "todo":
            rows.append(("", Text(check.message.strip(), style="bold")))
        if check.sent:
            sent = sent_line(check.sent)
            if check.sent.get("body"):
                sent += f"\n{check.sent['body']}"
            rows.append(("sent", Text(sent)))
        if check.expected:
            rows.append(("expected", Text(check.expected, style="green")))
        if check.got:
            rows.append(("got", Text(_got(check.got), style="red")))
        elif check.sent and check.outcome == "error":
            rows.append(("got", Text(NO_RESPONSE, style="red")))
    if hint:
        rows.append(("hint", Text(hint, style="cyan")))
    if not rows:
        return None
    table = Table.grid(padding=(0, 1))
    table.add_column(style="dim", width=8, no_wrap=True)
    table.add_column()
    for label, value in rows:
        table.add_row(label, value)
    return table


def _requirements(result: StageResult) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(width=2, justify="right")
    table.add_column(width=4, style="bold", no_wrap=True)
    table.add_column()
    first_todo = next((r for r in result.requirements if r.status == "todo"), None)
    for requirement in result.requirements:
        symbol, style = SYMBOLS[requirement.status]
        table.add_row(
            Text(symbol, style=f"bold {style}"),
            requirement.id,
            Text(requirement.requirement.summary),
        )
        if result.error is not None:
            continue  # the load error above says it all
        wrong = requirement.status in ("fail", "error")
        if wrong and requirement.blocked_by:
            # Told once, under the first requirement the problem breaks.
            table.add_row("", "", Text(requirement.message, style="dim"))
            continue
        hint = requirement.requirement.hints[0] if wrong or requirement is first_todo else None
        details = _details(requirement.first_problem if wrong else None, hint)
        if wrong and details is None:
            details = _details(None, requirement.message)
        if details is not None:
            table.add_row("", "", details)
        if wrong and requirement.also_breaks:
            others = ", ".join(requirement.also_breaks)
            table.add_row(
                "", "", Text(f"The same problem also breaks {others}: fix it here first.")
            )
    return table


def render(
    result: StageResult, out: Console, *, verbose: bool = False, modified: list[str] | None = None
) -> None:
    stage = result.stage
    if verbose and result.output:
        out.print(Text(result.output))
        out.rule()
    title = Text(f"Stage {stage.number} · {stage.title}", style="bold")
    title.append(f"   ({paths.shown(result.target)})", style="dim")
    out.print(title)
    out.print()
    if result.error is not None:
        out.print(Text(" ✗ The checks could not run:", style="bold red"))
        out.print(Padding(Text(result.error), (0, 0, 0, 4)))
        out.print()
    out.print(_requirements(result))
    out.print()
    _score(result, out)
    for note in result.notes:
        out.print(Text(note, style="dim"))
    if modified:
        shown = ", ".join(modified[:3]) + (" …" if len(modified) > 3 else "")
        out.print(
            Text(
                f"⚠ These checks are not the committed ones (changed or new: {shown}), so "
                "this grade may not mean what it says. `git status checks` shows what "
                "changed; `git checkout -- checks` restores the committed checks.",
                style="bold yellow",
            )
        )


def _score(result: StageResult, console: Console) -> None:
    number = result.stage.number
    score = Text(f"Stage {number} · {result.passed}/{result.total} done", style="bold")
    console.print(score)
    if result.status == "pass":
        following = sorted(paths.STAGES.glob(f"{number + 1:02d}_*"))
        if following:
            console.print(
                Text(
                    f"All done. On to stage {number + 1}: read "
                    f"stages/{following[0].name}/README.md, then "
                    f"`make check STAGE={number + 1}`.",
                    style="green",
                )
            )
        else:
            console.print(
                Text(
                    "All done: that is the last stage in this copy of the workbook. Well done! "
                    "The last stage's README ends with where to read on.",
                    style="green",
                )
            )
        return
    if result.error is not None:
        console.print("Next: fix the problem above, then run the check again.")
        return
    console.print(next_step(result))
    if result.seed:
        console.print(
            Text(
                f"(random data seed {result.seed}; `--seed {result.seed}` replays it)", style="dim"
            )
        )


def next_step(result: StageResult) -> str:
    """The first requirement in the README's order that is not done: the one
    to work on, whether it is wrong or still to do; then any later ones that
    are wrong for a reason of their own."""
    number = result.stage.number
    open_ = [r for r in result.requirements if r.status != "pass"]
    if not open_:
        return ""
    first = open_[0]
    if first.status in ("fail", "error"):
        line = f"Next: fix {first.id} (details above)"
    else:
        line = f"Next: {first.id} — {first.requirement.summary}"
    later = [r.id for r in open_[1:] if r.status in ("fail", "error") and not r.blocked_by]
    if later:
        line += f". Also wrong: {', '.join(later)}"
    return line + f". More help: `make hint STAGE={number}`."


def render_durations(result: StageResult, out: Console, count: int) -> None:
    """The `count` slowest checks, on the clock and in CPU time: where a stage's
    grading time goes, for whoever writes or speeds up its checks."""
    timed = [
        check
        for requirement in result.requirements
        for check in requirement.checks
        if check.seconds is not None
    ]
    slowest = sorted(timed, key=lambda check: check.seconds or 0.0, reverse=True)[:count]
    if not slowest:
        return
    out.print()
    out.print(Text(f"Slowest {len(slowest)} checks (seconds; CPU time of the check's process)"))
    for check in slowest:
        cpu = f"{check.cpu_seconds:5.2f}" if check.cpu_seconds is not None else "    ?"
        out.print(Text(f"{check.seconds:6.2f} s  CPU {cpu} s  {check.nodeid}"), soft_wrap=True)
