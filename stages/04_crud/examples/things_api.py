from itertools import count
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

app = FastAPI()

Name = Annotated[str, Field(min_length=1, max_length=100)]  # each bound named once
Note = Annotated[str, Field(max_length=500)]


class ThingBase(BaseModel):
    name: Name
    note: Note | None = None


class ThingCreate(ThingBase):  # POST and PUT bodies
    model_config = ConfigDict(extra="forbid")


class ThingUpdate(BaseModel):  # PATCH body: all optional, same bounds
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    note: Note | None = None  # null clears it

    @field_validator("name")
    @classmethod
    def not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("can be left out, but cannot be null")
        return value


class Thing(ThingBase):  # what the API returns
    id: int


class Page(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0)


things: dict[int, Thing] = {}
thing_ids = count(1)
NOT_FOUND = "Thing not found"


@app.post("/things", status_code=status.HTTP_201_CREATED)
def create_thing(body: ThingCreate, response: Response) -> Thing:
    thing = Thing(id=next(thing_ids), **body.model_dump())
    things[thing.id] = thing
    response.headers["Location"] = f"/things/{thing.id}"
    return thing


@app.get("/things")
def list_things(page: Annotated[Page, Query()]) -> list[Thing]:
    return list(things.values())[page.offset : page.offset + page.limit]


@app.put("/things/{thing_id}")
def replace_thing(thing_id: int, body: ThingCreate) -> Thing:
    if thing_id not in things:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail=NOT_FOUND)
    things[thing_id] = Thing(id=thing_id, **body.model_dump())  # every field
    return things[thing_id]


@app.patch("/things/{thing_id}")
def update_thing(thing_id: int, body: ThingUpdate) -> Thing:
    current = things.get(thing_id)
    if current is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail=NOT_FOUND)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)  # only what was sent
    things[thing_id] = Thing.model_validate({**current.model_dump(), **changes, "id": thing_id})
    return things[thing_id]


@app.delete("/things/{thing_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_thing(thing_id: int) -> None:
    if things.pop(thing_id, None) is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail=NOT_FOUND)
