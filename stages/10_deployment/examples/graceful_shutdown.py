import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    print("lifespan: open the database pool", flush=True)
    yield
    # After the last request in flight has been answered, never before it.
    print("lifespan: close the database pool", flush=True)


app = FastAPI(lifespan=lifespan)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/slow")
async def slow(seconds: float = 2.0) -> dict[str, float]:
    await asyncio.sleep(seconds)  # a slow query, a slow payment provider
    print(f"slow: answered after {seconds} s", flush=True)
    return {"slept": seconds}


if __name__ == "__main__":
    # On SIGTERM uvicorn stops accepting, gives the requests in flight up to
    # timeout_graceful_shutdown seconds, runs the lifespan's shutdown, then
    # exits. Under Gunicorn, graceful_timeout plays this part.
    port = int(os.environ.get("PORT", "8000"))
    uvicorn.run(app, host="127.0.0.1", port=port, timeout_graceful_shutdown=10)
