from itertools import count

from fastapi import FastAPI, Response, status
from pydantic import BaseModel, ConfigDict, Field

app = FastAPI()
notes: dict[int, dict[str, object]] = {}
note_ids = count(1)


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")  # {"id": 5, …} is a 422, not ignored
    text: str = Field(min_length=1, max_length=500)


@app.post("/notes", status_code=status.HTTP_201_CREATED)
def create_note(note: NoteCreate, response: Response) -> dict[str, object]:
    note_id = next(note_ids)
    notes[note_id] = {"id": note_id, **note.model_dump()}
    response.headers["Location"] = f"/notes/{note_id}"
    return notes[note_id]
