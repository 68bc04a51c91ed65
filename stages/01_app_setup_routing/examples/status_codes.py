from itertools import count

from fastapi import FastAPI, HTTPException, Response, status

app = FastAPI()
notes: dict[int, str] = {}
note_ids = count(1)


@app.post("/notes", status_code=status.HTTP_201_CREATED)
def create_note(text: str, response: Response) -> dict[str, int | str]:
    note_id = next(note_ids)
    notes[note_id] = text
    response.headers["Location"] = f"/notes/{note_id}"
    return {"id": note_id, "text": text}


@app.get("/notes/{note_id}")
def read_note(note_id: int) -> dict[str, int | str]:
    if note_id not in notes:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Note not found")
    return {"id": note_id, "text": notes[note_id]}


@app.delete("/notes/{note_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_note(note_id: int) -> None:
    if notes.pop(note_id, None) is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Note not found")
