"""Stage 9's README examples, each imported and driven the way the lesson says
it behaves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session

from tests.examples.support import load_example

STAGE = "09_versioned_routers"


def test_one_router_with_prefix_tags_and_login_serves_both_versions() -> None:
    example = load_example(STAGE, "routers.py")
    client = TestClient(example.app)
    for version in ("v1", "v2"):
        assert client.get(f"/api/{version}/orders").status_code == 401  # the router's dependency
        response = client.get(f"/api/{version}/orders/7", headers={"X-User": "ada"})
        assert response.json() == {"id": 7, "owner": "ada"}
    operations = {
        (path, method): operation
        for path, methods in example.app.openapi()["paths"].items()
        for method, operation in methods.items()
    }
    assert set(operations) == {
        (f"/api/{v}/orders{tail}", "get") for v in ("v1", "v2") for tail in ("", "/{order_id}")
    }
    assert all(operation["tags"] == ["orders"] for operation in operations.values())
    ids = [operation["operationId"] for operation in operations.values()]
    assert len(set(ids)) == len(ids)
    for (path, _), operation in operations.items():
        assert operation.get("deprecated", False) is path.startswith("/api/v1")
    # One override, set on the app, reaches the routes of both versions.
    example.app.dependency_overrides[example.get_current_user] = lambda: "grace"
    try:
        assert client.get("/api/v1/orders/1").json()["owner"] == "grace"
        assert client.get("/api/v2/orders/1").json()["owner"] == "grace"
    finally:
        example.app.dependency_overrides.clear()


def test_old_paths_answer_308_to_v1_and_a_followed_post_stays_a_post() -> None:
    client = TestClient(load_example(STAGE, "legacy_redirects.py").app)
    moved = client.get("/products/3?limit=5&q=lamp", follow_redirects=False)
    assert moved.status_code == 308
    assert moved.headers["location"] == "/api/v1/products/3?limit=5&q=lamp"
    assert client.get("/orders", follow_redirects=False).headers["location"] == "/api/v1/orders"
    created = client.post("/products", json={"name": "lamp"})  # httpx follows the 308
    assert created.status_code == 201
    assert created.json() == {"name": "lamp"}
    assert created.history[0].status_code == 308
    for unknown in ("/productsXYZ", "/nope", "/api/v1/nope"):
        assert client.get(unknown, follow_redirects=False).status_code == 404
    assert client.get("/openapi.json").json()["paths"].keys() == {"/api/v1/products"}


def test_every_v1_answer_says_it_is_deprecated_and_no_v2_answer_does() -> None:
    example = load_example(STAGE, "deprecation_headers.py")
    client = TestClient(example.app)
    for path in ("/api/v1/products/1", "/api/v1/products/2", "/api/v1/products/x", "/api/v1/no"):
        response = client.get(path)
        assert response.status_code in (200, 404, 422), path
        deprecation = datetime.fromtimestamp(int(response.headers["deprecation"][1:]), UTC)
        assert deprecation == datetime(2026, 12, 1, tzinfo=UTC)
        assert response.headers["sunset"] == "Tue, 01 Jun 2027 00:00:00 GMT"
        assert parsedate_to_datetime(response.headers["sunset"]) > deprecation
        successor = path.replace("/api/v1", "/api/v2")
        assert response.headers["link"] == f'<{successor}>; rel="successor-version"'
    for path in ("/api/v2/products/1", "/api/v2/products/2", "/api/v10/products/1"):
        headers = client.get(path).headers
        assert not {"deprecation", "sunset", "link"} & set(headers), path
    paths = example.app.openapi()["paths"]
    assert paths["/api/v1/products/{product_id}"]["get"]["deprecated"] is True
    assert "deprecated" not in paths["/api/v2/products/{product_id}"]["get"]


def test_a_sunset_before_the_deprecation_refuses_to_start() -> None:
    example = load_example(STAGE, "deprecation_headers.py")
    with pytest.raises(ValueError, match="sunset"):
        example.DeprecationHeadersMiddleware(
            example.app,
            old="/api/v1",
            new="/api/v2",
            deprecated_at=datetime(2027, 1, 1, tzinfo=UTC),
            sunset_at=datetime(2027, 1, 1, tzinfo=UTC),
        )


def test_each_version_has_its_own_document_and_swagger_page() -> None:
    client = TestClient(load_example(STAGE, "version_docs.py").app)
    for version in ("1", "2"):
        document = client.get(f"/api/v{version}/openapi.json").json()
        assert document["info"]["version"] == version
        assert list(document["paths"]) == [f"/api/v{version}/products"]
        page = client.get(f"/api/v{version}/docs")
        assert page.headers["content-type"].startswith("text/html")
        assert f"/api/v{version}/openapi.json" in page.text
    assert set(client.get("/openapi.json").json()["paths"]) == {
        "/api/v1/products",
        "/api/v2/products",
    }


def test_money_goes_in_as_a_decimal_and_out_with_two_places(
    capsys: pytest.CaptureFixture[str],
) -> None:
    example = load_example(STAGE, "money.py")
    assert capsys.readouterr().out == "0.30000000000000004\n0.30\n"
    for given, shown in (("12.5", "12.50"), (12.5, "12.50"), ("0.10", "0.10"), (19.99, "19.99")):
        product = example.ProductIn.model_validate({"name": "lamp", "price": given})
        assert product.model_dump(mode="json")["price"] == shown
        assert product.currency == "EUR"
    product = example.ProductIn.model_validate_json('{"name": "lamp", "price": 99999999.99}')
    assert product.model_dump_json() == '{"name":"lamp","price":"99999999.99","currency":"EUR"}'
    for price in ("12.345", 12.345, "abc", 0, -1, "100000000.00", "NaN"):
        with pytest.raises(ValidationError):
            example.ProductIn(name="lamp", price=price)
    for currency in ("eur", "EURO", "E1R"):
        with pytest.raises(ValidationError):
            example.ProductIn(name="lamp", price="1.00", currency=currency)
    schema = example.ProductOut.model_json_schema(mode="serialization")
    assert schema["properties"]["price"]["type"] == "string"


def test_numeric_10_2_reads_back_every_cent() -> None:
    example = load_example(STAGE, "money.py")
    engine = sa.create_engine("sqlite://")
    example.Base.metadata.create_all(engine)
    prices = [Decimal("0.10"), Decimal("0.20"), Decimal("19.99"), Decimal("99999999.99")]
    with Session(engine) as session:
        session.add_all(example.ProductRow(name="p", price=price) for price in prices)
        session.commit()
        rows = session.scalars(sa.select(example.ProductRow).order_by("id")).all()
        assert [row.price for row in rows] == prices
        assert {row.currency for row in rows} == {"EUR"}
        shown = example.ProductOut.model_validate(rows[0], from_attributes=True)
        assert shown.model_dump(mode="json")["price"] == "0.10"
    engine.dispose()


def test_offset_skips_a_row_when_one_is_deleted_and_the_cursor_does_not(tmp_path: Path) -> None:
    example = load_example(STAGE, "cursor_pagination.py")

    async def scenario() -> tuple[list[int], list[int]]:
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}")
        try:
            async with engine.begin() as connection:
                await connection.run_sync(example.Base.metadata.create_all)
            sessions = async_sessionmaker(engine, expire_on_commit=False)
            async with sessions.begin() as session:
                session.add_all(example.Product(id=n, name=f"p{n}") for n in range(1, 8))
            async with sessions() as session:
                by_offset = await example.page_by_offset(session, 0, 3)
                first, cursor = await example.page_by_cursor(session, None, 3)
            async with sessions.begin() as session:  # someone deletes a row already seen
                await session.delete(await session.get(example.Product, 2))
            seen_by_offset = [p.id for p in by_offset]
            seen_by_cursor = [p.id for p in first]
            async with sessions() as session:
                seen_by_offset += [p.id for p in await example.page_by_offset(session, 3, 3)]
                while cursor is not None:
                    rows, cursor = await example.page_by_cursor(session, cursor, 3)
                    seen_by_cursor += [p.id for p in rows]
            return seen_by_offset, seen_by_cursor
        finally:
            await engine.dispose()

    seen_by_offset, seen_by_cursor = asyncio.run(scenario())
    assert seen_by_offset == [1, 2, 3, 5, 6, 7]  # 4 moved up to offset 2, and was never shown
    assert seen_by_cursor == [1, 2, 3, 4, 5, 6, 7]


def test_a_cursor_is_opaque_and_a_forged_one_is_refused() -> None:
    example = load_example(STAGE, "cursor_pagination.py")
    cursor = example.encode_cursor(42)
    assert "42" not in cursor
    assert example.decode_cursor(cursor) == 42
    forged = [
        "",
        "not a cursor",
        "bnVsbA==",  # null
        "WzFd",  # [1]
        "eyJhZnRlciI6ICI0MiJ9",  # {"after": "42"}
        "eyJhZnRlciI6IHRydWV9",  # {"after": true}
        "eyJiZWZvcmUiOiA0Mn0=",  # {"before": 42}
    ]
    for bad in forged:
        with pytest.raises(example.InvalidCursorError):
            example.decode_cursor(bad)


def test_v2_errors_are_problem_details_and_v1_errors_keep_detail() -> None:
    client = TestClient(load_example(STAGE, "problem_details.py").app)
    missing = client.get("/api/v2/products/7")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Product not found",
        "instance": "/api/v2/products/7",
    }
    invalid = client.get("/api/v2/products/seven")
    assert invalid.status_code == 422
    assert invalid.headers["content-type"] == "application/problem+json"
    assert invalid.json()["title"] == HTTPStatus(422).phrase  # "Unprocessable Entity" before 3.13
    assert [error["field"] for error in invalid.json()["errors"]] == ["product_id"]
    not_allowed = client.delete("/api/v2/products/7")
    assert not_allowed.status_code == 405
    assert not_allowed.headers["allow"] == "GET"
    assert not_allowed.json()["status"] == 405
    unknown = client.get("/api/v2/nothing-here")
    assert unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json()["instance"] == "/api/v2/nothing-here"
    old = client.get("/api/v1/products/7")
    assert old.headers["content-type"] == "application/json"
    assert old.json() == {"detail": "Product not found"}
    assert client.get("/api/v1/products/seven").json()["detail"][0]["loc"] == [
        "path",
        "product_id",
    ]


def _products_table_of_stage_8(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE products (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "
            "name VARCHAR(100) NOT NULL, price FLOAT NOT NULL, stock INTEGER NOT NULL, "
            "CONSTRAINT stock_not_negative CHECK (stock >= 0))"
        )
        connection.exec_driver_sql("CREATE INDEX ix_products_price ON products (price)")
        connection.exec_driver_sql(
            "INSERT INTO products (name, price, stock) "
            "VALUES ('a', 19.99, 1), ('b', 0.1, 2), ('c', 99999999.99, 3)"
        )


def _migrate(engine: sa.Engine, step: str) -> None:
    migration = load_example(STAGE, "money_migration.py")
    with engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
        getattr(migration, step)()


def test_the_money_migration_keeps_every_row_and_every_cent_and_goes_back(
    tmp_path: Path,
) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    _products_table_of_stage_8(engine)
    _migrate(engine, "upgrade")
    columns = {c["name"]: c for c in sa.inspect(engine).get_columns("products")}
    assert isinstance(columns["price"]["type"], sa.Numeric)
    assert (columns["price"]["type"].precision, columns["price"]["type"].scale) == (10, 2)
    products = sa.Table(
        "products",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("price", sa.Numeric(10, 2)),
        sa.Column("currency", sa.String(3)),
    )
    with engine.connect() as connection:
        rows = connection.execute(sa.select(products).order_by(products.c.id)).all()
        schema = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'products'"
        ).scalar_one()
    assert rows == [
        (1, Decimal("19.99"), "EUR"),
        (2, Decimal("0.10"), "EUR"),
        (3, Decimal("99999999.99"), "EUR"),
    ]
    assert "AUTOINCREMENT" in schema
    assert "stock_not_negative" in schema
    assert [i["name"] for i in sa.inspect(engine).get_indexes("products")] == ["ix_products_price"]
    _migrate(engine, "downgrade")
    assert "currency" not in {c["name"] for c in sa.inspect(engine).get_columns("products")}
    with engine.connect() as connection:
        prices = connection.exec_driver_sql("SELECT price FROM products ORDER BY id").scalars()
        assert list(prices) == [19.99, 0.1, 99999999.99]
    engine.dispose()
