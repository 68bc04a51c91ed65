from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient


def get_greeting() -> str:
    return "Hello"


app = FastAPI()


@app.get("/")
def read_root(greeting: Annotated[str, Depends(get_greeting)]) -> dict[str, str]:
    return {"message": greeting}


def test_the_greeting_can_be_swapped() -> None:
    app.dependency_overrides[get_greeting] = lambda: "Bonjour"
    try:
        with TestClient(app) as client:
            assert client.get("/").json() == {"message": "Bonjour"}
    finally:
        app.dependency_overrides.clear()
