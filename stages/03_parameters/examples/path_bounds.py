from typing import Annotated

from fastapi import FastAPI, Path

app = FastAPI()

# A type alias: write the rule once, use it in every route that takes an order id.
OrderId = Annotated[int, Path(ge=1, description="Ids are assigned from 1 up.")]


@app.get("/orders/{order_id}")
def read_order(order_id: OrderId) -> dict[str, int]:
    return {"order_id": order_id}


@app.delete("/orders/{order_id}", status_code=204)
def delete_order(order_id: OrderId) -> None:
    return None
