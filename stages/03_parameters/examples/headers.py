from typing import Annotated

from fastapi import FastAPI, Header

app = FastAPI()


@app.get("/whoami")
def whoami(
    user_agent: Annotated[str | None, Header()] = None,  # reads User-Agent
    x_request_id: Annotated[str | None, Header(max_length=64)] = None,  # X-Request-ID
) -> dict[str, str | None]:
    return {"agent": user_agent, "request_id": x_request_id}
