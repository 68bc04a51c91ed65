from itertools import count
from typing import Any

from pydantic import BaseModel


class Note(BaseModel):
    id: int
    text: str


class NoteStore:
    """Notes in memory, by id, oldest first."""

    def __init__(self) -> None:
        self._notes: dict[int, Note] = {}
        self._ids = count(1)

    def add(self, **fields: Any) -> Note:
        note = Note.model_validate({**fields, "id": next(self._ids)})
        self._notes[note.id] = note
        return note

    def get(self, note_id: int) -> Note | None:
        return self._notes.get(note_id)

    def all(self) -> list[Note]:
        return list(self._notes.values())

    def update(self, note_id: int, **fields: Any) -> Note | None:
        current = self._notes.get(note_id)
        if current is None:
            return None
        note = Note.model_validate({**current.model_dump(), **fields, "id": note_id})
        self._notes[note_id] = note
        return note

    def delete(self, note_id: int) -> bool:
        return self._notes.pop(note_id, None) is not None


if __name__ == "__main__":
    store = NoteStore()
    first = store.add(text="buy milk")
    store.update(first.id, text="buy oat milk")
    print(store.delete(first.id), store.delete(first.id))  # True False
    print(store.add(text="call Ada").id)  # 2: never 1 again
