"""Stage 8, requirement 8.8: every operation needs a token unless it is on the
public list, and /docs knows how to log in.

The sweep reads the operations from app.openapi(), so a route added later is
swept too: it is protected, or on the list on purpose."""

import re
from typing import Any

import pytest

from checks.support import expect, fail, todo
from checks.support.accounts import ADMIN, FAST, member
from checks.support.answers import sent

pytestmark = pytest.mark.env(**FAST, **ADMIN)

PUBLIC = {
    ("GET", "/"),
    ("GET", "/health"),
    ("GET", "/products"),
    ("GET", "/products/{product_id}"),
    ("GET", "/categories/{category}/products"),
    ("POST", "/users"),
    ("POST", "/auth/token"),
}
TOKEN_URLS = ("auth/token", "/auth/token")
SKELETON_TOKEN_URL = "token"
METHODS = ("get", "post", "put", "patch", "delete")


def _password_flows(schema: dict[str, Any]) -> dict[str, str]:
    """{scheme name: tokenUrl} of the OAuth2 password flows in the schema."""
    schemes = schema.get("components", {}).get("securitySchemes", {})
    return {
        name: scheme.get("flows", {}).get("password", {}).get("tokenUrl", "")
        for name, scheme in schemes.items()
        if scheme.get("type") == "oauth2" and "password" in scheme.get("flows", {})
    }


def _schema(app) -> tuple[dict[str, Any], dict[str, str]]:
    schema = app.openapi()
    flows = _password_flows(schema)
    if flows and all(url == SKELETON_TOKEN_URL for url in flows.values()):
        todo("oauth2_scheme's tokenUrl is still the skeleton's 'token'")
    return schema, flows


def _example(parameter: dict[str, Any]) -> str:
    schema = parameter.get("schema", {})
    if "enum" in schema:
        return str(schema["enum"][0])
    if "$ref" in schema or schema.get("type") == "string":
        return "books"  # the one enum in the shop's paths: Category
    return "1"


def operations(schema: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(method, path template, a concrete URL, the operation) for every operation."""
    found = []
    for template, item in schema.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            values = {
                p["name"]: _example(p)
                for p in operation.get("parameters", [])
                if p.get("in") == "path"
            }
            url = re.sub(r"\{(\w+)\}", lambda m, v=values: v.get(m.group(1), "1"), template)
            found.append((method.upper(), template, url, operation))
    return found


@pytest.mark.req("8.8")
def test_every_operation_but_the_public_ones_needs_a_token(app, lenient_client):
    """Without a token, every operation in app.openapi() but the public ones answers 401."""
    schema, _flows = _schema(app)
    listed = operations(schema)
    missing = sorted(PUBLIC - {(method, template) for method, template, _, _ in listed})
    expect(
        not missing,
        f"the OpenAPI schema has no {', '.join(f'{m} {t}' for m, t in missing)}: earlier "
        "stages' routes should still be there",
        expected="every route of stage 7, and POST /auth/token",
    )
    for method, template, url, _operation in listed:
        response = lenient_client.request(method, url)
        public = (method, template) in PUBLIC
        if public:
            expect(
                response.status_code != 401,
                f"{sent(response)} answered 401 without a token, but it is public: "
                "anyone may browse the catalogue, sign up and log in",
                expected="no 401: this operation is on the public list",
                response=response,
            )
            continue
        expect(
            response.status_code == 401
            and response.headers.get("www-authenticate", "").lower().startswith("bearer"),
            f"{sent(response)} without a token answered {response.status_code}: every "
            "operation that is not on the public list needs a token (a user, or an admin). "
            "Give it `user: CurrentUserDep`, or `dependencies=[admin_only]`",
            expected="401 with WWW-Authenticate: Bearer",
            response=response,
        )


@pytest.mark.req("8.8")
def test_the_docs_log_in_and_the_admin_pages_are_closed(app, client, data):
    """The OAuth2 password flow (auth/token) on each protected operation; /outbox, /audit: admin."""
    schema, flows = _schema(app)
    if not flows:
        fail(
            "the OpenAPI schema has no OAuth2 password flow, so /docs has no Authorize button "
            "that logs in: protect the routes with OAuth2PasswordBearer (through get_current_user)",
            expected='components.securitySchemes: {"type": "oauth2", "flows": {"password": …}}',
            got=str(schema.get("components", {}).get("securitySchemes")),
        )
    good = [name for name, url in flows.items() if url in TOKEN_URLS]
    expect(
        good,
        f"the OAuth2 password flow's tokenUrl is {list(flows.values())}: Swagger UI posts the "
        "login form there, so it must be the login route, auth/token",
        expected='OAuth2PasswordBearer(tokenUrl="auth/token")',
        got=str(flows),
    )
    unlisted = [
        f"{method} {template}"
        for method, template, _url, operation in operations(schema)
        if (method, template) not in PUBLIC
        and not any(name in entry for entry in operation.get("security", []) for name in good)
    ]
    expect(
        not unlisted,
        f"these operations do not list the OAuth2 scheme under security: {', '.join(unlisted)}; "
        "/docs sends no token to them, and shows them as open",
        expected='security: [{"OAuth2PasswordBearer": []}] on every protected operation',
        got=f"{len(unlisted)} operation(s) without it",
    )
    user = member(client, data)
    for path in ("/outbox", "/audit"):
        response = client.get(path, headers=user.headers)
        expect(
            response.status_code == 403,
            f"{sent(response)} as a plain user answered {response.status_code}: other people's "
            "emails and the audit log are for admins (dependencies=[admin_only])",
            expected="status 403",
            response=response,
        )
