"""The few shop requests stage 10 sends through nginx: sign up, log in as
the first admin (FIRST_ADMIN_*, deployment.py), create a product."""

from __future__ import annotations

import uuid
from typing import Any

from checks.stage_10.deployment import ADMIN
from checks.support.deploy import traffic
from checks.support.failures import fail

V2 = "/api/v2"


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def signup_body(username: str | None = None) -> dict[str, str]:
    name = username or unique("user")
    return {"username": name, "email": f"{name}@example.com", "password": "stateless-replicas"}


def product_body(name: str | None = None) -> dict[str, Any]:
    return {"name": name or unique("Lamp"), "price": "12.50", "stock": 3}


def token(proxy: traffic.Proxy, username: str, password: str) -> str:
    answer = proxy.request(
        "POST", f"{V2}/auth/token", data={"username": username, "password": password}
    )
    if answer.status_code != 200:
        fail(
            f"logging in as {username} through nginx answered {answer.status_code}",
            expected="200 with an access token",
            response=answer,
        )
    return str(answer.json()["access_token"])


def admin_headers(proxy: traffic.Proxy) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(proxy, ADMIN['username'], ADMIN['password'])}"}
