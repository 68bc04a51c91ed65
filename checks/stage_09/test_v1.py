"""Stage 9, requirement 9.2: /api/v1 is the stage 8 API, unchanged, and the
stage 8 paths answer 308 Permanent Redirect to it.

v1's clients were written against stage 8: the same statuses, bodies, errors
and headers, only under /api/v1."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import pytest

from checks.stage_09.shop import (
    ENVIRONMENT,
    V1,
    add_product,
    missing,
    product_body,
    still_to_do,
)
from checks.support import body_of, expect, expect_header, expect_status, todo
from checks.support.accounts import (
    BAD_CREDENTIALS,
    admin,
    expect_unauthorized,
    login,
    login_response,
    member,
)
from checks.support.answers import sent, show
from checks.support.shop import new_user

pytestmark = pytest.mark.env(**ENVIRONMENT)

USER_KEYS = {"id", "username", "email", "is_admin"}
PRODUCT_KEYS = {"id", "name", "price", "description", "category", "tags", "stock"}
ORDER_KEYS = {"id", "product_id", "quantity"}
TAKEN = {"detail": "Username or email already registered"}
PRODUCT_NOT_FOUND = {"detail": "Product not found"}
USER_NOT_FOUND = {"detail": "User not found"}
ORDER_NOT_FOUND = {"detail": "Order not found"}
NOT_ENOUGH_STOCK = {"detail": "Not enough stock"}
HAS_ORDERS = {"detail": "Product has orders"}


def _answer(response, status: int, body=None, why: str = "", keys: set[str] | None = None):
    """`status`, and the body `body` exactly (or a JSON object with exactly `keys`)."""
    request = sent(response)
    shape = f"status {status}" + (f" and {show(body)}" if body is not None else "")
    if keys is not None:
        shape += f" with the fields {', '.join(sorted(keys))}"
    expect(
        response.status_code == status,
        why or f"{request} should answer as it did in stage 8",
        expected=shape,
        response=response,
    )
    found = body_of(response) if response.content else None
    if body is not None:
        expect(
            found == body,
            f"{request} answered {response.status_code} with another body than stage 8's",
            expected=shape,
            response=response,
        )
    if keys is not None:
        expect(
            isinstance(found, dict) and set(found) == keys,
            f"{request} answered a body with other fields than stage 8's: v1 keeps stage 8's "
            "models, so no client of v1 sees a change",
            expected=shape,
            response=response,
        )
    return found


def _located(response, collection: str, record: dict) -> None:
    where = expect_header(response, "Location")
    expect(
        urlsplit(where).path == f"{V1}/{collection}/{record['id']}",
        f"{sent(response)} answered Location: {where}: a v1 client follows it to the record, "
        "under /api/v1",
        expected=f"Location: {V1}/{collection}/{record['id']}",
        response=response,
    )


def _counted(response, what: str) -> list:
    expect_status(response, 200, f"{sent(response)} should answer 200 with a list of {what}")
    body = body_of(response)
    expect(
        isinstance(body, list),
        f"{sent(response)} answered something else than a JSON list: v1 keeps stage 8's lists",
        expected=f"a JSON list of {what}",
        response=response,
    )
    expect_header(response, "X-Total-Count")
    return body


def _v1_present(client) -> None:
    response = client.get(f"{V1}/products")
    if response.status_code == 404:
        missing(
            "9.2",
            "GET /api/v1/products answers 404: the stage 8 routes are not under /api/v1 yet",
            expected="the stage 8 API under /api/v1",
            response=response,
        )


@pytest.mark.req("9.2")
def test_v1_users_and_logins_answer_as_in_stage_8(client, data):
    """Sign-up (201 + Location), 409, login, 401, /users/me, users by id, 404, password change."""
    _v1_present(client)
    body = new_user(data)
    response = client.post(f"{V1}/users", json=body)
    user = _answer(response, 201, keys=USER_KEYS)
    _located(response, "users", user)
    expect(
        user["username"] == body["username"] and user["email"] == body["email"],
        f"POST {V1}/users answered another user than the one sent",
        expected=show({"id": "<an integer>", **{k: body[k] for k in ("username", "email")}}),
        response=response,
    )
    _answer(
        client.post(f"{V1}/users", json={**new_user(data), "username": body["username"]}),
        409,
        TAKEN,
    )
    wrong = login_response(client, body["username"], "not-the-password", prefix=V1)
    expect_unauthorized(wrong, "a wrong password", BAD_CREDENTIALS)
    from checks.support.accounts import Account

    account = login(
        client, Account(user["id"], body["username"], body["password"]), "9.2", prefix=V1
    )
    token = body_of(login_response(client, body["username"], body["password"], prefix=V1))
    expect(
        set(token) == {"access_token", "token_type"} and token["token_type"] == "bearer",
        f"POST {V1}/auth/token should answer stage 8's token response",
        expected='{"access_token": "<a JWT>", "token_type": "bearer"}',
    )
    _answer(client.get(f"{V1}/users/me", headers=account.headers), 200, user)
    _answer(client.get(f"{V1}/users/{user['id']}", headers=account.headers), 200, user)
    other = member(client, data, prefix=V1)
    _answer(client.get(f"{V1}/users/{other.id}", headers=account.headers), 404, USER_NOT_FOUND)
    _answer(client.get(f"{V1}/users", headers=account.headers), 403)
    change = {"current_password": body["password"], "new_password": data.password()}
    _answer(client.put(f"{V1}/users/me/password", json=change, headers=account.headers), 204)
    expect_unauthorized(
        client.get(f"{V1}/users/me", headers=account.headers),
        "a token issued before the password changed",
    )
    boss = admin(client, prefix=V1, requirement="9.2")
    listed = _counted(
        client.get(f"{V1}/users", params={"limit": 100}, headers=boss.headers), "users"
    )
    expect(
        [u.get("id") for u in listed if isinstance(u, dict)][-2:] == [user["id"], other.id],
        f"GET {V1}/users as the admin should list the users oldest first",
        expected=f"the users, ending with {user['id']} and {other.id}",
        got=show(listed),
    )
    _answer(client.delete(f"{V1}/users/{other.id}", headers=other.headers), 204)


@pytest.mark.req("9.2")
def test_v1_products_answer_as_in_stage_8(client, data):
    """Create (201 + Location), read, list (X-Total-Count), update, reprice, 404, 422, delete."""
    _v1_present(client)
    boss = admin(client, prefix=V1, requirement="9.2")
    body = product_body(data, description=None, category="garden")
    response = client.post(f"{V1}/products", json=body, headers=boss.headers)
    product = _answer(response, 201, keys=PRODUCT_KEYS)
    _located(response, "products", product)
    expect(
        product == {**body, "id": product["id"]},
        f"POST {V1}/products answered another product than the one sent (a v1 price is a "
        "JSON number, as in stage 8)",
        expected=show({**body, "id": "<an integer>"}),
        response=response,
    )
    path = f"{V1}/products/{product['id']}"
    _answer(client.get(path), 200, product)
    listed = _counted(client.get(f"{V1}/products", params={"limit": 100}), "products")
    expect(
        product in listed,
        f"GET {V1}/products does not list the new product",
        expected=show(product),
    )
    _counted(client.get(f"{V1}/categories/garden/products"), "products")
    repriced = _answer(
        client.patch(f"{path}/price", json={"price": 9.5}, headers=boss.headers), 200
    )
    expect(
        isinstance(repriced, dict) and repriced.get("price") == 9.5,
        f'PATCH {path}/price with {{"price": 9.5}} should answer the product priced 9.5, a '
        "JSON number as in stage 8",
        expected='"price": 9.5',
        got=show(repriced),
    )
    batch = {"changes": [{"product_id": product["id"], "price": 7.25}]}
    changed = _answer(
        client.post(f"{V1}/products/price-changes", json=batch, headers=boss.headers), 200
    )
    expect(
        isinstance(changed, list) and changed and changed[0].get("price") == 7.25,
        f"POST {V1}/products/price-changes should answer the repriced products",
        expected='[{"price": 7.25, …}]',
        got=show(changed),
    )
    renamed = {"name": data.product_name()}
    patched = _answer(
        client.patch(path, json=renamed, headers=boss.headers), 200, keys=PRODUCT_KEYS
    )
    expect(
        patched["name"] == renamed["name"],
        f"PATCH {path} should rename the product",
        expected=show(renamed),
    )
    invalid = client.post(f"{V1}/products", json={**body, "price": -1}, headers=boss.headers)
    expect(
        invalid.status_code == 422
        and invalid.headers.get("content-type", "").startswith("application/json")
        and isinstance(body_of(invalid).get("detail"), list),
        f"POST {V1}/products with a price of -1 should answer stage 8's 422, "
        '{"detail": [{"loc": […], "msg": …, "type": …}]}',
        expected='422 application/json {"detail": [{"loc": ["body", "price"], …}]}',
        response=invalid,
    )
    _answer(client.delete(path, headers=boss.headers), 204)
    _answer(client.get(path), 404, PRODUCT_NOT_FOUND)


@pytest.mark.req("9.2")
def test_v1_orders_and_admin_lists_answer_as_in_stage_8(client, data):
    """Orders (201 + Location, stock, 409, own list, another's is 404), /outbox and /audit."""
    _v1_present(client)
    boss = admin(client, prefix=V1, requirement="9.2")
    product = add_product(client, boss, data, prefix=V1, requirement="9.2", stock=5)
    buyer, stranger = member(client, data, prefix=V1), member(client, data, prefix=V1)
    order_body = {"product_id": product["id"], "quantity": 2}
    response = client.post(f"{V1}/orders", json=order_body, headers=buyer.headers)
    if response.status_code == 404 and still_to_do("9.1"):
        todo(f"{sent(response)} answers 404: v1's orders router is still to do (requirement 9.1)")
    order = _answer(response, 201, keys=ORDER_KEYS)
    _located(response, "orders", order)
    stock = body_of(client.get(f"{V1}/products/{product['id']}")).get("stock")
    expect(
        stock == 3,
        f"after an order of 2 from a stock of 5, the stock is {stock}",
        expected="stock 3",
    )
    too_many = {"product_id": product["id"], "quantity": 4}
    _answer(
        client.post(f"{V1}/orders", json=too_many, headers=buyer.headers), 409, NOT_ENOUGH_STOCK
    )
    mine = _counted(client.get(f"{V1}/orders", headers=buyer.headers), "orders")
    expect(
        mine == [order],
        f"GET {V1}/orders should list the buyer's one order",
        expected=show([order]),
    )
    _answer(client.get(f"{V1}/orders/{order['id']}", headers=buyer.headers), 200, order)
    _answer(
        client.get(f"{V1}/orders/{order['id']}", headers=stranger.headers), 404, ORDER_NOT_FOUND
    )
    _answer(client.delete(f"{V1}/products/{product['id']}", headers=boss.headers), 409, HAS_ORDERS)
    for path in ("/outbox", "/audit"):
        _answer(client.get(f"{V1}{path}", headers=buyer.headers), 403)
        _counted(client.get(f"{V1}{path}", params={"limit": 5}, headers=boss.headers), "entries")


# (method, stage 8 path, query) of requests to the old paths.
OLD = (
    ("GET", "/products", {"limit": "3", "q": "Straße lamp"}),
    ("GET", "/products/5", {}),
    ("PUT", "/products/5", {}),
    ("PATCH", "/products/5/price", {"dry_run": "true"}),
    ("POST", "/products/price-changes", {}),
    ("GET", "/categories/books/products", {"tag": ["gift", "eco"], "min_price": "2.5"}),
    ("POST", "/orders", {}),
    ("GET", "/orders/7", {}),
    ("GET", "/users/me", {}),
    ("DELETE", "/users/3", {}),
    ("POST", "/users", {}),
    ("POST", "/auth/token", {}),
    ("PUT", "/users/me/password", {}),
    ("GET", "/outbox", {"limit": "1"}),
    ("GET", "/audit", {"offset": "2"}),
)


@pytest.mark.req("9.2")
def test_the_stage_8_paths_redirect_to_v1_and_nothing_else_does(client, data):
    """Stage 8's paths answer 308 to /api/v1, query kept, a POST followed stays one; no other."""
    _old_paths_redirect(client)
    _a_followed_redirect_keeps_the_method(client, data)
    _the_rest_stays(client, data)


def _old_paths_redirect(client) -> None:
    for method, path, query in OLD:
        url = f"{path}?{urlencode(query, doseq=True)}" if query else path
        response = client.request(method, url, follow_redirects=False)
        if response.status_code == 404:
            missing(
                "9.2",
                f"{method} {url} answers 404: the stage 8 paths should answer 308 Permanent "
                "Redirect to /api/v1, so that the clients written for stage 8 find the API",
                expected=f"308 with Location: {V1}{url}",
                response=response,
            )
        expect(
            response.status_code == 308,
            f"{sent(response)} answered {response.status_code}: the stage 8 paths moved to "
            "/api/v1 for good, which is 308 Permanent Redirect (301 and 302 let a client turn a "
            "POST into a GET; 307 says the move is temporary)",
            expected=f"308 with Location: {V1}{url}",
            response=response,
        )
        location = urlsplit(expect_header(response, "Location"))
        raw = urlsplit(str(response.request.url))
        expect(
            location.path == V1 + path and location.query == raw.query,
            f"{sent(response)} redirects to {response.headers['location']}: the same path and "
            "query string under /api/v1",
            expected=f"Location: {V1}{path}" + (f"?{raw.query}" if raw.query else ""),
            response=response,
        )


def _a_followed_redirect_keeps_the_method(client, data) -> None:
    body = new_user(data)
    response = client.post("/users", json=body)  # the test client follows redirects
    history = [r.status_code for r in response.history]
    if history != [308]:
        missing(
            "9.2",
            f"POST /users answered {history or response.status_code} before its final answer: "
            "the old path should answer one 308 to /api/v1/users",
            expected="308, then 201 from POST /api/v1/users",
            response=response,
        )
    expect(
        response.status_code == 201 and response.request.method == "POST",
        "a client that followed the 308 from POST /users did not create the user",
        expected=f"201 from POST {V1}/users, the body sent again",
        response=response,
    )
    logged = login_response(client, body["username"], body["password"])
    expect(
        logged.status_code == 200 and "access_token" in body_of(logged),
        "POST /auth/token followed through its 308 should log the user in (the form is sent again)",
        expected="200 and a token",
        response=logged,
    )


def _the_rest_stays(client, data) -> None:
    for path in ("/", "/health", "/docs", "/openapi.json"):
        response = client.get(path, follow_redirects=False)
        expect(
            response.status_code == 200,
            f"{sent(response)} answered {response.status_code}: only the stage 8 resources "
            "moved to /api/v1; the welcome, the probe and the docs stay where they are",
            expected="status 200",
            response=response,
        )
    for path in (
        f"/{data.token(8)}",
        "/productsandmore",
        "/api/v3/products",
        f"{V1}/{data.token(6)}",
    ):
        response = client.get(path, follow_redirects=False)
        expect(
            response.status_code == 404,
            f"{sent(response)} answered {response.status_code}: a path that is no stage 8 "
            "resource is unknown, and stays a 404",
            expected="status 404",
            response=response,
        )
