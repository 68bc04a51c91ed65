"""What the grader says when a child died part-way: which check was running
(from its events), and the sentence that tells the learner why it stopped.
"""

from __future__ import annotations

from pathlib import Path

from workbook.engine import events, stacks


def interrupted(child: list[events.Event]) -> tuple[events.Start | None, bool]:
    """The check that was running when the child died, and whether it was
    still importing the app at the time."""
    finished = {e.nodeid for e in child if isinstance(e, events.Result)}
    running: events.Start | None = None
    loading = False
    for event in child:
        if isinstance(event, events.Start) and event.nodeid not in finished:
            running, loading = event, False
        elif isinstance(event, events.Loading) and running and event.nodeid == running.nodeid:
            loading = True
        elif isinstance(event, events.Loaded):
            loading = False
    return running, loading


def death_message(
    returncode: int | None,
    seconds: float,
    timeout: float,
    loading: bool,
    stuck: stacks.Stuck | None = None,
    target: Path = Path("."),
) -> tuple[str, str]:
    """The kind of death ("timeout" or "exit") and the sentence that tells it.
    `stuck` is what the watchdog's stacks show: only a stack with the learner's
    own line running is called a loop of theirs."""
    where = "while importing your app" if loading else "during this check"
    if stuck is not None:
        limit = f"{max(timeout, round(seconds)):g} s"
        return "timeout", _stuck_message(stuck, where, limit, loading, target)
    if returncode is None or seconds >= timeout - 0.5:
        hint = (
            "a loop at module level, or a call that waits forever (input(), a server "
            "started at import)"
            if loading
            else "an endless loop or a call that waits forever in your handler"
        )
        return "timeout", f"nothing came back {where} within {timeout:g} s: look for {hint}"
    return "exit", (
        f"the Python process exited {where} (exit code {returncode}): "
        "os._exit() or a crash in native code. Apps must never end the process."
    )


def _stuck_message(stuck: stacks.Stuck, where: str, limit: str, loading: bool, target: Path) -> str:
    head = f"nothing came back {where} within {limit}"
    if stuck.learner is not None and stuck.in_learners_code:
        look = (
            "a loop at module level, or a call that waits forever (input(), a server "
            "started at import)"
            if loading
            else "an endless loop, or a call that waits forever"
        )
        place = stacks.shown(stuck.learner, target)
        return f"{head}: your code was stuck in {place}. Look for {look}"
    if stuck.learner is not None and stuck.innermost is not None:
        return (
            f"{head}: your code in {stacks.shown(stuck.learner, target)} was in "
            f"{stacks.shown(stuck.innermost, target)} when it was stopped. Look for a call "
            "that waits forever (a lock that is never released, a request or query without "
            f"a timeout); if there is none, {timing_busy()}"
        )
    waiting = f" (the check was waiting in {stacks.shown(stuck.innermost, target)})"
    return (
        f"this check did not finish within {limit}, but none of your code was running "
        f"when it was stopped{waiting if stuck.innermost else ''}: {timing_busy()}. If it "
        "happens again, it may follow from another problem above"
    )


def timing_busy() -> str:
    return "the machine may be busy: run again"


def grader_failure(returncode: int | None, output: str) -> str:
    last = "\n".join(output.strip().splitlines()[-12:])
    return (
        f"the grader could not run the checks (pytest exit code {returncode}). "
        f"This is a problem in the workbook, not in your code; its output ends:\n{last}"
    )
