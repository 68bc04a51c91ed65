"""Stage 2: /docs offers an example body for each create, and the example works."""

from typing import Any

import pytest

from checks.support import body_of, expect, expect_status, fail, todo
from checks.support.openapi import resolve

OPERATIONS = {"/users": "UserCreate", "/products": "ProductCreate"}


def documented_example(schema: dict[str, Any], path: str) -> Any:
    """The first example body the schema offers for POST `path`: a named example
    of the request body, an example of its schema, or one assembled from the
    examples of its fields (when every required field has one)."""
    operation = schema.get("paths", {}).get(path, {}).get("post", {})
    media = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    for named in (media.get("examples") or {}).values():
        if isinstance(named, dict) and "value" in named:
            return named["value"]
    if "example" in media:
        return media["example"]
    body_schema = resolve(schema, media.get("schema"))
    examples = body_schema.get("examples")
    if isinstance(examples, list) and examples:
        return examples[0]
    if "example" in body_schema:
        return body_schema["example"]
    assembled = {
        name: field["examples"][0]
        for name, field in body_schema.get("properties", {}).items()
        if isinstance(field, dict) and isinstance(field.get("examples"), list) and field["examples"]
    }
    if assembled and set(body_schema.get("required", [])) <= set(assembled):
        return assembled
    return None


@pytest.mark.req("2.8")
@pytest.mark.parametrize("path", list(OPERATIONS))
def test_documented_example_is_a_valid_request(client, path):
    """POST /users and POST /products show an example body in the schema, and it is accepted."""
    schema_response = client.get("/openapi.json")
    expect_status(schema_response, 200, "GET /openapi.json should serve the schema")
    example = documented_example(body_of(schema_response), path)
    if example is None:
        todo(
            f"the OpenAPI schema has no example request body for POST {path} "
            f"(add examples to {OPERATIONS[path]})"
        )
    expect(
        isinstance(example, dict),
        f"the example body for POST {path} is not a JSON object",
        expected='an example like {"field": value, …}',
        response=schema_response,
    )
    response = client.post(path, json=example)
    if response.status_code not in (200, 201):
        fail(
            f"the example that /docs offers for POST {path} is not a valid request: "
            'whoever presses "Try it out" in /docs gets this answer',
            expected="status 201",
            response=response,
        )
