"""Stage 6: one AsyncSession per request, never shared, closed when the request
ends; a request's writes are committed before its response goes out."""

from typing import Annotated, Any
from urllib.parse import quote, unquote

import pytest
from fastapi import Depends

from checks.stage_06.shop import require_tables
from checks.support import expect, fail, learner
from checks.support.database import Database

PROBE = "/__workbook_check__/session"


def _probe_sessions(app):
    """A route of the checks' own, added to the learner's app, that asks for
    get_session like any route does and keeps what it was given."""
    from sqlalchemy import text

    get_session = learner.find("get_session")
    seen: list[Any] = []

    async def probe(session: Annotated[Any, Depends(get_session)]) -> dict[str, int]:
        if hasattr(session, "execute"):
            # Start a transaction, as any query does: the session must end it.
            await session.execute(text("SELECT 1"))
        seen.append(session)
        return {"requests": len(seen)}

    app.add_api_route(PROBE, probe, methods=["GET"])
    return seen


@pytest.mark.req("6.2")
def test_each_request_gets_a_session_of_its_own(app, client):
    """get_session gives each request a new AsyncSession (expire_on_commit=False), closed after."""
    from sqlalchemy.ext.asyncio import AsyncSession

    seen = _probe_sessions(app)
    for _ in range(3):
        response = client.get(PROBE)
        expect(
            response.status_code == 200,
            "a route that depends on get_session failed",
            expected="status 200 from a route that only runs SELECT 1 on the session",
            response=response,
        )
    session = seen[0]
    expect(
        isinstance(session, AsyncSession),
        f"get_session gave the route {type(session).__name__}, not an AsyncSession",
        expected="an sqlalchemy.ext.asyncio.AsyncSession, from async_sessionmaker(engine, …)",
        got=repr(session)[:200],
    )
    shared = len({id(one) for one in seen})
    expect(
        shared == len(seen),
        f"{len(seen)} requests were given {shared} session(s): requests share a session, so "
        "under load their queries, commits and rollbacks mix. get_session must open a new "
        "session for each request (async with sessions() as session: yield session)",
        expected=f"{len(seen)} different sessions for {len(seen)} requests",
        got=f"{shared} session(s)",
    )
    open_after = [index + 1 for index, one in enumerate(seen) if one.in_transaction()]
    expect(
        not open_after,
        f"after request {open_after[0] if open_after else ''} ended, its session is still in a "
        "transaction, holding a connection: get_session must close the session when the "
        "request is done (open it with `async with`, and yield inside it)",
        expected="every session closed once its request has ended",
        got=f"the sessions of requests {open_after} still in a transaction",
    )
    expect(
        session.sync_session.expire_on_commit is False,
        "the sessions are made with expire_on_commit=True (the default): after a commit, every "
        "attribute of every loaded object is expired, and reading one is a lazy query that "
        "asyncio cannot run (MissingGreenlet)",
        expected="async_sessionmaker(engine, expire_on_commit=False)",
        got="expire_on_commit=True",
    )


def _probe_unit_of_work(app, database, data):
    """Two routes of the checks' own that write a user row through get_session,
    inside the learner's unit of work: one succeeds, one raises. The success
    answers with a response that looks, as it is being sent, whether the row
    is committed yet."""
    from fastapi import HTTPException
    from fastapi.responses import JSONResponse
    from sqlalchemy import text

    get_session = learner.find("get_session")
    unit_of_work = learner.find("unit_of_work", kind="dependency")
    committed_when_sent: list[int] = []

    class LooksFirst(JSONResponse):
        async def __call__(self, scope, receive, send):
            email = unquote(self.headers["x-probe-email"])  # headers are latin-1
            committed_when_sent.append(await database.acount("users", "email = ?", email))
            await super().__call__(scope, receive, send)

    async def write(session, email):
        await session.execute(
            text("INSERT INTO users (username, email) VALUES (:username, :email)"),
            {"username": data.username(), "email": email},
        )

    async def succeeds(email: str, session: Annotated[Any, Depends(get_session)]):
        await write(session, email)
        return LooksFirst(
            {"written": email}, status_code=201, headers={"x-probe-email": quote(email)}
        )

    async def fails(email: str, session: Annotated[Any, Depends(get_session)]):
        await write(session, email)
        raise HTTPException(status_code=418, detail="the route failed after writing")

    app.add_api_route(f"{PROBE}/succeeds", succeeds, methods=["POST"], dependencies=[unit_of_work])
    app.add_api_route(f"{PROBE}/fails", fails, methods=["POST"], dependencies=[unit_of_work])
    return committed_when_sent


@pytest.mark.req("6.2")
def test_the_unit_of_work_commits_before_the_response(app, client, data, database_url):
    """A write route's writes are committed before its response is sent; a failed one's never."""
    database = Database(database_url)
    require_tables(app, database)
    committed_when_sent = _probe_unit_of_work(app, database, data)

    email = data.email()
    response = client.post(f"{PROBE}/succeeds", params={"email": email})
    expect(
        response.status_code == 201,
        "a route of the checks', which inserts one user row through get_session inside "
        "dependencies=[unit_of_work], did not answer",
        expected="status 201",
        response=response,
    )
    stored = database.count("users", "email = ?", email)
    if not stored:
        fail(
            "a route that wrote a row inside the unit of work succeeded, and the row is not in "
            "the table afterwards: the unit of work must commit the session when the route "
            "succeeds (await session.commit() after the yield)",
            expected="the row committed",
            response=response,
            got="no such row",
        )
    if committed_when_sent != [1]:
        fail(
            "the unit of work commits after the response has been sent: a client can hear "
            "201, ask for the record at once and not find it, and a commit that fails is never "
            'reported. Give the unit of work scope="function": '
            'Depends(get_unit_of_work, scope="function")',
            expected="the row committed before the response is sent",
            response=response,
            got="the row was not committed yet when the response went out",
        )

    email = data.email()
    response = client.post(f"{PROBE}/fails", params={"email": email})
    expect(
        response.status_code == 418,
        "a route that raised HTTPException(418) after writing should answer 418: the unit of "
        "work must re-raise the route's exception, not swallow it",
        expected="status 418",
        response=response,
    )
    expect(
        database.count("users", "email = ?", email) == 0,
        "a route that wrote a row and then raised left the row in the table: the unit of work "
        "must roll back when the route raises (and commit only when it succeeds)",
        expected="no row: the write rolled back",
        response=response,
        got="the row is in the table",
    )
