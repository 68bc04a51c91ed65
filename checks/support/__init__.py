"""What the reference checks share: readable failures, a recording client and
random data. A check reads like a requirement:

    @pytest.mark.req("1.3")
    def test_health_reports_ok(client):
        response = client.get("/health")
        expect_status(response, 200)
        expect_json(response, {"status": "ok"})
"""

from checks.support import learner, structure
from checks.support.data import RandomData
from checks.support.failures import (
    CheckFailure,
    Todo,
    body_of,
    expect,
    expect_header,
    expect_json,
    expect_status,
    fail,
    todo,
)

__all__ = [
    "CheckFailure",
    "RandomData",
    "Todo",
    "body_of",
    "expect",
    "expect_header",
    "expect_json",
    "expect_status",
    "fail",
    "learner",
    "structure",
    "todo",
]
