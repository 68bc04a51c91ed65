from enum import StrEnum

from fastapi import FastAPI

app = FastAPI()


class Size(StrEnum):
    small = "small"
    medium = "medium"
    large = "large"


@app.get("/sizes/{size}")
def describe(size: Size) -> dict[str, str]:
    # `size` is a member of Size, and a StrEnum member also is the string itself.
    return {"size": size, "shout": size.upper(), "is_large": str(size is Size.large)}
