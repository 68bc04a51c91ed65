from typing import Annotated, Self

from fastapi import FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

app = FastAPI()


class OrderFilter(BaseModel):
    """Which orders, then which page of them."""

    model_config = ConfigDict(extra="forbid")  # ?limt=5 is a 422, not a silent no-op

    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0)
    min_total: float | None = Field(default=None, ge=0)
    max_total: float | None = Field(default=None, ge=0)
    status: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def check_range(self) -> Self:
        if (
            self.min_total is not None
            and self.max_total is not None
            and self.min_total > self.max_total
        ):
            raise ValueError("min_total is greater than max_total")
        return self


@app.get("/orders")
def list_orders(filters: Annotated[OrderFilter, Query()]) -> OrderFilter:
    return filters
