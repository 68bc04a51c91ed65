from typing import Annotated

from fastapi import Body, FastAPI, Path

app = FastAPI()


@app.patch("/orders/{order_id}/discount")
def set_discount(
    order_id: Annotated[int, Path(ge=1)],  # path
    percent: Annotated[int, Body(embed=True, ge=0, le=90)],  # body: {"percent": 15}
    dry_run: bool = False,  # query: ?dry_run=true
) -> dict[str, object]:
    return {"order_id": order_id, "percent": percent, "stored": not dry_run}
