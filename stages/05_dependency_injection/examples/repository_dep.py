from typing import Annotated

from fastapi import Depends, FastAPI


class Repository:
    def __init__(self) -> None:
        self.products: dict[int, str] = {}


_repository = Repository()


def get_repository() -> Repository:
    return _repository


RepositoryDep = Annotated[Repository, Depends(get_repository)]
app = FastAPI()


@app.get("/products/{product_id}")
def read_product(product_id: int, repository: RepositoryDep) -> dict[str, str | None]:
    return {"name": repository.products.get(product_id)}
