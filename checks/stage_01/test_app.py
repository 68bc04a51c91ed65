"""Stage 1: the application object, its docs and the tags of its operations."""

import pytest

from checks.support import body_of, expect, expect_status, fail, todo

# The default metadata of a bare FastAPI(): the skeleton's starting state.
DEFAULT_INFO = {"title": "FastAPI", "version": "0.1.0"}

EXPECTED_TAGS = {
    ("get", "/"): "meta",
    ("get", "/health"): "meta",
    ("get", "/users/me"): "users",
    ("get", "/users/{user_id}"): "users",
    ("post", "/products"): "products",
    ("get", "/products"): "products",
    ("get", "/products/{product_id}"): "products",
    ("delete", "/products/{product_id}"): "products",
}


def _schema(client):
    response = client.get("/openapi.json")
    expect_status(
        response, 200, "GET /openapi.json should serve the schema (is openapi_url switched off?)"
    )
    return response, body_of(response)


@pytest.mark.req("1.1")
def test_schema_carries_the_app_metadata(client):
    """GET /openapi.json shows the title, version and description under "info"."""
    response, schema = _schema(client)
    info = schema.get("info", {})
    if {key: info.get(key) for key in DEFAULT_INFO} == DEFAULT_INFO and not info.get("description"):
        todo('the app still has FastAPI\'s default metadata (title "FastAPI", version "0.1.0")')
    expect(
        info.get("title") == "Shop API",
        f"the app's title is {info.get('title')!r}",
        expected='"info": {"title": "Shop API", …}',
        response=response,
    )
    expect(
        info.get("version") == "1.0.0",
        f"the app's version is {info.get('version')!r}",
        expected='"info": {"version": "1.0.0", …}',
        response=response,
    )
    description = info.get("description")
    expect(
        isinstance(description, str) and description.strip(),
        "the app has no description",
        expected='"info": {"description": "<a sentence about the API>", …}',
        response=response,
    )


@pytest.mark.req("1.1")
@pytest.mark.parametrize(("path", "page"), [("/docs", "Swagger UI"), ("/redoc", "ReDoc")])
def test_docs_pages_show_the_title(client, app, path, page):
    """/docs and /redoc serve HTML pages titled with the app's title."""
    if app.title == DEFAULT_INFO["title"]:
        todo('the app still has FastAPI\'s default title, "FastAPI"')
    response = client.get(path)
    expect_status(response, 200, f"GET {path} should serve the {page} page (is it switched off?)")
    expect(
        "<title>Shop API" in response.text,
        f"the {page} page at {path} is not titled with the app's title",
        expected=f"an HTML page with <title>Shop API - {page}</title>",
        response=response,
    )


@pytest.mark.req("1.8")
def test_every_operation_has_its_tag(client):
    """Each operation carries exactly one tag: meta, users or products."""
    response, schema = _schema(client)
    operations = {
        (method, path): operation.get("tags", [])
        for path, item in schema.get("paths", {}).items()
        for method, operation in item.items()
        if isinstance(operation, dict)
    }
    if not any(operations.values()):
        todo("no operation has a tag yet")
    wrong = []
    for (method, path), tag in EXPECTED_TAGS.items():
        if (method, path) not in operations:
            wrong.append(f"{method.upper()} {path} is not in the schema")
        elif operations[(method, path)] != [tag]:
            wrong.append(f"{method.upper()} {path} has tags {operations[(method, path)]}")
    if wrong:
        fail(
            "some operations do not carry their tag: " + "; ".join(wrong),
            expected='tags=["meta"] on / and /health, ["users"] on /users/…, '
            '["products"] on /products…',
            response=response,
        )
