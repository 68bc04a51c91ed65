"""hadolint, run so that only the grader decides what counts.

hadolint reads a `.hadolint.yaml` from the working directory and honours
`# hadolint ignore=DL3007` comments in the Dockerfile; both are the learner's
to write. So it runs with the grader's config (`-c hadolint.yaml`, beside this
file), `--disable-ignore-pragma`, from a working directory of the grader's and
with an environment that carries no `HADOLINT_*` variable. The Dockerfile is
given on stdin, so nothing about its folder is read either.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

from checks.support.deploy import tools
from checks.support.deploy.findings import Finding

CONFIG = Path(__file__).with_name("hadolint.yaml")
FAILING_LEVELS = {"error", "warning"}


def _hint(code: str) -> str:
    if code.startswith("SC"):
        return f"see https://www.shellcheck.net/wiki/{code}"
    return f"see https://github.com/hadolint/hadolint/wiki/{code}"


def command(tool: tools.Tool) -> list[str]:
    """The full command line; the Dockerfile comes on stdin."""
    return [
        *tool.require(),
        "--config",
        str(CONFIG),
        "--disable-ignore-pragma",
        "--failure-threshold",
        "warning",
        "--format",
        "json",
        "--no-color",
        "-",
    ]


def lint(dockerfile: Path, tool: tools.Tool | None = None) -> list[Finding]:
    """hadolint's warnings and errors about `dockerfile` (info and style are
    left out: the grader's threshold is "warning")."""
    tool = tool or tools.hadolint()
    argv = command(tool)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    with tempfile.TemporaryDirectory(prefix="workbook-hadolint-") as workdir:
        env["HOME"] = workdir
        done = subprocess.run(
            argv,
            input=dockerfile.read_bytes(),
            capture_output=True,
            cwd=workdir,
            env=env,
            timeout=30,
            check=False,
        )
    try:
        results = json.loads(done.stdout or b"[]")
    except json.JSONDecodeError:
        results = None
    if not isinstance(results, list) or (done.returncode not in {0, 1}):
        # An answer the grader cannot read is a failure, never a pass.
        output = (done.stderr or done.stdout).decode(errors="replace").strip()
        return [
            Finding(
                "hadolint",
                "Dockerfile",
                None,
                f"hadolint could not lint the Dockerfile (exit {done.returncode}): {output[:500]}",
                "make sure the Dockerfile parses: `docker build --check .` or hadolint by hand",
            )
        ]
    findings = [
        Finding(
            f"hadolint {result.get('code', '?')}",
            "Dockerfile",
            result.get("line"),
            f"{result.get('code', '?')} {result.get('message', '')}".strip(),
            _hint(str(result.get("code", ""))),
        )
        for result in results
        if result.get("level") in FAILING_LEVELS
    ]
    if done.returncode == 1 and not findings:
        return [
            Finding(
                "hadolint",
                "Dockerfile",
                None,
                f"hadolint failed without saying why: {done.stderr.decode(errors='replace')[:500]}",
                "run hadolint on the Dockerfile by hand",
            )
        ]
    return findings
