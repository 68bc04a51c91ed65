from typing import Annotated

from fastapi import FastAPI, Query

app = FastAPI()


@app.get("/posts")
def list_posts(tag: Annotated[list[str] | None, Query()] = None) -> dict[str, list[str]]:
    return {"tag": tag or []}
