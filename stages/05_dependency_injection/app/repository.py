"""Where the shop keeps its records, in memory until stage 6 brings a database.

The routes never touch a dict: they ask a repository to add, get, list, update
or delete a record. Storage rules live here once (who hands out ids, what order
a list comes in, that every stored record is valid), and the repository can be
swapped for one backed by SQL without changing a route.
"""

from itertools import count
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from app.models import ProductPublic, UserPublic

RecordT = TypeVar("RecordT", bound=BaseModel)


class Records(Generic[RecordT]):
    """Records of one kind, kept by id, oldest first.

    Each record is an instance of `model`, the resource's public model (it has
    an integer `id`). What goes in is validated again, so whatever is stored is
    something the API can send back.
    """

    def __init__(self, model: type[RecordT]) -> None:
        self._model = model
        # A dict remembers insertion order: that is the order of all().
        self._records: dict[int, RecordT] = {}
        # Ids come from a counter, never from len() or max(): an id handed out
        # once is never handed out again, even after its record is deleted.
        self._ids = count(1)

    def add(self, **fields: Any) -> RecordT:
        """Store a new record made of `fields`, under a new id; return it."""
        record_id = next(self._ids)
        # The id goes last: it is the repository's to give, never a caller's.
        record = self._model.model_validate({**fields, "id": record_id})
        self._records[record_id] = record
        return record

    def get(self, record_id: int) -> RecordT | None:
        """The record with this id, or None."""
        return self._records.get(record_id)

    def all(self) -> list[RecordT]:
        """Every record, oldest first."""
        return list(self._records.values())

    def update(self, record_id: int, **fields: Any) -> RecordT | None:
        """Change the given fields of a record and keep the rest; return the
        updated record, or None when there is none with this id."""
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
        return self._records.pop(record_id, None) is not None

    # TODO 5.4: snapshot() (a copy of the records) and restore(snapshot).


# TODO 5.1: class KeyUse (body, product_id), what an Idempotency-Key created.
# TODO 5.4: class Savepoint, what a Repository held at one moment.


class Repository:
    """Everything the shop keeps. The app has one, and routes get it from
    `get_repository` (app/dependencies.py), never by importing it."""

    def __init__(self) -> None:
        self.products = Records(ProductPublic)
        # Only the public view of a user is kept: nothing reads a password
        # before logins arrive (stage 8), and a secret never stored cannot leak.
        self.users = Records(UserPublic)
        # TODO 5.1: self.created_by_key, the Idempotency-Keys (main.py keeps them for now).

    # TODO 5.4: savepoint() and rollback(savepoint), for every Records and the keys.
