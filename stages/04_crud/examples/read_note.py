from fastapi import FastAPI, HTTPException, status
from pydantic import BaseModel

app = FastAPI()


class Note(BaseModel):
    id: int
    text: str


notes = {1: Note(id=1, text="buy milk")}


@app.get("/notes/{note_id}")
def read_note(note_id: int) -> Note:
    note = notes.get(note_id)
    if note is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Note not found")
    return note
