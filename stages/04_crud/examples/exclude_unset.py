from pydantic import BaseModel


class NoteUpdate(BaseModel):
    text: str | None = None
    pinned: bool | None = None


if __name__ == "__main__":
    changes = NoteUpdate.model_validate({"pinned": True})
    print(changes.model_fields_set)  # {'pinned'}
    print(changes.model_dump())  # {'text': None, 'pinned': True}
    print(changes.model_dump(exclude_unset=True))  # {'pinned': True}
    cleared = NoteUpdate.model_validate({"text": None})
    print(cleared.model_dump(exclude_none=True))  # {}: the null the client sent is lost
