from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends, FastAPI, Response

app = FastAPI()


class Paginator:
    def __init__(self, response: Response) -> None:
        self._response = response

    def paginate(self, records: Iterable[int], limit: int, offset: int) -> list[int]:
        everything = list(records)
        self._response.headers["X-Total-Count"] = str(len(everything))
        return everything[offset : offset + limit]


@app.get("/numbers")
def list_numbers(paginator: Annotated[Paginator, Depends()]) -> list[int]:
    return paginator.paginate(range(1, 101), limit=10, offset=20)
