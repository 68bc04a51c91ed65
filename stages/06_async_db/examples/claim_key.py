"""Claim an Idempotency-Key in the request's transaction, in one statement."""

from sqlalchemy import String
from sqlalchemy.dialects.sqlite import insert  # postgresql.insert on PostgreSQL
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class IdempotencyKeyRow(Base):
    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))


async def claim(session: AsyncSession, key: str, digest: str) -> bool:
    """True: this request owns the key, and creates the product. False: another
    request has it; answer its product (same digest) or a 422 (another one)."""
    statement = insert(IdempotencyKeyRow).values(key=key, fingerprint=digest)
    result = await session.execute(statement.on_conflict_do_nothing(index_elements=["key"]))
    return result.rowcount == 1
