from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI

app = FastAPI()
written: list[str] = []


class AuditTrail:
    def __init__(self, tasks: BackgroundTasks) -> None:
        self._tasks = tasks

    def record(self, action: str, resource: str, resource_id: int) -> None:
        self._tasks.add_task(written.append, f"{action} {resource} {resource_id}")


def get_audit_trail(background_tasks: BackgroundTasks) -> AuditTrail:
    return AuditTrail(background_tasks)  # the route's own BackgroundTasks


AuditDep = Annotated[AuditTrail, Depends(get_audit_trail)]


@app.delete("/notes/{note_id}", status_code=204)
def delete_note(note_id: int, background_tasks: BackgroundTasks, audit: AuditDep) -> None:
    background_tasks.add_task(written.append, f"note {note_id} gone")
    audit.record("delete", "note", note_id)  # same list: runs second
