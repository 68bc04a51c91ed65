"""Stage 7, requirements 7.6 and 7.7: an audit entry for every write, written by
a background task after the response (GET /audit lists them)."""

from typing import Any

import pytest

from checks.stage_07.shop import audit_log, entries, new_product, show_entries, signup, watch_tasks
from checks.support import body_of, expect, expect_status, fail, todo
from checks.support.answers import created, sent
from checks.support.matchers import is_timestamp
from checks.support.shop import new_user
from checks.support.tasks import todo_in_logs


@pytest.mark.req("7.6")
def test_the_audit_log_starts_empty(client):
    """GET /audit answers 200 [] before anything has been written."""
    response = client.get("/audit")
    expect_status(response, 200, "GET /audit should answer 200 with the audit entries")
    expect(
        body_of(response) == [],
        "GET /audit lists entries before anything was written",
        expected="[]",
        response=response,
    )


@pytest.mark.req("7.6")
def test_a_signup_is_audited_by_a_second_task_after_the_response(client, data, monkeypatch, caplog):
    """POST /users: no audit entry when it answers; once its tasks run, ("create", "user", id)."""
    watch = watch_tasks(monkeypatch, client, hold=True)
    user = signup(client, data)
    early = entries(audit_log(client))
    expect(
        not early,
        f"the audit entry was already there when POST /users answered ({show_entries(early)}), "
        "with the background tasks held back: the request wrote it itself. Write it from a "
        "background task (audit.record(...) schedules write_audit_entry)",
        expected="no entry yet: the audit entry is written after the response",
        response=client.last_response,
    )
    watch.run_held()
    log = audit_log(client)
    if not log and not [item for item in watch.scheduled if item.name != "send_welcome_email"]:
        todo_in_logs(caplog)
        todo("POST /users does not record an audit entry yet")
    expect(
        entries(log) == [("create", "user", user["id"])],
        f"after the tasks of POST /users ran, GET /audit holds {show_entries(entries(log))}",
        expected=f'[{{"action": "create", "resource": "user", "resource_id": {user["id"]}, …}}]',
        response=client.last_response,
    )
    expect(
        is_timestamp(log[0].get("created_at")) and isinstance(log[0].get("id"), int),
        "an audit entry should have an integer id and the date and time it was written",
        expected='{"id": <an integer>, "created_at": "2026-01-31T12:00:00…", …}',
        response=client.last_response,
    )


@pytest.mark.req("7.6")
def test_the_audit_log_lists_oldest_first_and_pages(client, data, monkeypatch):
    """Three signups: GET /audit lists their entries oldest first; limit and offset page it."""
    watch_tasks(monkeypatch, client)
    users = [signup(client, data) for _ in range(3)]
    log = entries(audit_log(client))
    if not log:
        todo("POST /users does not write an audit entry yet")
    wanted = [("create", "user", user["id"]) for user in users]
    expect(
        log == wanted,
        f"after three signups GET /audit holds {show_entries(log)}",
        expected=show_entries(wanted),
        response=client.last_response,
    )
    response = client.get("/audit", params={"limit": 1, "offset": 2})
    expect_status(response, 200, "GET /audit takes limit and offset")
    expect(
        entries(body_of(response)) == wanted[2:],
        "GET /audit?limit=1&offset=2 should list only the third entry",
        expected=show_entries(wanted[2:]),
        response=response,
    )


def _write(client, watch, baseline, method: str, path: str, **kwargs):
    """Send one write with the tasks held back, so that nothing can be audited
    but by the request itself; returns the response and the tasks it scheduled."""
    mark = watch.mark()
    response = client.request(method, path, **kwargs)
    expect(
        response.status_code < 400,
        f"{method} {path} failed, so its audit entry cannot be checked",
        expected="the write succeeds (earlier stages' requirements)",
        response=response,
    )
    now = entries(audit_log(client))
    if now != baseline:
        fail(
            f"{method} {path} wrote the audit entry {show_entries(now[len(baseline) :])} in "
            "the request itself: it was there when the response arrived, with the background "
            "tasks held back. Record it with audit.record(...), which schedules a task",
            expected="the entry written by a background task, after the response",
            response=response,
        )
    return response, watch.since(mark)


@pytest.mark.req("7.7")
def test_every_write_is_audited_after_the_response(client, data, monkeypatch, caplog):
    """Each write adds its entry from a background task: products, prices, orders, deletes."""
    watch = watch_tasks(monkeypatch, client, hold=True)
    user = signup(client, data)
    watch.run_held()
    baseline = entries(audit_log(client))
    if not baseline:
        todo_in_logs(caplog)
        todo("POST /users does not write an audit entry yet (requirement 7.6)")
    writes = []

    def write(method: str, path: str, body: Any, *wanted: tuple[str, str, int]) -> Any:
        response, tasks = _write(client, watch, baseline, method, path, json=body)
        writes.append((response, tasks, list(wanted)))
        return response

    first = created(write("POST", "/products", new_product(data)), "product")
    writes[-1][2].append(("create", "product", first["id"]))
    second = created(write("POST", "/products", new_product(data)), "product")
    writes[-1][2].append(("create", "product", second["id"]))
    one, two = first["id"], second["id"]
    write("PUT", f"/products/{one}", new_product(data), ("update", "product", one))
    write("PATCH", f"/products/{one}", {"name": data.product_name()}, ("update", "product", one))
    write("PATCH", f"/products/{one}/price", {"price": data.price()}, ("update", "product", one))
    changes = [
        {"product_id": two, "price": data.price()},
        {"product_id": one, "price": data.price()},
    ]
    write(
        "POST",
        "/products/price-changes",
        {"changes": changes},
        ("update", "product", two),
        ("update", "product", one),
    )
    order = created(write("POST", "/orders", {"product_id": two, "quantity": 1}), "order")
    writes[-1][2].append(("create", "order", order["id"]))
    write("DELETE", f"/products/{one}", None, ("delete", "product", one))
    write("DELETE", f"/users/{user['id']}", None, ("delete", "user", user["id"]))
    if not any(tasks for _, tasks, _ in writes):
        todo("the product, price, order and delete routes do not record audit entries yet")
    watch.run_held()
    log = entries(audit_log(client))
    expected = baseline + [item for _, _, wanted in writes for item in wanted]
    added = log[len(baseline) :]
    position = 0
    for response, _, wanted in writes:
        got = added[position : position + len(wanted)]
        if got != wanted:
            fail(
                f"{sent(response)} should add {show_entries(wanted)} to the audit log, after "
                f"the entries of the writes before it; after all the writes GET /audit holds "
                f"{show_entries(log)}",
                expected=show_entries(expected),
                response=client.last_response,
            )
        position += len(wanted)
    expect(
        log == expected,
        f"after the writes GET /audit holds {show_entries(log)}",
        expected=show_entries(expected),
        response=client.last_response,
    )


@pytest.mark.req("7.7")
def test_reads_dry_runs_replays_and_failed_writes_are_not_audited(
    client, data, monkeypatch, caplog
):
    """GETs, a dry run, an idempotent replay, 404s, 409s and 422s add no audit entry."""
    watch_tasks(monkeypatch, client)
    key = f"key-{data.token(12)}"
    body = new_product(data)
    product = created(
        client.post("/products", json=body, headers={"Idempotency-Key": key}), "product"
    )
    log = entries(audit_log(client))
    if ("create", "product", product["id"]) not in log:
        todo_in_logs(caplog)
        todo("POST /products does not write an audit entry yet")
    pid, missing = product["id"], product["id"] + data.integer(1_000, 9_999)
    empty = created(client.post("/products", json={**new_product(data), "stock": 0}), "product")
    ordered = created(client.post("/products", json=new_product(data)), "product")
    created(client.post("/orders", json={"product_id": ordered["id"], "quantity": 1}), "order")
    log = entries(audit_log(client))
    requests = [
        ("GET", f"/products/{pid}", {}),
        ("GET", "/products", {}),
        ("GET", f"/users/{missing}", {}),
        (
            "PATCH",
            f"/products/{pid}/price",
            {"json": {"price": data.price()}, "params": {"dry_run": "true"}},
        ),
        ("POST", "/products", {"json": body, "headers": {"Idempotency-Key": key}}),
        ("PUT", f"/products/{missing}", {"json": new_product(data)}),
        ("PATCH", f"/products/{missing}", {"json": {"name": data.product_name()}}),
        ("PATCH", f"/products/{missing}/price", {"json": {"price": data.price()}}),
        (
            "POST",
            "/products/price-changes",
            {
                "json": {
                    "changes": [
                        {"product_id": pid, "price": 1.5},
                        {"product_id": missing, "price": 2.5},
                    ]
                }
            },
        ),
        ("DELETE", f"/products/{missing}", {}),
        ("DELETE", f"/users/{missing}", {}),
        ("DELETE", f"/products/{ordered['id']}", {}),
        ("POST", "/orders", {"json": {"product_id": empty["id"], "quantity": 1}}),
        ("POST", "/products", {"json": {**new_product(data), "price": -1}}),
        ("PATCH", f"/products/{pid}", {"json": {"price": -1}}),
        ("POST", "/users", {"json": {**new_user(data), "email": "nope"}}),
    ]
    for method, path, kwargs in requests:
        response = client.request(method, path, **kwargs)
        after = entries(audit_log(client))
        if after != log:
            fail(
                f"{method} {path} answered {response.status_code} and added the audit entry "
                f"{show_entries(after[len(log) :])}: only a write that changed something is "
                "audited (a read, a dry run, a replay or a request that fails changes nothing)",
                expected=f"GET /audit unchanged: {show_entries(log)}",
                response=response,
            )
