"""Live servers for the checks, forked from a process that has uvicorn and the
stage's libraries in memory already.

Starting `python -m uvicorn` for a check costs most of a second, spent
importing FastAPI, SQLAlchemy and uvicorn again. The grader instead forks a
small spawner before its children; a check that needs a server asks it over a
Unix socket, and the spawner forks a server process that only has to import the
learner's app. That process is the same as a real uvicorn's would be: its own
process, its own event loop, the check's environment and working directory.

Protocol: the check sends one JSON line {target, workdir, env, log}; the server
process answers {"pid": …} at once and {"port": …} when the app has started,
or closes the connection if it stopped first (its log says why).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any, NoReturn

from workbook import paths
from workbook.engine import forking


def start(socket_path: Path, env: dict[str, str]) -> int:
    """Fork the spawner; it listens on `socket_path` until it is sent SIGTERM.
    Returns its pid."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(socket_path))
    listener.listen(64)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        listener.close()
        return pid
    forking.run_and_exit(lambda: _spawner_main(listener, env), failure_code=1)


def stop(pid: int) -> None:
    """End the spawner and every server it started."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _spawner_main(listener: socket.socket, env: dict[str, str]) -> NoReturn:
    grader = os.getppid()
    os.setpgid(0, 0)
    # Nothing of the spawner's may reach the learner's terminal and the report.
    forking.write_output_to(os.devnull)
    servers: list[int] = []

    def stop_servers(signum: int = 0, frame: Any = None) -> NoReturn:
        for server in servers:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(server, signal.SIGKILL)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop_servers)
    # Server processes are reaped by the kernel; a check polls for their end.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    os.environ.clear()
    os.environ.update(env)
    _warm_uvicorn()
    listener.settimeout(1.0)
    while True:
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            if os.getppid() != grader:  # the grader was killed: end with it
                stop_servers()
            continue
        connection.settimeout(None)
        pid = os.fork()
        if pid == 0:
            listener.close()
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            forking.run_and_exit(functools.partial(_serve, connection), failure_code=1)
        servers.append(pid)
        connection.close()


def _warm_uvicorn() -> None:
    """Import what every server will need: uvicorn's protocols, loop, lifespan."""
    import uvicorn

    async def nothing(scope: Any, receive: Any, send: Any) -> None:  # an ASGI app
        return None

    uvicorn.Config(nothing, log_level="warning").load()


def _read_line(connection: socket.socket) -> dict[str, Any]:
    data = b""
    while not data.endswith(b"\n"):
        chunk = connection.recv(65536)
        if not chunk:
            break
        data += chunk
    return json.loads(data)


def _send(connection: socket.socket, **message: Any) -> None:
    connection.sendall(json.dumps(message).encode() + b"\n")


def _serve(connection: socket.socket) -> int:
    """In the server process: become what `python -m uvicorn app.main:app`
    would be, in the check's folder and environment, and serve until SIGTERM."""
    request = _read_line(connection)
    os.setsid()  # its own group: the check stops it with everything it started
    _send(connection, pid=os.getpid())
    forking.write_output_to(request["log"])
    forking.limit_memory()
    os.chdir(request["workdir"])
    os.environ.clear()
    os.environ.update(request["env"])
    # The learner's folder stays byte for byte as it was.
    sys.pycache_prefix = str(paths.PYCACHE)
    sys.path.insert(0, request["target"])

    import uvicorn

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    class ReportingServer(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                _send(connection, port=port)
                connection.close()

    config = uvicorn.Config(
        "app.main:app", host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    try:
        ReportingServer(config).run(sockets=[listener])
    except SystemExit as exit_:  # uvicorn exits when the app cannot be imported or started
        return exit_.code if isinstance(exit_.code, int) else 1
    return 0
