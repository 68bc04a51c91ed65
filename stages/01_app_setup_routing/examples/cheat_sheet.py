from fastapi import FastAPI, HTTPException, Response, status

app = FastAPI(title="Shop API", version="1.0.0", description="…")


@app.get("/things", tags=["things"])  # 200 by default
def list_things() -> list[str]:
    return []


@app.get("/things/{thing_id}", tags=["things"])  # path parameter, typed
def read_thing(thing_id: int) -> dict[str, int]:
    if thing_id != 1:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Thing not found")
    return {"id": thing_id}


@app.post("/things", status_code=status.HTTP_201_CREATED, tags=["things"])
def create_thing(name: str, response: Response) -> dict[str, str]:  # name: a query parameter
    response.headers["Location"] = "/things/1"
    return {"name": name}


@app.delete("/things/{thing_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["things"])
def delete_thing(thing_id: int) -> None:  # 204: no body at all
    pass
