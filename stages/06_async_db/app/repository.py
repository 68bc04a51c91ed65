"""Where the shop keeps its records, in memory until stage 6 brings a database.

The routes never touch a dict: they ask a repository to add, get, list, update
or delete a record. Storage rules live here once (who hands out ids, what order
a list comes in, that every stored record is valid), and the repository can be
swapped for one backed by SQL without changing a route.

TODO 6.3: the records move into the tables of app/tables.py, read and written
through the request's AsyncSession.
"""

from dataclasses import dataclass
from itertools import count
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from app.models import ProductPublic, UserPublic

RecordT = TypeVar("RecordT", bound=BaseModel)  # TODO 6.3: and RowT, bound to Base


class Records(Generic[RecordT]):
    """Records of one kind, kept by id, oldest first.

    Each record is an instance of `model`, the resource's public model (it has
    an integer `id`). What goes in is validated again, so whatever is stored is
    something the API can send back.
    """

    # TODO 6.3: the rows of one table, read and written through the request's session
    def __init__(self, model: type[RecordT]) -> None:
        # TODO 6.3: keep the session, the row class and the public model
        self._model = model
        # A dict remembers insertion order: that is the order of all().
        self._records: dict[int, RecordT] = {}
        # Ids come from a counter, never from len() or max(): an id handed out
        # once is never handed out again, even after its record is deleted.
        self._ids = count(1)

    def add(self, **fields: Any) -> RecordT:
        """Store a new record made of `fields`, under a new id; return it."""
        # TODO 6.3: session.add(row), then flush: the database gives the id
        record_id = next(self._ids)
        # The id goes last: it is the repository's to give, never a caller's.
        record = self._model.model_validate({**fields, "id": record_id})
        self._records[record_id] = record
        return record

    def get(self, record_id: int) -> RecordT | None:
        """The record with this id, or None."""
        # TODO 6.3: await session.get(row class, record_id)
        return self._records.get(record_id)

    def all(self) -> list[RecordT]:
        """Every record, oldest first."""
        # TODO 6.9: find(page, *where): the total and one page, both from the database
        return list(self._records.values())

    def update(self, record_id: int, **fields: Any) -> RecordT | None:
        """Change the given fields of a record and keep the rest; return the
        updated record, or None when there is none with this id."""
        # TODO 6.3: set the row's attributes, then flush
        current = self._records.get(record_id)
        if current is None:
            return None
        updated = self._model.model_validate({**current.model_dump(), **fields, "id": record_id})
        # Assigning to a key that is there keeps its place in the order: an
        # updated record is not moved to the end of the list.
        self._records[record_id] = updated
        return updated

    def delete(self, record_id: int) -> bool:
        """Remove a record; False when there was none with this id."""
        # TODO 6.3: await session.delete(row), then flush
        return self._records.pop(record_id, None) is not None

    def snapshot(self) -> dict[int, RecordT]:
        """A copy of the records as they are now, for restore() to go back to.

        A shallow copy is enough: a stored record is never changed in place
        (update() stores a new one), so the copy cannot change under us.
        """
        # TODO 6.2: gone: the session's transaction is what rolls back
        return dict(self._records)

    def restore(self, snapshot: dict[int, RecordT]) -> None:
        """Go back to the records of a snapshot.

        The id counter does not go back, as a database sequence does not: an
        id handed out to a write that was undone is simply never used.
        """
        # TODO 6.2: gone: the session's transaction is what rolls back
        self._records = dict(snapshot)


@dataclass(frozen=True)
class KeyUse:
    """What an Idempotency-Key of POST /products created: the body it came with,
    and the id of the product it made."""

    # TODO 6.10: the keys live in an idempotency_keys table of the database
    body: dict[str, Any]
    product_id: int


@dataclass(frozen=True)
class Savepoint:
    """What a Repository held at one moment, for a rollback to return to."""

    # TODO 6.2: gone: a rollback of the session undoes the request's writes
    products: dict[int, ProductPublic]
    users: dict[int, UserPublic]
    created_by_key: dict[str, KeyUse]


class Repository:
    """Everything the shop keeps. The app has one, and routes get it from
    `get_repository` (app/dependencies.py), never by importing it."""

    # TODO 6.3: everything the shop keeps, through the request's session
    def __init__(self) -> None:
        # TODO 6.3: Records(session, Row, Model) for each kind; TODO 6.10: the keys' table
        self.products = Records(ProductPublic)
        # Only the public view of a user is kept: nothing reads a password
        # before logins arrive (stage 8), and a secret never stored cannot leak.
        self.users = Records(UserPublic)
        # Idempotency keys, kept with the products they point at: a repository
        # handed in by an override brings its own (stage 6 moves them into a table).
        self.created_by_key: dict[str, KeyUse] = {}

    def savepoint(self) -> Savepoint:
        """Everything as it is now: rollback(savepoint) undoes what follows."""
        # TODO 6.2: gone, with Savepoint
        return Savepoint(
            products=self.products.snapshot(),
            users=self.users.snapshot(),
            created_by_key=dict(self.created_by_key),
        )

    def rollback(self, savepoint: Savepoint) -> None:
        """Undo every write made since `savepoint` was taken."""
        # TODO 6.2: gone, with Savepoint
        self.products.restore(savepoint.products)
        self.users.restore(savepoint.users)
        self.created_by_key = dict(savepoint.created_by_key)
