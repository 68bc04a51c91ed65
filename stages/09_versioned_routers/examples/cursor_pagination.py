import base64
import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class InvalidCursorError(ValueError):
    """A cursor this server did not make: the route answers 422."""


def encode_cursor(last_id: int) -> str:
    # Opaque to clients: they pass it back, they do not build it.
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        after = json.loads(base64.urlsafe_b64decode(cursor))["after"]
    except (ValueError, TypeError, KeyError) as error:  # not base64, not JSON, not ours
        raise InvalidCursorError(cursor) from error
    if type(after) is not int:  # not a bool, a string or a float either
        raise InvalidCursorError(cursor)
    return after


async def page_by_offset(session: AsyncSession, offset: int, limit: int) -> list[Product]:
    """Stage 6's way: skip `offset` rows, whichever rows those are now."""
    query = select(Product).order_by(Product.id).offset(offset).limit(limit)
    return list(await session.scalars(query))


async def page_by_cursor(
    session: AsyncSession, cursor: str | None, limit: int
) -> tuple[list[Product], str | None]:
    """Start after the last row the client saw: WHERE id > :after ORDER BY id."""
    query = select(Product).order_by(Product.id).limit(limit + 1)  # one more: is there a next?
    if cursor is not None:
        query = query.where(Product.id > decode_cursor(cursor))
    rows = list(await session.scalars(query))
    if len(rows) <= limit:
        return rows, None  # the last page
    return rows[:limit], encode_cursor(rows[limit - 1].id)
