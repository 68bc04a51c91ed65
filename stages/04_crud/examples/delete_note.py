from fastapi import FastAPI, HTTPException, status

app = FastAPI()
notes = {1: "buy milk"}


@app.delete("/notes/{note_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_note(note_id: int) -> None:
    if notes.pop(note_id, None) is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Note not found")
