"""Stage 6: every bound its models hold, one a line (checks/support/bounds.py
says how to read them). A requirement states it, and test_bounds.py tries both
of its sides; "-": an earlier stage's criterion states it (and its checks try
it). tests/test_bounds.py keeps this table equal
to the bounds in the solution's models."""

from checks.support.bounds import parse

TABLE = """
- GET /users/{user_id} path user_id int 1..
- DELETE /users/{user_id} path user_id int 1..
- POST /users body username len 3..32
- POST /users body password len 8..128
- GET /users query limit int 1..100
- GET /users query offset int 0..
- POST /products header idempotency-key len 1..255
- POST /products body name len 1..100
- POST /products body price num >0
- POST /products body description len ..500
- POST /products body tags items ..10
- POST /products body tags[] len 1..30
6.5 POST /products body stock int 0..1_000_000
- GET /products query limit int 1..100
- GET /products query offset int 0..
- GET /products query min_price num 0..
- GET /products query max_price num 0..
- GET /products query tag items ..10
- GET /products query tag[] len 1..30
- GET /products query q len 1..100
- GET /products/{product_id} path product_id int 1..
- PUT /products/{product_id} path product_id int 1..
- PUT /products/{product_id} body name len 1..100
- PUT /products/{product_id} body price num >0
- PUT /products/{product_id} body description len ..500
- PUT /products/{product_id} body tags items ..10
- PUT /products/{product_id} body tags[] len 1..30
6.5 PUT /products/{product_id} body stock int 0..1_000_000
- PATCH /products/{product_id} path product_id int 1..
- PATCH /products/{product_id} body name len 1..100
- PATCH /products/{product_id} body price num >0
- PATCH /products/{product_id} body description len ..500
- PATCH /products/{product_id} body tags items ..10
- PATCH /products/{product_id} body tags[] len 1..30
6.5 PATCH /products/{product_id} body stock int 0..1_000_000
- DELETE /products/{product_id} path product_id int 1..
- PATCH /products/{product_id}/price path product_id int 1..
- PATCH /products/{product_id}/price body price num >0
- POST /products/price-changes body changes items 1..100
- POST /products/price-changes body changes[].product_id int 1..
- POST /products/price-changes body changes[].price num >0
- GET /categories/{category}/products query limit int 1..100
- GET /categories/{category}/products query offset int 0..
- GET /categories/{category}/products query min_price num 0..
- GET /categories/{category}/products query max_price num 0..
- GET /categories/{category}/products query tag items ..10
- GET /categories/{category}/products query tag[] len 1..30
- GET /categories/{category}/products query q len 1..100
6.5 POST /orders body product_id int 1..
6.5 POST /orders body quantity int 1..100
6.5 GET /orders/{order_id} path order_id int 1..
- setting ACCESS_TOKEN_EXPIRE_MINUTES int >0
"""

BOUNDS = parse(TABLE)
