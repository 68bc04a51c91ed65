from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Health(BaseModel):
    status: str


@app.get("/health")
def read_health() -> Health:
    return Health(status="ok")


@app.get("/broken-health")
def read_broken_health() -> Health:
    return {"state": "ok"}  # not a Health: FastAPI raises instead of sending it
