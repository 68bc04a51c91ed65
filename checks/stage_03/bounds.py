"""Stage 3: every bound its models hold, one a line (checks/support/bounds.py
says how to read them). A requirement states it, and test_bounds.py tries both
of its sides; "-": an earlier stage's criterion states it (and its checks try
it). tests/test_bounds.py keeps this table equal
to the bounds in the solution's models."""

from checks.support.bounds import parse

TABLE = """
3.1 GET /users/{user_id} path user_id int 1..
- POST /users body username len 3..32
- POST /users body password len 8..128
3.8 POST /products header idempotency-key len 1..255
- POST /products body name len 1..100
- POST /products body price num >0
- POST /products body description len ..500
3.4 POST /products body tags items ..10
3.4 POST /products body tags[] len 1..30
3.2 GET /products query limit int 1..100
3.2 GET /products query offset int 0..
3.3 GET /products query min_price num 0..
3.3 GET /products query max_price num 0..
3.4 GET /products query tag items ..10
3.4 GET /products query tag[] len 1..30
3.1 GET /products/{product_id} path product_id int 1..
3.1 DELETE /products/{product_id} path product_id int 1..
3.7 PATCH /products/{product_id}/price path product_id int 1..
3.7 PATCH /products/{product_id}/price body price num >0
3.6 GET /categories/{category}/products query limit int 1..100
3.6 GET /categories/{category}/products query offset int 0..
3.6 GET /categories/{category}/products query min_price num 0..
3.6 GET /categories/{category}/products query max_price num 0..
3.6 GET /categories/{category}/products query tag items ..10
3.6 GET /categories/{category}/products query tag[] len 1..30
"""

BOUNDS = parse(TABLE)
