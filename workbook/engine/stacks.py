"""Where a stopped check was stuck, read from the stacks the watchdog wrote
(`faulthandler`'s format) just before it ended the process.

A timeout is only called an endless loop in the learner's code when the stack
shows their code running at the time; otherwise the report says where the
process was waiting instead (a check waiting on a live server, a library
waiting on a lock), which is no proof of a loop.
"""

from __future__ import annotations

import linecache
import os
import re
from dataclasses import dataclass
from pathlib import Path

from workbook import paths

WATCHDOG = "# watchdog, limit in seconds:"
# A check whose samples show it moving on is stopped at this many times its
# limit: slow on a busy machine is not stuck, but a run must end.
HARD_CAP = 3
_FRAME = re.compile(r'^\s+File "(?P<file>.*)", line (?P<line>\d+) in (?P<function>.+)$')
_LIBRARY = ("site-packages", "dist-packages", "/lib/python")


@dataclass(frozen=True)
class Frame:
    file: str
    line: int
    function: str

    def source(self) -> str:
        return linecache.getline(self.file, self.line).strip()


@dataclass(frozen=True)
class Stuck:
    """The learner's frame deepest in the stuck thread, and the library or
    check frame the thread was in at the time, if it was not their code."""

    learner: Frame | None
    innermost: Frame | None

    @property
    def in_learners_code(self) -> bool:
        """Their own line was the one running (a loop, or a blocking call into C)."""
        return self.learner is not None and self.learner == self.innermost


def parse(text: str) -> list[list[Frame]]:
    """Each thread's frames, most recent first."""
    threads: list[list[Frame]] = []
    for line in text.splitlines():
        if line.startswith(("Thread 0x", "Current thread 0x")):
            threads.append([])
            continue
        match = _FRAME.match(line)
        if match and threads:
            threads[-1].append(Frame(match["file"], int(match["line"]), match["function"].strip()))
    return threads


def samples(text: str) -> tuple[float | None, list[str]]:
    """The check's limit and each sample the watchdog wrote, oldest first.
    (The parent reads the file only once its size has held still, so that the
    last sample is whole.)"""
    limit = None
    first, _, rest = text.partition("\n")
    if first.startswith(WATCHDOG):
        limit = float(first[len(WATCHDOG) :].strip())
    else:
        rest = text
    return limit, re.split(r"^Timeout \([^)]*\)!\n", rest, flags=re.MULTILINE)[1:]


def _signature(text: str) -> tuple[tuple[Frame, ...], ...]:
    return tuple(tuple(frames) for frames in parse(text))


def should_stop(text: str, target: Path, cpu_seconds: float | None = None) -> bool:
    """Whether the samples so far show a check that has reached its limit
    stuck: its last two samples have the learner's own code running in one
    function, or its last sample is the same as the two before while the
    process did little work in between
    (`cpu_seconds` since the sample before, where known: a slow query on a
    busy machine shows the same stack, but works); or it has run `HARD_CAP`
    times its limit."""
    limit, dumps = samples(text)
    if limit is None or not dumps:
        return False
    ran = len(dumps) * limit / 2  # one sample every half limit
    if ran < limit:
        return False
    if ran >= HARD_CAP * limit:
        return True
    # The learner's own code running in the last two samples, in the same
    # function: a loop, or a blocking call. One sample alone is no proof: on
    # a starved machine a check that is only slow is caught in the learner's
    # code too, at some line.
    now, before = find(dumps[-1], target), find(dumps[-2], target) if len(dumps) > 1 else None
    if (
        now is not None
        and before is not None
        and now.in_learners_code
        and before.in_learners_code
        and (now.learner.file, now.learner.function)
        == (before.learner.file, before.learner.function)
    ):
        return True
    # Waiting in a library or in the checks: stopped once the stack has not
    # moved for a whole limit (three samples), a query that a busy database
    # server is slow to answer gets that long.
    working = cpu_seconds is not None and cpu_seconds > 0.1 * limit / 2
    last = [_signature(dump) for dump in dumps[-3:]]
    return len(last) == 3 and not working and last[0] == last[1] == last[2]


def _same_function(one: Frame | None, other: Frame | None) -> bool:
    return (
        one is not None
        and other is not None
        and (one.file, one.function)
        == (
            other.file,
            other.function,
        )
    )


def cpu_seconds(pid: int) -> float | None:
    """The CPU time a process (all its threads) has used, where the system
    tells it (Linux's /proc); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime and stime


def last_sample(text: str) -> str:
    """The newest complete sample, or all of `text` if it has no header."""
    _, dumps = samples(text)
    return dumps[-1] if dumps else text


def _is_learners(frame: Frame, root: str) -> bool:
    return frame.file.startswith(root) and not any(part in frame.file for part in _LIBRARY)


def find(text: str, target: Path) -> Stuck | None:
    """Where the learner's code was stuck, or where the process was waiting;
    None when the text holds no stack at all."""
    threads = [frames for frames in parse(text) if frames]
    if not threads:
        return None
    root = str(target.resolve()) + "/"
    best: tuple[int, Frame, Frame] | None = None
    for frames in threads:
        depth = next((i for i, frame in enumerate(frames) if _is_learners(frame, root)), None)
        if depth is not None and (best is None or depth < best[0]):
            best = (depth, frames[depth], frames[0])
    if best is not None:
        return Stuck(learner=best[1], innermost=best[2])
    # None of the learner's code was running: say where the check waited.
    checks = str(paths.REPO / "checks") + "/"
    for frames in threads:
        for frame in frames:
            if frame.file.startswith(checks):
                return Stuck(learner=None, innermost=frame)
    return Stuck(learner=None, innermost=threads[0][0])


def shown(frame: Frame, target: Path) -> str:
    """`read_health (app/main.py, line 9: while True:)`"""
    for base in (target.resolve().parent, paths.REPO):
        try:
            name = str(Path(frame.file).relative_to(base))
            break
        except ValueError:
            continue
    else:
        name = _library_name(frame.file)
    source = frame.source()
    where = f"{name}, line {frame.line}" + (f": {source}" if source else "")
    function = "the module" if frame.function == "<module>" else frame.function
    return f"{function} ({where})"


def _library_name(file: str) -> str:
    """`sqlalchemy/engine/base.py` rather than the whole path to site-packages."""
    for marker in ("site-packages/", "dist-packages/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return Path(file).name


def _frames_of(error: BaseException) -> list[Frame]:
    """The traceback's frames, outermost first."""
    import traceback

    return [
        Frame(summary.filename, summary.lineno or 0, summary.name)
        for summary in traceback.extract_tb(error.__traceback__)
    ]


def _is_library(frame: Frame) -> bool:
    return any(part in frame.file for part in _LIBRARY) or frame.file.startswith("<")


def raised_in_app(error: BaseException) -> str | None:
    """For an exception the checks' client brought back from the app with none
    of the learner's lines in its traceback (the app was built wrongly, so
    FastAPI or pydantic raised it): a message that says so and where, never a
    library's line presented as the learner's. None if the check raised it."""
    frames = _frames_of(error)
    checks = str(paths.REPO / "checks") + "/"
    last_check = max((i for i, f in enumerate(frames) if f.file.startswith(checks)), default=-1)
    inside = frames[last_check + 1 :]
    if not any("/starlette/" in f.file or "/fastapi/" in f.file for f in inside):
        return None
    library = inside[-1]
    return (
        f"the app raised {type(error).__name__} while handling the request: "
        f"{str(error).strip()[:300]}\nIt was raised in library code "
        f"({_library_name(library.file)}, line {library.line}, in {library.function}) and "
        "none of your lines is in its traceback: look at how your code declares what "
        "FastAPI builds for it (a Depends(), a parameter, a model or a return type)"
    )


def check_line(error: BaseException) -> str:
    """` (test_users.py:40)`: the deepest frame of the checks' own code, for an
    error a check tripped over; never a library's line."""
    for frame in reversed(_frames_of(error)):
        if not _is_library(frame):
            return f" ({Path(frame.file).name}:{frame.line})"
    return ""
