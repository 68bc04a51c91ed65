"""Stage 9, requirement 9.8: Alembic owns the schema. The checks run the
learner's `alembic` in the stage folder against the check's own (empty)
database, and read the result with their own connection.

A stage 8 database is made the way a learner's was: the stage 8 schema (the
learner's migration 0001, checked against stage 8's tables) holding stage 8's
rows, written with SQL. Then it is upgraded, read through both versions,
downgraded and upgraded again, on SQLite and on PostgreSQL."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from argon2 import PasswordHasher

from checks.stage_09 import stage_8_schema
from checks.stage_09.alembic_runs import Run, run_alembic
from checks.stage_09.shop import ENVIRONMENT, V1, V2, missing, money
from checks.support import body_of, expect, fail, todo
from checks.support.accounts import FAST, Account, admin, login
from checks.support.answers import sent, show
from checks.support.client import RecordingClient
from checks.support.database import Database

# Stage 8's tables and their columns, as stage 8's app/tables.py made them.
STAGE_8 = {
    "products": {"id", "name", "search_name", "price", "description", "category", "stock"},
    "product_tags": {"id", "product_id", "tag"},
    "idempotency_keys": {"key", "fingerprint", "product_id"},
    "users": {"id", "username", "email", "hashed_password", "is_admin", "token_version"},
    "orders": {"id", "product_id", "quantity", "owner_id"},
    "outbox": {"id", "to", "subject", "body", "sent_at"},
    "audit_log": {"id", "action", "resource", "resource_id", "created_at"},
}
# Stage 8's prices, floats as a stage 8 database holds them: each must come
# out of migration 0002 to the cent.
PRICES = (19.99, 0.1, 1234.5, 99999999.99, 7.0, 0.01, 333.33)
PASSWORD = "stage-8-password"


def _run(target, environment, *arguments: str, why: str) -> Run:
    """`alembic <arguments>`; a failure (or the skeleton's TODO) ends the check."""
    run = run_alembic(target, *arguments, env={"DATABASE_URL": environment["DATABASE_URL"]})
    if run.ok:
        return run
    if "TODO 9.8" in run.output:
        todo(f"`{run.command}` stopped at a TODO 9.8 of the migrations: {run.tail(2)}")
    if "there is no alembic.ini" in run.output:
        todo(f"{run.output} (requirement 9.8, TODO 9.8)")
    fail(
        f"`{run.command}`, run in the stage folder with DATABASE_URL set, failed (exit code "
        f"{run.code}) {why}:\n{run.tail()}",
        expected=f"`{run.command}` exits 0",
        got=run.tail(6),
    )


def _floats(difference: str) -> bool:
    """A change of one float type for another (FLOAT, REAL, DOUBLE): the same to stage 8."""
    return difference.startswith("modify_type") and all(
        any(kind in part.upper() for kind in ("FLOAT", "DOUBLE", "REAL"))
        for part in difference.split(":", 1)[1].split(" in the database, ")
    )


def _version(database: Database) -> str | None:
    try:
        return database.scalar("SELECT version_num FROM alembic_version")
    except Exception:  # no alembic_version table yet
        return None


def _type(database: Database, table: str, column: str) -> str:
    if database.is_sqlite:
        for row in database.rows(f"PRAGMA table_info({table})"):
            if row[1] == column:
                return str(row[2]).upper()
        return ""
    rows = database.rows(
        "SELECT data_type, numeric_precision, numeric_scale FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?",
        table,
        column,
    )
    if not rows:
        return ""
    kind, precision, scale = rows[0]
    return f"NUMERIC({precision}, {scale})" if kind == "numeric" else str(kind).upper()


@pytest.mark.req("9.8")
@pytest.mark.env(**FAST)
def test_the_lifespan_creates_no_table(app, database_url):
    """On an empty database the app starts and creates no table: Alembic makes them."""
    with RecordingClient(app) as client:
        client.get("/health")
    made = sorted(set(STAGE_8) & Database(database_url).tables())
    if made:
        message = (
            f"on an empty database, starting the app created the tables {', '.join(made)}: "
            "the lifespan still runs create_all. Alembic owns the schema now (`alembic "
            "upgrade head`); create_all would make a table that a migration then fails to "
            "create, and never changes one that exists"
        )
        missing("9.8", message, expected="no table made by the app's start", got=", ".join(made))


@pytest.mark.req("9.8")
@pytest.mark.env(**ENVIRONMENT)
@pytest.mark.timeout(60)
def test_upgrade_head_builds_the_schema_and_matches_the_models(
    app, target, environment, database_url, data
):
    """`upgrade 0001` makes stage 8's schema, `upgrade head` the models' (0002); check is clean."""
    database = Database(database_url)
    _run(target, environment, "upgrade", "0001", why="on an empty database")
    different = [d for d in stage_8_schema.differences(database_url) if not _floats(d)]
    expect(
        not different,
        "after `alembic upgrade 0001` on an empty database, the schema is not stage 8's: "
        f"{'; '.join(different[:4])}. Migration 0001 is stage 8's schema exactly (stage 8's "
        "app/tables.py, as its create_all made it), so that a database made by stage 8 is "
        "at 0001 as it is",
        expected="stage 8's tables, columns, types, indexes and constraints",
        got="\n".join(different[:8]),
    )
    _run(target, environment, "upgrade", "head", why="after 0001, on an empty database")
    absent = sorted(set(STAGE_8) - database.tables())
    expect(
        not absent,
        f"after `alembic upgrade head` the database has no {', '.join(absent)}",
        expected=f"the tables {', '.join(sorted(STAGE_8))}",
        got=", ".join(sorted(database.tables())),
    )
    version = _version(database)
    expect(
        version == "0002",
        f"after `alembic upgrade head` the database is at revision {version!r}: the "
        'migrations are 0001 (stage 8\'s schema) and 0002 (money), revision ids "0001" and "0002"',
        expected="alembic_version 0002",
        got=str(version),
    )
    checked = run_alembic(target, "check", env={"DATABASE_URL": environment["DATABASE_URL"]})
    if not checked.ok:
        fail(
            "`alembic check` finds differences between the models of app/data/tables.py and "
            f"the database the migrations built:\n{checked.tail(6)}\nWhat the models say and "
            "what the migrations do must agree: change both (autogenerate a migration, read it, "
            "fix it)",
            expected="`alembic check`: No new upgrade operations detected.",
            got=checked.tail(6),
        )
    with RecordingClient(app) as client:
        boss = admin(client, prefix=V2, requirement="9.8")
        response = client.post(
            f"{V2}/products",
            json={"name": data.product_name(), "price": "19.99", "stock": 3},
            headers=boss.headers,
        )
        expect(
            response.status_code == 201 and body_of(response).get("price") == "19.99",
            f"on the schema of `alembic upgrade head`, {sent(response)} should create the product",
            expected='201 and "price": "19.99"',
            response=response,
        )


def _stage_8_rows(database: Database, data) -> dict[str, Any]:
    """Stage 8's rows, written with SQL: two users, products at float prices with
    tags, orders, an idempotency key, an email and audit entries."""
    hashed = PasswordHasher(memory_cost=1024, time_cost=1, parallelism=1).hash(PASSWORD)
    users = [(data.username(), data.email()) for _ in range(2)]
    for number, (username, email) in enumerate(users):
        database.execute(
            "INSERT INTO users (username, email, hashed_password, is_admin, token_version) "
            "VALUES (?, ?, ?, ?, ?)",
            username,
            email,
            hashed,
            False,
            number,
        )
    user_ids = [row[0] for row in database.rows("SELECT id FROM users ORDER BY id")]
    names = [data.product_name() for _ in PRICES]
    for price, name in zip(PRICES, names, strict=True):
        database.execute(
            "INSERT INTO products (name, search_name, price, description, category, stock) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            name,
            name.casefold(),
            price,
            None,
            "books",
            10,
        )
    product_ids = [row[0] for row in database.rows("SELECT id FROM products ORDER BY id")]
    for product_id in product_ids[:3]:
        for tag in ("gift", "sale"):
            database.execute(
                "INSERT INTO product_tags (product_id, tag) VALUES (?, ?)", product_id, tag
            )
    for product_id, owner in ((product_ids[0], user_ids[0]), (product_ids[1], user_ids[1])):
        database.execute(
            "INSERT INTO orders (product_id, quantity, owner_id) VALUES (?, ?, ?)",
            product_id,
            2,
            owner,
        )
    database.execute(
        "INSERT INTO idempotency_keys (key, fingerprint, product_id) VALUES (?, ?, ?)",
        data.token(12),
        "0" * 64,
        product_ids[2],
    )
    moment: Any = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    if database.is_sqlite:
        moment = "2026-03-04 05:06:07.000000"  # as SQLAlchemy writes a DateTime to SQLite
    database.execute(
        'INSERT INTO outbox ("to", subject, body, sent_at) VALUES (?, ?, ?, ?)',
        users[0][1],
        "Welcome",
        "Hello",
        moment,
    )
    database.execute(
        "INSERT INTO audit_log (action, resource, resource_id, created_at) VALUES (?, ?, ?, ?)",
        "create",
        "product",
        product_ids[0],
        moment,
    )
    return {"users": users, "user_ids": user_ids, "product_ids": product_ids, "names": names}


def _snapshot(database: Database) -> dict[str, list[tuple]]:
    """Every row of stage 8's tables, prices aside (they change type)."""
    shot = {}
    for table, columns in STAGE_8.items():
        kept = sorted(columns - {"price"})
        quoted = ", ".join(f'"{name}"' for name in kept)
        rows = database.rows(f"SELECT {quoted} FROM {table}")
        shot[table] = sorted((tuple(str(value) for value in row) for row in rows), key=str)
    return shot


def _prices(database: Database) -> dict[int, Any]:
    return dict(database.rows("SELECT id, price FROM products"))


def _oid(database: Database) -> Any:
    if database.is_sqlite:
        return None
    return database.scalar("SELECT 'products'::regclass::oid")


def _expect_kept(database: Database, before: dict[str, list[tuple]], after: str) -> None:
    now = _snapshot(database)
    for table, rows in before.items():
        if now[table] != rows:
            lost = [row for row in rows if row not in now[table]]
            fail(
                f"after {after}, the {table} table holds {len(now[table])} rows where it held "
                f"{len(rows)}"
                + (f", and these are gone or changed: {lost[:3]}" if lost else "")
                + ". A migration changes a table in place: batch_alter_table copies every row "
                "on SQLite (with foreign keys off: env.py's own engine, not the app's), ALTER "
                "TABLE on PostgreSQL; never drop and create it again",
                expected=f"the {len(rows)} rows of {table}, unchanged",
                got=show(now[table][:4]),
            )


def _expect_prices(database: Database, expected: dict[int, float], exact: bool, after: str) -> None:
    stored = _prices(database)
    for product_id, price in expected.items():
        value = stored.get(product_id)
        if exact:
            good = (
                value is not None
                and money(value) == money(price)
                and Decimal(str(value)) == Decimal(money(price))
            )
        else:
            good = value is not None and math.isclose(float(value), price, rel_tol=0, abs_tol=1e-6)
        if not good:
            fail(
                f"after {after}, product {product_id} (priced {price} in the stage 8 database) "
                f"is priced {value!r}: a migration converts every price without losing a cent",
                expected=f"price {money(price) if exact else price}",
                got=repr(value),
            )


@pytest.mark.req("9.8")
@pytest.mark.env(**ENVIRONMENT)
@pytest.mark.timeout(90)
def test_a_stage_8_database_upgrades_and_downgrades_losing_nothing(
    app, target, environment, database_url, data
):
    """A stage 8 database with rows, stamped 0001, to head: every row and price kept, both
    versions answer; downgrade 0001 and upgrade again keep them too."""
    database = Database(database_url)
    stage_8_schema.create(database_url)
    made = _stage_8_rows(database, data)
    before, oid = _snapshot(database), _oid(database)
    prices = dict(zip(made["product_ids"], PRICES, strict=True))
    # What the README says to do with a database that create_all made: tell
    # Alembic it is at 0001 already (an 0001 that adopts such a database by
    # itself does not mind).
    _run(target, environment, "stamp", "0001", why="on a stage 8 database")
    _run(target, environment, "upgrade", "head", why="on a stage 8 database holding rows")
    _expect_kept(database, before, "`alembic upgrade head` on a stage 8 database")
    price_type = _type(database, "products", "price")
    expect(
        price_type.replace(" ", "") in ("NUMERIC(10,2)", "DECIMAL(10,2)"),
        f"after `alembic upgrade head` products.price is {price_type}: 0002 turns it into "
        "Numeric(10, 2)",
        expected="NUMERIC(10, 2)",
        got=price_type,
    )
    _expect_prices(database, prices, True, "`alembic upgrade head`")
    currencies = {row[0] for row in database.rows("SELECT currency FROM products")}
    expect(
        currencies == {"EUR"},
        f"after `alembic upgrade head` the stage 8 products have the currencies {currencies}: "
        "the new column is filled for the rows already there (server_default 'EUR')",
        expected="currency 'EUR' on every product",
        got=str(currencies),
    )
    if oid is not None and _oid(database) != oid:
        fail(
            "`alembic upgrade head` dropped the products table and made it again (its oid "
            "changed): on PostgreSQL, 0002 changes the column in place, ALTER TABLE products "
            "ALTER COLUMN price TYPE NUMERIC(10, 2)",
            expected="the same products table, altered",
            got="a new products table",
        )
    _expect_both_versions_answer(app, made, prices)
    served = _snapshot(database)
    served_prices = {i: float(p) for i, p in _prices(database).items()}
    _run(target, environment, "downgrade", "0001", why="(0002's downgrade() undoes it)")
    expect(
        "currency" not in database.columns("products") and _version(database) == "0001",
        "after `alembic downgrade 0001` the database is not stage 8's again: revision "
        f"{_version(database)!r}, products columns {', '.join(database.columns('products'))}. "
        "downgrade() undoes upgrade(): it drops currency and makes price a float again",
        expected="revision 0001, and products without currency",
        got=", ".join(database.columns("products")),
    )
    _expect_kept(database, served, "`alembic downgrade 0001`")
    _expect_prices(database, served_prices, False, "`alembic downgrade 0001`")
    _run(target, environment, "upgrade", "head", why="after a downgrade to 0001")
    _expect_kept(database, served, "`alembic downgrade 0001`, then `upgrade head` again")
    _expect_prices(
        database, served_prices, True, "`alembic downgrade 0001` and `upgrade head` again"
    )


def _expect_both_versions_answer(app, made: dict[str, Any], prices: dict[int, float]) -> None:
    """The upgraded database, served: the stage 8 user logs in through either
    version, sees their order, and both versions price the products alike."""
    (username, _email), owner = made["users"][0], made["user_ids"][0]
    first = made["product_ids"][0]
    with RecordingClient(app) as client:
        for prefix in (V1, V2):
            account = login(client, Account(owner, username, PASSWORD), "9.8", prefix=prefix)
            response = client.get(f"{prefix}/orders", headers=account.headers)
            body = body_of(response)
            items = body.get("items") if isinstance(body, dict) else body
            expect(
                response.status_code == 200
                and [o.get("product_id") for o in items or []] == [first],
                f"after the upgrade, {sent(response)} as the stage 8 user should list their order",
                expected=f"one order of product {first}",
                response=response,
            )
        for product_id, price in prices.items():
            old = client.get(f"{V1}/products/{product_id}")
            new = client.get(f"{V2}/products/{product_id}")
            expect(
                old.status_code == 200 and body_of(old).get("price") == price,
                f"after the upgrade, {sent(old)} should show the stage 8 price {price}",
                expected=f'"price": {price}',
                response=old,
            )
            expect(
                new.status_code == 200 and body_of(new).get("price") == money(price),
                f"after the upgrade, {sent(new)} should show the stage 8 price {price} as "
                f'"{money(price)}"',
                expected=f'"price": "{money(price)}", "currency": "EUR"',
                response=new,
            )
        tags = body_of(client.get(f"{V2}/products/{first}")).get("tags")
        expect(
            tags == ["gift", "sale"],
            f"after the upgrade, product {first} has the tags {tags}: its product_tags rows "
            "went with the old products table (batch mode on SQLite with foreign keys on "
            "runs ON DELETE CASCADE)",
            expected='"tags": ["gift", "sale"]',
            got=show(tags),
        )
        _expect_new_ids(client, made)


def _expect_new_ids(client, made: dict[str, Any]) -> None:
    """After the upgrade the newest product, once deleted, does not lend its id to the next."""
    boss = admin(client, prefix=V2, requirement="9.8")
    newest = made["product_ids"][-1]
    response = client.delete(f"{V2}/products/{newest}", headers=boss.headers)
    expect(
        response.status_code == 204,
        f"{sent(response)} should delete it",
        expected="204",
        response=response,
    )
    body = {"name": "after the upgrade", "price": "1.00"}
    response = client.post(f"{V2}/products", json=body, headers=boss.headers)
    new_id = body_of(response).get("id") if response.status_code == 201 else None
    expect(
        isinstance(new_id, int) and new_id > newest,
        f"after the upgrade, product {newest} (the newest) was deleted and the next product "
        f"got the id {new_id}: a deleted record's id must never come back. Batch mode "
        "recreates the SQLite table without AUTOINCREMENT unless it is told "
        '(batch_alter_table("products", table_kwargs={"sqlite_autoincrement": True}))',
        expected=f"an id above {newest}",
        response=response,
    )
