"""A shop on a database: engine, tables, sessions, a unit of work."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, status
from sqlalchemy import CheckConstraint, ForeignKey, String, event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ProductRow(Base):
    __tablename__ = "products"
    __table_args__ = (CheckConstraint("stock >= 0"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)  # assigned by the database
    name: Mapped[str] = mapped_column(String(100))  # NOT NULL: the type says str
    stock: Mapped[int] = mapped_column(default=0)


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"))
    quantity: Mapped[int]


def enforce_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    # SQLite checks foreign keys only on the connections that ask for it.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    # Made here, not at import: the URL of the process that serves, read now.
    engine = create_async_engine(os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///./shop.db"))
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", enforce_foreign_keys)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)  # only the missing tables
    try:
        yield {"sessions": async_sessionmaker(engine, expire_on_commit=False)}
    finally:
        await engine.dispose()  # close every pooled connection


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.state.sessions() as session:  # closed, whatever happens
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_unit_of_work(session: SessionDep) -> AsyncIterator[None]:
    try:
        yield  # the route runs here, and writes through the session
    except Exception:
        await session.rollback()  # every write of the request, undone
        raise  # the route's 404 or 409 still reaches the client
    await session.commit()  # every write of the request, kept


# scope="function": the commit runs when the route returns, before the response.
unit_of_work = Depends(get_unit_of_work, scope="function")


class ConflictError(Exception):  # a unique value taken, or a row still referenced
    pass


class Repository:  # flushes, never commits: the unit of work decides
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def flush(self) -> None:
        try:
            await self.session.flush()  # the SQL runs now: ids known, constraints checked
        except IntegrityError as error:
            raise ConflictError(str(error.orig)) from error

    async def add(self, row: Base) -> None:
        self.session.add(row)
        await self.flush()

    async def take_stock(self, product_id: int, quantity: int) -> bool:
        result = await self.session.execute(
            update(ProductRow)
            .where(ProductRow.id == product_id, ProductRow.stock >= quantity)
            .values(stock=ProductRow.stock - quantity)
        )
        return result.rowcount == 1  # 0: no such product, or not enough stock


# async def, though it awaits nothing: a plain def would run in a worker thread.
async def get_repository(session: SessionDep) -> Repository:
    return Repository(session)


RepositoryDep = Annotated[Repository, Depends(get_repository)]
app = FastAPI(lifespan=lifespan)


@app.post("/products", status_code=201, dependencies=[unit_of_work])
async def create_product(name: str, stock: int, repository: RepositoryDep) -> dict[str, int]:
    product = ProductRow(name=name, stock=stock)
    await repository.add(product)
    return {"id": product.id, "stock": product.stock}


@app.get("/products")
async def list_products(session: SessionDep) -> list[dict[str, Any]]:
    rows = await session.scalars(select(ProductRow).order_by(ProductRow.id))
    return [{"id": row.id, "name": row.name, "stock": row.stock} for row in rows]


@app.delete("/products/{product_id}", status_code=204, dependencies=[unit_of_work])
async def delete_product(product_id: int, repository: RepositoryDep) -> None:
    product = await repository.session.get(ProductRow, product_id)
    if product is None:
        raise HTTPException(status_code=404, detail="Product not found")
    await repository.session.delete(product)
    try:
        await repository.flush()
    except ConflictError:
        raise HTTPException(status_code=409, detail="Product has orders") from None


@app.post("/users", status_code=201, dependencies=[unit_of_work])
async def create_user(email: str, repository: RepositoryDep) -> dict[str, int]:
    user = UserRow(email=email)
    try:
        await repository.add(user)
    except ConflictError:
        raise HTTPException(status.HTTP_409_CONFLICT, "Email already registered") from None
    return {"id": user.id}


@app.post("/orders", status_code=201, dependencies=[unit_of_work])
async def create_order(product_id: int, quantity: int, repository: RepositoryDep) -> dict[str, int]:
    if not await repository.take_stock(product_id, quantity):
        raise HTTPException(status_code=409, detail="Not enough stock")
    order = OrderRow(product_id=product_id, quantity=quantity)
    await repository.add(order)
    return {"id": order.id}
