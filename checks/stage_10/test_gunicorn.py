"""Stage 10, requirement 10.3: deploy/gunicorn.conf.py runs uvicorn workers,
binds every interface, trusts proxy headers from named addresses only, and
stops gracefully: SIGTERM finishes the requests in flight."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from checks.stage_10 import gunicorn
from checks.stage_10.deployment import Service
from checks.support import expect, fail

WORKER = "uvicorn_worker.UvicornWorker"
GRACE_FLOOR = 5


@pytest.mark.req("10.3")
def test_gunicorn_runs_uvicorn_workers_on_every_interface(target: Path) -> None:
    settings = gunicorn.settings(target)
    worker = settings.get("worker_class", "")
    if worker == "uvicorn.workers.UvicornWorker":
        fail(
            "worker_class is uvicorn.workers.UvicornWorker, which uvicorn deprecated (it warns "
            "at every start): the class lives in the uvicorn-worker package now",
            expected=f'worker_class = "{WORKER}"',
        )
    expect(worker == WORKER, f"worker_class is {worker!r}", expected=f'worker_class = "{WORKER}"')
    binds = gunicorn.binds(target)
    expect(
        any(address.startswith(("0.0.0.0:", "[::]:", ":")) for address in binds),
        f"Gunicorn binds {binds}: inside a container that is the container alone, out of "
        "nginx's reach",
        expected='bind = "0.0.0.0:8000"',
    )


@pytest.mark.req("10.3")
def test_workers_come_from_web_concurrency(target: Path) -> None:
    default = gunicorn.settings(target).get("workers", "1")
    expect(
        default.isdigit() and int(default) >= 2,
        f"without WEB_CONCURRENCY Gunicorn starts {default} worker(s)",
        expected="at least 2 by default",
    )
    chosen = gunicorn.settings(target, WEB_CONCURRENCY="3").get("workers")
    expect(
        chosen == "3",
        f"with WEB_CONCURRENCY=3 Gunicorn starts {chosen} worker(s): the platform decides "
        "how many, not the image",
        expected='workers = int(os.environ.get("WEB_CONCURRENCY", "2"))',
    )


@pytest.mark.req("10.3")
def test_proxy_headers_are_trusted_from_named_addresses_only(target: Path) -> None:
    trusted = gunicorn.settings(target).get("forwarded_allow_ips", "")
    everyone = [pattern for pattern in ("*", "0.0.0.0/0", "::/0") if pattern in trusted]
    expect(
        not everyone,
        f"forwarded_allow_ips is {trusted}: any client can then send X-Forwarded-For and be "
        "logged, rate limited and trusted as anyone it likes",
        expected="the load balancer's addresses, e.g. 172.16.0.0/12",
    )


@pytest.mark.req("10.3")
def test_the_grace_period_is_a_few_seconds_within_the_timeout(target: Path) -> None:
    settings = gunicorn.settings(target)
    grace = float(settings.get("graceful_timeout", "30"))
    timeout = float(settings.get("timeout", "30"))
    expect(
        GRACE_FLOOR <= grace <= timeout,
        f"graceful_timeout is {grace:g} s (timeout {timeout:g} s): a request in flight when "
        "SIGTERM comes gets that long to finish",
        expected=f"{GRACE_FLOOR} s ≤ graceful_timeout ≤ timeout",
    )


def _slow_body(seconds: float, pieces: int = 6) -> Iterator[bytes]:
    """A JSON signup sent in pieces over `seconds`: in flight all along."""
    body = b'{"username": "graceful_%d", "email": "g%d@example.com", "password": "slow-and-steady"}'
    stamp = int(time.time() * 1000) % 1_000_000
    data = body % (stamp, stamp)
    size = len(data) // pieces + 1
    for start in range(0, len(data), size):
        yield data[start : start + size]
        time.sleep(seconds / pieces)


@pytest.mark.req("10.3")
@pytest.mark.timeout(60)
def test_sigterm_finishes_the_request_in_flight(service: Service) -> None:
    backend = service.backends[0]
    answers: list[httpx.Response | BaseException] = []

    def send() -> None:
        try:
            answers.append(
                httpx.post(
                    f"{backend.url}/api/v2/users",
                    content=_slow_body(2.0),
                    headers={"Content-Type": "application/json"},
                    timeout=30,
                )
            )
        except httpx.HTTPError as error:
            answers.append(error)

    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(0.6)  # the request has begun, its body is still coming
    took = backend.terminate(timeout=40)
    sender.join(timeout=30)
    answer = answers[0] if answers else None
    if not isinstance(answer, httpx.Response) or answer.status_code >= 300:
        shown = answer if not isinstance(answer, httpx.Response) else answer.status_code
        fail(
            f"SIGTERM came while POST /api/v2/users was sending its body; the request got "
            f"{shown!r} and the backend stopped {took:.1f} s after the signal: a request in "
            "flight was cut instead of finished",
            expected="201 Created, then the backend exits",
        )
