"""Stage 3: ids in paths are integers from 1 up."""

import pytest

from checks.stage_03.shop import create_product
from checks.support import expect_json, expect_status, fail, todo
from checks.support.answers import expect_invalid
from checks.support.openapi import parameter


def _has_lower_bound(app, method, path, name):
    found = parameter(app, method, path, name) or {}
    schema = found.get("schema", {})
    return "minimum" in schema or "exclusiveMinimum" in schema


def _refuses_ids_below_one(client, app, data, method, path, name):
    for bad in (0, -data.integer(1, 9_999)):
        response = client.request(method.upper(), path.replace(f"{{{name}}}", str(bad)))
        if response.status_code != 422 and not _has_lower_bound(app, method, path, name):
            todo(
                f"{method.upper()} {path} still takes {name} = {bad}: the path parameter "
                "has no lower bound yet"
            )
        expect_invalid(
            response,
            ["path", name],
            f"{method.upper()} {path} should refuse {name} = {bad} with 422: "
            "ids start at 1, so no record can have it",
        )


@pytest.mark.req("3.1")
def test_product_ids_below_one_are_refused(client, app, data):
    """GET /products/0 and /products/-n answer 422; real and unknown ids still 200 and 404."""
    _refuses_ids_below_one(client, app, data, "get", "/products/{product_id}", "product_id")
    product = create_product(client, data)
    # The first product of a fresh app has id 1: the bound must let it through.
    response = client.get(f"/products/{product['id']}")
    expect_status(response, 200, f"GET /products/{product['id']} should still find the product")
    expect_json(response, {"id": product["id"], "name": product["name"]})
    unknown = product["id"] + data.integer(1, 9_999)
    response = client.get(f"/products/{unknown}")
    expect_status(response, 404, "an id of 1 or more that names no product is still a 404")


@pytest.mark.req("3.1")
def test_delete_refuses_ids_below_one(client, app, data):
    """DELETE /products/0 and /products/-n answer 422; a real id still deletes with 204."""
    product = create_product(client, data)
    _refuses_ids_below_one(client, app, data, "delete", "/products/{product_id}", "product_id")
    response = client.delete(f"/products/{product['id']}")
    expect_status(response, 204, f"DELETE /products/{product['id']} should still delete it")
    response = client.get(f"/products/{product['id']}")
    expect_status(response, 404, "the deleted product should be gone")


@pytest.mark.req("3.1")
def test_user_ids_below_one_are_refused(client, app, data):
    """GET /users/0 and /users/-n answer 422; real and unknown ids still 200 and 404."""
    _refuses_ids_below_one(client, app, data, "get", "/users/{user_id}", "user_id")
    user = {"username": data.username(), "email": data.email(), "password": data.password()}
    response = client.post("/users", json=user)
    if response.status_code not in (200, 201):
        fail(
            "POST /users did not create the user, so this cannot be checked yet",
            expected="status 201 and the created user",
            response=response,
        )
    user_id = response.json()["id"]
    response = client.get(f"/users/{user_id}")
    expect_status(response, 200, f"GET /users/{user_id} should still find the user")
    expect_json(response, {"id": user_id, "username": user["username"]})
    response = client.get(f"/users/{user_id + data.integer(1, 9_999)}")
    expect_status(response, 404, "an id of 1 or more that names no user is still a 404")
