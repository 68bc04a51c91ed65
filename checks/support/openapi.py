"""The app's OpenAPI document, read the way a client generator or /docs reads
it: an operation, its parameters, the schema of a body or a response with
`$ref`s followed. Checks use it to tell "not started yet" (no such parameter)
from "wrong", and to grade what /docs shows.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from checks.support.failures import fail, todo


def operation(app: FastAPI, method: str, path: str) -> dict[str, Any]:
    """The operation object of `METHOD path` in app.openapi() ({} when there is none)."""
    return app.openapi().get("paths", {}).get(path, {}).get(method.lower(), {})


def _normal(name: str) -> str:
    return name.lower().replace("_", "-")


def parameter(app: FastAPI, method: str, path: str, name: str) -> dict[str, Any] | None:
    """The operation's documented parameter called `name` (any location; `_` and
    `-` alike, any case), or None."""
    for candidate in operation(app, method, path).get("parameters", []):
        if _normal(candidate.get("name", "")) == _normal(name):
            return candidate
    return None


def require_query_parameter(app: FastAPI, path: str, name: str, requirement: str) -> None:
    """`todo` while GET `path` has no `name` query parameter, `fail` when it reads
    `name` from somewhere else."""
    found = parameter(app, "get", path, name)
    if found is not None and found.get("in") == "query":
        return
    if found is not None:
        fail(
            f"GET {path} reads {name} from the {found.get('in')}, not from the query string",
            expected=f"GET {path}?{name}=… to be a query parameter",
        )
    if "requestBody" in operation(app, "get", path):
        fail(
            f"GET {path} expects a request body: a parameter typed as a list (or a model) "
            "comes from the body unless it is declared with Query()",
            expected=f"GET {path}?{name}=… to be a query parameter",
        )
    todo(f"GET {path} does not take a {name} query parameter yet (requirement {requirement})")


def resolve(schema: dict[str, Any], node: Any) -> dict[str, Any]:
    """Follow a "$ref" (or a lone allOf wrapper) to the component schema it names."""
    if not isinstance(node, dict):
        return {}
    if "$ref" not in node and isinstance(node.get("allOf"), list) and len(node["allOf"]) == 1:
        node = {**node["allOf"][0], **{k: v for k, v in node.items() if k != "allOf"}}
    ref = node.get("$ref", "")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        target = schema.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[1], {})
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def properties(schema: dict[str, Any], node: Any) -> set[str]:
    """Property names of a JSON schema node, through $ref and anyOf/oneOf/allOf
    (a `UserPublic | None` return type documents anyOf [UserPublic, null])."""
    if not isinstance(node, dict):
        return set()
    ref = node.get("$ref", "")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        node = schema.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[1], {})
    names = set(node.get("properties", {}))
    for key in ("anyOf", "oneOf", "allOf"):
        for member in node.get(key, []):
            names |= properties(schema, member)
    return names


def response_schema(schema: dict[str, Any], method: str, path: str) -> Any:
    """The JSON schema the 2xx response of `METHOD path` is documented with (None)."""
    found = schema.get("paths", {}).get(path, {}).get(method.lower(), {})
    for status in ("201", "200"):
        content = found.get("responses", {}).get(status, {}).get("content", {})
        target = content.get("application/json", {}).get("schema")
        if target:
            return target
    return None
