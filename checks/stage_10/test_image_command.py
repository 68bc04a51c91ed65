"""Stage 10, requirement 10.3: the image's command, which starts Gunicorn
from deploy/gunicorn.conf.py, run natively in a copy of the build context
(what .dockerignore lets through), serves /health."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from checks.stage_10 import image
from checks.stage_10.deployment import FAST_HASHES
from checks.support import expect, fail
from checks.support.deploy import backends, dockerfile
from checks.support.live import free_port


@pytest.mark.req("10.3")
@pytest.mark.timeout(45)
def test_the_images_command_serves_health_from_the_build_context(
    target: Path, tmp_path: Path
) -> None:
    path = target / dockerfile.FILE
    if not path.is_file():
        fail("there is no Dockerfile in the stage folder", expected="a Dockerfile")
    parsed = dockerfile.load(path)
    context = tmp_path / "context"
    context.mkdir()
    copied = image.copy_context(target, context)
    expect(
        any(name.startswith("app/") for name in copied),
        "the build context holds no app/: .dockerignore leaves out the code the image runs",
        expected="app/ in the build context",
    )
    port = free_port()
    argv = image.command(parsed, port, context)
    image.make_runnable(argv, context)
    env = {
        **backends.environment(),
        # What the image installed is on its PATH: here, the workbook's venv.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'health.db'}",
        "SECRET_KEY": "k" * 64,
        "WEB_CONCURRENCY": "1",
        # Gunicorn 24+ opens a control socket under $HOME: the grader's, not yours.
        "HOME": str(tmp_path),
        "PYTHONPATH": str(context),
        **FAST_HASHES,
    }
    problem = image.serves_health(argv, context, env, port, tmp_path / "command.log")
    if problem:
        fail(
            f"the image's command, `{' '.join(argv)}`, run in a copy of the build context "
            f"(WORKDIR {image.workdir(parsed)}), did not serve GET /health: {problem}",
            expected="GET /health → 200",
        )
