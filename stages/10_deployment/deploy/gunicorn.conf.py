"""Gunicorn's settings for one replica of the Shop API.

Gunicorn is the process manager: it starts `workers` processes, restarts one
that dies, and on SIGTERM stops them gracefully. Each worker is uvicorn
(uvicorn-worker's UvicornWorker), which runs the asyncio event loop and speaks
ASGI to FastAPI. Every value can be changed from the environment, without a
new image.
"""

import os

# TODO 10.3: a first try, which serves on this machine and nowhere else.
# Inside a container, bind every interface on port 8000; take the number of
# workers from WEB_CONCURRENCY (2 by default); run uvicorn-worker's
# UvicornWorker (FastAPI is an ASGI app); trust X-Forwarded-* from the load
# balancer's network only (FORWARDED_ALLOW_IPS, never "*"); and give the
# requests in flight a graceful_timeout of a few seconds on SIGTERM.
bind = "127.0.0.1:8000"
workers = 1

# The app writes its own access lines (app/core/middleware.py), with the
# request id; Gunicorn's would repeat them without it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")

# Every line as JSON, Gunicorn's and uvicorn's included: one formatter for all.
# The formatter is named as a string, imported once the app is on the path.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "app.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
