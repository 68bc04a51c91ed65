from fastapi import FastAPI

app = FastAPI()


@app.get("/users/{user_id}")
def read_user(user_id: int) -> dict[str, int]:
    return {"user_id": user_id}


@app.get("/users/me")  # never reached: /users/{user_id} matches "/users/me" first
def read_current_user() -> dict[str, str]:
    return {"username": "guest"}
