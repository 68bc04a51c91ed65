"""Stage 10, requirement 10.9: stateless replicas. A rolling restart under
load loses and doubles nothing; what one replica issued (a token) or
remembered (an Idempotency-Key) holds on the other."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from checks.stage_10.deployment import ADMIN, Deployment
from checks.stage_10.shop import V2, product_body, signup_body
from checks.support import expect, fail
from checks.support.deploy import traffic


@pytest.mark.req("10.9")
@pytest.mark.timeout(90)
def test_a_rolling_restart_under_load_loses_and_doubles_nothing(deployment: Deployment) -> None:
    run = uuid.uuid4().hex[:6]
    with traffic.SteadyLoad(
        deployment.proxy,
        get=f"{V2}/products",
        post=lambda n: (f"{V2}/users", signup_body(f"roll_{run}_{n}")),
        rate=16,
    ) as load:
        time.sleep(0.4)
        try:
            traffic.rolling_restart(
                deployment.proxy, deployment.backends, timeout=20, drain=deployment.drain
            )
        except TimeoutError as error:
            fail(f"during the rolling restart, {error}", expected="each backend back in rotation")
        time.sleep(0.4)
    failures = load.failures()
    expect(
        not failures,
        f"{len(failures)} of {len(load.outcomes)} requests failed while the backends were "
        "restarted one by one:\n" + "\n".join(str(f) for f in failures[:8]),
        expected="every request answered: a backend that stops finishes what it serves, and "
        "nginx sends the rest to the other",
    )
    written = [outcome.sent["username"] for outcome in load.writes()]
    expect(len(written) >= 5, f"only {len(written)} signups were answered during the restart")
    stored = {
        str(row[0]): int(row[1])
        for row in deployment.database.rows(
            "SELECT username, count(*) FROM users WHERE username LIKE ? GROUP BY username",
            f"roll_{run}_%",
        )
    }
    lost = [name for name in written if name not in stored]
    doubled = [name for name, count in stored.items() if count > 1]
    expect(
        not lost and not doubled,
        f"of {len(written)} signups answered 201, {len(lost)} are not in the database and "
        f"{len(doubled)} are there twice",
        expected="each answered signup stored once",
    )


@pytest.mark.req("10.9")
def test_a_token_from_one_replica_works_on_the_other(deployment: Deployment) -> None:
    first, second = deployment.backends[0], deployment.backends[1]
    body = signup_body()
    created = httpx.post(f"{first.url}{V2}/users", json=body, timeout=10)
    expect(created.status_code == 201, "signing up on backend A", expected="201", response=created)
    login = httpx.post(
        f"{first.url}{V2}/auth/token",
        data={"username": body["username"], "password": body["password"]},
        timeout=10,
    )
    expect(login.status_code == 200, "logging in on backend A", expected="200", response=login)
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    me = httpx.get(f"{second.url}{V2}/users/me", headers=headers, timeout=10)
    expect(
        me.status_code == 200,
        "a token issued by backend A, sent to backend B: whichever replica answers, the "
        "user is logged in",
        expected="200 from backend B",
        response=me,
    )


@pytest.mark.req("10.9")
def test_an_idempotency_key_holds_on_the_other_replica(deployment: Deployment) -> None:
    first, second = deployment.backends[0], deployment.backends[1]
    login = httpx.post(
        f"{first.url}{V2}/auth/token",
        data={"username": ADMIN["username"], "password": ADMIN["password"]},
        timeout=10,
    )
    expect(login.status_code == 200, "the first admin logs in", expected="200", response=login)
    key = uuid.uuid4().hex
    headers = {"Authorization": f"Bearer {login.json()['access_token']}", "Idempotency-Key": key}
    body = product_body()
    made = httpx.post(f"{first.url}{V2}/products", json=body, headers=headers, timeout=10)
    expect(
        made.status_code == 201,
        "POST /api/v2/products with an Idempotency-Key on A",
        expected="201",
        response=made,
    )
    again = httpx.post(f"{second.url}{V2}/products", json=body, headers=headers, timeout=10)
    expect(
        again.status_code in (200, 201) and again.json().get("id") == made.json().get("id"),
        "the same POST with the same Idempotency-Key, retried on backend B, should answer "
        f"the product A created (id {made.json().get('id')})",
        expected="the first product, created once",
        response=again,
    )
    count = deployment.count("products", "name = ?", body["name"])
    expect(
        count == 1, f"{count} products named {body['name']!r} exist after the retry", expected="one"
    )
