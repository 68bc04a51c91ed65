from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class UserPublic(BaseModel):
    id: int
    username: str


@app.get("/users/{user_id}")
def read_user(user_id: int) -> UserPublic:
    record = {"id": user_id, "username": "ada", "password_hash": "$argon2id$…"}
    return record  # validated as a UserPublic: password_hash is dropped
