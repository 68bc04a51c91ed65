from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, FastAPI


class Repository:
    def __init__(self) -> None:
        self.savepoints_taken = 0

    def savepoint(self) -> int:
        self.savepoints_taken += 1
        return self.savepoints_taken

    def rollback(self, savepoint: int) -> None:
        pass


def get_repository() -> Repository:
    return Repository()  # a new one per call: only the cache makes the two uses agree


RepositoryDep = Annotated[Repository, Depends(get_repository)]


def get_unit_of_work(repository: RepositoryDep) -> Iterator[None]:
    savepoint = repository.savepoint()
    try:
        yield
    except Exception:
        repository.rollback(savepoint)
        raise


app = FastAPI()


@app.post("/writes", dependencies=[Depends(get_unit_of_work)])
def write(repository: RepositoryDep) -> dict[str, int]:
    return {"savepoints_taken": repository.savepoints_taken}  # 1: the same repository
