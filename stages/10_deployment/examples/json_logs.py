import json
import logging
import logging.config
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# The id of the request this task is serving. A ContextVar is per task, not
# per process: two requests served at once by one worker each see their own.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line, whoever logged it."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (current := request_id.get()) is not None:
            line["request_id"] = current  # every line about a request, not only its access line
        line.update(getattr(record, "fields", {}))  # logger.info(..., extra={"fields": {...}})
        if record.exc_info:
            # One field: json.dumps escapes the newlines, so the traceback stays on its line.
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)  # default=str: a UUID or a Decimal as its text


# The shape of Gunicorn's logconfig_dict: one formatter, one handler, every logger.
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": JsonFormatter}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"handlers": ["console"], "level": "INFO"},
}

if __name__ == "__main__":
    logging.config.dictConfig(LOGGING)
    log = logging.getLogger("shop.orders")
    log.info("starting")
    request_id.set("3f2a9c")
    log.info("order placed", extra={"fields": {"order_id": 42}})
    try:
        raise ConnectionError("the mail server does not answer")
    except ConnectionError:
        log.exception("the receipt was not sent")
