from typing import Annotated

from pydantic import BaseModel, Field, ValidationError, field_validator

# Each bound named once: the create model and the update model both use it.
Text = Annotated[str, Field(min_length=1, max_length=500)]


class NoteCreate(BaseModel):
    text: Text
    colour: str | None = None


class NoteUpdate(BaseModel):
    text: Text | None = None
    colour: str | None = None  # null means "no colour": allowed

    @field_validator("text")
    @classmethod
    def not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("can be left out, but cannot be null")
        return value


if __name__ == "__main__":
    print(NoteUpdate.model_validate({}).model_dump(exclude_unset=True))  # {}: no validator ran
    try:
        NoteUpdate.model_validate({"text": None})
    except ValidationError as error:
        print(error.errors()[0]["loc"], error.errors()[0]["msg"])  # ('text',) Value error, …
