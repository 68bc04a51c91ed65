"""Where the shop keeps its records: in the database, through one session.

The routes never touch the session: they ask a repository to add, get, list,
update or delete a record, and get Pydantic models back. Storage rules live
here once (ids come from the database, lists are oldest first, what the
database refuses becomes a ConflictError), and both API versions go through
them: v1 and v2 differ in what they show, never in how the shop is stored.

Lists come two ways, one per version's paging: `find` counts the matches and
skips `offset` of them (v1), `find_after` starts after the last id a client
saw (v2, a keyset). The repository knows nothing of either version: it takes
anything that has the attributes of a page (the Protocols below).

A repository writes, and flushes so that the database checks each write at
once, but it never commits: the unit of work (app/api/deps.py) commits a
request's writes together, or rolls them back together.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.data.tables import (
    AuditEntryRow,
    Base,
    IdempotencyKeyRow,
    OrderRow,
    OutboxMessageRow,
    ProductRow,
    ProductTagRow,
    UserRow,
)
from app.schemas.common import (
    AuditEntryPublic,
    Category,
    OrderPublic,
    OutboxMessagePublic,
    Product,
    UserAccount,
    UserPublic,
)

RecordT = TypeVar("RecordT", bound=BaseModel)
RowT = TypeVar("RowT", bound=Base)


class OffsetPage(Protocol):
    """A page counted from the start of a list: skip `offset`, take `limit`."""

    @property
    def limit(self) -> int: ...

    @property
    def offset(self) -> int: ...


class KeysetPage(Protocol):
    """A page that starts after the record with id `after` (None: the first page)."""

    @property
    def limit(self) -> int: ...

    @property
    def after(self) -> int | None: ...


class ProductCriteria(Protocol):
    """Which products a search asks for: both versions' filters have these."""

    @property
    def min_price(self) -> Decimal | float | None: ...

    @property
    def max_price(self) -> Decimal | float | None: ...

    @property
    def tag(self) -> list[str]: ...

    @property
    def q(self) -> str | None: ...


class OffsetProductFilter(ProductCriteria, OffsetPage, Protocol):
    """A product list's query string, paged by offset: what to find, then which page."""


class KeysetProductFilter(ProductCriteria, KeysetPage, Protocol):
    """A product list's query string, paged by keyset."""


class ConflictError(Exception):
    """A write the database refused: a value that must be unique is taken, or
    a record that others point to cannot go."""


@dataclass
class Listing(Generic[RecordT]):
    """One page of a list, and how many records the whole list holds."""

    records: list[RecordT]
    total: int


@dataclass
class Slice(Generic[RecordT]):
    """One page of a list, and whether any records come after it."""

    records: list[RecordT]
    has_more: bool


class Records(Generic[RecordT, RowT]):
    """Records of one kind: the rows of one table, handed out as `model`
    instances (a Pydantic model with an integer `id`)."""

    def __init__(self, session: AsyncSession, row: type[RowT], model: type[RecordT]) -> None:
        self._session = session
        self._row = row
        self._model = model

    async def add(self, **fields: Any) -> RecordT:
        """Store a new record made of `fields`; the database gives its id."""
        row = self._row(**fields)
        self._session.add(row)
        # The INSERT runs now, so the id is known, and a refusal (an email
        # that is taken) comes out here, in the route, not at the commit.
        await self._flush()
        return self._public(row)

    async def get(self, record_id: int) -> RecordT | None:
        """The record with this id, or None."""
        row = await self._session.get(self._row, record_id)
        return None if row is None else self._public(row)

    async def find(self, page: OffsetPage, *where: ColumnElement[bool]) -> Listing[RecordT]:
        """The records that meet every condition in `where`, oldest first: the
        ones on `page`, and how many there are in all.

        The database filters, counts and pages: two queries, whatever the size
        of the table, and only one page of rows comes back to Python.
        """
        total = await self._session.scalar(
            select(func.count()).select_from(self._row).where(*where)
        )
        rows = await self._session.scalars(
            select(self._row)
            .where(*where)
            # Without ORDER BY, SQL promises no order at all (PostgreSQL moves
            # an updated row to the end), and OFFSET would skip any rows.
            .order_by(self._row.id)
            .offset(page.offset)
            .limit(page.limit)
        )
        return Listing([self._public(row) for row in rows], total or 0)

    async def find_after(self, page: KeysetPage, *where: ColumnElement[bool]) -> Slice[RecordT]:
        """The records that meet every condition in `where`, oldest first,
        starting after the id `page.after`: at most `page.limit` of them.

        A keyset, not an offset: "the rows after id 40" are the same rows
        however many were added or deleted before 40 since the last page,
        while "skip 20 rows" moves with every such change. The index on the
        primary key finds the start at once, where OFFSET reads and throws
        away every skipped row. One row more than the page is read: if it
        comes back, there is a next page.
        """
        if page.after is not None:
            where = (*where, self._row.id > page.after)
        rows = list(
            await self._session.scalars(
                select(self._row).where(*where).order_by(self._row.id).limit(page.limit + 1)
            )
        )
        return Slice([self._public(row) for row in rows[: page.limit]], len(rows) > page.limit)

    async def update(self, record_id: int, **fields: Any) -> RecordT | None:
        """Change the given fields of a record and keep the rest; return the
        updated record, or None when there is none with this id."""
        row = await self._session.get(self._row, record_id)
        if row is None:
            return None
        # The record as it will be, validated before the database sees it.
        updated = self._model.model_validate(
            {**self._public(row).model_dump(), **fields, "id": record_id}
        )
        for name, value in updated.model_dump(exclude={"id"}).items():
            setattr(row, name, value)
        await self._flush()
        return self._public(row)

    async def delete(self, record_id: int) -> bool:
        """Remove a record; False when there was none with this id."""
        row = await self._session.get(self._row, record_id)
        if row is None:
            return False
        await self._session.delete(row)
        await self._flush()
        return True

    async def _flush(self) -> None:
        """Send the pending writes to the database, inside the transaction."""
        try:
            await self._session.flush()
        except IntegrityError as error:
            # Routes speak HTTP, not SQLAlchemy: they turn this into a 409.
            raise ConflictError(str(error.orig)) from error

    def _public(self, row: RowT) -> RecordT:
        # Read while the row is fresh: the answer is built before any commit.
        return self._model.model_validate(row, from_attributes=True)


class Products(Records[Product, ProductRow]):
    """The products, and their stock."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, ProductRow, Product)

    async def search(
        self, filters: OffsetProductFilter, category: Category | None = None
    ) -> Listing[Product]:
        """The products that pass every filter (and are in `category`, if one
        is given), oldest first: one page of them, and how many there are."""
        return await self.find(filters, *self._matching(filters, category))

    async def search_after(
        self, filters: KeysetProductFilter, category: Category | None = None
    ) -> Slice[Product]:
        """As `search`, one keyset page at a time."""
        return await self.find_after(filters, *self._matching(filters, category))

    def _matching(
        self, filters: ProductCriteria, category: Category | None
    ) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if category is not None:
            where.append(ProductRow.category == category)
        if filters.min_price is not None:
            where.append(ProductRow.price >= filters.min_price)
        if filters.max_price is not None:
            where.append(ProductRow.price <= filters.max_price)
        # Every tag asked for: one EXISTS each, answered from the tag index.
        for tag in set(filters.tag):
            where.append(
                exists().where(ProductTagRow.product_id == ProductRow.id, ProductTagRow.tag == tag)
            )
        if filters.q is not None:
            # Both sides casefolded by Python, so the match ignores case in
            # every language; LIKE's wildcards in the term are escaped, so a
            # search for "50%" looks for "50%".
            where.append(ProductRow.search_name.contains(filters.q.casefold(), autoescape=True))
        return where

    async def take_stock(self, product_id: int, quantity: int) -> bool:
        """Take `quantity` off a product's stock; False when it has less (or
        there is no such product), and then nothing changes.

        One UPDATE checks and subtracts at once, inside the database. Reading
        the stock, subtracting in Python and writing it back would let two
        requests both read 5, both sell 5, and both write 0.
        """
        result = await self._session.execute(
            update(ProductRow)
            .where(ProductRow.id == product_id, ProductRow.stock >= quantity)
            .values(stock=ProductRow.stock - quantity)
        )
        return result.rowcount == 1


@dataclass
class IdempotencyClaim:
    """What an Idempotency-Key stands for: the body it first came with (as a
    digest), and the product that body created (None once it is deleted)."""

    fingerprint: str
    product_id: int | None


class IdempotencyKeys:
    """The Idempotency-Keys clients sent with POST /products, in their own table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, key: str, fingerprint: str) -> bool:
        """Take `key` for this request; False when another request has it.

        INSERT … ON CONFLICT DO NOTHING: the unique key decides, in one
        statement. Of two requests with the same new key, the second waits for
        the first to commit, then inserts nothing. Asking first ("is the key
        taken?") would let both hear "no", and both create a product.
        """
        dialect = self._session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        result = await self._session.execute(
            insert(IdempotencyKeyRow)
            .values(key=key, fingerprint=fingerprint)
            .on_conflict_do_nothing(index_elements=[IdempotencyKeyRow.key])
        )
        return result.rowcount == 1

    async def get(self, key: str) -> IdempotencyClaim | None:
        """What `key` was claimed with, or None for a key never seen."""
        row = await self._session.get(IdempotencyKeyRow, key)
        return None if row is None else IdempotencyClaim(row.fingerprint, row.product_id)

    async def link(self, key: str, product_id: int) -> None:
        """Record the product that the request holding `key` created."""
        await self._session.execute(
            update(IdempotencyKeyRow)
            .where(IdempotencyKeyRow.key == key)
            .values(product_id=product_id)
        )


class Users(Records[UserPublic, UserRow]):
    """The users, and what signing in needs of them: the hash and the token
    version, as UserAccount, which no route sends out."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, UserRow, UserPublic)

    async def account(self, user_id: int) -> UserAccount | None:
        row = await self._session.get(UserRow, user_id)
        return None if row is None else UserAccount.model_validate(row, from_attributes=True)

    async def account_by_username(self, username: str) -> UserAccount | None:
        row = await self._session.scalar(select(UserRow).where(UserRow.username == username))
        return None if row is None else UserAccount.model_validate(row, from_attributes=True)

    async def set_password(self, user_id: int, hashed_password: str) -> None:
        """Store a new hash, and retire every token issued before it."""
        await self._session.execute(
            update(UserRow)
            .where(UserRow.id == user_id)
            .values(hashed_password=hashed_password, token_version=UserRow.token_version + 1)
        )


class Orders(Records[OrderPublic, OrderRow]):
    """The orders, each with the user who placed it."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, OrderRow, OrderPublic)

    async def get_owned(self, order_id: int, owner_id: int) -> OrderPublic | None:
        """The order with this id if `owner_id` placed it; None otherwise, as for
        an order that does not exist."""
        row = await self._session.scalar(
            select(OrderRow).where(OrderRow.id == order_id, OrderRow.owner_id == owner_id)
        )
        return None if row is None else self._public(row)

    async def owned_by(self, owner_id: int, page: OffsetPage) -> Listing[OrderPublic]:
        """One page of the orders `owner_id` placed, oldest first."""
        return await self.find(page, OrderRow.owner_id == owner_id)

    async def owned_by_after(self, owner_id: int, page: KeysetPage) -> Slice[OrderPublic]:
        """As `owned_by`, one keyset page at a time."""
        return await self.find_after(page, OrderRow.owner_id == owner_id)


class Repository:
    """Everything the shop keeps, read and written through one session: the
    request's (get_repository in app/api/deps.py makes one per request)."""

    def __init__(self, session: AsyncSession) -> None:
        self.products = Products(session)
        self.users = Users(session)
        self.orders = Orders(session)
        self.idempotency_keys = IdempotencyKeys(session)
        # Written by background tasks, each in a session of its own.
        self.outbox = Records(session, OutboxMessageRow, OutboxMessagePublic)
        self.audit = Records(session, AuditEntryRow, AuditEntryPublic)
