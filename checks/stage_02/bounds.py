"""Stage 2: every bound its models hold, one a line (checks/support/bounds.py
says how to read them). A requirement states it, and test_bounds.py tries both
of its sides; "-": an earlier stage's criterion states it (and its checks try
it). tests/test_bounds.py keeps this table equal
to the bounds in the solution's models."""

from checks.support.bounds import parse

TABLE = """
2.4 POST /users body username len 3..32
2.4 POST /users body password len 8..128
2.6 POST /products body name len 1..100
2.6 POST /products body price num >0
2.6 POST /products body description len ..500
"""

BOUNDS = parse(TABLE)
