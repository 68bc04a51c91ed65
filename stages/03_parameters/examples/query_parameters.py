from typing import Annotated

from fastapi import FastAPI, Query

app = FastAPI()


@app.get("/orders")
def list_orders(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,  # optional, bounded, 20 when absent
    offset: Annotated[int, Query(ge=0)] = 0,
    status: str | None = None,  # optional, None when absent
) -> dict[str, object]:
    return {"limit": limit, "offset": offset, "status": status}


@app.get("/search")
def search(q: Annotated[str, Query(min_length=2, max_length=50)]) -> dict[str, str]:
    return {"q": q}  # no default: required
