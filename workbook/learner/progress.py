"""`workbook progress`: every stage at a glance, from the cached result of the
last `check` of each; `--refresh` re-grades them all first, in parallel."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from workbook import paths
from workbook.learner import state
from workbook.stages import Stage, all_stages

BAR = {"pass": ("✓", "green"), "fail": ("✗", "red"), "error": ("✗", "red"), "todo": ("○", "yellow")}


def is_complete(result: dict[str, Any] | None) -> bool:
    return bool(result) and result.get("status") == "pass"


def next_stage(stages: list[Stage] | None = None) -> Stage | None:
    """The first stage whose last check did not pass everything."""
    for stage in stages if stages is not None else all_stages():
        if not is_complete(state.last_result(stage.name)):
            return stage
    return None


def refresh(stages: list[Stage]) -> None:
    """Re-grade every stage, one process per stage, and cache the results."""
    workers = max(1, min(len(stages), os.cpu_count() or 1))
    env = {**os.environ, "WORKBOOK_WORKERS": "1"}  # the parallelism is across stages

    def grade(stage: Stage) -> int:
        command = [sys.executable, "-m", "workbook", "check", stage.name, "--quiet"]
        return subprocess.run(command, cwd=paths.REPO, env=env, capture_output=True).returncode

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(grade, stages))


def _age(checked_at: str | None) -> str:
    if not checked_at:
        return "never"
    try:
        seconds = (datetime.now(UTC) - datetime.fromisoformat(checked_at)).total_seconds()
    except ValueError:
        return "?"
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return "just now"


def _bar(result: dict[str, Any] | None, stage: Stage) -> Text:
    statuses = {r["id"]: r["status"] for r in (result or {}).get("requirements", [])}
    bar = Text()
    for requirement in stage.requirements:
        symbol, style = BAR.get(statuses.get(requirement.id, ""), ("·", "dim"))
        bar.append(symbol, style=style)
    return bar


def show(console: Console, *, do_refresh: bool) -> int:
    stages = all_stages()
    if do_refresh:
        with console.status("Grading every stage…"):
            refresh(stages)
    table = Table(title="Your progress", title_justify="left", show_edge=False)
    table.add_column("Stage", justify="right")
    table.add_column("Title")
    table.add_column("Done", justify="right")
    table.add_column("Requirements")
    table.add_column("Last checked", style="dim")
    for stage in stages:
        result = state.last_result(stage.name)
        done = f"{result['passed']}/{result['total']}" if result else f"–/{len(stage.requirements)}"
        style = "green" if is_complete(result) else ""
        table.add_row(
            str(stage.number),
            Text(stage.title, style=style),
            done,
            _bar(result, stage),
            _age((result or {}).get("checked_at")),
        )
    console.print(table)
    console.print()
    upcoming = next_stage(stages)
    if upcoming is None:
        console.print("Every stage is done. Well done!", style="bold green")
    else:
        console.print(
            f"Next: stage {upcoming.number}, {upcoming.title}. "
            f"Read stages/{upcoming.name}/README.md, then "
            f"`make check STAGE={upcoming.number}`."
        )
    if not do_refresh:
        console.print(
            Text(
                "(from your last checks; `make progress ARGS=--refresh` grades every stage again)",
                style="dim",
            )
        )
    return 0
