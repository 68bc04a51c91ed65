"""Stage 10, requirement 10.7: nginx in front. The learner's nginx.conf runs
(nginx -t, then nginx itself, on loopback), spreads the requests over every
backend, and passes the client's address and scheme on."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from checks.stage_10.deployment import NGINX_ADDRESS, Deployment
from checks.stage_10.nginx_rules import missing_proxy_headers
from checks.support import expect, fail
from checks.support.deploy import traffic
from checks.support.deploy.findings import expect_none


@pytest.mark.req("10.7")
def test_requests_are_spread_over_every_backend(deployment: Deployment) -> None:
    counts = traffic.spread(deployment.proxy, 20)
    ports = deployment.backends.ports
    shown = {f"backend on {port}": counts.get(port, 0) for port in ports}
    failed = counts.get(None, 0)
    expect(
        failed == 0,
        f"{failed} of 20 GET /health through nginx did not reach a backend",
        expected="20 answers from the backends",
    )
    expect(
        all(counts.get(port, 0) >= 4 for port in ports),
        f"20 GETs through nginx were answered {shown}: the upstream does not spread them "
        "over both replicas",
        expected="each backend answers a share",
    )


@pytest.mark.req("10.7")
def test_every_proxied_location_sets_the_forwarding_headers(target: Path) -> None:
    expect_none(
        missing_proxy_headers(target / "deploy" / "nginx.conf"),
        "Host, X-Forwarded-For and X-Forwarded-Proto set for every location that proxies",
    )


@pytest.mark.req("10.7")
def test_the_app_sees_the_clients_address_not_nginxs(deployment: Deployment) -> None:
    if not deployment.separate_addresses:
        pytest.skip(deployment.notes[-1])
    request_id = f"probe-{uuid.uuid4().hex[:12]}"
    answer = deployment.proxy.request("GET", "/health", headers={"X-Request-ID": request_id})
    port = deployment.proxy.answered_by(answer)
    if port is None:
        fail("GET /health through nginx reached no backend", response=answer)
    backend = deployment.backends.by_port(port)
    line = backend.wait_for_log(lambda entry: entry.get("request_id") == request_id, timeout=3)
    if line is None:
        fail(
            "the backend wrote no access line for a request through nginx (requirement 10.6), "
            "so it cannot say whose address it saw",
            expected=f"an access line with request_id {request_id}",
        )
    client = line.get("client")
    if client == NGINX_ADDRESS:
        fail(
            f"the app logged the request from {client}, nginx's own address: X-Forwarded-For "
            "did not reach it, or it did not believe it",
            expected="client 127.0.0.1, the address that called nginx",
        )
    expect(
        client == "127.0.0.1",
        f"the app logged the client as {client!r}",
        expected="127.0.0.1, the address that called nginx",
    )
