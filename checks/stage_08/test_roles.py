"""Stage 8, requirement 8.6: the first admin comes from the settings, only
admins manage products and list users, and no request makes anyone an admin
(OWASP API5, broken function level authorization; API3, mass assignment)."""

import pytest

from checks.support import body_of, expect, expect_status
from checks.support.accounts import (
    ADMIN,
    FAST,
    Account,
    add_product,
    admin,
    login,
    login_response,
    member,
    stored_row,
)
from checks.support.answers import sent
from checks.support.client import RecordingClient
from checks.support.shop import new_product, new_user

pytestmark = pytest.mark.env(**FAST, **ADMIN)


@pytest.mark.req("8.6")
def test_the_first_admin_comes_from_the_settings(monkeypatch, reload_app, data, client):
    """With FIRST_ADMIN_* set, that admin exists at startup (once, across restarts)."""
    # A name of this check's own, set before the app starts again.
    client.get("/")  # the app as the fixtures started it (a stub's TODO shows here)
    login_response(client, ADMIN["FIRST_ADMIN_USERNAME"], ADMIN["FIRST_ADMIN_PASSWORD"])
    chosen = new_user(data)
    monkeypatch.setenv("FIRST_ADMIN_USERNAME", chosen["username"])
    monkeypatch.setenv("FIRST_ADMIN_EMAIL", chosen["email"])
    monkeypatch.setenv("FIRST_ADMIN_PASSWORD", chosen["password"])
    for _restart in range(2):  # the second start finds the admin and adds nobody
        with RecordingClient(reload_app()) as restarted:
            boss = login(restarted, Account(0, chosen["username"], chosen["password"]), "8.6")
            response = restarted.get("/users", headers=boss.headers, params={"limit": 100})
            expect_status(
                response,
                200,
                "GET /users as the admin named by FIRST_ADMIN_USERNAME should answer 200",
            )
            names = [item.get("username") for item in body_of(response) if isinstance(item, dict)]
            expect(
                names.count(chosen["username"]) == 1,
                f"GET /users lists the first admin {names.count(chosen['username'])} times",
                expected=f"{chosen['username']} once, however often the app starts",
                response=response,
            )


@pytest.mark.req("8.6")
def test_plain_users_cannot_manage_products_or_list_users(client, data):
    """As a plain user, product writes and GET /users are 403 and change nothing; as admin, 2xx."""
    boss, user = admin(client), member(client, data)
    product = add_product(client, data, boss)
    path = f"/products/{product['id']}"
    repricing = {"changes": [{"product_id": product["id"], "price": 2}]}
    writes = [
        ("POST", "/products", new_product(data, stock=20)),
        ("PUT", path, new_product(data, stock=20)),
        ("PATCH", path, {"name": data.product_name()}),
        ("PATCH", f"{path}/price", {"price": 1.5}),
        ("POST", "/products/price-changes", repricing),
        ("DELETE", path, None),
        ("GET", "/users", None),
    ]
    for method, url, body in writes:
        response = client.request(method, url, json=body, headers=user.headers)
        expect(
            response.status_code == 403,
            f"{sent(response)} as a signed-in user who is not an admin should answer 403 "
            "Forbidden: the user is known (so not 401), and not allowed"
            + (" (it was done!)" if response.status_code < 300 else ""),
            expected="status 403",
            response=response,
        )
    unchanged = client.get(path)
    expect(
        body_of(unchanged) == product,
        "a plain user's refused writes changed the product",
        expected=str(product),
        response=unchanged,
    )
    for method, url, body in writes:
        response = client.request(method, url, json=body, headers=boss.headers)
        expect(
            response.status_code < 300,
            f"{sent(response)} as the admin should succeed",
            expected="a 2xx status",
            response=response,
        )


@pytest.mark.req("8.6")
def test_a_signup_cannot_make_an_admin(client, data, database_url):
    """is_admin, id or hashed_password in POST /users are refused (422) or ignored, never stored."""
    chosen_id = 9_000 + data.integer(1, 999)
    for field, value in (("is_admin", True), ("id", chosen_id), ("hashed_password", "x")):
        body = new_user(data)
        response = client.post("/users", json={**body, field: value})
        if response.status_code == 422:
            continue  # refused outright (extra="forbid"): the best answer
        expect_status(
            response, 201, f"POST /users with {field} in the body: 422, or 201 ignoring it"
        )
        stored = stored_row(database_url, body["username"]).get(field)
        expect(
            stored in (0, False, None) if field == "is_admin" else stored != value,
            f"POST /users stored the {field} the client sent ({value!r}): a client chose its "
            f"own {field} (mass assignment). Build the row from UserCreate's own fields only",
            expected=f"422, or {field} ignored",
            response=response,
        )
        if field == "is_admin":
            user = login(client, Account(0, body["username"], body["password"]), "8.2")
            refused = client.get("/users", headers=user.headers)
            expect_status(refused, 403, "a user who sent is_admin: true at signup is no admin")
