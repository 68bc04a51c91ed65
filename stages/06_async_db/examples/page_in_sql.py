"""A page and its total, both computed by the database."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ProductRow(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    price: Mapped[float]


async def cheap_products(
    session: AsyncSession, limit: int, offset: int
) -> tuple[list[ProductRow], int]:
    where = [ProductRow.price <= 10]  # built once, used twice
    total = await session.scalar(select(func.count()).select_from(ProductRow).where(*where))
    rows = await session.scalars(
        select(ProductRow).where(*where).order_by(ProductRow.id).offset(offset).limit(limit)
    )
    return list(rows), total or 0  # one page of rows, and the X-Total-Count
