"""Benchmark: how long a check waits for a live server, three ways.

- `spawner`: the grader's way (workbook/engine/spawner.py): a process forked from the
  grader after its preloads, asked over a Unix socket, forks the server;
- `forkserver`: the standard library's `multiprocessing.get_context("forkserver")`
  with `set_forkserver_preload([...])` naming the same libraries, starting a
  `Process` that serves the app;
- `fresh`: `python -m uvicorn`, as the fixture does without the grader.

Each way serves stage 6's solution (SQLAlchemy, aiosqlite, pydantic-settings)
on a fresh SQLite file, and is timed from the request for a server to its app
having started (uvicorn's startup done, the port known), then one request.
The one-time cost of each way (starting the spawner, the forkserver) is timed
apart.

It also times what a grading child costs before its first check, the figure
behind not using pytest-xdist: xdist starts each worker (and each replacement
for a crashed one) as a fresh interpreter that imports FastAPI, pytest and the
stage's libraries itself, where the grader forks its children from a parent
that has imported them once.

Run by hand: `python tests/bench/bench_spawn.py [--runs 10]`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import multiprocessing.connection
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from checks.support.live import LiveServer  # noqa: E402
from workbook.engine import children, preloads, spawner  # noqa: E402
from workbook.stages import find  # noqa: E402

STAGE = "6"
UVICORN_PARTS = [
    "uvicorn",
    "uvicorn.protocols.http.h11_impl",
    "uvicorn.protocols.http.httptools_impl",
    "uvicorn.protocols.websockets.wsproto_impl",
    "uvicorn.lifespan.on",
    "uvicorn.loops.asyncio",
    "uvicorn.loops.uvloop",
]


def _env(workdir: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'shop.db'}"}


def _serve_in_forkserver_child(
    target: str, workdir: str, env: dict[str, str], ready: multiprocessing.connection.Connection
) -> None:
    """What the spawner's server process does, in a forkserver's child."""
    os.chdir(workdir)
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, target)
    import uvicorn

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    class ReportingServer(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            ready.send(port)

    config = uvicorn.Config("app.main:app", host="127.0.0.1", port=port, log_level="warning")
    ReportingServer(config).run(sockets=[listener])


def _get(port: int) -> None:
    import httpx2

    assert httpx2.get(f"http://127.0.0.1:{port}/products", timeout=10).status_code == 200


def time_spawner(runs: int, root: Path, modules: list[str]) -> tuple[float, list[float]]:
    started = time.perf_counter()
    preloads.preload()
    preloads.preload_modules(modules)
    socket_path = root / "spawner.sock"
    pid = spawner.start(socket_path, children.child_environment("bench"))
    once = time.perf_counter() - started
    times = []
    try:
        for index in range(runs):
            workdir = root / f"spawner-{index}"
            workdir.mkdir()
            began = time.perf_counter()
            server = LiveServer(find(STAGE).solution, _env(workdir), workdir, str(socket_path))
            server.start()
            times.append(time.perf_counter() - began)
            _get(server.port)
            server.stop()
    finally:
        spawner.stop(pid)
    return once, times


def time_forkserver(runs: int, root: Path, modules: list[str]) -> tuple[float, list[float]]:
    context = multiprocessing.get_context("forkserver")
    # As much as the spawner has: the stage's libraries, uvicorn's protocols,
    # loop and lifespan (a missing one is skipped), and this module, so that a
    # child need not import it again to find its target.
    context.set_forkserver_preload(["__main__", "fastapi", *UVICORN_PARTS, *modules])
    target = str(find(STAGE).solution)
    once = 0.0
    times = []
    for index in range(runs):
        workdir = root / f"forkserver-{index}"
        workdir.mkdir()
        began = time.perf_counter()
        receiving, sending = context.Pipe(duplex=False)
        process = context.Process(
            target=_serve_in_forkserver_child, args=(target, str(workdir), _env(workdir), sending)
        )
        process.start()
        if not receiving.poll(30):
            raise RuntimeError("the forkserver's server did not start")
        port = receiving.recv()
        elapsed = time.perf_counter() - began
        if index == 0:
            once = elapsed  # the first start also starts the forkserver itself
        else:
            times.append(elapsed)
        _get(port)
        process.terminate()
        process.join()
    return once, times


def time_fresh(runs: int, root: Path) -> list[float]:
    times = []
    for index in range(runs):
        workdir = root / f"fresh-{index}"
        workdir.mkdir()
        began = time.perf_counter()
        server = LiveServer(find(STAGE).solution, _env(workdir), workdir, None)
        server.start()
        times.append(time.perf_counter() - began)
        _get(server.port)
        server.stop()
    return times


CHILD_IMPORTS = (
    "import fastapi, fastapi.testclient, pytest, uvicorn, sqlalchemy.ext.asyncio, aiosqlite"
)


def time_children(runs: int) -> tuple[list[float], list[float]]:
    """A fresh interpreter importing what a child needs, against a fork of a
    process that has it (until the child runs, and the parent has reaped it)."""
    import subprocess

    fresh = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", CHILD_IMPORTS], check=True)
        fresh.append(time.perf_counter() - began)
    exec(CHILD_IMPORTS)  # the parent's preload
    forked = []
    for _ in range(runs):
        began = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        forked.append(time.perf_counter() - began)
    return fresh, forked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    arguments = parser.parse_args()
    modules = preloads.stage_modules(find(STAGE), "sqlite")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        fork_once, forked = time_forkserver(arguments.runs + 1, root, modules)
        spawn_once, spawned = time_spawner(arguments.runs, root, modules)
        fresh = time_fresh(max(3, arguments.runs // 3), root)
    child_fresh, child_forked = time_children(max(3, arguments.runs // 2))
    print(f"{os.cpu_count()} cores; stage {STAGE}'s solution; median of {arguments.runs} starts")
    print(f"spawner     one-time {spawn_once:.3f} s, a server {statistics.median(spawned):.3f} s")
    print(f"forkserver  one-time {fork_once:.3f} s, a server {statistics.median(forked):.3f} s")
    print(f"fresh       a server {statistics.median(fresh):.3f} s")
    print(f"a child: fresh interpreter {statistics.median(child_fresh):.3f} s, ", end="")
    print(f"fork of the preloaded parent {statistics.median(child_forked) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
