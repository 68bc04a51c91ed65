"""A real nginx serving the grader's rewritten copy of the learner's config.

`check_config()` is `nginx -t`: its errors come back as findings on the learner's
lines. `Nginx` is a context manager that starts nginx in the foreground in its
own process group and, whatever happens in the check, ends it (SIGQUIT, then
SIGKILL for the whole group). Its access log is the grader's JSON one, read
with `log_entries()`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from checks.support.deploy import tools
from checks.support.deploy.findings import Finding
from checks.support.deploy.nginx_conf import FILE, Rewritten
from checks.support.failures import fail

START_TIMEOUT = 10.0
# `nginx: [emerg] …` before the error log opens, `2026/… [emerg] 12#12: …` after.
ERROR_AT = re.compile(
    r"\[(emerg|alert|crit|error)\] (?:\d+#\d+: )?(?P<message>.*?)"
    r"(?: in (?P<file>\S+):(?P<line>\d+))?$"
)


def _command(tool: tools.Tool, rewritten: Rewritten, *extra: str) -> list[str]:
    # -e: errors before the config is read go to stderr, not a compiled-in path.
    return [
        *tool.require(),
        "-p",
        f"{rewritten.folder}/",
        "-c",
        str(rewritten.config),
        "-e",
        "stderr",
        *extra,
    ]


def check_config(rewritten: Rewritten, tool: tools.Tool | None = None) -> list[Finding]:
    """`nginx -t` on the rewritten config; each error on the learner's line."""
    tool = tool or tools.nginx()
    done = subprocess.run(
        _command(tool, rewritten, "-t", "-q"),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        cwd=rewritten.folder,
    )
    if done.returncode == 0:
        return []
    findings = []
    for raw in done.stderr.splitlines():
        match = ERROR_AT.search(raw.strip())
        if not match:
            continue
        line = None
        if match["line"] and Path(match["file"] or "") == rewritten.config:
            line = rewritten.line_of.get(int(match["line"]))
        findings.append(
            Finding(
                "nginx -t",
                FILE,
                line,
                match["message"],
                "see https://nginx.org/en/docs/dirindex.html: each directive's syntax, context",
            )
        )
    return findings or [
        Finding(
            "nginx -t",
            FILE,
            None,
            f"nginx -t failed: {done.stderr.strip()[:500]}",
            "run `nginx -t -c deploy/nginx.conf` by hand",
        )
    ]


class Nginx:
    """nginx running the rewritten config until the `with` block ends."""

    def __init__(self, rewritten: Rewritten, tool: tools.Tool | None = None) -> None:
        self.rewritten = rewritten
        self.tool = tool or tools.nginx()
        self.process: subprocess.Popen[bytes] | None = None
        self.output = rewritten.folder / "nginx.out"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rewritten.port}"

    def __enter__(self) -> Nginx:
        findings = check_config(self.rewritten, self.tool)
        if findings:
            fail(
                "nginx refuses your config:\n" + "\n".join(str(f) for f in findings),
                expected="`nginx -t` to pass",
            )
        return self._start()

    def _start(self) -> Nginx:
        with open(self.output, "wb") as output:
            self.process = subprocess.Popen(
                _command(self.tool, self.rewritten),
                cwd=self.rewritten.folder,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_until_listening()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                fail(f"nginx stopped as it started:\n{self.log_tail()}", expected="nginx running")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.rewritten.port), timeout=0.2),
            ):
                return
            time.sleep(0.02)
        fail(
            f"nginx did not listen within {START_TIMEOUT:g} s:\n{self.log_tail()}",
            expected="nginx listening",
        )

    def _workers(self) -> int:
        """How many processes the master runs now (workers, and old workers
        still finishing their requests after a reload)."""
        if self.process is None:
            return 0
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            return len(children.read_text().split())
        except OSError:
            return 0

    def reload(self, rewritten: Rewritten, timeout: float = 10.0) -> None:
        """Load `rewritten` (the same files, new contents) without dropping a
        request: SIGHUP, then wait until the old workers have finished what
        they were serving and exited, so nothing is sent by the old config."""
        if self.process is None:
            return
        steady = self._workers()
        self.rewritten = rewritten
        os.kill(self.process.pid, signal.SIGHUP)
        if steady == 0:  # no /proc to count them: give the old workers a moment
            time.sleep(1.0)
            return
        # The new workers start, then the old ones leave: more, then steady.
        started = time.monotonic()
        grown = False
        while time.monotonic() - started < timeout:
            count = self._workers()
            if count > steady:
                grown = True
            elif grown or time.monotonic() - started > 0.5:
                return
            time.sleep(0.02)

    def restart(self) -> Nginx:
        """A fresh nginx on the same config: its upstreams' failure counts
        (which backends it holds as down) start from zero. Stopped at once
        (SIGTERM), not gracefully: a graceful quit waits for the idle
        keep-alive connections of the checks' clients, seconds each time."""
        self.stop(graceful=False)
        return self._start()

    def stop(self, graceful: bool = True) -> None:
        """Quit (SIGQUIT, or SIGTERM for a fast stop), then SIGKILL to the whole group."""
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGQUIT if graceful else signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=3)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=3)

    def log_tail(self, lines: int = 20) -> str:
        text = ""
        for path in (self.output, self.rewritten.error_log):
            with contextlib.suppress(OSError):
                text += path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def log_entries(self) -> list[dict[str, Any]]:
        """The grader's access log so far, one dict per request."""
        try:
            text = self.rewritten.access_log.read_text(errors="replace")
        except FileNotFoundError:
            return []
        entries = []
        for line in text.splitlines():
            with contextlib.suppress(json.JSONDecodeError):
                entries.append(json.loads(line))
        return entries
