from itertools import count

from fastapi import FastAPI, HTTPException, Response, status
from pydantic import BaseModel, ConfigDict, Field

app = FastAPI()


class NoteBase(BaseModel):
    text: str = Field(min_length=1, max_length=280)


class NoteCreate(NoteBase):
    model_config = ConfigDict(extra="forbid")


class NotePublic(NoteBase):
    id: int


_notes: dict[int, NotePublic] = {}
_note_ids = count(1)


@app.post("/notes", status_code=status.HTTP_201_CREATED)
def create_note(note: NoteCreate, response: Response) -> NotePublic:
    created = NotePublic(id=next(_note_ids), **note.model_dump())
    _notes[created.id] = created
    response.headers["Location"] = f"/notes/{created.id}"
    return created


@app.get("/notes/{note_id}")
def read_note(note_id: int) -> NotePublic:
    note = _notes.get(note_id)
    if note is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Note not found")
    return note
