"""Stage 9, requirement 9.7: each version has its own OpenAPI document and its
own Swagger UI page, whose Authorize button logs in against that version."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import pytest

from checks.stage_09.shop import ENVIRONMENT, STAGE_8, V1, V2, missing
from checks.support import body_of, expect
from checks.support.answers import sent
from checks.support.failures import json_excerpt

pytestmark = pytest.mark.env(**ENVIRONMENT)

METHODS = ("get", "post", "put", "patch", "delete")


def _document(client, version: str) -> dict[str, Any]:
    response = client.get(f"{version}/openapi.json")
    if response.status_code == 404:
        missing(
            "9.7",
            f"GET {version}/openapi.json answers 404: each version serves its own OpenAPI "
            "document, built from its router alone (get_openapi with the routes of that router)",
            expected=f"200 and the OpenAPI document of {version}",
            response=response,
        )
    body = body_of(response)
    expect(
        response.status_code == 200 and isinstance(body, dict) and "paths" in body,
        f"{sent(response)} should answer an OpenAPI document",
        expected='200 {"openapi": "3.1.0", "info": {…}, "paths": {…}}',
        response=response,
    )
    return body


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document.get("paths", {}).items()
        for method in METHODS
        if (operation := item.get(method)) is not None
    ]


@pytest.mark.req("9.7")
def test_each_version_has_its_own_document_and_login(client):
    """/api/vN/openapi.json lists only vN's operations (all of stage 8's); it logs in at vN."""
    _documents_of_their_own(client)
    _authorize_logs_in_against_the_version(client)


def _documents_of_their_own(client) -> None:
    versions = {}
    for version in (V1, V2):
        document = _document(client, version)
        listed = _operations(document)
        strays = sorted(f"{m} {p}" for m, p, _ in listed if not p.startswith(version + "/"))
        expect(
            not strays,
            f"GET {version}/openapi.json lists operations of another version or none: "
            f"{', '.join(strays[:5])}. Build it from {version}'s router alone",
            expected=f"only operations under {version}/",
            got=json_excerpt(document, "paths", limit=300),
        )
        wanted = {(m, version + p) for m, p in STAGE_8}
        absent = sorted(f"{m} {p}" for m, p in wanted - {(m, p) for m, p, _ in listed})
        expect(
            not absent,
            f"GET {version}/openapi.json lacks {', '.join(absent[:5])}",
            expected=f"every operation of {version}",
            got=f"{len(listed)} operations",
        )
        info = document.get("info", {})
        expect(
            isinstance(info.get("version"), str) and info.get("title"),
            f"GET {version}/openapi.json has no info.title and info.version",
            expected='"info": {"title": "…", "version": "…"}',
            got=json_excerpt(document, "info"),
        )
        versions[version] = info.get("version")
    expect(
        versions[V1] != versions[V2],
        f"both versions' documents say info.version {versions[V1]!r}: each names its own "
        '("1.0.0" and "2.0.0", say), so a client can tell which one it reads',
        expected="two different info.version",
        got=str(versions),
    )


@pytest.mark.req("9.7")
def test_each_version_has_its_swagger_ui_page(client):
    """/api/v1/docs and /api/v2/docs are Swagger UI pages that load their own document."""
    for version in (V1, V2):
        response = client.get(f"{version}/docs")
        if response.status_code == 404:
            missing(
                "9.7",
                f"GET {version}/docs answers 404: each version has its own Swagger UI page "
                f'(get_swagger_ui_html(openapi_url="{version}/openapi.json", …))',
                expected="200 and a Swagger UI page",
                response=response,
            )
        page = response.text
        expect(
            response.status_code == 200
            and response.headers.get("content-type", "").startswith("text/html")
            and "swagger-ui" in page.lower(),
            f"{sent(response)} should answer a Swagger UI page",
            expected="200 text/html with Swagger UI",
            response=response,
        )
        other = V2 if version == V1 else V1
        expect(
            f"{version}/openapi.json" in page and f"{other}/openapi.json" not in page,
            f"{sent(response)} is a Swagger UI page that does not load {version}/openapi.json",
            expected=f"url: '{version}/openapi.json' in the page",
            got=page[:400],
        )


def _token_urls(document: dict[str, Any]) -> dict[str, str]:
    """{scheme: tokenUrl, resolved as Swagger UI does against the server URL}."""
    servers = document.get("servers") or [{"url": "/"}]
    base = str(servers[0].get("url", "/"))
    base = base if base.endswith("/") else base + "/"
    return {
        name: urljoin(base, scheme["flows"]["password"].get("tokenUrl", ""))
        for name, scheme in document.get("components", {}).get("securitySchemes", {}).items()
        if scheme.get("type") == "oauth2" and "password" in scheme.get("flows", {})
    }


def _authorize_logs_in_against_the_version(client) -> None:
    """Each document's OAuth2 password flow posts to /api/vN/auth/token; its operations use it."""
    for version in (V1, V2):
        document = _document(client, version)
        flows = _token_urls(document)
        wanted = f"{version}/auth/token"
        wrong = {name: url for name, url in flows.items() if url != wanted}
        expect(
            flows and not wrong,
            f"in GET {version}/openapi.json the OAuth2 password flow posts the login form to "
            f"{', '.join(wrong.values()) or 'nowhere'}: Swagger UI's Authorize button must log "
            f'in against {wanted} (OAuth2PasswordBearer(tokenUrl="{wanted}") for this version)',
            expected=f"tokenUrl {wanted}",
            got=json_excerpt(document, "components", "securitySchemes"),
        )
        secured = [
            f"{m} {p}"
            for m, p, operation in _operations(document)
            if any(set(entry) - set(flows) for entry in operation.get("security", []))
        ]
        expect(
            not secured,
            f"in GET {version}/openapi.json these operations name a security scheme the "
            f"document does not define with {wanted}: {', '.join(secured[:5])}",
            expected=f"every protected operation secured by the scheme whose tokenUrl is {wanted}",
            got=", ".join(secured[:8]),
        )
