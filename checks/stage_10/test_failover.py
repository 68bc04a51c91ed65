"""Stage 10, requirement 10.8: failover and limits, through nginx, against
real backends: a killed one, a hung one, none at all; a body too large and a
burst of logins."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from checks.stage_10.deployment import Deployment
from checks.stage_10.nginx_rules import read_timeouts
from checks.stage_10.shop import V2, admin_headers, product_body, unique
from checks.support import expect, fail
from checks.support.deploy import traffic

LONGEST_READ_TIMEOUT = 10.0


@pytest.mark.req("10.8")
@pytest.mark.timeout(60)
def test_a_killed_backend_costs_no_get_and_none_left_is_502(deployment: Deployment) -> None:
    proxy = deployment.proxy
    deployment.backends[0].kill()
    statuses = [proxy.request("GET", "/health").status_code for _ in range(100)]
    failed = [status for status in statuses if status != 200]
    expect(
        not failed,
        f"with one backend killed, {len(failed)} of 100 GET /health through nginx failed "
        f"({sorted(set(failed))}): nginx should send them to the backend that is left",
        expected="100 × 200",
    )
    deployment.backends[1].kill()
    answer = proxy.request("GET", "/health")
    expect(
        answer.status_code == 502,
        f"with every backend down, GET /health through nginx answered {answer.status_code}",
        expected="502 Bad Gateway",
        response=answer,
    )


@pytest.mark.req("10.8")
def test_a_hung_backend_holds_a_request_for_seconds_not_minutes(target: Path) -> None:
    slow = [
        (line, took)
        for line, took in read_timeouts(target / "deploy" / "nginx.conf")
        if took > LONGEST_READ_TIMEOUT
    ]
    expect(
        not slow,
        "a backend that hangs keeps each request sent to it for proxy_read_timeout: "
        + ", ".join(f"deploy/nginx.conf:{line}: {took:g} s" for line, took in slow),
        expected=f"proxy_read_timeout ≤ {LONGEST_READ_TIMEOUT:g} s (nginx's default: 60 s)",
    )


def _post_until_routed_to(
    deployment: Deployment, port: int, name: str, headers: dict[str, str]
) -> tuple[httpx.Response, list[int], str]:
    """POST products named name-0, name-1, … until nginx's first choice is the
    backend on `port`: that answer, the backends nginx tried, the name sent."""
    proxy = deployment.proxy
    for attempt in range(4):
        sent = f"{name}-{attempt}"
        answer = proxy.request("POST", f"{V2}/products", json=product_body(sent), headers=headers)
        tried = proxy.upstreams(answer)
        if tried and tried[0] == port:
            return answer, tried, sent
    fail(
        "nginx sent none of 4 POSTs to the stopped backend",
        expected="round robin over both backends",
    )


@pytest.mark.req("10.8")
@pytest.mark.timeout(60)
def test_a_post_to_a_hung_backend_is_not_retried(deployment: Deployment) -> None:
    proxy = deployment.proxy
    slow = [took for _, took in read_timeouts(deployment.service.root / "deploy" / "nginx.conf")]
    if any(took > LONGEST_READ_TIMEOUT for took in slow):
        fail(
            f"nginx waits {max(slow):g} s for a hung backend (proxy_read_timeout): longer than "
            "this check waits for it",
            expected=f"proxy_read_timeout ≤ {LONGEST_READ_TIMEOUT:g} s",
        )
    headers = admin_headers(proxy)
    stalled = deployment.backends[1]
    logged = len(stalled.json_lines())
    stalled.pause()
    try:
        answer, tried, sent = _post_until_routed_to(
            deployment, stalled.port, unique("Lantern"), headers
        )
        after = proxy.request("GET", "/health")
    finally:
        stalled.resume()
    expect(
        len(tried) == 1,
        f"nginx sent POST /api/v2/products to the stopped backend, then to another (it tried "
        f"{len(tried)} backends, and answered {answer.status_code}): a POST that was sent may "
        "have been carried out already, and sending it again creates a second product",
        expected="the POST not retried (504 from nginx): never `non_idempotent`",
        response=answer,
    )
    expect(
        after.status_code == 200,
        f"once the stopped backend had timed out, GET /health answered {after.status_code}",
        expected="200 from the other backend",
        response=after,
    )
    # Continued, the stopped backend may still serve the POST it had queued
    # (or drop it, nginx having closed that connection): give it a moment.
    stalled.wait_for_log(
        lambda line: line.get("method") == "POST" and line.get("path") == f"{V2}/products",
        after=logged,
        timeout=3,
    )
    created = deployment.count("products", "name = ?", sent)
    expect(
        created <= 1,
        f"the one POST of {sent!r} created {created} products: nginx sent it twice",
        expected="at most one product",
    )


@pytest.mark.req("10.8")
def test_bodies_over_a_megabyte_are_refused_by_nginx(deployment: Deployment) -> None:
    answer = traffic.oversized_body(deployment.proxy, f"{V2}/products")
    if answer is None:
        fail(
            "nginx closed the connection on a 1.2 MB body without answering",
            expected="413 Content Too Large",
        )
    expect(
        answer.status_code == 413,
        f"a 1.2 MB body through nginx answered {answer.status_code}",
        expected="413 from nginx (client_max_body_size 1m)",
        response=answer,
    )


@pytest.mark.req("10.8")
def test_a_burst_of_logins_is_rate_limited_while_other_routes_answer(
    deployment: Deployment,
) -> None:
    proxy = deployment.proxy
    form = {"username": unique("guesser"), "password": "not-the-password"}
    answers = traffic.burst(proxy, "POST", f"{V2}/auth/token", count=40, data=form)
    statuses = sorted({answer.status_code for answer in answers})
    if 503 in statuses and 429 not in statuses:
        fail(
            f"40 logins at once through nginx answered {statuses}: limit_req refuses the burst, "
            "but with 503, its default, which says the server is down rather than that the "
            "client must slow down",
            expected="429 Too Many Requests (limit_req_status 429)",
        )
    expect(
        429 in statuses,
        f"40 logins at once through nginx answered {statuses}: nothing limits a password guesser",
        expected="429 Too Many Requests for most of them (limit_req)",
    )
    health = proxy.request("GET", "/health")
    expect(
        health.status_code == 200,
        "GET /health right after the burst",
        expected="200",
        response=health,
    )
    catalogue = proxy.request("GET", f"{V2}/products")
    expect(
        catalogue.status_code == 200,
        "GET /api/v2/products right after the burst",
        expected="200 (only logins are limited)",
        response=catalogue,
    )
