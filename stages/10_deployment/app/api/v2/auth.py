"""v2's login: POST /api/v2/auth/token.

Logging in did not change in v2 (OAuth2 fixes the form and the answer), so v2
serves v1's router, under its own prefix: one route function, two paths. Its
errors are v2's all the same, since the error handlers go by the path
(app/api/problems.py).
"""

from app.api.v1.auth import router

__all__ = ["router"]
