"""Run a stage's checks against a target folder, in a child pytest process.

The child is the only process that imports the learner's code. It streams one
JSON line per event (see pytest_plugin). If it dies part-way — a check that hangs
and is stopped by the watchdog, an `os._exit()` — the parent marks the check that
was running, leaves it and the rest of its requirement out, and starts the child
again for what is left. A hard cap on the whole stage kills the process group.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbook import paths
from workbook.results import CheckOutcome, RequirementResult, StageResult, requirement_status
from workbook.stages import Stage

CHECK_TIMEOUT = float(os.environ.get("WORKBOOK_CHECK_TIMEOUT", "10"))
STAGE_TIMEOUT = float(os.environ.get("WORKBOOK_STAGE_TIMEOUT", "120"))
OUTPUT_TAIL = 30_000  # characters of pytest's own output kept for -v


class TargetError(Exception):
    """The folder to grade does not exist or holds no app/ package."""


def resolve_target(stage: Stage, spec: str | None) -> Path:
    """`stages` (the default), `solutions`, or any folder holding an `app/`
    package, or a copy of the whole workbook."""
    if spec in (None, "", "stages"):
        return stage.folder
    if spec == "solutions":
        return stage.solution
    folder = Path(spec).expanduser().resolve()
    if not folder.is_dir():
        raise TargetError(f"no folder {spec!r} to grade")
    for candidate in (folder, folder / stage.name, folder / "stages" / stage.name):
        if (candidate / "app").is_dir():
            return candidate
    return folder  # graded anyway: the report says that app/main.py is missing


@dataclass
class _Run:
    """What one child process reported."""

    returncode: int | None  # None: killed at the stage's time cap
    events: list[dict[str, Any]]


def _child_command(stage: Stage, target: Path, events: Path, basetemp: Path,
                   deselect: set[str], seed: str | None, timeout: float) -> list[str]:
    command = [
        sys.executable, "-m", "pytest",
        "-c", str(paths.GRADER_INI), "--rootdir", str(paths.REPO), "--confcutdir", str(paths.REPO),
        "-p", "workbook.pytest_plugin", "-p", "pytest_timeout",
        f"--timeout={timeout:g}", "--target", str(target), "--wb-events", str(events),
        "--basetemp", str(basetemp), "-q", "--no-header", "--show-capture=no", "--tb=short",
        "-o", "console_output_style=classic",
        str(stage.checks),
    ]
    if seed:
        command += ["--seed", seed]
    command += [f"--deselect={nodeid}" for nodeid in sorted(deselect)]
    return command


def _child_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHONSTARTUP"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(paths.REPO), env.get("PYTHONPATH")]))
    # Only the plugins the grader names are loaded: faster, and nothing installed
    # on the machine can change the outcome.
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def start(stage: Stage, target: Path, workdir: Path, *, attempt: int, deselect: set[str],
          seed: str | None, timeout: float) -> tuple[subprocess.Popen[bytes], Path, Path]:
    """Start one child pytest; returns it with its event file and output file."""
    events = workdir / f"events-{attempt}.jsonl"
    output = workdir / f"output-{attempt}.txt"
    basetemp = workdir / f"tmp-{attempt}"
    command = _child_command(stage, target, events, basetemp, deselect, seed, timeout)
    with open(output, "wb") as sink:
        process = subprocess.Popen(
            command, cwd=workdir, env=_child_environment(), stdin=subprocess.DEVNULL,
            stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
        )
    return process, events, output


def _wait(process: subprocess.Popen[bytes], seconds: float) -> int | None:
    try:
        return process.wait(timeout=max(seconds, 0.1))
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return None
    finally:
        # Whatever the app started (threads are gone with the process; child
        # processes are not) goes with the process group.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _read_events(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            break  # a line cut short by a kill
    return events


def _tail(path: Path) -> str:
    if not path.exists():
        return ""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(size - OUTPUT_TAIL, 0))
        text = handle.read().decode("utf-8", "replace")
    return text if size <= OUTPUT_TAIL else f"[… {size - OUTPUT_TAIL} earlier bytes cut]\n{text}"


def _interrupted(events: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, bool]:
    """The check that was running when the child died, and whether it was
    still importing the app at the time."""
    finished = {e["nodeid"] for e in events if e["event"] == "result"}
    running, loading = None, False
    for event in events:
        if event["event"] == "start" and event["nodeid"] not in finished:
            running, loading = event, False
        elif event["event"] == "loading" and running and event["nodeid"] == running["nodeid"]:
            loading = True
        elif event["event"] == "loaded":
            loading = False
    return running, loading


def _death_message(returncode: int | None, seconds: float, timeout: float, loading: bool) -> tuple[str, str]:
    where = "while importing your app" if loading else "during this check"
    if returncode is None or seconds >= timeout - 0.5:
        hint = ("a loop at module level, or a call that waits forever (input(), a server "
                "started at import)" if loading else
                "an endless loop or a call that waits forever in your handler")
        return "timeout", f"nothing came back {where} within {timeout:g} s: look for {hint}"
    return "exit", (f"the Python process exited {where} (exit code {returncode}): "
                    "os._exit() or a crash in native code. Apps must never end the process.")


def grade(stage: Stage, target: Path, *, seed: str | None = None,
          check_timeout: float = CHECK_TIMEOUT, stage_timeout: float = STAGE_TIMEOUT) -> StageResult:
    deadline = time.monotonic() + stage_timeout
    collected: dict[str, dict[str, Any]] = {}
    outcomes: dict[str, CheckOutcome] = {}
    deselect: set[str] = set()
    load_error: str | None = None
    output = ""
    with tempfile.TemporaryDirectory(prefix="workbook-") as tmp:
        workdir = Path(tmp)
        for attempt in range(1000):
            process, events_file, output_file = start(
                stage, target, workdir, attempt=attempt, deselect=deselect, seed=seed,
                timeout=check_timeout)
            returncode = _wait(process, deadline - time.monotonic())
            events = _read_events(events_file)
            output = _tail(output_file)
            for event in events:
                if event["event"] == "collected":
                    collected.update({c["nodeid"]: c for c in event["checks"]})
                elif event["event"] == "result":
                    doc = collected.get(event["nodeid"], {}).get("doc", "")
                    outcomes[event["nodeid"]] = CheckOutcome.from_event(event, doc)
                    if event.get("kind") == "load" and load_error is None:
                        load_error = event.get("message")
            if returncode in (0, 1, 5) or load_error:
                break
            running, loading = _interrupted(events)
            if running is None:
                # pytest itself could not run: say so rather than grade nothing.
                load_error = load_error or _grader_failure(returncode, output)
                break
            kind, message = _death_message(returncode, time.time() - running["t"], check_timeout, loading)
            if loading:
                load_error = message.capitalize() + "."
                break
            culprit = running["nodeid"]
            req = collected.get(culprit, {}).get("req")
            outcomes[culprit] = CheckOutcome(culprit, req, collected.get(culprit, {}).get("doc", ""),
                                             "error", message, kind=kind)
            # Its requirement's other checks would likely hang the same way.
            for nodeid, check in collected.items():
                if check.get("req") == req and nodeid not in outcomes:
                    outcomes[nodeid] = CheckOutcome(nodeid, req, check.get("doc", ""), "error",
                                                    f"not run: an earlier check of {req} {kind}ed out"
                                                    if kind == "timeout" else
                                                    f"not run: an earlier check of {req} ended the process",
                                                    kind=kind)
            deselect = set(outcomes)
            if returncode is None or time.monotonic() >= deadline:
                break
        for nodeid, check in collected.items():
            outcomes.setdefault(nodeid, CheckOutcome(
                nodeid, check.get("req"), check.get("doc", ""), "error",
                f"not run: the stage's time cap of {stage_timeout:g} s ran out", kind="timeout"))
    return _assemble(stage, target, collected, outcomes, load_error, seed, output)


def _grader_failure(returncode: int | None, output: str) -> str:
    last = "\n".join(output.strip().splitlines()[-12:])
    return (f"the grader could not run the checks (pytest exit code {returncode}). "
            f"This is a problem in the workbook, not in your code; its output ends:\n{last}")


def _assemble(stage: Stage, target: Path, collected: dict[str, dict[str, Any]],
              outcomes: dict[str, CheckOutcome], load_error: str | None, seed: str | None,
              output: str) -> StageResult:
    results = []
    for requirement in stage.requirements:
        checks = [o for o in outcomes.values() if o.req == requirement.id]
        if load_error is not None:
            status = "error"
        else:
            status = requirement_status(checks)
        results.append(RequirementResult(requirement, status, checks))
    known = {r.id for r in stage.requirements}
    strays = sorted({c.get("req") or "none" for c in collected.values()} - known)
    error = load_error
    if strays and error is None:
        error = f"checks name requirements that stage.toml does not have: {', '.join(strays)}"
    return StageResult(stage, target, results, error=error, seed=seed, output=output)
