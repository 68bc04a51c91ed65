import functools
import logging
from collections.abc import Awaitable, Callable
from typing import ParamSpec

logger = logging.getLogger(__name__)
P = ParamSpec("P")


def log_failures(task: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
    @functools.wraps(task)
    async def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await task(*args, **kwargs)
        except Exception:
            handed = ", ".join(repr(arg) for arg in args if isinstance(arg, int | str))
            logger.exception("Background task %s(%s) failed", task.__name__, handed)

    return run


@log_failures
async def send_welcome_email(user_id: int) -> None:
    raise ConnectionError("mail server unreachable")
