from fastapi import BackgroundTasks, FastAPI
from fastapi.testclient import TestClient

app = FastAPI()
log: list[str] = []


@app.post("/ping")
def ping(background_tasks: BackgroundTasks) -> dict[str, str]:
    background_tasks.add_task(log.append, "task ran")
    return {"status": "ok"}


if __name__ == "__main__":
    with TestClient(app) as client:
        client.post("/ping")
        assert log == ["task ran"]  # already: TestClient waited for the task
        print(log)
