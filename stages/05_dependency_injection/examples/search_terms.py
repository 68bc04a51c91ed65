from typing import Annotated

from fastapi import Depends, FastAPI, Query

app = FastAPI()


def search_terms(q: Annotated[str | None, Query(max_length=100)] = None) -> list[str]:
    """Split ?q= into lower-case words."""
    return q.lower().split() if q else []


@app.get("/search")
def search(terms: Annotated[list[str], Depends(search_terms)]) -> dict[str, list[str]]:
    return {"terms": terms}
