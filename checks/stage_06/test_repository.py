"""Stage 6: stage 4's routes answer as before, and what they answer is what the
tables hold: the checks read the rows with their own connection."""

import pytest

from checks.stage_06.shop import shop_in_database as _shop
from checks.stage_06.shop import stored_user
from checks.support import body_of, expect, expect_status, fail
from checks.support.answers import (
    expect_answer,
    expect_created,
    expect_listed,
    expect_location,
    expect_no_body,
)
from checks.support.matchers import ANY_ID
from checks.support.shop import (
    PRODUCT_DEFAULTS,
    PRODUCT_NOT_FOUND,
    USER_NOT_FOUND,
    expect_row,
    full_product,
    new_user,
    public,
)


def _with_stock(expected, response):
    """`expected`, with the stock the app answered, once products have one (6.5)."""
    answered = body_of(response)
    if isinstance(answered, dict) and "stock" in answered:
        return {**expected, "stock": answered["stock"]}
    return expected


@pytest.mark.req("6.3")
def test_created_records_are_rows_in_the_tables(app, client, data, database_url):
    """POST /products and POST /users answer 201 + Location; the rows hold what they answered."""
    shop, database, _ = _shop(app, client, data, database_url)
    for _ in range(data.integer(2, 4)):
        # No stock: 6.3 comes before 6.5, which adds it.
        body = full_product(data)
        response = shop.post("/products", json=body)
        expect_status(response, 201, "POST /products should answer 201 Created")
        why = "POST /products does not answer the product that was sent, with its new id"
        product = expect_answer(response, 201, _with_stock({**body, "id": ANY_ID}, response), why)
        expect_location(response, f"/products/{product['id']}")
        expect_row(database, product, f"POST /products created product {product['id']}", response)
        shop.expect_stored(product, f"/products/{product['id']}", "POST /products")
    for _ in range(2):
        body = new_user(data)
        response = shop.post("/users", json=body)
        why = "POST /users should answer 201 Created with the user (without the password)"
        user = expect_created(response, public(body, ANY_ID), "/users", why)
        rows = database.rows("SELECT * FROM users WHERE id = ?", user["id"])
        expect(
            len(rows) == 1 and {body["username"], body["email"]} <= {str(v) for v in rows[0]},
            f"POST /users created user {user['id']}, and the users table does not hold it",
            expected=f"a row with id {user['id']}, username {body['username']!r} and email "
            f"{body['email']!r}",
            response=response,
            got=f"{rows}",
        )
        expect(
            body["password"] not in {str(value) for value in rows[0]},
            "the users table holds the password as it was sent: a secret never stored "
            "cannot leak (logins and hashing arrive in stage 8)",
            expected="no column with the password",
            response=response,
        )
        shop.expect_stored(user, f"/users/{user['id']}", "POST /users")


@pytest.mark.req("6.3")
def test_a_product_with_only_its_required_fields_gets_the_defaults(app, client, data, database_url):
    """POST /products with only a name and a price answers 201 with every default."""
    shop, database, _ = _shop(app, client, data, database_url)
    body = {"name": data.product_name(), "price": data.price()}
    response = shop.post("/products", json=body)
    expect_status(
        response,
        201,
        "POST /products with only a name and a price should answer 201 Created: the other "
        "fields have defaults (a relationship left unset on a new row is loaded lazily "
        "after the INSERT, which async code cannot do)",
    )
    product = body_of(response)
    wanted = _with_stock({**body, **PRODUCT_DEFAULTS, "id": ANY_ID}, response)
    why = "POST /products does not answer the defaults for the fields left out"
    expect_answer(response, 201, wanted, why)
    expect_row(database, product, f"POST /products created product {product['id']}", response)


@pytest.mark.req("6.3")
def test_put_patch_and_delete_change_the_rows(app, client, data, database_url):
    """PUT, PATCH and DELETE change the row they answer about, and 404 for an id with none."""
    shop, database, _ = _shop(app, client, data, database_url)
    product = shop.create_product()
    path = f"/products/{product['id']}"

    body = full_product(data)
    response = shop.put(path, json=body)
    expect_status(response, 200, f"PUT {path} should answer 200 with the new product")
    replaced = _with_stock({**body, "id": product["id"]}, response)
    expect_answer(response, 200, replaced, f"PUT {path} should answer the whole new product")
    expect_row(database, replaced, f"PUT {path}", response)

    changes = {"price": data.price(), "name": f"Renamed {data.token(6)}"}
    response = shop.patch(path, json=changes)
    patched = {**replaced, **changes}
    expect_answer(response, 200, patched, f"PATCH {path} should change only the fields sent")
    expect_row(database, patched, f"PATCH {path}", response)
    shop.expect_stored(patched, path, f"PATCH {path}")

    response = shop.delete(path)
    expect_status(response, 204, f"DELETE {path} should answer 204 No Content")
    expect_no_body(response)
    message = f"DELETE {path} answered 204, and the row is still in the products table"
    database.expect_count("products", 0, message, "id = ?", product["id"], response=response)
    for method, kwargs in (
        ("GET", {}),
        ("PUT", {"json": body}),
        ("PATCH", {"json": changes}),
        ("DELETE", {}),
    ):
        response = shop.request(method, path, **kwargs)
        expect_answer(
            response,
            404,
            PRODUCT_NOT_FOUND,
            f"{method} {path} for a deleted product should answer 404",
        )

    user = stored_user(shop, database)
    response = shop.delete(f"/users/{user['id']}")
    expect_status(response, 204, f"DELETE /users/{user['id']} should answer 204 No Content")
    message = f"DELETE /users/{user['id']} answered 204, and the row is still in the users table"
    database.expect_count("users", 0, message, "id = ?", user["id"], response=response)
    response = shop.get(f"/users/{user['id']}")
    expect_answer(response, 404, USER_NOT_FOUND, "GET of a deleted user should answer 404")


@pytest.mark.req("6.3")
def test_lists_come_from_the_tables_oldest_first(app, client, data, database_url):
    """GET /products and GET /users list the rows by id, with paging and search as before."""
    shop, database, oldest = _shop(app, client, data, database_url)
    products = [oldest] + [shop.create_product() for _ in range(data.integer(3, 5))]
    # Change the oldest: PostgreSQL then keeps its row at the end of the table,
    # and a list without ORDER BY shows it last.
    first = products[0]
    response = shop.patch(f"/products/{first['id']}", json={"name": f"Renamed {data.token(6)}"})
    expect_status(response, 200, f"PATCH /products/{first['id']} should answer 200")
    products[0] = body_of(response)
    expect_listed(shop.get("/products"), products, "every product, oldest first (ORDER BY id)")
    expect_listed(
        shop.get("/products", params={"limit": 2, "offset": 1}),
        products[1:3],
        "two products after skipping the oldest",
    )
    word = data.search_term(products[2]["name"], 3, 6)
    expect_listed(
        shop.get("/products", params={"q": word}),
        [p for p in products if word.casefold() in p["name"].casefold()],
        f"the products whose name contains {word!r}, whatever the case",
    )
    users = [stored_user(shop, database) for _ in range(3)]
    expect_listed(shop.get("/users"), users, "every user, oldest first")
    message = "the products table holds other rows than the API lists"
    database.expect_count("products", len(products), message)


@pytest.mark.req("6.3")
def test_an_id_is_never_handed_out_twice(app, client, data, database_url):
    """After the newest product is deleted, the next one gets a new id, not the deleted one's."""
    shop, database, _ = _shop(app, client, data, database_url)
    products = [shop.create_product() for _ in range(3)]
    newest = products[-1]
    response = shop.delete(f"/products/{newest['id']}")
    expect_status(response, 204, f"DELETE /products/{newest['id']} should answer 204")
    again = shop.create_product()
    if again["id"] <= newest["id"]:
        fail(
            f"product {newest['id']} was deleted, and the next product got the id "
            f"{again['id']}: an id is handed out twice, so an old link or a cached copy now "
            "names another product. SQLite reuses the highest rowid unless the table is "
            'declared AUTOINCREMENT: __table_args__ = ({"sqlite_autoincrement": True},)',
            expected=f"an id above {newest['id']}",
            got=f"id {again['id']}",
        )
    expect_row(database, again, "POST /products")
