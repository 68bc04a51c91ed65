"""Stage 5: the repository comes from get_repository, so it can be swapped."""

import pytest

from checks.stage_05.shop import (
    another_repository,
    app_repository,
    call,
    new_product,
    override,
    seed_product,
    seed_user,
    stored,
)
from checks.support import body_of, expect, fail
from checks.support.answers import created, sent, show
from checks.support.shop import new_user

IGNORED = (
    "it answered from another repository than the one get_repository was overridden "
    "with: the route must take `repository: RepositoryDep` and use that parameter, not the "
    "module's own repository"
)


def _expect_answer(response, status, body, why):
    """The route answered `status` and `body`, read from the overriding repository."""
    if response.status_code != status or (body is not None and body_of(response) != body):
        fail(
            f"{sent(response)} {why}: {IGNORED}",
            expected=f"status {status}" + (f" and {show(body)}" if body is not None else ""),
            response=response,
        )


@pytest.mark.req("5.1")
def test_get_repository_returns_the_one_repository(app):
    """get_repository() returns a Repository, the same one on every call."""
    repository = app_repository()
    expect(
        call("get_repository") is repository,
        "get_repository() returned a new Repository on its second call: each request would "
        "start from an empty shop. Create the Repository once, at import, and return it",
        expected="the same Repository object on every call",
    )


@pytest.mark.req("5.1")
def test_reads_come_from_the_overriding_repository(client, app, data):
    """With get_repository overridden, every read route answers from the other repository."""
    app_repository()
    other = another_repository()
    category = data.choice(["books", "garden", "toys"])
    products = [seed_product(other, data, category=category) for _ in range(data.integer(2, 3))]
    user = seed_user(other, data)
    override(app, "get_repository", lambda: other)

    _expect_answer(client.get("/products"), 200, products, "did not list its products")
    _expect_answer(
        client.get(f"/categories/{category}/products"), 200, products, "did not list its products"
    )
    for product in products:
        _expect_answer(
            client.get(f"/products/{product['id']}"), 200, product, "did not find the product"
        )
    _expect_answer(client.get("/users"), 200, [user], "did not list its user")
    _expect_answer(client.get(f"/users/{user['id']}"), 200, user, "did not find the user")


@pytest.mark.req("5.1")
def test_writes_go_to_the_overriding_repository(client, app, data):
    """With get_repository overridden, every write lands in the other repository only."""
    own = app_repository()
    other = another_repository()
    override(app, "get_repository", lambda: other)

    response = client.post("/products", json=new_product(data))
    product = created(response, "product")
    expect(
        product in stored(other.products),
        f"{sent(response)} did not store the product in the overriding repository: {IGNORED}",
        expected=f"the overriding repository to hold {show(product)}",
        response=response,
    )
    response = client.post("/users", json=new_user(data))
    user = created(response, "user")
    expect(
        user in stored(other.users),
        f"{sent(response)} did not store the user in the overriding repository: {IGNORED}",
        expected=f"the overriding repository to hold {show(user)}",
        response=response,
    )

    path = f"/products/{product['id']}"
    replaced = new_product(data)
    _expect_answer(
        client.put(path, json=replaced),
        200,
        {**product, **replaced, "description": None, "tags": []},
        "did not replace the product",
    )
    price = data.price()
    response = client.patch(f"{path}/price", json={"price": price})
    _expect_answer(response, 200, None, "did not find the product")
    name = data.product_name()
    _expect_answer(client.patch(path, json={"name": name}), 200, None, "did not find the product")
    expect(
        other.products.get(product["id"]).model_dump(mode="json")
        == {**product, **replaced, "description": None, "tags": [], "price": price, "name": name},
        "PUT, PATCH …/price and PATCH answered 200, but the product in the overriding "
        f"repository does not show their changes: {IGNORED}",
        expected=f"the product's price {price} and name {name!r} in the overriding repository",
    )
    _expect_answer(client.delete(path), 204, None, "did not delete the product")
    _expect_answer(client.delete(f"/users/{user['id']}"), 204, None, "did not delete the user")
    expect(
        stored(other.products) == [] and stored(other.users) == [],
        f"the DELETEs answered 204 but the overriding repository still holds records: {IGNORED}",
        expected="no product and no user left in the overriding repository",
    )
    expect(
        stored(own.products) == [] and stored(own.users) == [],
        "while get_repository was overridden, the app's own repository was written to: " + IGNORED,
        expected="the app's own repository left empty",
    )


@pytest.mark.req("5.1")
def test_idempotency_keys_live_in_the_overriding_repository(client, app, data):
    """With get_repository overridden, an Idempotency-Key used there is unknown to the app's own."""
    own = app_repository()
    other = another_repository()
    key, body = f"{data.token(8)}-{data.token(8)}", new_product(data)
    headers = {"Idempotency-Key": key}

    override(app, "get_repository", lambda: other)
    first = created(client.post("/products", json=body, headers=headers), "product")
    response = client.post("/products", json=body, headers=headers)
    expect(
        response.status_code == 201
        and body_of(response) == first
        and len(other.products.all()) == 1,
        f"{sent(response)}, a retry with the same Idempotency-Key, should answer the product "
        "it created and create nothing",
        expected=f"status 201 and {show(first)}",
        response=response,
    )

    app.dependency_overrides.clear()
    response = client.post("/products", json=body, headers=headers)
    mine = created(response, "product")
    expect(
        mine in stored(own.products),
        f"{sent(response)} sent to the app's own repository, with a key only the overriding "
        "one has seen, should create the product there. It answered without the app's "
        "repository holding it: the keys are kept outside the repository (a module-level "
        "dict), so an override does not reach them. Keep them in the Repository "
        "(repository.created_by_key)",
        expected=f"the app's own repository to hold {show(mine)}",
        response=response,
    )
