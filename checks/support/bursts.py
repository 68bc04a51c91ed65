"""Requests fired all at once at a live server (`live_server`, a real uvicorn
on loopback), and their outcomes summed up for a report.

    results = run(all_at_once(live_server, [lambda http: http.post("/orders", json=order)] * 20))
    codes = statuses(results)          # [201, 201, 409, …, "ReadTimeout"]
    tally(codes)                       # "5 × 201, 15 × 409"
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from checks.support.live import LiveServer


def run(coroutine: Awaitable[Any]) -> Any:
    """Run the checks' own asyncio code to its end (the app is in another process)."""
    return asyncio.run(coroutine)  # type: ignore[arg-type]


def async_client(server: LiveServer, timeout: float = 20) -> Any:
    """An httpx AsyncClient for `server`, with room for a whole burst at once."""
    import httpx2

    return httpx2.AsyncClient(
        base_url=server.url,
        timeout=timeout,
        # Enough connections for every request of a burst at once, and no
        # proxy from the environment between the checks and 127.0.0.1.
        limits=httpx2.Limits(max_connections=200, max_keepalive_connections=200),
        trust_env=False,
    )


async def all_at_once(
    server: LiveServer, calls: list[Callable[[Any], Awaitable[Any]]]
) -> list[Any]:
    """Start every call at once on one client; each result is a response, or
    the exception that stopped it."""
    async with async_client(server) as client:
        return await asyncio.gather(*(call(client) for call in calls), return_exceptions=True)


def statuses(results: list[Any]) -> list[int | str]:
    """Each result's status code, or the name of the exception that stopped it."""
    return [
        result.status_code if hasattr(result, "status_code") else type(result).__name__
        for result in results
    ]


def tally(codes: list[int | str]) -> str:
    """`statuses` counted: "5 × 201, 15 × 409"."""
    counts: dict[str, int] = {}
    for code in codes:
        counts[str(code)] = counts.get(str(code), 0) + 1
    return ", ".join(f"{count} × {code}" for code, count in sorted(counts.items()))


def first_error(results: list[Any], server: LiveServer) -> str:
    """What went wrong with the first failed request (an exception, or a 5xx with
    the end of the server's log), for a report."""
    for result in results:
        if isinstance(result, BaseException):
            return f"{type(result).__name__}: {result}"
        if result.status_code >= 500:
            log = server.log_tail(8)
            return f"{result.status_code} {result.text[:200]}" + (
                f"\nthe server's log ends:\n{log}" if log else ""
            )
    return ""


def elapsed(start: float) -> float:
    """Seconds since `start`, a time.monotonic() reading."""
    return time.monotonic() - start
