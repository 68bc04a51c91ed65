"""Stage 4: POST /products and POST /users store through the repository.

These checks read what was stored straight from the app's repository, so they
stand on 4.1 alone; reading back through GET is requirement 4.3's."""

import pytest

from checks.stage_04.shop import app_repository, as_dict, stored_products
from checks.support import body_of, expect, fail
from checks.support.answers import expect_created, expect_invalid, show
from checks.support.shop import Shop, full_product, new_user, public


@pytest.mark.req("4.2")
def test_create_product_stores_it_in_the_repository(client, data):
    """POST /products answers 201 + Location, and the product is in the app's repository."""
    shop = Shop(client, data)
    created = []
    for _ in range(data.integer(2, 4)):
        body = full_product(data)
        response = shop.post("/products", json=body)
        created.append((response, expect_created(response, body, "products")))
    products = [product for _, product in created]
    expect(
        [p["id"] for p in products] == list(range(1, len(products) + 1)),
        f"the new products got the ids {[p['id'] for p in products]}",
        expected=f"the ids {list(range(1, len(products) + 1))}, given by the repository",
    )
    stored = app_repository().products
    for response, product in created:
        record = stored.get(product["id"])
        expect(
            record is not None and as_dict(record, "get") == product,
            f"product {product['id']} was answered but is not in the app's repository: "
            "create_product should store it with repository.products.add(…)",
            expected=f"repository.products.get({product['id']}) to be {show(product)}",
            response=response,
            got=f"repository.products.get({product['id']}) is {record!r}",
        )


@pytest.mark.req("4.2")
def test_create_user_stores_it_without_the_password(client, data):
    """POST /users answers 201 + Location, and the user (no password) is in the repository."""
    shop = Shop(client, data)
    users = []
    for _ in range(data.integer(2, 3)):
        body = new_user(data)
        response = shop.post("/users", json=body)
        answered = body_of(response)
        if isinstance(answered, dict) and "password" in answered:
            fail(
                "POST /users answered with the password: it never leaves the server",
                expected=show(public(body, answered.get("id"))),
                response=response,
            )
        shown = {key: body[key] for key in ("username", "email")}
        users.append((response, expect_created(response, shown, "users")))
    stored = app_repository().users
    for response, user in users:
        record = stored.get(user["id"])
        expect(
            record is not None and as_dict(record, "get") == user,
            f"user {user['id']} was answered but is not in the app's repository (or is kept "
            "with more than the public fields): create_user should store it with "
            "repository.users.add(username=…, email=…)",
            expected=f"repository.users.get({user['id']}) to be {show(user)}",
            response=response,
            got=f"repository.users.get({user['id']}) is {record!r}",
        )


@pytest.mark.req("4.2")
def test_a_client_cannot_choose_the_id(client, data):
    """A create whose body carries "id" answers 422 and creates nothing; the server picks ids."""
    shop = Shop(client, data)
    first = shop.create_product()
    foreign = first["id"] + data.integer(10, 999)
    response = shop.post("/products", json=full_product(data, id=foreign))
    expect_invalid(
        response,
        ["body", "id"],
        f'POST /products with "id": {foreign} should answer 422: ids are the server\'s to give',
    )
    response = shop.post("/users", json={**new_user(data), "id": foreign})
    expect_invalid(
        response,
        ["body", "id"],
        f'POST /users with "id": {foreign} should answer 422: ids are the server\'s to give',
    )
    stored = stored_products()
    expect(
        stored == [first],
        "a refused create stored something in the repository",
        expected=f"repository.products.all() to hold only product {first['id']}",
        response=response,
        got=f"the products with ids {[p.get('id') for p in stored]}",
    )
    second = shop.create_product()
    expect(
        second["id"] == first["id"] + 1,
        f"after a refused create, the next product got the id {second['id']}",
        expected=f"the id {first['id'] + 1}",
    )
