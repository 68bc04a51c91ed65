"""The requests a deployment check sends through nginx, and what became of them.

Every request carries a fresh `X-Workbook-Probe` id. The grader's nginx
access log (see nginx_conf) records that id with `$upstream_addr`: the
backends nginx tried, in order. So `Proxy.upstreams(response)` says which
backend answered, and whether nginx retried the request on another one,
without asking anything of the learner's app.

Helpers for what stage 10 checks:
- `spread`: how many of N requests each backend answered (round robin);
- `SteadyLoad`: GETs and POSTs at a steady rate from background threads
  while the check restarts backends; every failure is recorded;
- `burst`: many requests at once (a `limit_req` zone answers 429);
- `oversized_body`: a body over `client_max_body_size` (413).
Both backends down is a plain `proxy.request("GET", "/health")` (502).
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx2 as httpx

from checks.support.deploy.nginx_server import Nginx

PROBE = "X-Workbook-Probe"
UPSTREAM_PORT = re.compile(r"127\.0\.0\.1:(\d+)")


class Proxy:
    """Requests to nginx, each with a probe id nginx logs."""

    def __init__(self, nginx: Nginx, timeout: float = 15.0) -> None:
        self.nginx = nginx
        self.timeout = timeout
        self._client = httpx.Client(base_url=nginx.url, timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Proxy:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def request(self, method: str, path: str, **options: Any) -> httpx.Response:
        """One request through nginx (httpx's options: json=, content=, headers=…)."""
        headers = {**options.pop("headers", {}), PROBE: uuid.uuid4().hex}
        return self._client.request(method, path, headers=headers, **options)

    def client(self) -> httpx.Client:
        """A client of its own, for a thread (one client is not shared across threads)."""
        return httpx.Client(base_url=self.nginx.url, timeout=self.timeout)

    def upstreams(self, response: httpx.Response | str, wait: float = 2.0) -> list[int]:
        """The backend ports nginx tried for this request, in order; more than
        one means it retried. [] when nginx answered by itself (413, 429, a
        502 with every backend down) or the request is not in the log yet."""
        probe = response if isinstance(response, str) else response.request.headers[PROBE]
        deadline = time.monotonic() + wait
        while True:
            for entry in reversed(self.nginx.log_entries()):
                if entry.get("probe") == probe:
                    return [int(port) for port in UPSTREAM_PORT.findall(entry.get("upstream", ""))]
            if time.monotonic() >= deadline:
                return []
            # nginx writes the line just after the response: give it a moment.
            time.sleep(0.02)

    def answered_by(self, response: httpx.Response) -> int | None:
        """The port of the backend whose answer nginx passed on."""
        tried = self.upstreams(response)
        return tried[-1] if tried else None


def spread(proxy: Proxy, count: int = 20, path: str = "/health") -> Counter[int | None]:
    """Send `count` GETs one after another; how many each backend answered
    (None: nginx answered itself, or the request failed)."""
    probes = []
    for _ in range(count):
        response = proxy.request("GET", path)
        probes.append(response.request.headers[PROBE] if response.status_code < 500 else None)
    return Counter(
        (ports[-1] if (ports := proxy.upstreams(probe)) else None) if probe else None
        for probe in probes
    )


@dataclass(frozen=True)
class Outcome:
    """One request of a load: what was sent and what came back."""

    method: str
    path: str
    probe: str
    sent: Any
    status: int | None  # None: no response at all
    error: str | None
    started: float
    seconds: float
    body: Any = None

    def __str__(self) -> str:
        result = f"{self.status}" if self.status is not None else f"no response ({self.error})"
        return f"{self.method} {self.path} at +{self.started:.2f} s → {result}"


class SteadyLoad:
    """GETs (and POSTs, when `post` makes their bodies) through nginx at about
    `rate` requests a second, from `threads` threads, until the `with` block
    ends. `post(n)` returns the path and JSON body of the n-th POST, which
    should be unique so a check can count each write in the database."""

    def __init__(
        self,
        proxy: Proxy,
        *,
        get: str = "/health",
        post: Callable[[int], tuple[str, Any]] | None = None,
        rate: float = 20.0,
        threads: int = 2,
        ok: tuple[int, ...] = (200, 201),
    ) -> None:
        self.proxy, self.get, self.post = proxy, get, post
        self.interval = threads / rate
        self.ok = ok
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._counter = 0
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        self._began = 0.0

    def __enter__(self) -> SteadyLoad:
        self._began = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.proxy.timeout + 5)

    def _next(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def _run(self) -> None:
        with self.proxy.client() as client:
            while not self._stop.is_set():
                number = self._next()
                if self.post is not None and number % 2 == 0:
                    path, body = self.post(number)
                    self._send(client, "POST", path, body)
                else:
                    self._send(client, "GET", self.get, None)
                self._stop.wait(self.interval)

    def _send(self, client: httpx.Client, method: str, path: str, body: Any) -> None:
        probe = uuid.uuid4().hex
        started = time.monotonic()
        status, error, answer = None, None, None
        try:
            response = client.request(method, path, json=body, headers={PROBE: probe})
            status = response.status_code
            with contextlib.suppress(ValueError):
                answer = response.json()
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"
        outcome = Outcome(
            method,
            path,
            probe,
            body,
            status,
            error,
            started - self._began,
            time.monotonic() - started,
            answer,
        )
        with self._lock:
            self.outcomes.append(outcome)

    def failures(self) -> list[Outcome]:
        """Every request that got no answer or an answer outside `ok`."""
        with self._lock:
            return [o for o in self.outcomes if o.status not in self.ok]

    def writes(self) -> list[Outcome]:
        """The POSTs that succeeded."""
        with self._lock:
            return [o for o in self.outcomes if o.method == "POST" and o.status in self.ok]

    def posts(self) -> list[Outcome]:
        """Every POST sent, whatever came back."""
        with self._lock:
            return [o for o in self.outcomes if o.method == "POST"]


def burst(
    proxy: Proxy, method: str, path: str, count: int = 20, concurrency: int = 10, **options: Any
) -> list[httpx.Response]:
    """`count` requests sent as fast as `concurrency` threads can; the
    responses in the order they were sent."""

    def one(_: int) -> httpx.Response:
        with proxy.client() as client:
            return client.request(method, path, headers={PROBE: uuid.uuid4().hex}, **options)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(one, range(count)))


def oversized_body(proxy: Proxy, path: str, size: int = 1_200_000) -> httpx.Response | None:
    """A POST with `size` bytes of body (over nginx's 1 MB default); None when
    nginx closed the connection before answering anything."""
    try:
        return proxy.request(
            "POST", path, content=b"x" * size, headers={"Content-Type": "application/octet-stream"}
        )
    except httpx.HTTPError:
        return None


def send_until_routed(
    proxy: Proxy,
    port: int,
    method: str,
    path: str,
    body: Callable[[int], Any] | None = None,
    tries: int = 4,
) -> tuple[httpx.Response, list[int], Any]:
    """Send the request until nginx's first choice is the backend on `port`;
    that response, every backend nginx tried for it, and the JSON body sent
    (`body(n)` makes the n-th try's, so each write can be told apart). Round
    robin reaches the backend within two tries while nginx does not hold it as
    failed. Raises LookupError when it never does."""
    for number in range(tries):
        sent = body(number) if body else None
        response = proxy.request(method, path, json=sent)
        tried = proxy.upstreams(response)
        if tried and tried[0] == port:
            return response, tried, sent
    raise LookupError(f"nginx sent none of {tries} requests to the backend on port {port}")


def wait_until_serving(proxy: Proxy, port: int, timeout: float = 15.0) -> float:
    """Send GET /health through nginx until the backend on `port` answers one;
    the seconds it took. nginx keeps a backend that failed out of rotation for
    its `fail_timeout` (10 s by default), so a rolling restart must wait for
    this before stopping the next backend. Raises TimeoutError."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        response = proxy.request("GET", "/health")
        if response.status_code == 200 and proxy.answered_by(response) == port:
            return time.monotonic() - started
        time.sleep(0.1)
    raise TimeoutError(f"nginx sent nothing to the backend on port {port} for {timeout:g} s")


def rolling_restart(
    proxy: Proxy,
    backends: Any,
    timeout: float = 15.0,
    drain: Callable[[frozenset[int]], None] | None = None,
) -> list[float]:
    """Restart each backend in turn (SIGTERM, wait for the graceful stop,
    start, wait until nginx routes to it again); each one's seconds out of
    rotation. `backends` is a `backends.Backends`.

    With `drain` (called with the ports to take out of nginx, then with none),
    each backend is first taken out of rotation, as a deploy script does with
    open-source nginx: nginx then sends it nothing new, and closes its idle
    keep-alive connections to it, before the SIGTERM. Without it, a POST that
    nginx writes on a kept-alive connection just as the stopping backend
    closes it fails with 502 and is not retried (it was sent): nginx keeps
    connections to upstreams alive by default since 1.29.7."""
    took = []
    for backend in backends:
        started = time.monotonic()
        if drain is not None:
            drain(frozenset({backend.port}))
        backend.restart()
        if drain is not None:
            drain(frozenset())
        wait_until_serving(proxy, backend.port, timeout)
        took.append(time.monotonic() - started)
    return took
