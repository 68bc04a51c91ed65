from typing import Annotated

from fastapi import FastAPI, Header
from pydantic import BaseModel

app = FastAPI()


class Note(BaseModel):
    text: str


@app.put("/orders/{order_id}/note")
def set_note(
    order_id: int,  # path: it is in the template
    note: Note,  # body: a model
    notify: bool = False,  # query: a single value
    user_agent: Annotated[str | None, Header()] = None,  # header: User-Agent
) -> dict[str, object]:
    return {"order_id": order_id, "text": note.text, "notify": notify, "agent": user_agent}
