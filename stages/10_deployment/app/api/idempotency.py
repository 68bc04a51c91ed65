"""POST /products with an Idempotency-Key, for both versions.

The two versions' product bodies differ (a float price, or a decimal and a
currency), but what a key means does not: a retry with the key of an earlier
request, and the same body, gets that product back, and creates nothing.
"""

import hashlib
import json
from typing import Annotated

from fastapi import Header, HTTPException, status
from pydantic import BaseModel

from app.data.repository import Repository
from app.schemas.common import Product
from app.services.tasks import AuditTrail

# Read from the Idempotency-Key header: FastAPI swaps the underscore of the
# parameter's name for a hyphen, and header names are case-insensitive.
IdempotencyKey = Annotated[str | None, Header(min_length=1, max_length=255)]

# The detail of a 422 for a key that comes back with another body.
KEY_REUSED = "Idempotency-Key was used with a different body"


def fingerprint(body: BaseModel) -> str:
    """A digest of what a create asks for: equal for equal bodies, however the
    JSON was spaced or its keys ordered."""
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def create_product_once(
    body: BaseModel, key: str | None, repository: Repository, audit: AuditTrail
) -> Product:
    """The product `body` describes: created now, or, for a key an earlier
    request brought, the product that request created (404 if it was deleted
    since, 422 if that request had another body)."""
    if key is None:
        created = await repository.products.add(**body.model_dump())
        audit.record("create", "product", created.id)
        return created
    digest = fingerprint(body)
    # The key is claimed before the product is made, in the same transaction:
    # if this request fails, both go; if another holds the key, it waits.
    if await repository.idempotency_keys.claim(key, digest):
        created = await repository.products.add(**body.model_dump())
        await repository.idempotency_keys.link(key, created.id)
        # Only here: a replay, which answers an earlier product, wrote nothing.
        audit.record("create", "product", created.id)
        return created
    claim = await repository.idempotency_keys.get(key)
    if claim is None or claim.fingerprint != digest:
        raise HTTPException(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, detail=KEY_REUSED)
    first = None if claim.product_id is None else await repository.products.get(claim.product_id)
    if first is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    return first
