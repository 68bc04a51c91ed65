"""Log records as JSON lines: one object per line, for machines to read.

Behind a load balancer, the logs of every replica end up in one place, and
are searched, not read: "every line about request 3f2a…", "every 5xx of the
last hour". A line that is one JSON object can be searched field by field;
a line of prose has to be parsed back with a regular expression.

`JsonFormatter` is the formatter of every handler in the deployment's logging
configuration (deploy/gunicorn.conf.py), so Gunicorn's lines, uvicorn's and
the app's all come out the same way. The fields a call adds with
`extra={"fields": {...}}` join the line as they are.
"""

import json
import logging
from datetime import UTC, datetime
from typing import Any


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON: time, level, logger and message,
    the record's `fields`, and the traceback of an exception, if any."""

    def format(self, record: logging.LogRecord) -> str:
        # TODO 10.6: one JSON object per record: time, level, logger, message,
        # the record's `fields`, and the formatted exception when there is one.
        # Until then, the plain text of logging's own Formatter.
        return super().format(record)
