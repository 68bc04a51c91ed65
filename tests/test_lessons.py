"""Each lesson is tested the way FastAPI tests its docs: the acceptance list is
generated from stage.toml's criteria, every Python example is a file that a
test drives, fragments say so, examples pass ruff, and the shell commands of
"Try it by hand" run against the solution and answer what their comments say."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import STAGES
from workbook import paths
from workbook.authoring import lessons
from workbook.stages import Stage

by_name = pytest.mark.parametrize("stage", STAGES, ids=lambda stage: stage.name)
EXAMPLE_TESTS = Path(__file__).parent / "examples"


@by_name
def test_the_readme_is_in_step_with_stage_toml_and_its_examples(stage: Stage) -> None:
    assert lessons.problems(stage) == []


@by_name
def test_every_example_file_is_shown_and_driven_by_a_test(stage: Stage) -> None:
    shown = {example.path for example in lessons.examples(lessons.readme(stage))}
    tests = "".join(path.read_text() for path in EXAMPLE_TESTS.glob("test_*.py"))
    for path in lessons.example_files(stage):
        relative = path.relative_to(stage.folder).as_posix()
        assert relative in shown, f"{relative} is not shown in the README"
        assert f'"{path.name}"' in tests, f"no test in tests/examples/ drives {relative}"


def test_the_examples_pass_ruff() -> None:
    folders = [str(path) for path in paths.STAGES.glob("*/examples") if path.is_dir()]
    if not folders:
        pytest.skip("no stage has examples yet")
    completed = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", *folders],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout


def test_the_readme_check_fails_when_an_example_drifts(tmp_path: Path) -> None:
    stage = next(s for s in STAGES if lessons.example_files(s))
    text = lessons.readme(stage)
    example = lessons.examples(text)[0]
    drifted = text.replace(example.code, example.code + "print('drifted')\n", 1)
    (stage.folder / "README.md").write_text(drifted, encoding="utf-8")
    try:
        assert any("differs from" in problem for problem in lessons.problems(stage))
    finally:
        (stage.folder / "README.md").write_text(text, encoding="utf-8")


# "Try it by hand" -------------------------------------------------------------

_STATUS = re.compile(r"#\s*(?P<status>[1-5]\d\d)\b")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def _logical_lines(block: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", block)
    return [line for line in joined.splitlines() if line.strip()]


def _split_comment(line: str) -> tuple[str, str]:
    """A shell line and its trailing comment (a `#` after a blank, outside quotes)."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and index > 0 and line[index - 1].isspace():
            return line[:index].rstrip(), line[index + 1 :]
    return line, ""


def _runnable(block: str, base: str) -> tuple[str, dict[int, str | None]]:
    """The block as a bash script that prints each curl command's status, and
    the status each one's comment promises (None when it promises none)."""
    script, expected = [], {}
    depth = 0  # inside a loop, commands run as written: their statuses are not read
    for number, line in enumerate(_logical_lines(block)):
        line = line.replace("http://127.0.0.1:8000", base)
        stripped = line.strip()
        if stripped.startswith(("make ", "#", "fastapi ", "open ")):
            continue
        code, comment = _split_comment(line)
        opens = stripped.startswith(("for ", "while "))
        depth += opens - (stripped.split(";")[-1].strip() == "done")
        last = code.rsplit("|", 1)[-1].strip()
        plain = depth == 0 and not _ASSIGNMENT.match(stripped) and " -w " not in code
        if last.startswith("curl") and plain:
            status = _STATUS.match("#" + comment.strip()) if comment else None
            expected[number] = status["status"] if status else None
            script.append(f"echo \"STATUS {number} $({code} -o /dev/null -w '%{{http_code}}')\"")
        else:
            script.append(code)
    return "\n".join(script), expected


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("stage", STAGES, ids=lambda stage: stage.name)
def test_try_it_by_hand_runs_against_the_solution(stage: Stage, tmp_path: Path) -> None:
    blocks = lessons.shell_blocks(lessons.readme(stage))
    curls = [b for b in blocks if "curl" in b]
    if not curls:
        pytest.skip("no curl commands in Try it by hand")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}",
        "SECRET_KEY": "k" * 40,
        # The first admin the READMEs start the app with (stage 8 on; earlier
        # stages ignore these), so their admin-only commands can be tried too.
        "FIRST_ADMIN_USERNAME": "root",
        "FIRST_ADMIN_EMAIL": "root@example.com",
        "FIRST_ADMIN_PASSWORD": "a-long-passphrase",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if (stage.solution / "alembic.ini").is_file():
        # From stage 9 the schema is Alembic's: migrate first, as `make run` does.
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=stage.solution,
            env=env,
            capture_output=True,
            timeout=60,
            check=True,
        )
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port)],
        cwd=stage.solution,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        for block in curls:
            script, expected = _runnable(block, f"http://127.0.0.1:{port}")
            completed = subprocess.run(
                ["bash", "-c", script],
                capture_output=True,
                text=True,
                timeout=60,
                cwd=tmp_path,
                check=False,
            )
            got = dict(re.findall(r"^STATUS (\d+) (\d{3})$", completed.stdout, re.M))
            lines = _logical_lines(block)
            for number, status in expected.items():
                answer = got.get(str(number))
                logged = (tmp_path / "server.log").read_text()
                assert answer is not None, (
                    f"did not run: {lines[number]}\n{completed.stderr}{logged}"
                )
                assert not answer.startswith("5"), f"{lines[number]} answered {answer}"
                if status is not None:
                    assert answer == status, f"{lines[number]} answered {answer}"
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
