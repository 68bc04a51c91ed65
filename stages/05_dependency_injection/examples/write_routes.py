from collections.abc import Iterator

from fastapi import Depends, FastAPI, HTTPException, status

notes = {1: "buy milk", 2: "call Ada"}


def get_unit_of_work() -> Iterator[None]:
    savepoint = dict(notes)
    try:
        yield
    except Exception:
        notes.clear()
        notes.update(savepoint)  # undo every write of the request
        raise


unit_of_work = Depends(get_unit_of_work, scope="function", max_concurrency=1)
app = FastAPI()


@app.delete("/notes", status_code=status.HTTP_204_NO_CONTENT, dependencies=[unit_of_work])
def delete_notes(ids: str) -> None:
    """Delete notes by id (?ids=1,2): all of them, or none if one is unknown."""
    for note_id in ids.split(","):
        if notes.pop(int(note_id), None) is None:
            raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Note not found")
