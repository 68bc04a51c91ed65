"""Diagnoses that stay true: a timeout is called a loop in the learner's code
only when the watchdog's stack shows their code running (issue 18, item 5)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from workbook import paths
from workbook.engine import deaths, stacks

TARGET = Path("/home/learner/workbook/stages/01_app")
LIBRARY = "/venv/lib/python3.11/site-packages"


def _dump(*threads: list[tuple[str, int, str]]) -> str:
    lines = ["Timeout (0:00:10)!"]
    for number, frames in enumerate(threads):
        lines.append(f"Thread 0x00007f00000{number:04d} (most recent call first):")
        lines += [f'  File "{file}", line {line} in {function}' for file, line, function in frames]
        lines.append("")
    return "\n".join(lines)


def test_a_loop_in_the_learners_handler_is_named_with_its_place() -> None:
    text = _dump(
        [(f"{LIBRARY}/anyio/_backends/_asyncio.py", 900, "run")],
        [
            (f"{TARGET}/app/main.py", 12, "read_health"),
            (f"{LIBRARY}/starlette/concurrency.py", 40, "run_in_threadpool"),
        ],
    )
    stuck = stacks.find(text, TARGET)
    assert stuck is not None
    assert stuck.in_learners_code
    kind, message = deaths.death_message(1, 10.2, 10, False, stuck, TARGET)
    assert kind == "timeout"
    assert "your code was stuck in read_health (01_app/app/main.py, line 12" in message
    assert "endless loop" in message


def test_a_learners_call_waiting_in_a_library_names_both_and_no_loop() -> None:
    text = _dump(
        [
            (f"{LIBRARY}/httpx/_client.py", 1013, "send"),
            (f"{TARGET}/app/mail.py", 7, "send_welcome"),
            (f"{TARGET}/app/main.py", 30, "create_user"),
        ]
    )
    stuck = stacks.find(text, TARGET)
    _, message = deaths.death_message(1, 10.1, 10, False, stuck, TARGET)
    assert "send_welcome (01_app/app/mail.py, line 7" in message  # the deepest of theirs
    assert "httpx/_client.py, line 1013" in message  # library path shown short
    assert "endless loop" not in message


def test_a_timeout_with_none_of_the_learners_code_running_is_not_called_a_loop() -> None:
    check = paths.REPO / "checks" / "stage_06" / "test_event_loop.py"
    text = _dump([(f"{LIBRARY}/httpx/_client.py", 1013, "send"), (str(check), 90, "_while_locked")])
    stuck = stacks.find(text, TARGET)
    assert stuck is not None
    assert not stuck.in_learners_code
    _, message = deaths.death_message(1, 10.1, 10, False, stuck, TARGET)
    assert "endless loop" not in message
    assert "none of your code was running" in message
    assert "checks/stage_06/test_event_loop.py, line 90" in message
    assert "run again" in message


def test_a_library_inside_the_target_folder_is_not_the_learners_code() -> None:
    text = _dump(
        [
            (f"{TARGET}/.venv/lib/python3.11/site-packages/pydantic/main.py", 280, "__init__"),
            (f"{TARGET}/app/main.py", 9, "<module>"),
        ]
    )
    stuck = stacks.find(text, TARGET)
    assert stuck is not None
    assert stuck.learner is not None
    assert stuck.learner.file.endswith("app/main.py")
    assert not stuck.in_learners_code


class _Config:
    def getoption(self, name: str) -> str:
        return str(TARGET)


class _Item:
    """What classify() reads of a pytest item."""

    funcargs: dict = {}  # noqa: RUF012 - read only
    config = _Config()


class Limits(BaseModel):
    most: int


def limits() -> Limits:
    """A dependency that builds its model wrongly: pydantic raises, in its own code."""
    return Limits(most="many")  # type: ignore[arg-type]


def _raised_by_the_app() -> BaseException:
    app = FastAPI()

    @app.get("/")
    def read(found: Annotated[Limits, Depends(limits)]) -> dict[str, int]:
        return {"most": found.most}

    try:
        TestClient(app).get("/")
    except Exception as error:
        return error
    raise AssertionError("the app did not raise")


def test_an_error_raised_in_library_code_is_not_shown_as_the_learners_line() -> None:
    from workbook.engine.classify import classify

    outcome = classify(_Item(), _raised_by_the_app(), "call")  # type: ignore[arg-type]
    assert outcome["outcome"] == "error"
    assert "the response had an unexpected shape" not in outcome["message"]
    assert "pydantic/main.py, line" in outcome["message"]
    assert "(main.py:" not in outcome["message"]
    assert "none of your lines is in its traceback" in outcome["message"]


def _samples(limit: float, *dumps: list[tuple[str, int, str]]) -> str:
    """The watchdog's file: its header, then one sample per `dumps` item."""
    return f"{stacks.WATCHDOG} {limit:g}\n" + "".join(_dump(frames) + "\n" for frames in dumps)


MOVING = [
    [(f"{LIBRARY}/sqlalchemy/orm/mapper.py", 3445, "isa"), (f"{TARGET}/app/repo.py", 9, "flush")],
    [(f"{LIBRARY}/sqlalchemy/sql/compiler.py", 77, "visit"), (f"{TARGET}/app/repo.py", 9, "flush")],
]


def test_a_check_with_its_learners_line_running_at_its_limit_is_stopped() -> None:
    loop = [(f"{TARGET}/app/main.py", 12, "read_health")]
    assert not stacks.should_stop(_samples(10, loop), TARGET)  # 5 s: not yet at the limit
    assert stacks.should_stop(_samples(10, loop, loop), TARGET)  # 10 s


def test_a_slow_check_whose_stack_moves_on_is_given_more_time() -> None:
    # A busy machine: at the limit the stack has moved on since the last sample.
    assert not stacks.should_stop(_samples(10, *MOVING), TARGET)
    # ... but not for ever: at HARD_CAP times the limit it is stopped.
    many = [MOVING[i % 2] for i in range(2 * stacks.HARD_CAP)]
    assert stacks.should_stop(_samples(10, *many), TARGET)


def test_a_check_waiting_at_the_same_place_for_a_whole_limit_is_stopped() -> None:
    waiting = [(f"{LIBRARY}/httpx/_client.py", 1013, "send")]
    # At 10 s, the same place for 5 s: a slow database server may answer yet.
    assert not stacks.should_stop(_samples(10, waiting, waiting), TARGET)
    assert stacks.should_stop(_samples(10, waiting, waiting, waiting), TARGET)


def test_the_same_stack_twice_while_the_process_works_is_not_stuck() -> None:
    # A slow query on a busy machine: the same frames, but CPU was used meanwhile.
    query = [(f"{LIBRARY}/aiosqlite/core.py", 105, "run")]
    assert not stacks.should_stop(_samples(10, query, query, query), TARGET, cpu_seconds=2.0)
    assert stacks.should_stop(_samples(10, query, query, query), TARGET, cpu_seconds=0.01)


def test_the_cpu_time_of_a_process_is_read() -> None:
    import os

    used = stacks.cpu_seconds(os.getpid())
    assert used is None or used > 0


THREADS_COME_AND_GO = """
import threading
import time

import pytest


@pytest.mark.timeout(0.004)
def test_threads_start_and_end_while_the_watchdog_samples():
    end = time.monotonic() + 3
    while time.monotonic() < end:
        started = [threading.Thread(target=sum, args=(range(100),)) for _ in range(20)]
        for thread in started:
            thread.start()
        for thread in started:
            thread.join()
"""


def test_the_watchdog_samples_a_check_whose_threads_come_and_go(tmp_path: Path) -> None:
    """faulthandler's repeated dump crashed a child (SIGSEGV) when a thread
    ended while it read the thread states; the sampler does not."""
    import subprocess
    import sys

    (tmp_path / "test_threads.py").write_text(THREADS_COME_AND_GO)
    samples = tmp_path / "stacks.txt"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "workbook.engine.watchdog",
         f"--wb-stacks={samples}", "-p", "no:cacheprovider", str(tmp_path / "test_threads.py")],
        cwd=paths.REPO, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    written = samples.read_text()
    assert written.startswith(stacks.WATCHDOG)
    assert len(stacks.samples(written)[1]) > 10  # it did sample, hundreds of times
